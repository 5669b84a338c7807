"""Scenario files: a validated, documented description of one district design.

A scenario is a TOML file. Every parameter the model uses lives here, with its
unit, its default and whether it is *sourced* (``S``: from the Yuelu article or
a published figure) or *assumed* (``A``: a modelling assumption a scenario may
change). ``docs/scenarios.md`` is generated from these definitions.

A variant names its parent with ``extends = "base.toml"``; the parent is
resolved relative to the variant and must stay inside a scenario root
(:func:`scenario_roots`). Files, parents, experiment variants and
:meth:`Scenario.with_changes` all follow one merge rule (:func:`merge_tables`):
key by key at every depth, onto the documented defaults, so a table that sets
one key keeps every other key of that table. Unknown keys are errors, so a
typo never falls back to a default. Every problem is reported as one line
naming the file and the key, e.g.
``scenarios/x.toml: grids.households_per_grid: must be > 0, got -5``.

Inputs are bounded before anything is allocated: numbers must be finite, dates
real, seeds below 2**63, and sizes within the documented limits (the ``MAX_*``
constants, listed in ``docs/scenarios.md``); files are regular files of bounded
size and nesting. Whether a valid scenario fits the machine is
:mod:`gridsim.estimate`'s question.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from gridsim.fileio import (
    MAX_TOML_BYTES,
    InputError,
    check_regular_file,
    display_path,
    read_bounded,
    resolve_inside,
)

CATEGORIES: tuple[str, ...] = (
    "environment",
    "infrastructure",
    "disputes",
    "livelihood",
    "safety",
    "policy",
)
"""Issue categories, in the order used by every per-category array."""

TIERS: tuple[str, ...] = ("grid", "community", "street", "district")
"""Handling tiers, lowest first; escalation moves a case one tier up."""

ROLES: tuple[str, ...] = (
    "cadre",
    "information_officer",
    "security_officer",
    "volunteer",
    "administrator",
    "supervisor",
)
"""Staff roles whose hours and costs a scenario sets."""

KINDS: tuple[str, ...] = ("urban", "new_build", "village")
"""Community kinds a district CSV may name."""

# -- documented limits: far past any real district, short of what breaks a run --

MAX_DAYS = 36_500
"""Longest run, and longest duration any parameter may name: 100 years."""

MAX_WORKING_DAYS = 2_500
"""Longest time limit or verification delay: about ten years of working days."""

MAX_COMMUNITIES = 100_000
"""Most communities (or streets) in one district (Yuelu has 166; all China ~600,000)."""

MAX_HOUSEHOLDS = 50_000_000
"""Most households in one district (Yuelu has 191,232; Chongqing ~12 million)."""

MAX_STAFF_PER_UNIT = 1_000.0
"""Most staff of one role per grid or per community (the 1+4+X model has a few)."""

MAX_ISSUES_PER_YEAR = 365.0
"""Most latent issues per household-year: one a day."""

MAX_PUBLIC_ISSUES_PER_GRID_YEAR = 36_500.0
"""Most public-space issues per grid-year: a hundred a day."""

MAX_CAPACITY = 1_000_000.0
"""Most cases one handling unit works on at once."""

MAX_COST = 1e9
"""Largest unit cost, in yuan."""

MAX_SEED = 2**63 - 1
"""Largest root seed: the store keeps seeds as signed 64-bit integers."""

HOURS_PER_WEEK = 168.0
"""Hours in a week: the most any person can spend on grid work."""

MAX_TOML_DEPTH = 16
"""Deepest nesting of tables and arrays read from a TOML file (the schema needs 4)."""

MAX_TOML_KEYS = 10_000
"""Most keys and array items read from one TOML file (the schema has ~130)."""

MAX_EXTENDS = 32
"""Longest chain of ``extends``."""


class ScenarioError(InputError):
    """A scenario (or a file it references) is invalid.

    Attributes:
        problems: One line per problem, each naming the file and the key.
    """


def P(default: Any, description: str, unit: str, source: str, **constraints: Any) -> Any:
    """Declare a documented scenario parameter.

    Args:
        default: Value used when the scenario does not set the key.
        description: One sentence: what the parameter means in the model.
        unit: Unit of the value ("households", "days", "share", "yuan/year"...).
        source: ``S`` (published source), ``S derived`` or ``A`` (assumption),
            optionally followed by a short citation.
        **constraints: pydantic bounds (``gt``, ``ge``, ``le``...).

    Returns:
        A pydantic ``Field``.
    """
    return Field(
        default,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
        **constraints,
    )


class _Section(BaseModel):
    """Base of every scenario table: strict keys, validated on assignment."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False
    )


class CategoryValues(_Section):
    """One value per issue category."""

    environment: float = Field(ge=0)
    infrastructure: float = Field(ge=0)
    disputes: float = Field(ge=0)
    livelihood: float = Field(ge=0)
    safety: float = Field(ge=0)
    policy: float = Field(ge=0)

    def as_list(self) -> list[float]:
        """Values in :data:`CATEGORIES` order."""
        return [getattr(self, c) for c in CATEGORIES]


