"""The plan report: what to do, what it meets and costs, how sure, and where it fails.

:func:`write_plan_report` turns a :class:`gridsim.planning.plan.PlanResult`
into a folder, like the comparison report (:mod:`gridsim.reports.html`)::

    DIR/index.html              the report
    DIR/plan_<figure>.png       every figure as PNG ...
    DIR/plan_<figure>.svg       ... and as SVG (text drawn as paths)

``index.html`` needs nothing else: figures are inlined as base64 PNG, the CSS
is the comparison report's, inline; no script, no web font, no external URL.
It is written whole or not at all (:func:`gridsim.fileio.staged_folder`): a
figure that fails to draw, or a process killed while writing, leaves the
previous report in ``DIR`` exactly as it was.

The page, in English or Simplified Chinese (``lang="zh"``: every heading,
label, sentence and table header; KPI names from
:data:`gridsim.kpi_registry.KPIS`, lever keys by their parameter's label in
:data:`gridsim.reports.i18n.PARAM_LABELS` where there is one):

1. the recommendation in one sentence composed from the data (the design, the
   targets it meets, its cost against today's design), or, when no design
   meets every target, that plainly, the binding target and the nearest
   designs; the recommended changes (key, today's value, recommended value);
2. the designs searched: objective against the main service KPI and against
   the worst relative shortfall, feasible and infeasible marked; the search's
   convergence (best feasible objective so far by trial);
3. the levers' importance: Spearman rank correlations of each lever with the
   objective and with feasibility over the designs tried (a plain measure
   that needs no optuna study; see :func:`lever_importance`);
4. the selection: the designs KN re-ran on fresh seeds, their means with
   95 % intervals, those put out and why, the winner, and the P(correct
   selection) and indifference zone δ it ran at;
5. where the winner fails: PRIM's box and CART's leaves with failure rates;
6. every assumption: the plan's uncertainty points and ranges, the ranges the
   discovery sampled, and the base scenario's parameter table (the comparison
   report's, with the recommended changes highlighted).

Numbers are formatted as the comparison report formats them
(:func:`gridsim.reports.i18n.format_kpi`: counts without decimals, rates in %,
cost in million yuan, 万元 in Chinese).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim._version import __version__
from gridsim.fileio import atomic_write, staged_folder
from gridsim.planning.spec import QUANTILES, LeverSpec, TargetSpec
from gridsim.reports.findings import _bare
from gridsim.reports.html import _CSS, FigureFile, _figure_html
from gridsim.reports.i18n import (
    HTML_FONTS,
    LOWER_IS_BETTER,
    MINUS,
    check_lang,
    font_family,
    format_kpi,
    kind_of,
    kpi_axis_label,
    kpi_label,
    kpi_scale,
    param_label,
    plain,
    signed,
    t,
    value_label,
)
from gridsim.reports.tables import _breakable, _e, _file, _params_table_html, markdown_code

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gridsim.planning.plan import PlanResult
    from gridsim.planning.search import Design

REPORT_PAGE = "index.html"
"""File name of the report page in the report folder."""

PLAN_FIGURES: tuple[str, ...] = ("plan_front", "plan_convergence", "plan_levers")
"""File stems of the plan report's figures, in report order."""

# ---------------------------------------------------------------------------
# words

