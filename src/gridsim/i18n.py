"""Labels of the comparison reports in English and Simplified Chinese, and the CJK font.

Every string a report shows — titles, axis labels, legends, table headers,
KPI names — comes from here, in the officials' terms (受理 collected, 立案
registered, 办结 resolved, 结案率 closure rate, 按期结案率 on-time closure
rate, 返工率 rework rate, 满意率 satisfaction rate, 网格 grid, 积案 backlog).

Chinese figures need a font with CJK glyphs. :func:`cjk_font` finds one on
the machine (Noto Sans CJK SC from Debian's ``fonts-noto-cjk`` first),
registers it with matplotlib's font manager *by file path* (so it works even
when matplotlib's font cache predates the font), and :func:`font_family`
returns the concrete family names to draw with. Without such a font a
Chinese report fails with :class:`FontNotFoundError`, never with boxes in
place of characters.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Literal

Lang = Literal["en", "zh"]
"""A report language."""

LANGS: tuple[str, ...] = ("en", "zh")
"""Supported report languages."""

CJK_FONT_ENV = "GRIDSIM_CJK_FONT"
"""Environment variable naming a CJK font file to use instead of searching."""

CJK_FONT_CANDIDATES: tuple[str, ...] = (
    # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    # Fedora / Arch / Alpine
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    # Source Han Sans, WenQuanYi
    "/usr/share/fonts/opentype/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    # macOS, Windows
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
"""Font files tried, in order, before asking fontconfig for a Chinese font."""

FONT_INSTALL_HINT = (
    "install one, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
    "`dnf install google-noto-sans-cjk-fonts` (Fedora), or set "
    f"{CJK_FONT_ENV}=/path/to/font.ttc"
)

HTML_FONTS: dict[str, str] = {
    "en": (
        'system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, '
        '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
    ),
    "zh": (
        '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
        '"WenQuanYi Micro Hei", system-ui, sans-serif'
    ),
}
"""CSS font stacks of the HTML report (local fonts only; nothing is downloaded)."""


class FontNotFoundError(RuntimeError):
    """No font with Chinese glyphs was found for a Chinese report."""


# ---------------------------------------------------------------------------
# KPI names

KPI_LABELS: dict[str, dict[str, str]] = {
    "households_visited": {"en": "Household visits", "zh": "走访户次"},
    "households_reached": {"en": "Households reached", "zh": "走访覆盖户数"},
    "visits_per_household": {"en": "Visits per household", "zh": "户均走访次数"},
    "issues_latent": {"en": "Issues arising", "zh": "产生问题数"},
    "issues_collected": {"en": "Issues collected", "zh": "受理量"},
    "issues_valid": {"en": "Cases registered", "zh": "立案量"},
    "issues_resolved": {"en": "Issues resolved", "zh": "办结量"},
    "resolution_rate": {"en": "Resolution rate", "zh": "办结率"},
    "replied_rate": {"en": "Reply rate", "zh": "答复率"},
    "closure_rate": {"en": "Closure rate", "zh": "结案率"},
    "on_time_rate": {"en": "On-time closure rate", "zh": "按期结案率"},
    "red_lights": {"en": "Overdue cases (red lights)", "zh": "超期亮灯数"},
    "escalations": {"en": "Escalations", "zh": "升级督办数"},
    "median_days_to_close": {"en": "Median days to close", "zh": "结案天数中位数"},
    "p90_days_to_close": {"en": "Days to close, 90th percentile", "zh": "结案天数（90%分位）"},
    "backlog_end": {"en": "Backlog at year end", "zh": "年末积案数"},
    "satisfaction": {"en": "Satisfaction rate", "zh": "满意率"},
    "satisfaction_reported": {"en": "Satisfaction rate as reported", "zh": "上报满意率"},
    "rework_rate": {"en": "Rework rate", "zh": "返工率"},
    "spot_fix_rate": {"en": "Fixed on the spot", "zh": "现场处置率"},
    "found_by_staff_share": {"en": "Found by staff", "zh": "监督员上报占比"},
    "reported_by_public_share": {"en": "Reported by residents", "zh": "公众举报占比"},
    "staff_hours": {"en": "Staff hours", "zh": "工作时数"},
    "cost": {"en": "Cost", "zh": "成本"},
    "grids": {"en": "Grids", "zh": "网格数"},
    "households": {"en": "Households", "zh": "户数"},
    "cadres": {"en": "Stationed cadres", "zh": "驻点干部数"},
}
"""Display name of every KPI in each language."""

RATE_KPIS: frozenset[str] = frozenset(
    {
        "resolution_rate",
        "replied_rate",
        "closure_rate",
        "on_time_rate",
        "satisfaction",
        "satisfaction_reported",
        "rework_rate",
        "spot_fix_rate",
        "found_by_staff_share",
        "reported_by_public_share",
    }
)
"""KPIs that are shares in [0, 1]: shown as %, differences in percentage points."""

DAY_KPIS: frozenset[str] = frozenset({"median_days_to_close", "p90_days_to_close"})
"""KPIs measured in days."""

LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "median_days_to_close",
        "p90_days_to_close",
        "backlog_end",
        "rework_rate",
        "red_lights",
        "escalations",
        "cost",
        "staff_hours",
    }
)
"""KPIs where a decrease is an improvement (the rest: higher is better or neutral)."""

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
    "households.latent_issues_per_year": {
        "en": "Latent issues per household-year",
        "zh": "每户每年潜在问题数",
    },
    "simulation.seed": {"en": "Root seed", "zh": "随机种子"},
}
"""Display names of scenario parameters (others are shown by their key)."""

VALUE_LABELS: dict[str, dict[str, str]] = {
    "true": {"en": "yes", "zh": "是"},
    "false": {"en": "no", "zh": "否"},
    "rotation": {"en": "rotation", "zh": "轮岗"},
    "fixed": {"en": "fixed", "zh": "固定"},
    "batched": {"en": "batched", "zh": "批量"},
    "same_day": {"en": "same day", "zh": "当日"},
    "central": {"en": "central (district)", "zh": "集中（区级）"},
    "tiered": {"en": "tiered", "zh": "分级"},
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
    "list_sep": {"en": ", ", "zh": "、"},
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
    # figure titles and captions
    "fig_kpi_means": {"en": "Indicators by design", "zh": "各方案主要指标"},
    "cap_kpi_means": {
        "en": (
            "Mean of each indicator over the replications, with its 95 % confidence interval "
            "(bar). The baseline is drawn in black."
        ),
        "zh": "各指标在多次重复中的均值及95%置信区间（横线）。基准方案以黑色表示。",
    },
    "fig_kpi_diffs": {"en": "Difference from the baseline", "zh": "与基准方案的差异"},
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
    "fig_open_cases": {"en": "Open cases over the year", "zh": "全年在办案件数"},
    "cap_open_cases": {
        "en": (
            "Cases open on each day: median over the replications (line) and the range "
            "from the 10th to the 90th percentile of the replications (band)."
        ),
        "zh": "每日在办案件数：多次重复的中位数（线）及10%–90%分位区间（阴影）。",
    },
    "fig_ecdf": {"en": "How quickly cases are closed", "zh": "案件办结时长分布"},
    "cap_ecdf": {
        "en": (
            "Share of registered cases closed within a given number of days of being found "
            "(all replications pooled). A curve further up and left closes cases faster."
        ),
        "zh": "发现后在给定天数内结案的立案案件占比（合并全部重复）。曲线越靠左上，结案越快。",
    },
    "fig_cost": {"en": "Cost and performance", "zh": "成本与绩效"},
    "cap_cost": {
        "en": (
            "Cost against performance, both with 95 % confidence intervals. Designs on the "
            "dashed line (Pareto frontier, ringed) are not beaten by any other design on both "
            "cost and performance (comparing means; where intervals overlap, the ranking is "
            "uncertain)."
        ),
        "zh": (
            "成本与绩效（均含95%置信区间）。虚线上（圈出）的方案为帕累托前沿："
            "没有其他方案在成本和绩效上同时优于它们（按均值比较；区间重叠时排序并不确定）。"
        ),
    },
    "fig_grid_map": {"en": "Grids on the map", "zh": "网格分布图"},
    "cap_grid_map": {
        "en": (
            "Each dot is a grid at its position in the district, joined to its neighbours; "
            "colour: year-end backlog per 1,000 households (top) and median days to close "
            "(bottom), averaged over the replications. Grey: no case closed. Shown: {shown}."
        ),
        "zh": (
            "每个点代表一个网格（按其在辖区中的位置，连线表示相邻网格）；颜色表示每千户年末积案数"
            "（上）和结案天数中位数（下），为多次重复的平均值。灰色：无结案。所示方案：{shown}。"
        ),
    },
    "fig_equity": {"en": "Differences between grids", "zh": "网格间差异"},
    "cap_equity": {
        "en": (
            "Spread across grids (replication averages): the box holds the middle half of "
            "the grids, the line is the median, whiskers reach the 5th and 95th percentiles."
        ),
        "zh": (
            "各网格指标的分布（多次重复平均）：箱体为中间50%的网格，"
            "中线为中位数，须线为5%和95%分位。"
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
            "十分之一网格的均值。基尼系数（0为完全均衡，1为集中于一个网格）和变异系数（CV）衡量离散程度。"
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
    return KPI_LABELS.get(kpi, {}).get(lang, kpi)


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


# ---------------------------------------------------------------------------
# fonts


def _fontconfig_chinese() -> list[str]:
    """Font files fontconfig says cover Chinese (empty without ``fc-list``)."""
    fc = shutil.which("fc-list")
    if fc is None:
        return []
    try:
        out = subprocess.run(
            [fc, ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.strip().rstrip(":") for line in out.splitlines() if line.strip()]
    # Sans before serif, Noto/Source Han first: they cover Latin well too.
    return sorted(files, key=lambda f: ("Serif" in f, "Noto" not in f and "Han" not in f, f))


def find_cjk_font_file() -> Path | None:
    """The file of a font with Chinese glyphs on this machine, if any.

    Looks at ``$GRIDSIM_CJK_FONT``, then :data:`CJK_FONT_CANDIDATES`, then
    asks fontconfig.

    Returns:
        The font file, or ``None``.
    """
    env = os.environ.get(CJK_FONT_ENV) or None
    if env not in _FOUND:  # only hits are remembered: a font installed later is found
        found = _find_font(env)
        if found is None:
            return None
        _FOUND[env] = found
    return _FOUND[env]


_FOUND: dict[str | None, Path] = {}


def _find_font(env: str | None) -> Path | None:
    if env:
        return Path(env) if Path(env).is_file() else None
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    for candidate in _fontconfig_chinese():
        if Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.cache
def _register(path: str) -> str | None:
    """Add a font file to matplotlib's font manager; return its best family name."""
    from matplotlib import font_manager

    before = {id(f) for f in font_manager.fontManager.ttflist}
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError):
        return None
    entries = [
        f
        for f in font_manager.fontManager.ttflist
        if f.fname == path or (id(f) not in before and Path(f.fname) == Path(path))
    ]
    if not entries:
        return None
    names = [f.name for f in entries]
    # A collection holds JP/KR/SC/TC faces: pick the Simplified Chinese one.
    for pred in (
        lambda n: n.endswith(" SC") and "Mono" not in n,
        lambda n: "SC" in n and "Mono" not in n,
        lambda n: "Mono" not in n,
    ):
        picked = [n for n in names if pred(n)]
        if picked:
            return picked[0]
    return names[0]


