"""The mechanisms of the five stages 集 collect → 交 assign → 办 handle → 复 reply → 考 evaluate.

Modules, lowest first:

* :mod:`~gridsim.mechanisms.registry` — each stage's mechanism names and
  kernel codes (one :class:`~enum.IntEnum` per stage) and the classes
  registered under them; imports nothing of gridsim, so the scenario layer
  takes its allowed values from it;
* :mod:`~gridsim.mechanisms.base` — the :class:`Mechanism` protocol;
* one module per stage, one class per mechanism:
  :mod:`~gridsim.mechanisms.collect`, :mod:`~gridsim.mechanisms.assign`,
  :mod:`~gridsim.mechanisms.consult`, :mod:`~gridsim.mechanisms.supervise`,
  :mod:`~gridsim.mechanisms.survey`;
* :mod:`~gridsim.mechanisms.build` — :func:`mechanisms_for`, the set a
  scenario selects.

A new mechanism is a code in the registry, a class registered under it in its
stage's module, and its branch in :mod:`gridsim.kernel.dispatch`.

Importing this package is cheap (the registry is read by the scenario
layer): the names below load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gridsim.vocab import TIERS

if TYPE_CHECKING:
    from gridsim.mechanisms.assign import CentralAssignment, TieredAssignment
    from gridsim.mechanisms.base import Mechanism
    from gridsim.mechanisms.build import Mechanisms, mechanisms_for
    from gridsim.mechanisms.collect import BatchedCollection, SameDayCollection
    from gridsim.mechanisms.consult import JointConsultation, NoConsultation
    from gridsim.mechanisms.registry import REGISTRY, Stage, UnknownMechanism
    from gridsim.mechanisms.supervise import DeadlineSupervision, NoSupervision
    from gridsim.mechanisms.survey import SelfAssessment, Survey, ThirdPartySurvey

__all__ = [
    "COMMUNITY",
    "DISTRICT",
    "GRID",
    "REGISTRY",
    "STREET",
    "BatchedCollection",
    "CentralAssignment",
    "DeadlineSupervision",
    "JointConsultation",
    "Mechanism",
    "Mechanisms",
    "NoConsultation",
    "NoSupervision",
    "Policy",
    "SameDayCollection",
    "SelfAssessment",
    "Stage",
    "Survey",
    "ThirdPartySurvey",
    "TieredAssignment",
    "UnknownMechanism",
    "mechanisms_for",
]

_LAZY = {
    "TieredAssignment": "assign",
    "CentralAssignment": "assign",
    "Mechanism": "base",
    "Policy": "base",
    "Mechanisms": "build",
    "mechanisms_for": "build",
    "SameDayCollection": "collect",
    "BatchedCollection": "collect",
    "JointConsultation": "consult",
    "NoConsultation": "consult",
    "REGISTRY": "registry",
    "Stage": "registry",
    "UnknownMechanism": "registry",
    "DeadlineSupervision": "supervise",
    "NoSupervision": "supervise",
    "Survey": "survey",
    "ThirdPartySurvey": "survey",
    "SelfAssessment": "survey",
}

# Tier numbers, as the old ``gridsim.mechanisms`` module had them.
GRID, COMMUNITY, STREET, DISTRICT = range(len(TIERS))


def __getattr__(name: str) -> Any:
    """Load the mechanism classes on first use (importing them registers them all)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gridsim.mechanisms' has no attribute {name!r}")
    importlib.import_module("gridsim.mechanisms.build")  # every stage module: all registered
    source = importlib.import_module(f"gridsim.mechanisms.{module}")
    value = getattr(source, "Mechanism" if name == "Policy" else name)
    globals()[name] = value
    return value
