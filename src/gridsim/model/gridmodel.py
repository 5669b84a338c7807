"""GridModel: the district, its staff and units, and the case pipeline on a day clock.

The model is a ``mesa.Model``. Mesa's event scheduling drives it: one
recurring event per simulated day and one per survey wave. Cadres, grid
teams, community offices and the other handling units are Mesa agents (few);
households and cases are numpy arrays (many), so the cost of a run grows with
events — visits, issues, cases — not with households × days.

A day runs, in order: the cadre rotations of the night before (drawn at
set-up, :mod:`gridsim.model.postings`); household visits (officers, cadres) and the detections
they make; issues found by patrols and reported by residents; then every case
whose next step falls on the day moves on (entry, verification, dispatch,
handling, reply), queues admit cases to free capacity, and supervisors light
red the cases whose deadline has passed. That day is one call of the compiled
kernel :func:`gridsim.kernel.step_day`, which works on the model's arrays in
place; this module builds them and reads them back.
"""

from __future__ import annotations

import functools
import time

import mesa
import numpy as np
from mesa.agentset import AgentSet
from mesa.time import Schedule

from gridsim.kernel import codes as cases
from gridsim.kernel.codes import (
    CADRE_VISIT,
    CHANNEL_NAMES,
    OFFICER_VISIT,
    PATROL,
    STATE_NAMES,
)
from gridsim.mechanisms.build import mechanisms_for
from gridsim.model.agents import Cadre, CommunityOffice, GridTeam, HandlingUnit
from gridsim.model.assessment import Assessment
from gridsim.model.district import District
from gridsim.model.households import per_grid_counts, visit_multipliers
from gridsim.model.issues import case_table
from gridsim.model.kpis import RunResult, compute_kpis
from gridsim.model.parameters import kernel_parameters
from gridsim.model.postings import Rotations, draw_rotations, rotation_times, rotations_tie
from gridsim.model.setup import shared_setup
from gridsim.model.terrain import patrol_coverage
from gridsim.model.units import unit_table
from gridsim.model.visits import plan_visits
from gridsim.scenario import Scenario
from gridsim.streams import process_key, streams, uniforms
from gridsim.vocab import ROLES, TIERS


