"""GridModel: the district, its staff and units, and the case pipeline on a day clock.

The model is a ``mesa.Model``. Mesa's event scheduling drives it: one
recurring event per simulated day, one per survey wave, and one per cadre
rotation. Staff and handling units are Mesa agents (few, individual);
households and cases are numpy arrays (many), so the cost of a run grows with
events — visits, issues, cases — not with households × days.

A day runs, in order: household visits (officers, cadres) and the detections
they make; issues found by patrols and reported by residents; then every case
whose next step falls on the day moves on (entry, verification, dispatch,
handling, reply), queues admit cases to free capacity, and supervisors light
red the cases whose deadline has passed.
"""

from __future__ import annotations

import time

import mesa
import networkx as nx
import numpy as np
from mesa.time import Schedule
from scipy.special import expit, logit, ndtri

from gridsim.agents import (
    Administrator,
    Cadre,
    HandlingUnit,
    InformationOfficer,
    SecurityOfficer,
    Supervisor,
    Volunteer,
)
from gridsim.district import District, build_district
from gridsim.kpis import RunResult, compute_kpis
from gridsim.mechanisms import COMMUNITY, DISTRICT, GRID, STREET, mechanisms_for
from gridsim.scenario import CATEGORIES, KINDS, ROLES, TIERS, Scenario
from gridsim.streams import streams
from gridsim.visits import plan_visits

# Case states.
LATENT, FOUND, VERIFY, DISPATCHED, WAITING, QUEUED, IN_SERVICE, REPLYING, CLOSED, INVALID = range(
    10
)
STATE_NAMES = (
    "latent",
    "found",
    "verify",
    "dispatched",
    "waiting",
    "queued",
    "in_service",
    "replying",
    "closed",
    "invalid",
)
OPEN_STATES = (DISPATCHED, WAITING, QUEUED, IN_SERVICE)

# Intake channels.
NO_CHANNEL, OFFICER_VISIT, CADRE_VISIT, PATROL, SELF_REPORT = range(5)
CHANNEL_NAMES = ("none", "officer_visit", "cadre_visit", "patrol", "self_report")

_PUBLIC_CATEGORIES = np.array(
    [CATEGORIES.index(c) for c in ("environment", "infrastructure", "safety")]
)
_CASE_DRAWS = (
    "valid",
    "tier",
    "service",
    "same_day",
    "resolve",
    "multi",
    "rework",
    "spot",
    "pick",
    "satisfied",
    "escalated",
    "self",
)