def cjk_font(required: bool = False) -> str | None:
    """Register a CJK font with matplotlib and return its family name.

    Args:
        required: Raise instead of returning ``None`` when there is none.

    Returns:
        The family name (e.g. ``"Noto Sans CJK SC"``), or ``None``.

    Raises:
        FontNotFoundError: If ``required`` and no usable font is found.
    """
    path = find_cjk_font_file()
    name = _register(str(path)) if path is not None else None
    if name is None and required:
        env = os.environ.get(CJK_FONT_ENV)
        where = f" ({CJK_FONT_ENV}={env!r} is not a usable font)" if env else ""
        raise FontNotFoundError(
            f"a Chinese report needs a font with Chinese glyphs, and none was found{where}: "
            + FONT_INSTALL_HINT
        )
    return name


def font_family(lang: str) -> list[str]:
    """Concrete font family names to draw a report's figures with.

    Concrete names (not ``"sans-serif"``) are stored in every text artist, so
    a figure draws with the same fonts whenever and wherever it is saved or
    shown. Matplotlib falls back glyph by glyph along the list.

    Args:
        lang: ``"zh"`` puts a CJK font first and requires one; ``"en"`` uses
            DejaVu Sans, with a CJK font (if any) as fallback for Chinese
            variant names.

    Returns:
        Family names, first choice first.

    Raises:
        FontNotFoundError: For ``"zh"`` when no CJK font is installed.
    """
    check_lang(lang)
    cjk = cjk_font(required=lang == "zh")
    if lang == "zh":
        assert cjk is not None
        return [cjk, "DejaVu Sans"]
    return ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]


