"""Calibration targets: a district's own published figures, in a file, validated.

A targets file (TOML) says which KPIs a district reported, how close the
model's mean must come, which scenario parameter is fitted to each figure and
along which ridge the fit is traced::

    name = "Yuelu District 2013"
    source = "seed article: 191,232 households visited, 9,120 issues collected, 7,290 resolved"

    [[targets]]
    kpi = "households_visited"
    value = 191232
    tolerance = 0.03                 # relative: the mean must lie within ±3 %

    [[targets]]
    kpi = "issues_collected"
    value = 9120
    tolerance = 0.05

    [free]                           # optional: which parameter fits which target
    "staff.hours_per_week.information_officer" = "households_visited"
    "households.latent_issues_per_year" = "issues_collected"

    [ridge]                          # optional: the parameter held at each value of a grid
    key = "collect.detect_probability"
    values = [0.2, 0.4, 0.6, 0.8]

Without ``[free]`` each target takes the parameter of :data:`DEFAULT_FREE`
(the three of the Yuelu calibration); without ``[ridge]`` the ridge is
:data:`DEFAULT_RIDGE_KEY` over :data:`DEFAULT_RIDGE_VALUES`. A free parameter
is a numeric scenario key (fitted by secant steps) or a table of numbers such
as ``handle.resolvable_share`` (a common scale on all its values, each capped
at its bound). Each target takes exactly one free parameter and each free
parameter one target. :func:`read_targets` reads a file into a
:class:`Targets`; every problem is one line naming the file and the key, as a
:class:`TargetsError` (an :class:`~gridsim.fileio.InputError`: exit code 2 on
the command line). The fit itself is :mod:`gridsim.experiments.calibration`.

This module sits in the experiments layer so that both the calibration and
the planning layer above can read the same files.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from gridsim.fileio import InputError, display_path
from gridsim.kpi_registry import KPIS
from gridsim.scenario import Scenario, ScenarioError, read_toml
from gridsim.scenario.errors import describe, hint
from gridsim.scenario.values import CategoryProbabilities, CategoryShares, TierShares

__all__ = [
    "DEFAULT_FREE",
    "DEFAULT_RIDGE_KEY",
    "DEFAULT_RIDGE_VALUES",
    "YUELU_BANDS",
    "YUELU_NAME",
    "YUELU_SOURCE",
    "KeyInfo",
    "Targets",
    "TargetsError",
    "read_targets",
    "scenario_key",
]

YUELU_NAME = "Yuelu District 2013"
"""Name of the Yuelu targets (``scenarios/targets/yuelu-2013.toml``)."""

YUELU_SOURCE = "seed article: 191,232 households visited, 9,120 issues collected, 7,290 resolved"
"""Where the Yuelu figures come from (``../shared/seeds/SEED-FACTS.md``)."""

YUELU_BANDS: dict[str, tuple[float, float]] = {
    "households_visited": (191_232.0, 0.03),
    "issues_collected": (9_120.0, 0.05),
    "issues_resolved": (7_290.0, 0.05),
}
"""KPI → (published 2013 value, allowed relative deviation of the mean)."""

DEFAULT_FREE: dict[str, str] = {
    "staff.hours_per_week.information_officer": "households_visited",
    "households.latent_issues_per_year": "issues_collected",
    "handle.resolvable_share": "issues_resolved",
}
"""Free parameter → the target it fits, for a file without ``[free]``."""

DEFAULT_RIDGE_KEY = "collect.detect_probability"
"""The parameter held fixed along the ridge, for a file without ``[ridge]``."""

DEFAULT_RIDGE_VALUES: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""The values the ridge is traced at, for a file without ``[ridge]``."""

MAX_TARGETS = 50
"""Most targets in one file (each one more free parameter to fit)."""

MAX_RIDGE_VALUES = 200
"""Most ridge values in one file (each a full fit)."""


