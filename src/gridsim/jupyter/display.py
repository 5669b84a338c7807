"""What the explorer shows: its KPI table styled by better/worse, and the grid map."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.jupyter.scenarios import grid_layout
from gridsim.kpi_registry import KPIS
from gridsim.model.district import District
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


def style_table(table: pd.DataFrame) -> Any:
    """A pandas ``Styler`` of an :func:`explorer_run` table for display.

    Differences whose 95 % CI excludes zero are bold, and green when the
    change is an improvement (see :data:`BETTER`) or red when it is worse.

    Args:
        table: The table from :func:`explorer_run`.

    Returns:
        A ``pandas.io.formats.style.Styler``.
    """

    def fmt(v: float) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "–"
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"

    def colour(row: pd.Series) -> list[str]:
        out = [""] * len(row)
        lo, hi = row["diff_lo"], row["diff_hi"]
        if not (lo > 0 or hi < 0):
            return out
        sign = BETTER.get(str(row.name), 0) * (1 if lo > 0 else -1)
        style = "font-weight: bold"
        if sign > 0:
            style += "; color: #1a7f37"
        elif sign < 0:
            style += "; color: #b42318"
        for i, col in enumerate(row.index):
            if col in ("diff", "diff_lo", "diff_hi", "diff_pct"):
                out[i] = style
        return out

    numeric = ["baseline", "variant", "diff", "diff_lo", "diff_hi"]
    return (
        table.style.format(fmt, subset=numeric)
        .format(lambda v: "–" if pd.isna(v) else f"{v:+.1f} %", subset=["diff_pct"])
        .format("{:.0f}", subset=["n_pairs"])
        .apply(colour, axis=1)
        .set_properties(subset=["description"], **{"text-align": "left"})
    )


def _draw_map(
    ax: Any,
    layout: District,
    values: np.ndarray,
    households: np.ndarray,
    vmin: float,
    vmax: float,
    title: str,
) -> Any:
    from matplotlib.collections import LineCollection

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
    adjacent grids.

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
        )
    if points is not None:
        fig.colorbar(
            points, ax=axes[0].tolist(), shrink=0.85, label=MAP_METRICS.get(metric, metric)
        )
    return fig
