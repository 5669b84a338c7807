"""Figures of the cases: open cases over the year, and how quickly cases are closed."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gridsim.experiments.results import Comparison
from gridsim.reports.analysis import (
    baseline_name,
    days_to_close_hist,
    open_case_bands,
    variant_names,
)
from gridsim.reports.drawing import (
    _figure,
    _month_ticks,
    _no_data,
    _Ticks,
    _variant_legend,
    style,
    variant_colors,
)
from gridsim.reports.figures.registry import register_figure
from gridsim.reports.i18n import (
    check_lang,
    plain,
    t,
)


@register_figure(
    "open_cases",
    title={
        "en": "Open cases over the year",
        "zh": "全年在办案件数",
    },
    caption={
        "en": (
            "Cases open on each day: median over the replications (line) and the range from the "
            "10th to the 90th percentile of the replications (band)."
        ),
        "zh": "每日在办案件数：多次重复的中位数（线）及10%–90%分位区间（阴影）。",
    },
    needs=("daily",),
)
def open_cases(
    comparison: Comparison, lang: str = "en", band: tuple[float, float] = (10, 90)
) -> Figure:
    """Open cases on each day: median over replications and a percentile band, per variant.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.
        band: Lower and upper percentile of the band.

    Returns:
        The figure.
    """
    check_lang(lang)
    bands = open_case_bands(comparison, band)
    colours = variant_colors(comparison)
    base = baseline_name(comparison)
    names = [n for n in variant_names(comparison) if n in bands]
    with style(lang):
        if not names:
            return _no_data(_figure(10, 3), lang)
        peaks = np.array([float(bands[n]["hi"].max()) for n in names])
        typical = float(np.median(peaks))
        zoom = typical > 0 and peaks.max() > 3 * typical
        legend_h = 0.22 * math.ceil(len(names) / 3)
        fig = _figure(10, (7.4 if zoom else 4.6) + legend_h)
        axes = fig.subplots(2, 1, height_ratios=[1, 1]) if zoom else [fig.add_subplot()]
        days = int(max(len(b) for b in bands.values()))
        start = comparison.experiment.baseline.scenario.simulation.start_date
        for k, ax in enumerate(axes):
            for name in names:
                b = bands[name]
                ax.fill_between(b["day"], b["lo"], b["hi"], color=colours[name], alpha=0.14, lw=0)
                ax.plot(
                    b["day"],
                    b["median"],
                    color=colours[name],
                    lw=2.0 if name == base else 1.5,
                    zorder=3 if name == base else 2,
                )
            _month_ticks(ax, start, days, lang)
            ax.set_xlim(0, days - 1)
            ax.set_ylim(bottom=0)
            ax.set_ylabel(t("open_cases", lang))
            ax.yaxis.set_major_formatter(_Ticks())
            if k == 1:  # the same, without the variants that dwarf the others
                ax.set_ylim(0, 1.15 * float(peaks[peaks <= 3 * typical].max()))
                ax.set_title(t("zoomed", lang), loc="left", fontweight="normal")
        axes[-1].set_xlabel(t("day_of_year", lang))
        axes[0].text(
            1.0,
            1.01,
            t("band", lang),
            transform=axes[0].transAxes,
            ha="right",
            va="bottom",
            fontsize=7.5,
            color="#555555",
        )
        _variant_legend(fig, comparison, lang, names)
    return fig


@register_figure(
    "days_to_close",
    title={
        "en": "How quickly cases are closed",
        "zh": "案件办结时长分布",
    },
    caption={
        "en": (
            "Share of registered cases closed within a given number of days of being found (all "
            "replications pooled). A curve further up and left closes cases faster."
        ),
        "zh": "发现后在给定天数内结案的立案案件占比（合并全部重复）。曲线越靠左上，结案越快。",
    },
    needs=("closed_after",),
    requires=("closed_after",),
)
def days_to_close_ecdf(comparison: Comparison, lang: str = "en") -> Figure:
    """Share of registered cases closed within d days of being found, per variant.

    Built from the ``closed_after`` histograms of the stored runs, pooled
    over replications.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The figure.
    """
    check_lang(lang)
    hists = days_to_close_hist(comparison)
    colours = variant_colors(comparison)
    base = baseline_name(comparison)
    names = [n for n in variant_names(comparison) if n in hists and hists[n].sum() > 0]
    with style(lang):
        fig = _figure(10, 4.4 + 0.22 * math.ceil(len(names) / 3))
        if not names:
            return _no_data(fig, lang)
        ax = fig.add_subplot()
        xmax = 1
        for name in names:
            cdf = np.cumsum(hists[name]) / hists[name].sum()
            reach = int(np.searchsorted(cdf, 0.99)) + 1
            xmax = max(xmax, reach)
            days = np.arange(len(cdf))
            ax.step(
                days,
                cdf,
                where="post",
                color=colours[name],
                lw=2.0 if name == base else 1.4,
                zorder=3 if name == base else 2,
            )
        for level in (0.5, 0.9):
            ax.axhline(level, color="#999999", lw=0.7, ls=":")
        ax.set_xlim(0, min(xmax + 2, max(len(h) for h in hists.values()) - 1))
        ax.set_ylim(0, 1.01)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: plain(100 * x, 0) + "%"))
        ax.set_xlabel(t("days_found_to_closed", lang))
        ax.set_ylabel(t("share_closed", lang))
        _variant_legend(fig, comparison, lang, names)
    return fig