PLAN_TEXT: dict[str, dict[str, str]] = {
    "report_title": {"en": "Plan report: {name}", "zh": "规划报告：{name}"},
    # sections
    "sec_recommendation": {"en": "Recommendation", "zh": "建议"},
    "sec_changes": {"en": "Recommended changes", "zh": "建议调整"},
    "sec_search": {"en": "Designs searched", "zh": "方案搜索"},
    "sec_levers": {"en": "Lever importance", "zh": "可调因素的重要性"},
    "sec_selection": {"en": "Selection on fresh runs", "zh": "新种子复核择优"},
    "sec_failures": {"en": "Where the design fails", "zh": "方案失效的条件"},
    "sec_nearest": {"en": "Nearest designs", "zh": "最接近目标的方案"},
    # the recommendation
    "recommend": {
        "en": "Recommended: {levers}; it meets {met}{missed} and costs {cost} a year, {pct} "
        "({delta}) against today's design ({base}).",
        "zh": "建议方案：{levers}；满足{met}{missed}，年成本{cost}，与现行方案（{base}）相比"
        "{pct}（{delta}）。",
    },
    "recommend_no_cost": {
        "en": "Recommended: {levers}; it meets {met}{missed}.",
        "zh": "建议方案：{levers}；满足{met}{missed}。",
    },
    "levers_as_today": {"en": "today's design as it is", "zh": "维持现行方案"},
    "others_as_today": {"en": " (other levers as today)", "zh": "（其余可调因素不变）"},
    "no_target": {"en": "no stated target", "zh": "（未设目标）"},
    "missed_within": {
        "en": ", and comes within the selection's tolerance of {targets}",
        "zh": "，{targets}在择优容差之内",
    },
    "infeasible": {
        "en": "No design meets every target: none of the {n} designs tried met them all",
        "zh": "没有方案能同时满足全部目标：所试{n}个方案均未全部满足",
    },
    "infeasible_fresh": {
        "en": "No design meets every target: of the {n} designs tried, {k} seemed to, "
        "but none was confirmed on fresh runs",
        "zh": "没有方案能同时满足全部目标：所试{n}个方案中有{k}个看似满足，但新种子复核均未确认",
    },
    "binding": {
        "en": "; the binding target is {target} (the nearest design, trial {trial}, "
        "reaches {value}).",
        "zh": "；约束最紧的目标是{target}（最接近的方案为试验{trial}，达到{value}）。",
    },
    "binding_plain": {
        "en": "; the binding target is {target}.",
        "zh": "；约束最紧的目标是{target}。",
    },
    "no_binding": {"en": ".", "zh": "。"},
    "nearest_intro": {
        "en": "The designs that come nearest to the targets (smallest worst shortfall) are in "
        "Table {n}.",
        "zh": "最接近目标（最大缺口最小）的方案见表{n}。",
    },
    "target_phrase": {"en": "{kpi} {op} {value}", "zh": "{kpi}{op}{value}"},
    "target_stat": {"en": "{kpi} ({stat}) {op} {value}", "zh": "{kpi}（{stat}）{op}{value}"},
    "value_paren": {"en": " ({value})", "zh": "（{value}）"},
    "stat_mean": {"en": "mean", "zh": "均值"},
    "stat_median": {"en": "median", "zh": "中位数"},
    "stat_min": {"en": "minimum", "zh": "最小值"},
    "stat_max": {"en": "maximum", "zh": "最大值"},
    "stat_q": {"en": "{q}th percentile", "zh": "{q}%分位数"},
    "and": {"en": " and ", "zh": "和"},
    "summary_note": {
        "en": "Each target's statistic is taken over the plan's uncertainty points × "
        "replications; the estimates are from the selection's fresh runs (seeds the search "
        "never used), with 95 % confidence intervals.",
        "zh": "各目标的统计量按规划的不确定性情形 × 重复次数计算；估计值来自择优阶段的新种子运行"
        "（搜索阶段从未使用的随机种子），附95%置信区间。",
    },
    "summary_note_search": {
        "en": "Each target's statistic is taken over the plan's uncertainty points × the "
        "search's replications.",
        "zh": "各目标的统计量按规划的不确定性情形 × 搜索阶段的重复次数计算。",
    },
    # tables
    "tab_targets": {"en": "Targets of the recommended design", "zh": "建议方案的目标达成情况"},
    "tab_kpis": {
        "en": "Indicators of the recommended design and today's design",
        "zh": "建议方案与现行方案的指标",
    },
    "cap_kpis": {
        "en": "Today's design as run in the search (same seeds and uncertainty points as "
        "every design); the recommended design on the selection's fresh runs.",
        "zh": "现行方案取搜索阶段的运行（与各方案相同的随机种子和不确定性情形）；"
        "建议方案取择优阶段的新种子运行。",
    },
    "tab_changes": {"en": "Changes to today's design", "zh": "相对现行方案的调整"},
    "cap_changes": {
        "en": "Levers first, then the scenario keys a derived lever resolves to; changed "
        "values are highlighted.",
        "zh": "先列可调因素，再列派生因素对应的情景参数；取值有变化的行以高亮显示。",
    },
    "tab_nearest": {"en": "Designs nearest to the targets", "zh": "最接近目标的方案"},
    "cap_nearest": {
        "en": "Targets: {targets}. Missed values in red; worst shortfall: the largest miss as "
        "a share of its target.",
        "zh": "目标：{targets}。未达到的数值以红色显示；"
        "最大缺口：各目标缺口占目标值比例中的最大者。",
    },
    "tab_selection": {"en": "Designs compared by KN", "zh": "KN程序比较的方案"},
    "cap_selection": {
        "en": "Means over each design's fresh runs [95 % confidence interval]; the statistic "
        "of an order-statistic target is its worst uncertainty point per replication.",
        "zh": "各方案新种子运行的均值[95%置信区间]；以分位数为统计量的目标，每次重复取各不确定性"
        "情形中最差者。",
    },
    "tab_importance": {"en": "Rank correlations of the levers", "zh": "可调因素的秩相关"},
    "tab_prim": {"en": "PRIM's failure box", "zh": "PRIM失效区域"},
    "tab_cart": {"en": "CART's leaves", "zh": "CART叶节点"},
    "tab_points": {"en": "Uncertainty points of the plan", "zh": "规划的不确定性情形"},
    "tab_ranges": {"en": "Ranges of the plan's uncertainty", "zh": "规划的不确定性区间"},
    "tab_sampled": {
        "en": "Assumed parameters varied by the discovery",
        "zh": "失效分析中变动的假设参数",
    },
    "tab_base_params": {"en": "Parameters of today's design", "zh": "现行方案参数"},
    "tab_plan_runs": {"en": "Plan and run details", "zh": "规划与运行信息"},
    "col_trial": {"en": "Trial", "zh": "试验编号"},
    "col_levers": {"en": "Lever values", "zh": "可调因素取值"},
    "col_reps": {"en": "Replications", "zh": "重复次数"},
    "col_outcome": {"en": "Outcome", "zh": "结果"},
    "col_target": {"en": "Target", "zh": "目标"},
    "col_search_est": {"en": "In the search", "zh": "搜索阶段"},
    "col_fresh_est": {"en": "Fresh runs [95 % CI]", "zh": "新种子复核 [95%置信区间]"},
    "col_met": {"en": "Met", "zh": "是否满足"},
    "col_today": {"en": "Today's design", "zh": "现行方案"},
    "col_recommended": {"en": "Recommended [95 % CI]", "zh": "建议方案 [95%置信区间]"},
    "col_today_value": {"en": "Today's value", "zh": "现行取值"},
    "col_new_value": {"en": "Recommended value", "zh": "建议取值"},
    "col_worst": {"en": "Worst shortfall", "zh": "最大缺口"},
    "col_lever": {"en": "Lever", "zh": "可调因素"},
    "col_rho_obj": {"en": "ρ with {objective}", "zh": "与{objective}的ρ"},
    "col_rho_feas": {"en": "ρ with feasibility", "zh": "与可行性的ρ"},
    "col_condition": {"en": "Condition", "zh": "条件"},
    "col_qp": {"en": "Quasi-p", "zh": "拟p值"},
    "col_leaf": {"en": "Leaf", "zh": "叶节点"},
    "col_conditions": {"en": "Conditions", "zh": "条件"},
    "col_runs": {"en": "Runs", "zh": "运行次数"},
    "col_failures": {"en": "Failures", "zh": "失效次数"},
    "col_fail_rate": {"en": "Failure rate", "zh": "失效率"},
    "col_coverage": {"en": "Coverage", "zh": "覆盖率"},
    "col_point": {"en": "Point", "zh": "情形"},
    "col_values": {"en": "Assumed values", "zh": "假设取值"},
    "col_low": {"en": "Low", "zh": "下限"},
    "col_high": {"en": "High", "zh": "上限"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "today_point": {"en": "the base scenario as it is", "zh": "基础情景原值"},
    "whole_sample": {"en": "no restriction", "zh": "无限制"},
    # selection
    "sel_intro": {
        "en": "The {k} best feasible designs of the search were run again on seeds the search "
        "never used and compared by KN (Kim & Nelson 2001, fully sequential, valid under "
        "common random numbers) with a feasibility check on every target (Andradóttir & Kim "
        "2010): {n0} replications each first, then one more per round for the designs still "
        "in contention. It guarantees P(correct selection) ≥ {pcs} when the best design beats "
        "every other by at least the indifference zone δ = {delta} and meets every target by "
        "at least its tolerance.",
        "zh": "搜索阶段最优的{k}个可行方案用搜索从未使用的随机种子重新运行，由KN程序（Kim & "
        "Nelson 2001，全序贯，适用于共同随机数）比较，并对每个目标做可行性检验（Andradóttir & "
        "Kim 2010）：每个方案先运行{n0}次，之后每轮为仍在竞争中的方案各加一次。当最优方案比其他"
        "方案至少好出无差异区间δ = {delta}、且以不小于容差的幅度满足各目标时，正确选择的概率"
        "P(CS) ≥ {pcs}。",
    },
    "sel_winner": {
        "en": "The winner is trial {trial}.",
        "zh": "胜出方案为试验{trial}。",
    },
    "sel_none": {
        "en": "No design was confirmed feasible on the fresh runs.",
        "zh": "新种子复核中没有方案被确认可行。",
    },
    "sel_early": {
        "en": "The selection reached its replication cap before it could decide: the best "
        "sample mean among the designs left won, and the guarantee above does not hold.",
        "zh": "择优在作出判定之前已达到重复次数上限：由剩余方案中样本均值最优者胜出，"
        "上述概率保证不再成立。",
    },
    "sel_skipped": {
        "en": "No selection was run: the search found no design that met every target.",
        "zh": "未进行择优：搜索阶段没有方案满足全部目标。",
    },
    "out_winner": {"en": "chosen", "zh": "胜出"},
    "out_infeasible": {"en": "out: misses {kpis}", "zh": "淘汰：未满足{kpis}"},
    "out_worse": {"en": "out: worse {objective}", "zh": "淘汰：{objective}较差"},
    "out_cap": {
        "en": "out: worse sample mean at the replication cap",
        "zh": "淘汰：达到重复上限时样本均值较差",
    },
    "out_open": {"en": "feasible, not chosen", "zh": "可行，未胜出"},
    "out_left": {"en": "undecided", "zh": "未判定"},
    # discovery
    "disc_intro": {
        "en": "The recommended design was run once at each of {runs} draws of the assumed "
        "parameters (a Latin hypercube over the ranges of Table {table}, the assumptions "
        "the plan holds fixed otherwise); {failed} of them ({rate}) missed a target.",
        "zh": "建议方案在假设参数的{runs}组抽样（在表{table}所列区间上的拉丁超立方抽样，"
        "这些假设在规划其余部分中保持不变）下各运行一次，其中{failed}组（{rate}）未达到目标。",
    },
    "disc_none": {
        "en": "Not run: there is no recommended design to test.",
        "zh": "未进行：没有可检验的建议方案。",
    },
    "disc_off": {
        "en": "Not run (the plan's discovery has no samples, or no assumption is left to vary).",
        "zh": "未进行（规划未设失效分析抽样，或没有可变动的假设参数）。",
    },
    "prim_intro": {
        "en": "PRIM (Friedman & Fisher 1999) looks for the box of assumptions where failures "
        "concentrate. Its box: coverage {coverage} (share of all failures inside it), density "
        "{density} (failure rate inside it), mass {mass} (share of all runs inside it); "
        "{failures} of its {n} runs fail.",
        "zh": "PRIM（Friedman & Fisher 1999）寻找失效集中的假设区域。所得区域：覆盖率{coverage}"
        "（区域内失效占全部失效的比例），密度{density}（区域内失效率），质量{mass}"
        "（区域内运行占全部运行的比例）；区域内{n}次运行中{failures}次失效。",
    },
    "prim_no_failure": {
        "en": "No run fails: there is no failure region to find.",
        "zh": "没有运行失效：不存在失效区域。",
    },
    "prim_no_box": {
        "en": "PRIM found no box where failures concentrate.",
        "zh": "PRIM未找到失效集中的区域。",
    },
    "prim_everywhere": {
        "en": "Failures are spread everywhere: no box narrows the sample ({failures} of {n} "
        "runs fail).",
        "zh": "失效分布在整个抽样范围内：没有区域能缩小范围（{n}次运行中{failures}次失效）。",
    },
    "prim_not_run": {
        "en": "PRIM was not run (no run failed).",
        "zh": "未运行PRIM（没有运行失效）。",
    },
    "cart_intro": {
        "en": "A classification tree (CART) predicting failure, as a cross-check: each leaf is "
        "a box of assumptions, densest first.",
        "zh": "作为交叉检验，用分类树（CART）预测失效：每个叶节点是一个假设区域，按失效率从高到低"
        "排列。",
    },
    # assumptions
    "points_intro": {
        "en": "Every design ran at each of these points (the fitting set: assumptions the "
        "calibration cannot tell apart) for {reps} replications each.",
        "zh": "每个方案在下列每个情形下各运行{reps}次（拟合集：校准无法区分的假设组合）。",
    },
    "ranges_intro": {
        "en": "{samples} Latin hypercube points over these ranges were added to the points.",
        "zh": "在下列区间上另加{samples}个拉丁超立方抽样点。",
    },
    "stopped_trials": {"en": "trial budget reached", "zh": "达到试验次数上限"},
    "stopped_minutes": {"en": "time budget reached", "zh": "达到时间上限"},
    "stopped_patience": {
        "en": "no better design for {patience} trials",
        "zh": "连续{patience}次试验无改进",
    },
    "stopped_patience_plain": {"en": "no better design lately", "zh": "近期试验无改进"},
    "stopped_space": {"en": "every design of the space tried", "zh": "已试遍全部方案"},
    "meta_designs": {
        "en": "{n} designs tried ({stopped})",
        "zh": "试验{n}个方案（{stopped}）",
    },
    "plan_name": {"en": "Plan", "zh": "规划"},
    "designs_tried": {"en": "Designs tried", "zh": "试验方案"},
    "plan_file": {"en": "Plan file", "zh": "规划文件"},
    "sampler": {"en": "Sampler", "zh": "采样器"},
    "reps_per_point": {
        "en": "Replications per design and point",
        "zh": "每方案每情形重复次数",
    },
    "search_time": {"en": "Search time", "zh": "搜索用时"},
    "seconds": {"en": "{s} s", "zh": "{s}秒"},
    "resumed": {"en": "Trials resumed from the journal", "zh": "从日志恢复的试验数"},
    "objective": {"en": "Objective", "zh": "优化目标"},
    "minimise": {"en": "minimise {kpi}", "zh": "最小化{kpi}"},
    "maximise": {"en": "maximise {kpi}", "zh": "最大化{kpi}"},
    # figures
    "fig_front": {"en": "Every design tried", "zh": "所有试验方案"},
    "cap_front": {
        "en": "Each dot is a design the search tried, at the mean of its objective over the "
        "uncertainty points × replications; left, against {service}; right, against its "
        "worst shortfall from a target as a share of the target (0: every target met). "
        "Filled: feasible; hollow: a target missed; dashed: the feasible front (no other "
        "feasible design is better on both axes).",
        "zh": "每个点为搜索中试验的一个方案，横轴为其目标指标在不确定性情形 × 重复次数上的均值；"
        "左图纵轴为{service}，右图纵轴为相对目标的最大缺口占目标值的比例（0表示全部目标已满足）。"
        "实心为可行方案，空心为未满足目标的方案；虚线为可行前沿（没有其他可行方案在两个轴上"
        "同时更优）。",
    },
    "cap_front_one": {
        "en": "Each dot is a design the search tried, at the mean of its objective and of "
        "{service} over the uncertainty points × replications; dashed: the front (no other "
        "design is better on both axes).",
        "zh": "每个点为搜索中试验的一个方案，坐标为其目标指标和{service}在不确定性情形 × 重复次数"
        "上的均值；虚线为前沿（没有其他方案在两个轴上同时更优）。",
    },
    "cap_front_single": {
        "en": "Each dot is a design the search tried, at the mean of its objective over the "
        "uncertainty points × replications, by trial. Filled: feasible; hollow: a target "
        "missed.",
        "zh": "每个点为搜索中试验的一个方案，纵轴为其目标指标在不确定性情形 × 重复次数上的均值，"
        "按试验顺序排列。实心为可行方案，空心为未满足目标的方案。",
    },
    "fig_convergence": {"en": "Convergence of the search", "zh": "搜索收敛情况"},
    "cap_convergence": {
        "en": "The objective of each trial (filled: feasible, hollow: not) and the best "
        "feasible objective found so far (line); dotted: today's design.",
        "zh": "各次试验的目标值（实心为可行，空心为不可行）及迄今找到的最优可行目标值（折线）；"
        "点线为现行方案。",
    },
    "fig_levers": {"en": "Rank correlation of each lever", "zh": "各可调因素的秩相关"},
    "cap_levers": {
        "en": "Spearman rank correlation ρ between each lever's value and, left, the "
        "objective, right, feasibility (1: the design met every target), over the {n} "
        "designs tried; a lever with choices is ranked in the order the plan lists them. The "
        "designs are not a random sample (the search concentrates where it expects good "
        "designs), so ρ measures association across what was tried, not an effect; a ρ near "
        "0 may also mean the search held the lever nearly fixed. No value (—): the lever, "
        "or feasibility, did not vary.",
        "zh": "在所试{n}个方案上，各可调因素取值与目标指标（左）及可行性（右，1表示满足全部目标）"
        "之间的斯皮尔曼秩相关系数ρ；有选项的因素按规划文件所列顺序排序。所试方案并非随机样本"
        "（搜索集中在预期较优的区域），因此ρ反映的是所试方案中的关联，而非因果效应；ρ接近0也可能"
        "是因为搜索几乎固定了该因素。无数值（—）表示该因素或可行性没有变化。",
    },
    "ax_trial": {"en": "Trial", "zh": "试验序号"},
    "ax_shortfall": {
        "en": "Worst shortfall (% of target)",
        "zh": "最大缺口（占目标值的%）",
    },
    "ax_rho_obj": {"en": "ρ with {objective}", "zh": "与{objective}的ρ"},
    "ax_rho_feas": {"en": "ρ with feasibility", "zh": "与可行性的ρ"},
    "lg_feasible": {"en": "feasible", "zh": "可行"},
    "lg_infeasible": {"en": "a target missed", "zh": "未满足目标"},
    "lg_winner": {"en": "recommended", "zh": "建议方案"},
    "lg_today": {"en": "today's design", "zh": "现行方案"},
    "lg_front": {"en": "feasible front", "zh": "可行前沿"},
    "lg_best": {"en": "best feasible so far", "zh": "迄今最优可行方案"},
    "lg_target": {"en": "target", "zh": "目标值"},
}
"""Every string of the plan report, by key and language (``str.format`` fields).

Keys not here are looked up in :data:`gridsim.reports.i18n.TEXT` (the
comparison report's words: ``assumptions``, ``table_n``, ``generated`` ...).
"""


def _t(key: str, lang: str, **fields: object) -> str:
    """A plan-report string (:data:`PLAN_TEXT`, else the comparison report's catalogue)."""
    if key in PLAN_TEXT:
        text = PLAN_TEXT[key][lang]
        return text.format(**fields) if fields else text
    return t(key, lang, **fields)


# ---------------------------------------------------------------------------
# numbers and names


def _value(value: Any, lang: str) -> str:
    """A lever or parameter value as the report shows it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float) and not isinstance(value, bool):
        return value_label(float(f"{value:.6g}"), lang)
    return value_label(value, lang)


def _sig(x: float) -> str:
    """A parameter limit: three significant digits, a real minus sign."""
    if x != x:
        return "—"
    return f"{x:.3g}".replace("-", MINUS)


def _pct(x: float, lang: str, decimals: int = 1) -> str:
    """A share as a percentage (0.123 → ``12.3 %``, ``12.3%`` in Chinese)."""
    if x != x:
        return "—"
    return plain(100 * x, decimals) + (" %" if lang == "en" else "%")


def _ci(kpi: str, ci: Sequence[float] | None, lang: str) -> str:
    """`` [lo, hi]`` in display units without the unit, as the comparison report writes it."""
    if not ci or len(ci) != 2 or any(c is None or c != c for c in ci):
        return ""
    # No break inside the brackets: a narrow cell wraps before them, not within them.
    return f" [{_bare(kpi, float(ci[0]), lang)},\u00a0{_bare(kpi, float(ci[1]), lang)}]"


def _stat(name: str, lang: str) -> str:
    if name in ("mean", "median", "min", "max"):
        return _t(f"stat_{name}", lang)
    return _t("stat_q", lang, q=round(100 * QUANTILES[name]))


def _op(op: str) -> str:
    return {">=": "≥", "<=": "≤"}.get(op, op)


def target_text(target: TargetSpec, lang: str) -> str:
    """A target in words: ``On-time closure rate (10th percentile) ≥ 90.0 %``."""
    value = format_kpi(target.kpi, target.value, lang)
    kpi = kpi_label(target.kpi, lang)
    if target.statistic == "mean":
        return _t("target_phrase", lang, kpi=kpi, op=_op(target.op), value=value)
    stat = _stat(target.statistic, lang)
    return _t("target_stat", lang, kpi=kpi, stat=stat, op=_op(target.op), value=value)


def _statistic_label(target: TargetSpec, lang: str) -> str:
    """A target's statistic with its unit, for axes and table headers.

    ``On-time closure rate, 10th percentile (%)``; ``按期结案率（10%分位数，%）``.
    """
    if target.statistic == "mean":
        return kpi_axis_label(target.kpi, lang)
    unit = kpi_scale(target.kpi, lang)[1] if kind_of(target.kpi) != "days" else ""
    stat = _stat(target.statistic, lang)
    name = kpi_label(target.kpi, lang)
    if lang == "en":
        return f"{name}, {stat}" + (f" ({unit})" if unit else "")
    return f"{name}（{stat}" + (f"，{unit}）" if unit else "）")


def _join(items: Sequence[str], lang: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return t("list_sep", lang).join(items[:-1]) + _t("and", lang) + items[-1]


def _lookup(scenario: Any, key: str) -> Any:
    """A scenario's value of a dotted key, or None (a derived lever, an unknown key)."""
    obj = scenario
    for part in key.split("."):
        if isinstance(obj, dict):
            if part not in obj:
                return None
            obj = obj[part]
        elif hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            return None
    return obj


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _lever_values(params: dict[str, Any], lang: str) -> str:
    """``Households per grid = 450, Cadre posting = rotation`` (``、`` in Chinese)."""
    return t("list_sep", lang).join(
        f"{param_label(k, lang)} = {_value(v, lang)}" for k, v in params.items()
    )


def changed_levers(result: PlanResult, design: Design) -> dict[str, Any]:
    """The design's lever values that differ from today's (a derived lever always counts)."""
    base = result.plan.base
    return {
        k: v
        for k, v in design.params.items()
        if (today := _lookup(base, k)) is None or not _same(today, v)
    }


def _cost(result: PlanResult) -> tuple[float, float]:
    """The recommended design's cost (fresh runs) and today's (the search's runs)."""
    w = result.winner
    nan = float("nan")
    cost_w = (result.kpis.get("cost") or {}).get("mean")
    if cost_w is None and w is not None:
        cost_w = w.means.get("cost", nan)
    cost_b = result.baseline.means.get("cost", nan) if result.baseline is not None else nan
    return float(nan if cost_w is None else cost_w), float(cost_b)


# ---------------------------------------------------------------------------
# what the report says


def _selection_designs(result: PlanResult) -> list[Design]:
    """The designs the selection compared, by its index (as :meth:`Plan.run` chose them)."""
    if result.compared:
        return list(result.compared)
    spec = result.plan.spec
    ranked = result.search.ranked(spec.objective.sense, spec.targets)
    return [d for d in ranked if d.feasible][: spec.selection.top]


def _binding(result: PlanResult) -> tuple[str | None, Design | None]:
    """The binding target's KPI and the nearest design (for an infeasible plan)."""
    spec = result.plan.spec
    near = result.nearest(1)
    design = near[0] if near else None
    kpi = design.binding(spec.targets) if design is not None else None
    if kpi is None:  # designs met the targets in the search; the fresh runs said no
        sel = result.selection
        counts: dict[str, int] = {}
        for reason in (getattr(sel, "eliminated", None) or {}).values():
            if str(reason).startswith("infeasible:"):
                for k in str(reason).split(":", 1)[1].split(","):
                    counts[k.strip()] = counts.get(k.strip(), 0) + 1
        if counts:
            kpi = max(counts, key=lambda k: (counts[k], -list(counts).index(k)))
    return kpi, design


def recommendation(result: PlanResult, lang: str = "en") -> str:
    """The answer in one plain sentence, in the report's language (plain text).

    Feasible: the design (its lever values that differ from today's), the
    targets it meets with their estimates from the fresh runs, and its cost
    against today's design. Infeasible: that plainly, and the binding target
    with what the nearest design reaches.
    """
    check_lang(lang)
    spec = result.plan.spec
    by_kpi = {tg.kpi: tg for tg in spec.targets}
    w = result.winner
    if w is None:
        designs = result.search.designs
        k = sum(d.feasible for d in designs)
        head = (
            _t("infeasible_fresh", lang, n=len(designs), k=k)
            if k
            else _t("infeasible", lang, n=len(designs))
        )
        kpi, near = _binding(result)
        if kpi is None or kpi not in by_kpi:
            return head + _t("no_binding", lang)
        target = target_text(by_kpi[kpi], lang)
        reached = near.statistics.get(kpi, float("nan")) if near is not None else float("nan")
        if near is None or reached != reached:
            return head + _t("binding_plain", lang, target=target)
        return head + _t(
            "binding",
            lang,
            target=target,
            trial=near.number,
            value=format_kpi(kpi, reached, lang),
        )
    changed = changed_levers(result, w)
    levers = _lever_values(changed, lang) if changed else _t("levers_as_today", lang)
    if changed and len(changed) < len(w.params):
        levers += _t("others_as_today", lang)
    met, missed = [], []
    for tg in spec.targets:
        v = result.verified.get(tg.kpi)
        estimate = v["estimate"] if v else w.statistics.get(tg.kpi, float("nan"))
        phrase = target_text(tg, lang) + _t(
            "value_paren", lang, value=format_kpi(tg.kpi, estimate, lang)
        )
        (met if (v is None or v.get("met", True)) else missed).append(phrase)
    met_text = _join(met, lang) if met else _t("no_target", lang)
    missed_text = _t("missed_within", lang, targets=_join(missed, lang)) if missed else ""
    cost_w, cost_b = _cost(result)
    if cost_w != cost_w or cost_b != cost_b or not cost_b:
        return _t("recommend_no_cost", lang, levers=levers, met=met_text, missed=missed_text)
    factor, unit = kpi_scale("cost", lang)
    delta = (cost_w - cost_b) * factor
    pct = (cost_w / cost_b - 1.0) * 100
    return _t(
        "recommend",
        lang,
        levers=levers,
        met=met_text,
        missed=missed_text,
        cost=format_kpi("cost", cost_w, lang),
        pct=signed(pct, 1) + (" %" if lang == "en" else "%"),
        delta=signed(delta, 1) + (" " if lang == "en" else "") + unit,
        base=format_kpi("cost", cost_b, lang),
    )


def _lever_codes(lever: LeverSpec, values: Sequence[Any]) -> np.ndarray:
    """A lever's values as numbers: a choice by its place in the plan's list."""
    if lever.kind != "choice":
        return np.array([float(v) if v is not None else np.nan for v in values])
    order = {repr(c): i for i, c in enumerate(lever.choices or [])}
    return np.array([float(order.get(repr(v), np.nan)) for v in values])


def lever_importance(result: PlanResult) -> pd.DataFrame:
    """Spearman rank correlation of every lever with the objective and with feasibility.

    Over the designs the search tried; a lever with choices is ranked in the
    order the plan lists them (booleans: false < true). NaN where the lever or
    the other variable does not vary (or fewer than three designs).

    Returns:
        One row per lever: ``lever``, ``rho_objective``, ``rho_feasible``, ``n``.
    """
    from scipy.stats import spearmanr

    designs = result.search.designs
    objective = np.array([d.objective for d in designs], dtype=float)
    feasible = np.array([float(d.feasible) for d in designs])
    rows = []
    for lever in result.plan.spec.levers:
        x = _lever_codes(lever, [d.params.get(lever.key) for d in designs])

        def rho(y: np.ndarray, x: np.ndarray = x) -> float:
            ok = ~(np.isnan(x) | np.isnan(y))
            if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
                return float("nan")
            return float(spearmanr(x[ok], y[ok]).statistic)

        rows.append(
            {
                "lever": lever.key,
                "rho_objective": rho(objective),
                "rho_feasible": rho(feasible),
                "n": len(designs),
            }
        )
    return pd.DataFrame(rows, columns=["lever", "rho_objective", "rho_feasible", "n"])


def _service_kpi(result: PlanResult) -> tuple[str | None, str]:
    """The main service KPI of the front: the search's front, else the first target.

    Returns:
        The KPI (None: none) and where a design's value of it is read:
        ``"means"`` or ``"statistics"`` (a target's robust statistic).
    """
    spec = result.plan.spec
    if spec.search.front:
        return spec.search.front, "means"
    if spec.targets:
        return spec.targets[0].kpi, "statistics"
    return None, "means"


# ---------------------------------------------------------------------------
# figures


def _legend(fig: Figure, entries: Sequence[tuple[str, dict[str, Any]]]) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], **style) for _, style in entries]
    fig.legend(
        handles, [label for label, _ in entries], loc="outside lower center", ncol=len(entries)
    )


