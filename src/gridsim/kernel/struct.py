"""The kernel's state: one struct of the model's arrays, passed to numba by reference.

All state of the case pipeline lives in numpy arrays owned by the model
(:class:`gridsim.model.GridModel`) and grouped here in a :class:`Pipeline`
StructRef, so the model, the KPIs and the survey read and write the same
memory the compiled kernel does. :data:`FIELDS` names every array and its
numba type; :func:`make` checks and groups them, :func:`buffers` allocates the
work buffers the kernel grows itself.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.experimental import structref

from gridsim.kernel.codes import HQ_COLUMNS
from gridsim.kernel.jit import kernel_jit

__all__ = ["FIELDS", "Pipeline", "PipelineType", "arrival_tables", "buffers", "make"]

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
    ("cadre_postings", _I64),
    ("rotation_upto", _I64),
    ("rotation_slot", _I64),
    ("rotation_partner", _I64),
    ("rotation_time", _F64),
    ("unit_base", _I64),
    ("unit_capacity", _I64),
    ("unit_busy", _I64),
    ("unit_handled", _I64),
    ("unit_red", _I64),
    ("unit_effort", _F64),
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
    ("arrival_household", _I32),
    ("arrival_propensity", _F64),
    ("arrival_grid", _I32),
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
    ("hq", _I64_2D),
    ("open_cases", _I64),
    ("closed", _I64),
    ("closed_log", _I64),
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
            of :mod:`gridsim.kernel.codes`), one column per case.
        trust, propensity, household_grid: Per household.
        grid_trust_offset, grid_start, grid_households, grid_community,
            grid_street: Per grid.
        adj_indptr, adj_indices, adj_data: Grid adjacency (CSR).
        cadre_grid, cadre_posted_on, cadres_per_grid, cadre_postings: Cadre
            postings (rotation writes them in place).
        rotation_upto, rotation_slot, rotation_partner, rotation_time: The
            run's rotations in time order, and per day how many come before it
            (see :mod:`gridsim.kernel.postings`).
        unit_base, unit_capacity, unit_busy, unit_handled: Handling units.
        unit_red: Red lights each unit has been shown (they count against it).
        unit_effort: Each unit's effort, set by the assessment between days
            (0: the natural pace; see :mod:`gridsim.model.assessment`).
        unit_queued: Cases in each unit's queue.
        unit_queue_len: Each unit's queue length at the start of an admission
            round (what congestion slows service by).
        unit_root, hq: Each unit's queue, a skew heap of entries (rows of
            ``hq``: case, keys ``k1`` and ``k2``, left and right child, see
            the ``HQ_*`` columns of :mod:`gridsim.kernel.codes`) ordered by
            the supervision's keys ``(k1, k2)`` then the case id; an entry no
            longer named by the case's ``QUEUE_ENTRY`` is stale and skipped.
        unit_dirty, dirty_units: Units whose queue grew or whose slot freed
            since their last admission round.
        working_index: Position of each day among the working days, or -1.
        visit_offsets, visit_household, visit_visitor: The visit plan.
        pair_offsets, pair_issue, pair_visitor: Visit–issue pairs per working day.
        arrival_offsets, arrival_order: Household issues by arrival day.
        arrival_household, arrival_propensity, arrival_grid: Each of them's
            household, its propensity and its grid, in that order (read in
            sequence where the arrival order would jump about memory).
        busday: ``[day, k]`` → the day ``k`` working days after ``day``.
        limits, service_medians, resolvable, tier_edges: Per tier / category.
        fparams, iparams: Scalar parameters (see the constants).
        counters: Counters and buffer fills (see the constants).
        cal_head, cal_case, cal_next: The agenda, a calendar of linked lists:
            ``cal_head[day]`` is the first entry filed under ``day``.
        open_cases, closed: Work buffers (grown when full).
        closed_log: Every case closed so far, in order of closing (a case
            reopened and closed again appears again): the survey takes a
            wave's cases from it (grown when full).
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
    cadre_postings,
    rotation_upto,
    rotation_slot,
    rotation_partner,
    rotation_time,
    unit_base,
    unit_capacity,
    unit_busy,
    unit_handled,
    unit_red,
    unit_effort,
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
    arrival_household,
    arrival_propensity,
    arrival_grid,
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
    hq,
    open_cases,
    closed,
    closed_log,
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
    p.cadre_postings = cadre_postings
    p.rotation_upto = rotation_upto
    p.rotation_slot = rotation_slot
    p.rotation_partner = rotation_partner
    p.rotation_time = rotation_time
    p.unit_base = unit_base
    p.unit_capacity = unit_capacity
    p.unit_busy = unit_busy
    p.unit_handled = unit_handled
    p.unit_red = unit_red
    p.unit_effort = unit_effort
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
    p.arrival_household = arrival_household
    p.arrival_propensity = arrival_propensity
    p.arrival_grid = arrival_grid
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
    p.hq = hq
    p.open_cases = open_cases
    p.closed = closed
    p.closed_log = closed_log
    return p


def make(**arrays: np.ndarray) -> Pipeline:
    """Group the model's arrays for the kernel (they are shared, not copied).

    Args:
        **arrays: One array per name in :data:`FIELDS`, of its dtype and rank.

    Returns:
        The kernel's state, a struct of views of ``arrays``.

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


@kernel_jit()
def _gather_arrivals(
    arrival_order: np.ndarray,
    household: np.ndarray,
    propensity: np.ndarray,
    household_grid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(arrival_order)
    h = np.empty(n, dtype=np.int32)
    prop = np.empty(n)
    grid = np.empty(n, dtype=np.int32)
    for j in range(n):
        hh = household[arrival_order[j]]
        h[j] = hh
        prop[j] = propensity[hh]
        grid[j] = household_grid[hh]
    return h, prop, grid


def arrival_tables(
    arrival_order: np.ndarray,
    household: np.ndarray,
    propensity: np.ndarray,
    household_grid: np.ndarray,
) -> dict[str, np.ndarray]:
    """The household issues' households, propensities and grids in order of arrival.

    Args:
        arrival_order: Household issues in order of arrival.
        household: Each issue's household.
        propensity: Each household's propensity to report.
        household_grid: Each household's grid.

    Returns:
        ``arrival_household``, ``arrival_propensity`` and ``arrival_grid``, by field name.
    """
    h, prop, grid = _gather_arrivals(arrival_order, household, propensity, household_grid)
    return {"arrival_household": h, "arrival_propensity": prop, "arrival_grid": grid}


def buffers(n_cases: int, days: int) -> dict[str, np.ndarray]:
    """Work buffers for ``n_cases`` cases over ``days`` days.

    They start small and double when full (the kernel replaces them), so a
    run's memory follows its busiest day, not the number of latent issues —
    on this machine first-touched memory costs more than the work.

    Args:
        n_cases: Cases (latent issues) of the run.
        days: Simulated days.

    Returns:
        The calendar, queue-entry and work-list arrays, by field name.
    """
    start = 1024
    return {
        "cal_head": np.full(days, -1, dtype=np.int64),
        "cal_case": np.empty(max(start, n_cases // 4), dtype=np.int64),
        "cal_next": np.empty(max(start, n_cases // 4), dtype=np.int64),
        "hq": np.empty((start, HQ_COLUMNS), dtype=np.int64),
        "open_cases": np.empty(start, dtype=np.int64),
        "closed": np.empty(start, dtype=np.int64),
        "closed_log": np.empty(max(start, n_cases // 4), dtype=np.int64),
    }
