"""Figures of a comparison: KPIs with CIs, open cases, days to close, cost, grid maps, equity.

Every function takes a :class:`gridsim.experiment.Comparison` (what
``Experiment.run`` returns) and a language, and returns a
:class:`matplotlib.figure.Figure`. Figures are built without ``pyplot``, so
they hold no global state, need no closing and never open a window; they
draw with the Agg (PNG) or SVG renderer when saved, and show inline in
Jupyter when they are a cell's value::

    from gridsim import plots
    comparison = Experiment.from_file("scenarios/compare-grid-size.toml").run()
    plots.open_cases(comparison)                 # English
    plots.grid_maps(comparison, lang="zh")       # 简体中文 (needs a CJK font)

Colours are fixed per variant across all figures (the baseline is black).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from gridsim.fileio import atomic_path
from gridsim.i18n import (
    MONTHS,
    RATE_KPIS,
    check_lang,
    diff_parts,
    font_family,
    format_kpi,
    kpi_axis_label,
    kpi_label,
    kpi_scale,
    plain,
    t,
)
from gridsim.summary import mean_ci

if TYPE_CHECKING:
    from gridsim.district import District
    from gridsim.experiment import Comparison

BASELINE_COLOR = "#1a1a1a"
"""Colour of the baseline in every figure."""

PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#7F7F7F",
    "#B8860B",
    "#6A3D9A",
)
"""Colour-blind-safe colours of the other variants (Okabe–Ito first)."""

MAP_METRICS: tuple[str, ...] = ("backlog_per_1000", "median_days_to_close")
"""Per-grid quantities the grid maps are coloured by (one row each)."""

_MAP_LABEL = {"backlog_per_1000": "backlog_per_1000", "median_days_to_close": "grid_median_days"}


# ---------------------------------------------------------------------------
# style and helpers


def rc_params(lang: str = "en") -> dict[str, Any]:
    """Matplotlib settings of report figures (fonts resolved for the language).

    Raises:
        FontNotFoundError: For ``"zh"`` when no CJK font is installed.
    """
    return {
        "font.family": font_family(lang),
        "font.size": 9,
        "axes.titlesize": 9.5,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#666666",
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": "#e6e6e6",
        "grid.linewidth": 0.6,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "svg.fonttype": "path",
        "axes.unicode_minus": True,
    }


@contextmanager
def style(lang: str = "en") -> Iterator[None]:
    """Context in which report figures are built (fonts, sizes, grid lines)."""
    with mpl.rc_context(rc_params(lang)):
        yield


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _text_width(labels: Sequence[str], size: float) -> float:
    """Width in inches of the widest label (drawn in the current font settings)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=mpl.rcParams["font.family"], size=size)
    ttp = TextToPath()
    widths = [ttp.get_text_width_height_descent(s, prop, ismath=False)[0] for s in labels]
    return 1.08 * max(widths, default=0.0) / 72


def _panel_figure(
    n: int,
    ylabels: Sequence[str],
    panel_height: float,
    *,
    title_lines: int = 1,
    xlabel: bool = False,
    ncols: int | None = None,
    width: float = 10.0,
) -> tuple[Figure, list[Any]]:
    """A grid of panels sharing a y axis, laid out by arithmetic in inches.

    Much faster to save than a constrained layout of many panels: margins
    follow from the widest y label and the lines of title and x label.

    Returns:
        The figure and its ``n`` axes, row by row.
    """
    rows, cols = _panel_grid(n) if ncols is None else (math.ceil(n / ncols), ncols)
    left = _text_width(ylabels, mpl.rcParams["ytick.labelsize"]) + 0.22
    right, gap = 0.25, 0.35
    top_pad = 0.12 + 0.19 * title_lines
    bottom_pad = 0.3 + (0.2 if xlabel else 0.0)
    row_h = top_pad + panel_height + bottom_pad
    height = rows * row_h + 0.08
    pw = (width - left - right - (cols - 1) * gap) / cols
    fig = Figure(figsize=(width, height))
    axes: list[Any] = []
    for i in range(n):
        r, c = divmod(i, cols)
        top = height - 0.04 - r * row_h - top_pad
        rect = (
            (left + c * (pw + gap)) / width,
            (top - panel_height) / height,
            pw / width,
            panel_height / height,
        )
        ax = fig.add_axes(rect, sharey=axes[0] if axes else None)
        if c > 0:
            ax.tick_params(labelleft=False)
        axes.append(ax)
    return fig, axes