def _marks(lang: str) -> dict[str, tuple[str, dict[str, Any]]]:
    from gridsim.reports.drawing import BASELINE_COLOR, PALETTE

    blue, orange = PALETTE[0], PALETTE[1]
    return {
        "feasible": (
            _t("lg_feasible", lang),
            {"marker": "o", "ls": "", "mfc": blue, "mec": blue, "ms": 5},
        ),
        "infeasible": (
            _t("lg_infeasible", lang),
            {"marker": "o", "ls": "", "mfc": "white", "mec": "#8c8c8c", "ms": 5},
        ),
        "winner": (
            _t("lg_winner", lang),
            {"marker": "*", "ls": "", "mfc": orange, "mec": "#7a3000", "ms": 12},
        ),
        "today": (
            _t("lg_today", lang),
            {"marker": "D", "ls": "", "mfc": BASELINE_COLOR, "mec": BASELINE_COLOR, "ms": 6},
        ),
    }


def _scatter(ax: Any, x: np.ndarray, y: np.ndarray, feasible: np.ndarray, lang: str) -> None:
    marks = _marks(lang)
    for key, sel in (("infeasible", ~feasible), ("feasible", feasible)):
        st = marks[key][1]
        ax.scatter(
            x[sel],
            y[sel],
            s=26,
            marker=st["marker"],
            facecolors=st["mfc"],
            edgecolors=st["mec"],
            linewidths=1.0,
            zorder=3,
        )


