"""Compiled tallies of a run's cases: per grid and per day at the end, per survey wave.

:func:`gridsim.model.kpis.compute_kpis` counted each per-grid column of the
grid table with a boolean mask and a ``bincount`` (six of them), took the
median days to close per grid with a pandas ``groupby`` and the daily series
with four more masked ``bincount`` calls: about 7 ms of a Yuelu year, more
than a tenth of it. These loops make the same numbers: the same integer
counts, weighted sums added in index order as ``np.bincount`` adds them, and
medians of the same values (days, whole numbers, so the mean of the two middle
values is exact however it is taken).
"""

from __future__ import annotations

import numpy as np

from gridsim.kernel.codes import CLOSED
from gridsim.kernel.jit import kernel_jit

__all__ = [
    "daily_counts",
    "per_day_counts",
    "per_grid_counts",
    "per_grid_medians",
    "per_grid_sums",
    "visit_counts",
    "wave_cases",
]

_jit = kernel_jit(nogil=True)  # cached under the kernel's fingerprint (gridsim.kernel.jit)


@_jit
def per_grid_counts(grid: np.ndarray, masks: np.ndarray, n_grids: int) -> np.ndarray:
    """Cases per grid under each mask: row ``k`` is ``np.bincount(grid[masks[k]], minlength=n)``.

    Args:
        grid: Each case's grid.
        masks: One row per count, one column per case.
        n_grids: Grids.

    Returns:
        ``(len(masks), n_grids)`` counts (int64).
    """
    out = np.zeros((masks.shape[0], n_grids), dtype=np.int64)
    for k in range(masks.shape[0]):
        mask, row = masks[k], out[k]
        for c in range(len(grid)):
            row[grid[c]] += mask[c]
    return out


@_jit
def visit_counts(
    visited: np.ndarray, household_grid: np.ndarray, n_households: int, n_grids: int
) -> tuple[np.ndarray, int]:
    """Visits per grid and households visited at least once, from the household of each visit.

    The counts ``np.bincount(visited, minlength=n_households)`` would give
    (households reached: its non-zero entries; a grid's visits: the sum of
    its households' counts, whole numbers, so exact in floating point),
    without that table of one count per household.

    Returns:
        ``(visits per grid as float64, households reached)``.
    """
    seen = np.zeros(n_households, dtype=np.bool_)
    per_grid = np.zeros(n_grids)
    reached = 0
    for h in visited:
        per_grid[household_grid[h]] += 1.0
        if not seen[h]:
            seen[h] = True
            reached += 1
    return per_grid, reached


@_jit
def per_grid_sums(grid: np.ndarray, weights: np.ndarray, n_grids: int) -> np.ndarray:
    """``np.bincount(grid, weights=weights, minlength=n_grids)``: the same sums, same order.

    A run of equal grids (households come grid by grid) is summed in a
    register and stored once: the same additions in the same order.
    """
    out = np.zeros(n_grids)
    n = len(grid)
    i = 0
    while i < n:
        g = grid[i]
        total = out[g]
        while i < n and grid[i] == g:
            total += weights[i]
            i += 1
        out[g] = total
    return out


