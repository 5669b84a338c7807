"""Staff and handling units as Mesa agents.

Cadres are individual — a posting, a tenure, residents' familiarity, a
rotation — so each is a ``mesa.Agent``. The other staff act in bulk (their
hours buy visits, patrols and verification in their grid or community), so
each grid has one :class:`GridTeam` agent and each community one
:class:`CommunityOffice` agent that count them. Each handling unit is an
agent that knows its place in the tier tree and its capacity: a street
office or a district department is a :class:`HandlingUnit`; a grid's cases
are handled by its own team and a community's by its office, so those two
are the units of the grid and community tiers (one agent each, not two).

Households and cases are *not* agents: there are hundreds of thousands of
them, so they live in numpy arrays owned by :class:`gridsim.model.gridmodel.GridModel`.
"""

from __future__ import annotations

import math
from typing import Protocol, cast

import mesa
import numpy as np

from gridsim.kernel.codes import COMMUNITY, GRID


class CadreHost(Protocol):
    """What a cadre needs of its model: the postings arrays, and someone to swap postings with."""

    cadre_grid: np.ndarray
    cadre_posted_on: np.ndarray
    cadre_postings: np.ndarray

    def rotate_cadre(self, cadre: Cadre) -> None:
        """Swap ``cadre``'s posting with another cadre's."""
        ...


class UnitHost(Protocol):
    """What a handling unit reads of its model: the kernel's workload arrays."""

    unit_busy: np.ndarray
    unit_handled: np.ndarray


class HandlingUnit(mesa.Agent):
    """A unit that handles cases: a street office or a district department.

    Grid teams (:class:`GridTeam`) and community offices
    (:class:`CommunityOffice`) are the units of the grid and community tiers.
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
        self, model: mesa.Model, index: int, tier: int, name: str, capacity: int, parent: int
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
        return int(cast(UnitHost, self.model).unit_busy[self.index])

    @property
    def handled(self) -> int:
        """Cases finished so far."""
        return int(cast(UnitHost, self.model).unit_handled[self.index])


class GridTeam(HandlingUnit):
    """A grid's own team: its information officers, security officers and volunteers.

    The team is also the grid's handling unit (tier ``grid``): the cases
    handled in the grid are its own.

    One agent per grid, not one per person: these people act in bulk (their
    hours buy visits and patrols in their grid) and nothing about any one of
    them is individual in the model, while a Mesa agent costs ~10 us to create
    — 35,000 of them were a quarter of a 10x district's set-up. Cadres, who
    are individual (posting, tenure, rotation), stay one agent each.

    Args:
        model: The model.
        grid: Grid index.
        information_officers: Grid information officers (网格民情员): visit
            households, report via the app.
        security_officers: Grid security officers (治安员): patrol public space.
        volunteers: Volunteers, building heads, association members (the "X"
            of 1+4+X).
        hours_per_week: Hours per week of one person in each role (keys
            ``information_officer``, ``security_officer``, ``volunteer``).
        name: The unit's display name (default ``grid <index>``).
        capacity: Cases the team handles at once.
        parent: Index of its community's unit (``-1`` if not known).
    """

    roles = ("information_officer", "security_officer", "volunteer")
    """Scenario role names counted by the team."""

    def __init__(
        self,
        model: mesa.Model,
        grid: int,
        information_officers: int,
        security_officers: int,
        volunteers: int,
        hours_per_week: dict[str, float],
        name: str | None = None,
        capacity: int = 1,
        parent: int = -1,
    ):
        grid = int(grid)
        super().__init__(model, grid, GRID, name or f"grid {grid}", capacity, parent)
        self.grid = grid
        self.members = {
            "information_officer": int(information_officers),
            "security_officer": int(security_officers),
            "volunteer": int(volunteers),
        }
        self.hours_per_week = hours_per_week

    @property
    def patrol_hours_per_week(self) -> float:
        """Hours per week the security officers and volunteers patrol."""
        h, n = self.hours_per_week, self.members
        return h["security_officer"] * n["security_officer"] + h["volunteer"] * n["volunteer"]


class Cadre(mesa.Agent):
    """A stationed cadre (联驻干部): visits residents; familiarity grows with tenure.

    The cadre's posting lives in the model's arrays, at the cadre's ``slot``
    (``cadre_grid``, ``cadre_posted_on``, ``cadre_postings``), which the
    compiled day reads and rotations write; the agent reads them there.

    Args:
        model: The model (its postings arrays hold this cadre at ``slot``).
        slot: Position in the model's cadre arrays.
        hours_per_week: Hours per week on visits.
    """

    role = "cadre"
    """Scenario role name (key of ``staff.hours_per_week`` and ``costs``)."""

    def __init__(self, model: mesa.Model, slot: int, hours_per_week: float):
        super().__init__(model)
        self.slot = int(slot)
        self.hours_per_week = float(hours_per_week)

    @property
    def _host(self) -> CadreHost:
        return cast(CadreHost, self.model)

    @property
    def grid(self) -> int:
        """Grid of the current posting."""
        return int(self._host.cadre_grid[self.slot])

    @property
    def posted_on(self) -> float:
        """Day the current posting started (negative: before the run)."""
        return float(self._host.cadre_posted_on[self.slot])

    @property
    def postings(self) -> int:
        """Postings so far, this one included."""
        return int(self._host.cadre_postings[self.slot])

    def tenure_days(self, day: float) -> float:
        """Days served in the current grid on ``day``."""
        return max(0.0, day - self.posted_on)

    def familiarity(self, day: float, years: float) -> float:
        """How well residents know the cadre: ``1 - exp(-tenure / years)``."""
        return 1.0 - math.exp(-self.tenure_days(day) / (365.0 * years))

    def rotate(self) -> None:
        """Swap postings with another cadre (rotation policy); both start over."""
        self._host.rotate_cadre(self)


class CommunityOffice(HandlingUnit):
    """A community's administrators and supervisors (one agent per community).

    Administrators (管理员) verify reports and dispatch cases; supervisors
    (监督员) watch deadlines and raise red lights. Like a grid team, they act
    in bulk, so the office counts them. The office is also the community's
    handling unit (tier ``community``).

    Args:
        model: The model.
        community: Community index.
        administrators: Administrators in the community.
        supervisors: Supervisors in the community.
        hours_per_week: Hours per week of one person in each role (keys
            ``administrator``, ``supervisor``).
        index: Position of its unit in the model's unit arrays (default: the
            community index).
        name: The unit's display name (default ``community <community>``).
        capacity: Cases the office handles at once.
        parent: Index of its street's unit (``-1`` if not known).
    """

    roles = ("administrator", "supervisor")
    """Scenario role names counted by the office."""

    def __init__(
        self,
        model: mesa.Model,
        community: int,
        administrators: int,
        supervisors: int,
        hours_per_week: dict[str, float],
        index: int | None = None,
        name: str | None = None,
        capacity: int = 1,
        parent: int = -1,
    ):
        community = int(community)
        index = community if index is None else int(index)
        name = name or f"community {community}"
        super().__init__(model, index, COMMUNITY, name, capacity, parent)
        self.community = community
        self.members = {"administrator": int(administrators), "supervisor": int(supervisors)}
        self.hours_per_week = hours_per_week
