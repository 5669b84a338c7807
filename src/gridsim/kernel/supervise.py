"""Supervision: red lights on open cases past their deadline, and escalation.

Whether cases are watched and whether a red light escalates are the
supervision mechanism's codes (:func:`gridsim.kernel.dispatch.watches_deadlines`,
:func:`~gridsim.kernel.dispatch.escalates`); the queue order it sets is
:func:`~gridsim.kernel.dispatch.queue_keys`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    DEADLINE,
    DISTRICT,
    ESCALATED,
    ESCALATIONS,
    IN_SERVICE,
    N_OPEN,
    QUEUED,
    RED,
    RED_LIGHTS,
    STATE,
    TIER,
    UNIT,
)
from gridsim.kernel.dispatch import escalates, watches_deadlines
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import enqueue_each, set_deadline
from gridsim.kernel.queues import busday, compact_open, leave_queue, mark_dirty, sort_ids
from gridsim.kernel.units import unit_for

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["check_deadlines"]

_jit = kernel_jit(nogil=True)


@_jit
def _escalate(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Cases lit red move to the unit a tier up, with a fresh deadline, and queue there."""
    # Queued cases re-enter the queue at the unit above: no second entry.
    for c in ids:
        if p.i8[STATE, c] == QUEUED:
            leave_queue(p, c)
    for c in ids:
        if p.i8[STATE, c] == IN_SERVICE:
            p.unit_busy[p.ints[UNIT, c]] -= 1
            mark_dirty(p, p.ints[UNIT, c])
    for c in ids:
        up = min(p.i8[TIER, c] + 1, DISTRICT)
        p.ints[UNIT, c] = unit_for(p, c, up)
        p.i8[TIER, c] = up
        p.flags[ESCALATED, c] = True
    p.counters[ESCALATIONS] += len(ids)
    for c in ids:
        set_deadline(p, c, busday(p, day, p.limits[p.i8[TIER, c]]))
    enqueue_each(p, ids, day)


@_jit
def check_deadlines(p: Pipeline, day: int) -> None:
    """Supervisors light red the open cases past their deadline; escalate them."""
    if not watches_deadlines(p):
        return
    compact_open(p)
    n = 0
    n_open = p.counters[N_OPEN]
    open_cases, deadline = p.open_cases, p.ints[DEADLINE]
    late = np.empty(n_open, dtype=np.int64)
    for j in range(n_open):
        c = open_cases[j]
        if deadline[c] == day - 1:
            late[n] = c
            n += 1
    if n == 0:
        return
    ids = late[:n].copy()
    sort_ids(ids)
    p.counters[RED_LIGHTS] += n
    red, unit, unit_red = p.flags[RED], p.ints[UNIT], p.unit_red
    for c in ids:
        red[c] = True
        unit_red[unit[c]] += 1  # counts against the unit that let it run late
    if escalates(p):
        _escalate(p, ids, day)
