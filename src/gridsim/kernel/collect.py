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
    CASE_KEY,
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
from gridsim.kernel.moves import close_each
from gridsim.kernel.queues import busday, new_stamp, schedule_all, schedule_each, sort_ids
from gridsim.kernel.rng import case_draw, uniform

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["decide_self_reports", "enter", "found", "latent_due", "verify", "visits"]

_jit = kernel_jit(nogil=True)


@_jit
def _effective_trust(trust: float, grid_offset: float) -> float:
    """A household's trust with its grid's offset, kept in (0.01, 0.99).

    Takes the two numbers, not the arrays: every array passed to a compiled
    call costs a reference-count pair, several times the work here.
    """
    return min(max(trust + grid_offset, 0.01), 0.99)


# -- entry and verification ---------------------------------------------------------


@_jit
def found(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Issues found today: entered now, or at the next batch."""
    state, found_day = p.i8[STATE], p.ints[FOUND_DAY]
    for c in ids:
        state[c] = FOUND
        found_day[c] = day
    entry = entry_day(p, day)
    if entry == day:
        enter(p, ids, day)
    elif entry < p.iparams[DAYS]:
        schedule_all(p, ids, entry, day)
    else:
        next_day = p.ints[NEXT_DAY]
        for c in ids:
            next_day[c] = -1


@_jit
def enter(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """集: the issue reaches the platform (受理); spot fixes close at once."""
    spot_share = p.fparams[SPOT_SHARE]
    key = p.iparams[CASE_KEY]
    report_day, channel = p.ints[REPORT_DAY], p.i8[CHANNEL]
    spot = np.empty(len(ids), dtype=np.bool_)
    for j in range(len(ids)):
        c = ids[j]
        report_day[c] = day
        spot[j] = channel[c] != SELF_REPORT and case_draw(key, c, U_SPOT) < spot_share
    spot_fixed, resolved, tier = p.flags[SPOT_FIXED], p.flags[RESOLVED], p.i8[TIER]
    fixed = ids[spot]
    for c in fixed:
        spot_fixed[c] = True
        resolved[c] = True
        tier[c] = GRID
    close_each(p, fixed, day)
    verified = busday(p, day, p.iparams[VERIFICATION_DELAY])
    state = p.i8[STATE]
    to_verify = ids[~spot]
    for c in to_verify:
        state[c] = VERIFY
    schedule_all(p, to_verify, verified, day)


@_jit
def verify(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """Administrators verify (核实): invalid reports get a reply and stop here."""
    share = p.fparams[VALID_SHARE]
    key = p.iparams[CASE_KEY]
    state, close_day, next_day = p.i8[STATE], p.ints[CLOSE_DAY], p.ints[NEXT_DAY]
    n = 0
    for c in ids:
        if case_draw(key, c, U_VALID) < share:
            n += 1
        else:
            state[c] = INVALID
            close_day[c] = day
            next_day[c] = -1
    valid = np.empty(n, dtype=np.int64)
    k = 0
    for c in ids:
        if case_draw(key, c, U_VALID) < share:
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
    cadre_grid, posted_on, per_grid = p.cadre_grid, p.cadre_posted_on, p.cadres_per_grid
    for i in range(len(cadre_grid)):
        fam = 1.0 - np.exp(-max(0.0, day - posted_on[i]) / scale)
        total[cadre_grid[i]] += fam
    for g in range(n_grids):
        total[g] = total[g] / max(1, per_grid[g])
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
    counters = p.counters
    counters[VISITS_DONE] = hi
    # Arrays read once into locals: every ``p.<field>`` costs a reference-count
    # pair, which in a loop over the day's visits cost more than the loop.
    visitor = p.visit_visitor
    by_officer = 0
    for j in range(lo, hi):
        if visitor[j] == OFFICER_VISIT:
            by_officer += 1
    counters[VISITS_OFFICER] += by_officer
    counters[VISITS_CADRE] += hi - lo - by_officer
    gain = p.fparams[CONTACT_GAIN]
    if gain != 0.0:
        # Every visit sees the trust of the morning: a household visited
        # twice gains once.
        trust, household = p.trust, p.visit_household
        raised = np.empty(hi - lo)
        for j in range(lo, hi):
            raised[j - lo] = min(1.0, trust[household[j]] + gain)
        for j in range(lo, hi):
            trust[household[j]] = raised[j - lo]
    _detect(p, i, day)


@_jit
def _detect(p: Pipeline, i: int, day: int) -> None:
    """Visited households tell the visitor of pending issues, or not."""
    lo, hi = p.pair_offsets[i], p.pair_offsets[i + 1]
    if hi == lo:
        return
    state = p.i8[STATE]
    channel = p.i8[CHANNEL]
    household, issue_grid = p.ints[HOUSEHOLD], p.ints[ISSUE_GRID]
    trust, offset, household_grid = p.trust, p.grid_trust_offset, p.household_grid
    pair_issue, pair_visitor = p.pair_issue, p.pair_visitor
    logit0, effect = p.fparams[DETECT_LOGIT], p.fparams[TRUST_EFFECT]
    fam_effect = p.fparams[FAMILIARITY_EFFECT]
    key = p.iparams[DETECTION_KEY]
    # The cadres' familiarity of the day, if a cadre visits (read-only here; an
    # array assigned inside the loop would cost a reference-count pair per pair).
    has_cadre = False
    for j in range(lo, hi):
        if pair_visitor[j] == CADRE_VISIT:
            has_cadre = True
            break
    fam = _familiarity(p, day) if has_cadre else np.empty(0)
    told = np.empty(hi - lo, dtype=np.int64)
    n_told = 0
    stamp = new_stamp(p)
    st = p.ints[STAMP]
    cursor = p.counters[DETECTION_CURSOR]
    for j in range(lo, hi):
        c = pair_issue[j]
        if state[c] != LATENT:
            continue
        h = household[c]
        z = logit0 + effect * (_effective_trust(trust[h], offset[household_grid[h]]) - 0.5)
        who = pair_visitor[j]
        if who == CADRE_VISIT:
            z += fam_effect * fam[issue_grid[c]]
        u = uniform(key, cursor)
        cursor += 1
        if u < 1.0 / (1.0 + np.exp(-z)) and st[c] != stamp:
            # A household visited twice in a day tells the first visitor.
            st[c] = stamp
            channel[c] = who
            told[n_told] = c
            n_told += 1
    p.counters[DETECTION_CURSOR] = cursor
    if n_told:
        told_ids = told[:n_told].copy()
        sort_ids(told_ids)
        found(p, told_ids, day)


@_jit
def decide_self_reports(p: Pipeline, day: int) -> None:
    """Residents whose issue arises today decide whether, and when, to report it."""
    lo, hi = p.arrival_offsets[day], p.arrival_offsets[day + 1]
    if hi == lo:
        return
    delay_days = p.fparams[SELF_REPORT_DELAY_DAYS]
    days = p.iparams[DAYS]
    key = p.iparams[CASE_KEY]
    order, household, grid = p.arrival_order, p.arrival_household, p.arrival_grid
    propensity = p.arrival_propensity
    state, channel = p.i8[STATE], p.i8[CHANNEL]
    arrival, expiry = p.ints[ARRIVAL], p.ints[EXPIRY]
    trust, offset = p.trust, p.grid_trust_offset
    reporting = np.empty(hi - lo, dtype=np.int64)
    report_days = np.empty(hi - lo, dtype=np.int64)
    n = 0
    for j in range(lo, hi):
        c = order[j]
        if state[c] != LATENT:
            continue
        t = _effective_trust(trust[household[j]], offset[grid[j]])
        prob = min(max(propensity[j] * t / 0.5, 0.0), 1.0)
        if not case_draw(key, c, U_SELF) < prob:
            continue
        wait = -np.log(1.0 - case_draw(key, c, U_SELF_DELAY))  # case_exponential
        report = max(arrival[c], day) + np.int64(np.ceil(wait * delay_days))
        if report < expiry[c] and report < days:
            # A visit may still find it first; the earlier event wins.
            channel[c] = SELF_REPORT
            reporting[n] = c
            report_days[n] = report
            n += 1
    schedule_each(p, reporting[:n], report_days[:n], day)
