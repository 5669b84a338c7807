"""The sections of case handling, 集交办督评, and its costs.

``[collect]`` (集), ``[assign]`` (交), ``[handle]`` (办), ``[deadlines]``
(督: time limits and escalation), ``[reply]`` and ``[evaluate]`` (评), and
``[costs]``. The district they work in is :mod:`gridsim.scenario.setting`.
"""

from __future__ import annotations

from typing import Literal

from gridsim.mechanisms.registry import SUMMARIES, Stage, names
from gridsim.scenario.params import HOURS_PER_WEEK, MAX_DAYS, MAX_WORKING_DAYS, P
from gridsim.scenario.values import (
    CategoryProbabilities,
    RoleCosts,
    Section,
    TierCosts,
    TierDays,
    TierShares,
    TierStaff,
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
    """办 Handle: staffed units, their capacity and service times."""

    staff: TierStaff = P(
        TierStaff(grid=0.5, community=0.5, street=2, district=3),
        "Handlers per unit (grid team, community, street office, department): people who "
        "work cases; a unit's capacity, the cases it works on at once, is "
        "round(staff x handler_hours_per_week / hours_per_case_week), at least 1.",
        "people",
        "A (capacities 1/1/4/6 cases: Yuelu's street offices and departments about half "
        "busy, grid and community units rarely)",
    )
    handler_hours_per_week: float = P(
        40.0,
        "Hours per week one handler spends on cases (the handlers' cost scales with them).",
        "hours/week",
        "A (full-time)",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    hours_per_case_week: float = P(
        20.0,
        "Handler hours per week one case in work takes.",
        "hours/week",
        "A",
        gt=0,
        le=HOURS_PER_WEEK,
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
        "Share of the limit after which a case shows yellow (see yellow_compliance).",
        "share",
        "A",
        gt=0,
        le=1,
    )
    compliance: float = P(
        0.75,
        "Probability a unit plans a case to close within its limit (亮灯警示、限时办结), "
        "when the unit has no queue; otherwise the case takes its natural (lognormal) time.",
        "probability",
        "A (calibrated to on-time 0.80–0.95; platforms publish 75.8–99.9 %)",
        ge=0,
        le=1,
    )
    compliance_load_drop: float = P(
        0.3,
        "Drop in that probability per queued case per unit of capacity (a loaded unit "
        "misses more limits).",
        "probability",
        "A (range 0–1)",
        ge=0,
        le=1000,
    )
    yellow_compliance: float = P(
        0.95,
        "Probability of planning to the limit for a case already yellow when its "
        "handling starts (yellow lights prioritise).",
        "probability",
        "A (range 0.8–1)",
        ge=0,
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
        "Over-statement of satisfaction and of units' scores when units assess themselves "
        "(no third party): a score s is reported as s + bias x (1 - s).",
        "share",
        "A",
        ge=0,
        le=1,
    )
    assessment: bool = P(
        True,
        "Units are scored at every survey wave (on-time, red lights, satisfaction) and "
        "their effort responds to the score (考核评价).",
        "-",
        "S",
    )
    target_score: float = P(
        0.95,
        "Score a unit is held to; below it effort rises, above it effort relaxes.",
        "score",
        "A (Beijing ranks 响应率, 解决率, 满意率 monthly, all above 0.9 by 2024; range 0.85–0.98)",
        gt=0,
        le=1,
    )
    effort_response: float = P(
        3.0,
        "Change in a unit's effort per point of score below the target, per assessment.",
        "effort/score",
        "A (range 0.5–4)",
        ge=0,
        le=100,
    )
    effort_ceiling: float = P(
        1.0,
        "Most effort a unit can put in (effort runs from 0 to this).",
        "effort",
        "A (range 0.5–1)",
        ge=0,
        le=1,
    )
    effort_speedup: float = P(
        0.3,
        "Shortening of handling time at full effort (days x (1 - speedup x effort)).",
        "share",
        "A (range 0–0.5)",
        ge=0,
        lt=1,
    )
    effort_fix_gain: float = P(
        0.5,
        "Share of otherwise unresolved cases actually fixed at full effort.",
        "share",
        "A (range 0–0.8; Beijing 12345 resolution 53 % → 96.5 % under ranked assessment)",
        ge=0,
        le=1,
    )
    self_assessment_response: float = P(
        0.5,
        "Effort response under self-assessment, as a share of the third-party response.",
        "share",
        "A (range 0–1)",
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
        "Cost of one person's grid work per year (allowance or share of salary) at the "
        "default staff.hours_per_week; it scales with the hours a scenario sets.",
        "yuan/person-year",
        "A",
    )
    per_handler_year: TierCosts = P(
        TierCosts(grid=20_000, community=40_000, street=60_000, district=80_000),
        "Cost of one handler per year at handle.handler_hours_per_week = 40 (scales with "
        "the hours).",
        "yuan/person-year",
        "A",
    )
    per_case: TierCosts = P(
        TierCosts(grid=50, community=150, street=400, district=800),
        "Handling cost per case by tier.",
        "yuan/case",
        "A",
    )
