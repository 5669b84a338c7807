"""The kernel's data structures: entry pools, the day calendar, unit queues, work lists.

* **Pools.** Calendar entries and queue entries are taken from pools of
  preallocated slots with a free list (in :func:`schedule` and :func:`push_each`);
  a full pool doubles (:func:`grown`), so memory follows the busiest day, not
  the run's size.
* **The calendar** (the agenda): ``cal_head[day]`` heads a linked list of
  entries, one per case filed under that day. A case's ``NEXT_DAY`` is
  authoritative; an entry whose case has since moved on is skipped
  (:func:`schedule`, :func:`due`).
* **Unit queues**: one skew heap per handling unit, ordered by two keys the
  supervision mechanism sets (see :func:`gridsim.kernel.dispatch.queue_keys`)
  then the case id (:func:`push_each`, :func:`pop_live`). An entry no longer named by its
  case's ``QUEUE_ENTRY`` is stale and skipped.
* **Work lists**: units due an admission round, open cases under deadline
  watch, cases closed today, and a stamp clock that marks cases seen in a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ADMISSION_DUE,
    DISPATCHED,
    FREE_ENTRY,
    HQ_CASE,
    HQ_ENTRIES,
    HQ_FREE,
    HQ_K1,
    HQ_K2,
    HQ_LEFT,
    HQ_RIGHT,
    IN_SERVICE,
    N_DIRTY,
    N_ENTRIES,
    N_OPEN,
    NEXT_DAY,
    QUEUE_ENTRY,
    STAMP,
    STAMP_CLOCK,
    STATE,
    UNIT,
)
from gridsim.kernel.jit import kernel_jit

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = [
    "busday",
    "compact_open",
    "due",
    "grown",
    "leave_queue",
    "mark_dirty",
    "new_stamp",
    "pop_live",
    "push_each",
    "schedule",
    "schedule_all",
    "schedule_each",
    "sort_ids",
    "track_open",
    "track_open_each",
]

_jit = kernel_jit(nogil=True)

# -- pools --------------------------------------------------------------------


@_jit
def grown(a: np.ndarray) -> np.ndarray:
    """``a`` (int64) copied into an array twice its size."""
    out = np.empty(2 * len(a), dtype=np.int64)
    out[: len(a)] = a
    return out


# A pool entry is taken inline where it is needed (:func:`schedule`, :func:`push_each`):
# the free list's head (``counters[free]``, linked through the pool's link
# array), else the next never-used entry (``counters[used]`` counts them),
# growing the pool first when it is full. A compiled helper taking the arrays
# would cost a reference-count pair per array per call, more than the work.


@_jit
def new_stamp(p: Pipeline) -> int:
    """A stamp no case carries yet (cases seen in a pass get it in ``ints[STAMP]``)."""
    counters = p.counters
    counters[STAMP_CLOCK] += 1
    return counters[STAMP_CLOCK]


# -- the calendar ---------------------------------------------------------------


@_jit
def busday(p: Pipeline, day: int, k: int) -> int:
    """The day ``k`` working days after ``day``."""
    return p.busday[day, k]


@_jit
def _grow_calendar(p: Pipeline) -> None:
    p.cal_case = grown(p.cal_case)
    p.cal_next = grown(p.cal_next)


@_jit
def schedule(p: Pipeline, c: int, day: int, today: int) -> None:
    """Set case ``c``'s next step to ``day`` and file it under that day.

    ``next_day`` is authoritative: an entry whose case has since been moved
    on is skipped when its day comes. Days past the horizon are not filed.
    """
    p.ints[NEXT_DAY, c] = day
    head = p.cal_head
    if day < today or day >= len(head):
        return
    counters, link = p.counters, p.cal_next
    e = counters[FREE_ENTRY]
    if e >= 0:
        counters[FREE_ENTRY] = link[e]
    else:
        e = counters[N_ENTRIES]
        if e == len(link):
            _grow_calendar(p)
            link = p.cal_next
        counters[N_ENTRIES] = e + 1
    p.cal_case[e] = c
    link[e] = head[day]
    head[day] = e


@_jit
def schedule_each(p: Pipeline, ids: np.ndarray, days: np.ndarray, today: int) -> None:
    """:func:`schedule` for case ``ids[j]`` on ``days[j]``, for every ``j`` in order.

    One call for a batch of cases: the calendar's arrays are read once, not
    once per case (every ``p.<field>`` read and every array passed to a
    compiled call costs a reference-count pair, more than filing an entry).
    """
    nd, head, counters = p.ints[NEXT_DAY], p.cal_head, p.counters
    # Room for every case first: an array reassigned inside the loop would cost a
    # reference-count pair per case (numba counts at each merge of its values).
    while counters[N_ENTRIES] + len(ids) > len(p.cal_next):
        _grow_calendar(p)
    case, link = p.cal_case, p.cal_next
    horizon = len(head)
    for j in range(len(ids)):
        c, day = ids[j], days[j]
        nd[c] = day
        if day < today or day >= horizon:
            continue
        e = counters[FREE_ENTRY]
        if e >= 0:
            counters[FREE_ENTRY] = link[e]
        else:
            e = counters[N_ENTRIES]
            counters[N_ENTRIES] = e + 1
        case[e] = c
        link[e] = head[day]
        head[day] = e


@_jit
def schedule_all(p: Pipeline, ids: np.ndarray, day: int, today: int) -> None:
    """:func:`schedule` for every case of ``ids`` on the same ``day``, in order."""
    schedule_each(p, ids, np.full(len(ids), day, dtype=np.int64), today)


@_jit
def due(p: Pipeline, day: int) -> np.ndarray:
    """Distinct cases whose next step is ``day``, ascending; their step is taken off."""
    # The calendar's arrays are read once (each ``p.<field>`` read costs a
    # reference-count pair); nothing here grows them.
    head, case, link, counters = p.cal_head, p.cal_case, p.cal_next, p.counters
    filed = 0
    e = head[day]
    while e >= 0:
        filed += 1
        e = link[e]
    out = np.empty(filed, dtype=np.int64)
    nd = p.ints[NEXT_DAY]
    # The list runs from the latest entry to the first: filled from the back, the
    # cases come out in the order they were filed, batches of ascending ids,
    # which the sort then has little to do with.
    k = filed
    e = head[day]
    head[day] = -1
    while e >= 0:
        c, following = case[e], link[e]
        if nd[c] == day:
            nd[c] = -1
            k -= 1
            out[k] = c
        link[e] = counters[FREE_ENTRY]
        counters[FREE_ENTRY] = e
        e = following
    out = out[k:]
    sort_ids(out)
    return out


@_jit
def sort_ids(ids: np.ndarray) -> None:
    """Sort case ids in place: by insertion when few (most days' batches), else ``ndarray.sort``.

    Distinct integers, so every correct sort gives the same order.
    """
    n = len(ids)
    if n > 64:
        ids.sort()
        return
    for j in range(1, n):
        v = ids[j]
        k = j - 1
        while k >= 0 and ids[k] > v:
            ids[k + 1] = ids[k]
            k -= 1
        ids[k + 1] = v


# -- unit queues ------------------------------------------------------------------


@_jit
def _grow_queues(p: Pipeline) -> None:
    old = p.hq
    hq = np.empty((2 * old.shape[0], old.shape[1]), dtype=np.int64)
    hq[: old.shape[0]] = old
    p.hq = hq


@_jit
def _entry_less(k1a: int, k2a: int, case_a: int, k1b: int, k2b: int, case_b: int) -> bool:
    """Queue order of two entries: the supervision's keys, then the case id.

    Takes the entries' numbers, not the arrays (an array argument costs a
    reference-count pair per call).
    """
    if k1a != k1b:
        return k1a < k1b
    if k2a != k2b:
        return k2a < k2b
    return case_a < case_b


@_jit
def _meld(hq: np.ndarray, a: int, b: int) -> int:
    """Skew-heap union of the heaps rooted at entries ``a`` and ``b`` (top-down)."""
    if a < 0:
        return b
    if b < 0:
        return a
    if _entry_less(
        hq[b, HQ_K1], hq[b, HQ_K2], hq[b, HQ_CASE], hq[a, HQ_K1], hq[a, HQ_K2], hq[a, HQ_CASE]
    ):
        a, b = b, a
    root = a
    while True:
        # a's new right is its old left; its new left is its old right melded with b.
        old_right = hq[a, HQ_RIGHT]
        hq[a, HQ_RIGHT] = hq[a, HQ_LEFT]
        if old_right < 0:
            hq[a, HQ_LEFT] = b
            return root
        r = old_right
        if _entry_less(
            hq[b, HQ_K1], hq[b, HQ_K2], hq[b, HQ_CASE], hq[r, HQ_K1], hq[r, HQ_K2], hq[r, HQ_CASE]
        ):
            hq[a, HQ_LEFT] = b
            a, b = b, old_right
        else:
            hq[a, HQ_LEFT] = old_right
            a = old_right


@_jit
def mark_dirty(p: Pipeline, u: int) -> None:
    """Unit ``u`` is due an admission round (its queue grew or a slot freed)."""
    counters, dirty = p.counters, p.unit_dirty
    counters[ADMISSION_DUE] = 1
    if not dirty[u]:
        dirty[u] = 1
        p.dirty_units[counters[N_DIRTY]] = u
        counters[N_DIRTY] += 1


@_jit
def push_each(p: Pipeline, ids: np.ndarray, k1: np.ndarray, k2: np.ndarray) -> None:
    """Case ``ids[j]`` joins its unit's queue under the keys ``(k1[j], k2[j])``, for every ``j``.

    In order, with the queues' arrays read once per batch (not per case).
    """
    counters = p.counters
    while counters[HQ_ENTRIES] + len(ids) > p.hq.shape[0]:  # room first (see schedule_each)
        _grow_queues(p)
    hq = p.hq
    queue_entry, unit = p.ints[QUEUE_ENTRY], p.ints[UNIT]
    root, queued, dirty, dirty_units = p.unit_root, p.unit_queued, p.unit_dirty, p.dirty_units
    for j in range(len(ids)):
        c = ids[j]
        e = counters[HQ_FREE]  # a pool entry: the free list's head, else a new one
        if e >= 0:
            counters[HQ_FREE] = hq[e, HQ_LEFT]
        else:
            e = counters[HQ_ENTRIES]
            counters[HQ_ENTRIES] = e + 1
        hq[e, HQ_CASE] = c
        hq[e, HQ_K1] = k1[j]
        hq[e, HQ_K2] = k2[j]
        hq[e, HQ_LEFT] = -1
        hq[e, HQ_RIGHT] = -1
        queue_entry[c] = e
        u = unit[c]
        root[u] = _meld(hq, root[u], e)
        queued[u] += 1
        counters[ADMISSION_DUE] = 1  # mark_dirty
        if not dirty[u]:
            dirty[u] = 1
            dirty_units[counters[N_DIRTY]] = u
            counters[N_DIRTY] += 1


@_jit
def pop_live(p: Pipeline, u: int, limit: int, out: np.ndarray, n: int) -> int:
    """Take up to ``limit`` live cases off unit ``u``'s queue, first first, into ``out[n:]``.

    Each entry taken is freed; a stale one (its case had left the queue) is
    skipped; a live one's case leaves the queue (:func:`leave_queue`).
    ``out`` must have room for ``limit`` more.

    Returns:
        ``n`` plus the cases taken.
    """
    root, hq, counters = p.unit_root, p.hq, p.counters
    queue_entry, unit, queued = p.ints[QUEUE_ENTRY], p.ints[UNIT], p.unit_queued
    taken = 0
    while taken < limit and root[u] >= 0:
        e = root[u]
        root[u] = _meld(hq, hq[e, HQ_LEFT], hq[e, HQ_RIGHT])
        c = hq[e, HQ_CASE]
        hq[e, HQ_LEFT] = counters[HQ_FREE]
        counters[HQ_FREE] = e
        if queue_entry[c] != e:
            continue  # stale: the case left this queue
        queued[unit[c]] -= 1  # leave_queue
        queue_entry[c] = -1
        out[n + taken] = c
        taken += 1
    return n + taken


@_jit
def leave_queue(p: Pipeline, c: int) -> None:
    """A queued case leaves its unit's queue (its entry goes stale)."""
    p.unit_queued[p.ints[UNIT, c]] -= 1
    p.ints[QUEUE_ENTRY, c] = -1