def _per_grid_counts(n_grids: int, per_grid: float, weights: np.ndarray) -> np.ndarray:
    """Integer staff per grid summing to round(n_grids * per_grid); larger grids first."""
    total = round(n_grids * per_grid)
    if total == 0:
        return np.zeros(n_grids, dtype=np.int64)
    base = np.full(n_grids, total // n_grids, dtype=np.int64)
    extra = total - int(base.sum())
    if extra:
        base[np.argsort(-weights, kind="stable")[:extra]] += 1
    return base


class GridModel(mesa.Model):
    """Agent-based model of one district's grid-based management for one run.

    Args:
        scenario: A validated scenario.
        seed: Root seed (defaults to ``scenario.simulation.seed``).
        replication: Replication number; with the seed it keys every stream.

    Example:
        >>> from gridsim import GridModel, default_scenario
        >>> result = GridModel(default_scenario(), replication=0).run()
        >>> result.kpis["issues_collected"] > 0
        True
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, replication: int = 0):
        self.spec = scenario
        self.seed_value = scenario.simulation.seed if seed is None else int(seed)
        self.replication = int(replication)
        self.streams = streams(self.seed_value, self.replication)
        super().__init__(rng=self.streams["cadres"])
        self.days = scenario.simulation.days
        self.start_date = np.datetime64(scenario.simulation.start_date, "D")
        self.mechanisms = mechanisms_for(scenario)
        self.district: District = build_district(scenario, self.streams["structure"])
        self._build_households()
        self._build_staff()
        self._build_units()
        self._build_issues()
        # Cases with a next step scheduled (next_day >= today), and open cases
        # (for deadline checks); both may hold stale ids, filtered on use.
        self._active = np.empty(0, dtype=np.int64)
        self._incoming: list[np.ndarray] = []
        self._open = np.empty(0, dtype=np.int64)
        self._open_incoming: list[np.ndarray] = []
        self._closed_today: list[np.ndarray] = []
        self._queue = np.empty(0, dtype=np.int64)
        self._schedule_latent_events()
        self._pair_visits_with_issues()
        self.red_lights = 0
        self.escalations = 0
        self.reopened = 0
        self.surveyed = 0
        self.satisfied_count = 0
        self._last_survey = -1
        self.wall_seconds = 0.0
        self.schedule_recurring(self.step_day, Schedule(interval=1, start=0, end=self.days - 1))
        ev = scenario.evaluate
        self.schedule_recurring(
            self.survey_wave,
            Schedule(interval=ev.survey_interval_days, start=ev.survey_interval_days - 1),
        )

    # -- construction -------------------------------------------------------

    def _build_households(self) -> None:
        s, d = self.spec.households, self.district
        rng = self.streams["households"]
        n = d.n_households
        self.household_grid = d.household_grid()
        k = s.trust_concentration
        self.trust = rng.beta(s.trust_mean * k, (1 - s.trust_mean) * k, size=n)
        p = max(min(s.self_report_propensity, 1 - 1e-9), 1e-9)
        conc = 10.0
        self.propensity = rng.beta(p * conc, (1 - p) * conc, size=n) if p > 1e-9 else np.zeros(n)
        self.grid_trust_offset = np.zeros(d.n_grids)
        adjacency = nx.to_scipy_sparse_array(d.graph, nodelist=range(d.n_grids), format="csr")
        self.grid_adjacency = adjacency.astype(float)
        kind_mult = np.array(
            [getattr(self.spec.district.kinds, k).visit_hours_multiplier for k in KINDS]
        )
        self.grid_visit_mult = kind_mult[d.grid_kind]

    def _build_staff(self) -> None:
        st, d = self.spec.staff, self.district
        hours = st.hours_per_week
        weights = d.grid_households.astype(float)
        counts = {
            InformationOfficer: _per_grid_counts(
                d.n_grids, st.information_officers_per_grid, weights
            ),
            SecurityOfficer: _per_grid_counts(d.n_grids, st.security_officers_per_grid, weights),
            Volunteer: _per_grid_counts(d.n_grids, st.volunteers_per_grid, weights),
        }
        for cls, per_grid in counts.items():
            grids = np.repeat(np.arange(d.n_grids), per_grid)
            if len(grids):
                cls.create_agents(
                    self, len(grids), grid=grids.tolist(), hours_per_week=getattr(hours, cls.role)
                )
        cadre_counts = _per_grid_counts(d.n_grids, st.cadres_per_grid, weights)
        cadre_grids = np.repeat(np.arange(d.n_grids), cadre_counts)
        cad = self.spec.cadres
        rotation = cad.posting == "rotation"
        initial = cad.initial_tenure_years * 365.0
        rng = self.streams["cadres"]
        if rotation:
            # Staggered rotation: each cadre is part-way through a posting.
            tenure = np.minimum(
                initial, rng.uniform(0, cad.rotation_interval_days, len(cadre_grids))
            )
        else:
            tenure = np.full(len(cadre_grids), initial)
        self.cadres: list[Cadre] = [
            Cadre(self, int(g), hours.cadre, float(t))
            for g, t in zip(cadre_grids, tenure, strict=True)
        ]
        self.cadre_grid = cadre_grids.astype(np.int64)
        self.cadre_posted_on = np.array([c.posted_on for c in self.cadres])
        if rotation:
            for i, c in enumerate(self.cadres):
                first = cad.rotation_interval_days - tenure[i]
                c.slot = i
                self.schedule_recurring(
                    c.rotate, Schedule(interval=cad.rotation_interval_days, start=float(first))
                )
        else:
            for i, c in enumerate(self.cadres):
                c.slot = i
        n_comm = d.n_communities
        per_comm_admin = _per_grid_counts(n_comm, st.administrators_per_community, np.ones(n_comm))
        per_comm_sup = _per_grid_counts(n_comm, st.supervisors_per_community, np.ones(n_comm))
        for cls, per in ((Administrator, per_comm_admin), (Supervisor, per_comm_sup)):
            comms = np.repeat(np.arange(n_comm), per)
            if len(comms):
                cls.create_agents(
                    self,
                    len(comms),
                    community=comms.tolist(),
                    hours_per_week=getattr(hours, cls.role),
                )
        # Work capacity per grid, per working day.
        self.officer_hours_day = np.bincount(
            np.repeat(np.arange(d.n_grids), counts[InformationOfficer]),
            minlength=d.n_grids,
        ) * (hours.information_officer / 5.0)
        patrollers = (
            hours.security_officer * counts[SecurityOfficer] + hours.volunteer * counts[Volunteer]
        )
        self.patrol_hours_day = patrollers / 7.0
        self.cadres_per_grid_count = np.bincount(self.cadre_grid, minlength=d.n_grids)
        v = self.spec.visits
        self._officer_rate = self.officer_hours_day / (
            v.officer_hours_per_visit * self.grid_visit_mult
        )
        self._cadre_rate = (
            self.cadres_per_grid_count
            * (hours.cadre / 5.0)
            / (v.cadre_hours_per_visit * self.grid_visit_mult)
        )
        days = np.arange(self.days)
        self._working = np.is_busday(self.start_date + days)
        self.visit_plan = plan_visits(
            {OFFICER_VISIT: self._officer_rate, CADRE_VISIT: self._cadre_rate},
            d.grid_start,
            d.grid_households,
            {
                OFFICER_VISIT: np.zeros(d.n_grids, dtype=np.int64),
                CADRE_VISIT: d.grid_households // 2,
            },
            days[self._working],
        )
        self._visits_done = 0  # visits made so far (a prefix of the plan)
        self.visits_officer = 0
        self.visits_cadre = 0
        limits = [
            *self.spec.deadlines.limit_working_days.as_list(),
            self.spec.collect.verification_delay_days,
        ]
        self._busday_table = self._busday_offsets(days, int(max(limits)))

    def _build_units(self) -> None:
        d, h = self.district, self.spec.handle
        cap = h.capacity
        names: list[str] = []
        tiers: list[int] = []
        capacity: list[int] = []
        parent: list[int] = []
        n_g, n_c, n_s = d.n_grids, d.n_communities, d.n_streets
        self.unit_base = np.array([0, n_g, n_g + n_c, n_g + n_c + n_s])
        for g in range(n_g):
            names.append(f"grid {g}")
            tiers.append(GRID)
            capacity.append(round(cap.grid))
            parent.append(n_g + int(d.grid_community[g]))
        for c in range(n_c):
            names.append(d.community_names[c])
            tiers.append(COMMUNITY)
            capacity.append(round(cap.community))
            parent.append(n_g + n_c + int(d.community_street[c]))
        for s in range(n_s):
            names.append(d.street_names[s])
            tiers.append(STREET)
            capacity.append(round(cap.street))
            parent.append(-1)  # departments by category
        for cat in CATEGORIES:
            names.append(f"district {cat}")
            tiers.append(DISTRICT)
            capacity.append(round(cap.district))
            parent.append(-1)
        self.unit_tier = np.array(tiers, dtype=np.int8)
        self.unit_capacity = np.maximum(1, np.array(capacity, dtype=np.int64))
        self.unit_parent = np.array(parent, dtype=np.int64)
        self.unit_busy = np.zeros(len(names), dtype=np.int64)
        self.unit_handled = np.zeros(len(names), dtype=np.int64)
        self.units = [
            HandlingUnit(self, i, int(tiers[i]), names[i], int(self.unit_capacity[i]), parent[i])
            for i in range(len(names))
        ]

    def _build_issues(self) -> None:
        s, d, sc = self.spec.households, self.district, self.spec
        rng = self.streams["latent"]
        lifetime = s.issue_lifetime_days
        warmup = min(3.0 * lifetime, 365.0)
        span = self.days + warmup
        kind_rate = np.array([getattr(sc.district.kinds, k).latent_rate_multiplier for k in KINDS])
        hh_rate = s.latent_issues_per_year * kind_rate[d.grid_kind][self.household_grid]
        counts = rng.poisson(hh_rate * span / 365.0)
        household = np.repeat(np.arange(d.n_households, dtype=np.int64), counts)
        n_h = len(household)
        arrival = rng.uniform(-warmup, self.days, size=n_h)
        life = rng.exponential(lifetime, size=n_h)
        cat = rng.choice(len(CATEGORIES), size=n_h, p=sc.issues.categories.as_list())
        self_delay = rng.exponential(1.0, size=n_h)
        # Public-space issues, per grid.
        prng = self.streams["public"]
        p_counts = prng.poisson(
            sc.issues.public_issues_per_grid_year * span / 365.0, size=d.n_grids
        )
        p_grid = np.repeat(np.arange(d.n_grids, dtype=np.int64), p_counts)
        n_p = len(p_grid)
        p_arrival = prng.uniform(-warmup, self.days, size=n_p)
        p_life = prng.exponential(lifetime, size=n_p)
        p_cat = _PUBLIC_CATEGORIES[prng.integers(0, len(_PUBLIC_CATEGORIES), size=n_p)]
        p_find = prng.exponential(1.0, size=n_p)
        # Keep issues still latent at day 0.
        keep_h = arrival + life > 0
        keep_p = p_arrival + p_life > 0
        self.household = np.concatenate([household[keep_h], np.full(keep_p.sum(), -1)])
        self.issue_grid = np.concatenate([self.household_grid[household[keep_h]], p_grid[keep_p]])
        arr = np.concatenate([arrival[keep_h], p_arrival[keep_p]])
        self.arrival = np.floor(arr).astype(np.int64)
        self.expiry = np.floor(arr + np.concatenate([life[keep_h], p_life[keep_p]])).astype(
            np.int64
        )
        self.category = np.concatenate([cat[keep_h], p_cat[keep_p]]).astype(np.int8)
        self.is_public = self.household < 0
        n = len(self.household)
        self.n_issues = n
        self._self_delay = np.concatenate([self_delay[keep_h], np.zeros(keep_p.sum())])
        self._find_draw = np.concatenate([np.zeros(keep_h.sum()), p_find[keep_p]])
        crng = self.streams["case"]
        draws = crng.random((len(_CASE_DRAWS), n))
        self.case_u = {name: draws[i] for i, name in enumerate(_CASE_DRAWS)}
        self.case_u["bounce"] = crng.exponential(1.0, size=n)
        # Case state arrays.
        self.state = np.full(n, LATENT, dtype=np.int8)
        self.channel = np.zeros(n, dtype=np.int8)
        self.next_day = np.full(n, -1, dtype=np.int64)
        self.found_day = np.full(n, -1, dtype=np.int64)
        self.report_day = np.full(n, -1, dtype=np.int64)
        self.assign_day = np.full(n, -1, dtype=np.int64)
        self.queued_day = np.full(n, -1, dtype=np.int64)
        self.close_day = np.full(n, -1, dtype=np.int64)
        self.deadline = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        self.first_deadline = np.full(n, -1, dtype=np.int64)
        self.tier = np.full(n, -1, dtype=np.int8)
        self.unit = np.full(n, -1, dtype=np.int64)
        self.escalated = np.zeros(n, dtype=bool)
        self.red = np.zeros(n, dtype=bool)
        self.bounced = np.zeros(n, dtype=bool)
        self.resolved = np.zeros(n, dtype=bool)
        self.spot_fixed = np.zeros(n, dtype=bool)
        self.late = np.zeros(n, dtype=bool)
        self.reworks = np.zeros(n, dtype=np.int8)
        self.surveyed_flag = np.zeros(n, dtype=bool)
        self.satisfied_flag = np.zeros(n, dtype=bool)
        # Household issues indexed by household (CSR) for visits.
        hh_ids = np.flatnonzero(~self.is_public)
        order = hh_ids[np.argsort(self.household[hh_ids], kind="stable")]
        self._hh_order = order
        self._hh_offsets = np.searchsorted(
            self.household[order], np.arange(d.n_households + 1), side="left"
        )
        # Arrivals in day order, to decide self-reports with the trust of the day.
        self._arrival_order = hh_ids[np.argsort(np.maximum(self.arrival[hh_ids], 0), kind="stable")]
        self._arrival_days = np.maximum(self.arrival[self._arrival_order], 0)

    def _schedule_latent_events(self) -> None:
        """Patrol finds of public issues are known up front (patrol hours are fixed)."""
        pub = np.flatnonzero(self.is_public)
        hazard = self.spec.issues.public_find_rate_per_patrol_hour * self.patrol_hours_day
        h = hazard[self.issue_grid[pub]]
        with np.errstate(divide="ignore"):
            wait = np.where(h > 0, self._find_draw[pub] / np.where(h > 0, h, 1.0), np.inf)
        start = np.maximum(self.arrival[pub], 0)
        find = start + np.ceil(wait)
        ok = (find < self.expiry[pub]) & (find < self.days)
        ids = pub[ok]
        days = find[ok].astype(np.int64)
        self.channel[ids] = PATROL
        self._schedule(ids, days)

    # -- agenda -------------------------------------------------------------

    def _schedule(self, ids: np.ndarray, days: np.ndarray | int) -> None:
        """Set the day of each case's next step (``next_day`` is authoritative)."""
        if len(ids) == 0:
            return
        self.next_day[ids] = days
        self._incoming.append(ids)

    def _due(self, day: int) -> np.ndarray:
        """Cases whose next step is ``day``."""
        if self._incoming:
            self._active = np.concatenate([self._active, *self._incoming])
            self._incoming.clear()
        active = self._active
        return np.unique(active[self.next_day[active] == day])

    def _busday_offsets(self, day: np.ndarray, max_offset: int) -> np.ndarray:
        """Table ``[day, k]``: the day index ``k`` working days after ``day``."""
        dates = self.start_date + np.asarray(day, dtype=np.int64)
        k = np.arange(max_offset + 1)
        due = np.busday_offset(dates[:, None], k[None, :], roll="forward")
        return (due - self.start_date).astype(np.int64)

    def _busday(self, day: int | np.ndarray, working_days: int | np.ndarray) -> np.ndarray:
        """Day index ``working_days`` working days after ``day`` (weekends off)."""
        table = self._busday_table
        k = np.asarray(working_days)
        if np.all(k < table.shape[1]):
            return table[day, k]
        dates = self.start_date + np.asarray(day, dtype=np.int64)
        due = np.busday_offset(dates, k, roll="forward")
        return (due - self.start_date).astype(np.int64)

    # -- the day ------------------------------------------------------------

    def step_day(self) -> None:
        """Advance one simulated day (scheduled by Mesa once per day)."""
        day = round(self.time)
        active = self._active
        self._active = active[self.next_day[active] >= day]
        if self._working[day]:
            self._visits(day)
        self._decide_self_reports(day)
        self._drain(day)
        self._check_deadlines(day)
        self._drain(day)
        if self._closed_today:
            self._update_trust(np.concatenate(self._closed_today))
            self._closed_today.clear()

    def _drain(self, day: int) -> None:
        """Move every case whose next step is today, until nothing more happens today."""
        while True:
            ids = self._due(day)
            if len(ids):
                self.next_day[ids] = -1
                self._advance(ids, day)
                continue
            if not self._admit(day):
                break

    def _visits(self, day: int) -> None:
        """Officers and cadres visit the next households on their rounds."""
        plan = self.visit_plan
        i = plan.index_of(day)
        if i < 0:
            return
        lo, hi = plan.day_offsets[i], plan.day_offsets[i + 1]
        if hi == lo:
            return
        hh, by = plan.household[lo:hi], plan.visitor[lo:hi]
        self._visits_done = hi
        n_officer = int(np.count_nonzero(by == OFFICER_VISIT))
        self.visits_officer += n_officer
        self.visits_cadre += len(by) - n_officer
        gain = self.spec.visits.contact_trust_gain
        if gain:
            self.trust[hh] = np.minimum(1.0, self.trust[hh] + gain)
        self._detect(i, day)

    @property
    def visits_per_household(self) -> np.ndarray:
        """Visits each household has had so far."""
        done = self.visit_plan.household[: self._visits_done]
        return np.bincount(done, minlength=self.district.n_households)

    def _effective_trust(self, households: np.ndarray) -> np.ndarray:
        g = self.household_grid[households]
        return np.clip(self.trust[households] + self.grid_trust_offset[g], 0.01, 0.99)

    def _familiarity(self, day: int) -> np.ndarray:
        years = self.spec.cadres.familiarity_years
        fam = 1.0 - np.exp(-np.maximum(0.0, day - self.cadre_posted_on) / (365.0 * years))
        total = np.bincount(self.cadre_grid, weights=fam, minlength=self.district.n_grids)
        return total / np.maximum(1, self.cadres_per_grid_count)

    def _pair_visits_with_issues(self) -> None:
        """For every planned visit, the household's issues pending that day.

        Visits and issue lifetimes are both known up front, so the pairs are
        found once; on the day only whether each issue is still unreported
        (and the household's trust) is checked.
        """
        plan = self.visit_plan
        hh = plan.household
        day = np.repeat(plan.working_days, np.diff(plan.day_offsets))
        off = self._hh_offsets
        cnt = off[hh + 1] - off[hh]
        tot = int(cnt.sum())
        starts = np.repeat(off[hh], cnt)
        k = np.arange(tot) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        ids = self._hh_order[starts + k]
        pair_day = np.repeat(day, cnt)
        ok = (self.arrival[ids] <= pair_day) & (self.expiry[ids] > pair_day)
        self._pair_issue = ids[ok]
        self._pair_visitor = np.repeat(plan.visitor, cnt)[ok]
        visit_of_pair = np.repeat(np.arange(len(hh)), cnt)[ok]
        self._pair_offsets = np.searchsorted(visit_of_pair, plan.day_offsets, side="left")

    def _detect(self, day_index: int, day: int) -> None:
        """Visited households tell the visitor of pending issues, or not."""
        lo, hi = self._pair_offsets[day_index], self._pair_offsets[day_index + 1]
        if hi == lo:
            return
        ids, who = self._pair_issue[lo:hi], self._pair_visitor[lo:hi]
        ok = self.state[ids] == LATENT
        ids, who = ids[ok], who[ok]
        if len(ids) == 0:
            return
        s = self.spec
        z = logit(s.collect.detect_probability) + s.households.trust_effect * (
            self._effective_trust(self.household[ids]) - 0.5
        )
        cadre = who == CADRE_VISIT
        if cadre.any():
            fam = self._familiarity(day)[self.issue_grid[ids[cadre]]]
            z[cadre] += s.cadres.familiarity_effect * fam
        told = self.streams["detection"].random(len(ids)) < expit(z)
        found, who = ids[told], who[told]
        # A household visited twice in a day tells the first visitor.
        found, first = np.unique(found, return_index=True)
        self.channel[found] = who[first]
        self._found(found, day)

    def _decide_self_reports(self, day: int) -> None:
        lo = np.searchsorted(self._arrival_days, day, side="left")
        hi = np.searchsorted(self._arrival_days, day, side="right")
        ids = self._arrival_order[lo:hi]
        if len(ids) == 0:
            return
        ids = ids[self.state[ids] == LATENT]
        p = np.clip(
            self.propensity[self.household[ids]] * self._effective_trust(self.household[ids]) / 0.5,
            0,
            1,
        )
        tells = self.case_u["self"][ids] < p
        ids = ids[tells]
        report = np.maximum(self.arrival[ids], day) + np.ceil(
            self._self_delay[ids] * self.spec.households.self_report_delay_days
        ).astype(np.int64)
        ok = (report < self.expiry[ids]) & (report < self.days)
        ids, report = ids[ok], report[ok]
        # A visit may still find it first; the earlier event wins.
        self.channel[ids] = SELF_REPORT
        self._schedule(ids, report)

    def _found(self, ids: np.ndarray, day: int) -> None:
        """Issues found today: entered now, or at the next batch."""
        self.state[ids] = FOUND
        self.found_day[ids] = day
        entry = self.mechanisms.collection.entry_day(day)
        if entry == day:
            self._enter(ids, day)
        elif entry < self.days:
            self._schedule(ids, entry)
        else:
            self.next_day[ids] = -1

    def _enter(self, ids: np.ndarray, day: int) -> None:
        """集: the issue reaches the platform (受理); spot fixes close at once."""
        self.report_day[ids] = day
        c = self.spec.collect
        staff = self.channel[ids] != SELF_REPORT
        spot = staff & (self.case_u["spot"][ids] < c.spot_fix_share)
        fixed = ids[spot]
        if len(fixed):
            self.spot_fixed[fixed] = True
            self.resolved[fixed] = True
            self.tier[fixed] = GRID
            self._close(fixed, day)
        rest = ids[~spot]
        self.state[rest] = VERIFY
        self._schedule(rest, self._busday(day, c.verification_delay_days))

    def _advance(self, ids: np.ndarray, day: int) -> None:
        st = self.state[ids]
        present = np.bincount(st, minlength=len(STATE_NAMES))
        for state, handler in (
            (LATENT, self._latent_due),
            (FOUND, self._enter),
            (VERIFY, self._verify),
            (DISPATCHED, self._arrive),
            (WAITING, self._enqueue),
            (IN_SERVICE, self._finish),
            (REPLYING, self._reply),
        ):
            if present[state]:
                handler(ids[st == state], day)

    def _latent_due(self, ids: np.ndarray, day: int) -> None:
        ids = ids[self.expiry[ids] > day]
        self._found(ids, day)

    def _verify(self, ids: np.ndarray, day: int) -> None:
        """Administrators verify (核实): invalid reports get a reply and stop here."""
        valid = self.case_u["valid"][ids] < self.spec.collect.valid_share
        bad = ids[~valid]
        self.state[bad] = INVALID
        self.close_day[bad] = day
        self.next_day[bad] = -1
        self._assign(ids[valid], day)

    def _assign(self, ids: np.ndarray, day: int) -> None:
        """交: tier and unit; the deadline starts now."""
        if len(ids) == 0:
            return
        a = self.mechanisms.assignment
        tier = a.tiers(self, ids)
        self.tier[ids] = tier
        self.unit[ids] = self._unit_for(ids, tier)
        self.assign_day[ids] = day
        # The time limit belongs to the case (its complexity), not to whoever
        # handles it: a simple case sent to a district department keeps its
        # short limit, so assignment modes are judged by the same yardstick.
        limits = np.array(self.spec.deadlines.limit_working_days.as_list(), dtype=np.int64)
        deadline = self._busday(day, limits[self.case_level(ids)])
        self.first_deadline[ids] = deadline
        self._set_deadline(ids, deadline)
        self.state[ids] = DISPATCHED
        self._schedule(ids, day + a.dispatch_delay_days)

    def case_level(self, ids: np.ndarray) -> np.ndarray:
        """The tier each case's complexity calls for (its own draw against the tier shares)."""
        edges = np.cumsum(self.spec.assign.tier_shares.as_list())[:-1]
        return np.searchsorted(edges, self.case_u["tier"][ids], side="right").astype(np.int8)

    def _unit_for(self, ids: np.ndarray, tier: np.ndarray) -> np.ndarray:
        d = self.district
        g = self.issue_grid[ids]
        by_tier = np.stack(
            [
                self.unit_base[GRID] + g,
                self.unit_base[COMMUNITY] + d.grid_community[g],
                self.unit_base[STREET] + d.grid_street[g],
                self.unit_base[DISTRICT] + self.category[ids],
            ]
        )
        return by_tier[tier, np.arange(len(ids))]

    def _set_deadline(self, ids: np.ndarray, deadline: np.ndarray) -> None:
        self.deadline[ids] = deadline
        if self.mechanisms.supervision.lights:
            self._open_incoming.append(ids)

    def _arrive(self, ids: np.ndarray, day: int) -> None:
        """The case reaches its unit; multi-department cases wait for consultation."""
        h = self.spec.handle
        multi = (
            (self.case_u["multi"][ids] < h.multi_department_share)
            & (self.tier[ids] >= STREET)
            & ~self.escalated[ids]
        )
        direct = ids[~multi]
        self._enqueue(direct, day)
        joint = ids[multi]
        if len(joint):
            consult = self.mechanisms.consultation
            release = consult.release_day(self, joint, day)
            self.bounced[joint] = consult.bounces
            now = release <= day
            self._enqueue(joint[now], day)
            later = joint[~now]
            self.state[later] = WAITING
            self._schedule(later, release[~now])

    def _enqueue(self, ids: np.ndarray, day: int) -> None:
        if len(ids) == 0:
            return
        self.state[ids] = QUEUED
        self.queued_day[ids] = day
        self.next_day[ids] = -1
        self._queue = np.concatenate([self._queue, ids])

    def _admit(self, day: int) -> bool:
        """Queues admit cases to free capacity, in the supervision's priority order."""
        q = self._queue
        if len(q) == 0:
            return False
        q = q[self.state[q] == QUEUED]
        self._queue = q
        if len(q) == 0:
            return False
        units = self.unit[q]
        free = self.unit_capacity - self.unit_busy
        can = free[units] > 0  # only queues of units with a free slot are sorted
        if not can.any():
            return False
        cand, cand_units = q[can], units[can]
        k1, k2 = self.mechanisms.supervision.queue_keys(self, cand)
        order = np.lexsort((cand, k2, k1, cand_units))
        cs, us = cand[order], cand_units[order]
        rank = np.arange(len(cs)) - np.searchsorted(us, us, side="left")
        admit = rank < free[us]
        ids = cs[admit]
        if len(ids) == 0:
            return False
        queue_len = np.bincount(units, minlength=len(self.unit_capacity))
        self._start_service(ids, day, queue_len)
        self._queue = np.concatenate([q[~can], cs[~admit]])
        return True

    def _start_service(self, ids: np.ndarray, day: int, queue_len: np.ndarray) -> None:
        """办: handling starts; duration from the case's own draws and the unit's load."""
        h, dl = self.spec.handle, self.spec.deadlines
        u = self.unit[ids]
        medians = np.array(h.service_median_days.as_list())[self.tier[ids]]
        load = queue_len[u] / self.unit_capacity[u]
        normal = medians * np.exp(h.service_sigma * ndtri(self.case_u["service"][ids]))
        normal = normal * (1.0 + h.congestion_slowdown * load)
        normal = np.where(self.case_u["same_day"][ids] < h.same_day_share, 0.0, normal)
        urgent = dl.escalated_median_days * np.exp(
            0.5 * h.service_sigma * ndtri(self.case_u["escalated"][ids])
        )
        days = np.where(self.escalated[ids], urgent, normal)
        finish = day + np.ceil(np.minimum(days, 10 * self.days)).astype(np.int64)
        self.state[ids] = IN_SERVICE
        np.add.at(self.unit_busy, u, 1)
        self._schedule(ids, finish)

    def _finish(self, ids: np.ndarray, day: int) -> None:
        """Handling done: resolved or only explained; verification may send it back."""
        h, ev = self.spec.handle, self.spec.evaluate
        np.subtract.at(self.unit_busy, self.unit[ids], 1)
        np.add.at(self.unit_handled, self.unit[ids], 1)
        p = np.array(h.resolvable_share.as_list())[self.category[ids]]
        p = np.where(self.bounced[ids], p * h.bounce_resolvable_factor, p)
        resolved = self.case_u["resolve"][ids] < p
        rework = (
            resolved & (self.reworks[ids] == 0) & (self.case_u["rework"][ids] < ev.rework_share)
        )
        again = ids[rework]
        self.reworks[again] += 1
        self._enqueue(again, day)
        done = ids[~rework]
        self.resolved[done] = resolved[~rework]
        delay = self.spec.reply.delay_days
        if delay == 0:
            self._reply(done, day)
        else:
            self.state[done] = REPLYING
            self._schedule(done, day + delay)

    def _reply(self, ids: np.ndarray, day: int) -> None:
        """复: the resident hears back; the case is closed."""
        self._close(ids, day)

    def _close(self, ids: np.ndarray, day: int) -> None:
        self.state[ids] = CLOSED
        self.close_day[ids] = day
        self.next_day[ids] = -1
        self.late[ids] = (self.first_deadline[ids] >= 0) & (day > self.first_deadline[ids])
        self._closed_today.append(ids)

    def _update_trust(self, ids: np.ndarray) -> None:
        s, r = self.spec.households, self.spec.reply
        res, late = self.resolved[ids], self.late[ids]
        signal = np.where(
            res,
            np.where(late, 0.5 * s.trust_gain_resolved, s.trust_gain_resolved),
            -s.trust_loss_unresolved,
        ) - np.where(late, s.trust_loss_late, 0.0)
        own = ~self.is_public[ids]
        hh = self.household[ids[own]]
        sig = signal[own]
        if len(hh):
            d = self.district
            g = self.household_grid[hh]
            lo, hi = d.grid_start[g], d.grid_start[g] + d.grid_households[g]
            who, how = [hh], [sig]
            for k in range(1, s.neighbours + 1):
                for nb in (hh - k, hh + k):
                    inside = (nb >= lo) & (nb < hi)
                    who.append(nb[inside])
                    how.append(s.neighbour_weight * sig[inside])
            touched = np.concatenate(who)
            np.add.at(self.trust, touched, np.concatenate(how))
            self.trust[touched] = np.clip(self.trust[touched], 0.0, 1.0)
        if r.public:
            delta = np.bincount(
                self.issue_grid[ids],
                weights=r.public_weight * signal,
                minlength=len(self.grid_trust_offset),
            )
            self.grid_trust_offset += delta + r.adjacent_grid_weight * (self.grid_adjacency @ delta)

    def _check_deadlines(self, day: int) -> None:
        """Supervisors light red the open cases past their deadline; escalate them."""
        if not self.mechanisms.supervision.lights:
            return
        if self._open_incoming:
            self._open = np.concatenate([self._open, *self._open_incoming])
            self._open_incoming.clear()
        st = self.state[self._open]
        self._open = self._open[(st <= IN_SERVICE) & (st >= DISPATCHED)]
        ids = np.unique(self._open[self.deadline[self._open] == day - 1])
        if len(ids) == 0:
            return
        self.red_lights += len(ids)
        self.red[ids] = True
        if self.mechanisms.supervision.escalates:
            self._escalate(ids, day)

    def _escalate(self, ids: np.ndarray, day: int) -> None:
        queued = self.state[ids] == QUEUED
        if queued.any():  # they re-enter the queue at the unit above: no second entry
            self._queue = self._queue[~np.isin(self._queue, ids[queued])]
        in_service = ids[self.state[ids] == IN_SERVICE]
        np.subtract.at(self.unit_busy, self.unit[in_service], 1)
        tier = self.tier[ids]
        up = np.minimum(tier + 1, DISTRICT).astype(np.int8)
        self.unit[ids] = self._unit_for(ids, up)
        self.tier[ids] = up
        self.escalated[ids] = True
        self.escalations += len(ids)
        limits = np.array(self.spec.deadlines.limit_working_days.as_list(), dtype=np.int64)
        self._set_deadline(ids, self._busday(day, limits[up]))
        self._enqueue(ids, day)

    def survey_wave(self) -> None:
        """考: survey a share of the cases closed since the last wave."""
        day = round(self.time)
        closed = np.flatnonzero(
            (self.state == CLOSED) & (self.close_day > self._last_survey) & ~self.surveyed_flag
        )
        self._last_survey = day
        survey = self.mechanisms.survey
        picked = closed[self.case_u["pick"][closed] < survey.share]
        if len(picked) == 0:
            return
        ok = survey.satisfied(self, picked)
        self.surveyed_flag[picked] = True
        self.satisfied_flag[picked] = ok
        self.surveyed += len(picked)
        self.satisfied_count += int(ok.sum())
        if survey.third_party:
            reopen = picked[~ok & self.resolved[picked] & ~self.spot_fixed[picked]]
            if len(reopen):
                self.reopened += len(reopen)
                self.resolved[reopen] = False
                self.close_day[reopen] = -1
                self.reworks[reopen] += 1
                self._enqueue(reopen, day)  # admitted from tomorrow's queue

    def rotate_cadre(self, cadre: Cadre) -> None:
        """Rotation: ``cadre`` swaps grids with a random cadre elsewhere; both start over."""
        day = float(self.time)
        n = len(self.cadres)
        if n < 2:
            cadre.posted_on = day
            self.cadre_posted_on[cadre.slot] = day
            return
        other = self.cadres[int(self.streams["cadres"].integers(0, n))]
        if other is cadre:
            other = self.cadres[(cadre.slot + 1) % n]
        cadre.grid, other.grid = other.grid, cadre.grid
        for c in (cadre, other):
            c.posted_on = day
            c.postings += 1
            self.cadre_grid[c.slot] = c.grid
            self.cadre_posted_on[c.slot] = day

    # -- running ------------------------------------------------------------

    def run(self) -> RunResult:
        """Simulate every day of the scenario and return the run's KPIs.

        Returns:
            The :class:`gridsim.kpis.RunResult` of this replication.
        """
        t0 = time.perf_counter()
        self.run_until(self.days - 1)
        self.wall_seconds = time.perf_counter() - t0
        return compute_kpis(self)

    @property
    def staff_by_role(self) -> dict[str, int]:
        """Number of people in each role."""
        out = dict.fromkeys(ROLES, 0)
        for agent_type, agents in self.agents_by_type.items():
            role = getattr(agent_type, "role", None)
            if role in out:
                out[role] = len(agents)
        return out


def run_scenario(scenario: Scenario, seed: int | None = None, replication: int = 0) -> RunResult:
    """Run one replication of a scenario.

    Args:
        scenario: A validated scenario.
        seed: Root seed (defaults to the scenario's).
        replication: Replication number.

    Returns:
        The run's result.
    """
    return GridModel(scenario, seed=seed, replication=replication).run()


__all__ = ["CHANNEL_NAMES", "STATE_NAMES", "TIERS", "GridModel", "run_scenario"]
