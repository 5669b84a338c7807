"""Figures of the KPIs: each variant's means, and its paired differences from the baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gridsim.experiments.results import Comparison
from gridsim.reports.analysis import (
    baseline_name,
    variant_label,
    variant_names,
)
from gridsim.reports.drawing import (
    BASELINE_COLOR,
    _display_name,
    _dots,
    _figure,
    _kpis,
    _no_data,
    _panel_figure,
    _row,
    _signed_formatter,
    _table_for,
    _value_formatter,
    style,
    variant_colors,
)
from gridsim.reports.figures.registry import register_figure
from gridsim.reports.i18n import (
    TEXT,
    check_lang,
    diff_parts,
    format_kpi,
    kpi_axis_label,
    kpi_label,
    t,
)


@register_figure(
    "kpi_differences",
    title={
        "en": "Difference from the baseline",
        "zh": "与基准方案的差异",
    },
    caption=TEXT["cap_kpi_diffs"],  # shared with the KPI table
    needs=("table", "runs"),
)
def kpi_differences(
    comparison: Comparison, lang: str = "en", kpis: Sequence[str] | None = None
) -> Figure:
    """Paired difference of each KPI from the baseline with its 95 % CI, per variant.

    Counts are shown in % of the baseline mean, rates in percentage points,
    times in days; a filled marker means the CI excludes zero.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.
        kpis: KPIs to show (default: the experiment's).

    Returns:
        The figure.
    """
    check_lang(lang)
    kpis = list(kpis) if kpis is not None else _kpis(comparison)
    table = _table_for(comparison, kpis)
    base = baseline_name(comparison)
    names = [n for n in variant_names(comparison) if n != base]
    colours = variant_colors(comparison)
    with style(lang):
        if not kpis or not names or table.empty:
            return _no_data(_figure(10, 3), lang)
        labels = [variant_label(comparison, n, lang) for n in names]
        fig, axes = _panel_figure(
            len(kpis), labels, 0.28 * len(names) + 0.25, title_lines=2, xlabel=True
        )
        y = np.arange(len(names))[::-1]
        for kpi, ax in zip(kpis, axes, strict=True):
            base_row = _row(table, base, kpi)
            base_mean = float(base_row["mean"]) if base_row is not None else math.nan
            kind = "pct"
            pts: list[tuple[float, float, float, float, str]] = []
            for yy, name in zip(y, names, strict=True):
                r = _row(table, name, kpi)
                if r is None:
                    continue
                v, lo, hi, kind = diff_parts(kpi, r["diff"], r["diff_lo"], r["diff_hi"], base_mean)
                if not math.isnan(v):
                    pts.append((v, lo, hi, float(yy), colours[name]))
            if pts:
                v_, lo_, hi_, y_, c_ = (list(col) for col in zip(*pts, strict=True))
                lo_a, hi_a = np.array(lo_, dtype=float), np.array(hi_, dtype=float)
                _dots(
                    ax,
                    np.array(v_, dtype=float),
                    lo_a,
                    hi_a,
                    np.array(y_, dtype=float),
                    [str(c) for c in c_],
                    filled=(lo_a > 0) | (hi_a < 0),
                )
            ax.axvline(0, color=BASELINE_COLOR, lw=0.9)
            unit = {"pct": "pct_of_baseline", "pp": "pp_axis", "days": "days_axis"}[kind]
            ax.set_xlabel(t(unit, lang), fontsize=7.5, color="#555555")
            title = kpi_label(kpi, lang)
            if base_row is not None:
                value = format_kpi(kpi, base_mean, lang)
                title += "\n" + t("baseline_value", lang, value=value)
            ax.set_title(title, loc="left")
            ax.xaxis.set_major_formatter(_signed_formatter())
            ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=False))
            lo_x, hi_x = ax.get_xlim()
            least = {"pct": 1.0, "pp": 0.5, "days": 0.5}[kind]
            ax.set_xlim(min(lo_x, -abs(hi_x) * 0.05, -least), max(hi_x, abs(lo_x) * 0.05, least))
            ax.set_yticks(y, labels)
            ax.grid(axis="y", visible=False)
            ax.set_ylim(-0.6, len(names) - 0.4)
    return fig


@register_figure(
    "kpi_means",
    title={
        "en": "Indicators by design",
        "zh": "各方案主要指标",
    },
    caption={
        "en": (
            "Mean of each indicator over the replications, with its 95 % confidence interval "
            "(bar). The baseline is drawn in black."
        ),
        "zh": "各指标在多次重复中的均值及95%置信区间（横线）。基准方案以黑色表示。",
    },
    needs=("table", "runs"),
)
def kpi_means(
    comparison: Comparison, lang: str = "en", kpis: Sequence[str] | None = None
) -> Figure:
    """Mean of each KPI per variant with its 95 % CI, one panel per KPI.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.
        kpis: KPIs to show (default: the experiment's).

    Returns:
        The figure.
    """
    check_lang(lang)
    kpis = list(kpis) if kpis is not None else _kpis(comparison)
    table = _table_for(comparison, kpis)
    names = variant_names(comparison)
    base = baseline_name(comparison)
    colours = variant_colors(comparison)
    with style(lang):
        if not kpis or table.empty:
            return _no_data(_figure(10, 3), lang)
        labels = [_display_name(comparison, n, lang) for n in names]
        fig, axes = _panel_figure(len(kpis), labels, 0.27 * len(names) + 0.25)
        y = np.arange(len(names))[::-1]
        for kpi, ax in zip(kpis, axes, strict=True):
            base_row = _row(table, base, kpi)
            rows = [_row(table, name, kpi) for name in names]
            pick = [
                (yy, name, r) for yy, name, r in zip(y, names, rows, strict=True) if r is not None
            ]
            if pick:
                _dots(
                    ax,
                    np.array([float(r["mean"]) for _, _, r in pick]),
                    np.array([float(r["ci95_lo"]) for _, _, r in pick]),
                    np.array([float(r["ci95_hi"]) for _, _, r in pick]),
                    np.array([yy for yy, _, _ in pick], dtype=float),
                    [colours[name] for _, name, _ in pick],
                )
            if base_row is not None:
                ax.axvline(base_row["mean"], color=BASELINE_COLOR, lw=0.8, ls=":", zorder=0)
            ax.set_title(kpi_axis_label(kpi, lang), loc="left")
            ax.xaxis.set_major_formatter(_value_formatter(kpi, lang))
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.set_yticks(y, labels)
            ax.grid(axis="y", visible=False)
            ax.set_ylim(-0.6, len(names) - 0.4)
    return fig
