"""办 handle: cases reach their unit, wait for consultation, queue, are served and checked.

A case reaching its unit (:func:`arrive`) joins the unit's queue, unless it
needs several departments and waits for the consultation mechanism first.
Queues admit cases to free capacity in the supervision's order
(:func:`admit`). Service (:func:`_start_services`) takes the case's natural
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
from gridsim.kernel.moves import close_each, enqueue, enqueue_each
from gridsim.kernel.queues import pop_live, schedule, schedule_all, schedule_each
from gridsim.kernel.rng import case_draw, case_normal_draw

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
    enqueue_each(p, ids[~multi], day)
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
def _to_limit(
    deadline: int,
    start: int,
    reply_delay: int,
    day: int,
    days: float,
    load: float,
    f: tuple[float, float, float, float],
    key: int,
    c: int,
) -> float:
    """Working to the deadline: the days case ``c`` takes if its unit plans it to its limit.

    Args:
        deadline: The case's deadline.
        start: The day it was assigned.
        reply_delay: Working days from handled to replied.
        day: Today.
        days: Its natural handling time.
        load: Its unit's queue per unit of capacity.
        f: ``(yellow_fraction, yellow_compliance, compliance, compliance_load_drop)``.
        key: The run's case key (the case's own ``comply`` draw).
        c: The case.

    Returns:
        ``days`` (the natural time) if it already closes in time, if the limit
        cannot be met any more, or if the unit does not comply (the case's own
        ``comply`` draw); else the days left for it to close exactly by its limit.
    """
    latest = deadline - reply_delay  # handling done by then: on time
    if latest < day or day + np.ceil(days) <= latest:
        return days
    yellow_fraction, yellow_compliance, compliance, load_drop = f
    span = deadline - start
    if span > 0 and day - start >= yellow_fraction * span:
        comply = yellow_compliance
    else:
        comply = compliance * max(0.0, 1.0 - load_drop * load)
    if case_draw(key, c, U_COMPLY) < comply:
        return float(latest - day)
    return days


@_jit
def _start_services(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """办: handling starts for every case of ``ids`` (admitted today, in order).

    Each case's duration comes from its own draws, its unit's load (the queue
    at the start of the admission round) and effort.
    """
    f, key = p.fparams, p.iparams[CASE_KEY]
    sigma = f[SERVICE_SIGMA]
    limit = (f[YELLOW_FRACTION], f[YELLOW_COMPLIANCE], f[COMPLIANCE], f[COMPLIANCE_LOAD_DROP])
    watch, reply_delay = watches_deadlines(p), p.iparams[REPLY_DELAY]
    horizon = 10.0 * p.iparams[DAYS]
    unit, deadline, assign_day = p.ints[UNIT], p.ints[DEADLINE], p.ints[ASSIGN_DAY]
    escalated, tier, state = p.flags[ESCALATED], p.i8[TIER], p.i8[STATE]
    queue_len, capacity, effort = p.unit_queue_len, p.unit_capacity, p.unit_effort
    medians, busy = p.service_medians, p.unit_busy
    finish = np.empty(len(ids), dtype=np.int64)
    for j in range(len(ids)):
        c = ids[j]
        u = unit[c]
        if escalated[c]:
            days = f[ESCALATED_MEDIAN_DAYS] * np.exp(
                0.5 * sigma * case_normal_draw(key, c, U_ESCALATED, U_ESCALATED_ANGLE)
            )
        elif case_draw(key, c, U_SAME_DAY) < f[SAME_DAY_SHARE]:
            days = 0.0
        else:
            load = queue_len[u] / capacity[u]
            normal = medians[tier[c]] * np.exp(
                sigma * case_normal_draw(key, c, U_SERVICE, U_SERVICE_ANGLE)
            )
            days = normal * (1.0 + f[CONGESTION_SLOWDOWN] * load)
            days *= 1.0 - f[EFFORT_SPEEDUP] * effort[u]
            if watch:
                days = _to_limit(
                    deadline[c], assign_day[c], reply_delay, day, days, load, limit, key, c
                )
        finish[j] = day + np.int64(np.ceil(min(days, horizon)))
        state[c] = IN_SERVICE
        busy[u] += 1
    schedule_each(p, ids, finish, day)


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
    dirty_units, unit_dirty = p.dirty_units, p.unit_dirty
    capacity, busy, queued, queue_len = (
        p.unit_capacity,
        p.unit_busy,
        p.unit_queued,
        p.unit_queue_len,
    )
    room = 0  # at most min(free slots, queued cases) from each unit
    for k in range(n_dirty):
        u = dirty_units[k]
        room += max(0, min(capacity[u] - busy[u], queued[u]))
    admitted = np.empty(room, dtype=np.int64)
    n_admitted = 0
    for k in range(n_dirty):
        u = dirty_units[k]
        unit_dirty[u] = 0
        free = capacity[u] - busy[u]
        if free <= 0 or queued[u] == 0:
            continue
        queue_len[u] = queued[u]
        n_admitted = pop_live(p, u, free, admitted, n_admitted)
    _start_services(p, admitted[:n_admitted], day)
    return n_admitted > 0


@_jit
def finish(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Handling done: resolved or only explained (effort fixes more); may be sent back."""
    factor = p.fparams[BOUNCE_RESOLVABLE_FACTOR]
    rework_share = p.fparams[REWORK_SHARE]
    fix_gain = p.fparams[EFFORT_FIX_GAIN]
    key = p.iparams[CASE_KEY]
    unit, busy, handled = p.ints[UNIT], p.unit_busy, p.unit_handled
    counters, dirty, dirty_units = p.counters, p.unit_dirty, p.dirty_units
    for c in ids:
        u = unit[c]
        busy[u] -= 1
        handled[u] += 1
        counters[ADMISSION_DUE] = 1  # mark_dirty
        if not dirty[u]:
            dirty[u] = 1
            dirty_units[counters[N_DIRTY]] = u
            counters[N_DIRTY] += 1
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
    enqueue_each(p, ids[~done], day)
    delay = p.iparams[REPLY_DELAY]
    finished = ids[done]
    if delay == 0:
        close_each(p, finished, day)
    else:
        state = p.i8[STATE]
        for c in finished:
            state[c] = REPLYING
        schedule_all(p, finished, day + delay, day)
