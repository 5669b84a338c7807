"""Staff and handling units as Mesa agents.

Staff are few and individual (a cadre has a posting and a tenure; an officer
has a grid and an hours budget), so they are ``mesa.Agent`` objects. Their
day-to-day work is carried out in bulk by the model, which reads their hours
per grid from the agent sets; what is individual about them — a cadre's
rotation, tenure and familiarity — lives on the agent.

Households and cases are *not* agents: there are hundreds of thousands of
them, so they live in numpy arrays owned by :class:`gridsim.model.GridModel`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from gridsim.model import GridModel


class GridStaff(mesa.Agent):
    """A person working in one grid.

    Args:
        model: The model.
        grid: Grid index the person works in.
        hours_per_week: Hours per week spent on grid work.
    """

    role: str = "staff"
    """Scenario role name (key of ``staff.hours_per_week`` and ``costs``)."""

    def __init__(self, model: GridModel, grid: int, hours_per_week: float):
        super().__init__(model)
        self.grid = int(grid)
        self.hours_per_week = float(hours_per_week)


class InformationOfficer(GridStaff):
    """Grid information officer (网格民情员): visits households, reports via the app."""

    role = "information_officer"


class SecurityOfficer(GridStaff):
    """Grid security officer (治安员): patrols public space, fixes small things."""

    role = "security_officer"


class Volunteer(GridStaff):
    """A volunteer, building head or association member (the 'X' of 1+4+X)."""

    role = "volunteer"


class Cadre(GridStaff):
    """A stationed cadre (联驻干部): visits residents; familiarity grows with tenure.

    Args:
        model: The model.
        grid: Grid of the posting.
        hours_per_week: Hours per week on visits.
        tenure_days: Days already served in this grid at the start.
    """

    role = "cadre"

    def __init__(self, model: GridModel, grid: int, hours_per_week: float, tenure_days: float):
        super().__init__(model, grid, hours_per_week)
        self.posted_on = -float(tenure_days)
        self.postings = 1
        self.slot = -1  # position in the model's cadre arrays

    def tenure_days(self, day: float) -> float:
        """Days served in the current grid on ``day``."""
        return max(0.0, day - self.posted_on)

    def familiarity(self, day: float, years: float) -> float:
        """How well residents know the cadre: ``1 - exp(-tenure / years)``."""
        return 1.0 - math.exp(-self.tenure_days(day) / (365.0 * years))

    def rotate(self) -> None:
        """Swap postings with another cadre (rotation policy); both start over."""
        model: GridModel = self.model  # type: ignore[assignment]
        model.rotate_cadre(self)


class CommunityStaff(mesa.Agent):
    """A person working for a whole community (administrator or supervisor).

    Args:
        model: The model.
        community: Community index.
        hours_per_week: Hours per week on grid work.
    """

    role: str = "community_staff"
    """Scenario role name."""

    def __init__(self, model: GridModel, community: int, hours_per_week: float):
        super().__init__(model)
        self.community = int(community)
        self.hours_per_week = float(hours_per_week)


class Administrator(CommunityStaff):
    """Grid administrator (管理员): verifies reports and dispatches cases."""

    role = "administrator"


class Supervisor(CommunityStaff):
    """Grid supervisor (监督员): watches deadlines, raises red lights."""

    role = "supervisor"


class HandlingUnit(mesa.Agent):
    """A unit that handles cases: a grid team, community, street office or department.

    The unit's queue and workload live in the model's case arrays; the unit
    knows its place in the tier tree and its capacity.

    Args:
        model: The model.
        index: Position in the model's unit arrays.
        tier: Index into :data:`gridsim.scenario.TIERS`.
        name: Display name.
        capacity: Cases worked on at once.
        parent: Index of the unit one tier up (``-1`` for departments).
    """

    def __init__(
        self, model: GridModel, index: int, tier: int, name: str, capacity: int, parent: int
    ):
        super().__init__(model)
        self.index = index
        self.tier = tier
        self.name = name
        self.capacity = capacity
        self.parent = parent

    @property
    def busy(self) -> int:
        """Cases in service now."""
        model: GridModel = self.model  # type: ignore[assignment]
        return int(model.unit_busy[self.index])

    @property
    def handled(self) -> int:
        """Cases finished so far."""
        model: GridModel = self.model  # type: ignore[assignment]
        return int(model.unit_handled[self.index])
