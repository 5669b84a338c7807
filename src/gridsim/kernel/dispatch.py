"""Where a mechanism's code becomes a branch: the one place the kernel reads them.

A mechanism (:mod:`gridsim.mechanisms`) says what it does by writing its
stage's code (``iparams[*_MODE]``, a member of the stage's ``IntEnum`` in
:mod:`gridsim.mechanisms.registry`) and its parameters into ``Pipeline.iparams``
/ ``fparams``; each function here reads one stage's code and returns what that
stage's mechanism decides, and the stages (:mod:`gridsim.kernel.collect`,
``assign``, ``handle``, ``supervise``) act on the answer. A new mechanism is a
new code and class (:mod:`gridsim.mechanisms`) and a new branch here.

Why if-chains on integer codes: with numba 0.68, jitted functions passed as
arguments are never served from the on-disk cache, first-class function
types failed to reload with the :class:`~gridsim.kernel.struct.Pipeline`
StructRef, and ``exec``-generated code cannot be cached; an integer code and
one if-chain compiles once, caches and costs nothing measurable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ASSIGN_MODE,
    BOUNCE_MEAN_DAYS,
    COLLECT_MODE,
    COMMUNITY,
    CONSULT_MODE,
    CONSULTATION_INTERVAL,
    DEADLINE,
    DISTRICT,
    ENTRY_INTERVAL,
    ESCALATED,
    ESCALATES,
    GRID,
    ISSUE_GRID,
    SUPERVISE_MODE,
    U_BOUNCE,
    Assign,
    Collect,
    Consult,
    Supervise,
)
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.rng import case_exponential
from gridsim.kernel.units import unit_for, units_for

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = [
    "assign_unit",
    "assign_units",
    "consultation_release",
    "entry_day",
    "escalates",
    "queue_keys",
    "queue_keys_each",
    "watches_deadlines",
]

_jit = kernel_jit(nogil=True)


@_jit
def entry_day(p: Pipeline, day: int) -> int:
    """集 collect: the day an issue found on ``day`` is entered on the platform.

    Same-day collection enters it that day; batched collection at the first
    batch day (a multiple of ``ENTRY_INTERVAL``) on or after ``day``.
    """
    if p.iparams[COLLECT_MODE] == Collect.SAME_DAY:
        return day
    interval = p.iparams[ENTRY_INTERVAL]
    return -(-day // interval) * interval


@_jit
def assign_unit(p: Pipeline, c: int, level: int) -> tuple[int, int]:
    """交 assign: the tier and unit that handle case ``c`` of complexity ``level``.

    Tiered assignment keeps the tier its complexity calls for; central
    assignment sends every case to its category's district department;
    workload assignment keeps the tier but sends a grid or community case to
    the least loaded unit it may go to (:func:`_least_loaded`).

    Returns:
        (tier, unit).
    """
    mode = p.iparams[ASSIGN_MODE]
    if mode == Assign.CENTRAL:
        return DISTRICT, unit_for(p, c, DISTRICT)
    if mode == Assign.WORKLOAD and level <= COMMUNITY:
        return level, _least_loaded(p, c, level)
    return level, unit_for(p, c, level)


@_jit
def assign_units(p: Pipeline, ids: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`assign_unit` of case ``ids[j]`` of complexity ``levels[j]``, for every ``j``.

    Returns:
        (tiers, units).
    """
    mode = p.iparams[ASSIGN_MODE]
    tiers = np.full(len(ids), DISTRICT, dtype=np.int64) if mode == Assign.CENTRAL else levels
    units = units_for(p, ids, tiers)
    if mode == Assign.WORKLOAD:
        for j in range(len(ids)):
            if levels[j] <= COMMUNITY:
                units[j] = _least_loaded(p, ids[j], levels[j])
    return tiers, units


