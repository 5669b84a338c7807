"""办 consult: how a multi-department case is settled (``[handle] joint_consultation``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np

from gridsim.kernel import codes
from gridsim.mechanisms.registry import Consult, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["JointConsultation", "NoConsultation", "selected"]


def selected(scenario: Scenario) -> str:
    """The name of the consult mechanism a scenario selects."""
    return "joint" if scenario.handle.joint_consultation else "none"


@register(Consult.JOINT)
@dataclass(frozen=True)
class JointConsultation:
    """部门协同、联合会商: departments meet every ``interval_days`` to settle them.

    A multi-department case enters its unit's queue at the next meeting day on
    or after it arrives.
    """

    interval_days: int
    bounces: bool = False

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Meetings every ``handle.consultation_interval_days``."""
        return cls(scenario.handle.consultation_interval_days)

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Release at the next meeting; no bounce."""
        iparams[codes.CONSULT_MODE] = self.code
        iparams[codes.CONSULTATION_INTERVAL] = self.interval_days
        iparams[codes.BOUNCES] = int(self.bounces)


@register(Consult.NONE)
@dataclass(frozen=True)
class NoConsultation:
    """Without consultation a multi-department case bounces between offices.

    It waits an exponential time (its own draw, mean ``mean_bounce_days``) and
    is less likely to be resolved.
    """

    mean_bounce_days: float
    bounces: bool = True

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Bounces last ``handle.bounce_delay_days`` on average."""
        return cls(scenario.handle.bounce_delay_days)

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Release after the case's own exponential bounce."""
        iparams[codes.CONSULT_MODE] = self.code
        iparams[codes.BOUNCES] = int(self.bounces)
        fparams[codes.BOUNCE_MEAN_DAYS] = self.mean_bounce_days
