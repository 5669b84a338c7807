"""交 assign: which tier and unit handle a case (``[assign] mode``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np

from gridsim.kernel import codes
from gridsim.mechanisms.registry import Assign, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["CentralAssignment", "TieredAssignment", "WorkloadAssignment", "selected"]


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
class CentralAssignment(TieredAssignment):
    """Everything to the district: each case goes to its category's department.

    It writes its code and dispatch delay as tiered assignment does; the kernel's
    branch on the code makes every case a district case.
    """

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Dispatch takes ``assign.central_dispatch_delay_days``, rounded up."""
        return cls(int(np.ceil(scenario.assign.central_dispatch_delay_days)))


@register(Assign.WORKLOAD)
@dataclass(frozen=True)
class WorkloadAssignment(TieredAssignment):
    """Workload-balanced: tiered, but a case goes to the least loaded unit it may go to.

    The tier is the one its complexity calls for, as under tiered assignment.
    A grid case may go to its own grid's team or to that of a grid adjacent to
    its grid in the same street; a community case to its own community or to
    the community of such a grid. Of those it goes to the unit with the least
    work in hand (cases in service and queued) per unit of capacity when it is
    assigned, ties to the lowest unit index. Street and district cases stay
    with their street office and their category's department.

    Its parameters are tiered assignment's (``assign.dispatch_delay_days``);
    the kernel's branch on its code picks the unit.
    """
