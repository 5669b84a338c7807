"""The day loop: one compiled call advances the case pipeline by one simulated day.

A Yuelu year moves some 75,000 latent issues and about 10,000 cases through
collect → assign → handle → reply, a few dozen a day. In numpy every step of
a day was a handful of whole-array calls on a few dozen ids, so a year was
~150 small calls a day and their fixed cost, not the cases, set the pace. Here
a day is one compiled call (:func:`step_day`) that walks the cases one by one.

The kernel mirrors the vectorised pipeline it replaced step for step — the
same groups in the same order, the same pre-drawn uniforms per case, the
detection uniforms taken from one stream in the order the old code drew them
— so a run's KPIs are bit-identical to the numpy version's (a regression test
holds them). Survey waves stay in Python (:class:`gridsim.model.GridModel`):
they are rare and whole-array. Cadre rotations, drawn at set-up, are applied
as the day after them starts (:mod:`gridsim.kernel.postings`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    DISPATCHED,
    FOUND,
    IN_SERVICE,
    LATENT,
    N_LOGGED,
    REPLYING,
    STATE,
    VERIFY,
    WAITING,
)
from gridsim.kernel.collect import decide_self_reports, enter, latent_due, verify, visits
from gridsim.kernel.handle import admit, arrive, finish
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import enqueue_each
from gridsim.kernel.postings import rotate
from gridsim.kernel.queues import due
from gridsim.kernel.queues import schedule as _schedule
from gridsim.kernel.reply import reply, update_trust
from gridsim.kernel.supervise import check_deadlines

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["closed_since", "enqueue", "schedule", "step_day"]

_jit = kernel_jit(nogil=True)


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
    state = p.i8[STATE]
    for j in range(len(ids)):
        states[j] = state[ids[j]]
    group = _select(ids, states, LATENT)
    if len(group):
        latent_due(p, group, day)
    group = _select(ids, states, FOUND)
    if len(group):
        enter(p, group, day)
    group = _select(ids, states, VERIFY)
    if len(group):
        verify(p, group, day)
    group = _select(ids, states, DISPATCHED)
    if len(group):
        arrive(p, group, day)
    group = _select(ids, states, WAITING)
    if len(group):
        enqueue_each(p, group, day)
    group = _select(ids, states, IN_SERVICE)
    if len(group):
        finish(p, group, day)
    group = _select(ids, states, REPLYING)
    if len(group):
        reply(p, group, day)


@_jit
def _drain(p: Pipeline, day: int) -> None:
    """Move every case whose next step is today, until nothing more happens today."""
    while True:
        ids = due(p, day)
        if len(ids):
            _advance(p, ids, day)
            continue
        if not admit(p, day):
            break


@_jit
def step_day(p: Pipeline, day: int) -> None:
    """Advance one simulated day: rotations, visits, self-reports, the pipeline, deadlines, trust.

    Args:
        p: The kernel's state (:func:`gridsim.kernel.struct.make`), changed in place.
        day: The day, counted from the run's start.
    """
    rotate(p, day)
    visits(p, day)
    decide_self_reports(p, day)
    _drain(p, day)
    check_deadlines(p, day)
    _drain(p, day)
    update_trust(p)


@_jit
def enqueue(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Put cases in their unit's queue (used by the survey to reopen cases)."""
    enqueue_each(p, ids, day)


@_jit
def closed_since(p: Pipeline, start: int) -> np.ndarray:
    """The cases closed since the ``start``-th close of the run, in order (a copy of the log)."""
    return p.closed_log[start : p.counters[N_LOGGED]].copy()


@_jit
def schedule(p: Pipeline, ids: np.ndarray, days: np.ndarray) -> None:
    """Set each case's next step (set-up: patrol finds known in advance)."""
    for j in range(len(ids)):
        _schedule(p, ids[j], days[j], 0)