def _highlight(ax: Any, key: str, x: float, y: float, lang: str) -> None:
    if x != x or y != y:
        return
    st = _marks(lang)[key][1]
    ax.plot([x], [y], zorder=5, **st)


def _front_line(x: np.ndarray, y: np.ndarray, bx: float, by: float) -> list[tuple[float, float]]:
    """The points no other point beats on both axes, by x (``bx``/``by``: +1 if more is better)."""
    pts = [(float(a), float(b)) for a, b in zip(x, y, strict=True) if a == a and b == b]

    def beats(q: tuple[float, float], p: tuple[float, float]) -> bool:
        return q != p and bx * q[0] >= bx * p[0] and by * q[1] >= by * p[1]

    return sorted({p for p in pts if not any(beats(q, p) for q in pts)})


def front_figure(result: PlanResult, lang: str = "en") -> Figure:
    """Every design's objective against the main service KPI and its worst shortfall.

    Feasible designs filled, infeasible hollow, the recommended design a star,
    today's design a black diamond; the feasible front dashed; the service
    target's value dotted. Without targets or a front KPI, the objective by trial.
    """
    from gridsim.reports.drawing import _figure, _no_data, _Ticks, style

    check_lang(lang)
    spec = result.plan.spec
    obj = spec.objective.kpi
    designs = result.search.designs
    service, where = _service_kpi(result)
    with style(lang):
        fig = _figure(10, 4.4)
        if not designs:
            return _no_data(fig, lang)
        fx = kpi_scale(obj, lang)[0]
        x = np.array([d.objective for d in designs], dtype=float)
        feasible = np.array([d.feasible for d in designs])
        w, b = result.winner, result.baseline
        entries = [_marks(lang)[k] for k in ("feasible", "infeasible")]
        entries += [_marks(lang)["today"]] + ([_marks(lang)["winner"]] if w is not None else [])
        if service is None:
            ax = fig.subplots()
            n = np.array([d.number for d in designs], dtype=float)
            _scatter(ax, n, x, feasible, lang)
            ax.set_xlabel(_t("ax_trial", lang))
            ax.set_ylabel(kpi_axis_label(obj, lang))
            ax.yaxis.set_major_formatter(_Ticks(fx))
            _legend(fig, entries)
            return fig
        axes = fig.subplots(1, 2) if spec.targets else [fig.subplots()]

        def sval(d: Design | None) -> float:
            if d is None:
                return float("nan")
            source = d.statistics if where == "statistics" else d.means
            v = source.get(service)
            return float("nan") if v is None else float(v)

        fy = kpi_scale(service, lang)[0]
        y = np.array([sval(d) for d in designs], dtype=float)
        ax = axes[0]
        _scatter(ax, x, y, feasible, lang)
        bx = -1.0 if spec.objective.sense == "min" else 1.0
        target = next((tg for tg in spec.targets if tg.kpi == service), None)
        lower = target.op == "<=" if target is not None else service in LOWER_IS_BETTER
        front = _front_line(x[feasible], y[feasible], bx, -1.0 if lower else 1.0)
        if len(front) > 1:
            fxs, fys = zip(*front, strict=True)
            ax.plot(fxs, fys, ls="--", color="#0072B2", lw=1.0, zorder=2)
            entries.append((_t("lg_front", lang), {"ls": "--", "color": "#0072B2", "lw": 1.0}))
        if target is not None:
            ax.axhline(target.value, ls=":", color="#b00020", lw=1.0, zorder=1)
            entries.append((_t("lg_target", lang), {"ls": ":", "color": "#b00020", "lw": 1.0}))
        _highlight(ax, "today", b.objective if b is not None else math.nan, sval(b), lang)
        if w is not None:
            _highlight(ax, "winner", w.objective, sval(w), lang)
        label = kpi_axis_label(service, lang)
        if where == "statistics" and target is not None:
            label = _statistic_label(target, lang)
        ax.set_ylabel(label)
        ax.set_xlabel(kpi_axis_label(obj, lang))
        ax.xaxis.set_major_formatter(_Ticks(fx))
        ax.yaxis.set_major_formatter(_Ticks(fy))
        if spec.targets:
            ax2 = axes[1]
            s = np.array([100 * d.relative_shortfall(spec.targets) for d in designs])
            _scatter(ax2, x, s, feasible, lang)
            if b is not None:
                _highlight(
                    ax2, "today", b.objective, 100 * b.relative_shortfall(spec.targets), lang
                )
            if w is not None:
                _highlight(ax2, "winner", w.objective, 0.0, lang)
            ax2.axhline(0.0, ls=":", color="#b00020", lw=1.0, zorder=1)
            ax2.set_xlabel(kpi_axis_label(obj, lang))
            ax2.set_ylabel(_t("ax_shortfall", lang))
            ax2.xaxis.set_major_formatter(_Ticks(fx))
            ax2.yaxis.set_major_formatter(_Ticks())
        _legend(fig, entries)
    return fig


