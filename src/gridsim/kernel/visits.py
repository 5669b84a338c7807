"""Compiled loops behind the visit plan: who is visited on which day, and what they have to tell.

:func:`gridsim.model.visits.plan_visits` and the model's pairing of visits with
pending issues were whole-array numpy at first; at ten times Yuelu's size
their ``repeat``/``cumsum`` temporaries (several arrays of millions of
entries each) cost more than the loops they stood for. These numba loops
write each result once, in the same order and with the same arithmetic, so
the plan and the pairs are identical.
"""

from __future__ import annotations

import numpy as np

from gridsim.kernel.jit import kernel_jit

_jit = kernel_jit(nogil=True)  # cached under the kernel's fingerprint (gridsim.kernel.jit)


@_jit
def rounds(
    rates: np.ndarray,
    first: np.ndarray,
    codes: np.ndarray,
    grid_start: np.ndarray,
    grid_size: np.ndarray,
    n_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lay out every visit of the year, by working day, then visitor kind, then grid.

    A kind of visitor with ``rates[k, g]`` visits per working day in grid ``g``
    has made ``floor(0.5 + i * rate)`` visits by working day ``i`` (the fraction
    carries over) and walks the grid's households in order from ``first[k, g]``,
    wrapping round.

    Args:
        rates: Visits per working day, one row per visitor kind.
        first: Position in each grid where each kind's round starts.
        codes: Visitor code of each kind (the model's channel codes).
        grid_start: First household id of each grid.
        grid_size: Households per grid.
        n_days: Working days.

    Returns:
        (household, visitor, day_offsets): visits of working day ``i`` are
        ``household[day_offsets[i]:day_offsets[i + 1]]``.
    """
    n_kinds, n_grids = rates.shape
    total = 0
    for k in range(n_kinds):
        for g in range(n_grids):
            total += np.int64(np.floor(0.5 + n_days * rates[k, g]))
    household = np.empty(total, dtype=np.int32)
    visitor = np.empty(total, dtype=np.int8)
    day_offsets = np.empty(n_days + 1, dtype=np.int64)
    j = 0
    for i in range(n_days):
        day_offsets[i] = j
        for k in range(n_kinds):
            for g in range(n_grids):
                before = np.int64(np.floor(0.5 + float(i) * rates[k, g]))
                after = np.int64(np.floor(0.5 + float(i + 1) * rates[k, g]))
                for v in range(after - before):
                    position = (first[k, g] + before + v) % grid_size[g]
                    household[j] = grid_start[g] + position
                    visitor[j] = codes[k]
                    j += 1
    day_offsets[n_days] = j
    return household, visitor, day_offsets


@_jit
def pairs(
    visit_household: np.ndarray,
    visit_visitor: np.ndarray,
    visit_offsets: np.ndarray,
    working_days: np.ndarray,
    household_offsets: np.ndarray,
    arrival: np.ndarray,
    expiry: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (visit, pending issue of the visited household) pair, in visit order.

    Household ``h``'s issues are ids ``household_offsets[h]`` to
    ``household_offsets[h + 1] - 1``; one is pending on day ``d`` when
    ``arrival <= d < expiry``.

    Returns:
        (issue, visitor, pair_offsets): pairs of working day ``i`` are
        ``issue[pair_offsets[i]:pair_offsets[i + 1]]``.
    """
    n_days = len(working_days)
    # One pass, into buffers that double when full (counting first was a second
    # pass over every visit of the year, as long as the first). They grow
    # between days, to hold the day's worst case (every visited household
    # with as many pending issues as any household has): an array reassigned
    # inside the loop over visits would cost a reference-count pair per visit.
    most = 0
    for h in range(len(household_offsets) - 1):
        most = max(most, household_offsets[h + 1] - household_offsets[h])
    capacity = max(1024, len(visit_household) // 8)
    issue = np.empty(capacity, dtype=np.int32)
    visitor = np.empty(capacity, dtype=np.int8)
    pair_offsets = np.empty(n_days + 1, dtype=np.int64)
    k = 0
    for i in range(n_days):
        pair_offsets[i] = k
        need = k + most * (visit_offsets[i + 1] - visit_offsets[i])
        if need > capacity:
            capacity = max(2 * capacity, need)
            more_issue = np.empty(capacity, dtype=np.int32)
            more_issue[:k] = issue[:k]
            issue = more_issue
            more_visitor = np.empty(capacity, dtype=np.int8)
            more_visitor[:k] = visitor[:k]
            visitor = more_visitor
        k = _day_pairs(
            issue,
            visitor,
            k,
            working_days[i],
            visit_offsets[i],
            visit_offsets[i + 1],
            visit_household,
            visit_visitor,
            household_offsets,
            arrival,
            expiry,
        )
    pair_offsets[n_days] = k
    return issue[:k], visitor[:k], pair_offsets


@_jit
def _day_pairs(
    issue: np.ndarray,
    visitor: np.ndarray,
    k: int,
    d: int,
    lo: int,
    hi: int,
    visit_household: np.ndarray,
    visit_visitor: np.ndarray,
    household_offsets: np.ndarray,
    arrival: np.ndarray,
    expiry: np.ndarray,
) -> int:
    """The pairs of visits ``lo .. hi - 1`` (all on day ``d``) from ``issue[k]`` on.

    Returns:
        The next free position.
    """
    for j in range(lo, hi):
        h = visit_household[j]
        for c in range(household_offsets[h], household_offsets[h + 1]):
            if arrival[c] <= d and expiry[c] > d:
                issue[k] = c
                visitor[k] = visit_visitor[j]
                k += 1
    return k
