"""交 assign: verified cases get a tier, a unit and a deadline, and are dispatched."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ASSIGN_DAY,
    DISPATCH_DELAY,
    DISPATCHED,
    FIRST_DEADLINE,
    STATE,
    TIER,
    UNIT,
)
from gridsim.kernel.dispatch import assign_unit
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import set_deadline
from gridsim.kernel.queues import busday, schedule_all
from gridsim.kernel.units import case_level

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
    tiers, state = p.i8[TIER], p.i8[STATE]
    units, assign_day, first_deadline = p.ints[UNIT], p.ints[ASSIGN_DAY], p.ints[FIRST_DEADLINE]
    limits = p.limits
    for c in ids:
        level = case_level(p, c)
        tier, unit = assign_unit(p, c, level)
        tiers[c] = tier
        units[c] = unit
        assign_day[c] = day
        deadline = busday(p, day, limits[level])
        first_deadline[c] = deadline
        set_deadline(p, c, deadline)
        state[c] = DISPATCHED
    schedule_all(p, ids, dispatch, day)
