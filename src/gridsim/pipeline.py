"""The case pipeline of one simulated day, compiled with numba.

A Yuelu year moves some 75,000 latent issues and about 10,000 cases through
collect → assign → handle → reply, a few dozen a day. In numpy every step of
a day was a handful of whole-array calls on a few dozen ids, so a year was
~150 small calls a day and their fixed cost, not the cases, set the pace. Here
a day is one compiled call that walks the cases one by one.

The kernel mirrors the vectorised pipeline it replaced step for step — the
same groups in the same order, the same pre-drawn uniforms per case, the
detection uniforms taken from one pre-drawn buffer in the order the old code
drew them — so a run's KPIs are bit-identical to the numpy version's (a
regression test holds them). Survey waves and cadre rotations stay in Python
(:class:`gridsim.model.GridModel`): they are rare and whole-array.

All state lives in numpy arrays owned by the model and grouped in a
:class:`Pipeline` tuple, so the model, the KPIs and the survey read and write
the same memory the kernel does.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.experimental import structref

from gridsim.cases import (
    ADJACENT_GRID_WEIGHT,
    ADMISSION_DUE,
    ARRIVAL,
    ASSIGN_DAY,
    BOUNCE_MEAN_DAYS,
    BOUNCE_RESOLVABLE_FACTOR,
    BOUNCED,
    BOUNCES,
    CADRE_VISIT,
    CASE_DRAW_SLOTS,
    CASE_KEY,
    CATEGORY,
    CENTRAL,
    CHANNEL,
    CLOSE_DAY,
    CLOSED,
    COMMUNITY,
    CONGESTION_SLOWDOWN,
    CONSULTATION_INTERVAL,
    CONTACT_GAIN,
    DAYS,
    DEADLINE,
    DEADLINE_FIRST,
    DETECT_LOGIT,
    DETECTION_CURSOR,
    DETECTION_KEY,
    DISPATCH_DELAY,
    DISPATCHED,
    DISTRICT,
    ENTRY_INTERVAL,
    ESCALATED,
    ESCALATED_MEDIAN_DAYS,
    ESCALATES,
    ESCALATIONS,
    EXPIRY,
    FAMILIARITY_DAYS,
    FAMILIARITY_EFFECT,
    FIRST_DEADLINE,
    FOUND,
    FOUND_DAY,
    FREE_ENTRY,
    GRID,
    HOUSEHOLD,
    HQ_ENTRIES,
    HQ_FREE,
    IN_SERVICE,
    INVALID,
    ISSUE_GRID,
    JOINT_CONSULTATION,
    LATE,
    LATENT,
    LIGHTS,
    MULTI_SHARE,
    N_CLOSED,
    N_DIRTY,
    N_ENTRIES,
    N_OPEN,
    NEIGHBOUR_WEIGHT,
    NEIGHBOURS,
    NEXT_DAY,
    OFFICER_VISIT,
    PUBLIC,
    PUBLIC_REPLY,
    PUBLIC_WEIGHT,
    QUEUE_ENTRY,
    QUEUED,
    QUEUED_DAY,
    RED,
    RED_LIGHTS,
    REPLY_DELAY,
    REPLYING,
    REPORT_DAY,
    RESOLVED,
    REWORK_SHARE,
    REWORKS,
    SAME_DAY_SHARE,
    SELF_REPORT,
    SELF_REPORT_DELAY_DAYS,
    SERVICE_SIGMA,
    SPOT_FIXED,
    SPOT_SHARE,
    STAMP,
    STAMP_CLOCK,
    STATE,
    STREET,
    TIER,
    TRUST_EFFECT,
    TRUST_GAIN_RESOLVED,
    TRUST_LOSS_LATE,
    TRUST_LOSS_UNRESOLVED,
    U_BOUNCE,
    U_ESCALATED,
    U_ESCALATED_ANGLE,
    U_MULTI,
    U_RESOLVE,
    U_REWORK,
    U_SAME_DAY,
    U_SELF,
    U_SELF_DELAY,
    U_SERVICE,
    U_SERVICE_ANGLE,
    U_SPOT,
    U_TIER,
    U_VALID,
    UNIT,
    VALID_SHARE,
    VERIFICATION_DELAY,
    VERIFY,
    VISITS_CADRE,
    VISITS_DONE,
    VISITS_OFFICER,
    WAITING,
)
from gridsim.fingerprint import kernel_jit

_I64, _I32, _I8 = types.int64[::1], types.int32[::1], types.int8[::1]
_F64 = types.float64[::1]
_I64_2D, _I32_2D, _I8_2D = types.int64[:, ::1], types.int32[:, ::1], types.int8[:, ::1]
_BOOL_2D = types.boolean[:, ::1]
_NUMPY = {
    types.int64: np.int64,
    types.int32: np.int32,
    types.int8: np.int8,
    types.float64: np.float64,
    types.boolean: np.bool_,
}

#: The kernel's arrays: name and numba type (C-contiguous).
FIELDS: tuple[tuple[str, types.Type], ...] = (
    ("ints", _I32_2D),
    ("i8", _I8_2D),
    ("flags", _BOOL_2D),
    ("trust", _F64),
    ("propensity", _F64),
    ("household_grid", _I32),
    ("grid_trust_offset", _F64),
    ("grid_start", _I64),
    ("grid_households", _I64),
    ("grid_community", _I64),
    ("grid_street", _I64),
    ("adj_indptr", _I64),
    ("adj_indices", _I64),
    ("adj_data", _F64),
    ("cadre_grid", _I64),
    ("cadre_posted_on", _F64),
    ("cadres_per_grid", _I64),
    ("unit_base", _I64),
    ("unit_capacity", _I64),
    ("unit_busy", _I64),
    ("unit_handled", _I64),
    ("unit_queued", _I64),
    ("unit_queue_len", _I64),
    ("unit_root", _I64),
    ("unit_dirty", _I8),
    ("dirty_units", _I64),
    ("working_index", _I64),
    ("visit_offsets", _I64),
    ("visit_household", _I32),
    ("visit_visitor", _I8),
    ("pair_offsets", _I64),
    ("pair_issue", _I32),
    ("pair_visitor", _I8),
    ("arrival_offsets", _I64),
    ("arrival_order", _I32),
    ("busday", _I64_2D),
    ("limits", _I64),
    ("service_medians", _F64),
    ("resolvable", _F64),
    ("tier_edges", _F64),
    ("fparams", _F64),
    ("iparams", _I64),
    ("counters", _I64),
    ("cal_head", _I64),
    ("cal_case", _I64),
    ("cal_next", _I64),
    ("hq_case", _I64),
    ("hq_k1", _I8),
    ("hq_k2", _I64),
    ("hq_left", _I64),
    ("hq_right", _I64),
    ("open_cases", _I64),
    ("closed", _I64),
)


@structref.register
class PipelineType(types.StructRef):
    """Numba type of :class:`Pipeline` (a struct of arrays passed by reference).

    A struct, not a tuple: numba lowers a tuple of ~50 arrays into every
    function that takes it, and compiling the kernel took minutes.
    """

    def preprocess_fields(self, fields: tuple) -> tuple:
        """Fields as given, without literal types."""
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class Pipeline(structref.StructRefProxy):
    """Every array the day kernel reads or writes (views of the model's arrays).

    Attributes:
        ints, i8, flags: Per-case fields, one row each (see the row constants
            of :mod:`gridsim.cases`), one column per case.
        trust, propensity, household_grid: Per household.
        grid_trust_offset, grid_start, grid_households, grid_community,
            grid_street: Per grid.
        adj_indptr, adj_indices, adj_data: Grid adjacency (CSR).
        cadre_grid, cadre_posted_on, cadres_per_grid: Cadre postings (rotation
            writes them in place).
        unit_base, unit_capacity, unit_busy, unit_handled: Handling units.
        unit_queued: Cases in each unit's queue.
        unit_queue_len: Each unit's queue length at the start of an admission
            round (what congestion slows service by).
        unit_root, hq_case, hq_k1, hq_k2, hq_left, hq_right: Each unit's queue,
            a skew heap of entries ordered by the supervision's keys
            ``(k1, k2)`` then the case id; an entry no longer named by the
            case's ``QUEUE_ENTRY`` is stale and skipped.
        unit_dirty, dirty_units: Units whose queue grew or whose slot freed
            since their last admission round.
        working_index: Position of each day among the working days, or -1.
        visit_offsets, visit_household, visit_visitor: The visit plan.
        pair_offsets, pair_issue, pair_visitor: Visit–issue pairs per working day.
        arrival_offsets, arrival_order: Household issues by arrival day.
        busday: ``[day, k]`` → the day ``k`` working days after ``day``.
        limits, service_medians, resolvable, tier_edges: Per tier / category.
        fparams, iparams: Scalar parameters (see the constants).
        counters: Counters and buffer fills (see the constants).
        cal_head, cal_case, cal_next: The agenda, a calendar of linked lists:
            ``cal_head[day]`` is the first entry filed under ``day``.
        open_cases, closed: Work buffers (grown when full).
    """


structref.define_boxing(PipelineType, Pipeline)
_PIPELINE = PipelineType(list(FIELDS))


@kernel_jit()
def _make(
    ints,
    i8,
    flags,
    trust,
    propensity,
    household_grid,
    grid_trust_offset,
    grid_start,
    grid_households,
    grid_community,
    grid_street,
    adj_indptr,
    adj_indices,
    adj_data,
    cadre_grid,
    cadre_posted_on,
    cadres_per_grid,
    unit_base,
    unit_capacity,
    unit_busy,
    unit_handled,
    unit_queued,
    unit_queue_len,
    unit_root,
    unit_dirty,
    dirty_units,
    working_index,
    visit_offsets,
    visit_household,
    visit_visitor,
    pair_offsets,
    pair_issue,
    pair_visitor,
    arrival_offsets,
    arrival_order,
    busday,
    limits,
    service_medians,
    resolvable,
    tier_edges,
    fparams,
    iparams,
    counters,
    cal_head,
    cal_case,
    cal_next,
    hq_case,
    hq_k1,
    hq_k2,
    hq_left,
    hq_right,
    open_cases,
    closed,
):
    p = structref.new(_PIPELINE)
    p.ints = ints
    p.i8 = i8
    p.flags = flags
    p.trust = trust
    p.propensity = propensity
    p.household_grid = household_grid
    p.grid_trust_offset = grid_trust_offset
    p.grid_start = grid_start
    p.grid_households = grid_households
    p.grid_community = grid_community
    p.grid_street = grid_street
    p.adj_indptr = adj_indptr
    p.adj_indices = adj_indices
    p.adj_data = adj_data
    p.cadre_grid = cadre_grid
    p.cadre_posted_on = cadre_posted_on
    p.cadres_per_grid = cadres_per_grid
    p.unit_base = unit_base
    p.unit_capacity = unit_capacity
    p.unit_busy = unit_busy
    p.unit_handled = unit_handled
    p.unit_queued = unit_queued
    p.unit_queue_len = unit_queue_len
    p.unit_root = unit_root
    p.unit_dirty = unit_dirty
    p.dirty_units = dirty_units
    p.working_index = working_index
    p.visit_offsets = visit_offsets
    p.visit_household = visit_household
    p.visit_visitor = visit_visitor
    p.pair_offsets = pair_offsets
    p.pair_issue = pair_issue
    p.pair_visitor = pair_visitor
    p.arrival_offsets = arrival_offsets
    p.arrival_order = arrival_order
    p.busday = busday
    p.limits = limits
    p.service_medians = service_medians
    p.resolvable = resolvable
    p.tier_edges = tier_edges
    p.fparams = fparams
    p.iparams = iparams
    p.counters = counters
    p.cal_head = cal_head
    p.cal_case = cal_case
    p.cal_next = cal_next
    p.hq_case = hq_case
    p.hq_k1 = hq_k1
    p.hq_k2 = hq_k2
    p.hq_left = hq_left
    p.hq_right = hq_right
    p.open_cases = open_cases
    p.closed = closed
    return p


def make(**arrays: np.ndarray) -> Pipeline:
    """Group the model's arrays for the kernel (they are shared, not copied).

    Raises:
        ValueError: An array is missing, of the wrong dtype or rank, or not
            C-contiguous (a copy would silently break the sharing).
    """
    args = []
    for name, typ in FIELDS:
        a = arrays[name]
        dtype = _NUMPY[typ.dtype]
        if a.dtype != dtype or a.ndim != typ.ndim or not a.flags.c_contiguous:
            raise ValueError(
                f"pipeline array {name}: need C-contiguous {typ}, got {a.dtype} {a.shape}"
            )
        args.append(a)
    return _make(*args)


def buffers(n_cases: int, days: int) -> dict[str, np.ndarray]:
    """Work buffers for ``n_cases`` cases over ``days`` days.

    They start small and double when full (the kernel replaces them), so a
    run's memory follows its busiest day, not the number of latent issues —
    on this machine first-touched memory costs more than the work.
    """
    start = 1024
    return {
        "cal_head": np.full(days, -1, dtype=np.int64),
        "cal_case": np.empty(max(start, n_cases // 4), dtype=np.int64),
        "cal_next": np.empty(max(start, n_cases // 4), dtype=np.int64),
        **{
            name: np.empty(start, dtype=np.int8 if name == "hq_k1" else np.int64)
            for name in ("hq_case", "hq_k1", "hq_k2", "hq_left", "hq_right")
        },
        "open_cases": np.empty(start, dtype=np.int64),
        "closed": np.empty(start, dtype=np.int64),
    }


_jit = kernel_jit(nogil=True)

# -- buffers ----------------------------------------------------------------


@_jit
def _new_stamp(p: Pipeline) -> int:
    p.counters[STAMP_CLOCK] += 1
    return p.counters[STAMP_CLOCK]


@_jit
def _grown(a: np.ndarray) -> np.ndarray:
    """``a`` (int64) copied into an array twice its size."""
    out = np.empty(2 * len(a), dtype=np.int64)
    out[: len(a)] = a
    return out


@_jit
def _pool_take(counters: np.ndarray, free: int, used: int, links: np.ndarray) -> int:
    """An entry of a pool (calendar or queues): its free list's head, else the next unused.

    ``counters[free]`` heads the free list (linked through ``links``),
    ``counters[used]`` counts entries ever handed out; -1 when the pool is full.
    """
    e = counters[free]
    if e >= 0:
        counters[free] = links[e]
        return e
    e = counters[used]
    if e == len(links):
        return -1
    counters[used] += 1
    return e


@_jit
def _grow_calendar(p: Pipeline) -> None:
    p.cal_case = _grown(p.cal_case)
    p.cal_next = _grown(p.cal_next)


@_jit
def _schedule(p: Pipeline, c: int, day: int, today: int) -> None:
    """Set case ``c``'s next step to ``day`` and file it under that day.

    ``next_day`` is authoritative: an entry whose case has since been moved
    on is skipped when its day comes. Days past the horizon are not filed.
    """
    p.ints[NEXT_DAY, c] = day
    if day < today or day >= len(p.cal_head):
        return
    e = _pool_take(p.counters, FREE_ENTRY, N_ENTRIES, p.cal_next)
    if e < 0:
        _grow_calendar(p)
        e = _pool_take(p.counters, FREE_ENTRY, N_ENTRIES, p.cal_next)
    p.cal_case[e] = c
    p.cal_next[e] = p.cal_head[day]
    p.cal_head[day] = e


@_jit
def _grow_queues(p: Pipeline) -> None:
    p.hq_case = _grown(p.hq_case)
    k1 = np.empty(2 * len(p.hq_k1), dtype=np.int8)
    k1[: len(p.hq_k1)] = p.hq_k1
    p.hq_k1 = k1
    p.hq_k2 = _grown(p.hq_k2)
    p.hq_left = _grown(p.hq_left)
    p.hq_right = _grown(p.hq_right)


@_jit
def _entry_less(p: Pipeline, a: int, b: int) -> bool:
    """Queue order of two entries: the supervision's keys, then the case id."""
    if p.hq_k1[a] != p.hq_k1[b]:
        return p.hq_k1[a] < p.hq_k1[b]
    if p.hq_k2[a] != p.hq_k2[b]:
        return p.hq_k2[a] < p.hq_k2[b]
    return p.hq_case[a] < p.hq_case[b]


@_jit
def _meld(p: Pipeline, a: int, b: int) -> int:
    """Skew-heap union of the heaps rooted at entries ``a`` and ``b`` (top-down)."""
    if a < 0:
        return b
    if b < 0:
        return a
    if _entry_less(p, b, a):
        a, b = b, a
    root = a
    while True:
        # a's new right is its old left; its new left is its old right melded with b.
        old_right = p.hq_right[a]
        p.hq_right[a] = p.hq_left[a]
        if old_right < 0:
            p.hq_left[a] = b
            return root
        if _entry_less(p, b, old_right):
            p.hq_left[a] = b
            a, b = b, old_right
        else:
            p.hq_left[a] = old_right
            a = old_right


@_jit
def _mark_dirty(p: Pipeline, u: int) -> None:
    p.counters[ADMISSION_DUE] = 1
    if not p.unit_dirty[u]:
        p.unit_dirty[u] = 1
        p.dirty_units[p.counters[N_DIRTY]] = u
        p.counters[N_DIRTY] += 1


@_jit
def _enqueue(p: Pipeline, c: int, day: int) -> None:
    """Case ``c`` joins its unit's queue today."""
    p.i8[STATE, c] = QUEUED
    p.ints[QUEUED_DAY, c] = day
    p.ints[NEXT_DAY, c] = -1
    e = _pool_take(p.counters, HQ_FREE, HQ_ENTRIES, p.hq_left)
    if e < 0:
        _grow_queues(p)
        e = _pool_take(p.counters, HQ_FREE, HQ_ENTRIES, p.hq_left)
    p.hq_case[e] = c
    if p.iparams[DEADLINE_FIRST]:
        p.hq_k1[e] = 0 if p.flags[ESCALATED, c] else 1
        p.hq_k2[e] = p.ints[DEADLINE, c]
    else:
        p.hq_k1[e] = 0
        p.hq_k2[e] = day
    p.hq_left[e] = -1
    p.hq_right[e] = -1
    p.ints[QUEUE_ENTRY, c] = e
    u = p.ints[UNIT, c]
    p.unit_root[u] = _meld(p, p.unit_root[u], e)
    p.unit_queued[u] += 1
    _mark_dirty(p, u)


@_jit
def _leave_queue(p: Pipeline, c: int) -> None:
    """A queued case leaves its unit's queue (its entry goes stale)."""
    p.unit_queued[p.ints[UNIT, c]] -= 1
    p.ints[QUEUE_ENTRY, c] = -1


@_jit
def _compact_open(p: Pipeline) -> None:
    """Keep the distinct cases still open (dispatched to in service)."""
    stamp = _new_stamp(p)
    state, st = p.i8[STATE], p.ints[STAMP]
    k = 0
    for j in range(p.counters[N_OPEN]):
        c = p.open_cases[j]
        s = state[c]
        if s >= DISPATCHED and s <= IN_SERVICE and st[c] != stamp:
            st[c] = stamp
            p.open_cases[k] = c
            k += 1
    p.counters[N_OPEN] = k


@_jit
def _set_deadline(p: Pipeline, c: int, deadline: int) -> None:
    p.ints[DEADLINE, c] = deadline
    if p.iparams[LIGHTS]:
        if p.counters[N_OPEN] == len(p.open_cases):
            # The deadline check compacts the list once a day; grow meanwhile.
            p.open_cases = _grown(p.open_cases)
        p.open_cases[p.counters[N_OPEN]] = c
        p.counters[N_OPEN] += 1


# -- helpers ----------------------------------------------------------------


@_jit
def _busday(p: Pipeline, day: int, k: int) -> int:
    return p.busday[day, k]


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@_jit
def _uniform(key: int, counter: int) -> float:
    """SplitMix64 output ``counter + 1`` of ``key`` as a uniform in [0, 1).

    Bit for bit :func:`gridsim.streams.uniforms`.
    """
    z = np.uint64(key) + (np.uint64(counter) + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@_jit
def _u(p: Pipeline, c: int, slot: int) -> float:
    """Case ``c``'s own uniform number ``slot`` (see :data:`gridsim.cases.CASE_DRAWS`)."""
    return _uniform(p.iparams[CASE_KEY], c * CASE_DRAW_SLOTS + slot)


@_jit
def _normal(p: Pipeline, c: int, slot: int, angle: int) -> float:
    """A standard normal from two of the case's uniforms (Box–Muller)."""
    r = np.sqrt(-2.0 * np.log(1.0 - _u(p, c, slot)))
    return r * np.cos(2.0 * np.pi * _u(p, c, angle))


@_jit
def _exponential(p: Pipeline, c: int, slot: int) -> float:
    """A unit-mean exponential from one of the case's uniforms."""
    return -np.log(1.0 - _u(p, c, slot))


@_jit
def _effective_trust(p: Pipeline, household: int) -> float:
    t = p.trust[household] + p.grid_trust_offset[p.household_grid[household]]
    return min(max(t, 0.01), 0.99)


@_jit
def _case_level(p: Pipeline, c: int) -> int:
    u = _u(p, c, U_TIER)
    level = 0
    for e in p.tier_edges:
        if u >= e:
            level += 1
    return level


@_jit
def _unit_for(p: Pipeline, c: int, tier: int) -> int:
    g = p.ints[ISSUE_GRID, c]
    if tier == GRID:
        return p.unit_base[GRID] + g
    if tier == COMMUNITY:
        return p.unit_base[COMMUNITY] + p.grid_community[g]
    if tier == STREET:
        return p.unit_base[STREET] + p.grid_street[g]
    return p.unit_base[DISTRICT] + p.i8[CATEGORY, c]


@_jit
def _close(p: Pipeline, c: int, day: int) -> None:
    p.i8[STATE, c] = CLOSED
    p.ints[CLOSE_DAY, c] = day
    p.ints[NEXT_DAY, c] = -1
    fd = p.ints[FIRST_DEADLINE, c]
    p.flags[LATE, c] = fd >= 0 and day > fd
    if p.counters[N_CLOSED] == len(p.closed):
        p.closed = _grown(p.closed)
    p.closed[p.counters[N_CLOSED]] = c
    p.counters[N_CLOSED] += 1


# -- stages -------------------------------------------------------------------


@_jit
def _found(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Issues found today: entered now, or at the next batch."""
    for c in ids:
        p.i8[STATE, c] = FOUND
        p.ints[FOUND_DAY, c] = day
    interval = p.iparams[ENTRY_INTERVAL]
    entry = -(-day // interval) * interval
    if entry == day:
        _enter(p, ids, day)
    elif entry < p.iparams[DAYS]:
        for c in ids:
            _schedule(p, c, entry, day)
    else:
        for c in ids:
            p.ints[NEXT_DAY, c] = -1


@_jit
def _enter(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """集: the issue reaches the platform (受理); spot fixes close at once."""
    spot_share = p.fparams[SPOT_SHARE]
    spot = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        p.ints[REPORT_DAY, c] = day
        spot[j] = p.i8[CHANNEL, c] != SELF_REPORT and _u(p, c, U_SPOT) < spot_share
    for j in range(len(ids)):
        if spot[j]:
            c = ids[j]
            p.flags[SPOT_FIXED, c] = True
            p.flags[RESOLVED, c] = True
            p.i8[TIER, c] = GRID
            _close(p, c, day)
    verified = _busday(p, day, p.iparams[VERIFICATION_DELAY])
    for j in range(len(ids)):
        if not spot[j]:
            p.i8[STATE, ids[j]] = VERIFY
            _schedule(p, ids[j], verified, day)


@_jit
def _verify(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Administrators verify (核实): invalid reports get a reply and stop here."""
    share = p.fparams[VALID_SHARE]
    n = 0
    for c in ids:
        if _u(p, c, U_VALID) < share:
            n += 1
        else:
            p.i8[STATE, c] = INVALID
            p.ints[CLOSE_DAY, c] = day
            p.ints[NEXT_DAY, c] = -1
    valid = np.empty(n, dtype=np.int64)
    k = 0
    for c in ids:
        if _u(p, c, U_VALID) < share:
            valid[k] = c
            k += 1
    _assign(p, valid, day)


@_jit
def _assign(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """交: tier and unit; the deadline (by the case's complexity) starts now."""
    central = p.iparams[CENTRAL]
    dispatch = day + p.iparams[DISPATCH_DELAY]
    for c in ids:
        level = _case_level(p, c)
        tier = DISTRICT if central else level
        p.i8[TIER, c] = tier
        p.ints[UNIT, c] = _unit_for(p, c, tier)
        p.ints[ASSIGN_DAY, c] = day
        deadline = _busday(p, day, p.limits[level])
        p.ints[FIRST_DEADLINE, c] = deadline
        _set_deadline(p, c, deadline)
        p.i8[STATE, c] = DISPATCHED
        _schedule(p, c, dispatch, day)


@_jit
def _arrive(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """The case reaches its unit; multi-department cases wait for consultation."""
    share = p.fparams[MULTI_SHARE]
    joint = p.iparams[JOINT_CONSULTATION]
    multi = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        multi[j] = (
            _u(p, c, U_MULTI) < share and p.i8[TIER, c] >= STREET and not p.flags[ESCALATED, c]
        )
        if not multi[j]:
            _enqueue(p, c, day)
    for j in range(len(ids)):
        if not multi[j]:
            continue
        c = ids[j]
        if joint:
            interval = p.iparams[CONSULTATION_INTERVAL]
            release = -(-day // interval) * interval
        else:
            release = day + np.int64(
                np.ceil(_exponential(p, c, U_BOUNCE) * p.fparams[BOUNCE_MEAN_DAYS])
            )
        p.flags[BOUNCED, c] = p.iparams[BOUNCES] != 0
        if release <= day:
            _enqueue(p, c, day)
        else:
            p.i8[STATE, c] = WAITING
            _schedule(p, c, release, day)


@_jit
def _start_service(p: Pipeline, c: int, day: int, queue_len: np.ndarray) -> None:
    """办: handling starts; duration from the case's own draws and the unit's load."""
    u = p.ints[UNIT, c]
    sigma = p.fparams[SERVICE_SIGMA]
    if p.flags[ESCALATED, c]:
        days = p.fparams[ESCALATED_MEDIAN_DAYS] * np.exp(
            0.5 * sigma * _normal(p, c, U_ESCALATED, U_ESCALATED_ANGLE)
        )
    elif _u(p, c, U_SAME_DAY) < p.fparams[SAME_DAY_SHARE]:
        days = 0.0
    else:
        load = queue_len[u] / p.unit_capacity[u]
        normal = p.service_medians[p.i8[TIER, c]] * np.exp(
            sigma * _normal(p, c, U_SERVICE, U_SERVICE_ANGLE)
        )
        days = normal * (1.0 + p.fparams[CONGESTION_SLOWDOWN] * load)
    finish = day + np.int64(np.ceil(min(days, 10.0 * p.iparams[DAYS])))
    p.i8[STATE, c] = IN_SERVICE
    p.unit_busy[u] += 1
    _schedule(p, c, finish, day)


@_jit
def _finish(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Handling done: resolved or only explained; verification may send it back."""
    factor = p.fparams[BOUNCE_RESOLVABLE_FACTOR]
    rework_share = p.fparams[REWORK_SHARE]
    for c in ids:
        u = p.ints[UNIT, c]
        p.unit_busy[u] -= 1
        p.unit_handled[u] += 1
        _mark_dirty(p, u)
    done = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        share = p.resolvable[p.i8[CATEGORY, c]]
        if p.flags[BOUNCED, c]:
            share = share * factor
        resolved = _u(p, c, U_RESOLVE) < share
        done[j] = not (resolved and p.i8[REWORKS, c] == 0 and _u(p, c, U_REWORK) < rework_share)
        if done[j]:
            p.flags[RESOLVED, c] = resolved
        else:
            p.i8[REWORKS, c] += 1
            _enqueue(p, c, day)
    delay = p.iparams[REPLY_DELAY]
    for j in range(len(ids)):
        if not done[j]:
            continue
        if delay == 0:
            _close(p, ids[j], day)
        else:
            p.i8[STATE, ids[j]] = REPLYING
            _schedule(p, ids[j], day + delay, day)


@_jit
def _reply(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """复: the resident hears back; the case is closed."""
    for c in ids:
        _close(p, c, day)


@_jit
def _latent_due(p: Pipeline, ids: np.ndarray, day: int) -> None:
    expiry = p.ints[EXPIRY]
    n = 0
    for c in ids:
        if expiry[c] > day:
            n += 1
    live = np.empty(n, dtype=np.int64)
    k = 0
    for c in ids:
        if expiry[c] > day:
            live[k] = c
            k += 1
    _found(p, live, day)


@_jit
def _select(ids: np.ndarray, states: np.ndarray, state: int) -> np.ndarray:
    n = 0
    for s in states:
        if s == state:
            n += 1
    out = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(len(ids)):
        if states[j] == state:
            out[k] = ids[j]
            k += 1
    return out


@_jit
def _advance(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Each due case takes its next step, state group by state group."""
    states = np.empty(len(ids), dtype=np.int8)
    for j in range(len(ids)):
        states[j] = p.i8[STATE, ids[j]]
    group = _select(ids, states, LATENT)
    if len(group):
        _latent_due(p, group, day)
    group = _select(ids, states, FOUND)
    if len(group):
        _enter(p, group, day)
    group = _select(ids, states, VERIFY)
    if len(group):
        _verify(p, group, day)
    group = _select(ids, states, DISPATCHED)
    if len(group):
        _arrive(p, group, day)
    group = _select(ids, states, WAITING)
    for c in group:
        _enqueue(p, c, day)
    group = _select(ids, states, IN_SERVICE)
    if len(group):
        _finish(p, group, day)
    group = _select(ids, states, REPLYING)
    if len(group):
        _reply(p, group, day)


@_jit
def _due(p: Pipeline, day: int) -> np.ndarray:
    """Distinct cases whose next step is ``day``, ascending; their step is taken off."""
    filed = 0
    e = p.cal_head[day]
    while e >= 0:
        filed += 1
        e = p.cal_next[e]
    out = np.empty(filed, dtype=np.int64)
    nd = p.ints[NEXT_DAY]
    k = 0
    e = p.cal_head[day]
    p.cal_head[day] = -1
    while e >= 0:
        c, following = p.cal_case[e], p.cal_next[e]
        if nd[c] == day:
            nd[c] = -1
            out[k] = c
            k += 1
        p.cal_next[e] = p.counters[FREE_ENTRY]
        p.counters[FREE_ENTRY] = e
        e = following
    out = out[:k]
    out.sort()
    return out


@_jit
def _admit(p: Pipeline, day: int) -> bool:
    """Queues admit cases to free capacity, in the supervision's priority order.

    Only units whose queue grew or whose slot freed since their last round are
    looked at: any other unit is full or has nobody waiting.
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
            e = p.unit_root[u]
            p.unit_root[u] = _meld(p, p.hq_left[e], p.hq_right[e])
            c = p.hq_case[e]
            p.hq_left[e] = p.counters[HQ_FREE]
            p.counters[HQ_FREE] = e
            if p.ints[QUEUE_ENTRY, c] != e:
                continue  # stale: the case left this queue
            _leave_queue(p, c)
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
def _drain(p: Pipeline, day: int) -> None:
    """Move every case whose next step is today, until nothing more happens today."""
    while True:
        ids = _due(p, day)
        if len(ids):
            _advance(p, ids, day)
            continue
        if not _admit(p, day):
            break


# -- visits and reports ----------------------------------------------------


@_jit
def _familiarity(p: Pipeline, day: int) -> np.ndarray:
    n_grids = len(p.grid_start)
    total = np.zeros(n_grids)
    scale = p.fparams[FAMILIARITY_DAYS]
    for i in range(len(p.cadre_grid)):
        fam = 1.0 - np.exp(-max(0.0, day - p.cadre_posted_on[i]) / scale)
        total[p.cadre_grid[i]] += fam
    for g in range(n_grids):
        total[g] = total[g] / max(1, p.cadres_per_grid[g])
    return total


@_jit
def _visits(p: Pipeline, day: int) -> None:
    """Officers and cadres visit the next households on their rounds; some tell."""
    i = p.working_index[day]
    if i < 0:
        return
    lo, hi = p.visit_offsets[i], p.visit_offsets[i + 1]
    if hi == lo:
        return
    p.counters[VISITS_DONE] = hi
    for j in range(lo, hi):
        if p.visit_visitor[j] == OFFICER_VISIT:
            p.counters[VISITS_OFFICER] += 1
        else:
            p.counters[VISITS_CADRE] += 1
    gain = p.fparams[CONTACT_GAIN]
    if gain != 0.0:
        # Every visit sees the trust of the morning: a household visited
        # twice gains once.
        raised = np.empty(hi - lo)
        for j in range(lo, hi):
            raised[j - lo] = min(1.0, p.trust[p.visit_household[j]] + gain)
        for j in range(lo, hi):
            p.trust[p.visit_household[j]] = raised[j - lo]
    _detect(p, i, day)


@_jit
def _detect(p: Pipeline, i: int, day: int) -> None:
    """Visited households tell the visitor of pending issues, or not."""
    lo, hi = p.pair_offsets[i], p.pair_offsets[i + 1]
    if hi == lo:
        return
    state = p.i8[STATE]
    logit0, effect = p.fparams[DETECT_LOGIT], p.fparams[TRUST_EFFECT]
    fam_effect = p.fparams[FAMILIARITY_EFFECT]
    fam = np.empty(0)
    have_fam = False
    told = np.empty(hi - lo, dtype=np.int64)
    n_told = 0
    stamp = _new_stamp(p)
    st = p.ints[STAMP]
    cursor = p.counters[DETECTION_CURSOR]
    for j in range(lo, hi):
        c = p.pair_issue[j]
        if state[c] != LATENT:
            continue
        z = logit0 + effect * (_effective_trust(p, p.ints[HOUSEHOLD, c]) - 0.5)
        who = p.pair_visitor[j]
        if who == CADRE_VISIT:
            if not have_fam:
                fam = _familiarity(p, day)
                have_fam = True
            z += fam_effect * fam[p.ints[ISSUE_GRID, c]]
        u = _uniform(p.iparams[DETECTION_KEY], cursor)
        cursor += 1
        if u < 1.0 / (1.0 + np.exp(-z)) and st[c] != stamp:
            # A household visited twice in a day tells the first visitor.
            st[c] = stamp
            p.i8[CHANNEL, c] = who
            told[n_told] = c
            n_told += 1
    p.counters[DETECTION_CURSOR] = cursor
    if n_told:
        found = told[:n_told].copy()
        found.sort()
        _found(p, found, day)


@_jit
def _decide_self_reports(p: Pipeline, day: int) -> None:
    """Residents whose issue arises today decide whether, and when, to report it."""
    lo, hi = p.arrival_offsets[day], p.arrival_offsets[day + 1]
    delay_days = p.fparams[SELF_REPORT_DELAY_DAYS]
    days = p.iparams[DAYS]
    for j in range(lo, hi):
        c = p.arrival_order[j]
        if p.i8[STATE, c] != LATENT:
            continue
        h = p.ints[HOUSEHOLD, c]
        prob = min(max(p.propensity[h] * _effective_trust(p, h) / 0.5, 0.0), 1.0)
        if not _u(p, c, U_SELF) < prob:
            continue
        report = max(p.ints[ARRIVAL, c], day) + np.int64(
            np.ceil(_exponential(p, c, U_SELF_DELAY) * delay_days)
        )
        if report < p.ints[EXPIRY, c] and report < days:
            # A visit may still find it first; the earlier event wins.
            p.i8[CHANNEL, c] = SELF_REPORT
            _schedule(p, c, report, day)


# -- supervision and trust --------------------------------------------------


@_jit
def _escalate(p: Pipeline, ids: np.ndarray, day: int) -> None:
    # Queued cases re-enter the queue at the unit above: no second entry.
    for c in ids:
        if p.i8[STATE, c] == QUEUED:
            _leave_queue(p, c)
    for c in ids:
        if p.i8[STATE, c] == IN_SERVICE:
            p.unit_busy[p.ints[UNIT, c]] -= 1
            _mark_dirty(p, p.ints[UNIT, c])
    for c in ids:
        up = min(p.i8[TIER, c] + 1, DISTRICT)
        p.ints[UNIT, c] = _unit_for(p, c, up)
        p.i8[TIER, c] = up
        p.flags[ESCALATED, c] = True
    p.counters[ESCALATIONS] += len(ids)
    for c in ids:
        _set_deadline(p, c, _busday(p, day, p.limits[p.i8[TIER, c]]))
    for c in ids:
        _enqueue(p, c, day)


@_jit
def _check_deadlines(p: Pipeline, day: int) -> None:
    """Supervisors light red the open cases past their deadline; escalate them."""
    if not p.iparams[LIGHTS]:
        return
    _compact_open(p)
    n = 0
    late = np.empty(p.counters[N_OPEN], dtype=np.int64)
    for j in range(p.counters[N_OPEN]):
        c = p.open_cases[j]
        if p.ints[DEADLINE, c] == day - 1:
            late[n] = c
            n += 1
    if n == 0:
        return
    ids = late[:n].copy()
    ids.sort()
    p.counters[RED_LIGHTS] += n
    for c in ids:
        p.flags[RED, c] = True
    if p.iparams[ESCALATES]:
        _escalate(p, ids, day)


@_jit
def _update_trust(p: Pipeline) -> None:
    """Closed cases move their household's, neighbours' and grid's trust."""
    n = p.counters[N_CLOSED]
    if n == 0:
        return
    ids = p.closed[:n]
    f = p.fparams
    gain, loss_u, loss_late = (
        f[TRUST_GAIN_RESOLVED],
        f[TRUST_LOSS_UNRESOLVED],
        f[TRUST_LOSS_LATE],
    )
    signal = np.empty(n)
    for j in range(n):
        c = ids[j]
        late = p.flags[LATE, c]
        s = (0.5 * gain if late else gain) if p.flags[RESOLVED, c] else -loss_u
        signal[j] = s - (loss_late if late else 0.0)
    weight = f[NEIGHBOUR_WEIGHT]
    neighbours = p.iparams[NEIGHBOURS]
    # Same order of additions as before: own households, then each ring.
    for j in range(n):
        if not p.flags[PUBLIC, ids[j]]:
            p.trust[p.ints[HOUSEHOLD, ids[j]]] += signal[j]
    for k in range(1, neighbours + 1):
        for side in (-k, k):
            for j in range(n):
                c = ids[j]
                if p.flags[PUBLIC, c]:
                    continue
                h = p.ints[HOUSEHOLD, c]
                g = p.household_grid[h]
                nb = h + side
                if nb >= p.grid_start[g] and nb < p.grid_start[g] + p.grid_households[g]:
                    p.trust[nb] += weight * signal[j]
    for j in range(n):
        c = ids[j]
        if p.flags[PUBLIC, c]:
            continue
        h = p.ints[HOUSEHOLD, c]
        g = p.household_grid[h]
        for side in range(-neighbours, neighbours + 1):
            nb = h + side
            if nb >= p.grid_start[g] and nb < p.grid_start[g] + p.grid_households[g]:
                p.trust[nb] = min(max(p.trust[nb], 0.0), 1.0)
    if p.iparams[PUBLIC_REPLY]:
        n_grids = len(p.grid_trust_offset)
        delta = np.zeros(n_grids)
        pw = f[PUBLIC_WEIGHT]
        for j in range(n):
            delta[p.ints[ISSUE_GRID, ids[j]]] += pw * signal[j]
        aw = f[ADJACENT_GRID_WEIGHT]
        for g in range(n_grids):
            s = 0.0
            for jj in range(p.adj_indptr[g], p.adj_indptr[g + 1]):
                s += p.adj_data[jj] * delta[p.adj_indices[jj]]
            p.grid_trust_offset[g] += delta[g] + aw * s
    p.counters[N_CLOSED] = 0


# -- the day ----------------------------------------------------------------


@_jit
def step_day(p: Pipeline, day: int) -> None:
    """Advance one simulated day: visits, self-reports, the pipeline, deadlines, trust."""
    _visits(p, day)
    _decide_self_reports(p, day)
    _drain(p, day)
    _check_deadlines(p, day)
    _drain(p, day)
    _update_trust(p)


@_jit
def enqueue(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Put cases in their unit's queue (used by the survey to reopen cases)."""
    for c in ids:
        _enqueue(p, c, day)


@_jit
def schedule(p: Pipeline, ids: np.ndarray, days: np.ndarray) -> None:
    """Set each case's next step (set-up: patrol finds known in advance)."""
    for j in range(len(ids)):
        _schedule(p, ids[j], days[j], 0)


def warm_up() -> float:
    """Compile the kernel now (and cache it), by running a tiny district for a week.

    Numba compiles the pipeline on its first use in a fresh install — about
    half a minute here — and caches the machine code in a folder named by the
    kernel's sources (:func:`gridsim.fingerprint.kernel_cache_dir`); later
    processes load it in well under a second.
    ``make install`` calls this so that tests, notebooks and sweeps start warm.

    Returns:
        Seconds it took.
    """
    import time

    from gridsim.model import GridModel
    from gridsim.scenario import default_scenario

    t0 = time.perf_counter()
    tiny = default_scenario().with_changes(
        {"district.communities": 2, "district.households": 600, "simulation.days": 7}
    )
    GridModel(tiny).run()
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"gridsim: case pipeline compiled and cached in {warm_up():.1f} s")
