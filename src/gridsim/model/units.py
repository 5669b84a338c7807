"""The handling units: one per grid, community and street, and one district department per category.

Each unit is staffed: ``handle.staff`` handlers per unit of a tier, each
working ``handle.handler_hours_per_week`` on cases, while one case in work
takes ``handle.hours_per_case_week`` of their time; a unit's capacity — the
cases it works on at once — follows, and its handlers are paid
(``costs.per_handler_year``), so capacity is never free.

Units form a tree by tier (grid → community → street; a street's cases
escalate to the district department of their category). The kernel keeps a
unit's workload in arrays indexed as here: grids first, then communities,
streets and departments, so ``base[tier] + index`` is a unit's position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.kernel.codes import COMMUNITY, DISTRICT, GRID, STREET
from gridsim.model.district import District
from gridsim.scenario import Scenario
from gridsim.vocab import CATEGORIES, TIERS


@dataclass
class UnitTable:
    """Every handling unit of a district, as arrays in the kernel's unit order.

    Attributes:
        names: Display names (``grid 12``, a community's or street's name,
            ``district safety``).
        tier: Each unit's tier code (:mod:`gridsim.kernel.codes`).
        capacity: Cases each unit handles at once (at least 1).
        handlers: Handlers of each unit (people; fractions are shares of a person).
        parent: The unit a case escalates to (-1: the department of its category).
        base: Position of the first unit of each tier (grid, community, street, district).
    """

    names: list[str]
    tier: np.ndarray
    capacity: np.ndarray
    handlers: np.ndarray
    parent: np.ndarray
    base: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


def cases_per_handler(scenario: Scenario) -> float:
    """Cases one handler keeps in work at once: handler hours over hours per case and week."""
    h = scenario.handle
    return h.handler_hours_per_week / h.hours_per_case_week


def unit_table(scenario: Scenario, district: District) -> UnitTable:
    """Lay out the district's handling units, their handlers and capacities.

    Args:
        scenario: The scenario (``handle.staff`` per tier, handler hours).
        district: Its district.

    Returns:
        The units.
    """
    d, staff = district, scenario.handle.staff
    per_handler = cases_per_handler(scenario)
    cap = {t: getattr(staff, t) * per_handler for t in TIERS}
    names: list[str] = []
    tiers: list[int] = []
    handlers: list[float] = []
    capacity: list[int] = []
    parent: list[int] = []
    n_g, n_c, n_s = d.n_grids, d.n_communities, d.n_streets
    for g in range(n_g):
        names.append(f"grid {g}")
        tiers.append(GRID)
        capacity.append(round(cap["grid"]))
        handlers.append(staff.grid)
        parent.append(n_g + int(d.grid_community[g]))
    for c in range(n_c):
        names.append(d.community_names[c])
        tiers.append(COMMUNITY)
        capacity.append(round(cap["community"]))
        handlers.append(staff.community)
        parent.append(n_g + n_c + int(d.community_street[c]))
    for s in range(n_s):
        names.append(d.street_names[s])
        tiers.append(STREET)
        capacity.append(round(cap["street"]))
        handlers.append(staff.street)
        parent.append(-1)  # departments by category
    for cat in CATEGORIES:
        names.append(f"district {cat}")
        tiers.append(DISTRICT)
        capacity.append(round(cap["district"]))
        handlers.append(staff.district)
        parent.append(-1)
    return UnitTable(
        names=names,
        tier=np.array(tiers, dtype=np.int8),
        capacity=np.maximum(1, np.array(capacity, dtype=np.int64)),
        handlers=np.array(handlers, dtype=float),
        parent=np.array(parent, dtype=np.int64),
        base=np.array([0, n_g, n_g + n_c, n_g + n_c + n_s]),
    )


__all__ = ["UnitTable", "cases_per_handler", "unit_table"]
