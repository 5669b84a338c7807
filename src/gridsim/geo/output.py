"""The grids written out: ``grids.geojson``, ``blocks.csv``, ``summary.csv`` and ``map.png``.

All four are written together with :func:`gridsim.fileio.staged_folder`: the
folder holds the old set or the new one, never a mix.

* ``grids.geojson`` — one feature per grid (its blocks dissolved: a Polygon for
  a contiguous grid; a MultiPolygon is kept as it is), in EPSG:4326 as GeoJSON
  requires, with ``code``, ``community``, ``street``, ``households``,
  ``blocks``, ``area_km2`` and ``polsby_popper`` = 4πA/P² (1 for a disc, π/4 for
  a square; area and perimeter measured in the map's metric CRS);
* ``blocks.csv`` — ``block``, ``community``, ``grid_code``;
* ``summary.csv`` — per community: ``community``, ``K``, ``ideal``, ``min``,
  ``max``, ``within_bounds``, ``contiguous``, ``method``, ``reason``;
* ``map.png`` — the grids coloured (adjacent grids differ), community boundaries drawn
  thick.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gridsim.fileio import staged_folder
from gridsim.geo.blockmap import BlockMap
from gridsim.geo.codes import DEFAULT_DIVISION, grid_codes
from gridsim.geo.partition import Partition

if TYPE_CHECKING:
    import geopandas as gpd

OUTPUT_FILES = ("grids.geojson", "blocks.csv", "summary.csv", "map.png")
"""The files :func:`write_grids` writes."""


def polsby_popper(area: float, perimeter: float) -> float:
    """Compactness 4πA/P² (1 for a disc, π/4 for a square, 0 for a degenerate shape)."""
    return float(4 * math.pi * area / perimeter**2) if perimeter > 0 else 0.0


def grid_frame(blockmap: BlockMap, partition: Partition, codes: list[str]) -> gpd.GeoDataFrame:
    """The grids as a GeoDataFrame in the map's metric CRS (one dissolved geometry per grid).

    Returns:
        A ``geopandas.GeoDataFrame`` with ``grid``, ``code``, ``community``,
        ``street``, ``households``, ``blocks``, ``area_km2``, ``polsby_popper``.
    """
    import geopandas as gpd

    blocks = blockmap.blocks
    dissolved = blocks.geometry.groupby(partition.grid_of_block).agg(lambda gs: gs.union_all())
    grids = partition.grids.copy()
    geoms = [dissolved[g] for g in grids["grid"]]
    grids["code"] = [codes[g] for g in grids["grid"]]
    grids["area_km2"] = [geom.area / 1e6 for geom in geoms]
    grids["polsby_popper"] = [polsby_popper(geom.area, geom.length) for geom in geoms]
    cols = [
        "grid",
        "code",
        "community",
        "street",
        "households",
        "blocks",
        "area_km2",
        "polsby_popper",
    ]
    return gpd.GeoDataFrame(grids[cols], geometry=geoms, crs=blocks.crs)


def _grid_colours(blockmap: BlockMap, partition: Partition) -> list[int]:
    """A colour index per grid such that grids sharing a boundary differ (greedy colouring)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(partition.n_grids))
    gob = partition.grid_of_block
    g.add_edges_from((int(gob[e.a]), int(gob[e.b])) for e in blockmap.edges if gob[e.a] != gob[e.b])
    colouring = nx.greedy_color(g, strategy="largest_first")
    return [colouring[i] for i in range(partition.n_grids)]


def _draw_map(
    blockmap: BlockMap, partition: Partition, frame: gpd.GeoDataFrame, path: Path
) -> None:
    """Grids coloured (neighbours differ), grid edges thin, community boundaries thick."""
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 8), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    cmap = colormaps["Set3"]
    colours = _grid_colours(blockmap, partition)
    frame.plot(
        ax=ax,
        color=[cmap(colours[g] % cmap.N) for g in frame["grid"]],
        edgecolor="#444444",
        linewidth=0.4,
    )
    communities = blockmap.blocks.dissolve(by="community")
    communities.boundary.plot(ax=ax, color="black", linewidth=2.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{len(frame)} grids, {len(communities)} communities")
    fig.tight_layout()
    fig.savefig(path)


def write_grids(
    blockmap: BlockMap,
    partition: Partition,
    out_dir: str | Path,
    division: str = DEFAULT_DIVISION,
) -> dict[str, Path]:
    """Write the grids of ``partition`` into ``out_dir`` (all files or none).

    Args:
        blockmap: The blocks the partition was made from.
        partition: The grids.
        out_dir: The folder (created if missing); other files in it stay.
        division: GB/T 2260 code that starts every grid code.

    Returns:
        Each written file's name and final path.
    """
    codes = grid_codes(blockmap, partition, division)
    frame = grid_frame(blockmap, partition, codes)
    out = Path(out_dir)
    with staged_folder(out) as stage:
        frame.to_crs("EPSG:4326").drop(columns=["grid"]).to_file(
            stage / "grids.geojson", driver="GeoJSON"
        )
        blocks = blockmap.blocks
        pd.DataFrame(
            {
                "block": blocks["block"].to_numpy(),
                "community": blocks["community"].to_numpy(),
                "grid_code": np.asarray(codes, dtype=object)[partition.grid_of_block],
            }
        ).to_csv(stage / "blocks.csv", index=False)
        summary = partition.communities.rename(
            columns={"min_households": "min", "max_households": "max"}
        )
        summary.to_csv(stage / "summary.csv", index=False)
        _draw_map(blockmap, partition, frame, stage / "map.png")
    return {name: out / name for name in OUTPUT_FILES}


__all__ = ["OUTPUT_FILES", "grid_frame", "polsby_popper", "write_grids"]