class TargetsError(InputError):
    """A targets file is invalid (one line per problem, naming the file and the key)."""


# -- the scenario keys a targets file names ---------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """What a scenario key is, for fitting: a number with bounds, or a table of them.

    Attributes:
        key: The dotted key.
        kind: ``"number"`` (a float), ``"integer"``, ``"table"`` (every value a
            float: fitted by a common scale) or ``"other"`` (text, a switch, a
            table of anything else: never fitted).
        lo: Lowest value allowed (for a table: of each entry), ``-inf`` if none.
        lo_open: Whether ``lo`` itself is refused (``> lo`` rather than ``≥ lo``).
        hi: Highest value allowed, ``inf`` if none.
        hi_open: Whether ``hi`` itself is refused.
        entries: A table's entries (names in schema order) with their upper bounds.
        sums_to_one: A table whose values must sum to 1 (no scale keeps that).
        what: How to describe a key of kind ``"other"`` in a message.
    """

    key: str
    kind: Literal["number", "integer", "table", "other"]
    lo: float = -math.inf
    lo_open: bool = False
    hi: float = math.inf
    hi_open: bool = False
    entries: tuple[tuple[str, float], ...] = ()
    sums_to_one: bool = False
    what: str = ""

    def admits(self, value: float) -> bool:
        """Whether a number lies within the key's bounds."""
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def bounds_text(self) -> str:
        """The bounds as a message shows them, e.g. ``> 0, ≤ 365``."""
        parts = []
        if self.lo > -math.inf:
            parts.append(f"{'>' if self.lo_open else '≥'} {self.lo:g}")
        if self.hi < math.inf:
            parts.append(f"{'<' if self.hi_open else '≤'} {self.hi:g}")
        return ", ".join(parts) or "any number"


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X`` (a key that may be unset is still of type X)."""
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _bounds(info: Any) -> tuple[float, bool, float, bool]:
    """A pydantic field's numeric bounds: (lo, lo_open, hi, hi_open)."""
    lo, lo_open, hi, hi_open = -math.inf, False, math.inf, False
    for meta in info.metadata:
        for attr, is_lo, is_open in (
            ("ge", True, False),
            ("gt", True, True),
            ("le", False, False),
            ("lt", False, True),
        ):
            bound = getattr(meta, attr, None)
            if bound is None:
                continue
            if is_lo and float(bound) >= lo:
                lo, lo_open = float(bound), is_open
            elif not is_lo and float(bound) <= hi:
                hi, hi_open = float(bound), is_open
    return lo, lo_open, hi, hi_open


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def scenario_key(key: str) -> KeyInfo:
    """What a dotted scenario key is (see :class:`KeyInfo`).

    Args:
        key: e.g. ``households.latent_issues_per_year`` or ``handle.resolvable_share``.

    Returns:
        Its kind and bounds, read from the scenario schema.

    Raises:
        ValueError: The key is not a scenario key (the message says which part, with a
            "did you mean" when one is close).
    """
    parts = key.split(".")
    model: type[BaseModel] = Scenario
    for i, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            where = ".".join(parts[: i + 1])
            raise ValueError(f"'{where}' is not a scenario key{hint(part, model)}")
        annotation = _unwrap(info.annotation)
        last = i == len(parts) - 1
        if not last:
            if not _is_model(annotation):
                where = ".".join(parts[: i + 1])
                raise ValueError(f"'{where}' is not a table: '{key}' is not a scenario key")
            model = annotation
            continue
        if _is_model(annotation):
            return _table_info(key, annotation)
        lo, lo_open, hi, hi_open = _bounds(info)
        if issubclass(model, CategoryProbabilities):
            hi = min(hi, 1.0)
        if annotation is float:
            sums = issubclass(model, CategoryShares | TierShares)
            return KeyInfo(key, "number", lo, lo_open, hi, hi_open, sums_to_one=sums)
        if annotation is int:
            return KeyInfo(key, "integer", lo, lo_open, hi, hi_open)
        what = "a switch (true/false)" if annotation is bool else "not a number"
        return KeyInfo(key, "other", what=what)
    raise AssertionError("unreachable")  # pragma: no cover