@_jit
def per_grid_medians(
    grid: np.ndarray, mask: np.ndarray, close_day: np.ndarray, found_day: np.ndarray, n_grids: int
) -> np.ndarray:
    """The median days from found to closed of each grid's cases under ``mask`` (NaN if none).

    Args:
        grid: Each case's grid.
        mask: The cases counted (closed, valid).
        close_day: Each case's close day.
        found_day: Each case's found day.
        n_grids: Grids.

    Returns:
        One median per grid: the middle value, or the mean of the two middle ones.
    """
    start = np.zeros(n_grids + 1, dtype=np.int64)
    for c in range(len(grid)):
        if mask[c]:
            start[grid[c] + 1] += 1
    for g in range(n_grids):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    grouped = np.empty(start[n_grids])
    for c in range(len(grid)):
        if mask[c]:
            g = grid[c]
            grouped[fill[g]] = float(close_day[c] - found_day[c])
            fill[g] += 1
    out = np.full(n_grids, np.nan)
    for g in range(n_grids):
        lo, hi = start[g], start[g + 1]
        if hi == lo:
            continue
        # Insertion sort in place: a grid's few dozen values, no allocation.
        for j in range(lo + 1, hi):
            v = grouped[j]
            k = j - 1
            while k >= lo and grouped[k] > v:
                grouped[k + 1] = grouped[k]
                k -= 1
            grouped[k + 1] = v
        n = hi - lo
        half = lo + n // 2
        out[g] = grouped[half] if n % 2 else (grouped[half - 1] + grouped[half]) / 2.0
    return out


@_jit
def per_day_counts(day: np.ndarray, mask: np.ndarray, n_days: int) -> np.ndarray:
    """``np.bincount(day[mask], minlength=n_days)[:n_days]`` (days of the masked cases, >= 0)."""
    out = np.zeros(n_days, dtype=np.int64)
    for c in range(len(day)):
        if mask[c]:
            d = day[c]
            if d < n_days:
                out[d] += 1
    return out


@_jit
def daily_counts(
    report_day: np.ndarray,
    close_day: np.ndarray,
    found_day: np.ndarray,
    collected: np.ndarray,
    closed_valid: np.ndarray,
    rejected: np.ndarray,
    n_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The daily series in one pass: cases reported, closed, rejected each day, and closed after.

    ``closed_after[d]``: valid cases closed ``d`` days after they were found (the
    last day holds everything longer). Each series is :func:`per_day_counts`
    of its day and mask.
    """
    new = np.zeros(n_days, dtype=np.int64)
    closed = np.zeros(n_days, dtype=np.int64)
    invalid = np.zeros(n_days, dtype=np.int64)
    after = np.zeros(n_days, dtype=np.int64)
    for c in range(len(report_day)):
        if collected[c] and report_day[c] < n_days:
            new[report_day[c]] += 1
        if closed_valid[c]:
            if close_day[c] < n_days:
                closed[close_day[c]] += 1
            after[min(max(close_day[c] - found_day[c], 0), n_days - 1)] += 1
        if rejected[c] and close_day[c] < n_days:
            invalid[close_day[c]] += 1
    return new, closed, invalid, after


@_jit
def wave_cases(
    closed: np.ndarray,
    state: np.ndarray,
    close_day: np.ndarray,
    surveyed: np.ndarray,
    unit: np.ndarray,
    since: int,
) -> tuple[np.ndarray, np.ndarray]:
    """A survey wave's cases: closed after day ``since`` and still closed.

    Args:
        closed: The cases closed since the last wave, in order of closing
            (:func:`gridsim.kernel.day.closed_since`; a case closed twice is
            there twice): every case of the wave is among them.
        state: Each case's state.
        close_day: Each case's close day.
        surveyed: Whether each case has been surveyed already.
        unit: Each case's handling unit (-1: none).
        since: The day of the last wave.

    Returns:
        (not yet surveyed, handled by a unit): distinct ascending case ids,
        as ``np.flatnonzero`` of the two masks over all cases gives them.
    """
    ids = closed.copy()
    ids.sort()
    new = np.empty(len(ids), dtype=np.int64)
    handled = np.empty(len(ids), dtype=np.int64)
    n_new = 0
    n_handled = 0
    for j in range(len(ids)):
        c = ids[j]
        if j > 0 and ids[j - 1] == c:
            continue
        if state[c] == CLOSED and close_day[c] > since:
            if not surveyed[c]:
                new[n_new] = c
                n_new += 1
            if unit[c] >= 0:
                handled[n_handled] = c
                n_handled += 1
    return new[:n_new], handled[:n_handled]