def convergence_figure(result: PlanResult, lang: str = "en") -> Figure:
    """Each trial's objective and the best feasible objective so far, by trial."""
    from gridsim.reports.drawing import BASELINE_COLOR, PALETTE, _figure, _no_data, _Ticks, style

    check_lang(lang)
    spec = result.plan.spec
    obj = spec.objective.kpi
    designs = sorted(result.search.designs, key=lambda d: d.number)
    with style(lang):
        fig = _figure(10, 3.6)
        if not designs:
            return _no_data(fig, lang)
        ax = fig.subplots()
        n = np.array([d.number for d in designs], dtype=float)
        x = np.array([d.objective for d in designs], dtype=float)
        feasible = np.array([d.feasible for d in designs])
        _scatter(ax, n, x, feasible, lang)
        sign = 1.0 if spec.objective.sense == "min" else -1.0
        best, run = math.inf, []
        for d in designs:
            if d.feasible and d.objective == d.objective and sign * d.objective < best:
                best = sign * d.objective
            run.append(sign * best if best < math.inf else math.nan)
        ax.plot(n, run, drawstyle="steps-post", color=PALETTE[0], lw=1.6, zorder=4)
        entries = [_marks(lang)[k] for k in ("feasible", "infeasible")]
        entries.append((_t("lg_best", lang), {"color": PALETTE[0], "lw": 1.6}))
        b = result.baseline
        if b is not None and b.objective == b.objective:
            ax.axhline(b.objective, ls=":", color=BASELINE_COLOR, lw=1.0, zorder=1)
            entries.append((_t("lg_today", lang), {"ls": ":", "color": BASELINE_COLOR}))
        if result.winner is not None:
            _highlight(ax, "winner", float(result.winner.number), result.winner.objective, lang)
            entries.append(_marks(lang)["winner"])
        ax.set_xlabel(_t("ax_trial", lang))
        ax.set_ylabel(kpi_axis_label(obj, lang))
        ax.yaxis.set_major_formatter(_Ticks(kpi_scale(obj, lang)[0]))
        _legend(fig, entries)
    return fig


def levers_figure(result: PlanResult, lang: str = "en") -> Figure:
    """The levers' rank correlations with the objective and with feasibility (bars)."""
    from gridsim.reports.drawing import PALETTE, _figure, _no_data, _Ticks, style

    check_lang(lang)
    imp = lever_importance(result)
    obj = kpi_label(result.plan.spec.objective.kpi, lang)
    with style(lang):
        fig = _figure(10, 1.2 + 0.32 * max(len(imp), 1))
        if imp.empty or imp[["rho_objective", "rho_feasible"]].isna().all().all():
            return _no_data(fig, lang)
        axes = fig.subplots(1, 2, sharey=True)
        labels = [param_label(k, lang) for k in imp["lever"]]
        ypos = np.arange(len(imp))[::-1]
        for ax, col, title, colour in (
            (axes[0], "rho_objective", _t("ax_rho_obj", lang, objective=obj), PALETTE[0]),
            (axes[1], "rho_feasible", _t("ax_rho_feas", lang), PALETTE[2]),
        ):
            vals = imp[col].to_numpy(dtype=float)
            ax.barh(ypos, np.nan_to_num(vals), color=colour, height=0.6, zorder=3)
            for yy, v in zip(ypos, vals, strict=True):
                text = "—" if v != v else signed(v, 2)
                ax.text(
                    (v if v == v else 0.0) + (0.04 if (v != v or v >= 0) else -0.04),
                    yy,
                    text,
                    va="center",
                    ha="left" if (v != v or v >= 0) else "right",
                    fontsize=7.5,
                )
            ax.axvline(0, color="#666666", lw=0.8)
            ax.set_xlim(-1.4, 1.4)
            ax.set_xticks([-1, -0.5, 0, 0.5, 1])
            ax.set_title(title)
            ax.xaxis.set_major_formatter(_Ticks(signed=True))
        axes[0].set_yticks(ypos, labels)
    return fig


def _figure_specs(result: PlanResult, lang: str) -> list[tuple[str, Any, str, str]]:
    """(stem, draw, title, caption) of every figure, in report order.

    The draw functions are looked up when the report is written (so a test or
    a user can replace one on the module).
    """
    service, _ = _service_kpi(result)
    if service is None:
        front_caption = _t("cap_front_single", lang)
    else:
        key = "cap_front" if result.plan.spec.targets else "cap_front_one"
        front_caption = _t(key, lang, service=kpi_label(service, lang))
    return [
        ("plan_front", front_figure, _t("fig_front", lang), front_caption),
        (
            "plan_convergence",
            convergence_figure,
            _t("fig_convergence", lang),
            _t("cap_convergence", lang),
        ),
        (
            "plan_levers",
            levers_figure,
            _t("fig_levers", lang),
            _t("cap_levers", lang, n=len(result.search.designs)),
        ),
    ]


