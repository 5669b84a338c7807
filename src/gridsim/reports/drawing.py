"""What every figure shares: the style, variant colours, panels, tick labels, saving.

Figures are built without ``pyplot``, so they hold no global state, need no
closing and never open a window; they draw with the Agg (PNG) or SVG
renderer when saved. Each is a :class:`ReportFigure`, which Jupyter shows as
an image when it is a cell's value, with no ``%matplotlib`` magic and no
``pyplot`` import. Colours are fixed per variant across all figures (the
baseline is black).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from gridsim.experiments.results import Comparison
from gridsim.experiments.statistics import compare
from gridsim.fileio import atomic_path
from gridsim.reports.analysis import baseline_name, variant_label, variant_names
from gridsim.reports.i18n import (
    MONTHS,
    font_family,
    kpi_scale,
    plain,
    t,
)

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


# ---------------------------------------------------------------------------
# style and helpers


NOTEBOOK_DPI = 150
"""Resolution of a figure shown in a notebook (shown at 100 pixels per inch, so it is sharp
on high-density screens)."""


class ReportFigure(Figure):
    """A matplotlib figure that shows itself as a PNG image in Jupyter.

    A plain :class:`~matplotlib.figure.Figure` built without ``pyplot`` shows in
    a notebook as ``<Figure size 1000x844 with 10 Axes>`` unless a ``%matplotlib``
    backend has registered a formatter for it. This one renders itself
    (:meth:`_repr_png_`), so every gridsim figure displays as an image when it is
    the value of a cell or passed to ``IPython.display.display``, whatever the
    backend; in scripts and reports it is an ordinary figure (``savefig``,
    :func:`save_figure`).
    """

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        """The figure as PNG bytes and its display size (what IPython shows)."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=NOTEBOOK_DPI, facecolor="white", bbox_inches="tight")
        data = buf.getvalue()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        scale = 100 / NOTEBOOK_DPI
        return data, {"width": round(width * scale), "height": round(height * scale)}


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
    return ReportFigure(figsize=(width, height), layout="constrained")


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
    fig = ReportFigure(figsize=(width, height))
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


def _display_name(comparison: Comparison, name: str, lang: str) -> str:
    """A variant's label in a figure, the baseline tagged as such."""
    label = variant_label(comparison, name, lang)
    return t("baseline_tag", lang, name=label) if name == baseline_name(comparison) else label


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
    names = list(names) if names is not None else variant_names(comparison)
    handles = [
        Line2D([], [], color=colours[n], marker="o", linewidth=2, markersize=5) for n in names
    ]
    labels = [_display_name(comparison, n, lang) for n in names]
    ncol = min(len(names), 4 if max(len(x) for x in labels) < 28 else 3)
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol)


# ---------------------------------------------------------------------------
# per-run data


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
