"""What a run reports: district KPIs, the same per grid, and daily case series.

KPI names follow the officials' case indicators (see ``docs/scenarios.md``):
受理 received = ``issues_collected``; 立案 registered = ``issues_valid``;
结案 closed; 按期结案 closed on time = ``on_time_rate`` (of cases due to close,
应结案); 返工 rework; 满意率 satisfaction.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gridsim.kpi_registry import KPIS, format_value
from gridsim.mechanisms.build import Mechanisms
from gridsim.model.district import District
from gridsim.scenario import Scenario

KPI_NAMES: tuple[str, ...] = tuple(KPIS)
"""Every district KPI of a run, in display order (from :data:`gridsim.kpi_registry.KPIS`)."""

KPI_DESCRIPTIONS: dict[str, str] = {k.name: k.description for k in KPIS.values()}
"""One line per KPI (from :data:`gridsim.kpi_registry.KPIS`)."""


class FinishedRun(Protocol):
    """What the KPIs read from a run that has reached its last day.

    :class:`gridsim.model.gridmodel.GridModel` is one; the KPIs are typed
    against this protocol, not the model class, so that the model layer has
    no import cycle. The case arrays have one entry per case
    (:mod:`gridsim.kernel.codes` names their values), the household arrays one
    per household, the grid arrays one per grid.
    """

    spec: Scenario
    days: int
    district: District
    mechanisms: Mechanisms
    seed_value: int
    replication: int
    wall_seconds: float
    surveyed: int
    satisfied_count: int
    # per case
    arrival: np.ndarray
    state: np.ndarray
    channel: np.ndarray
    tier: np.ndarray
    reworks: np.ndarray
    issue_grid: np.ndarray
    found_day: np.ndarray
    report_day: np.ndarray
    close_day: np.ndarray
    first_deadline: np.ndarray
    resolved: np.ndarray
    spot_fixed: np.ndarray
    # per handling unit
    unit_tier: np.ndarray
    unit_handlers: np.ndarray
    unit_handled: np.ndarray
    unit_effort: np.ndarray
    # per household, per grid
    household_grid: np.ndarray
    trust: np.ndarray
    grid_trust_offset: np.ndarray

    @property
    def staff_by_role(self) -> dict[str, int]:
        """Number of people in each role."""
        ...

    @property
    def red_lights(self) -> int:
        """Red lights shown."""
        ...

    @property
    def escalations(self) -> int:
        """Cases escalated a tier up."""
        ...

    @property
    def visits_officer(self) -> int:
        """Household visits by information officers."""
        ...

    @property
    def visits_cadre(self) -> int:
        """Household visits by cadres."""
        ...

    @property
    def visits_per_household(self) -> np.ndarray:
        """Visits each household has had."""
        ...

    @property
    def visited_households(self) -> np.ndarray:
        """The household of every visit made so far, in order."""
        ...


Table = pd.DataFrame | Mapping[str, np.ndarray]
"""A run's table: a frame, or its columns (made a frame when first read)."""


