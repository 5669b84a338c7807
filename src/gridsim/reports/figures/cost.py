"""The cost-and-performance figure, with the Pareto frontier of the designs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from gridsim.experiments.results import Comparison
from gridsim.reports.analysis import (
    pareto_front,
    run_kpi_ci,
    variant_names,
)
from gridsim.reports.drawing import (
    _figure,
    _no_data,
    _Ticks,
    _variant_legend,
    style,
    variant_colors,
)
from gridsim.reports.figures.registry import register_figure
from gridsim.reports.i18n import (
    check_lang,
    kind_of,
    kpi_axis_label,
    kpi_label,
    kpi_scale,
    t,
)


@register_figure(
    "cost_performance",
    title={
        "en": "Cost and performance",
        "zh": "成本与绩效",
    },
    caption={
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
    needs=("runs",),
)
def cost_performance(
    comparison: Comparison,
    lang: str = "en",
    performance: Sequence[str] = ("issues_resolved", "on_time_rate"),
) -> Figure:
    """Cost against performance per variant, with CIs on both, and the Pareto frontier.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.
        performance: KPIs to plot against cost, one panel each (higher is
            better).

    Returns:
        The figure.
    """
    check_lang(lang)
    names = variant_names(comparison)
    colours = variant_colors(comparison)
    performance = list(performance)
    with style(lang):
        fig = _figure(10, 4.6 + 0.22 * math.ceil(len(names) / 3))
        if comparison.runs.empty or "cost" not in comparison.runs:
            return _no_data(fig, lang)
        cost = run_kpi_ci(comparison, "cost")
        cfac, _ = kpi_scale("cost", lang)
        axes = fig.subplots(1, len(performance), squeeze=False)[0]
        for ax, kpi in zip(axes, performance, strict=True):
            perf = run_kpi_ci(comparison, kpi)
            pfac = 100.0 if kind_of(kpi) == "rate" else 1.0
            front = pareto_front(cost["mean"], perf["mean"])
            for i, name in enumerate(names):
                c, p = cost.iloc[i], perf.iloc[i]
                if math.isnan(c["mean"]) or math.isnan(p["mean"]):
                    continue
                ax.errorbar(
                    c["mean"] * cfac,
                    p["mean"] * pfac,
                    xerr=np.nan_to_num([[c["mean"] - c["lo"]], [c["hi"] - c["mean"]]]) * cfac,
                    yerr=np.nan_to_num([[p["mean"] - p["lo"]], [p["hi"] - p["mean"]]]) * pfac,
                    fmt="o",
                    color=colours[name],
                    markersize=6,
                    elinewidth=1.4,
                    capsize=2.5,
                    zorder=3,
                )
            if front.any():
                order = np.argsort(cost["mean"].to_numpy()[front])
                fx = cost["mean"].to_numpy()[front][order] * cfac
                fy = perf["mean"].to_numpy()[front][order] * pfac
                ax.plot(fx, fy, ls="--", color="#444444", lw=1.0, zorder=2, label=t("pareto", lang))
                ax.scatter(fx, fy, s=170, facecolors="none", edgecolors="#444444", lw=1.0, zorder=4)
                ax.legend(loc="lower right")
            ax.set_xlabel(t("cost_axis", lang))
            ax.set_ylabel(kpi_axis_label(kpi, lang))
            ax.set_title(kpi_label(kpi, lang), loc="left")
            ax.xaxis.set_major_formatter(_Ticks())
            ax.yaxis.set_major_formatter(_Ticks())
            ax.margins(0.12)
        _variant_legend(fig, comparison, lang)
    return fig