def variant_names(comparison: Comparison) -> list[str]:
    """Variant names, baseline first, in the experiment's order."""
    return [v.name for v in comparison.experiment.variants]


def baseline_name(comparison: Comparison) -> str:
    """Name of the baseline variant."""
    return comparison.experiment.baseline.name


def variant_colors(comparison: Comparison) -> dict[str, str]:
    """A colour per variant: black for the baseline, then :data:`PALETTE`.

    More variants than colours (sampling designs) take colours from a
    continuous colour map instead.
    """
    names = variant_names(comparison)
    base = baseline_name(comparison)
    others = [n for n in names if n != base]
    if len(others) <= len(PALETTE):
        colours = list(PALETTE[: len(others)])
    else:
        cmap = mpl.colormaps["viridis"]
        colours = [mpl.colors.to_hex(cmap(x)) for x in np.linspace(0, 0.9, len(others))]
    return {base: BASELINE_COLOR, **dict(zip(others, colours, strict=True))}


def _display_name(name: str, base: str, lang: str) -> str:
    return t("baseline_tag", lang, name=name) if name == base else name


def _panel_grid(n: int) -> tuple[int, int]:
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    return math.ceil(n / ncols), ncols


def _kpis(comparison: Comparison) -> list[str]:
    kpis = list(dict.fromkeys(comparison.table["kpi"])) if len(comparison.table) else []
    return kpis or list(comparison.experiment.spec.kpis)