# ---------------------------------------------------------------------------
# numbers

MINUS = "\u2212"
"""The minus sign used in reports (not a hyphen)."""


def signed(x: float, decimals: int = 0) -> str:
    """A number with an explicit sign (``+3``, ``−2.5``) and thousands separators."""
    if math.isnan(x):
        return "—"
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if x > 0 else MINUS) + text


def plain(x: float, decimals: int = 0) -> str:
    """A number with thousands separators and a real minus sign."""
    if math.isnan(x):
        return "—"
    text = f"{x:,.{decimals}f}"
    return text.replace("-", MINUS)


def kpi_scale(kpi: str, lang: str) -> tuple[float, str]:
    """Factor and unit to show a KPI in: % for rates, million yuan or 万元 for cost.

    Returns:
        ``(factor, unit)``: display value = KPI value × factor.
    """
    if kpi in RATE_KPIS:
        return 100.0, "%"
    if kpi == "cost":
        return (1e-6, "million yuan") if lang == "en" else (1e-4, "万元")
    if kpi == "staff_hours":
        return (1e-3, "thousand hours") if lang == "en" else (1e-4, "万小时")
    if kpi in DAY_KPIS:
        return 1.0, "days" if lang == "en" else "天"
    return 1.0, ""


def _decimals(x: float) -> int:
    ax = abs(x)
    if math.isnan(ax) or ax >= 100:
        return 0
    if ax >= 10:
        return 1
    return 2 if ax < 1 else 1


