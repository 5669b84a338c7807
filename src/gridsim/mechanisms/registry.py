"""The registry of mechanisms: every stage's names, kernel codes and classes, in one place.

A mechanism is one way of running one stage of the case pipeline. Its *name*
is what a scenario writes (``[assign] mode = "tiered"``), its *code* is the
integer the compiled kernel branches on (:mod:`gridsim.kernel.dispatch`), and
its *class* (:mod:`gridsim.mechanisms`) sets the kernel's switches. Names and
codes are declared here, one :class:`~enum.IntEnum` per stage, a member's name
in lower case being the scenario's name; the classes register themselves with
:func:`register`.

This module imports nothing of gridsim: the scenario layer builds its allowed
values from it (:func:`names`), and the kernel reads the codes as compile-time
constants (numba types an ``IntEnum`` member as an integer literal; this file
is part of the kernel's cache key, :data:`gridsim.kernel.jit.KERNEL_MODULES`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum, StrEnum
from typing import Any, TypeVar

__all__ = [
    "CODES",
    "LABELS",
    "REGISTRY",
    "SUMMARIES",
    "SUMMARIES_ZH",
    "Assign",
    "Collect",
    "Consult",
    "Stage",
    "Supervise",
    "Survey",
    "UnknownMechanism",
    "code",
    "lookup",
    "names",
    "options",
    "register",
]

T = TypeVar("T", bound=type)


class Stage(StrEnum):
    """The switchable stages, 集 collect → 交 assign → 办 consult → 督 supervise → 考 survey."""

    COLLECT = "collect"
    ASSIGN = "assign"
    CONSULT = "consult"
    SUPERVISE = "supervise"
    SURVEY = "survey"


class Collect(IntEnum):
    """集 collect: when a found issue is entered on the platform (``collect.mode``)."""

    SAME_DAY = 0
    BATCHED = 1


class Assign(IntEnum):
    """交 assign: which unit handles a case (``assign.mode``)."""

    TIERED = 0
    CENTRAL = 1
    WORKLOAD = 2


class Consult(IntEnum):
    """办 consult: how a multi-department case is settled (``handle.joint_consultation``)."""

    NONE = 0
    JOINT = 1


class Supervise(IntEnum):
    """督 supervise: queue order, red lights, escalation (``deadlines.enabled``)."""

    NONE = 0
    DEADLINES = 1


class Survey(IntEnum):
    """考 survey: who asks residents whether they are satisfied (``evaluate.third_party``)."""

    SELF = 0
    THIRD_PARTY = 1


CODES: dict[Stage, type[IntEnum]] = {
    Stage.COLLECT: Collect,
    Stage.ASSIGN: Assign,
    Stage.CONSULT: Consult,
    Stage.SUPERVISE: Supervise,
    Stage.SURVEY: Survey,
}
"""Each stage's codes (its :class:`~enum.IntEnum`)."""

SUMMARIES: dict[Stage, dict[str, str]] = {
    Stage.COLLECT: {
        "same_day": "enters a found issue on the platform the day it is found (当日收集)",
        "batched": "enters it at the next batch day",
    },
    Stage.ASSIGN: {
        "tiered": "sends each case to the unit of the tier its complexity calls for "
        "(分层解决、分类交办)",
        "central": "sends every case to its category's district department",
        "workload": "is tiered, but sends a grid or community case to the least loaded "
        "(work in hand per capacity) of its own unit and those of its grid's neighbours "
        "in the same street",
    },
    Stage.CONSULT: {
        "none": "lets a multi-department case bounce between offices",
        "joint": "settles multi-department cases at joint consultations (联合会商)",
    },
    Stage.SUPERVISE: {
        "none": "serves first come, first served, without time limits",
        "deadlines": "serves the earliest deadline first, with red lights and optional "
        "escalation (亮灯警示、限时办结)",
    },
    Stage.SURVEY: {
        "self": "lets units assess themselves",
        "third_party": "has a third-party firm run the survey (第三方专业测评)",
    },
}
"""What each mechanism does, in a clause (the scenario reference, the explorer's tooltips)."""

SUMMARIES_ZH: dict[Stage, dict[str, str]] = {
    Stage.COLLECT: {
        "same_day": "发现问题当天录入平台（当日收集）",
        "batched": "在下一个批量录入日录入",
    },
    Stage.ASSIGN: {
        "tiered": "按案件复杂程度交给相应层级的单位（分层解决、分类交办）",
        "central": "所有案件交给其类别对应的区直部门",
        "workload": "分级交办，但网格或社区案件交给本单位及同一街道内相邻网格的单位中"
        "负荷最轻（在办案件数与办理能力之比最小）的一个",
    },
    Stage.CONSULT: {
        "none": "多部门案件在各部门之间来回推诿",
        "joint": "通过联合会商解决多部门案件（联合会商）",
    },
    Stage.SUPERVISE: {
        "none": "先到先办，不设时限",
        "deadlines": "时限最早者先办，亮红灯并可升级督办（亮灯警示、限时办结）",
    },
    Stage.SURVEY: {
        "self": "由承办单位自行评价",
        "third_party": "由第三方机构开展测评（第三方专业测评）",
    },
}
"""What each mechanism does, in Chinese (the Chinese reports' parameter table)."""

