"""The sections that describe the district: run, district, grids, staff, residents, issues.

``[simulation]``, ``[district]`` (with its community ``kinds``), ``[grids]``,
``[staff]``, ``[visits]``, ``[cadres]``, ``[households]`` and ``[issues]``:
what the district is and who lives and works in it. How its cases are handled
is :mod:`gridsim.scenario.handling`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import field_validator, model_validator

from gridsim.scenario.params import (
    HOURS_PER_WEEK,
    MAX_COMMUNITIES,
    MAX_DAYS,
    MAX_HOUSEHOLDS,
    MAX_ISSUES_PER_YEAR,
    MAX_PUBLIC_ISSUES_PER_GRID_YEAR,
    MAX_SEED,
    MAX_STAFF_PER_UNIT,
    P,
)
from gridsim.scenario.values import CategoryShares, RoleHours, Section

__all__ = [
    "Cadres",
    "District",
    "Grids",
    "Households",
    "Issues",
    "Kind",
    "Kinds",
    "Simulation",
    "Staff",
    "Visits",
]


class Simulation(Section):
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


class Kind(Section):
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


class Kinds(Section):
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


class District(Section):
    """The district: synthesised from totals, read from a communities CSV, or drawn on a map."""

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
    map: str | None = P(
        None,
        "Map of the district's blocks (households, community[, street, kind, barrier]) or "
        "community polygons (GeoJSON, GeoPackage, Shapefile): communities, households and "
        "grids come from it (the totals above are then not used); path relative to the "
        "scenario file that sets it.",
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


class Grids(Section):
    """How communities are cut into grids."""

    households_per_grid: float = P(
        329.7,
        "Target households per grid; each community gets at least one grid.",
        "households",
        "S derived (191,232 / 580 = 329.7)",
        gt=0,
        le=MAX_HOUSEHOLDS,
    )
    tolerance: float = P(
        0.15,
        "On a map: every drawn grid's households within ± this share of its community's "
        "ideal (households / grids).",
        "share",
        "A (CJ/T 349-2010 leaves grid size to the district)",
        gt=0,
        lt=1,
    )
    partition_seed: int = P(
        0,
        "On a map: seed of the partition's random choices (spanning trees, ReCom).",
        "-",
        "-",
        ge=0,
    )
    drawn: str | None = P(
        None,
        "On a map: blocks.csv written by `gridsim grids` (block -> grid_code): simulate "
        "those grids as drawn instead of cutting the map at households_per_grid; path "
        "relative to the scenario file that sets it.",
        "path",
        "-",
    )


class Staff(Section):
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


class Visits(Section):
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
    walking_speed_km_per_h: float = P(
        4.8,
        "On a map: walking speed between a grid's station and its blocks.",
        "km/h",
        "S (Bohannon 1997, Age and Ageing 26:15-19: comfortable gait of adults 1.3-1.5 m/s)",
        gt=0,
        le=50,
    )
    route_factor: float = P(
        1.3,
        "On a map: walking route length over straight-line distance (streets, stairs).",
        "-",
        "A (street-network circuity is about 1.2-1.4: Levinson & El-Geneidy 2009)",
        ge=1,
        le=5,
    )
    households_per_trip: float = P(
        2.0,
        "On a map: household visits made per round trip from the grid's station; the "
        "walk there and back is shared by them.",
        "visits",
        "A",
        ge=1,
        le=100,
    )


class Cadres(Section):
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


class Households(Section):
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


class Issues(Section):
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
    patrol_reference_area_km2: float = P(
        1.0,
        "On a map: grid area at which the find rate above holds; a grid of area A finds "
        "public issues at that rate times this area / A (random search: Koopman 1946).",
        "km2",
        "A (Yuelu's mean grid area, 544 km2 / 580 grids, rounded)",
        gt=0,
        le=10_000,
    )