def write_plan_figures(result: PlanResult, out_dir: str | Path, lang: str = "en") -> list[Any]:
    """Draw every plan figure and write it as PNG and SVG into ``out_dir``.

    Returns:
        The figures written (:class:`gridsim.reports.html.FigureFile`), in report order.
    """
    from gridsim.reports.drawing import save_figure

    check_lang(lang)
    out = Path(out_dir)
    written = []
    for stem, draw, title, caption in _figure_specs(result, lang):
        png, svg = save_figure(draw(result, lang), out, stem)
        written.append(FigureFile(stem, title, caption, png, svg))
    return written


# ---------------------------------------------------------------------------
# HTML

_PLAN_CSS = """
.summary.infeasible { border-left-color: #b00020; background: #fdf0f0; }
.summary p.verdict { font-size: 1.08rem; margin: .2rem 0 .6rem; }
td.ok { color: #1e5b2b; font-weight: 600; }
td.miss { color: #b00020; font-weight: 600; }
tr.winner td { background: #fff6d6; }
td.levers { min-width: 12em; font-size: .8rem; }
th.num { white-space: normal; }
#table-selection td.num, #table-winner-kpis td.num, #table-targets td.num { white-space: normal; }
"""


class _Tables:
    """Numbers the report's tables in order."""

    def __init__(self) -> None:
        self.n = 0

    def caption(self, lang: str, title: str, text: str = "") -> str:
        self.n += 1
        head = f"{t('table_n', lang, n=self.n)} {_t(title, lang)}{t('stop', lang)}"
        tail = f" {_e(text)}" if text else ""
        return f"<caption><b>{_e(head)}</b>{tail}</caption>"