class _Ticks(Formatter):
    """Tick labels with as many decimals as the tick step needs.

    Also: a real minus sign, thousands separators, a display factor and an
    optional ``+`` sign.
    """

    def __init__(self, factor: float = 1.0, signed: bool = False) -> None:
        self.factor = factor
        self.signed = signed

    def set_locs(self, locs: Sequence[float]) -> None:
        """Remember the decimals the tick positions need."""
        super().set_locs(locs)
        self._dec = self._decimals(locs)

    def _decimals(self, ticks: Sequence[float]) -> int:
        locs = np.asarray(ticks, dtype=float) * self.factor
        locs = locs[np.isfinite(locs)]
        if len(locs) < 2:
            return 0
        step = float(np.min(np.diff(np.sort(locs))))
        for dec in range(5):
            scaled = locs * 10**dec
            if np.allclose(scaled, np.round(scaled), atol=1e-6 * max(1.0, 10**dec * step)):
                return dec
        return 4

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Label of the tick at ``x``."""
        dec = getattr(self, "_dec", 0)
        v = x * self.factor
        if abs(v) < 0.5 * 10**-dec:
            return "0"
        text = plain(abs(v), dec)
        if v < 0:
            return "\u2212" + text
        return ("+" + text) if self.signed else text


def _value_formatter(kpi: str, lang: str) -> _Ticks:
    return _Ticks(kpi_scale(kpi, lang)[0])


def _signed_formatter() -> _Ticks:
    return _Ticks(signed=True)


def _dots(
    ax: Any,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    y: np.ndarray,
    colours: list[str],
    filled: np.ndarray | None = None,
) -> None:
    """Points with horizontal CI bars and caps: three collections, fast to draw."""
    ok = ~np.isnan(x)
    if not ok.any():
        return
    x, y = x[ok], y[ok]
    lo = np.where(np.isnan(lo[ok]), x, lo[ok])
    hi = np.where(np.isnan(hi[ok]), x, hi[ok])
    cols = [c for c, keep in zip(colours, ok, strict=True) if keep]
    face = (
        cols
        if filled is None
        else [c if f else "white" for c, f in zip(cols, filled[ok], strict=True)]
    )
    ax.hlines(y, lo, hi, colors=cols, linewidth=1.7, zorder=2)
    ax.scatter(
        np.r_[lo, hi], np.r_[y, y], marker="|", s=30, c=cols + cols, linewidths=1.2, zorder=2
    )
    ax.scatter(x, y, s=30, c=face, edgecolors=cols, linewidths=1.3, zorder=3)


def _table_for(comparison: Comparison, kpis: Sequence[str]) -> pd.DataFrame:
    """The comparison table, completed from the per-run KPIs for KPIs it lacks."""
    from gridsim.comparison import compare

    table = comparison.table
    have = set(table["kpi"]) if len(table) else set()
    missing = [k for k in kpis if k not in have and k in comparison.runs.columns]
    if not missing or comparison.runs.empty:
        return table
    extra = compare(comparison.runs, baseline_name(comparison), missing)
    return pd.concat([table, extra], ignore_index=True) if len(table) else extra


def _row(table: pd.DataFrame, variant: str, kpi: str) -> pd.Series | None:
    hit = table[(table["variant"] == variant) & (table["kpi"] == kpi)]
    return None if hit.empty else hit.iloc[0]


def _no_data(fig: Figure, lang: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, t("not_available", lang), ha="center", va="center", transform=ax.transAxes)
    return fig


def _variant_legend(
    fig: Figure, comparison: Comparison, lang: str, names: Sequence[str] | None = None
) -> None:
    """One legend for the whole figure, below the panels."""
    from matplotlib.lines import Line2D

    colours = variant_colors(comparison)
    base = baseline_name(comparison)
    names = list(names) if names is not None else variant_names(comparison)
    handles = [
        Line2D([], [], color=colours[n], marker="o", linewidth=2, markersize=5) for n in names
    ]
    labels = [_display_name(n, base, lang) for n in names]
    ncol = min(len(names), 4 if max(len(x) for x in labels) < 28 else 3)
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol)


# ---------------------------------------------------------------------------
# per-run data


def replication_count(comparison: Comparison) -> int:
    """Smallest number of stored replications of any variant."""
    counts = [len(r) for r in comparison.records.values()]
    return min(counts) if counts else 0


def open_case_bands(
    comparison: Comparison, band: tuple[float, float] = (10, 90)
) -> dict[str, pd.DataFrame]:
    """Median and percentile band of ``daily.open`` across replications, per variant.

    Returns:
        Variant → frame with columns ``day``, ``median``, ``lo``, ``hi``.
    """
    out: dict[str, pd.DataFrame] = {}
    for name, recs in comparison.records.items():
        if not recs:
            continue
        series = [r.daily["open"].to_numpy(dtype=float) for r in recs]
        n = min(len(s) for s in series)
        stack = np.vstack([s[:n] for s in series])
        lo, med, hi = np.percentile(stack, [band[0], 50, band[1]], axis=0)
        out[name] = pd.DataFrame({"day": np.arange(n), "median": med, "lo": lo, "hi": hi})
    return out


def days_to_close_hist(comparison: Comparison) -> dict[str, np.ndarray]:
    """Cases closed after 0, 1, 2, ... days, summed over replications, per variant.

    Variants whose stored runs lack ``daily.closed_after`` (runs stored by
    an older gridsim) are left out.
    """
    out: dict[str, np.ndarray] = {}
    for name, recs in comparison.records.items():
        hists = [
            r.daily["closed_after"].to_numpy(dtype=float)
            for r in recs
            if "closed_after" in r.daily.columns
        ]
        if not hists:
            continue
        n = max(len(h) for h in hists)
        total = np.zeros(n)
        for h in hists:
            total[: len(h)] += h
        out[name] = total
    return out


def run_kpi_ci(comparison: Comparison, kpi: str) -> pd.DataFrame:
    """Mean and 95 % CI of any KPI per variant, from the per-run table.

    Returns:
        One row per variant (experiment order): ``variant``, ``mean``,
        ``lo``, ``hi``.
    """
    runs = comparison.runs
    rows = []
    for name in variant_names(comparison):
        values = runs.loc[runs["variant"] == name, kpi] if len(runs) else pd.Series(dtype=float)
        m, lo, hi = mean_ci(values.to_numpy(dtype=float))
        rows.append({"variant": name, "mean": m, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def pareto_front(cost: Sequence[float], performance: Sequence[float]) -> np.ndarray:
    """Which points no other point beats on both cost (lower) and performance (higher).

    Args:
        cost: Cost of each point.
        performance: Performance of each point (higher is better).

    Returns:
        Boolean mask of the points on the Pareto frontier.
    """
    c = np.asarray(cost, dtype=float)
    p = np.asarray(performance, dtype=float)
    ok = ~(np.isnan(c) | np.isnan(p))
    front = np.zeros(len(c), dtype=bool)
    for i in np.flatnonzero(ok):
        others = ok & (np.arange(len(c)) != i)
        dominated = others & (c <= c[i]) & (p >= p[i]) & ((c < c[i]) | (p > p[i]))
        front[i] = not dominated.any()
    return front


def grid_means(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """Per-grid values of each variant, averaged over its replications.

    Returns:
        Variant → one row per grid: ``grid``, ``households``,
        ``issues_collected``, ``issues_resolved``, ``backlog_end``,
        ``backlog_per_1000`` (year-end backlog per 1,000 households),
        ``median_days_to_close`` and ``on_time_rate`` (NaN where a grid never
        closed / had no case due in any replication).
    """
    out: dict[str, pd.DataFrame] = {}
    cols = [
        "households",
        "issues_collected",
        "issues_resolved",
        "backlog_end",
        "median_days_to_close",
        "on_time_rate",
    ]
    for name, recs in comparison.records.items():
        if not recs:
            continue
        frames = [r.grids for r in recs if len(r.grids)]
        if not frames:
            continue
        n = len(frames[0])
        frames = [f for f in frames if len(f) == n]
        present = [c for c in cols if all(c in f.columns for f in frames)]
        stack = {c: np.vstack([f[c].to_numpy(dtype=float) for f in frames]) for c in present}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a grid NaN in every run → NaN
            frame = pd.DataFrame({c: np.nanmean(v, axis=0) for c, v in stack.items()})
        frame.insert(0, "grid", np.arange(n))
        if "backlog_end" in frame and "households" in frame:
            frame["backlog_per_1000"] = 1000 * frame["backlog_end"] / frame["households"]
        out[name] = frame
    return out


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, → 1 concentrated); NaNs ignored."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan
    total = x.sum()
    if total <= 0:
        return 0.0
    n = len(x)
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def worst_decile_mean(values: Sequence[float] | np.ndarray, high_is_bad: bool = True) -> float:
    """Mean of the worst tenth of the values (at least one); NaNs ignored."""
    x = np.asarray(values, dtype=float)
    x = np.sort(x[~np.isnan(x)])
    if len(x) == 0:
        return math.nan
    k = max(1, math.ceil(len(x) / 10))
    return float(x[-k:].mean() if high_is_bad else x[:k].mean())


def equity_table(comparison: Comparison) -> pd.DataFrame:
    """Spread of per-grid results (averaged over replications) per variant.

    Returns:
        One row per variant: ``variant``, ``grids``; for backlog per 1,000
        households ``backlog_mean``, ``backlog_p90``, ``backlog_worst10``,
        ``backlog_gini``, ``backlog_cv``; for median days to close
        ``days_mean``, ``days_p90``, ``days_worst10``, ``days_cv``; for the
        on-time closure rate ``on_time_mean`` and ``on_time_worst10`` (the
        lowest tenth).
    """
    rows = []
    means = grid_means(comparison)
    for name in variant_names(comparison):
        g = means.get(name)
        if g is None:
            continue
        row: dict[str, Any] = {"variant": name, "grids": len(g)}
        if "backlog_per_1000" in g:
            b = g["backlog_per_1000"].to_numpy(dtype=float)
            row |= {
                "backlog_mean": float(np.nanmean(b)),
                "backlog_p90": float(np.nanpercentile(b, 90)),
                "backlog_worst10": worst_decile_mean(b),
                "backlog_gini": gini(b),
                "backlog_cv": _cv(b),
            }
        if "median_days_to_close" in g:
            d = g["median_days_to_close"].to_numpy(dtype=float)
            ok = ~np.isnan(d)
            row |= {
                "days_mean": float(d[ok].mean()) if ok.any() else math.nan,
                "days_p90": float(np.percentile(d[ok], 90)) if ok.any() else math.nan,
                "days_worst10": worst_decile_mean(d),
                "days_cv": _cv(d),
            }
        if "on_time_rate" in g:
            o = g["on_time_rate"].to_numpy(dtype=float)
            ok = ~np.isnan(o)
            row |= {
                "on_time_mean": float(o[ok].mean()) if ok.any() else math.nan,
                "on_time_worst10": worst_decile_mean(o, high_is_bad=False),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _cv(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    if len(x) < 2 or x.mean() == 0:
        return math.nan
    return float(x.std(ddof=1) / x.mean())


def district_of(comparison: Comparison, variant: str) -> District:
    """Rebuild the district (grid positions and adjacency) a variant's runs used.

    The layout is drawn from the ``structure`` stream of the root seed, the
    same in every replication, so this is exactly the runs' district.
    """
    from gridsim.district import build_district
    from gridsim.streams import stream

    v = next(x for x in comparison.experiment.variants if x.name == variant)
    recs = comparison.records.get(variant) or []
    seed = recs[0].seed if recs else v.scenario.simulation.seed
    return build_district(v.scenario, stream(seed, 0, "structure"))


def map_variants(comparison: Comparison, max_variants: int = 4) -> list[str]:
    """The variants a grid map shows: the baseline and those most unlike it.

    With more variants than fit, the others are ranked by how much their
    per-grid backlog per 1,000 households differs from the baseline's.
    """
    names = [n for n in variant_names(comparison) if comparison.records.get(n)]
    base = baseline_name(comparison)
    if len(names) <= max_variants:
        return names
    means = grid_means(comparison)

    def distance(name: str) -> float:
        a, b = means.get(name), means.get(base)
        if a is None or b is None or "backlog_per_1000" not in a:
            return 0.0
        return abs(float(a["backlog_per_1000"].mean() - b["backlog_per_1000"].mean()))

    others = sorted((n for n in names if n != base), key=distance, reverse=True)
    chosen = set(others[: max_variants - 1])
    return [base] + [n for n in names if n in chosen]


def _month_ticks(ax: Any, start: str, days: int, lang: str) -> None:
    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        return
    ticks, labels = [], []
    for d in range(days):
        date = first + dt.timedelta(days=d)
        if date.day == 1 or d == 0:
            ticks.append(d)
            label = MONTHS[lang][date.month - 1]
            if date.month == 1 and (d == 0 or days > 366):
                label = f"{label}\n{date.year}" if lang == "en" else f"{date.year}年\n{label}"
            labels.append(label)
    if len(ticks) > 14:  # long runs: every third month
        ticks, labels = ticks[::3], labels[::3]
    ax.set_xticks(ticks, labels)


# ---------------------------------------------------------------------------
# figures


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
        labels = [_display_name(n, base, lang) for n in names]
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
        fig, axes = _panel_figure(
            len(kpis), names, 0.28 * len(names) + 0.25, title_lines=2, xlabel=True
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
            ax.set_yticks(y, names)
            ax.grid(axis="y", visible=False)
            ax.set_ylim(-0.6, len(names) - 0.4)
    return fig


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
            pfac = 100.0 if kpi in RATE_KPIS else 1.0
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


def grid_maps(
    comparison: Comparison,
    lang: str = "en",
    variants: Sequence[str] | None = None,
    metrics: Sequence[str] = MAP_METRICS,
) -> Figure:
    """The district's grids at their positions, joined by adjacency, coloured per grid.

    One column per variant (default: :func:`map_variants`), one row per
    metric (default: year-end backlog per 1,000 households and median days
    to close, averaged over replications). Colour scales are shared along a
    row so variants compare directly.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.
        variants: Variants to map.
        metrics: Columns of :func:`grid_means` to colour by.

    Returns:
        The figure.
    """
    check_lang(lang)
    base = baseline_name(comparison)
    shown = list(variants) if variants is not None else map_variants(comparison)
    means = grid_means(comparison)
    shown = [n for n in shown if n in means]
    metrics = list(metrics)
    with style(lang):
        fig = _figure(2.6 * max(len(shown), 1) + 1.4, 2.75 * len(metrics) + 0.4)
        if not shown:
            return _no_data(fig, lang)
        axes = fig.subplots(len(metrics), len(shown), squeeze=False)
        districts = {n: district_of(comparison, n) for n in shown}
        for r, metric in enumerate(metrics):
            values = {
                n: means[n][metric].to_numpy(dtype=float) for n in shown if metric in means[n]
            }
            pooled = np.concatenate([v[~np.isnan(v)] for v in values.values()] or [np.zeros(1)])
            if not len(pooled):
                pooled = np.zeros(1)
            vmin = float(np.percentile(pooled, 2))
            vmax = float(np.percentile(pooled, 98))
            if vmax <= vmin:
                vmax = vmin + 1
            cmap = mpl.colormaps["YlOrRd"]
            norm = mpl.colors.Normalize(vmin, vmax)
            for c, name in enumerate(shown):
                ax = axes[r, c]
                ax.set_axis_off()
                ax.set_aspect("equal")
                d = districts[name]
                v = values.get(name)
                if v is None or len(v) != d.n_grids:
                    continue
                xy = d.grid_xy
                segs = [(xy[a], xy[b]) for a, b in d.graph.edges]
                ax.add_collection(
                    LineCollection(
                        segs, colors="#b0b0b0", linewidths=0.35, zorder=1, rasterized=True
                    )
                )
                size = float(np.clip(2400 / d.n_grids, 3, 60))
                missing = np.isnan(v)
                dense = d.n_grids > 200  # in SVG, thousands of dots go in as one image
                ax.scatter(
                    xy[missing, 0],
                    xy[missing, 1],
                    s=size,
                    c="#d9d9d9",
                    lw=0,
                    zorder=2,
                    rasterized=dense,
                )
                ax.scatter(
                    xy[~missing, 0],
                    xy[~missing, 1],
                    s=size,
                    c=v[~missing],
                    cmap=cmap,
                    norm=norm,
                    lw=0.2,
                    edgecolors="#555555",
                    zorder=3,
                    rasterized=dense,
                )
                ax.autoscale_view()
                if r == 0:
                    ax.set_title(
                        _display_name(name, base, lang) + "\n" + _grid_count(d.n_grids, lang),
                        fontsize=8.5,
                    )
            sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
            cbar = fig.colorbar(sm, ax=list(axes[r, :]), shrink=0.85, aspect=18, pad=0.02)
            cbar.set_label(
                t(_MAP_LABEL.get(metric, metric), lang) if metric in _MAP_LABEL else metric
            )
            cbar.outline.set_visible(False)
    return fig


def _grid_count(n: int, lang: str) -> str:
    return f"{n:,} grids" if lang == "en" else f"{n:,}个网格"


def equity(comparison: Comparison, lang: str = "en") -> Figure:
    """Spread of per-grid results across grids, per variant (box plots).

    Panels: year-end backlog per 1,000 households, median days to close and
    on-time closure rate, each per grid and averaged over replications.

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The figure.
    """
    check_lang(lang)
    means = grid_means(comparison)
    names = [n for n in variant_names(comparison) if n in means]
    base = baseline_name(comparison)
    colours = variant_colors(comparison)
    panels = [
        ("backlog_per_1000", "backlog_per_1000", 1.0),
        ("median_days_to_close", "grid_median_days", 1.0),
        ("on_time_rate", "grid_on_time", 100.0),
    ]
    with style(lang):
        if not names:
            return _no_data(_figure(10, 3), lang)
        labels = [_display_name(n, base, lang) for n in names]
        fig, axes = _panel_figure(len(panels), labels, 0.34 * len(names) + 0.2, ncols=3)
        pos = np.arange(len(names))[::-1]
        for ax, (col, label, factor) in zip(axes, panels, strict=True):
            data = []
            for n in names:
                v = means[n][col].to_numpy(dtype=float) if col in means[n] else np.array([])
                v = v[~np.isnan(v)] * factor
                data.append(v if len(v) else np.array([np.nan]))
            bp = ax.boxplot(
                data,
                positions=pos,
                orientation="horizontal",
                whis=(5, 95),
                showfliers=False,
                widths=0.6,
                patch_artist=True,
                medianprops={"color": "black", "lw": 1.2},
            )
            for patch, n in zip(bp["boxes"], names, strict=True):
                patch.set_facecolor(mpl.colors.to_rgba(colours[n], 0.35))
                patch.set_edgecolor(colours[n])
            ax.set_title(
                t(label, lang)
                + (" (%)" if factor == 100 and lang == "en" else "（%）" if factor == 100 else ""),
                loc="left",
            )
            ax.set_yticks(pos, labels)
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_formatter(_Ticks())
    return fig


FIGURES: dict[str, Callable[..., Figure]] = {
    "kpi_differences": kpi_differences,
    "kpi_means": kpi_means,
    "open_cases": open_cases,
    "days_to_close": days_to_close_ecdf,
    "cost_performance": cost_performance,
    "grid_maps": grid_maps,
    "equity": equity,
}
"""Every report figure by file stem, in report order: ``FIGURES[stem](comparison, lang)``."""


def save_figure(fig: Figure, out_dir: str | Path, stem: str) -> tuple[Path, Path]:
    """Save a figure as ``<stem>.png`` and ``<stem>.svg`` (text as paths: no fonts needed).

    Each file is written whole or not at all (:func:`gridsim.fileio.atomic_path`):
    a process killed while saving leaves the previous file, if any, as it was.

    Returns:
        The PNG and SVG paths.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png, svg = out / f"{stem}.png", out / f"{stem}.svg"
    engine = fig.get_layout_engine()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": stem}):
        with atomic_path(png) as tmp:  # the format is named: the temporary name ends in .tmp
            fig.savefig(tmp, format="png", dpi=150, facecolor="white")
        fig.set_layout_engine("none")  # laid out by the first save: keep it, skip the work
        try:
            with atomic_path(svg) as tmp:
                fig.savefig(tmp, format="svg", dpi=150, facecolor="white", metadata={"Date": None})
        finally:
            fig.set_layout_engine(engine)
    return png, svg


__all__ = [
    "BASELINE_COLOR",
    "FIGURES",
    "MAP_METRICS",
    "PALETTE",
    "baseline_name",
    "cost_performance",
    "days_to_close_ecdf",
    "days_to_close_hist",
    "district_of",
    "equity",
    "equity_table",
    "gini",
    "grid_maps",
    "grid_means",
    "kpi_differences",
    "kpi_means",
    "map_variants",
    "open_case_bands",
    "open_cases",
    "pareto_front",
    "rc_params",
    "replication_count",
    "run_kpi_ci",
    "save_figure",
    "style",
    "variant_colors",
    "variant_names",
    "worst_decile_mean",
]
