"""The sections of case handling, 集交办督评, and its costs.

``[collect]`` (集), ``[assign]`` (交), ``[handle]`` (办), ``[deadlines]``
(督: time limits and escalation), ``[reply]`` and ``[evaluate]`` (评), and
``[costs]``. The district they work in is :mod:`gridsim.scenario.setting`.
"""

from __future__ import annotations

from typing import Literal

from gridsim.mechanisms.registry import SUMMARIES, Stage, names
from gridsim.scenario.params import MAX_DAYS, MAX_WORKING_DAYS, P
from gridsim.scenario.values import (
    CategoryProbabilities,
    RoleCosts,
    Section,
    TierCapacity,
    TierCosts,
    TierDays,
    TierShares,
    TierWorkingDays,
)

__all__ = ["Assign", "Collect", "Costs", "Deadlines", "Evaluate", "Handle", "Reply"]


def _modes(stage: Stage) -> str:
    """The registered mechanisms of a stage, one clause each: what the docs list."""
    return "; ".join(f"'{n}' {SUMMARIES[stage][n]}" for n in names(stage)) + "."


# The allowed values of a stage's ``mode``: the names registered for it
# (gridsim.mechanisms.registry), so a new mechanism is allowed where it is declared.
CollectMode = Literal[names(Stage.COLLECT)]  # type: ignore[valid-type]
AssignMode = Literal[names(Stage.ASSIGN)]  # type: ignore[valid-type]


class Collect(Section):
    """集 Collect and verify."""

    mode: CollectMode = P("same_day", _modes(Stage.COLLECT), "-", "S")
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


class Assign(Section):
    """交 Assign: tiered, categorised, or everything to the district."""

    mode: AssignMode = P("tiered", _modes(Stage.ASSIGN), "-", "S")
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


class Handle(Section):
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


class Deadlines(Section):
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


class Reply(Section):
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


class Evaluate(Section):
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


class Costs(Section):
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