class _Table:
    """A run's table field: kept as given (a frame or its columns), a frame when read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> pd.DataFrame:
        if obj is None:  # a dataclass asking for a default: there is none
            raise AttributeError(self.slot[1:])
        value = getattr(obj, self.slot)
        if not isinstance(value, pd.DataFrame):
            value = pd.DataFrame(dict(value))
            setattr(obj, self.slot, value)
        return value

    def __set__(self, obj: Any, value: Table) -> None:
        setattr(obj, self.slot, value)


@dataclass(repr=False)
class RunResult:
    """Everything one replication reports.

    The two tables may be given as their columns: they become data frames the
    first time :attr:`grids` or :attr:`daily` is read, so a sweep that only
    stores them (:meth:`column`) never builds a frame (~2 ms a Yuelu run).

    Attributes:
        scenario: Scenario name.
        seed: Root seed.
        replication: Replication number.
        kpis: District KPIs (:data:`KPI_NAMES`).
        grids: One row per grid with its own KPIs.
        daily: One row per day: ``new``, ``closed`` and ``open`` cases, and
            ``closed_after`` — the number of cases closed that many days after
            they were found (a histogram of days to close).
        wall_seconds: Wall time of the simulation.
    """

    scenario: str
    seed: int
    replication: int
    kpis: dict[str, float]
    grids: Table = _Table()  # type: ignore[assignment]
    daily: Table = _Table()  # type: ignore[assignment]
    wall_seconds: float = 0.0

    def column(self, table: str, name: str) -> np.ndarray:
        """Column ``name`` of table ``"grids"`` or ``"daily"``, without building a frame."""
        value = getattr(self, f"_{table}")
        if isinstance(value, pd.DataFrame):
            return value[name].to_numpy()
        return np.asarray(value[name])

    def rows(self, table: str) -> int:
        """Rows of table ``"grids"`` or ``"daily"``."""
        value = getattr(self, f"_{table}")
        if isinstance(value, pd.DataFrame):
            return len(value)
        return len(next(iter(value.values()), ()))

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario!r}, seed={self.seed!r}, "
            f"replication={self.replication!r}, kpis={self.kpis!r}, "
            f"wall_seconds={self.wall_seconds!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible summary (KPIs and identifiers)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replication": self.replication,
            "kpis": self.kpis,
            "wall_seconds": self.wall_seconds,
        }

    def _repr_html_(self) -> str:
        """The run as a summary: which run, then its KPIs in their units, keys and meaning."""
        rows = "".join(
            "<tr><td style='text-align:left;padding:1px 8px'>"
            f"{html.escape(KPIS[k].en if k in KPIS else k)}</td>"
            f"<td style='text-align:right;padding:1px 8px;white-space:nowrap'>"
            f"{format_value(k, v)}</td>"
            "<td style='text-align:left;padding:1px 8px;color:#555'>"
            f"<code>{html.escape(k)}</code> · {html.escape(KPI_DESCRIPTIONS.get(k, ''))}</td></tr>"
            for k, v in self.kpis.items()
        )
        return (
            f"<p style='margin:0 0 4px 0'><b>{html.escape(self.scenario)}</b>: replication "
            f"{self.replication} of seed {self.seed}, {self.rows('grids'):,} grids, "
            f"{self.rows('daily'):,} days, simulated in {self.wall_seconds:.2f} s</p>"
            f"<table style='border-collapse:collapse'>{rows}</table>"
        )


def _safe_div(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def people_cost(
    scenario: Scenario, staff: dict[str, int], handlers: np.ndarray, tiers: np.ndarray
) -> float:
    """Yuan per year of the district's people: grid staff and the units' handlers.

    A role's ``costs.per_person_year`` is the cost at the default weekly hours of
    the role and scales with the hours the scenario sets, so more hours are never
    free; handlers cost ``costs.per_handler_year`` of their tier at 40 hours a
    week (the default ``handle.handler_hours_per_week``), scaled the same way.

    Args:
        scenario: The scenario.
        staff: People per role (:attr:`GridModel.staff_by_role`).
        handlers: Handlers of each unit.
        tiers: Tier code of each unit.

    Returns:
        Cost per year (yuan).
    """
    hours, per_year = scenario.staff.hours_per_week, scenario.costs.per_person_year
    default_hours = type(scenario.staff).model_fields["hours_per_week"].default
    total = 0.0
    for role, n in staff.items():
        reference = getattr(default_hours, role)
        scale = getattr(hours, role) / reference if reference else 1.0
        total += n * getattr(per_year, role) * scale
    h = scenario.handle
    reference = type(h).model_fields["handler_hours_per_week"].default
    per_handler = np.array(scenario.costs.per_handler_year.as_list())
    total += float((handlers * per_handler[tiers]).sum()) * h.handler_hours_per_week / reference
    return total


def compute_kpis(model: FinishedRun) -> RunResult:
    """Compute the KPIs of a finished run.

    Args:
        model: A model that has run to its last day.

    Returns:
        The run result.
    """
    from gridsim.kernel.codes import CLOSED, INVALID, SELF_REPORT

    s = model.spec
    days = model.days
    d = model.district
    n_g = d.n_grids
    collected = model.report_day >= 0
    valid = collected & (model.state != INVALID)
    closed = model.state == CLOSED
    closed_valid = closed & valid
    resolved = closed & model.resolved
    dtc = (model.close_day - model.found_day)[closed_valid]
    due = valid & (model.first_deadline >= 0) & (model.first_deadline < days)
    due = due | (model.spot_fixed & collected)  # spot fixes are due and closed at once
    on_time = due & closed & ((model.close_day <= model.first_deadline) | model.spot_fixed)
    open_end = valid & ~closed
    arrived = (model.arrival >= 0) & (model.arrival < days)
    n_collected = int(collected.sum())
    staff = model.staff_by_role
    weeks = days / 7.0
    handlers = float(model.unit_handlers.sum())
    staff_hours = sum(staff[r] * getattr(s.staff.hours_per_week, r) * weeks for r in staff)
    staff_hours += handlers * s.handle.handler_hours_per_week * weeks
    per_case = np.array(s.costs.per_case.as_list())
    handled_tier = model.tier[valid & (model.tier >= 0)]
    cost = people_cost(s, staff, model.unit_handlers, model.unit_tier) * days / 365.0
    cost += float(per_case[handled_tier].sum())
    handled = model.unit_handled
    effort = float(np.average(model.unit_effort, weights=handled)) if handled.sum() else 0.0
    satisfaction = _safe_div(model.satisfied_count, model.surveyed)
    visits = model.visits_officer + model.visits_cadre
    from gridsim.kernel import tally

    visits_per_grid, reached = tally.visit_counts(
        model.visited_households, model.household_grid, d.n_households, n_g
    )
    from_public = collected & (model.channel == SELF_REPORT)
    kpis: dict[str, float] = {
        "households_visited": float(visits),
        "households_reached": float(reached),
        "visits_per_household": visits / d.n_households,
        "issues_latent": float(arrived.sum()),
        "issues_collected": float(n_collected),
        "issues_valid": float(valid.sum()),
        "issues_resolved": float(resolved.sum()),
        "resolution_rate": _safe_div(resolved.sum(), n_collected),
        "replied_rate": _safe_div((closed | (model.state == INVALID)).sum(), n_collected),
        "closure_rate": _safe_div((due & closed).sum(), due.sum()),
        "on_time_rate": _safe_div(on_time.sum(), due.sum()),
        "red_lights": float(model.red_lights),
        "escalations": float(model.escalations),
        "median_days_to_close": float(np.median(dtc)) if len(dtc) else float("nan"),
        "p90_days_to_close": float(np.percentile(dtc, 90)) if len(dtc) else float("nan"),
        "backlog_end": float(open_end.sum()),
        "satisfaction": satisfaction,
        "satisfaction_reported": model.mechanisms.survey.reported(satisfaction),
        "rework_rate": _safe_div((model.reworks[valid] > 0).sum(), valid.sum()),
        "spot_fix_rate": _safe_div(model.spot_fixed.sum(), n_collected),
        "found_by_staff_share": _safe_div(n_collected - from_public.sum(), n_collected),
        "reported_by_public_share": _safe_div(from_public.sum(), n_collected),
        "staff_hours": float(staff_hours),
        "cost": float(cost),
        "grids": float(n_g),
        "households": float(d.n_households),
        "cadres": float(staff["cadre"]),
        "handlers": handlers,
        "unit_effort": effort,
    }
    grids = _grid_table(
        model,
        visits_per_grid,
        collected,
        valid,
        resolved,
        closed_valid,
        open_end,
        due,
        on_time,
    )
    daily = _daily(model, collected, closed_valid)
    return RunResult(
        scenario=s.name,
        seed=model.seed_value,
        replication=model.replication,
        kpis=kpis,
        grids=grids,
        daily=daily,
        wall_seconds=model.wall_seconds,
    )


def _grid_table(
    model: FinishedRun,
    visits: np.ndarray,
    collected: np.ndarray,
    valid: np.ndarray,
    resolved: np.ndarray,
    closed_valid: np.ndarray,
    open_end: np.ndarray,
    due: np.ndarray,
    on_time: np.ndarray,
) -> dict[str, Any]:
    from gridsim.kernel import tally  # compiled counts (numba): loaded with the model

    d = model.district
    n = d.n_grids
    g = model.issue_grid
    counts = tally.per_grid_counts(
        g, np.stack([collected, valid, resolved, open_end, due, on_time]), n
    )
    n_collected, n_valid, n_resolved, backlog, due_n, on_time_n = counts
    median = tally.per_grid_medians(g, closed_valid, model.close_day, model.found_day, n)
    trust = tally.per_grid_sums(model.household_grid, model.trust, n)
    return {
        "grid": np.arange(n),
        "community": [d.community_names[c] for c in d.grid_community],
        "street": [d.street_names[s] for s in d.grid_street],
        "households": d.grid_households,
        "visits": visits,
        "visits_per_household": visits / d.grid_households,
        "issues_collected": n_collected,
        "issues_valid": n_valid,
        "issues_resolved": n_resolved,
        "backlog_end": backlog,
        "median_days_to_close": median,
        "on_time_rate": np.divide(on_time_n, due_n, out=np.full(n, np.nan), where=due_n > 0),
        "trust": trust / d.grid_households + model.grid_trust_offset,
    }


def _daily(model: FinishedRun, collected: np.ndarray, closed_valid: np.ndarray) -> dict[str, Any]:
    from gridsim.kernel import tally
    from gridsim.kernel.codes import INVALID

    days = model.days
    # closed_after: the distribution of days to close, as a histogram on the same
    # rows: row d counts the valid cases closed d days after they were found (the
    # last row holds everything longer). Enough to draw an ECDF without case records.
    new, closed, rejected, closed_after = tally.daily_counts(
        model.report_day,
        model.close_day,
        model.found_day,
        collected,
        closed_valid,
        collected & (model.state == INVALID),
        days,
    )
    return {
        "day": np.arange(days),
        "new": new,
        "closed": closed,
        "open": np.cumsum(new) - np.cumsum(closed) - np.cumsum(rejected),
        "closed_after": closed_after,
    }