LABELS: dict[Stage, dict[str, dict[str, str]]] = {
    Stage.COLLECT: {
        "same_day": {"en": "same day", "zh": "当日"},
        "batched": {"en": "batched", "zh": "批量"},
    },
    Stage.ASSIGN: {
        "tiered": {"en": "tiered", "zh": "分级"},
        "central": {"en": "central (district)", "zh": "集中（区级）"},
        "workload": {"en": "workload-balanced", "zh": "按负荷分派"},
    },
    Stage.CONSULT: {
        "none": {"en": "no consultation", "zh": "无会商"},
        "joint": {"en": "joint consultation", "zh": "联合会商"},
    },
    Stage.SUPERVISE: {
        "none": {"en": "no time limits", "zh": "无时限"},
        "deadlines": {"en": "time limits", "zh": "限时办结"},
    },
    Stage.SURVEY: {
        "self": {"en": "self-assessed", "zh": "自评"},
        "third_party": {"en": "third party", "zh": "第三方"},
    },
}
"""Each mechanism's short display name, in English and Chinese (reports, the explorer)."""

REGISTRY: dict[Stage, dict[str, type]] = {stage: {} for stage in Stage}
"""Each stage's mechanism classes by name, filled by :func:`register`."""


class UnknownMechanism(ValueError):
    """A name that no mechanism of the stage is registered under."""


def _stage_of(member: IntEnum) -> Stage:
    for stage, codes in CODES.items():
        if isinstance(member, codes):
            return stage
    raise TypeError(f"{member!r} is not a mechanism code")


def names(stage: Stage | str) -> tuple[str, ...]:
    """The names a scenario may give a stage's mechanism, in code order.

    Args:
        stage: A stage (or its value, ``"assign"``).

    Returns:
        Lower-case member names of the stage's codes (``("tiered", "central", ...)``).
    """
    return tuple(member.name.lower() for member in CODES[Stage(stage)])


def code(stage: Stage | str, name: str) -> IntEnum:
    """The kernel code of a stage's mechanism.

    Args:
        stage: A stage.
        name: A mechanism name of that stage.

    Returns:
        Its code.

    Raises:
        UnknownMechanism: ``name`` is none of the stage's names (they are listed).
    """
    stage = Stage(stage)
    try:
        return CODES[stage][name.upper()]
    except KeyError:
        allowed = ", ".join(repr(n) for n in names(stage))
        raise UnknownMechanism(
            f"unknown {stage.value} mechanism {name!r}: expected one of {allowed}"
        ) from None


def register(member: IntEnum) -> Callable[[T], T]:
    """Class decorator: register a mechanism class under its code's stage and name.

    The class gets ``stage``, ``name`` and ``code`` class attributes.

    Args:
        member: The mechanism's code (``Assign.WORKLOAD``).

    Returns:
        The decorator.

    Raises:
        ValueError: Another class is already registered under that name.
    """
    stage = _stage_of(member)
    name = member.name.lower()

    def decorator(cls: T) -> T:
        known = REGISTRY[stage].get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(f"{stage.value} mechanism {name!r} registered twice: {known}, {cls}")
        cls.stage, cls.name, cls.code = stage, name, member
        REGISTRY[stage][name] = cls
        return cls

    return decorator


def lookup(stage: Stage | str, name: str) -> Any:
    """The class registered under a stage's mechanism name.

    Args:
        stage: A stage.
        name: A mechanism name.

    Returns:
        The class (import :mod:`gridsim.mechanisms` first, which registers them all).

    Raises:
        UnknownMechanism: ``name`` is not registered for the stage (the names are listed).
    """
    stage = Stage(stage)
    try:
        return REGISTRY[stage][name]
    except KeyError:
        code(stage, name)  # raises for a name without a code
        raise UnknownMechanism(
            f"{stage.value} mechanism {name!r} has a code but no class registered"
        ) from None


def options(stage: Stage | str, lang: str = "en") -> list[tuple[str, str]]:
    """``(label, name)`` of each mechanism of a stage, in code order (a widget's options).

    Args:
        stage: A stage.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The options.
    """
    stage = Stage(stage)
    return [(LABELS[stage][n][lang], n) for n in names(stage)]
