"""交 assign: which tier and unit handle a case (``[assign] mode``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np

from gridsim.kernel import codes
from gridsim.mechanisms.registry import Assign, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["CentralAssignment", "TieredAssignment", "selected"]


def selected(scenario: Scenario) -> str:
    """The name of the assign mechanism a scenario selects."""
    return scenario.assign.mode


@register(Assign.TIERED)
@dataclass(frozen=True)
class TieredAssignment:
    """分层解决、分类交办: each case is handled at the tier its complexity calls for.

    A case's complexity is its own uniform against the cumulative
    ``assign.tier_shares`` (the same level sets its deadline in every mode);
    it goes to that tier's unit of its grid (department: of its category).
    """

    dispatch_delay_days: int

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Dispatch takes ``assign.dispatch_delay_days``, rounded up."""
        return cls(int(np.ceil(scenario.assign.dispatch_delay_days)))

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Tier by complexity; dispatch takes ``dispatch_delay_days``."""
        iparams[codes.ASSIGN_MODE] = self.code
        iparams[codes.DISPATCH_DELAY] = self.dispatch_delay_days


@register(Assign.CENTRAL)
@dataclass(frozen=True)
class CentralAssignment:
    """Everything to the district: each case goes to its category's department."""

    dispatch_delay_days: int

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Dispatch takes ``assign.central_dispatch_delay_days``, rounded up."""
        return cls(int(np.ceil(scenario.assign.central_dispatch_delay_days)))

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Every case is a district case; dispatch takes ``dispatch_delay_days``."""
        iparams[codes.ASSIGN_MODE] = self.code
        iparams[codes.DISPATCH_DELAY] = self.dispatch_delay_days
