"""交 assign: verified cases get a tier, a unit and a deadline, and are dispatched."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ASSIGN_DAY,
    DEADLINE,
    DISPATCH_DELAY,
    DISPATCHED,
    FIRST_DEADLINE,
    STATE,
    TIER,
    UNIT,
)
from gridsim.kernel.dispatch import assign_units, watches_deadlines
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.queues import schedule_all, track_open_each
from gridsim.kernel.units import case_levels

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["assign"]

_jit = kernel_jit(nogil=True)


@_jit
def assign(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """交: tier and unit; the deadline (by the case's complexity) starts now.

    The deadline follows the case's complexity level whatever tier the
    assignment mechanism sends it to; it reaches its unit after the dispatch
    delay.
    """
    dispatch = day + p.iparams[DISPATCH_DELAY]
    levels = case_levels(p, ids)
    tiers_of, units_of = assign_units(p, ids, levels)
    tiers, state = p.i8[TIER], p.i8[STATE]
    units, assign_day = p.ints[UNIT], p.ints[ASSIGN_DAY]
    first_deadline, deadlines = p.ints[FIRST_DEADLINE], p.ints[DEADLINE]
    busday, limits = p.busday, p.limits
    for j in range(len(ids)):
        c = ids[j]
        tiers[c] = tiers_of[j]
        units[c] = units_of[j]
        assign_day[c] = day
        deadline = busday[day, limits[levels[j]]]
        first_deadline[c] = deadline
        deadlines[c] = deadline  # set_deadline, and watched below
        state[c] = DISPATCHED
    if watches_deadlines(p):
        track_open_each(p, ids)
    schedule_all(p, ids, dispatch, day)