def _table_info(key: str, table: type[BaseModel]) -> KeyInfo:
    entries = []
    lo, lo_open = -math.inf, False
    for name, info in table.model_fields.items():
        if _unwrap(info.annotation) is not float:
            return KeyInfo(key, "other", what="a table of more than numbers")
        e_lo, e_lo_open, e_hi, _ = _bounds(info)
        if issubclass(table, CategoryProbabilities):
            e_hi = min(e_hi, 1.0)
        if e_lo > lo:
            lo, lo_open = e_lo, e_lo_open
        entries.append((name, e_hi))
    sums = issubclass(table, CategoryShares | TierShares)
    return KeyInfo(key, "table", lo, lo_open, entries=tuple(entries), sums_to_one=sums)


# -- the file -----------------------------------------------------------------------------


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_number)]
"""A float that a file writes as a number (not ``true``, not ``"3"``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class TargetSpec(_Strict):
    """One ``[[targets]]`` entry: a published figure and how close the mean must come."""

    kpi: str = Field(min_length=1)
    value: Number = Field(gt=0, description="The published figure (in the KPI's unit).")
    tolerance: Number = Field(gt=0, lt=1, description="Allowed relative deviation of the mean.")


class RidgeSpec(_Strict):
    """``[ridge]``: the parameter held fixed at each value of a grid."""

    key: str = Field(min_length=1)
    values: list[Number] = Field(min_length=1, max_length=MAX_RIDGE_VALUES)


class TargetsFile(_Strict):
    """The contents of a targets file, as written (defaults not yet filled in)."""

    name: str = Field(min_length=1)
    source: str = ""
    targets: list[TargetSpec] = Field(min_length=1, max_length=MAX_TARGETS)
    free: dict[str, str] | None = None
    ridge: RidgeSpec | None = None


def _loc(parts: Iterable[Any]) -> str:
    """A pydantic location as a file's key: ``targets[1].kpi``, ``free."a.b"``."""
    out = ""
    parts = list(parts)
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and parts[i - 1] == "free":
            out += f'."{part}"'
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class Targets:
    """What a calibration fits: targets, a free parameter for each, and the ridge.

    Build one with :func:`read_targets` (a file) or :meth:`from_bands`.

    Attributes:
        name: What the figures describe (``"Yuelu District 2013"``).
        source: Where they come from.
        bands: KPI → (target value, relative tolerance), in the file's order.
        free: Free parameter (dotted key) → the KPI it fits, in fitting order.
        ridge_key: The parameter held fixed along the ridge.
        ridge_values: Its values, one fit each.
        origin: The file read (for messages; not compared).
    """

    name: str
    source: str
    bands: dict[str, tuple[float, float]]
    free: dict[str, str]
    ridge_key: str = DEFAULT_RIDGE_KEY
    ridge_values: tuple[float, ...] = DEFAULT_RIDGE_VALUES
    origin: str = field(default="<targets>", compare=False)

    @classmethod
    def from_bands(
        cls,
        bands: Mapping[str, tuple[float, float]],
        *,
        name: str = YUELU_NAME,
        source: str = YUELU_SOURCE,
        free: Mapping[str, str] | None = None,
        ridge_key: str = DEFAULT_RIDGE_KEY,
        ridge_values: Iterable[float] = DEFAULT_RIDGE_VALUES,
        origin: str = "<targets>",
    ) -> Targets:
        """Targets from a ``{kpi: (value, tolerance)}`` mapping, checked.

        Args:
            bands: KPI → (target, relative tolerance).
            name: What the figures describe.
            source: Where they come from.
            free: Free parameter → KPI (default: :data:`DEFAULT_FREE`, for the
                targets it knows).
            ridge_key: The parameter held along the ridge.
            ridge_values: Its values.
            origin: Named in messages.

        Returns:
            The targets.

        Raises:
            TargetsError: One line per problem.
        """
        bands = {k: (float(v), float(t)) for k, (v, t) in bands.items()}
        chosen = (
            {k: kpi for k, kpi in DEFAULT_FREE.items() if kpi in bands}
            if free is None
            else dict(free)
        )
        targets = cls(
            name, source, bands, chosen, ridge_key, tuple(float(v) for v in ridge_values), origin
        )
        lines = targets.problems(explicit_free=free is not None)
        if lines:
            raise TargetsError(lines)
        return targets

    def with_ridge_values(self, values: Iterable[float]) -> Targets:
        """The same targets traced at other ridge values (checked against the key's bounds)."""
        out = Targets(
            self.name,
            self.source,
            self.bands,
            self.free,
            self.ridge_key,
            tuple(float(v) for v in values),
            self.origin,
        )
        lines = out._ridge_problems(self.ridge_key)
        if lines:
            raise TargetsError(lines)
        return out

    # -- checks ----------------------------------------------------------------------

    def problems(self, explicit_free: bool = True) -> list[str]:
        """Everything wrong with these targets, one line each naming ``origin`` and the key.

        Args:
            explicit_free: Whether the free parameters were named (``[free]``) rather
                than taken from :data:`DEFAULT_FREE`, for the message of a target
                without one.

        Returns:
            The lines (empty: the targets can be fitted as far as a file can tell).
        """
        where = self.origin
        lines: list[str] = []
        kpis = list(self.bands)
        for i, kpi in enumerate(kpis):
            if kpi not in KPIS:
                close = difflib.get_close_matches(kpi, list(KPIS), n=1)
                extra = f" (did you mean '{close[0]}'?)" if close else ""
                lines.append(f"{where}: targets[{i}].kpi: unknown KPI '{kpi}'{extra}")
            value, tol = self.bands[kpi]
            if not (math.isfinite(value) and value > 0):
                lines.append(f"{where}: targets[{i}].value: must be > 0, got {value!r}")
            if not 0 < tol < 1:
                lines.append(
                    f"{where}: targets[{i}].tolerance: must be > 0 and < 1 (relative: 0.05 is "
                    f"±5 %), got {tol!r}"
                )
        fitted_by: dict[str, str] = {}
        for key, kpi in self.free.items():
            at = f'{where}: free."{key}"'
            try:
                info = scenario_key(key)
            except ValueError as exc:
                lines.append(f"{at}: {exc}")
                continue
            problem = _free_problem(info)
            if problem:
                lines.append(f"{at}: {problem}")
            for other in self.free:
                if other != key and key.startswith(other + "."):
                    lines.append(f"{at}: lies inside the free table '{other}': fit one of them")
            if key == self.ridge_key or self.ridge_key.startswith(key + "."):
                lines.append(f"{at}: is the ridge key too; a parameter is either held or fitted")
            if kpi not in self.bands:
                listed = ", ".join(kpis)
                lines.append(f"{at}: '{kpi}' is not one of the targets ({listed})")
            elif kpi in fitted_by:
                lines.append(
                    f"{at}: '{fitted_by[kpi]}' already fits {kpi}; each target takes one "
                    "free parameter"
                )
            else:
                fitted_by[kpi] = key
        for i, kpi in enumerate(kpis):
            if kpi not in fitted_by and kpi in KPIS:
                defaults = ", ".join(DEFAULT_FREE.values())
                how = (
                    "name one in [free]"
                    if explicit_free
                    else f"add [free] naming one (the defaults fit only {defaults})"
                )
                lines.append(f"{where}: targets[{i}] ({kpi}): no free parameter fits it; {how}")
        lines += self._ridge_problems("ridge.key")
        return lines

    def _ridge_problems(self, label: str) -> list[str]:
        where = self.origin
        try:
            info = scenario_key(self.ridge_key)
        except ValueError as exc:
            return [f"{where}: {label}: {exc}"]
        if info.kind not in ("number", "integer"):
            what = "a table" if info.kind == "table" else info.what
            return [f"{where}: {label}: '{self.ridge_key}' is {what}; the ridge holds one number"]
        lines = []
        if not self.ridge_values:
            lines.append(f"{where}: ridge.values: give at least one value")
        seen: set[float] = set()
        for i, v in enumerate(self.ridge_values):
            at = f"{where}: ridge.values[{i}]"
            if not math.isfinite(v) or not info.admits(v):
                lines.append(f"{at}: {self.ridge_key} must be {info.bounds_text()}, got {v:g}")
            elif info.kind == "integer" and not float(v).is_integer():
                lines.append(f"{at}: {self.ridge_key} is a whole number, got {v:g}")
            if v in seen:
                lines.append(f"{at}: {v:g} is listed twice")
            seen.add(v)
        return lines

    # -- use -------------------------------------------------------------------------

    def within_bands(self, means: Mapping[str, float]) -> bool:
        """Whether every target's mean lies inside its band (a missing KPI does not)."""
        return all(
            k in means and abs(means[k] - v) <= tol * v for k, (v, tol) in self.bands.items()
        )

    def describe(self) -> str:
        """The targets in one line: ``households_visited 191,232 ±3%, ...``."""

        def shown(v: float) -> str:
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"

        return ", ".join(f"{k} {shown(v)} ±{t:.0%}" for k, (v, t) in self.bands.items())


