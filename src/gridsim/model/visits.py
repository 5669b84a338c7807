"""Visiting rounds: which households officers and cadres visit on which day.

A visitor's hours buy a (fractional) number of visits per working day; the
fraction carries over, so a grid whose officer can make 1.3 visits a day makes
1, 1, 2, 1, 1, 2, ... visits. Visitors walk their grid's households in order,
wrapping round, so every household is seen before any is seen twice.

Who is visited does not depend on anything random or on what happened before,
so the whole year's rounds are planned once, as arrays, when the model is
built; each simulated day takes its slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VisitPlan:
    """All visits of a run, ordered by working day then visitor.

    Attributes:
        household: Household id of each visit.
        visitor: Visitor code of each visit (the model's channel codes).
        day_offsets: Visits of working day ``i`` are
            ``household[day_offsets[i]:day_offsets[i + 1]]``.
        working_days: Day index of each working day.
    """

    household: np.ndarray
    visitor: np.ndarray
    day_offsets: np.ndarray
    working_days: np.ndarray

    def index_of(self, day: int) -> int:
        """Position of ``day`` among the working days, or -1 if it is not one."""
        i = int(np.searchsorted(self.working_days, day))
        return i if i < len(self.working_days) and self.working_days[i] == day else -1


def plan_visits(
    rates: dict[int, np.ndarray],
    grid_start: np.ndarray,
    grid_size: np.ndarray,
    first: dict[int, np.ndarray],
    working_days: np.ndarray,
) -> VisitPlan:
    """Plan the year's visiting rounds.

    Within a working day the visits come kind by kind (in the order of
    ``rates``), each kind grid by grid.

    Args:
        rates: Visitor code → visits per working day in each grid.
        grid_start: First household id of each grid.
        grid_size: Households per grid.
        first: Visitor code → position in each grid where the round starts.
        working_days: Day indices of the working days.

    Returns:
        The plan.
    """
    from gridsim.kernel.visits import rounds  # numba: imported when a model is built

    codes = np.array(list(rates), dtype=np.int8)
    household, visitor, offsets = rounds(
        np.array([np.asarray(rates[c], dtype=float) for c in rates]),
        np.array([np.asarray(first[c], dtype=np.int64) for c in rates]),
        codes,
        np.asarray(grid_start, dtype=np.int64),
        np.asarray(grid_size, dtype=np.int64),
        len(working_days),
    )
    return VisitPlan(
        household=household,
        visitor=visitor,
        day_offsets=offsets,
        working_days=np.asarray(working_days, dtype=np.int64),
    )
