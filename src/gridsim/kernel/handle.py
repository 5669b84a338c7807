"""办 handle: cases reach their unit, wait for consultation, queue, are served and checked.

A case reaching its unit (:func:`arrive`) joins the unit's queue, unless it
needs several departments and waits for the consultation mechanism first.
Queues admit cases to free capacity in the supervision's order
(:func:`admit`). Service (:func:`_start_service`) takes the case's natural
time — lognormal, from its own draws, slowed by the unit's queue and
shortened by the unit's effort — unless the unit works to the case's time
limit (:func:`_to_limit`). A finished case is resolved or only explained (a
unit's effort fixes more), and verification may send it back once
(:func:`finish`).

Working to deadlines (亮灯警示、限时办结): under deadline supervision a unit
plans a case whose natural time would miss its limit to close exactly by the
limit, with probability ``deadlines.compliance`` when it has no queue, less
``deadlines.compliance_load_drop`` per queued case per unit of capacity; a
case already yellow when handling starts (past ``deadlines.yellow_fraction``
of its limit) is planned to the limit with probability
``deadlines.yellow_compliance``. A case whose limit has passed, or that
would close too late even if finished today, takes its natural time. Without
supervision every case takes its natural time: the long lognormal tail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ADMISSION_DUE,
    ASSIGN_DAY,
    BOUNCE_RESOLVABLE_FACTOR,
    BOUNCED,
    BOUNCES,
    CASE_KEY,
    CATEGORY,
    COMPLIANCE,
    COMPLIANCE_LOAD_DROP,
    CONGESTION_SLOWDOWN,
    DAYS,
    DEADLINE,
    EFFORT_FIX_GAIN,
    EFFORT_SPEEDUP,
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
    U_COMPLY,
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
    YELLOW_COMPLIANCE,
    YELLOW_FRACTION,
)
from gridsim.kernel.dispatch import consultation_release, watches_deadlines
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import close_each, enqueue
from gridsim.kernel.queues import leave_queue, mark_dirty, pop, schedule, schedule_all
from gridsim.kernel.rng import case_draw, case_normal, case_uniform

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["admit", "arrive", "finish"]

_jit = kernel_jit(nogil=True)


@_jit
def arrive(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """The case reaches its unit; multi-department cases wait for consultation."""
    share = p.fparams[MULTI_SHARE]
    key = p.iparams[CASE_KEY]
    tier, escalated = p.i8[TIER], p.flags[ESCALATED]
    multi = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        multi[j] = case_draw(key, c, U_MULTI) < share and tier[c] >= STREET and not escalated[c]
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
def _to_limit(p: Pipeline, c: int, day: int, days: float, load: float) -> float:
    """Working to the deadline: the days case ``c`` takes if its unit plans it to its limit.

    Returns:
        ``days`` (the natural time) if it already closes in time, if the limit
        cannot be met any more, or if the unit does not comply (the case's own
        ``comply`` draw); else the days left for it to close exactly by its limit.
    """
    latest = p.ints[DEADLINE, c] - p.iparams[REPLY_DELAY]  # handling done by then: on time
    if latest < day or day + np.ceil(days) <= latest:
        return days
    start = p.ints[ASSIGN_DAY, c]
    span = p.ints[DEADLINE, c] - start
    if span > 0 and day - start >= p.fparams[YELLOW_FRACTION] * span:
        comply = p.fparams[YELLOW_COMPLIANCE]
    else:
        comply = p.fparams[COMPLIANCE] * max(0.0, 1.0 - p.fparams[COMPLIANCE_LOAD_DROP] * load)
    if case_uniform(p, c, U_COMPLY) < comply:
        return float(latest - day)
    return days


@_jit
def _start_service(p: Pipeline, c: int, day: int, queue_len: np.ndarray) -> None:
    """办: handling starts; duration from the case's own draws, the unit's load and effort."""
    u = p.ints[UNIT, c]
    f = p.fparams
    sigma = f[SERVICE_SIGMA]
    if p.flags[ESCALATED, c]:
        days = f[ESCALATED_MEDIAN_DAYS] * np.exp(
            0.5 * sigma * case_normal(p, c, U_ESCALATED, U_ESCALATED_ANGLE)
        )
    elif case_uniform(p, c, U_SAME_DAY) < f[SAME_DAY_SHARE]:
        days = 0.0
    else:
        load = queue_len[u] / p.unit_capacity[u]
        normal = p.service_medians[p.i8[TIER, c]] * np.exp(
            sigma * case_normal(p, c, U_SERVICE, U_SERVICE_ANGLE)
        )
        days = normal * (1.0 + f[CONGESTION_SLOWDOWN] * load)
        days *= 1.0 - f[EFFORT_SPEEDUP] * p.unit_effort[u]
        if watches_deadlines(p):
            days = _to_limit(p, c, day, days, load)
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
    dirty_units, unit_dirty, unit_root = p.dirty_units, p.unit_dirty, p.unit_root
    capacity, busy, queued = p.unit_capacity, p.unit_busy, p.unit_queued
    for k in range(n_dirty):
        u = dirty_units[k]
        unit_dirty[u] = 0
        free = capacity[u] - busy[u]
        if free <= 0 or queued[u] == 0:
            continue
        p.unit_queue_len[u] = queued[u]
        while free > 0 and unit_root[u] >= 0:
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
    """Handling done: resolved or only explained (effort fixes more); may be sent back."""
    factor = p.fparams[BOUNCE_RESOLVABLE_FACTOR]
    rework_share = p.fparams[REWORK_SHARE]
    fix_gain = p.fparams[EFFORT_FIX_GAIN]
    key = p.iparams[CASE_KEY]
    unit, busy, handled = p.ints[UNIT], p.unit_busy, p.unit_handled
    for c in ids:
        u = unit[c]
        busy[u] -= 1
        handled[u] += 1
        mark_dirty(p, u)
    resolvable, category, reworks = p.resolvable, p.i8[CATEGORY], p.i8[REWORKS]
    bounced, resolved_flag, effort = p.flags[BOUNCED], p.flags[RESOLVED], p.unit_effort
    done = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        share = resolvable[category[c]]
        if bounced[c]:
            share = share * factor
        # Effort fixes some of what would only have been explained.
        share += (1.0 - share) * fix_gain * effort[unit[c]]
        resolved = case_draw(key, c, U_RESOLVE) < share
        done[j] = not (resolved and reworks[c] == 0 and case_draw(key, c, U_REWORK) < rework_share)
        if done[j]:
            resolved_flag[c] = resolved
        else:
            reworks[c] += 1
            enqueue(p, c, day)
    delay = p.iparams[REPLY_DELAY]
    finished = ids[done]
    if delay == 0:
        close_each(p, finished, day)
    else:
        state = p.i8[STATE]
        for c in finished:
            state[c] = REPLYING
        schedule_all(p, finished, day + delay, day)
