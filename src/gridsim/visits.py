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


def _rounds(
    rate: np.ndarray,
    grid_start: np.ndarray,
    grid_size: np.ndarray,
    first: np.ndarray,
    n_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day index, grid, household) of every visit of one kind of visitor."""
    n_grids = len(rate)
    steps = np.arange(n_days + 1, dtype=float)[:, None]
    cumulative = np.floor(0.5 + steps * rate[None, :]).astype(np.int64)  # visits made by day i
    per_day = np.diff(cumulative, axis=0)  # (days, grids)
    counts = per_day.ravel()
    total = int(counts.sum())
    day = np.repeat(np.repeat(np.arange(n_days), n_grids), counts)
    grid = np.repeat(np.tile(np.arange(n_grids), n_days), counts)
    before = cumulative[:-1].ravel()  # visits made before this day, per (day, grid)
    k = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    position = (first[grid] + np.repeat(before, counts) + k) % grid_size[grid]
    return day, grid, grid_start[grid] + position


def plan_visits(
    rates: dict[int, np.ndarray],
    grid_start: np.ndarray,
    grid_size: np.ndarray,
    first: dict[int, np.ndarray],
    working_days: np.ndarray,
) -> VisitPlan:
    """Plan the year's visiting rounds.

    Args:
        rates: Visitor code → visits per working day in each grid.
        grid_start: First household id of each grid.
        grid_size: Households per grid.
        first: Visitor code → position in each grid where the round starts.
        working_days: Day indices of the working days.

    Returns:
        The plan.
    """
    n_days = len(working_days)
    days, households, visitors = [], [], []
    for code, rate in rates.items():
        day, _, hh = _rounds(rate, grid_start, grid_size, first[code], n_days)
        days.append(day)
        households.append(hh)
        visitors.append(np.full(len(hh), code, dtype=np.int8))
    day = np.concatenate(days)
    order = np.argsort(day, kind="stable")  # by day; within a day, visitor order as given
    day = day[order]
    offsets = np.searchsorted(day, np.arange(n_days + 1), side="left")
    return VisitPlan(
        household=np.concatenate(households)[order],
        visitor=np.concatenate(visitors)[order],
        day_offsets=offsets,
        working_days=np.asarray(working_days, dtype=np.int64),
    )