# -- work lists -------------------------------------------------------------------


@_jit
def track_open(p: Pipeline, c: int) -> None:
    """Add case ``c`` to the open cases the deadline check looks at."""
    counters = p.counters
    if counters[N_OPEN] == len(p.open_cases):
        # The deadline check compacts the list once a day; grow meanwhile.
        p.open_cases = grown(p.open_cases)
    p.open_cases[counters[N_OPEN]] = c
    counters[N_OPEN] += 1


@_jit
def track_open_each(p: Pipeline, ids: np.ndarray) -> None:
    """:func:`track_open` every case of ``ids``, in order."""
    counters = p.counters
    while counters[N_OPEN] + len(ids) > len(p.open_cases):  # room first (see schedule_each)
        p.open_cases = grown(p.open_cases)
    open_cases = p.open_cases
    for c in ids:
        n = counters[N_OPEN]
        open_cases[n] = c
        counters[N_OPEN] = n + 1


@_jit
def compact_open(p: Pipeline) -> None:
    """Keep the distinct cases still open (dispatched to in service)."""
    stamp = new_stamp(p)
    state, st = p.i8[STATE], p.ints[STAMP]
    open_cases, counters = p.open_cases, p.counters
    k = 0
    for j in range(counters[N_OPEN]):
        c = open_cases[j]
        s = state[c]
        if s >= DISPATCHED and s <= IN_SERVICE and st[c] != stamp:
            st[c] = stamp
            open_cases[k] = c
            k += 1
    counters[N_OPEN] = k