def kpi_axis_label(kpi: str, lang: str) -> str:
    """A KPI's name with its display unit, for axes and panel titles."""
    unit = kpi_scale(kpi, lang)[1]
    label = kpi_label(kpi, lang)
    if not unit or kpi in DAY_KPIS:  # "days" is in the name already
        return label
    return f"{label} ({unit})" if lang == "en" else f"{label}（{unit}）"


def format_kpi(kpi: str, x: float, lang: str) -> str:
    """A KPI value for text and tables, in its display unit.

    Args:
        kpi: KPI name.
        x: Value as the model reports it (rates as shares, cost in yuan).
        lang: Report language.

    Returns:
        e.g. ``"77.3 %"``, ``"67.9 million yuan"``, ``"6,790 万元"``, ``"9,089"``.
    """
    if math.isnan(x):
        return "—"
    factor, unit = kpi_scale(kpi, lang)
    v = x * factor
    if kpi in RATE_KPIS:
        return plain(v, 1) + (" %" if lang == "en" else "%")
    if kpi in DAY_KPIS:
        return plain(v, 1) + (" days" if lang == "en" else "天")
    if unit:
        return plain(v, 1 if abs(v) < 1000 else 0) + (" " if lang == "en" else "") + unit
    if float(v).is_integer() or abs(v) >= 1000:
        return plain(v, 0)
    return plain(v, _decimals(v))


def diff_parts(
    kpi: str, diff: float, lo: float, hi: float, base_mean: float
) -> tuple[float, float, float, str]:
    """A paired difference in the unit an official reads it in.

    Counts: % of the baseline mean; rates: percentage points; days: days.

    Returns:
        ``(value, lo, hi, kind)`` with kind ``"pct"``, ``"pp"`` or ``"days"``.
    """
    if kpi in RATE_KPIS:
        return 100 * diff, 100 * lo, 100 * hi, "pp"
    if kpi in DAY_KPIS:
        return diff, lo, hi, "days"
    if not base_mean or math.isnan(base_mean):
        return math.nan, math.nan, math.nan, "pct"
    return 100 * diff / base_mean, 100 * lo / base_mean, 100 * hi / base_mean, "pct"


def format_diff(
    kpi: str, diff: float, lo: float, hi: float, base_mean: float, lang: str
) -> tuple[str, str]:
    """A paired difference and its 95 % CI as words.

    Returns:
        ``(value, ci)``, e.g. ``("−28 %", "95 % CI −30 % to −26 %")`` or
        ``("+0.4 pp", "95 % CI −0.2 to +0.7 pp")``.
    """
    v, vlo, vhi, kind = diff_parts(kpi, diff, lo, hi, base_mean)
    if math.isnan(v):
        return "—", ""
    span = max(
        abs(v), abs(vlo) if not math.isnan(vlo) else 0, abs(vhi) if not math.isnan(vhi) else 0
    )
    dec = 0 if span >= 10 else 1
    if kind == "pct":
        unit = " %" if lang == "en" else "%"
        value = signed(v, dec) + unit
        ci = t("ci_words", lang, lo=signed(vlo, dec) + unit, hi=signed(vhi, dec) + unit)
    else:
        if kind == "pp":
            unit = " pp" if lang == "en" else "个百分点"
        else:
            unit = " days" if lang == "en" else "天"
        value = signed(v, dec) + unit
        ci = t("ci_words", lang, lo=signed(vlo, dec), hi=signed(vhi, dec) + unit)
    return value, ci


__all__ = [
    "CJK_FONT_CANDIDATES",
    "CJK_FONT_ENV",
    "DAY_KPIS",
    "HTML_FONTS",
    "KPI_LABELS",
    "LANGS",
    "LOWER_IS_BETTER",
    "MONTHS",
    "PARAM_LABELS",
    "RATE_KPIS",
    "TEXT",
    "FontNotFoundError",
    "Lang",
    "check_lang",
    "cjk_font",
    "diff_parts",
    "find_cjk_font_file",
    "font_family",
    "format_diff",
    "format_kpi",
    "kpi_axis_label",
    "kpi_label",
    "kpi_scale",
    "param_label",
    "plain",
    "signed",
    "t",
    "value_label",
]
