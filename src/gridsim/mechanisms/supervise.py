"""督 supervise: queue order, traffic lights and escalation (``[deadlines] enabled``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np

from gridsim.kernel import codes
from gridsim.mechanisms.registry import Supervise, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["DeadlineSupervision", "NoSupervision", "selected"]


def selected(scenario: Scenario) -> str:
    """The name of the supervise mechanism a scenario selects."""
    return "deadlines" if scenario.deadlines.enabled else "none"


@register(Supervise.DEADLINES)
@dataclass(frozen=True)
class DeadlineSupervision:
    """亮灯警示、限时办结: earliest deadline first; red lights; optional escalation.

    Queues serve escalated cases first, then the earliest deadline. An open
    case past its deadline gets a red light and, if ``escalates``, moves to the
    unit a tier up with a fresh deadline and a short urgent handling time.
    """

    escalates: bool
    lights: bool = True

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Escalation if ``deadlines.escalation``."""
        return cls(escalates=scenario.deadlines.escalation)

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Deadline-first queues, red lights, escalation if asked."""
        iparams[codes.SUPERVISE_MODE] = self.code
        iparams[codes.ESCALATES] = int(self.escalates)


@register(Supervise.NONE)
@dataclass(frozen=True)
class NoSupervision:
    """No time limits: units work first come, first served and nobody escalates."""

    escalates: bool = False
    lights: bool = False

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """No parameters."""
        return cls()

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """First come, first served; no lights."""
        iparams[codes.SUPERVISE_MODE] = self.code
        iparams[codes.ESCALATES] = 0
