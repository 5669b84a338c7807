"""办 handle: cases reach their unit, wait for consultation, queue, are served and checked.

A case reaching its unit (:func:`arrive`) joins the unit's queue, unless it
needs several departments and waits for the consultation mechanism first.
Queues admit cases to free capacity in the supervision's order
(:func:`admit`); service takes a time of the case's own draws slowed by the
unit's queue (:func:`_start_service`); a finished case is resolved or only
explained, and verification may send it back once (:func:`finish`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ADMISSION_DUE,
    BOUNCE_RESOLVABLE_FACTOR,
    BOUNCED,
    BOUNCES,
    CATEGORY,
    CONGESTION_SLOWDOWN,
    DAYS,
    ESCALATED,
    ESCALATED_MEDIAN_DAYS,
    IN_SERVICE,
    MULTI_SHARE,
    N_DIRTY,
    REPLY_DELAY,
    REPLYING,
    RESOLVED,
    REWORK_SHARE,
    REWORKS,
    SAME_DAY_SHARE,
    SERVICE_SIGMA,
    STATE,
    STREET,
    TIER,
    U_ESCALATED,
    U_ESCALATED_ANGLE,
    U_MULTI,
    U_RESOLVE,
    U_REWORK,
    U_SAME_DAY,
    U_SERVICE,
    U_SERVICE_ANGLE,
    UNIT,
    WAITING,
)
from gridsim.kernel.dispatch import consultation_release
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import close, enqueue
from gridsim.kernel.queues import leave_queue, mark_dirty, pop, schedule
from gridsim.kernel.rng import case_normal, case_uniform

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["admit", "arrive", "finish"]

_jit = kernel_jit(nogil=True)


@_jit
def arrive(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """The case reaches its unit; multi-department cases wait for consultation."""
    share = p.fparams[MULTI_SHARE]
    multi = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        multi[j] = (
            case_uniform(p, c, U_MULTI) < share
            and p.i8[TIER, c] >= STREET
            and not p.flags[ESCALATED, c]
        )
        if not multi[j]:
            enqueue(p, c, day)
    for j in range(len(ids)):
        if not multi[j]:
            continue
        c = ids[j]
        release = consultation_release(p, c, day)
        p.flags[BOUNCED, c] = p.iparams[BOUNCES] != 0
        if release <= day:
            enqueue(p, c, day)
        else:
            p.i8[STATE, c] = WAITING
            schedule(p, c, release, day)


@_jit
def _start_service(p: Pipeline, c: int, day: int, queue_len: np.ndarray) -> None:
    """办: handling starts; duration from the case's own draws and the unit's load."""
    u = p.ints[UNIT, c]
    sigma = p.fparams[SERVICE_SIGMA]
    if p.flags[ESCALATED, c]:
        days = p.fparams[ESCALATED_MEDIAN_DAYS] * np.exp(
            0.5 * sigma * case_normal(p, c, U_ESCALATED, U_ESCALATED_ANGLE)
        )
    elif case_uniform(p, c, U_SAME_DAY) < p.fparams[SAME_DAY_SHARE]:
        days = 0.0
    else:
        load = queue_len[u] / p.unit_capacity[u]
        normal = p.service_medians[p.i8[TIER, c]] * np.exp(
            sigma * case_normal(p, c, U_SERVICE, U_SERVICE_ANGLE)
        )
        days = normal * (1.0 + p.fparams[CONGESTION_SLOWDOWN] * load)
    finish = day + np.int64(np.ceil(min(days, 10.0 * p.iparams[DAYS])))
    p.i8[STATE, c] = IN_SERVICE
    p.unit_busy[u] += 1
    schedule(p, c, finish, day)


@_jit
def admit(p: Pipeline, day: int) -> bool:
    """Queues admit cases to free capacity, in the supervision's priority order.

    Only units whose queue grew or whose slot freed since their last round are
    looked at: any other unit is full or has nobody waiting.

    Returns:
        Whether any case started service.
    """
    if p.counters[ADMISSION_DUE] == 0:
        return False
    p.counters[ADMISSION_DUE] = 0
    n_dirty = p.counters[N_DIRTY]
    p.counters[N_DIRTY] = 0
    admitted = np.empty(0, dtype=np.int64)
    n_admitted = 0
    for k in range(n_dirty):
        u = p.dirty_units[k]
        p.unit_dirty[u] = 0
        free = p.unit_capacity[u] - p.unit_busy[u]
        if free <= 0 or p.unit_queued[u] == 0:
            continue
        p.unit_queue_len[u] = p.unit_queued[u]
        while free > 0 and p.unit_root[u] >= 0:
            c = pop(p, u)
            if c < 0:
                continue  # stale: the case left this queue
            leave_queue(p, c)
            if n_admitted == len(admitted):
                grown = np.empty(max(16, 2 * n_admitted), dtype=np.int64)
                grown[:n_admitted] = admitted[:n_admitted]
                admitted = grown
            admitted[n_admitted] = c
            n_admitted += 1
            free -= 1
    for j in range(n_admitted):
        _start_service(p, admitted[j], day, p.unit_queue_len)
    return n_admitted > 0


@_jit
def finish(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Handling done: resolved or only explained; verification may send it back."""
    factor = p.fparams[BOUNCE_RESOLVABLE_FACTOR]
    rework_share = p.fparams[REWORK_SHARE]
    for c in ids:
        u = p.ints[UNIT, c]
        p.unit_busy[u] -= 1
        p.unit_handled[u] += 1
        mark_dirty(p, u)
    done = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        share = p.resolvable[p.i8[CATEGORY, c]]
        if p.flags[BOUNCED, c]:
            share = share * factor
        resolved = case_uniform(p, c, U_RESOLVE) < share
        done[j] = not (
            resolved and p.i8[REWORKS, c] == 0 and case_uniform(p, c, U_REWORK) < rework_share
        )
        if done[j]:
            p.flags[RESOLVED, c] = resolved
        else:
            p.i8[REWORKS, c] += 1
            enqueue(p, c, day)
    delay = p.iparams[REPLY_DELAY]
    for j in range(len(ids)):
        if not done[j]:
            continue
        if delay == 0:
            close(p, ids[j], day)
        else:
            p.i8[STATE, ids[j]] = REPLYING
            schedule(p, ids[j], day + delay, day)
