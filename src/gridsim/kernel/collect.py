"""集 collect: visits and what households tell, self-reports, entry and verification.

An issue is found by a visiting officer or cadre (:func:`visits`), by a patrol
(scheduled at set-up), or reported by the resident (:func:`decide_self_reports`);
found issues are entered on the platform on the collection's entry day
(:func:`found`, :func:`enter`), where spot fixes close at once, and are
verified (:func:`verify`) before they are assigned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.assign import assign
from gridsim.kernel.codes import (
    ARRIVAL,
    CADRE_VISIT,
    CHANNEL,
    CLOSE_DAY,
    CONTACT_GAIN,
    DAYS,
    DETECT_LOGIT,
    DETECTION_CURSOR,
    DETECTION_KEY,
    EXPIRY,
    FAMILIARITY_DAYS,
    FAMILIARITY_EFFECT,
    FOUND,
    FOUND_DAY,
    GRID,
    HOUSEHOLD,
    INVALID,
    ISSUE_GRID,
    LATENT,
    NEXT_DAY,
    OFFICER_VISIT,
    REPORT_DAY,
    RESOLVED,
    SELF_REPORT,
    SELF_REPORT_DELAY_DAYS,
    SPOT_FIXED,
    SPOT_SHARE,
    STAMP,
    STATE,
    TIER,
    TRUST_EFFECT,
    U_SELF,
    U_SELF_DELAY,
    U_SPOT,
    U_VALID,
    VALID_SHARE,
    VERIFICATION_DELAY,
    VERIFY,
    VISITS_CADRE,
    VISITS_DONE,
    VISITS_OFFICER,
)
from gridsim.kernel.dispatch import entry_day
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import close
from gridsim.kernel.queues import busday, new_stamp, schedule
from gridsim.kernel.rng import case_exponential, case_uniform, uniform

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["decide_self_reports", "enter", "found", "latent_due", "verify", "visits"]

_jit = kernel_jit(nogil=True)


@_jit
def _effective_trust(p: Pipeline, household: int) -> float:
    t = p.trust[household] + p.grid_trust_offset[p.household_grid[household]]
    return min(max(t, 0.01), 0.99)


# -- entry and verification ---------------------------------------------------------


@_jit
def found(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Issues found today: entered now, or at the next batch."""
    for c in ids:
        p.i8[STATE, c] = FOUND
        p.ints[FOUND_DAY, c] = day
    entry = entry_day(p, day)
    if entry == day:
        enter(p, ids, day)
    elif entry < p.iparams[DAYS]:
        for c in ids:
            schedule(p, c, entry, day)
    else:
        for c in ids:
            p.ints[NEXT_DAY, c] = -1


@_jit
def enter(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """集: the issue reaches the platform (受理); spot fixes close at once."""
    spot_share = p.fparams[SPOT_SHARE]
    spot = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        p.ints[REPORT_DAY, c] = day
        spot[j] = p.i8[CHANNEL, c] != SELF_REPORT and case_uniform(p, c, U_SPOT) < spot_share
    for j in range(len(ids)):
        if spot[j]:
            c = ids[j]
            p.flags[SPOT_FIXED, c] = True
            p.flags[RESOLVED, c] = True
            p.i8[TIER, c] = GRID
            close(p, c, day)
    verified = busday(p, day, p.iparams[VERIFICATION_DELAY])
    for j in range(len(ids)):
        if not spot[j]:
            p.i8[STATE, ids[j]] = VERIFY
            schedule(p, ids[j], verified, day)


@_jit
def verify(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Administrators verify (核实): invalid reports get a reply and stop here."""
    share = p.fparams[VALID_SHARE]
    n = 0
    for c in ids:
        if case_uniform(p, c, U_VALID) < share:
            n += 1
        else:
            p.i8[STATE, c] = INVALID
            p.ints[CLOSE_DAY, c] = day
            p.ints[NEXT_DAY, c] = -1
    valid = np.empty(n, dtype=np.int64)
    k = 0
    for c in ids:
        if case_uniform(p, c, U_VALID) < share:
            valid[k] = c
            k += 1
    assign(p, valid, day)


@_jit
def latent_due(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Self-reports due today: found, unless the issue has expired meanwhile."""
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
    found(p, live, day)


# -- visits and reports ---------------------------------------------------------------


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
def visits(p: Pipeline, day: int) -> None:
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
    stamp = new_stamp(p)
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
        u = uniform(p.iparams[DETECTION_KEY], cursor)
        cursor += 1
        if u < 1.0 / (1.0 + np.exp(-z)) and st[c] != stamp:
            # A household visited twice in a day tells the first visitor.
            st[c] = stamp
            p.i8[CHANNEL, c] = who
            told[n_told] = c
            n_told += 1
    p.counters[DETECTION_CURSOR] = cursor
    if n_told:
        told_ids = told[:n_told].copy()
        told_ids.sort()
        found(p, told_ids, day)


@_jit
def decide_self_reports(p: Pipeline, day: int) -> None:
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
        if not case_uniform(p, c, U_SELF) < prob:
            continue
        report = max(p.ints[ARRIVAL, c], day) + np.int64(
            np.ceil(case_exponential(p, c, U_SELF_DELAY) * delay_days)
        )
        if report < p.ints[EXPIRY, c] and report < days:
            # A visit may still find it first; the earlier event wins.
            p.i8[CHANNEL, c] = SELF_REPORT
            schedule(p, c, report, day)