class CategoryShares(CategoryValues):
    """A share per issue category; the shares must sum to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> CategoryShares:
        total = sum(self.as_list())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return self


class CategoryProbabilities(CategoryValues):
    """A probability per issue category."""

    @model_validator(mode="after")
    def _at_most_one(self) -> CategoryProbabilities:
        for c in CATEGORIES:
            if getattr(self, c) > 1:
                raise ValueError(f"{c}: must be <= 1, got {getattr(self, c)}")
        return self


class TierValues(_Section):
    """One positive value per handling tier."""

    grid: float = Field(gt=0)
    community: float = Field(gt=0)
    street: float = Field(gt=0)
    district: float = Field(gt=0)

    def as_list(self) -> list[float]:
        """Values in :data:`TIERS` order."""
        return [getattr(self, t) for t in TIERS]


class TierCapacity(TierValues):
    """Cases one unit of each tier works on at once."""

    grid: float = Field(gt=0, le=MAX_CAPACITY)
    community: float = Field(gt=0, le=MAX_CAPACITY)
    street: float = Field(gt=0, le=MAX_CAPACITY)
    district: float = Field(gt=0, le=MAX_CAPACITY)


class TierDays(TierValues):
    """Days per handling tier."""

    grid: float = Field(gt=0, le=MAX_DAYS)
    community: float = Field(gt=0, le=MAX_DAYS)
    street: float = Field(gt=0, le=MAX_DAYS)
    district: float = Field(gt=0, le=MAX_DAYS)


class TierWorkingDays(TierValues):
    """Working days per handling tier."""

    grid: float = Field(gt=0, le=MAX_WORKING_DAYS)
    community: float = Field(gt=0, le=MAX_WORKING_DAYS)
    street: float = Field(gt=0, le=MAX_WORKING_DAYS)
    district: float = Field(gt=0, le=MAX_WORKING_DAYS)


class TierCosts(TierValues):
    """A cost per handling tier."""

    grid: float = Field(gt=0, le=MAX_COST)
    community: float = Field(gt=0, le=MAX_COST)
    street: float = Field(gt=0, le=MAX_COST)
    district: float = Field(gt=0, le=MAX_COST)


class TierShares(_Section):
    """A share per handling tier; the shares must sum to 1."""

    grid: float = Field(ge=0, le=1)
    community: float = Field(ge=0, le=1)
    street: float = Field(ge=0, le=1)
    district: float = Field(ge=0, le=1)

    def as_list(self) -> list[float]:
        """Values in :data:`TIERS` order."""
        return [getattr(self, t) for t in TIERS]

    @model_validator(mode="after")
    def _sum_to_one(self) -> TierShares:
        total = sum(self.as_list())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return self


class RoleValues(_Section):
    """One non-negative value per staff role."""

    cadre: float = Field(ge=0)
    information_officer: float = Field(ge=0)
    security_officer: float = Field(ge=0)
    volunteer: float = Field(ge=0)
    administrator: float = Field(ge=0)
    supervisor: float = Field(ge=0)


class RoleHours(RoleValues):
    """Hours per week per staff role (at most the 168 hours of a week)."""

    cadre: float = Field(ge=0, le=HOURS_PER_WEEK)
    information_officer: float = Field(ge=0, le=HOURS_PER_WEEK)
    security_officer: float = Field(ge=0, le=HOURS_PER_WEEK)
    volunteer: float = Field(ge=0, le=HOURS_PER_WEEK)
    administrator: float = Field(ge=0, le=HOURS_PER_WEEK)
    supervisor: float = Field(ge=0, le=HOURS_PER_WEEK)


class RoleCosts(RoleValues):
    """A cost per staff role."""

    cadre: float = Field(ge=0, le=MAX_COST)
    information_officer: float = Field(ge=0, le=MAX_COST)
    security_officer: float = Field(ge=0, le=MAX_COST)
    volunteer: float = Field(ge=0, le=MAX_COST)
    administrator: float = Field(ge=0, le=MAX_COST)
    supervisor: float = Field(ge=0, le=MAX_COST)


class Simulation(_Section):
    """Run length and seed."""

    days: int = P(
        365, "Simulated calendar days, starting on `start_date`.", "days", "A", gt=0, le=MAX_DAYS
    )
    start_date: str = P(
        "2013-01-01",
        "First simulated day (ISO date); weekends are non-working days.",
        "date",
        "S (the article reports 2013)",
        pattern=r"^\d{4}-\d{2}-\d{2}$",
    )
    seed: int = P(
        2013,
        "Root seed; replication r uses the stream keyed (seed, r).",
        "-",
        "A",
        ge=0,
        le=MAX_SEED,
    )

    @field_validator("start_date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a calendar date ({exc}), got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _ends_in_calendar(self) -> Simulation:
        start = dt.date.fromisoformat(self.start_date)
        if (dt.date.max - start).days < self.days:
            raise ValueError(
                f"simulation.days: a run of {self.days} days from {self.start_date} "
                "ends after 9999-12-31"
            )
        return self


class Kind(_Section):
    """How one kind of community differs from the district average."""

    share: float = P(1 / 3, "Share of synthesised communities of this kind.", "share", "A", ge=0)
    latent_rate_multiplier: float = P(
        1.0,
        "Multiplier on latent issues per household-year.",
        "x",
        "A",
        gt=0,
        le=100,
    )
    visit_hours_multiplier: float = P(
        1.0,
        "Multiplier on hours per household visit (travel, dispersion).",
        "x",
        "A",
        gt=0,
        le=100,
    )


class Kinds(_Section):
    """Community kinds: urban, new-build estates, villages."""

    urban: Kind = Kind(share=0.55, latent_rate_multiplier=1.0, visit_hours_multiplier=1.0)
    new_build: Kind = Kind(share=0.2, latent_rate_multiplier=1.25, visit_hours_multiplier=0.9)
    village: Kind = Kind(share=0.25, latent_rate_multiplier=0.8, visit_hours_multiplier=1.4)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Kinds:
        total = self.urban.share + self.new_build.share + self.village.share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"kind shares must sum to 1, got {total:g}")
        return self


class District(_Section):
    """The district: synthesised from totals, or read from a communities CSV."""

    name: str = P("Yuelu District", "District name shown in reports.", "-", "S")
    communities: int | None = P(
        166,
        "Communities (社区/村) to synthesise; unset when `communities_csv` is given.",
        "communities",
        "S (Yuelu 2013: 166)",
        gt=0,
        le=MAX_COMMUNITIES,
    )
    households: int | None = P(
        191_232,
        "Households to synthesise across the communities.",
        "households",
        "S derived (191,232 households visited in 2013)",
        gt=0,
        le=MAX_HOUSEHOLDS,
    )
    streets: int | None = P(
        12,
        "Street offices / towns (街道/乡镇) the communities belong to.",
        "streets",
        "A",
        gt=0,
        le=MAX_COMMUNITIES,
    )
    communities_csv: str | None = P(
        None,
        "CSV of real communities (columns name, street, households, kind[, x, y]); "
        "path relative to the scenario file that sets it.",
        "path",
        "-",
    )
    community_size_sigma: float = P(
        0.45,
        "Log-scale spread of synthesised community sizes.",
        "-",
        "A",
        ge=0,
        le=5,
    )
    kinds: Kinds = Kinds()


class Grids(_Section):
    """How communities are cut into grids."""

    households_per_grid: float = P(
        329.7,
        "Target households per grid; each community gets at least one grid.",
        "households",
        "S derived (191,232 / 580 = 329.7)",
        gt=0,
        le=MAX_HOUSEHOLDS,
    )


class Staff(_Section):
    """Staffing per grid (the four roles + cadres + the 'X' volunteers)."""

    cadres_per_grid: float = P(
        623 / 580,
        "Stationed cadres (联驻干部) per grid; totals are rounded.",
        "cadres/grid",
        "S (623 / 580)",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    information_officers_per_grid: float = P(
        1.0,
        "Information officers (民情员) per grid.",
        "officers/grid",
        "S (1+4+X model)",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    security_officers_per_grid: float = P(
        1.0,
        "Security officers (治安员) per grid.",
        "officers/grid",
        "S (1+4+X model)",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    volunteers_per_grid: float = P(
        3.0,
        "Volunteers and building heads ('X') per grid.",
        "volunteers/grid",
        "A",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    administrators_per_community: float = P(
        1.0,
        "Administrators (管理员) per community; they verify reports.",
        "staff/community",
        "S (1+4+X model)",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    supervisors_per_community: float = P(
        1.0,
        "Supervisors (监督员) per community; they watch deadlines.",
        "staff/community",
        "S (1+4+X model)",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    hours_per_week: RoleHours = P(
        RoleHours(
            cadre=2.0,
            information_officer=3.4,
            security_officer=10.0,
            volunteer=2.0,
            administrator=10.0,
            supervisor=5.0,
        ),
        "Hours per week each person spends on grid work (visits, patrols, verification).",
        "hours/week",
        "A (information_officer calibrated)",
    )


class Visits(_Section):
    """Household visits by information officers and cadres."""

    officer_hours_per_visit: float = P(
        0.75,
        "Hours per household visit by an information officer, travel included.",
        "hours",
        "A",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    cadre_hours_per_visit: float = P(
        1.0,
        "Hours per household visit by a cadre.",
        "hours",
        "A",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    contact_trust_gain: float = P(
        0.01, "Trust gained by a household from being visited.", "trust", "A", ge=0, le=1
    )


class Cadres(_Section):
    """Posting of stationed cadres: fixed for years, or rotated."""

    posting: Literal["fixed", "rotation"] = P(
        "fixed",
        "'fixed' keeps a cadre in one grid (一定三年); 'rotation' moves cadres.",
        "-",
        "S (fixed three years)",
    )
    rotation_interval_days: int = P(
        180,
        "Days between rotations when posting = 'rotation'.",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )
    initial_tenure_years: float = P(
        1.0,
        "Years each cadre has already served in the grid at the start.",
        "years",
        "A",
        ge=0,
        le=100,
    )
    familiarity_years: float = P(
        1.0,
        "Time constant of familiarity: f = 1 - exp(-tenure / this).",
        "years",
        "A",
        gt=0,
        le=100,
    )
    familiarity_effect: float = P(
        1.2,
        "Log-odds added to telling a cadre about an issue at full familiarity.",
        "log-odds",
        "A",
        ge=0,
        le=100,
    )


class Households(_Section):
    """Residents: latent issues, willingness to report, trust."""

    latent_issues_per_year: float = P(
        0.3,
        "Latent issues arising per household-year (before any detection).",
        "issues/household-year",
        "A (scaled from hotline demand; calibrated)",
        gt=0,
        le=MAX_ISSUES_PER_YEAR,
    )
    issue_lifetime_days: float = P(
        90.0,
        "Mean days an unreported issue stays open before it lapses (exponential).",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )
    self_report_propensity: float = P(
        0.006,
        "Mean probability a household reports an issue itself (at trust 0.5).",
        "probability",
        "S (residents' own reports 2–7 %)",
        ge=0,
        le=1,
    )
    self_report_delay_days: float = P(
        7.0,
        "Mean days before a household's own report (exponential).",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )
    trust_mean: float = P(0.5, "Mean initial trust in the grid system.", "0..1", "A", gt=0, lt=1)
    trust_concentration: float = P(
        10.0,
        "Beta concentration of initial trust (higher = less spread).",
        "-",
        "A",
        gt=0,
        le=1e6,
    )
    trust_effect: float = P(
        2.0,
        "Log-odds added to telling per unit of trust above 0.5.",
        "log-odds",
        "A",
        ge=0,
        le=100,
    )
    trust_gain_resolved: float = P(
        0.10, "Trust gained when one's issue is resolved on time.", "trust", "A", ge=0, le=1
    )
    trust_loss_late: float = P(
        0.05, "Trust lost when one's case closes after its deadline.", "trust", "A", ge=0, le=1
    )
    trust_loss_unresolved: float = P(
        0.10, "Trust lost when one's issue gets a reply but no fix.", "trust", "A", ge=0, le=1
    )
    neighbour_weight: float = P(
        0.3,
        "Share of a household's trust change felt by each neighbour.",
        "share",
        "A",
        ge=0,
        le=1,
    )
    neighbours: int = P(
        2,
        "Neighbours on each side within the grid (building/lane neighbours).",
        "households",
        "A",
        ge=0,
        le=1000,
    )


class Issues(_Section):
    """What kinds of issues arise and where."""

    categories: CategoryShares = P(
        CategoryShares(
            environment=0.30,
            infrastructure=0.20,
            disputes=0.15,
            livelihood=0.15,
            safety=0.10,
            policy=0.10,
        ),
        "Category mix of household issues.",
        "share",
        "A",
    )
    public_issues_per_grid_year: float = P(
        4.0,
        "Public-space issues (environment, infrastructure, safety) per grid-year.",
        "issues/grid-year",
        "A",
        ge=0,
        le=MAX_PUBLIC_ISSUES_PER_GRID_YEAR,
    )
    public_find_rate_per_patrol_hour: float = P(
        0.01,
        "Daily hazard of a pending public issue being found, per patrol hour per day.",
        "1/patrol-hour",
        "A",
        ge=0,
        le=1000,
    )


class Collect(_Section):
    """集 Collect and verify."""

    mode: Literal["same_day", "batched"] = P(
        "same_day",
        "'same_day' enters a found issue on the platform the day it is found "
        "(当日收集); 'batched' enters it at the next batch day.",
        "-",
        "S",
    )
    batch_interval_days: int = P(
        7,
        "Days between batches when mode = 'batched'.",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )
    detect_probability: float = P(
        0.4,
        "Probability a visited household tells an officer of a pending issue (trust 0.5).",
        "probability",
        "A (calibrated)",
        gt=0,
        lt=1,
    )
    verification_delay_days: int = P(
        1,
        "Working days from entry to verification (次日核实).",
        "working days",
        "S",
        ge=0,
        le=MAX_WORKING_DAYS,
    )
    valid_share: float = P(
        0.945,
        "Share of reports valid after verification.",
        "share",
        "S (Tianmen 94.5 %)",
        ge=0,
        le=1,
    )
    spot_fix_share: float = P(
        0.15, "Share of staff-found issues fixed on the spot.", "share", "S (13–17 %)", ge=0, le=1
    )


class Assign(_Section):
    """交 Assign: tiered, categorised, or everything to the district."""

    mode: Literal["tiered", "central"] = P(
        "tiered",
        "'tiered' (分层解决、分类交办) or 'central' (all cases to district departments).",
        "-",
        "S",
    )
    tier_shares: TierShares = P(
        TierShares(grid=0.5, community=0.25, street=0.15, district=0.10),
        "Share of cases handled at each tier under tiered assignment.",
        "share",
        "A",
    )
    dispatch_delay_days: float = P(
        0.0,
        "Days from verification to the unit under tiered assignment.",
        "days",
        "A",
        ge=0,
        le=MAX_DAYS,
    )
    central_dispatch_delay_days: float = P(
        2.0,
        "Days from verification to the department under central assignment.",
        "days",
        "A",
        ge=0,
        le=MAX_DAYS,
    )


class Handle(_Section):
    """办 Handle: units with capacity and service times."""

    capacity: TierCapacity = P(
        TierCapacity(grid=2, community=4, street=10, district=20),
        "Cases one unit works on at once (grid team, community, street office, department).",
        "cases",
        "A",
    )
    service_median_days: TierDays = P(
        TierDays(grid=2.0, community=4.0, street=7.0, district=10.0),
        "Median handling days at each tier (lognormal).",
        "days",
        "S derived (NYC 311 median 5–6 d)",
    )
    service_sigma: float = P(
        1.3,
        "Lognormal sigma of handling days.",
        "-",
        "S derived (NYC 311 quartiles)",
        gt=0,
        le=10,
    )
    same_day_share: float = P(
        0.27,
        "Share of cases handled the same day they reach the unit.",
        "share",
        "S (25–30 % same day)",
        ge=0,
        le=1,
    )
    resolvable_share: CategoryProbabilities = P(
        CategoryProbabilities(
            environment=0.95,
            infrastructure=0.9,
            disputes=0.85,
            livelihood=0.85,
            safety=0.92,
            policy=0.35,
        ),
        "Probability a handled case is resolved (办结) rather than only replied to.",
        "probability",
        "A (calibrated to 79.9 %)",
    )
    multi_department_share: float = P(
        0.2,
        "Share of street and district cases needing several departments.",
        "share",
        "A",
        ge=0,
        le=1,
    )
    joint_consultation: bool = P(
        True, "Hold joint consultations (联合会商) for multi-department cases.", "-", "S"
    )
    consultation_interval_days: int = P(
        7,
        "Days between joint consultation meetings.",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )
    bounce_delay_days: float = P(
        30.0,
        "Mean extra days a multi-department case bounces without consultation.",
        "days",
        "A",
        ge=0,
        le=MAX_DAYS,
    )
    bounce_resolvable_factor: float = P(
        0.6, "Multiplier on the resolvable probability of a bounced case.", "x", "A", ge=0, le=1
    )
    congestion_slowdown: float = P(
        0.1,
        "Handling days grow by this fraction per queued case per unit of capacity.",
        "x",
        "A",
        ge=0,
        le=1000,
    )


class Deadlines(_Section):
    """Supervision: traffic-light deadlines (亮灯警示、限时办结) and escalation."""

    enabled: bool = P(True, "Units work to time limits and supervisors watch them.", "-", "S")
    limit_working_days: TierWorkingDays = P(
        TierWorkingDays(grid=3, community=5, street=15, district=15),
        "Time limit per tier (also the yardstick for the on-time KPI when disabled).",
        "working days",
        "S/A (3/5/15 working days by tier)",
    )
    yellow_fraction: float = P(
        0.67,
        "Share of the limit after which a case shows yellow and is prioritised.",
        "share",
        "A",
        gt=0,
        le=1,
    )
    escalation: bool = P(True, "A red-light case is escalated one tier up.", "-", "S")
    escalated_median_days: float = P(
        2.0,
        "Median handling days of an escalated (supervised) case.",
        "days",
        "A",
        gt=0,
        le=MAX_DAYS,
    )


class Reply(_Section):
    """复 Reply: the resident hears back; results may be published."""

    delay_days: int = P(1, "Days from handling to the reply.", "days", "A", ge=0, le=MAX_DAYS)
    public: bool = P(
        True,
        "Publish process and results (过程公开、结果公示): outcomes move grid-wide trust.",
        "-",
        "S",
    )
    public_weight: float = P(
        0.02,
        "Share of a case's trust change felt by every household of its grid when public.",
        "share",
        "A",
        ge=0,
        le=1,
    )
    adjacent_grid_weight: float = P(
        0.25,
        "Share of a grid's public trust change felt by adjacent grids.",
        "share",
        "A",
        ge=0,
        le=1,
    )


class Evaluate(_Section):
    """考 Evaluate: verification of fixes and the satisfaction survey."""

    third_party: bool = P(
        True,
        "A third-party firm runs the survey (第三方专业测评); dissatisfied resolved "
        "cases it finds are reopened.",
        "-",
        "S",
    )
    survey_share: float = P(0.3, "Share of closed cases surveyed.", "share", "A", gt=0, le=1)
    survey_interval_days: int = P(30, "Days between survey waves.", "days", "A", gt=0, le=MAX_DAYS)
    satisfied_if_resolved: float = P(
        0.99,
        "Probability a resident with a resolved case is satisfied.",
        "probability",
        "S derived (Beijing 12345)",
        ge=0,
        le=1,
    )
    satisfied_if_replied: float = P(
        0.25,
        "Probability a resident with only a reply is satisfied.",
        "probability",
        "S derived (Beijing 12345)",
        ge=0,
        le=1,
    )
    late_penalty: float = P(
        0.15,
        "Drop in satisfaction probability when the case closed late.",
        "probability",
        "A",
        ge=0,
        le=1,
    )
    rework_share: float = P(
        0.01,
        "Share of reported fixes rejected at verification (返工) and reopened.",
        "share",
        "S (Fuzhou 0.11 %; A higher for 2013)",
        ge=0,
        le=1,
    )
    self_assessment_bias: float = P(
        0.1,
        "Satisfaction over-statement when units assess themselves (no third party).",
        "share",
        "A",
        ge=0,
        le=1,
    )


class Costs(_Section):
    """Unit costs that make up the `cost` KPI."""

    per_person_year: RoleCosts = P(
        RoleCosts(
            cadre=20_000,
            information_officer=30_000,
            security_officer=36_000,
            volunteer=1_200,
            administrator=40_000,
            supervisor=40_000,
        ),
        "Cost of one person's grid work per year (allowance or share of salary).",
        "yuan/person-year",
        "A",
    )
    per_case: TierCosts = P(
        TierCosts(grid=50, community=150, street=400, district=800),
        "Handling cost per case by tier.",
        "yuan/case",
        "A",
    )


class Scenario(_Section):
    """A complete, validated district design. Build one with :func:`load_scenario`.

    Besides its values, a scenario remembers which file set each key
    (:meth:`set_by`), so a report can say where a value came from. That record
    is provenance, not content: two scenarios with the same values are equal
    and hash the same wherever their values came from.
    """

    _origin: dict[str, str] = PrivateAttr(default_factory=dict)

    name: str = P("scenario", "Short name shown in tables and reports.", "-", "-")
    description: str = P("", "What the scenario represents.", "-", "-")
    simulation: Simulation = Simulation()
    district: District = District()
    grids: Grids = Grids()
    staff: Staff = Staff()
    visits: Visits = Visits()
    cadres: Cadres = Cadres()
    households: Households = Households()
    issues: Issues = Issues()
    collect: Collect = Collect()
    assign: Assign = Assign()
    handle: Handle = Handle()
    deadlines: Deadlines = Deadlines()
    reply: Reply = Reply()
    evaluate: Evaluate = Evaluate()
    costs: Costs = Costs()

    @model_validator(mode="after")
    def _dependent_levers(self) -> Scenario:
        if self.deadlines.escalation and not self.deadlines.enabled:
            raise ValueError(
                "deadlines.escalation: escalation needs time limits "
                "(set deadlines.enabled = true or deadlines.escalation = false)"
            )
        d = self.district
        if d.communities_csv is None:
            if d.communities is None or d.households is None:
                raise ValueError(
                    "district: give either communities_csv or both communities and households"
                )
            if d.households < d.communities:
                raise ValueError(
                    f"district.households: must be >= district.communities ({d.communities}), "
                    f"got {d.households}"
                )
        return self

    def _repr_html_(self) -> str:
        from gridsim.reference import scenario_html

        return scenario_html(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__  # values only: where they came from is not content

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    def set_by(self, key: str) -> str | None:
        """Where a parameter's value was set.

        Args:
            key: Dotted key, e.g. ``district.communities``.

        Returns:
            The file that set the key (as shown in messages), ``"<changes>"`` (or
            the origin given to :meth:`with_changes`) when a change set it, or
            ``None`` when nothing did: the value is the documented default.
        """
        return self._origin.get(key)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Stable hash of the resolved content (and of any referenced CSV)."""
        data = self.to_dict()
        data.pop("name")  # labels are not content: the same design hashes the same
        data.pop("description")
        csv_path = self.district.communities_csv
        data["district"]["communities_csv"] = None  # the content counts, not where it lies
        payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256(payload.encode())
        if csv_path is not None:
            from gridsim.district import read_csv_bytes

            h.update(b"\0communities_csv\0" + read_csv_bytes(Path(csv_path)))
        return h.hexdigest()[:16]

    def with_changes(
        self,
        changes: Mapping[str, Any],
        *,
        origin: str = "<changes>",
        base_dir: str | Path | None = None,
        roots: Iterable[str | Path] | None = None,
    ) -> Scenario:
        """A copy with dotted-path changes merged in (:func:`merge_tables`) and validated.

        A change whose value is a table merges into the table it names, key by
        key, as a file's table does: ``{"handle.capacity": {"grid": 3}}`` keeps
        the other tiers.

        Args:
            changes: e.g. ``{"grids.households_per_grid": 500}``.
            origin: Where the changes come from, for messages and :meth:`set_by`
                (an experiment passes its file and variant).
            base_dir: Folder a changed ``district.communities_csv`` is relative
                to. When given (or ``roots`` is), the CSV must lie inside
                ``roots`` (default: ``base_dir``'s scenario tree); otherwise a
                relative path is taken from the working folder, as Python code
                names files.
            roots: Folders a changed ``district.communities_csv`` may lie in.

        Returns:
            A new validated scenario.

        Raises:
            ScenarioError: If a path is unknown or a value invalid.
        """
        top: dict[str, Any] = {}
        for path, value in changes.items():
            _set_path(top, path, value, origin=origin)
        csv_name = top.get("district", {}).get("communities_csv")
        if isinstance(csv_name, str):
            if base_dir is None and roots is None:
                resolved = Path(csv_name).expanduser().resolve()
            else:
                folder = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
                allowed = (
                    scenario_roots(folder / "changes.toml")
                    if roots is None
                    else [Path(r).resolve() for r in roots]
                )
                resolved = _inside(
                    folder, csv_name, allowed, f"{origin}: district.communities_csv", "CSV"
                )
            top["district"]["communities_csv"] = str(resolved)
        scenario = _validate(merge_tables(self.to_dict(), top), {}, origin)
        scenario._origin = {**self._origin, **dict.fromkeys(_flatten(top), origin)}
        return scenario


