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
from gridsim.kernel.queues import busday, schedule
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
    for c in ids:
        level = case_level(p, c)
        tier, unit = assign_unit(p, c, level)
        p.i8[TIER, c] = tier
        p.ints[UNIT, c] = unit
        p.ints[ASSIGN_DAY, c] = day
        deadline = busday(p, day, p.limits[level])
        p.ints[FIRST_DEADLINE, c] = deadline
        set_deadline(p, c, deadline)
        p.i8[STATE, c] = DISPATCHED
        schedule(p, c, dispatch, day)
