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

import functools
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
    n_g, n_c, n_s = d.n_grids, d.n_communities, d.n_streets
    counts = (n_g, n_c, n_s, len(CATEGORIES))  # units per tier, in tier order
    tier_codes = np.array([GRID, COMMUNITY, STREET, DISTRICT], dtype=np.int8)
    # Python's round (half to even), as np.round does: one value per tier.
    per_tier_capacity = [round(getattr(staff, t) * per_handler) for t in TIERS]
    per_tier_handlers = [float(getattr(staff, t)) for t in TIERS]
    names = [
        *_grid_names(n_g),
        *d.community_names,
        *d.street_names,
        *(f"district {cat}" for cat in CATEGORIES),
    ]
    parent = np.concatenate(
        [
            n_g + np.asarray(d.grid_community, dtype=np.int64),
            n_g + n_c + np.asarray(d.community_street, dtype=np.int64),
            np.full(n_s + len(CATEGORIES), -1, dtype=np.int64),  # departments by category
        ]
    )
    return UnitTable(
        names=names,
        tier=np.repeat(tier_codes, counts),
        capacity=np.maximum(1, np.repeat(np.array(per_tier_capacity, dtype=np.int64), counts)),
        handlers=np.repeat(np.array(per_tier_handlers, dtype=float), counts),
        parent=parent,
        base=np.array([0, n_g, n_g + n_c, n_g + n_c + n_s]),
    )


@functools.lru_cache(maxsize=8)
def _grid_names(n: int) -> tuple[str, ...]:
    return tuple(f"grid {g}" for g in range(n))


__all__ = ["UnitTable", "cases_per_handler", "unit_table"]
