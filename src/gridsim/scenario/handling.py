"""The sections of case handling, 集交办督评, and its costs.

``[collect]`` (集), ``[assign]`` (交), ``[handle]`` (办), ``[deadlines]``
(督: time limits and escalation), ``[reply]`` and ``[evaluate]`` (评), and
``[costs]``. The district they work in is :mod:`gridsim.scenario.setting`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from gridsim.mechanisms.registry import LABELS, SUMMARIES, SUMMARIES_ZH, Stage, names
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


def _modes_zh(stage: Stage) -> str:
    """The registered mechanisms of a stage in Chinese: name, label and what it does."""
    return (
        "；".join(
            f"`{n}`（{LABELS[stage][n]['zh']}）{SUMMARIES_ZH[stage][n]}" for n in names(stage)
        )
        + "。"
    )


# The allowed values of a stage's ``mode``: the names registered for it
# (gridsim.mechanisms.registry), so a new mechanism is allowed where it is declared.
CollectMode = Literal[names(Stage.COLLECT)]  # type: ignore[valid-type]
AssignMode = Literal[names(Stage.ASSIGN)]  # type: ignore[valid-type]


class Collect(Section):
    """集 Collect and verify."""

    title_zh: ClassVar[str] = "集：收集与核实"
    """The heading in Chinese."""

    mode: CollectMode = P("same_day", _modes(Stage.COLLECT), "-", "S", zh=_modes_zh(Stage.COLLECT))
    batch_interval_days: int = P(
        7,
        "Days between batches when mode = 'batched'.",
        "days",
        "A",
        zh="`mode` 为 `batched` 时两批之间的天数。",
        gt=0,
        le=MAX_DAYS,
    )
    detect_probability: float = P(
        0.4,
        "Probability a visited household tells an officer of a pending issue (trust 0.5).",
        "probability",
        "A (calibrated)",
        zh="受访户向工作人员反映一个待发现问题的概率（信任度为0.5时）。",
        source_zh="A（经校准）",
        gt=0,
        lt=1,
    )
    verification_delay_days: int = P(
        1,
        "Working days from entry to verification (次日核实).",
        "working days",
        "S",
        zh="从录入到核实的工作日数（次日核实）。",
        ge=0,
        le=MAX_WORKING_DAYS,
    )
    valid_share: float = P(
        0.945,
        "Share of reports valid after verification.",
        "share",
        "S (Tianmen 94.5 %)",
        zh="核实后有效的上报所占比例。",
        source_zh="S（天门94.5%）",
        ge=0,
        le=1,
    )
    spot_fix_share: float = P(
        0.15,
        "Share of staff-found issues fixed on the spot.",
        "share",
        "S (13–17 %)",
        zh="工作人员发现的问题中现场处置的比例。",
        source_zh="S（13–17%）",
        ge=0,
        le=1,
    )


class Assign(Section):
    """交 Assign: tiered, categorised, or everything to the district."""

    title_zh: ClassVar[str] = "交：分级交办、分类交办或全部交区级"
    """The heading in Chinese."""

    mode: AssignMode = P("tiered", _modes(Stage.ASSIGN), "-", "S", zh=_modes_zh(Stage.ASSIGN))
    tier_shares: TierShares = P(
        TierShares(grid=0.5, community=0.25, street=0.15, district=0.10),
        "Share of cases handled at each tier under tiered assignment.",
        "share",
        "A",
        zh="分级交办时各层级承办的案件比例。",
    )
    dispatch_delay_days: float = P(
        0.0,
        "Days from verification to the unit under tiered assignment.",
        "days",
        "A",
        zh="分级交办时从核实到送达承办单位的天数。",
        ge=0,
        le=MAX_DAYS,
    )
    central_dispatch_delay_days: float = P(
        2.0,
        "Days from verification to the department under central assignment.",
        "days",
        "A",
        zh="集中交办时从核实到送达区直部门的天数。",
        ge=0,
        le=MAX_DAYS,
    )


class Handle(Section):
    """办 Handle: staffed units, their capacity and service times."""

    title_zh: ClassVar[str] = "办：承办单位的人员、办理能力与办理时长"
    """The heading in Chinese."""

    staff: TierStaff = P(
        TierStaff(grid=0.5, community=0.5, street=2, district=3),
        "Handlers per unit (grid team, community, street office, department): people who "
        "work cases; a unit's capacity, the cases it works on at once, is "
        "round(staff x handler_hours_per_week / hours_per_case_week), at least 1.",
        "people",
        "A (capacities 1/1/4/6 cases: Yuelu's street offices and departments about half "
        "busy, grid and community units rarely)",
        zh=(
            "每个承办单位（网格团队、社区、街道办、区直部门）办理案件的承办人员数；"
            "单位的办理能力，即同时办理的案件数，为 "
            "`round(staff × handler_hours_per_week / hours_per_case_week)`，至少为1。"
        ),
        source_zh="A（办理能力1/1/4/6件：岳麓区街道办和区直部门约一半时间繁忙，网格和社区单位很少繁忙）",
    )
    handler_hours_per_week: float = P(
        40.0,
        "Hours per week one handler spends on cases (the handlers' cost scales with them).",
        "hours/week",
        "A (full-time)",
        zh="每名承办人员每周用于办案的时数（承办人员成本随之变化）。",
        source_zh="A（全职）",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    hours_per_case_week: float = P(
        20.0,
        "Handler hours per week one case in work takes.",
        "hours/week",
        "A",
        zh="一件在办案件每周占用的承办工时。",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    service_median_days: TierDays = P(
        TierDays(grid=2.0, community=4.0, street=7.0, district=10.0),
        "Median handling days at each tier (lognormal).",
        "days",
        "S derived (NYC 311 median 5–6 d)",
        zh="各层级办理天数的中位数（对数正态分布）。",
        source_zh="S（推算：纽约311中位数5–6天）",
    )
    service_sigma: float = P(
        1.3,
        "Lognormal sigma of handling days.",
        "-",
        "S derived (NYC 311 quartiles)",
        zh="办理天数对数正态分布的σ。",
        source_zh="S（推算：纽约311四分位数）",
        gt=0,
        le=10,
    )
    same_day_share: float = P(
        0.27,
        "Share of cases handled the same day they reach the unit.",
        "share",
        "S (25–30 % same day)",
        zh="送达承办单位当天即办理的案件比例。",
        source_zh="S（25–30%当日办理）",
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
        zh="已办理案件得到解决（办结）而非仅答复的概率。",
        source_zh="A（校准至79.9%）",
    )
    multi_department_share: float = P(
        0.2,
        "Share of street and district cases needing several departments.",
        "share",
        "A",
        zh="街道和区级案件中需要多个部门协同办理的比例。",
        ge=0,
        le=1,
    )
    joint_consultation: bool = P(
        True,
        "Hold joint consultations (联合会商) for multi-department cases.",
        "-",
        "S",
        zh="对多部门案件召开联席会商（联合会商）。",
    )
    consultation_interval_days: int = P(
        7,
        "Days between joint consultation meetings.",
        "days",
        "A",
        zh="两次联席会商会议之间的天数。",
        gt=0,
        le=MAX_DAYS,
    )
    bounce_delay_days: float = P(
        30.0,
        "Mean extra days a multi-department case bounces without consultation.",
        "days",
        "A",
        zh="无会商时多部门案件来回推诿平均多耗的天数。",
        ge=0,
        le=MAX_DAYS,
    )
    bounce_resolvable_factor: float = P(
        0.6,
        "Multiplier on the resolvable probability of a bounced case.",
        "x",
        "A",
        zh="被推诿案件可解决概率的倍数。",
        ge=0,
        le=1,
    )
    congestion_slowdown: float = P(
        0.1,
        "Handling days grow by this fraction per queued case per unit of capacity.",
        "x",
        "A",
        zh="按单位办理能力计每多排队一件案件，办理天数增加的比例。",
        ge=0,
        le=1000,
    )


class Deadlines(Section):
    """Supervision: traffic-light deadlines (亮灯警示、限时办结) and escalation."""

    title_zh: ClassVar[str] = "督：亮灯警示、限时办结与升级督办"
    """The heading in Chinese."""

    enabled: bool = P(
        True,
        "Units work to time limits and supervisors watch them.",
        "-",
        "S",
        zh="承办单位按时限办理，监督员跟踪时限。",
    )
    limit_working_days: TierWorkingDays = P(
        TierWorkingDays(grid=3, community=5, street=15, district=15),
        "Time limit per tier (also the yardstick for the on-time KPI when disabled).",
        "working days",
        "S/A (3/5/15 working days by tier)",
        zh="各层级的办理时限（不启用时限时仍作为按期结案指标的标准）。",
        source_zh="S/A（各层级3/5/15个工作日）",
    )
    yellow_fraction: float = P(
        0.67,
        "Share of the limit after which a case shows yellow (see yellow_compliance).",
        "share",
        "A",
        zh="案件亮黄灯时已用时限的比例（见 `yellow_compliance`）。",
        gt=0,
        le=1,
    )
    compliance: float = P(
        0.75,
        "Probability a unit plans a case to close within its limit (亮灯警示、限时办结), "
        "when the unit has no queue; otherwise the case takes its natural (lognormal) time.",
        "probability",
        "A (calibrated to on-time 0.80–0.95; platforms publish 75.8–99.9 %)",
        zh="单位无排队时，计划在时限内办结案件的概率（亮灯警示、限时办结）；否则案件按自然（对数正态）时长办理。",
        source_zh="A（校准至按期结案率0.80–0.95；各平台公布75.8–99.9%）",
        ge=0,
        le=1,
    )
    compliance_load_drop: float = P(
        0.3,
        "Drop in that probability per queued case per unit of capacity (a loaded unit "
        "misses more limits).",
        "probability",
        "A (range 0–1)",
        zh="按单位办理能力计每多排队一件案件，上述概率的降幅（负荷重的单位超期更多）。",
        source_zh="A（范围0–1）",
        ge=0,
        le=1000,
    )
    yellow_compliance: float = P(
        0.95,
        "Probability of planning to the limit for a case already yellow when its "
        "handling starts (yellow lights prioritise).",
        "probability",
        "A (range 0.8–1)",
        zh="开始办理时已亮黄灯的案件按时限办理的概率（黄灯优先）。",
        source_zh="A（范围0.8–1）",
        ge=0,
        le=1,
    )
    escalation: bool = P(
        True,
        "A red-light case is escalated one tier up.",
        "-",
        "S",
        zh="亮红灯的案件升级到上一层级督办。",
    )
    escalated_median_days: float = P(
        2.0,
        "Median handling days of an escalated (supervised) case.",
        "days",
        "A",
        zh="升级（督办）案件办理天数的中位数。",
        gt=0,
        le=MAX_DAYS,
    )


class Reply(Section):
    """复 Reply: the resident hears back; results may be published."""

    title_zh: ClassVar[str] = "复：答复群众，结果可公开"
    """The heading in Chinese."""

    delay_days: int = P(
        1,
        "Days from handling to the reply.",
        "days",
        "A",
        zh="从办理到答复群众的天数。",
        ge=0,
        le=MAX_DAYS,
    )
    public: bool = P(
        True,
        "Publish process and results (过程公开、结果公示): outcomes move grid-wide trust.",
        "-",
        "S",
        zh="过程公开、结果公示：办理结果影响整个网格的信任度。",
    )
    public_weight: float = P(
        0.02,
        "Share of a case's trust change felt by every household of its grid when public.",
        "share",
        "A",
        zh="公开时，一件案件的信任度变化传导给所在网格每一户的比例。",
        ge=0,
        le=1,
    )
    adjacent_grid_weight: float = P(
        0.25,
        "Share of a grid's public trust change felt by adjacent grids.",
        "share",
        "A",
        zh="一个网格公开信任度的变化传导给相邻网格的比例。",
        ge=0,
        le=1,
    )


class Evaluate(Section):
    """考 Evaluate: verification of fixes and the satisfaction survey."""

    title_zh: ClassVar[str] = "考：处置核实与满意度测评"
    """The heading in Chinese."""

    third_party: bool = P(
        True,
        "A third-party firm runs the survey (第三方专业测评); dissatisfied resolved "
        "cases it finds are reopened.",
        "-",
        "S",
        zh="由第三方机构开展满意度测评（第三方专业测评）；测评发现的不满意的已解决案件重新办理。",
    )
    survey_share: float = P(
        0.3,
        "Share of closed cases surveyed.",
        "share",
        "A",
        zh="接受测评的已结案案件比例。",
        gt=0,
        le=1,
    )
    survey_interval_days: int = P(
        30, "Days between survey waves.", "days", "A", zh="两轮测评之间的天数。", gt=0, le=MAX_DAYS
    )
    satisfied_if_resolved: float = P(
        0.99,
        "Probability a resident with a resolved case is satisfied.",
        "probability",
        "S derived (Beijing 12345)",
        zh="问题得到解决的居民表示满意的概率。",
        source_zh="S（推算：北京12345）",
        ge=0,
        le=1,
    )
    satisfied_if_replied: float = P(
        0.25,
        "Probability a resident with only a reply is satisfied.",
        "probability",
        "S derived (Beijing 12345)",
        zh="只得到答复的居民表示满意的概率。",
        source_zh="S（推算：北京12345）",
        ge=0,
        le=1,
    )
    late_penalty: float = P(
        0.15,
        "Drop in satisfaction probability when the case closed late.",
        "probability",
        "A",
        zh="案件超期结案时满意概率的降幅。",
        ge=0,
        le=1,
    )
    rework_share: float = P(
        0.01,
        "Share of reported fixes rejected at verification (返工) and reopened.",
        "share",
        "S (Fuzhou 0.11 %; A higher for 2013)",
        zh="上报的处置结果在核实时被退回（返工）并重新办理的比例。",
        source_zh="S（福州0.11%；2013年假设更高）",
        ge=0,
        le=1,
    )
    self_assessment_bias: float = P(
        0.1,
        "Over-statement of satisfaction and of units' scores when units assess themselves "
        "(no third party): a score s is reported as s + bias x (1 - s).",
        "share",
        "A",
        zh=(
            "承办单位自评（无第三方）时对满意度和单位得分的高估："
            "得分 s 被报为 s + `self_assessment_bias` × (1 − s)。"
        ),
        ge=0,
        le=1,
    )
    assessment: bool = P(
        True,
        "Units are scored at every survey wave (on-time, red lights, satisfaction) and "
        "their effort responds to the score (考核评价).",
        "-",
        "S",
        zh="每轮测评时对承办单位打分（按期、红灯、满意度），单位的努力程度随得分调整（考核评价）。",
    )
    target_score: float = P(
        0.95,
        "Score a unit is held to; below it effort rises, above it effort relaxes.",
        "score",
        "A (Beijing ranks 响应率, 解决率, 满意率 monthly, all above 0.9 by 2024; range 0.85–0.98)",
        zh="对承办单位要求达到的得分；低于它努力程度上升，高于它则放松。",
        source_zh="A（北京每月对响应率、解决率、满意率排名，2024年均高于0.9；范围0.85–0.98）",
        gt=0,
        le=1,
    )
    effort_response: float = P(
        3.0,
        "Change in a unit's effort per point of score below the target, per assessment.",
        "effort/score",
        "A (range 0.5–4)",
        zh="每次考核时，得分每低于目标1个单位，单位努力程度的变化量。",
        source_zh="A（范围0.5–4）",
        ge=0,
        le=100,
    )
    effort_ceiling: float = P(
        1.0,
        "Most effort a unit can put in (effort runs from 0 to this).",
        "effort",
        "A (range 0.5–1)",
        zh="单位可投入的最大努力程度（努力程度从0到此值）。",
        source_zh="A（范围0.5–1）",
        ge=0,
        le=1,
    )
    effort_speedup: float = P(
        0.3,
        "Shortening of handling time at full effort (days x (1 - speedup x effort)).",
        "share",
        "A (range 0–0.5)",
        zh="全力投入时办理时间的缩短比例（天数 × (1 − `effort_speedup` × 努力程度)）。",
        source_zh="A（范围0–0.5）",
        ge=0,
        lt=1,
    )
    effort_fix_gain: float = P(
        0.5,
        "Share of otherwise unresolved cases actually fixed at full effort.",
        "share",
        "A (range 0–0.8; Beijing 12345 resolution 53 % → 96.5 % under ranked assessment)",
        zh="全力投入时，原本无法解决的案件实际得到解决的比例。",
        source_zh="A（范围0–0.8；北京12345在排名考核下解决率由53%升至96.5%）",
        ge=0,
        le=1,
    )
    self_assessment_response: float = P(
        0.5,
        "Effort response under self-assessment, as a share of the third-party response.",
        "share",
        "A (range 0–1)",
        zh="自评时的努力响应，以第三方测评时响应的比例表示。",
        source_zh="A（范围0–1）",
        ge=0,
        le=1,
    )


class Costs(Section):
    """Unit costs that make up the `cost` KPI."""

    title_zh: ClassVar[str] = "构成“成本”指标的单位成本"
    """The heading in Chinese."""

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
        zh=(
            "每人每年网格工作的成本（补贴或工资分摊），按默认的 `staff.hours_per_week` 计；"
            "随情景设定的时数按比例变化。"
        ),
    )
    per_handler_year: TierCosts = P(
        TierCosts(grid=20_000, community=40_000, street=60_000, district=80_000),
        "Cost of one handler per year at handle.handler_hours_per_week = 40 (scales with "
        "the hours).",
        "yuan/person-year",
        "A",
        zh=(
            "每名承办人员每年的成本，按 `handle.handler_hours_per_week = 40` 计"
            "（随时数按比例变化）。"
        ),
    )
    per_case: TierCosts = P(
        TierCosts(grid=50, community=150, street=400, district=800),
        "Handling cost per case by tier.",
        "yuan/case",
        "A",
        zh="各层级每件案件的办理成本。",
    )