# ---------------------------------------------------------------------------
# loading


def merge_tables(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """The one merge rule: ``top`` over ``base``, key by key at every depth.

    A key of ``top`` whose value is a table and whose ``base`` value is a table
    merges into it; any other value replaces the ``base`` value whole. Files
    merge onto the documented defaults this way, a variant onto the file it
    ``extends``, and :meth:`Scenario.with_changes` onto the scenario, so
    ``[district.kinds.village]`` with only ``share`` keeps the village's
    documented multipliers.

    Args:
        base: Lower table (not modified).
        top: Upper table (not modified).

    Returns:
        A new table; its sub-tables are new too, never shared with the inputs.
    """
    out = {k: merge_tables(v, {}) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in top.items():
        lower = out.get(key)
        if isinstance(value, Mapping):
            out[key] = merge_tables(lower if isinstance(lower, Mapping) else {}, value)
        else:
            out[key] = value
    return out


@functools.cache
def _defaults() -> dict[str, Any]:
    """The documented defaults as data (every table of the schema, filled)."""
    return Scenario().to_dict()


@dataclass(frozen=True)
class _Loaded:
    data: dict[str, Any]
    origin: dict[str, str]  # dotted key -> file that set it


def _set_path(data: dict[str, Any], path: str, value: Any, origin: str) -> None:
    keys = path.split(".")
    node: Any = data
    model: type[BaseModel] | None = Scenario
    for i, key in enumerate(keys):
        if model is not None and key not in model.model_fields:
            raise ScenarioError(
                [f"{origin}: {'.'.join(keys[: i + 1])}: unknown key{_hint(key, model)}"]
            )
        if i == len(keys) - 1:
            lower = node.get(key)
            both_tables = isinstance(value, Mapping) and isinstance(lower, dict)
            node[key] = merge_tables(lower, value) if both_tables else value
            return
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
        ann = model.model_fields[key].annotation if model is not None else None
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _hint(key: str, model: type[BaseModel]) -> str:
    close = difflib.get_close_matches(key, list(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, dotted + "."))
        out[dotted] = value
    return out


def _scenarios_root(path: Path) -> Path:
    for parent in path.parents:
        if parent.name == "scenarios":
            return parent
    return path.parent


SCENARIO_ROOT_ENV = "GRIDSIM_SCENARIO_ROOT"
"""Environment variable naming extra scenario roots (``os.pathsep``-separated)."""


def scenario_roots(opened: Path, extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders that paths named inside ``opened`` (``extends``, ``base``, CSVs) may lie in.

    The tree of the file opened (its nearest ancestor folder named ``scenarios``,
    else its own folder), plus any roots the user names: ``extra`` (the
    ``--scenario-root`` option) and the ``GRIDSIM_SCENARIO_ROOT`` variable. So a
    project folder outside the clone can extend the shipped baseline by naming
    the clone's ``scenarios`` folder as a root.

    Args:
        opened: The file the user opened (resolved or not).
        extra: Roots named on the command line or in Python.

    Returns:
        Resolved folders, the opened file's tree first.
    """
    roots = [_scenarios_root(Path(opened).resolve())]
    env = os.environ.get(SCENARIO_ROOT_ENV, "")
    for r in [*extra, *(Path(x) for x in env.split(os.pathsep) if x.strip())]:
        resolved = Path(r).expanduser().resolve()
        if resolved not in roots:
            roots.append(resolved)
    return roots


def _inside(base_dir: Path, name: str, roots: list[Path], where: str, what: str) -> Path:
    try:
        return resolve_inside(base_dir, name, roots, where=where, what=what)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None


def _shape_problem(data: dict[str, Any]) -> str | None:
    """Why a parsed TOML document is too deep or too big to read, or ``None``."""
    keys = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        keys += len(node)
        if keys > MAX_TOML_KEYS:
            return f"more than {MAX_TOML_KEYS:,} keys and values (a scenario has about 130)"
        for child in children:
            if isinstance(child, dict | list):
                if depth >= MAX_TOML_DEPTH:
                    return f"tables or arrays nested deeper than {MAX_TOML_DEPTH} levels"
                stack.append((child, depth + 1))
    return None


def read_toml(path: str | Path, display: str | None = None) -> dict[str, Any]:
    """Read a TOML file gridsim is given (scenario, experiment, plan), bounded.

    Only a regular file of at most :data:`gridsim.fileio.MAX_TOML_BYTES` is
    read (a FIFO or device is refused before it is opened), and the document
    may nest at most :data:`MAX_TOML_DEPTH` levels and hold at most
    :data:`MAX_TOML_KEYS` keys.

    Args:
        path: The file.
        display: How to name it in messages (default: relative to the working folder).

    Returns:
        The parsed document.

    Raises:
        ScenarioError: One line naming the file and what is wrong.
    """
    path = Path(path)
    name = display if display is not None else display_path(path)
    try:
        raw = read_bounded(path, MAX_TOML_BYTES, name)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name}: not valid UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        data = None
    problem = (
        f"tables or arrays nested deeper than {MAX_TOML_DEPTH} levels"
        if data is None
        else _shape_problem(data)
    )
    if problem is not None:
        raise ScenarioError(f"{name}: {problem}: not read")
    assert data is not None
    return data


def _display(path: Path) -> str:
    return display_path(path)


def _load_chain(path: Path, display: str, roots: list[Path], seen: tuple[Path, ...]) -> _Loaded:
    raw = read_toml(path, display)
    parent_name = raw.pop("extends", None)
    origin = dict.fromkeys(_flatten(raw), display)
    if parent_name is None:
        base = _Loaded({}, {})
    else:
        where = f"{display}: extends"
        if not isinstance(parent_name, str) or not parent_name:
            raise ScenarioError([f"{where}: must be a file name, got {parent_name!r}"])
        parent = _inside(path.parent, parent_name, roots, where, "scenario file")
        if parent in seen:
            raise ScenarioError([f"{where}: cycle through '{parent_name}'"])
        if len(seen) >= MAX_EXTENDS:
            raise ScenarioError([f"{where}: more than {MAX_EXTENDS} files extend each other"])
        if not parent.exists():
            raise ScenarioError([f"{where}: '{parent_name}' not found"])
        base = _load_chain(parent, _display(parent), roots, (*seen, parent))
    district = raw.get("district")
    csv_name = district.get("communities_csv") if isinstance(district, dict) else None
    if isinstance(csv_name, str):
        where = f"{display}: district.communities_csv"
        csv_path = _inside(path.parent, csv_name, roots, where, "communities CSV")
        if not csv_path.exists():
            raise ScenarioError([f"{where}: '{csv_name}' not found"])
        try:
            check_regular_file(csv_path, f"'{csv_name}'")
        except InputError as exc:
            raise ScenarioError([f"{where}: {line}" for line in exc.problems]) from None
        district["communities_csv"] = str(csv_path)
    return _Loaded(merge_tables(base.data, raw), {**base.origin, **origin})


_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        x = int(x)
    if isinstance(x, int) and abs(x) >= 10_000:
        return f"{x:,}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _describe(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx", {})
    got = err.get("input")
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        upper = kind.startswith("less") and isinstance(limit, int | float) and limit > 1
        note = " (a documented limit, see docs/scenarios.md)" if upper else ""
        return f"must be {_BOUNDS[kind]} {_number(limit)}{note}, got {got!r}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {got!r}"
    if kind == "finite_number":
        return f"must be a finite number, got {got!r}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"


def _validate(data: dict[str, Any], origin: dict[str, str], display: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            message = _describe(err)
            if message.startswith(f"{loc}") or (not loc and ":" in message):
                line = message
                key_for_origin = message.split(":", 1)[0]
            else:
                if err["type"] == "extra_forbidden":
                    parent_loc = err["loc"][:-1]
                    model = _model_at(parent_loc)
                    if model is not None:
                        message += _hint(str(err["loc"][-1]), model)
                line = f"{loc}: {message}" if loc else message
                key_for_origin = loc
            where = _origin_of(key_for_origin, origin) or display
            problems.append(f"{where}: {line}")
        raise ScenarioError(problems) from None
    if scenario.district.communities_csv is not None:
        from gridsim.district import read_communities_csv

        read_communities_csv(scenario.district.communities_csv)  # raises ScenarioError
    scenario._origin = dict(origin)
    return scenario


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: Any = Scenario
    for key in loc:
        field = model.model_fields.get(str(key))
        if field is None:
            return None
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
    return model


def _origin_of(loc: str, origin: Mapping[str, str]) -> str | None:
    parts = loc.split(".")
    while parts:
        key = ".".join(parts)
        if key in origin:
            return origin[key]
        parts.pop()
    return None


def load_scenario(path: str | Path, roots: Iterable[str | Path] = ()) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Every file of the ``extends`` chain is merged with :func:`merge_tables`,
    the variant over its parent, and the result over the documented defaults.
    A variant does not inherit its parent's ``name``: unset, it is the file's
    stem (the ``description`` is inherited, like any other key).

    Args:
        path: The TOML file.
        roots: Further folders that ``extends`` and ``district.communities_csv``
            may lead into, besides the file's own scenario tree and the
            ``GRIDSIM_SCENARIO_ROOT`` folders (see :func:`scenario_roots`).

    Returns:
        The validated scenario; :meth:`Scenario.set_by` tells which file set
        each key.

    Raises:
        ScenarioError: With one line per problem, each naming file and key.
    """
    path = Path(path)
    resolved = path.resolve()
    allowed = scenario_roots(resolved, tuple(roots))
    display = _display(path)
    loaded = _load_chain(resolved, display, allowed, (resolved,))
    data = merge_tables(_defaults(), loaded.data)
    origin = dict(loaded.origin)
    if origin.get("name") != display:  # a variant does not inherit its parent's name
        data["name"] = path.stem
        origin.pop("name", None)
    return _validate(data, origin, display)


def default_scenario() -> Scenario:
    """The embedded defaults: the Yuelu 2013 baseline without any file."""
    return Scenario(name="yuelu-2013")