def _table(caption: str, head: Sequence[tuple[str, bool]], rows: Sequence[str], tid: str) -> str:
    cells = "".join(f"<th{' class=num' if num else ''}>{_e(h)}</th>" for h, num in head)
    return (
        f"<table id='{tid}'>{caption}<thead><tr>{cells}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _td(text: object, num: bool = False, cls: str = "") -> str:
    classes = " ".join(c for c in ("num" if num else "", cls) if c)
    attr = f' class="{classes}"' if classes else ""
    return f"<td{attr}>{_e(text)}</td>"


def _key_cell(key: str, lang: str) -> str:
    label = param_label(key, lang)
    if label == key:
        return f"<td class='key'>{_breakable(key)}</td>"
    return f"<td>{_e(label)} <span class='key'>{_breakable(key)}</span></td>"


def _summary_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    spec = result.plan.spec
    sentence = recommendation(result, lang)
    parts = [f"<p class='verdict'>{_e(sentence)}</p>"]
    w = result.winner
    if w is not None and spec.targets:
        rows = []
        for tg in spec.targets:
            v = result.verified.get(tg.kpi) or {}
            search_est = w.statistics.get(tg.kpi, float("nan"))
            fresh = v.get("estimate", float("nan"))
            met = bool(v.get("met")) if v else w.shortfall.get(tg.kpi, 1.0) <= 0
            rows.append(
                "<tr>"
                + _td(target_text(tg, lang))
                + _td(format_kpi(tg.kpi, search_est, lang), num=True)
                + _td(format_kpi(tg.kpi, fresh, lang) + _ci(tg.kpi, v.get("ci95"), lang), True)
                + _td(_t("yes" if met else "no", lang), cls="ok" if met else "miss")
                + "</tr>"
            )
        head = [
            (_t("col_target", lang), False),
            (_t("col_search_est", lang), True),
            (_t("col_fresh_est", lang), True),
            (_t("col_met", lang), False),
        ]
        parts.append(_table(tables.caption(lang, "tab_targets"), head, rows, "table-targets"))
    if w is not None and result.kpis:
        rows = []
        b = result.baseline
        for kpi, v in result.kpis.items():
            today = b.means.get(kpi, float("nan")) if b is not None else float("nan")
            rows.append(
                "<tr>"
                + _td(kpi_label(kpi, lang))
                + _td(format_kpi(kpi, today, lang), num=True)
                + _td(
                    format_kpi(kpi, v.get("mean", float("nan")), lang)
                    + _ci(kpi, v.get("ci95"), lang),
                    num=True,
                )
                + "</tr>"
            )
        head = [
            (t("kpi", lang), False),
            (_t("col_today", lang), True),
            (_t("col_recommended", lang), True),
        ]
        caption = tables.caption(lang, "tab_kpis", _t("cap_kpis", lang))
        parts.append(_table(caption, head, rows, "table-winner-kpis"))
    if w is None:
        parts.append(f"<p>{_e(_t('nearest_intro', lang, n=tables.n + 1))}</p>")
        parts.append(_nearest_html(result, lang, tables))
    note = "summary_note" if w is not None else "summary_note_search"
    parts.append(f"<p class='note'>{_e(_t(note, lang))}</p>")
    cls = "summary" if w is not None else "summary infeasible"
    return (
        f"<section class='{cls}' id='recommendation'>"
        f"<h2>{_e(_t('sec_recommendation', lang))}</h2>{''.join(parts)}</section>"
    )


def _nearest_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    spec = result.plan.spec
    rows = []
    for d in result.nearest():
        cells = [_td(d.number, num=True), _td(_lever_values(d.params, lang), cls="levers")]
        for tg in spec.targets:
            miss = d.shortfall.get(tg.kpi, 0.0) > 0
            value = _bare(tg.kpi, d.statistics.get(tg.kpi, math.nan), lang)
            cells.append(_td(value, True, "miss" if miss else ""))
        cells.append(_td(_pct(d.relative_shortfall(spec.targets), lang), num=True))
        cells.append(_td(_bare(spec.objective.kpi, d.objective, lang), num=True))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = [(_t("col_trial", lang), True), (_t("col_levers", lang), False)]
    head += [(_statistic_label(tg, lang), True) for tg in spec.targets]
    head += [(_t("col_worst", lang), True), (kpi_axis_label(spec.objective.kpi, lang), True)]
    targets = t("clause_sep", lang).join(target_text(tg, lang) for tg in spec.targets)
    caption = tables.caption(lang, "tab_nearest", _t("cap_nearest", lang, targets=targets))
    return _table(caption, head, rows, "table-nearest")


def _changes_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    w = result.winner
    if w is None:
        return ""
    base = result.plan.base
    keys = list(w.params) + [k for k in w.changes if k not in w.params]
    rows = []
    for key in keys:
        new = w.params[key] if key in w.params else w.changes[key]
        today = _lookup(base, key)
        changed = today is None or not _same(today, new)
        rows.append(
            f"<tr{' class=changed' if changed else ''}>{_key_cell(key, lang)}"
            + _td(_value(today, lang), num=True)
            + _td(_value(new, lang), num=True)
            + "</tr>"
        )
    head = [
        (t("param_key", lang), False),
        (_t("col_today_value", lang), True),
        (_t("col_new_value", lang), True),
    ]
    caption = tables.caption(lang, "tab_changes", _t("cap_changes", lang))
    return (
        f"<section id='changes'><h2>{_e(_t('sec_changes', lang))}</h2>"
        f"{_table(caption, head, rows, 'table-changes')}</section>"
    )


def _figure_block(figures: Sequence[FigureFile], stems: Sequence[str], lang: str) -> str:
    order = {f.stem: i for i, f in enumerate(figures, start=1)}
    return "".join(_figure_html(order[f.stem], f, lang) for f in figures if f.stem in stems)


def _importance_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    imp = lever_importance(result)
    obj = kpi_label(result.plan.spec.objective.kpi, lang)
    rows = [
        f"<tr>{_key_cell(str(r['lever']), lang)}"
        + _td(signed(r["rho_objective"], 2), num=True)
        + _td(signed(r["rho_feasible"], 2), num=True)
        + "</tr>"
        for _, r in imp.iterrows()
    ]
    head = [
        (_t("col_lever", lang), False),
        (_t("col_rho_obj", lang, objective=obj), True),
        (_t("col_rho_feas", lang), True),
    ]
    return _table(tables.caption(lang, "tab_importance"), head, rows, "table-importance")


def _outcome(i: int, sel: Any, lang: str, objective: str) -> str:
    if getattr(sel, "winner", None) == i:
        return _t("out_winner", lang)
    reason = (getattr(sel, "eliminated", None) or {}).get(i)
    if reason is None:
        return _t("out_open" if i in (getattr(sel, "feasible", None) or []) else "out_left", lang)
    reason = str(reason)
    if reason.startswith("infeasible"):
        kpis = [k.strip() for k in reason.split(":", 1)[-1].split(",") if k.strip()]
        labels = t("list_sep", lang).join(kpi_label(k, lang) for k in kpis)
        return _t("out_infeasible", lang, kpis=labels)
    if reason.startswith("worse objective"):
        return _t("out_worse", lang, objective=kpi_label(objective, lang))
    if "max_replications" in reason:
        return _t("out_cap", lang)
    return reason


def _delta_text(kpi: str, delta: float, lang: str) -> str:
    if kind_of(kpi) == "rate":
        return plain(100 * delta, 1) + (" pp" if lang == "en" else "个百分点")
    return format_kpi(kpi, delta, lang)


def _selection_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    spec = result.plan.spec
    sel = result.selection
    title = f"<h2>{_e(_t('sec_selection', lang))}</h2>"
    if sel is None:
        return f"<section id='selection'>{title}<p>{_e(_t('sel_skipped', lang))}</p></section>"
    obj = spec.objective.kpi
    compared = _selection_designs(result)
    reps = getattr(sel, "replications", None) or {}
    means = getattr(sel, "means", None) or {}
    ci95 = getattr(sel, "ci95", None) or {}
    indices = sorted(set(reps) | set(means)) or list(range(len(compared)))
    pcs = getattr(sel, "pcs", None)
    if pcs is None and getattr(sel, "alpha", None) is not None:
        pcs = 1.0 - float(sel.alpha)
    delta = getattr(sel, "delta", None)
    intro = _t(
        "sel_intro",
        lang,
        k=len(indices),
        n0=getattr(sel, "n0", "—"),
        pcs=_pct(float(pcs), lang, 0) if pcs is not None else "—",
        delta=_delta_text(obj, float(delta), lang) if delta is not None else "—",
    )
    winner = getattr(sel, "winner", None)
    if winner is not None and winner < len(compared):
        intro += " " + _t("sel_winner", lang, trial=compared[winner].number)
    elif winner is None:
        intro += " " + _t("sel_none", lang)
    parts = [f"<p>{_e(intro)}</p>"]
    if getattr(sel, "stopped_early", False):
        parts.append(f"<p class='note'><b>{_e(_t('sel_early', lang))}</b></p>")
    kpis = list(dict.fromkeys([obj, *(tg.kpi for tg in spec.targets)]))
    rows = []
    for i in indices:
        d = compared[i] if i < len(compared) else None
        cells = [
            _td(d.number if d is not None else f"#{i}", num=True),
            _td(_lever_values(d.params, lang) if d is not None else "—", cls="levers"),
            _td(plain(float(reps.get(i, math.nan)), 0), num=True),
        ]
        for kpi in kpis:
            m = (means.get(i) or {}).get(kpi, math.nan)
            cells.append(
                _td(_bare(kpi, m, lang) + _ci(kpi, (ci95.get(i) or {}).get(kpi), lang), True)
            )
        cells.append(_td(_outcome(i, sel, lang, obj)))
        rows.append(f"<tr{' class=winner' if i == winner else ''}>" + "".join(cells) + "</tr>")
    head = [
        (_t("col_trial", lang), True),
        (_t("col_levers", lang), False),
        (_t("col_reps", lang), True),
    ]
    head += [(kpi_axis_label(k, lang), True) for k in kpis]
    head += [(_t("col_outcome", lang), False)]
    caption = tables.caption(lang, "tab_selection", _t("cap_selection", lang))
    parts.append(_table(caption, head, rows, "table-selection"))
    return f"<section id='selection'>{title}{''.join(parts)}</section>"


def _conditions(box: dict[str, Any], ranges: dict[str, tuple[float, float]], lang: str) -> list:
    """(key, condition text) per restricted column of a box (``to_dict`` form)."""
    out = []
    limits = box.get("limits") or {}
    for key in box.get("restricted") or []:
        lo, hi = (float(v) for v in limits.get(key, (math.nan, math.nan)))
        full_lo, full_hi = ranges.get(key, (-math.inf, math.inf))
        name = param_label(key, lang)
        lower, upper = lo > full_lo, hi < full_hi
        if lower and upper:
            out.append((key, f"{_sig(lo)} < {name} < {_sig(hi)}"))
        elif lower:
            out.append((key, f"{name} > {_sig(lo)}"))
        else:
            out.append((key, f"{name} < {_sig(hi)}"))
    return out


def _sample_ranges(disc: Any) -> dict[str, tuple[float, float]]:
    sample = getattr(disc, "sample", None)
    if not isinstance(sample, pd.DataFrame) or sample.empty:
        return {}
    return {
        str(c): (float(sample[c].min()), float(sample[c].max()))
        for c in sample.columns
        if pd.api.types.is_numeric_dtype(sample[c])
    }


def _ranges_table(ranges: dict[str, tuple[float, float]], lang: str, caption: str, tid: str) -> str:
    rows = [
        f"<tr>{_key_cell(k, lang)}" + _td(_sig(lo), True) + _td(_sig(hi), True) + "</tr>"
        for k, (lo, hi) in ranges.items()
    ]
    head = [
        (t("param_key", lang), False),
        (_t("col_low", lang), True),
        (_t("col_high", lang), True),
    ]
    return _table(caption, head, rows, tid)


def _failures_html(result: PlanResult, lang: str, tables: _Tables) -> str:
    title = f"<h2>{_e(_t('sec_failures', lang))}</h2>"
    disc = result.discovery
    if disc is None:
        key = "disc_none" if result.winner is None else "disc_off"
        return f"<section id='failures'>{title}<p>{_e(_t(key, lang))}</p></section>"
    failed = np.asarray(getattr(disc, "failed", []), dtype=bool)
    runs, n_failed = len(failed), int(failed.sum())
    parts = [
        "<p>"
        + _e(
            _t(
                "disc_intro",
                lang,
                runs=plain(runs, 0),
                table=tables.n + 1,
                failed=plain(n_failed, 0),
                rate=_pct(n_failed / runs if runs else math.nan, lang),
            )
        )
        + "</p>"
    ]
    ranges = _sample_ranges(disc)
    caption = tables.caption(lang, "tab_sampled")
    parts.append(_ranges_table(ranges, lang, caption, "table-sampled"))
    prim = getattr(disc, "prim", None)
    info = prim.to_dict() if prim is not None and hasattr(prim, "to_dict") else None
    if info is None:
        parts.append(f"<p>{_e(_t('prim_not_run' if n_failed == 0 else 'prim_no_box', lang))}</p>")
    elif not info.get("failures"):
        parts.append(f"<p>{_e(_t('prim_no_failure', lang))}</p>")
    elif info.get("box") is None:
        parts.append(f"<p>{_e(_t('prim_no_box', lang))}</p>")
    elif not info["box"].get("restricted"):
        box = info["box"]
        parts.append(
            f"<p>{_e(_t('prim_everywhere', lang, failures=box.get('failures'), n=box.get('n')))}"
            "</p>"
        )
    else:
        box = info["box"]
        parts.append(
            "<p>"
            + _e(
                _t(
                    "prim_intro",
                    lang,
                    coverage=_pct(float(box.get("coverage", math.nan)), lang, 0),
                    density=_pct(float(box.get("density", math.nan)), lang, 0),
                    mass=_pct(float(box.get("mass", math.nan)), lang, 0),
                    failures=plain(float(box.get("failures", math.nan)), 0),
                    n=plain(float(box.get("n", math.nan)), 0),
                )
            )
            + "</p>"
        )
        qp = box.get("qp") or {}
        rows = [
            f"<tr>{_key_cell(key, lang)}"
            + _td(text)
            + _td(f"{qp[key]:.2g}" if key in qp else "—", num=True)
            + "</tr>"
            for key, text in _conditions(box, ranges, lang)
        ]
        head = [
            (t("param_key", lang), False),
            (_t("col_condition", lang), False),
            (_t("col_qp", lang), True),
        ]
        parts.append(_table(tables.caption(lang, "tab_prim"), head, rows, "table-prim"))
    leaves = [b.to_dict() if hasattr(b, "to_dict") else dict(b) for b in getattr(disc, "cart", [])]
    if leaves:
        parts.append(f"<p>{_e(_t('cart_intro', lang))}</p>")
        rows = []
        for i, leaf in enumerate(leaves, start=1):
            conds = [text for _, text in _conditions(leaf, ranges, lang)]
            rows.append(
                "<tr>"
                + _td(i, num=True)
                + _td("; ".join(conds) if conds else _t("whole_sample", lang))
                + _td(plain(float(leaf.get("n", math.nan)), 0), num=True)
                + _td(plain(float(leaf.get("failures", math.nan)), 0), num=True)
                + _td(_pct(float(leaf.get("density", math.nan)), lang, 0), num=True)
                + _td(_pct(float(leaf.get("coverage", math.nan)), lang, 0), num=True)
                + "</tr>"
            )
        head = [
            (_t("col_leaf", lang), True),
            (_t("col_conditions", lang), False),
            (_t("col_runs", lang), True),
            (_t("col_failures", lang), True),
            (_t("col_fail_rate", lang), True),
            (_t("col_coverage", lang), True),
        ]
        parts.append(_table(tables.caption(lang, "tab_cart"), head, rows, "table-cart"))
    return f"<section id='failures'>{title}{''.join(parts)}</section>"


def base_parameters_html(scenario: Any, changes: dict[str, Any], lang: str, number: int) -> str:
    """The comparison report's parameter table of a scenario, ``changes`` highlighted.

    A thin wrapper of :func:`gridsim.reports.tables._params_table_html`, which
    reads a comparison's baseline scenario and its variants' changes.

    Args:
        scenario: The base scenario (today's design).
        changes: Scenario keys a design changes (highlighted rows).
        lang: Report language.
        number: The table's number.
    """
    experiment = SimpleNamespace(
        baseline=SimpleNamespace(scenario=scenario),
        variants=[SimpleNamespace(changes=dict(changes))],
    )
    html = _params_table_html(SimpleNamespace(experiment=experiment), lang, number)  # type: ignore[arg-type]
    return html.replace(
        _e(f"{t('tab_params', lang)}{t('stop', lang)}"),
        _e(f"{_t('tab_base_params', lang)}{t('stop', lang)}"),
        1,
    )


def _points_text(point: dict[str, Any], lang: str) -> str:
    if not point:
        return _t("today_point", lang)
    return _lever_values(point, lang)


def _assumptions_html(result: PlanResult, lang: str, tables: _Tables, now: dt.datetime) -> str:
    """The plan's uncertainty, today's parameters and the run details."""
    spec = result.plan.spec
    u = spec.uncertainty
    parts = []
    if u.points:
        parts.append(f"<p>{_e(_t('points_intro', lang, reps=spec.replications))}</p>")
        rows = [
            "<tr>" + _td(i, num=True) + _td(_points_text(p, lang)) + "</tr>"
            for i, p in enumerate(u.points, start=1)
        ]
        head = [(_t("col_point", lang), True), (_t("col_values", lang), False)]
        parts.append(_table(tables.caption(lang, "tab_points"), head, rows, "table-points"))
    if u.ranges:
        parts.append(f"<p>{_e(_t('ranges_intro', lang, samples=u.samples))}</p>")
        caption = tables.caption(lang, "tab_ranges")
        parts.append(_ranges_table(dict(u.ranges), lang, caption, "table-ranges"))
    changes = result.winner.changes if result.winner is not None else {}
    tables.n += 1
    parts.append(base_parameters_html(result.plan.base, changes, lang, tables.n))
    parts.append(_run_details_html(result, lang, now))
    body = "".join(parts)
    return f"<section id='assumptions'><h2>{_e(t('assumptions', lang))}</h2>{body}</section>"


def _description(spec: Any, lang: str) -> str:
    """The plan's description in the report's language (the English one without a Chinese)."""
    return (getattr(spec, "description_zh", "") if lang == "zh" else "") or spec.description


def _stopped(result: PlanResult, lang: str) -> str:
    stopped = result.search.stopped
    patience = result.plan.spec.search.patience
    if stopped == "patience" and patience is not None:
        return _t("stopped_patience", lang, patience=patience)
    key = "stopped_patience_plain" if stopped == "patience" else f"stopped_{stopped}"
    return _t(key, lang) if key in PLAN_TEXT else stopped


def _run_details_html(result: PlanResult, lang: str, now: dt.datetime) -> str:
    plan = result.plan
    spec = plan.spec
    s = result.search
    kpi = kpi_label(spec.objective.kpi, lang)
    source, base_path = getattr(plan, "source", None), plan.base_path
    items = [  # (label key, HTML)
        ("plan_name", f"<code class='key'>{_e(spec.name)}</code>"),
        ("description", markdown_code(_description(spec, lang) or "—")),
        ("plan_file", _file(str(source)) if source else "—"),
        ("base_scenario", _file(str(base_path)) if base_path else "—"),
        ("district", _e(plan.base.district.name)),
        ("root_seed", _e(spec.seed)),
        (
            "objective",
            _e(_t("minimise" if spec.objective.sense == "min" else "maximise", lang, kpi=kpi)),
        ),
        ("sampler", f"<code class='key'>{_e(spec.search.sampler)}</code>"),
        ("reps_per_point", _e(spec.replications)),
        (
            "designs_tried",
            _e(_t("meta_designs", lang, n=len(s.designs), stopped=_stopped(result, lang))),
        ),
        ("search_time", _e(_t("seconds", lang, s=plain(float(s.seconds), 0)))),
        ("resumed", _e(getattr(s, "resumed", 0))),
        ("simulated_days", _e(plan.base.simulation.days)),
        ("report_version", _e(__version__)),
        ("report_date", _e(f"{now:%Y-%m-%d %H:%M %Z}".strip())),
    ]
    body = "".join(f"<dt>{_e(_t(k, lang))}</dt><dd>{v}</dd>" for k, v in items)
    return f"<h3>{_e(_t('tab_plan_runs', lang))}</h3><dl class='run'>{body}</dl>"


def render_plan_html(
    result: PlanResult,
    figures: Sequence[FigureFile],
    lang: str = "en",
    now: dt.datetime | None = None,
) -> str:
    """The plan report page as one HTML string (figures inlined from their PNG files).

    Args:
        result: What :meth:`gridsim.planning.plan.Plan.run` returned.
        figures: Figures already written (see :func:`write_plan_figures`).
        lang: ``"en"`` or ``"zh"``.
        now: Report time (default: now, local time).

    Returns:
        The HTML document.
    """
    check_lang(lang)
    now = now or dt.datetime.now().astimezone()
    plan = result.plan
    spec = plan.spec
    title = _t("report_title", lang, name=spec.name)
    # The plan's name is its identifier (the file's stem, the key of its runs): code.
    title_html = _e(_t("report_title", lang, name="\0")).replace(
        "\0", f'<code class="name">{_e(spec.name)}</code>'
    )
    meta = " · ".join(
        [
            _e(plan.base.district.name),
            _e(_t("lg_today", lang) + t("colon", lang)) + _file(str(plan.base_path)),
            _e(
                _t(
                    "meta_designs",
                    lang,
                    n=len(result.search.designs),
                    stopped=_stopped(result, lang),
                )
            ),
            f"{now:%Y-%m-%d}",
        ]
    )
    tables = _Tables()
    summary = _summary_html(result, lang, tables)
    changes = _changes_html(result, lang, tables)
    search = (
        f"<section id='search'><h2>{_e(_t('sec_search', lang))}</h2>"
        f"{_figure_block(figures, ('plan_front', 'plan_convergence'), lang)}</section>"
    )
    levers = (
        f"<section id='levers'><h2>{_e(_t('sec_levers', lang))}</h2>"
        f"{_figure_block(figures, ('plan_levers',), lang)}"
        f"{_importance_html(result, lang, tables)}</section>"
    )
    selection = _selection_html(result, lang, tables)
    failures = _failures_html(result, lang, tables)
    assumptions = _assumptions_html(result, lang, tables, now)
    sections = [("recommendation", "sec_recommendation")]
    if changes:
        sections.append(("changes", "sec_changes"))
    sections += [
        ("search", "sec_search"),
        ("levers", "sec_levers"),
        ("selection", "sec_selection"),
        ("failures", "sec_failures"),
        ("assumptions", "assumptions"),
    ]
    nav = "".join(f'<a href="#{a}">{_e(_t(k, lang))}</a>' for a, k in sections)
    css = _CSS.replace("FONT", HTML_FONTS[lang]) + _PLAN_CSS
    html_lang = "zh-Hans" if lang == "zh" else "en"
    text = _description(spec, lang)
    description = f'<p class="subtitle">{markdown_code(text)}</p>' if text else ""
    footer = t("generated", lang, version=__version__, date=f"{now:%Y-%m-%d %H:%M}")
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{title_html}</h1>{description}<p class='meta'>{meta}</p>"
        f"<nav>{nav}</nav></header>\n"
        f"{summary}\n{changes}\n{search}\n{levers}\n{selection}\n{failures}\n{assumptions}\n"
        f"<footer>{_e(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )


def write_plan_report(result: PlanResult, out: str | Path, lang: str = "en") -> Path:
    """Write the plan report: ``index.html`` plus every figure as PNG and SVG.

    The files replace those of an earlier plan report in ``out`` together,
    once all are written (:func:`gridsim.fileio.staged_folder`): an exception
    while drawing or writing leaves the earlier report as it was. Other files
    in ``out`` are left alone.

    Args:
        result: What :meth:`gridsim.planning.plan.Plan.run` returned.
        out: Folder to write into (created if missing).
        lang: ``"en"`` (English) or ``"zh"`` (Simplified Chinese).

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: For an unknown language.
        FontNotFoundError: For ``"zh"`` when no font with Chinese glyphs is installed.
    """
    check_lang(lang)
    font_family(lang)  # fail before drawing anything if a Chinese font is missing
    out = Path(out)
    own = [f"{stem}.{ext}" for stem in PLAN_FIGURES for ext in ("png", "svg")]
    with staged_folder(out, last=[REPORT_PAGE], remove=own) as stage:
        figures = write_plan_figures(result, stage, lang)
        atomic_write(stage / REPORT_PAGE, render_plan_html(result, figures, lang))
    return out / REPORT_PAGE


__all__ = [
    "PLAN_FIGURES",
    "PLAN_TEXT",
    "REPORT_PAGE",
    "base_parameters_html",
    "changed_levers",
    "convergence_figure",
    "front_figure",
    "lever_importance",
    "levers_figure",
    "recommendation",
    "render_plan_html",
    "target_text",
    "write_plan_figures",
    "write_plan_report",
]
