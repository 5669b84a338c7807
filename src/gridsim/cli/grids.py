"""``gridsim grids``: cut a district's map into contiguous, balanced grids with codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridsim.cli.app import app
from gridsim.cli.errors import UserError


@app.command()
def grids(
    map_file: Annotated[
        Path, typer.Argument(help="GeoJSON, GeoPackage or Shapefile of blocks or communities.")
    ],
    households_per_grid: Annotated[
        float, typer.Option("--households-per-grid", help="Target households per grid.", min=1)
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the grids into.")],
    tolerance: Annotated[
        float,
        typer.Option(help="Households of every grid within ± this share of its ideal.", min=0.0),
    ] = 0.15,
    division: Annotated[
        str, typer.Option(help="Administrative division code (GB/T 2260) of the district.")
    ] = "430104",
    seed: Annotated[int, typer.Option(help="Seed of the partition's random choices.")] = 0,
) -> None:
    """Cut each community of the map into grids of about N households (never across communities).

    Writes grids.geojson (one polygon per grid with its CJ/T 349-2010 code),
    blocks.csv (block → grid), summary.csv (per community) and map.png into
    OUT. Communities that cannot meet the household bounds are listed with the
    reason; the command then exits 2.
    """
    from gridsim.geo.mapinput import read_map
    from gridsim.geo.output import write_grids
    from gridsim.geo.partition import partition

    if tolerance >= 1:
        raise UserError(f"--tolerance: must be below 1, got {tolerance}")
    if not (len(division) == 6 and division.isdigit()):
        raise UserError(f"--division: a 6-digit GB/T 2260 code, got {division!r}")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} exists and is not a folder")
    blockmap = read_map(map_file)
    for line in blockmap.repairs:
        typer.echo(f"{blockmap.source}: {line}", err=True)
    plan = partition(blockmap, households_per_grid, tolerance=tolerance, seed=seed)
    write_grids(blockmap, plan, out, division=division)
    n_grids = plan.n_grids
    typer.echo(
        f"{blockmap.source}: {len(blockmap.blocks)} blocks in {len(blockmap.communities)} "
        f"communities -> {n_grids} grids of about {households_per_grid:g} households "
        f"(± {tolerance:.0%}); written to {out}/"
    )
    missed = plan.communities[~plan.communities["within_bounds"].astype(bool)]
    for _, c in missed.iterrows():
        typer.echo(f"{blockmap.source}: community {c['community']!r}: {c['reason']}", err=True)
    if len(missed):
        raise typer.Exit(2)
