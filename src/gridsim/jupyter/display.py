"""What the explorer shows: its KPI table, coloured by better and worse, and the grid map."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.jupyter.scenarios import grid_layout
from gridsim.kpi_registry import KPIS
from gridsim.model.district import District, drawn_layout
from gridsim.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BETTER: dict[str, int] = {k.name: k.sign for k in KPIS.values() if k.sign}
"""Direction of improvement of a KPI: ``1`` higher is better, ``-1`` lower is better
(from :data:`gridsim.kpi_registry.KPIS`).

KPIs not listed (latent issues, grids) describe the district, not its
performance, and are never coloured.
"""


MAP_METRICS: dict[str, str] = {
    "backlog_end": "Open cases at the end (backlog)",
    "issues_collected": "Issues collected",
    "visits_per_household": "Visits per household",
    "median_days_to_close": "Median days to close",
    "on_time_rate": "On-time rate",
}
"""Per-grid KPIs the map can be coloured by (column → label)."""


def explorer_frame(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """An :func:`explorer_run` table as text, one row per KPI, in the units officials read.

    Columns: the KPI (with its unit), the baseline's and the design's means
    (counts without decimals, rates in %, cost in million yuan), the paired
    difference (counts in % of the baseline, rates in percentage points, times
    in days; ``*`` when its 95 % CI excludes zero) and that CI.
    """
    from gridsim.reports.i18n import diff_parts, kpi_axis_label, signed
    from gridsim.reports.overview import cell_value, diff_text, significant

    rows = []
    for kpi, r in table.iterrows():
        kpi = str(kpi)
        d, lo, hi, base = (float(r[c]) for c in ("diff", "diff_lo", "diff_hi", "baseline"))
        _, vlo, vhi, kind = diff_parts(kpi, d, lo, hi, base)
        unit = {"pct": " %", "pp": " pp", "days": " days"}[kind]
        dec = 0 if max(abs(vlo), abs(vhi)) >= 10 else 1
        ci = "—" if math.isnan(vlo) else f"{signed(vlo, dec)} to {signed(vhi, dec)}{unit}"
        rows.append(
            {
                "KPI": kpi_axis_label(kpi, lang),
                "Baseline": cell_value(kpi, base, lang),
                "Design": cell_value(kpi, float(r["variant"]), lang),
                "Difference": diff_text(kpi, d, lo, hi, base, lang)
                + ("*" if significant(lo, hi, d) else ""),
                "95 % CI": ci,
            }
        )
    return pd.DataFrame(rows, index=table.index)


def style_table(table: pd.DataFrame, lang: str = "en") -> Any:
    """A pandas ``Styler`` of an :func:`explorer_run` table for display.

    The table of :func:`explorer_frame`: differences whose 95 % CI excludes
    zero are bold and marked ``*``, green when the change is an improvement
    (see :data:`BETTER`) and red when it is worse, grey when it cannot be told
    from zero.

    Args:
        table: The table from :func:`explorer_run` (any subset of its rows).
        lang: ``"en"`` or ``"zh"`` (KPI names and units).

    Returns:
        A ``pandas.io.formats.style.Styler``.
    """
    from gridsim.reports.overview import BAD, GOOD, UNCLEAR, significant, verdict

    frame = explorer_frame(table, lang)

    def colour(row: pd.Series) -> list[str]:
        r = table.loc[row.name]
        d, lo, hi = float(r["diff"]), float(r["diff_lo"]), float(r["diff_hi"])
        if not significant(lo, hi, d):
            style = f"color: {UNCLEAR}"
        else:
            style = "font-weight: bold"
            style += {1: f"; color: {GOOD}", -1: f"; color: {BAD}"}.get(
                verdict(str(row.name), d, lo, hi), ""
            )
        return [style if col in ("Difference", "95 % CI") else "" for col in row.index]

    return (
        frame.style.apply(colour, axis=1)
        .hide(axis="index")
        .set_properties(subset=["KPI"], **{"text-align": "left"})
        .set_table_styles([{"selector": "th", "props": "text-align: right"}])
        .set_properties(
            subset=["Baseline", "Design", "Difference", "95 % CI"],
            **{"text-align": "right", "white-space": "nowrap"},
        )
    )


def _draw_map(
    ax: Any,
    layout: District,
    values: np.ndarray,
    households: np.ndarray,
    vmin: float,
    vmax: float,
    title: str,
    drawn: Any = None,
) -> Any:
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    if drawn is not None:  # grids drawn on a map: polygons on the district's outline
        from gridsim.reports.figures.maps import draw_grid_values

        cmap, norm = mpl.colormaps["viridis"], mpl.colors.Normalize(vmin, vmax)
        draw_grid_values(ax, layout, drawn, values, cmap, norm)
        ax.set_title(title, fontsize=10)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        return mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    xy = layout.grid_xy
    edges = np.array(list(layout.graph.edges), dtype=int).reshape(-1, 2)
    if len(edges):
        ax.add_collection(LineCollection(xy[edges], colors="#c8c8c8", linewidths=0.6, zorder=1))
    size = 12 + 60 * households / max(float(np.max(households)), 1.0)
    points = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        c=values,
        s=size,
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        edgecolors="white",
        linewidths=0.4,
        zorder=2,
    )
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return points


def plot_grid_map(
    grid_values: pd.DataFrame,
    scenarios: Mapping[str, Scenario],
    metric: str = "backlog_end",
    seed: int | None = None,
) -> Figure:
    """Grid maps of :func:`explorer_run`'s ``grid_values``, one panel per design.

    Each grid is drawn at its position, sized by its households and coloured
    by ``metric`` on one colour scale shared by the panels; lines join
    adjacent grids. Grids drawn on a map (``district.map``) are drawn as their
    polygons on the district's outline instead.

    Args:
        grid_values: The per-grid frame from :func:`explorer_run`.
        scenarios: Design name (``"baseline"``, ``"variant"``) → its scenario
            (for the layout).
        metric: Per-grid column to colour by (see :data:`MAP_METRICS`).
        seed: Root seed the runs used (defaults to each scenario's).

    Returns:
        The figure: a :class:`~gridsim.reports.drawing.ReportFigure`, shown as
        an image when it is a cell's value (no ``pyplot``: nothing to close).
    """
    from gridsim.reports.drawing import ReportFigure

    names = [n for n in scenarios if (grid_values["design"] == n).any()]
    values = grid_values[metric].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    vmin = float(finite.min()) if len(finite) else 0.0
    vmax = float(finite.max()) if len(finite) else 1.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    fig = ReportFigure(figsize=(5.2 * len(names) + 1.0, 4.8))
    axes = fig.subplots(1, len(names), squeeze=False)
    points = None
    for ax, name in zip(axes[0], names, strict=True):
        frame = grid_values[grid_values["design"] == name]
        layout = grid_layout(scenarios[name], seed)
        total = np.nansum(frame[metric]) if metric in ("backlog_end", "issues_collected") else None
        extra = f", total {total:,.1f}" if total is not None else ""
        points = _draw_map(
            ax,
            layout,
            frame[metric].to_numpy(dtype=float),
            frame["households"].to_numpy(dtype=float),
            vmin,
            vmax,
            f"{name}: {layout.n_grids} grids{extra}",
            drawn_layout(scenarios[name]),
        )
    if points is not None:
        fig.colorbar(
            points, ax=axes[0].tolist(), shrink=0.85, label=MAP_METRICS.get(metric, metric)
        )
    return fig
