"""The kernel's data structures: entry pools, the day calendar, unit queues, work lists.

* **Pools.** Calendar entries and queue entries are taken from pools of
  preallocated slots with a free list (in :func:`schedule` and :func:`push`);
  a full pool doubles (:func:`grown`), so memory follows the busiest day, not
  the run's size.
* **The calendar** (the agenda): ``cal_head[day]`` heads a linked list of
  entries, one per case filed under that day. A case's ``NEXT_DAY`` is
  authoritative; an entry whose case has since moved on is skipped
  (:func:`schedule`, :func:`due`).
* **Unit queues**: one skew heap per handling unit, ordered by two keys the
  supervision mechanism sets (see :func:`gridsim.kernel.dispatch.queue_keys`)
  then the case id (:func:`push`, :func:`pop`). An entry no longer named by its
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
    HQ_ENTRIES,
    HQ_FREE,
    IN_SERVICE,
    N_CLOSED,
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
    "pop",
    "push",
    "record_closed",
    "schedule",
    "schedule_all",
    "schedule_each",
    "track_open",
]

_jit = kernel_jit(nogil=True)

# -- pools --------------------------------------------------------------------


@_jit
def grown(a: np.ndarray) -> np.ndarray:
    """``a`` (int64) copied into an array twice its size."""
    out = np.empty(2 * len(a), dtype=np.int64)
    out[: len(a)] = a
    return out


# A pool entry is taken inline where it is needed (:func:`schedule`, :func:`push`):
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
            if e == len(link):
                _grow_calendar(p)
                case, link = p.cal_case, p.cal_next
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
    k = 0
    e = head[day]
    head[day] = -1
    while e >= 0:
        c, following = case[e], link[e]
        if nd[c] == day:
            nd[c] = -1
            out[k] = c
            k += 1
        link[e] = counters[FREE_ENTRY]
        counters[FREE_ENTRY] = e
        e = following
    out = out[:k]
    out.sort()
    return out


# -- unit queues ------------------------------------------------------------------


@_jit
def _grow_queues(p: Pipeline) -> None:
    p.hq_case = grown(p.hq_case)
    k1 = np.empty(2 * len(p.hq_k1), dtype=np.int8)
    k1[: len(p.hq_k1)] = p.hq_k1
    p.hq_k1 = k1
    p.hq_k2 = grown(p.hq_k2)
    p.hq_left = grown(p.hq_left)
    p.hq_right = grown(p.hq_right)


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
def _meld(p: Pipeline, a: int, b: int) -> int:
    """Skew-heap union of the heaps rooted at entries ``a`` and ``b`` (top-down)."""
    if a < 0:
        return b
    if b < 0:
        return a
    # Read once: melding never grows the queue arrays.
    k1, k2, case, left, right = p.hq_k1, p.hq_k2, p.hq_case, p.hq_left, p.hq_right
    if _entry_less(k1[b], k2[b], case[b], k1[a], k2[a], case[a]):
        a, b = b, a
    root = a
    while True:
        # a's new right is its old left; its new left is its old right melded with b.
        old_right = right[a]
        right[a] = left[a]
        if old_right < 0:
            left[a] = b
            return root
        if _entry_less(k1[b], k2[b], case[b], k1[old_right], k2[old_right], case[old_right]):
            left[a] = b
            a, b = b, old_right
        else:
            left[a] = old_right
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
def push(p: Pipeline, c: int, k1: int, k2: int) -> None:
    """Case ``c`` joins its unit's queue under the keys ``(k1, k2)`` (``k1`` fits int8)."""
    counters, left = p.counters, p.hq_left
    e = counters[HQ_FREE]
    if e >= 0:
        counters[HQ_FREE] = left[e]
    else:
        e = counters[HQ_ENTRIES]
        if e == len(left):
            _grow_queues(p)
        counters[HQ_ENTRIES] = e + 1
    p.hq_case[e] = c
    p.hq_k1[e] = k1
    p.hq_k2[e] = k2
    p.hq_left[e] = -1
    p.hq_right[e] = -1
    ints = p.ints
    ints[QUEUE_ENTRY, c] = e
    u = ints[UNIT, c]
    root = p.unit_root
    root[u] = _meld(p, root[u], e)
    p.unit_queued[u] += 1
    mark_dirty(p, u)


@_jit
def pop(p: Pipeline, u: int) -> int:
    """Take the first entry off unit ``u``'s (non-empty) queue and free it.

    Returns:
        Its case, or -1 if the entry was stale (the case had left the queue).
    """
    root, left = p.unit_root, p.hq_left
    e = root[u]
    root[u] = _meld(p, left[e], p.hq_right[e])
    c = p.hq_case[e]
    counters = p.counters
    left[e] = counters[HQ_FREE]
    counters[HQ_FREE] = e
    if p.ints[QUEUE_ENTRY, c] != e:
        return -1
    return c


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


@_jit
def record_closed(p: Pipeline, c: int) -> None:
    """Add case ``c`` to the cases closed today (their trust signal is applied at day's end)."""
    counters = p.counters
    if counters[N_CLOSED] == len(p.closed):
        p.closed = grown(p.closed)
    p.closed[counters[N_CLOSED]] = c
    counters[N_CLOSED] += 1