@_jit
def _lighter(p: Pipeline, u: int, v: int) -> bool:
    """Whether unit ``u`` has less work in hand per capacity than ``v`` (ties: lower index).

    Work in hand is the cases in service and queued; the ratios are compared
    as integer cross products, so equal loads tie exactly.
    """
    wu = (p.unit_busy[u] + p.unit_queued[u]) * p.unit_capacity[v]
    wv = (p.unit_busy[v] + p.unit_queued[v]) * p.unit_capacity[u]
    return wu < wv or (wu == wv and u < v)


@_jit
def _least_loaded(p: Pipeline, c: int, tier: int) -> int:
    """The least loaded unit of ``tier`` (grid or community) that case ``c`` may go to.

    Its own unit and the units of the grids adjacent to its grid (the grid
    adjacency, CSR) in the same street. A case leaves its own unit only for a
    strictly lighter one (moving it for nothing only loads a neighbour); among
    equally light neighbours the lower index wins.
    """
    g = p.ints[ISSUE_GRID, c]
    street = p.grid_street[g]
    own = unit_for(p, c, tier)
    best = own
    for k in range(p.adj_indptr[g], p.adj_indptr[g + 1]):
        h = p.adj_indices[k]
        if p.grid_street[h] != street:
            continue
        near = h if tier == GRID else p.grid_community[h]
        u = p.unit_base[tier] + near
        if u == own:
            continue
        busy_u = (p.unit_busy[u] + p.unit_queued[u]) * p.unit_capacity[own]
        busy_own = (p.unit_busy[own] + p.unit_queued[own]) * p.unit_capacity[u]
        if busy_u < busy_own and (best == own or _lighter(p, u, best)):
            best = u
    return best


@_jit
def consultation_release(p: Pipeline, c: int, day: int) -> int:
    """办 consult: the day multi-department case ``c``, arrived ``day``, may join its queue.

    Joint consultation releases it at the next meeting (a multiple of
    ``CONSULTATION_INTERVAL``); without it, the case bounces between offices
    for an exponential time of its own (mean ``BOUNCE_MEAN_DAYS``).
    """
    if p.iparams[CONSULT_MODE] == Consult.JOINT:
        interval = p.iparams[CONSULTATION_INTERVAL]
        return -(-day // interval) * interval
    return day + np.int64(np.ceil(case_exponential(p, c, U_BOUNCE) * p.fparams[BOUNCE_MEAN_DAYS]))


@_jit
def queue_keys(p: Pipeline, c: int, day: int) -> tuple[int, int]:
    """Supervision: case ``c``'s place in its unit's queue, joined on ``day``.

    Deadline supervision serves escalated cases first, then the earliest
    deadline; without supervision a queue is first come, first served. Ties
    go to the lower case id (:mod:`gridsim.kernel.queues`).

    Returns:
        The keys ``(k1, k2)``, compared in that order.
    """
    if p.iparams[SUPERVISE_MODE] == Supervise.DEADLINES:
        return (0 if p.flags[ESCALATED, c] else 1), np.int64(p.ints[DEADLINE, c])
    return 0, day


@_jit
def queue_keys_each(p: Pipeline, ids: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`queue_keys` of every case of ``ids`` joining its queue on ``day``.

    Returns:
        The keys ``k1`` and ``k2`` of each case.
    """
    k1 = np.empty(len(ids), dtype=np.int64)
    k2 = np.empty(len(ids), dtype=np.int64)
    if p.iparams[SUPERVISE_MODE] == Supervise.DEADLINES:
        escalated, deadline = p.flags[ESCALATED], p.ints[DEADLINE]
        for j in range(len(ids)):
            k1[j] = 0 if escalated[ids[j]] else 1
            k2[j] = deadline[ids[j]]
    else:
        k1[:] = 0
        k2[:] = day
    return k1, k2


@_jit
def watches_deadlines(p: Pipeline) -> bool:
    """Supervision: whether open cases are watched for their deadline (red lights)."""
    return p.iparams[SUPERVISE_MODE] == Supervise.DEADLINES


@_jit
def escalates(p: Pipeline) -> bool:
    """Supervision: whether a case lit red moves to the unit a tier up."""
    return p.iparams[ESCALATES] != 0
