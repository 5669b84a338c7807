"""Figures of the grids: the district map coloured by grid, and the spread across grids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from gridsim.experiments.results import Comparison
from gridsim.model.district import District, drawn_layout
from gridsim.reports.analysis import (
    district_of,
    grid_means,
    map_variants,
    variant_label,
    variant_names,
)
from gridsim.reports.drawing import (
    _display_name,
    _figure,
    _no_data,
    _panel_figure,
    _Ticks,
    style,
    variant_colors,
)
from gridsim.reports.figures.registry import register_figure
from gridsim.reports.i18n import (
    check_lang,
    t,
)

if TYPE_CHECKING:
    from gridsim.geo.drawn import DrawnGrids

MAP_METRICS: tuple[str, ...] = ("backlog_per_1000", "median_days_to_close")
"""Per-grid quantities the grid maps are coloured by (one row each)."""

_MAP_LABEL = {"backlog_per_1000": "backlog_per_1000", "median_days_to_close": "grid_median_days"}


_WHAT = {
    "en": {
        "dots": "Each dot is a grid at its position in the district, joined to its neighbours",
        "shapes": (
            "Each shape is a grid drawn on the district's map (thick line: the district's outline)"
        ),
        "both": (
            "Dots: synthesised grids at their positions, joined to their neighbours; shapes: "
            "grids drawn on the district's map (thick line: its outline)"
        ),
    },
    "zh": {
        "dots": "每个点代表一个网格（按其在辖区中的位置，连线表示相邻网格）",
        "shapes": "每个色块为按辖区地图划分的一个网格（粗线为辖区边界）",
        "both": (
            "圆点为按总数合成的网格（连线表示相邻网格）；色块为按辖区地图划分的网格（粗线为辖区边界）"
        ),
    },
}


def _shown(comparison: Comparison, lang: str) -> dict[str, object]:
    """The grid-map caption's fields: what a grid looks like, and the variants shown."""
    shown = map_variants(comparison)
    drawn = {
        v.scenario.district.map is not None
        for v in comparison.experiment.variants
        if v.name in shown
    }
    what = "both" if len(drawn) > 1 else "shapes" if drawn == {True} else "dots"
    names = [variant_label(comparison, n, lang) for n in shown]
    return {"what": _WHAT[lang][what], "shown": t("list_sep", lang).join(names)}


def draw_grid_values(
    ax: Any,
    district: District,
    layout: DrawnGrids | None,
    values: np.ndarray,
    cmap: Any,
    norm: Any,
) -> None:
    """Draw a district's grids on ``ax`` coloured by ``values`` (NaN: grey).

    Grids drawn on a map (``layout``, see
    :func:`gridsim.model.district.drawn_layout`) are filled polygons inside the
    district's outline; synthesised grids are dots at their positions joined
    to their neighbours.
    """
    missing = np.isnan(values)
    if layout is not None and len(layout.grid_shapes) == district.n_grids:
        colours = np.array(cmap(norm(np.where(missing, 0.0, values))))
        colours[missing] = mpl.colors.to_rgba("#d9d9d9")
        patches = [PathPatch(_shape_path(shape)) for shape in layout.grid_shapes]
        ax.add_collection(
            PatchCollection(
                patches, facecolors=colours, edgecolors="#ffffff", linewidths=0.15, zorder=2
            )
        )
        if layout.outline is not None:
            ax.add_patch(
                PathPatch(
                    _shape_path(layout.outline), fill=False, edgecolor="#222222", lw=0.8, zorder=3
                )
            )
        ax.autoscale_view()
        return
    xy = district.grid_xy
    segs = [(xy[a], xy[b]) for a, b in district.graph.edges]
    ax.add_collection(
        LineCollection(segs, colors="#b0b0b0", linewidths=0.35, zorder=1, rasterized=True)
    )
    size = float(np.clip(2400 / district.n_grids, 3, 60))
    dense = district.n_grids > 200  # in SVG, thousands of dots go in as one image
    ax.scatter(
        xy[missing, 0], xy[missing, 1], s=size, c="#d9d9d9", lw=0, zorder=2, rasterized=dense
    )
    ax.scatter(
        xy[~missing, 0],
        xy[~missing, 1],
        s=size,
        c=values[~missing],
        cmap=cmap,
        norm=norm,
        lw=0.2,
        edgecolors="#555555",
        zorder=3,
        rasterized=dense,
    )
    ax.autoscale_view()


def _shape_path(shape: Any) -> MplPath:
    """A matplotlib path of a Polygon or MultiPolygon (holes included)."""
    rings = []
    for poly in getattr(shape, "geoms", [shape]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings.append(np.asarray(poly.exterior.coords)[:, :2])
        rings.extend(np.asarray(r.coords)[:, :2] for r in poly.interiors)
    if not rings:
        return MplPath(np.zeros((1, 2)))
    vertices = np.concatenate(rings)
    codes = np.concatenate(
        [[MplPath.MOVETO, *([MplPath.LINETO] * (len(r) - 2)), MplPath.CLOSEPOLY] for r in rings]
    )
    return MplPath(vertices, codes)


@register_figure(
    "grid_maps",
    title={
        "en": "Grids on the map",
        "zh": "网格分布图",
    },
    caption={
        "en": (
            "{what}; "
            "colour: year-end backlog per 1,000 households (top) and median days to close "
            "(bottom), averaged over the replications. Grey: no case closed. Shown: {shown}."
        ),
        "zh": (
            "{what}；"
            "颜色表示每千户年末积案数（上）和结案天数中位数（下），为多次重复的平均值。灰色："
            "无结案。所示方案：{shown}。"
        ),
    },
    needs=("grids",),
    fields=_shown,
)
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
        layouts = {
            n: drawn_layout(next(v for v in comparison.experiment.variants if v.name == n).scenario)
            for n in shown
        }
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
                draw_grid_values(ax, d, layouts[name], v, cmap, norm)
                if r == 0:
                    ax.set_title(
                        _display_name(comparison, name, lang) + "\n" + _grid_count(d.n_grids, lang),
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


@register_figure(
    "equity",
    title={
        "en": "Differences between grids",
        "zh": "网格间差异",
    },
    caption={
        "en": (
            "Spread across grids (replication averages): the box holds the middle half of the "
            "grids, the line is the median, whiskers reach the 5th and 95th percentiles."
        ),
        "zh": (
            "各网格指标的分布（多次重复平均）：箱体为中间50%的网格，中线为中位数，"
            "须线为5%和95%分位。"
        ),
    },
    needs=("grids",),
)
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
    colours = variant_colors(comparison)
    panels = [
        ("backlog_per_1000", "backlog_per_1000", 1.0),
        ("median_days_to_close", "grid_median_days", 1.0),
        ("on_time_rate", "grid_on_time", 100.0),
    ]
    with style(lang):
        if not names:
            return _no_data(_figure(10, 3), lang)
        labels = [_display_name(comparison, n, lang) for n in names]
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