def _free_problem(info: KeyInfo) -> str | None:
    """Why a key cannot be a free parameter, or None."""
    if info.kind == "integer":
        return "is a whole number; only a continuous parameter can be fitted"
    if info.kind == "other":
        return f"is {info.what}; a free parameter is a number or a table of numbers"
    if info.sums_to_one:
        kind = "a table of shares" if info.kind == "table" else "a share in a table"
        return f"is {kind} that must sum to 1; no common scale keeps that"
    if info.kind == "number" and info.lo < 0:
        return "may be negative; a free parameter is fitted by proportional steps on > 0"
    return None


def read_targets(path: str | Path) -> Targets:
    """Read and check a targets file.

    Args:
        path: The TOML file (a bounded regular file, as every input gridsim reads).

    Returns:
        The targets, with ``[free]`` and ``[ridge]`` filled from the defaults when absent.

    Raises:
        TargetsError: One line per problem, each naming the file and the key.
    """
    display = display_path(path)
    try:
        data = read_toml(path, display)
    except ScenarioError as exc:
        raise TargetsError(exc.problems) from None
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = _loc(err["loc"])
            lines.append(
                f"{display}: {loc}: {describe(err)}" if loc else f"{display}: {describe(err)}"
            )
        raise TargetsError(lines) from None
    kpis = [t.kpi for t in spec.targets]
    lines = []
    for i, kpi in enumerate(kpis):
        if kpi in kpis[:i]:
            lines.append(
                f"{display}: targets[{i}].kpi: '{kpi}' is already a target "
                f"(targets[{kpis.index(kpi)}])"
            )
    if lines:
        raise TargetsError(lines)
    bands = {t.kpi: (t.value, t.tolerance) for t in spec.targets}
    free = (
        {k: kpi for k, kpi in DEFAULT_FREE.items() if kpi in bands}
        if spec.free is None
        else dict(spec.free)
    )
    ridge_key = spec.ridge.key if spec.ridge is not None else DEFAULT_RIDGE_KEY
    values = tuple(spec.ridge.values) if spec.ridge is not None else DEFAULT_RIDGE_VALUES
    targets = Targets(spec.name, spec.source, bands, free, ridge_key, values, display)
    lines = targets.problems(explicit_free=spec.free is not None)
    if lines:
        raise TargetsError(lines)
    return targets