@functools.lru_cache(maxsize=16)
def busday_offsets(start_date: np.datetime64, days: int, max_offset: int) -> np.ndarray:
    """Table ``[day, k]``: the day index ``k`` working days after ``day`` (from ``start_date``).

    The same for every run with that calendar, so it is built once per
    process and shared: the kernel only reads it.
    """
    dates = start_date + np.arange(days, dtype=np.int64)
    k = np.arange(max_offset + 1)
    due = np.busday_offset(dates[:, None], k[None, :], roll="forward")
    return (due - start_date).astype(np.int64)


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
        # Mesa gets a stream of its own: it draws a seed for model.random from the
        # generator it is given, which would otherwise shift the cadres' draws.
        super().__init__(rng=self.streams["mesa"])
        # Mesa schedules a step() every time unit; this model has none (its days
        # are events of their own), and those 364 idle events cost ~5 ms a year.
        default_step = getattr(self, "_default_schedule", None)
        if default_step is not None:
            default_step.stop()
        self.days = scenario.simulation.days
        self.start_date = np.datetime64(scenario.simulation.start_date, "D")
        self.mechanisms = mechanisms_for(scenario)
        self._setup = shared_setup(scenario, self.seed_value, self.replication, self.streams)
        self.district: District = self._setup.district
        self._build_households()
        self._build_staff()
        self._build_units()
        self._build_issues()
        self._pair_visits_with_issues()
        self._build_pipeline()
        self._schedule_latent_events()
        self.reopened = 0
        self.surveyed = 0
        self.satisfied_count = 0
        self._last_survey = -1
        self._closes_seen = 0
        self.wall_seconds = 0.0
        self.schedule_recurring(self.step_day, Schedule(interval=1, start=0, end=self.days - 1))
        ev = scenario.evaluate
        self.schedule_recurring(
            self.survey_wave,
            Schedule(interval=ev.survey_interval_days, start=ev.survey_interval_days - 1),
        )

    # -- construction -------------------------------------------------------

    def _build_households(self) -> None:
        hh = self._setup.households
        self.household_grid = hh.grid
        self.trust = hh.trust
        self.propensity = hh.propensity
        self.grid_trust_offset = hh.grid_trust_offset
        self.grid_adjacency = self.district.adjacency
        self.grid_visit_mult = visit_multipliers(self.spec, self.district)

    def _build_staff(self) -> None:
        st, d = self.spec.staff, self.district
        hours = st.hours_per_week
        weights = d.grid_households.astype(float)
        officers = per_grid_counts(d.n_grids, st.information_officers_per_grid, weights)
        security = per_grid_counts(d.n_grids, st.security_officers_per_grid, weights)
        volunteers = per_grid_counts(d.n_grids, st.volunteers_per_grid, weights)
        self._grid_staff = (officers, security, volunteers)
        cadre_counts = per_grid_counts(d.n_grids, st.cadres_per_grid, weights)
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
        n_cadres = len(cadre_grids)
        self.cadre_grid = cadre_grids.astype(np.int64)
        self.cadre_posted_on = -tenure.astype(float)
        self.cadre_postings = np.ones(n_cadres, dtype=np.int64)
        self.cadres: list[Cadre] = [Cadre(self, slot, hours.cadre) for slot in range(n_cadres)]
        self._rotations = Rotations.none(self.days)
        if rotation:
            interval = cad.rotation_interval_days
            self._schedule_rotations(interval - tenure, interval)
        n_comm = d.n_communities
        self._community_staff = (
            per_grid_counts(n_comm, st.administrators_per_community, np.ones(n_comm)),
            per_grid_counts(n_comm, st.supervisors_per_community, np.ones(n_comm)),
        )
        # Work capacity per grid, per working day.
        self.officer_hours_day = officers * (hours.information_officer / 5.0)
        patrollers = hours.security_officer * security + hours.volunteer * volunteers
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
        limits = [
            *self.spec.deadlines.limit_working_days.as_list(),
            self.spec.collect.verification_delay_days,
        ]
        self._busday_table = busday_offsets(self.start_date, self.days, int(max(limits)))

    def _build_units(self) -> None:
        """The handling units: grid teams, community offices, street offices, departments."""
        d = self.district
        table = unit_table(self.spec, self.district)
        self.unit_base = table.base
        self.unit_tier = table.tier
        self.unit_capacity = table.capacity
        self.unit_parent = table.parent
        self.unit_handlers = table.handlers
        self.unit_busy = np.zeros(len(table), dtype=np.int64)
        self.unit_handled = np.zeros(len(table), dtype=np.int64)
        self.unit_red = np.zeros(len(table), dtype=np.int64)
        self.unit_effort = np.zeros(len(table))
        self.assessment = Assessment.for_units(
            self.spec,
            self.mechanisms.survey,
            self.unit_effort,
            self.unit_tier,
            self.unit_red,
            self.unit_handled,
        )
        hours = self.spec.staff.hours_per_week
        role_hours = {role: getattr(hours, role) for role in ROLES}
        names, capacity, parent = table.names, table.capacity.tolist(), table.parent.tolist()
        n_g, n_c = d.n_grids, d.n_communities
        officers, security, volunteers = (a.tolist() for a in self._grid_staff)
        teams = [
            GridTeam(
                self,
                g,
                officers[g],
                security[g],
                volunteers[g],
                role_hours,
                names[g],
                capacity[g],
                parent[g],
            )
            for g in range(n_g)
        ]
        admins, supervisors = (a.tolist() for a in self._community_staff)
        offices = [
            CommunityOffice(
                self,
                c,
                admins[c],
                supervisors[c],
                role_hours,
                n_g + c,
                names[n_g + c],
                capacity[n_g + c],
                parent[n_g + c],
            )
            for c in range(n_c)
        ]
        tiers = table.tier.tolist()
        others = [
            HandlingUnit(self, i, tiers[i], names[i], capacity[i], parent[i])
            for i in range(n_g + n_c, len(table))
        ]
        self.teams = AgentSet(teams, random=self.random)
        self.offices = AgentSet(offices, random=self.random)
        self.units: list[HandlingUnit] = [*teams, *offices, *others]

    def _build_issues(self) -> None:
        issues = self._setup.issues
        self.n_issues = len(issues)
        # Per-case fields: rows of 2-D arrays the compiled pipeline shares (see
        # gridsim.kernel.codes); the model keeps named views of them.
        table = case_table(issues)
        self._ints, self._i8, self._flags = table.ints, table.i8, table.flags
        self.arrival, self.expiry = self._ints[cases.ARRIVAL], self._ints[cases.EXPIRY]
        self.household = self._ints[cases.HOUSEHOLD]
        self.issue_grid = self._ints[cases.ISSUE_GRID]
        self.category = self._i8[cases.CATEGORY]
        self.is_public = self._flags[cases.PUBLIC]
        # A case's own random numbers are drawn where they are used, from its
        # id and this key (gridsim.streams): no table of them.
        self._case_key = process_key(self.streams["case"])
        self._find_draw = issues.find_draw
        # Case state: views of the shared rows.
        self.state = self._i8[cases.STATE]
        self.channel = self._i8[cases.CHANNEL]
        self.tier = self._i8[cases.TIER]
        self.reworks = self._i8[cases.REWORKS]
        self.next_day = self._ints[cases.NEXT_DAY]
        self.found_day = self._ints[cases.FOUND_DAY]
        self.report_day = self._ints[cases.REPORT_DAY]
        self.assign_day = self._ints[cases.ASSIGN_DAY]
        self.queued_day = self._ints[cases.QUEUED_DAY]
        self.close_day = self._ints[cases.CLOSE_DAY]
        self.deadline = self._ints[cases.DEADLINE]
        self.first_deadline = self._ints[cases.FIRST_DEADLINE]
        self.unit = self._ints[cases.UNIT]
        self.escalated = self._flags[cases.ESCALATED]
        self.red = self._flags[cases.RED]
        self.bounced = self._flags[cases.BOUNCED]
        self.resolved = self._flags[cases.RESOLVED]
        self.spot_fixed = self._flags[cases.SPOT_FIXED]
        self.late = self._flags[cases.LATE]
        self.surveyed_flag = np.zeros(self.n_issues, dtype=bool)
        self.satisfied_flag = np.zeros(self.n_issues, dtype=bool)
        self._index = self._setup.index  # by household, by arrival day (built once per set-up)

    def _schedule_latent_events(self) -> None:
        """Patrol finds of public issues are known up front (patrol hours are fixed)."""
        pub = np.flatnonzero(self.is_public)
        hazard = self.spec.issues.public_find_rate_per_patrol_hour * self.patrol_hours_day
        if self.district.drawn:  # patrols cover the grid's area (synthesised grids: factor 1)
            hazard = hazard * patrol_coverage(self.spec, self.district)
        h = hazard[self.issue_grid[pub]]
        with np.errstate(divide="ignore"):
            wait = np.where(h > 0, self._find_draw[pub] / np.where(h > 0, h, 1.0), np.inf)
        start = np.maximum(self.arrival[pub], 0)
        find = start + np.ceil(wait)
        ok = (find < self.expiry[pub]) & (find < self.days)
        ids = pub[ok]
        self.channel[ids] = PATROL
        self._kernel.schedule(self._pipeline, ids, find[ok].astype(np.int64))

    def _pair_visits_with_issues(self) -> None:
        """For every planned visit, the household's issues pending that day.

        Visits and issue lifetimes are both known up front, so the pairs are
        found once; on the day only whether each issue is still unreported
        (and the household's trust) is checked.
        """
        from gridsim.kernel.visits import pairs

        plan = self.visit_plan
        self._pair_issue, self._pair_visitor, self._pair_offsets = pairs(
            plan.household,
            plan.visitor,
            plan.day_offsets,
            plan.working_days,
            self._index.household_offsets,
            self.arrival,
            self.expiry,
        )

    def _build_pipeline(self) -> None:
        """Group the arrays the compiled day kernel works on, and its parameters."""
        from gridsim import kernel  # numba: loaded when a model is built

        self._kernel = kernel
        s, d = self.spec, self.district
        h = s.handle
        i, f = kernel_parameters(
            s, self._case_key, process_key(self.streams["detection"]), self.mechanisms
        )
        working_index = np.full(self.days, -1, dtype=np.int64)
        working_index[self.visit_plan.working_days] = np.arange(len(self.visit_plan.working_days))
        adjacency = self.grid_adjacency
        self._counters = np.zeros(cases.COUNTERS, dtype=np.int64)
        self._counters[cases.FREE_ENTRY] = -1  # no free calendar entry yet
        self._counters[cases.HQ_FREE] = -1  # no free queue entry yet
        n_units = len(self.unit_capacity)
        self._pipeline = kernel.make(
            ints=self._ints,
            i8=self._i8,
            flags=self._flags,
            trust=self.trust,
            propensity=self.propensity,
            household_grid=self.household_grid,
            grid_trust_offset=self.grid_trust_offset,
            grid_start=d.grid_start.astype(np.int64, copy=False),
            grid_households=d.grid_households.astype(np.int64, copy=False),
            grid_community=d.grid_community.astype(np.int64, copy=False),
            grid_street=d.grid_street.astype(np.int64, copy=False),
            adj_indptr=adjacency.indptr.astype(np.int64),
            adj_indices=adjacency.indices.astype(np.int64),
            adj_data=adjacency.data.astype(float),
            cadre_grid=self.cadre_grid,
            cadre_posted_on=self.cadre_posted_on,
            cadre_postings=self.cadre_postings,
            rotation_upto=self._rotations.upto,
            rotation_slot=self._rotations.slot,
            rotation_partner=self._rotations.partner,
            rotation_time=self._rotations.time,
            cadres_per_grid=self.cadres_per_grid_count.astype(np.int64, copy=False),
            unit_base=self.unit_base.astype(np.int64, copy=False),
            unit_capacity=self.unit_capacity,
            unit_busy=self.unit_busy,
            unit_handled=self.unit_handled,
            unit_red=self.unit_red,
            unit_effort=self.unit_effort,
            unit_queued=np.zeros(n_units, dtype=np.int64),
            unit_queue_len=np.zeros(n_units, dtype=np.int64),
            unit_root=np.full(n_units, -1, dtype=np.int64),
            unit_dirty=np.zeros(n_units, dtype=np.int8),
            dirty_units=np.zeros(n_units, dtype=np.int64),
            working_index=working_index,
            visit_offsets=self.visit_plan.day_offsets.astype(np.int64, copy=False),
            visit_household=self.visit_plan.household,
            visit_visitor=self.visit_plan.visitor.astype(np.int8, copy=False),
            pair_offsets=self._pair_offsets.astype(np.int64, copy=False),
            pair_issue=self._pair_issue,
            pair_visitor=self._pair_visitor.astype(np.int8, copy=False),
            arrival_offsets=self._index.arrival_offsets,
            arrival_order=self._index.arrival_order,
            arrival_household=self._index.arrival_household,
            arrival_propensity=self._index.arrival_propensity,
            arrival_grid=self._index.arrival_grid,
            busday=self._busday_table,
            limits=np.array(s.deadlines.limit_working_days.as_list(), dtype=np.int64),
            service_medians=np.array(h.service_median_days.as_list(), dtype=float),
            resolvable=np.array(h.resolvable_share.as_list(), dtype=float),
            tier_edges=np.cumsum(s.assign.tier_shares.as_list())[:-1],
            fparams=f,
            iparams=i,
            counters=self._counters,
            **kernel.buffers(self.n_issues, self.days),
        )

    def case_uniform(self, draw: str, ids: np.ndarray) -> np.ndarray:
        """Each case's own uniform ``draw`` (a name in :data:`gridsim.kernel.codes.CASE_DRAWS`).

        The same numbers the compiled pipeline uses, so a case's survey answer
        is as fixed by its id as its service time (common random numbers).
        """
        slot = cases.CASE_DRAWS.index(draw)
        return uniforms(
            self._case_key, np.asarray(ids, dtype=np.int64) * cases.CASE_DRAW_SLOTS + slot
        )

    def _count(self, counter: int) -> int:
        return int(self._counters[counter])

    @property
    def red_lights(self) -> int:
        """Red lights shown so far (open cases past their deadline)."""
        return self._count(cases.RED_LIGHTS)

    @property
    def escalations(self) -> int:
        """Cases escalated a tier up so far."""
        return self._count(cases.ESCALATIONS)

    @property
    def visits_officer(self) -> int:
        """Household visits made by information officers so far."""
        return self._count(cases.VISITS_OFFICER)

    @property
    def visits_cadre(self) -> int:
        """Household visits made by cadres so far."""
        return self._count(cases.VISITS_CADRE)

    @property
    def visited_households(self) -> np.ndarray:
        """The household of every visit made so far, in order (a view of the visit plan)."""
        return self.visit_plan.household[: self._count(cases.VISITS_DONE)]

    @property
    def visits_per_household(self) -> np.ndarray:
        """Visits each household has had so far."""
        return np.bincount(self.visited_households, minlength=self.district.n_households)

    # -- the day ------------------------------------------------------------

    def step_day(self) -> None:
        """Advance one simulated day (scheduled by Mesa once per day).

        Visits and the detections they make, residents' own reports, every case
        whose next step is today, queue admissions, red lights, and the trust
        closures move — one compiled call (:func:`gridsim.kernel.step_day`).
        """
        self._kernel.step_day(self._pipeline, round(self.time))

    def survey_wave(self) -> None:
        """考: survey a share of the cases closed since the last wave, and assess the units.

        The units are scored on the wave's closed cases and survey answers
        before the third party reopens the dissatisfied resolved ones
        (:mod:`gridsim.model.assessment`).
        """
        from gridsim.kernel import tally

        day = round(self.time)
        # Closed since the last wave and still closed: not yet surveyed, and handled by a
        # unit. Looked for among the cases the kernel logged as closed since the last wave.
        logged = self._kernel.closed_since(self._pipeline, self._closes_seen)
        self._closes_seen += len(logged)
        closed, handled = tally.wave_cases(
            logged, self.state, self.close_day, self.surveyed_flag, self.unit, self._last_survey
        )
        on_time = self.close_day[handled] <= self.deadline[handled]
        self._last_survey = day
        survey = self.mechanisms.survey
        picked = closed[self.case_uniform("pick", closed) < survey.share]
        ok = survey.satisfied(self, picked)
        self.surveyed_flag[picked] = True
        self.satisfied_flag[picked] = ok
        self.surveyed += len(picked)
        self.satisfied_count += int(ok.sum())
        asked = picked[self.unit[picked] >= 0]
        self.assessment.assess(
            self.unit[handled], on_time, self.unit[asked], self.satisfied_flag[asked]
        )
        if survey.third_party and len(picked):
            reopen = picked[~ok & self.resolved[picked] & ~self.spot_fixed[picked]]
            if len(reopen):
                self.reopened += len(reopen)
                self.resolved[reopen] = False
                self.close_day[reopen] = -1
                self.reworks[reopen] += 1
                # Admitted from tomorrow's queue.
                self._kernel.enqueue(self._pipeline, reopen, day)

    def _schedule_rotations(self, first: np.ndarray, interval: int) -> None:
        """Lay out every cadre's rotations: the first at ``first[slot]``, then every ``interval``.

        A rotation falls between two days (its time is fractional), and nothing
        that reads postings happens between two days, so the year's rotations
        are drawn now, in time order (:mod:`gridsim.model.postings`), and the
        compiled day applies those of the night before it as it starts: the
        same rotations at the same times in the same order as one Mesa event
        per rotation, with the same draws. If any rotation would fall on a
        whole day or at the same time as another, Mesa's own order of
        simultaneous events decides; then every cadre gets its recurring
        event, and :meth:`rotate_cadre` draws its partner when it rotates.
        """
        time, slot = rotation_times(first, interval, self.days - 1)
        if self._rotations_tie(time):
            for s, start in enumerate(first.tolist()):
                self.schedule_recurring(
                    self.cadres[s].rotate, Schedule(interval=interval, start=float(start))
                )
            return
        self._rotations = draw_rotations(
            time, slot, len(self.cadres), self.days, self.streams["cadres"]
        )

    @staticmethod
    def _rotations_tie(times: np.ndarray) -> bool:
        """Whether two rotations fall at the same time, or one on a whole day (another event's)."""
        return rotations_tie(times)

    def rotate_cadre(self, cadre: Cadre, day: float | None = None) -> None:
        """Rotation: ``cadre`` swaps grids with a random cadre elsewhere; both start over.

        Args:
            cadre: The cadre whose posting ends.
            day: When (the model's time if not given).
        """
        day = float(self.time) if day is None else day
        n = len(self.cadres)
        a = cadre.slot
        if n < 2:
            self.cadre_posted_on[a] = day
            return
        b = int(self.streams["cadres"].integers(0, n))
        if b == a:
            b = (a + 1) % n
        grid = self.cadre_grid
        grid[a], grid[b] = grid[b], grid[a]
        for c in (a, b):
            self.cadre_posted_on[c] = day
            self.cadre_postings[c] += 1

    # -- running ------------------------------------------------------------

    def run(self) -> RunResult:
        """Simulate every day of the scenario and return the run's KPIs.

        Returns:
            The :class:`gridsim.model.kpis.RunResult` of this replication.
        """
        t0 = time.perf_counter()
        self.run_until(self.days - 1)
        self.wall_seconds = time.perf_counter() - t0
        return compute_kpis(self)

    @property
    def staff_by_role(self) -> dict[str, int]:
        """Number of people in each role."""
        counts = (*self._grid_staff, *self._community_staff)
        roles = (*GridTeam.roles, *CommunityOffice.roles)
        out = dict.fromkeys(ROLES, 0)
        for role, per_unit in zip(roles, counts, strict=True):
            out[role] = int(per_unit.sum())
        out["cadre"] = len(self.cadres)
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
