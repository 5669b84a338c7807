"""(h) Cutting the Yuelu block map into grids: time, contiguity, balance.

Usage::

    .venv/bin/python benchmarks/bench_grids.py [--households-per-grid 330] [--repeats 5]

Reads ``scenarios/data/yuelu-blocks.gpkg`` (~5,000 blocks, 166 communities,
191,232 households) and cuts it with :func:`gridsim.geo.partition.partition`
``--repeats`` times in one process after one untimed warm-up (imports,
GerryChain's first call). Reported: the median wall time of reading the map
and of the cut (the target is on read + cut), the share of grids that are one
contiguous polygon, the share within ±15 % of the target households (and of
their community's ideal), and the communities flagged.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import numpy as np

from common import ROOT, write_json

MAP = ROOT / "scenarios" / "data" / "yuelu-blocks.gpkg"


def measure(households_per_grid: float, repeats: int, tolerance: float = 0.15) -> dict[str, Any]:
    """Read and cut the Yuelu map ``repeats`` times; check the last cut's grids."""
    import networkx as nx

    from gridsim.geo.drawn import grid_polygons
    from gridsim.geo.mapinput import read_map
    from gridsim.geo.partition import partition

    blockmap = read_map(MAP)  # warm-up: imports, GDAL, GerryChain
    partition(blockmap, households_per_grid, tolerance=tolerance)
    read_s: list[float] = []
    cut_s: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        blockmap = read_map(MAP)
        t1 = time.perf_counter()
        plan = partition(blockmap, households_per_grid, tolerance=tolerance)
        t2 = time.perf_counter()
        read_s.append(t1 - t0)
        cut_s.append(t2 - t1)
    hh = plan.grids["households"].to_numpy(dtype=float)
    ideal = plan.communities.set_index("community")["ideal"]
    grid_ideal = plan.grids["community"].map(ideal).to_numpy(dtype=float)
    shapes = grid_polygons(blockmap, plan.grid_of_block)
    one_polygon = [s.geom_type == "Polygon" for s in shapes]
    g = nx.Graph()
    g.add_nodes_from(range(len(blockmap.blocks)))
    g.add_edges_from((e.a, e.b) for e in blockmap.edges)
    connected = [
        nx.is_connected(g.subgraph(np.flatnonzero(plan.grid_of_block == k).tolist()))
        for k in range(plan.n_grids)
    ]
    total = [r + c for r, c in zip(read_s, cut_s, strict=True)]
    return {
        "map": str(MAP.relative_to(ROOT)),
        "blocks": len(blockmap.blocks),
        "communities": len(blockmap.communities),
        "households": int(blockmap.blocks["households"].sum()),
        "households_per_grid": households_per_grid,
        "tolerance": tolerance,
        "grids": plan.n_grids,
        "repeats": repeats,
        "read_s": read_s,
        "cut_s": cut_s,
        "total_s": total,
        "read_median_s": statistics.median(read_s),
        "cut_median_s": statistics.median(cut_s),
        "total_median_s": statistics.median(total),
        "contiguous_share": float(np.mean(connected)),
        "one_polygon_share": float(np.mean(one_polygon)),
        "within_target_share": float(
            np.mean(np.abs(hh - households_per_grid) <= tolerance * households_per_grid)
        ),
        "within_ideal_share": float(np.mean(np.abs(hh - grid_ideal) <= tolerance * grid_ideal)),
        "households_min": int(hh.min()),
        "households_max": int(hh.max()),
        "flagged": list(plan.flagged),
        "methods": plan.communities["method"].value_counts().to_dict(),
    }


def main() -> int:
    """Measure and print (and optionally write) the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households-per-grid", type=float, default=330.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None, help="write the measurements as JSON here")
    args = parser.parse_args()
    r = measure(args.households_per_grid, args.repeats)
    print(
        f"{r['map']}: {r['blocks']:,} blocks, {r['communities']} communities -> {r['grids']} "
        f"grids of about {r['households_per_grid']:g} households; read {r['read_median_s']:.2f} s "
        f"+ cut {r['cut_median_s']:.2f} s (medians of {r['repeats']}); contiguous "
        f"{r['contiguous_share']:.1%}, one polygon {r['one_polygon_share']:.1%}, within ±15 % "
        f"of the target {r['within_target_share']:.1%} (of their community's ideal "
        f"{r['within_ideal_share']:.1%}); flagged: {len(r['flagged'])}"
    )
    write_json(args.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
