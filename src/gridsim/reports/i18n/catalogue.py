"""The words of the reports in English and Simplified Chinese, by key.

Every string a report shows — titles, axis labels, legends, table headers,
KPI names — comes from here, in the officials' terms (受理 collected, 立案
registered, 办结 resolved, 结案率 closure rate, 按期结案率 on-time closure
rate, 返工率 rework rate, 满意率 satisfaction rate, 网格 grid, 积案 backlog).
"""

from __future__ import annotations

from typing import Literal

from gridsim.kpi_registry import KPIS
from gridsim.mechanisms.registry import LABELS as MODE_LABELS
from gridsim.mechanisms.registry import Stage

MODE_STAGES = (Stage.COLLECT, Stage.ASSIGN)
"""Stages whose mechanism a scenario names by value (the others are switched by a bool)."""

Lang = Literal["en", "zh"]
"""A report language."""

LANGS: tuple[str, ...] = ("en", "zh")
"""Supported report languages."""


KPI_LABELS: dict[str, dict[str, str]] = {k.name: {"en": k.en, "zh": k.zh} for k in KPIS.values()}
"""Display name of every KPI in each language (from :data:`gridsim.kpi_registry.KPIS`)."""


# ---------------------------------------------------------------------------
# scenario parameters that comparisons commonly change

PARAM_LABELS: dict[str, dict[str, str]] = {
    "grids.households_per_grid": {"en": "Households per grid", "zh": "每网格户数"},
    "staff.cadres_per_grid": {"en": "Stationed cadres per grid", "zh": "每网格驻点干部数"},
    "staff.information_officers_per_grid": {
        "en": "Information officers per grid",
        "zh": "每网格民情员数",
    },
    "staff.security_officers_per_grid": {
        "en": "Security officers per grid",
        "zh": "每网格治安员数",
    },
    "staff.volunteers_per_grid": {"en": "Volunteers per grid", "zh": "每网格志愿者数"},
    "cadres.posting": {"en": "Cadre posting", "zh": "干部驻点方式"},
    "cadres.rotation_interval_days": {"en": "Rotation interval (days)", "zh": "轮岗间隔（天）"},
    "collect.mode": {"en": "Collection", "zh": "采集方式"},
    "collect.batch_interval_days": {"en": "Batch interval (days)", "zh": "批量采集间隔（天）"},
    "collect.detect_probability": {"en": "Detection probability", "zh": "问题发现概率"},
    "assign.mode": {"en": "Assignment", "zh": "交办方式"},
    "handle.joint_consultation": {"en": "Joint consultation", "zh": "联席会商"},
    "deadlines.enabled": {"en": "Time limits", "zh": "时限管理"},
    "deadlines.escalation": {"en": "Escalation of overdue cases", "zh": "超期升级督办"},
    "reply.public": {"en": "Public replies", "zh": "公开答复"},
    "evaluate.third_party": {"en": "Third-party evaluation", "zh": "第三方测评"},
    "evaluate.assessment": {"en": "Assessment of units", "zh": "承办单位考核"},
    "evaluate.target_score": {"en": "Assessment target score", "zh": "考核目标分"},
    "evaluate.effort_response": {
        "en": "Effort response to the score",
        "zh": "努力程度对考核分的响应",
    },
    "evaluate.effort_ceiling": {"en": "Most effort", "zh": "努力程度上限"},
    "evaluate.effort_speedup": {"en": "Faster handling at full effort", "zh": "全力时办理提速"},
    "evaluate.effort_fix_gain": {
        "en": "More real fixes at full effort",
        "zh": "全力时实际解决增幅",
    },
    "evaluate.self_assessment_response": {
        "en": "Effort response under self-assessment",
        "zh": "自评时努力响应比例",
    },
    "deadlines.compliance": {"en": "Units work to the time limit", "zh": "按时限办理概率"},
    "deadlines.compliance_load_drop": {
        "en": "Drop in time-limit work under load",
        "zh": "负荷下按时限办理概率降幅",
    },
    "deadlines.yellow_compliance": {
        "en": "Yellow-light cases worked to the limit",
        "zh": "黄灯案件按时限办理概率",
    },
    "handle.handler_hours_per_week": {
        "en": "Handlers' case hours per week",
        "zh": "承办人员每周办案时数",
    },
    "handle.hours_per_case_week": {
        "en": "Handler hours per case and week",
        "zh": "每件案件每周占用工时",
    },
    "households.latent_issues_per_year": {
        "en": "Latent issues per household-year",
        "zh": "每户每年潜在问题数",
    },
    "simulation.seed": {"en": "Root seed", "zh": "随机种子"},
    # levers of plans (scenarios/plan-*.toml) and the derived levers (gridsim.experiments.derived)
    "staff.hours_per_week.information_officer": {
        "en": "Information officers' grid hours per week",
        "zh": "民情员每周网格工作时数",
    },
    "handle.staff.grid": {"en": "Handlers per grid team", "zh": "每个网格承办人员数"},
    "handle.staff.community": {"en": "Handlers per community", "zh": "每个社区承办人员数"},
    "handle.staff.street": {"en": "Handlers per street office", "zh": "每个街道承办人员数"},
    "handle.staff.district": {
        "en": "Handlers per district department",
        "zh": "每个区直部门承办人员数",
    },
    "headcount.cadre": {"en": "Stationed cadres in total", "zh": "驻点干部总数"},
    "headcount.information_officer": {
        "en": "Information officers in total",
        "zh": "民情员总数",
    },
    "headcount.security_officer": {"en": "Security officers in total", "zh": "治安员总数"},
    "headcount.volunteer": {"en": "Volunteers in total", "zh": "志愿者总数"},
    "budget.yuan_per_year": {"en": "People budget (yuan per year)", "zh": "人员经费预算（元/年）"},
}
"""Display names of scenario parameters (others are shown by their key)."""

