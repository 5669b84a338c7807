"""What the stages do to one case: join a queue, get a deadline, close.

Each move keeps the kernel's books (the unit queues, the open and closed work
lists of :mod:`gridsim.kernel.queues`) in step with the case's fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    CLOSE_DAY,
    CLOSED,
    DEADLINE,
    FIRST_DEADLINE,
    LATE,
    N_CLOSED,
    N_LOGGED,
    NEXT_DAY,
    QUEUED,
    QUEUED_DAY,
    STATE,
)
from gridsim.kernel.dispatch import queue_keys_each, watches_deadlines
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.queues import grown, push_each, track_open

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["close", "close_each", "enqueue", "enqueue_each", "set_deadline"]

_jit = kernel_jit(nogil=True)


@_jit
def enqueue_each(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Every case of ``ids`` joins its unit's queue today, in the supervision's order.

    In the order given; one call per batch (see :func:`gridsim.kernel.queues.push_each`).
    """
    state, queued_day, next_day = p.i8[STATE], p.ints[QUEUED_DAY], p.ints[NEXT_DAY]
    for c in ids:
        state[c] = QUEUED
        queued_day[c] = day
        next_day[c] = -1
    k1, k2 = queue_keys_each(p, ids, day)
    push_each(p, ids, k1, k2)


@_jit
def enqueue(p: Pipeline, c: int, day: int) -> None:
    """Case ``c`` joins its unit's queue today, in the supervision's order."""
    enqueue_each(p, np.full(1, c, dtype=np.int64), day)


@_jit
def set_deadline(p: Pipeline, c: int, deadline: int) -> None:
    """Case ``c`` is due by ``deadline``; watched for it if the supervision watches."""
    p.ints[DEADLINE, c] = deadline
    if watches_deadlines(p):
        track_open(p, c)


@_jit
def close_each(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Every case of ``ids`` is closed today, in order: late if past its first deadline.

    Each goes to the day's closed list (its trust signal is applied at the
    day's end) and to the closed log (the survey's waves take their cases
    from it). The arrays are read once per batch, not per case.
    """
    state, late = p.i8[STATE], p.flags[LATE]
    close_day, next_day, first_deadline = (
        p.ints[CLOSE_DAY],
        p.ints[NEXT_DAY],
        p.ints[FIRST_DEADLINE],
    )
    counters = p.counters
    # Room first: an array reassigned inside the loop costs a reference-count pair per case.
    while counters[N_CLOSED] + len(ids) > len(p.closed):
        p.closed = grown(p.closed)
    while counters[N_LOGGED] + len(ids) > len(p.closed_log):
        p.closed_log = grown(p.closed_log)
    closed, log = p.closed, p.closed_log
    for c in ids:
        state[c] = CLOSED
        close_day[c] = day
        next_day[c] = -1
        fd = first_deadline[c]
        late[c] = fd >= 0 and day > fd
        n = counters[N_CLOSED]
        closed[n] = c
        counters[N_CLOSED] = n + 1
        n = counters[N_LOGGED]
        log[n] = c
        counters[N_LOGGED] = n + 1


@_jit
def close(p: Pipeline, c: int, day: int) -> None:
    """Case ``c`` is closed today (see :func:`close_each`)."""
    close_each(p, np.full(1, c, dtype=np.int64), day)