VALUE_LABELS: dict[str, dict[str, str]] = {
    "true": {"en": "yes", "zh": "是"},
    "false": {"en": "no", "zh": "否"},
    "rotation": {"en": "rotation", "zh": "轮岗"},
    "fixed": {"en": "fixed", "zh": "固定"},
    # The modes a scenario names (collect.mode, assign.mode): labelled where they are registered.
    **{name: labels for stage in MODE_STAGES for name, labels in MODE_LABELS[stage].items()},
}
"""Display of categorical parameter values."""

# ---------------------------------------------------------------------------
# everything else a report says

TEXT: dict[str, dict[str, str]] = {
    "report_title": {"en": "Comparison report: {name}", "zh": "方案比较报告：{name}"},
    "summary": {"en": "Summary", "zh": "摘要"},
    "figures": {"en": "Figures", "zh": "图表"},
    "tables": {"en": "Tables", "zh": "数据表"},
    "assumptions": {"en": "Assumptions and run details", "zh": "假设与运行信息"},
    "compared": {
        "en": (
            "{n_variants} designs of {district} were compared with the baseline "
            "<b>{baseline}</b>, each simulated for {days} days in {reps} replications "
            "(random seed {seed})."
        ),
        "zh": (
            "以<b>{baseline}</b>为基准，比较了{district}的{n_variants}个方案，"
            "每个方案模拟{days}天，重复{reps}次（随机种子{seed}）。"
        ),
    },
    "crn_note": {
        "en": (
            "Every design sees the same residents' issues in each replication, so each "
            "difference is measured in pairs; a 95 % confidence interval (CI) that does not "
            "include zero marks a difference that is not due to chance. Differences under "
            "1 % (half a percentage point for rates, half a day for times) are not named."
        ),
        "zh": (
            "各方案在每次重复中面对相同的群众问题，差异按配对方式计算；"
            "95%置信区间不含零，表示差异并非随机波动所致。"
            "小于1%（比率小于0.5个百分点、时长小于半天）的差异不列出。"
        ),
    },
    # the headline (gridsim.reports.headline)
    "headline": {"en": "In short", "zh": "结论"},
    "hl_best": {
        "en": "Best on the headline indicators: {best}.",
        "zh": "在主要指标上表现最好的方案是{best}。",
    },
    "hl_gains": {
        "en": "Against the baseline ({baseline}) it is clearly better on {n} of {total}: {items}.",
        "zh": "与基准（{baseline}）相比，{total}项主要指标中有{n}项明显更好：{items}。",
    },
    "hl_and_more": {"en": "; and {n} more", "zh": "；另有{n}项"},
    "hl_and_more_designs": {"en": "; and {n} more designs", "zh": "；另有{n}个方案"},
    "hl_a_year": {"en": "a year", "zh": "每年"},
    "hl_over_days": {"en": "over the {days} simulated days", "zh": "在模拟的{days}天内"},
    "hl_cost_more": {
        "en": "It costs {money} more {period} ({phrase}).",
        "zh": "其成本{period}增加{money}（{phrase}）。",
    },
    "hl_cost_less": {
        "en": "It costs {money} less {period} ({phrase}).",
        "zh": "其成本{period}减少{money}（{phrase}）。",
    },
    "hl_cost_same": {
        "en": "Its cost does not differ clearly from the baseline's.",
        "zh": "其成本与基准无明显差异。",
    },
    "hl_cheapest": {
        "en": "The cheapest design, {who}, costs {money} less {period} ({phrase}).",
        "zh": "最省钱的方案是{who}，成本{period}减少{money}（{phrase}）。",
    },
    "hl_gives_up": {"en": "It gives up: {items}.", "zh": "代价是：{items}。"},
    "hl_gives_nothing": {
        "en": "It is clearly worse on none of the headline indicators.",
        "zh": "没有任何主要指标明显变差。",
    },
    "hl_runner_up": {
        "en": "Next: {name} (better on {better}, worse on {worse}).",
        "zh": "其次是{name}（{better}项更好，{worse}项变差）。",
    },
    "hl_none_better": {
        "en": "No design does clearly better than the baseline ({baseline}) on any headline "
        "indicator.",
        "zh": "没有方案在任何主要指标上明显优于基准（{baseline}）。",
    },
    "hl_none_net": {
        "en": "No design does better than the baseline ({baseline}) on balance: each one that "
        "gains on a headline indicator loses on as many or more.",
        "zh": "没有方案总体上优于基准（{baseline}）：在某些主要指标上更好的方案，"
        "在同样多或更多的指标上变差。",
    },
    "hl_no_difference": {
        "en": "No clear difference from it: {names}.",
        "zh": "与基准无明显差异的方案：{names}。",
    },
    "hl_worse": {
        "en": "{n} designs are clearly worse, most of all {items}.",
        "zh": "{n}个方案明显变差，变差最多的是{items}。",
    },
    "hl_trade": {
        "en": "{name} — better on {n_gains}: {gains}; worse on {n_losses}: {losses}; {cost}.",
        "zh": "{name}——{n_gains}项更好：{gains}；{n_losses}项变差：{losses}；{cost}。",
    },
    "hl_cost_unclear": {"en": "no clear difference in cost", "zh": "成本无明显差异"},
    "hl_how_sure": {
        "en": (
            "How sure: each difference is paired over {reps} replications in which every "
            "design meets the same residents' issues; intervals are 95 % confidence "
            "intervals, and a difference that is the same in every replication is shown "
            "without one. Best means clearly better than the baseline on the most headline "
            "indicators, net of those clearly worse; cost is weighed apart."
        ),
        "zh": (
            "把握程度：每项差异按{reps}次重复配对计算，各方案在每次重复中面对相同的群众问题；"
            "区间为95%置信区间，每次重复结果都相同的差异不列区间。“最好”指明显优于基准的主要指标数"
            "减去明显变差的指标数最多；成本单独衡量。"
        ),
    },
    "hl_no_runs": {
        "en": "No runs are stored for this comparison yet: there is nothing to conclude.",
        "zh": "尚无已存储的运行结果，无法得出结论。",
    },
    "hl_no_service": {
        "en": "The experiment names no headline indicator with a better direction to weigh.",
        "zh": "本实验未指定可比较优劣的主要指标。",
    },
    "headline_intro": {
        "en": "Main differences from the baseline:",
        "zh": "与基准相比的主要差异：",
    },
    "no_clear_difference": {
        "en": "no clear difference in the reported indicators",
        "zh": "所报告指标无明显差异",
    },
    "also_unchanged": {
        "en": "no clear or material difference in {kpis}",
        "zh": "{kpis}无明显差异",
    },
    "ci_words": {"en": "95 % CI {lo} to {hi}", "zh": "95%置信区间 {lo} 至 {hi}"},
    "exact_diff": {
        "en": "the same in all {n} replications",
        "zh": "{n}次重复结果相同",
    },
    "exact_diff_2": {"en": "the same in both replications", "zh": "2次重复结果相同"},
    "list_sep": {"en": ", ", "zh": "、"},
    "comma": {"en": ", ", "zh": "，"},
    "list_sep_factors": {"en": ", ", "zh": "，"},
    "sentence_sep": {"en": " ", "zh": ""},
    "sample_point": {"en": "{method} {i}", "zh": "抽样点{i}"},
    "clause_sep": {"en": "; ", "zh": "；"},
    "colon": {"en": ": ", "zh": "："},
    "paren_open": {"en": " (", "zh": "（"},
    "paren_close": {"en": ")", "zh": "）"},
    "pp": {"en": "pp", "zh": "个百分点"},
    "baseline": {"en": "baseline", "zh": "基准"},
    "baseline_tag": {"en": "{name} (baseline)", "zh": "{name}（基准）"},
    "variant": {"en": "Design", "zh": "方案"},
    "kpi": {"en": "Indicator", "zh": "指标"},
    "mean_ci": {"en": "Mean [95 % CI]", "zh": "均值 [95%置信区间]"},
    "diff_ci": {"en": "Difference vs baseline [95 % CI]", "zh": "与基准之差 [95%置信区间]"},
    "diff_pct": {"en": "Difference %", "zh": "差异 %"},
    "n_runs": {"en": "Runs", "zh": "运行次数"},
    "figure_n": {"en": "Figure {n}.", "zh": "图{n}"},
    "table_n": {"en": "Table {n}.", "zh": "表{n}"},
    "stop": {"en": ".", "zh": "。"},
    "designs_runs": {
        "en": "{designs} designs × {reps} replications",
        "zh": "{designs}个方案 × {reps}次重复",
    },
    "download": {"en": "Files:", "zh": "文件："},
    "generated": {
        "en": "Generated by gridsim {version} on {date}.",
        "zh": "由 gridsim {version} 于 {date} 生成。",
    },
    # the caption of the KPI differences figure, shared with the KPI table (the figures'
    # titles and captions are in their specs: gridsim.reports.figures)
    "cap_kpi_diffs": {
        "en": (
            "Paired difference from the baseline with its 95 % confidence interval: in % of "
            "the baseline for counts, in percentage points for rates, in days for times. "
            "Filled markers: the interval excludes zero."
        ),
        "zh": (
            "与基准方案的配对差异及95%置信区间：数量指标以基准的百分比表示，"
            "比率指标以百分点表示，时间指标以天表示。实心点表示区间不含零。"
        ),
    },
    # axes and legends
    "day_of_year": {"en": "Month", "zh": "月份"},
    "open_cases": {"en": "Open cases", "zh": "在办案件数"},
    "days_found_to_closed": {
        "en": "Days from finding to closing",
        "zh": "从发现到结案的天数",
    },
    "share_closed": {"en": "Share of cases closed", "zh": "已结案占比"},
    "cost_axis": {"en": "Cost (million yuan per year)", "zh": "成本（万元/年）"},
    "pareto": {"en": "Pareto frontier", "zh": "帕累托前沿"},
    "backlog_per_1000": {
        "en": "Backlog per 1,000 households",
        "zh": "每千户积案数",
    },
    "grid_median_days": {"en": "Median days to close", "zh": "结案天数中位数"},
    "grid_on_time": {"en": "On-time closure rate", "zh": "按期结案率"},
    "pct_of_baseline": {"en": "change in % of baseline", "zh": "相对基准变化（%）"},
    "pp_axis": {"en": "percentage points", "zh": "百分点"},
    "days_axis": {"en": "days", "zh": "天"},
    "baseline_value": {"en": "baseline {value}", "zh": "基准 {value}"},
    "zoomed": {
        "en": "The same, zoomed in on the other designs",
        "zh": "同上，放大显示其余方案",
    },
    "band": {"en": "band: 10–90 % of replications", "zh": "阴影：10%–90%分位"},
    # notebooks: a comparison at a glance (gridsim.reports.overview), the sensitivity figure
    "overview_title": {
        "en": "<b>{name}</b>: {designs}, baseline <i>{baseline}</i>",
        "zh": "<b>{name}</b>：{designs}，基准方案<i>{baseline}</i>",
    },
    "overview_title_plain": {"en": "<b>{name}</b>: {designs}", "zh": "<b>{name}</b>：{designs}"},
    "overview_note": {
        "en": (
            "Baseline: mean over the replications. Other designs: the paired difference from "
            "the baseline (counts in % of the baseline, rates in percentage points, times in "
            "days) above the design's mean; * the 95 % CI of the difference excludes zero; "
            "green is better, red worse, grey not distinguishable from zero."
        ),
        "zh": (
            "基准方案：多次重复的均值。其余方案：与基准的配对差异（数量指标为基准的百分比，"
            "比率指标为百分点，时间指标为天），其下为该方案的均值；*表示差异的95%置信区间不含零；"
            "绿色为改善，红色为变差，灰色为与零无法区分。"
        ),
    },
    "overview_more": {
        "en": "… and {n} more designs (comparison.table has them all)",
        "zh": "……另有{n}个方案（见 comparison.table）",
    },
    "cap_sens_sobol": {
        "en": (
            "Sobol indices: S1, the share of the indicator's variance over the design that the "
            "parameter causes alone, and ST, alone and through its interactions with the "
            "others; lines: 95 % confidence intervals (bootstrap). A parameter with ST near "
            "zero can be fixed anywhere in its range."
        ),
        "zh": (
            "Sobol指数：S1为该参数单独引起的指标方差占比，ST为其单独及与其他参数交互作用"
            "引起的方差占比；横线为95%置信区间（自助法）。ST接近零的参数可在其取值范围内任意固定。"
        ),
    },
    "cap_sens_morris": {
        "en": (
            "Morris screening: μ*, the mean absolute elementary effect — the change of the "
            "indicator when the parameter moves one step, scaled to a move across its whole "
            "range (in the indicator's unit; percentage points for rates) — with its 95 % "
            "confidence interval (bootstrap), and σ, the spread of those effects (large when "
            "the parameter interacts with others or acts non-linearly). Parameters with small "
            "μ* barely matter."
        ),
        "zh": (
            "Morris筛选：μ*为基本效应绝对值的均值——参数移动一步时指标的变化，"
            "按移动整个取值范围折算（以指标单位计，比率为百分点），横线为95%置信区间（自助法）；"
            "σ为这些效应的离散程度（参数与其他参数交互或呈非线性时较大）。μ*很小的参数影响甚微。"
        ),
    },
    "sens_axis_sobol": {"en": "share of variance", "zh": "方差占比"},
    "sens_axis_morris": {"en": "effect across the range", "zh": "全范围的影响"},
    "sens_s1": {"en": "S1: alone", "zh": "S1：单独作用"},
    "sens_st": {"en": "ST: with interactions", "zh": "ST：含交互作用"},
    "sens_mu_star": {"en": "μ*: mean absolute effect", "zh": "μ*：平均绝对影响"},
    "sens_sigma": {"en": "σ: spread of the effects", "zh": "σ：影响的离散程度"},
    "pct_unit": {"en": " %", "zh": "%"},
    "pp_unit": {"en": " pp", "zh": "个百分点"},
    "days_unit": {"en": " days", "zh": "天"},
    # tables
    "tab_kpis": {
        "en": "Indicators by design and paired differences from the baseline",
        "zh": "各方案指标及与基准方案的配对差异",
    },
    "tab_equity": {"en": "Equity across grids", "zh": "网格间均衡性"},
    "cap_equity_table": {
        "en": (
            "Per-grid values averaged over the replications. Worst 10 %: mean of the tenth "
            "of grids with the highest backlog, the longest times or the lowest on-time rate. "
            "Gini (0 = equal, 1 = all in one grid) and coefficient of variation (CV) measure "
            "the spread."
        ),
        "zh": (
            "各网格数值为多次重复的平均。最差10%：积案最多、用时最长或按期结案率最低的"
            "十分之一网格的均值。基尼系数（0为完全均衡，1为集中于一个网格）和变异系数衡量离散程度。"
        ),
    },
    "grids_col": {"en": "Grids", "zh": "网格数"},
    "mean_col": {"en": "mean", "zh": "均值"},
    "p90_col": {"en": "90th pct.", "zh": "90%分位"},
    "worst_col": {"en": "worst 10 %", "zh": "最差10%"},
    "gini_col": {"en": "Gini", "zh": "基尼系数"},
    "cv_col": {"en": "CV", "zh": "变异系数"},
    "tab_variants": {"en": "Designs compared", "zh": "比较的方案"},
    "changes": {"en": "Changes to the base scenario", "zh": "相对基础情景的调整"},
    "no_changes": {"en": "(base scenario)", "zh": "（基础情景）"},
    "scenario_hash": {"en": "Scenario hash", "zh": "情景哈希"},
    "tab_params": {"en": "Parameters of the baseline", "zh": "基准方案参数"},
    "params_intro": {
        "en": (
            "{sourced} of the {total} parameters are taken from published sources (S) and "
            "{assumed} are modelling assumptions (A), {calibrated} of them calibrated to the "
            "2013 figures. Parameters changed by a design are highlighted."
        ),
        "zh": (
            "{total}个参数中，{sourced}个来自公开资料（S），{assumed}个为建模假设（A），"
            "其中{calibrated}个按2013年数据校准。被方案调整的参数以高亮显示。"
        ),
    },
    "param_key": {"en": "Parameter", "zh": "参数"},
    "param_value": {"en": "Baseline value", "zh": "基准取值"},
    "param_unit": {"en": "Unit", "zh": "单位"},
    "param_source": {"en": "Source", "zh": "来源"},
    "param_kind": {"en": "Kind", "zh": "类别"},
    "param_meaning": {"en": "Meaning", "zh": "含义"},
    "sourced": {"en": "sourced", "zh": "有出处"},
    "assumed": {"en": "assumed", "zh": "假设"},
    "other": {"en": "—", "zh": "—"},
    "tab_runs": {"en": "Run details", "zh": "运行信息"},
    "experiment": {"en": "Experiment", "zh": "实验"},
    "description": {"en": "Description", "zh": "说明"},
    "base_scenario": {"en": "Base scenario", "zh": "基础情景"},
    "district": {"en": "District", "zh": "辖区"},
    "root_seed": {"en": "Root seed", "zh": "随机种子"},
    "replications": {"en": "Replications per design", "zh": "每方案重复次数"},
    "replication_ids": {"en": "Replications used", "zh": "使用的重复编号"},
    "model_version": {"en": "model fingerprint of the runs", "zh": "运行所用模型指纹"},
    "report_version": {"en": "gridsim version of this report", "zh": "生成报告的 gridsim 版本"},
    "runs_computed": {"en": "Runs computed", "zh": "运行时间"},
    "report_date": {"en": "Report date", "zh": "报告日期"},
    "precision": {"en": "Precision target", "zh": "精度目标"},
    "simulated_days": {"en": "Simulated days", "zh": "模拟天数"},
    "not_available": {"en": "not available in the stored runs", "zh": "已存储的运行中无此数据"},
    "set_here": {"en": "set in this scenario", "zh": "本情景设定"},
    "default_was": {"en": "default {value}", "zh": "默认值 {value}"},
    "params_set_intro": {
        "en": (
            "{set} are set in this scenario to values other than their documented defaults: "
            "they are tagged “set in this scenario” with the file that sets them, and the "
            "default's source is shown for comparison."
        ),
        "zh": (
            "其中{set}个参数在本情景中取值不同于文档默认值，标为“本情景设定”并注明设定文件，"
            "同时列出默认值及其来源以供对照。"
        ),
    },
}
"""Every other string of a report, by key and language (``str.format`` fields)."""

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "zh": tuple(f"{m}月" for m in range(1, 13)),
}
"""Month tick labels."""


def check_lang(lang: str) -> Lang:
    """Validate a language code.

    Args:
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The code.

    Raises:
        ValueError: For any other code.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


def t(key: str, lang: str, **fields: object) -> str:
    """A report string in a language.

    Args:
        key: Key in :data:`TEXT`.
        lang: ``"en"`` or ``"zh"``.
        **fields: Values for the string's ``{fields}``.

    Returns:
        The translated, formatted string.
    """
    text = TEXT[key][lang]
    return text.format(**fields) if fields else text


def kpi_label(kpi: str, lang: str) -> str:
    """Display name of a KPI (the KPI key itself when unknown)."""
    record = KPIS.get(kpi)
    return record.label(lang) if record is not None else kpi


def param_label(key: str, lang: str) -> str:
    """Display name of a scenario parameter (its dotted key when unknown)."""
    return PARAM_LABELS.get(key, {}).get(lang, key)


def value_label(value: object, lang: str) -> str:
    """Display of a parameter value: booleans and known categories translated."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    return VALUE_LABELS.get(text, {}).get(lang, text)
