"""Read a district's map (GeoJSON, GeoPackage, Shapefile) into a :class:`BlockMap`.

Two kinds of map are read:

* a map of **blocks** (小区, lanes, hamlets): one Polygon/MultiPolygon per block
  with its ``households`` (a whole number > 0) and its ``community``, optionally
  its ``street``, its ``kind`` (one of :data:`gridsim.vocab.KINDS`) and a
  ``barrier`` flag;
* a map of **community polygons** (one feature per community, with the
  community's ``households``): blocks are synthesised inside each polygon as a
  square lattice clipped to it, cells of about :data:`CELL_HOUSEHOLDS`
  households, the households spread by area and rounded by largest remainder so
  that each community's total is exact (:attr:`BlockMap.synthesised`).

The kind of map is detected (one feature per community means community
polygons) unless the caller says ``synthesise=True`` or ``False``.

``barrier`` is a per-block flag meaning "this block is bounded by a road or a
river": an edge between two blocks is a barrier when either block has the flag.
A separate line layer of barriers is not read.

Coordinates: a geographic CRS (e.g. EPSG:4326) is reprojected to the local UTM
zone (:meth:`geopandas.GeoDataFrame.estimate_utm_crs`); a projected CRS in metres
is kept; a projected CRS in other units is reprojected too; a file without a CRS
is refused. (GeoJSON always has one: its coordinates are WGS 84 by definition.)

Every problem is collected and raised as one :class:`MapError`, one line each,
naming the file, the feature (row position, and its ``id`` or ``name`` when the
file has one) and the column. Invalid geometries are repaired with
:func:`shapely.make_valid` when the result is still polygonal with positive area
(recorded in :attr:`BlockMap.repairs`), refused otherwise.

Rook adjacency (:attr:`BlockMap.edges`): two blocks of the same community whose
boundaries share more than :data:`MIN_SHARED_M` metres; point contacts do not
count and blocks of different communities are never adjacent. Boundaries closer
than :data:`SNAP_M` count as shared (coordinates rounded or digitised apart by a
hair), so a shared length may exceed the exact one by up to ``2 * SNAP_M``. Each community's
blocks must form one connected piece.
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from gridsim.fileio import InputError, check_regular_file, display_path
from gridsim.geo.blockmap import BLOCK_COLUMNS, BlockMap, Edge, MapError
from gridsim.vocab import KINDS

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CELL_HOUSEHOLDS",
    "MAX_PROBLEM_LINES",
    "MIN_SHARED_M",
    "SNAP_M",
    "adjacency",
    "read_map",
]

CELL_HOUSEHOLDS = 40
"""Households per synthesised block (the lattice cell size is chosen for it)."""

MIN_SHARED_M = 0.5
"""Shortest shared boundary (metres) that makes two blocks adjacent."""

SNAP_M = 0.05
"""Gap (metres) across which two boundaries still count as shared (digitising, rounding)."""

MAX_PROBLEM_LINES = 20
"""Problems listed in a :class:`MapError` before "and N more"."""

_POLYGONAL = ("Polygon", "MultiPolygon")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def read_map(
    path: str | PathLike[str],
    *,
    households: str = "households",
    community: str = "community",
    street: str = "street",
    kind: str = "kind",
    barrier: str = "barrier",
    synthesise: bool | None = None,
    layer: str | int | None = None,
    cell_households: int = CELL_HOUSEHOLDS,
) -> BlockMap:
    """Read a map of blocks or of community polygons into a :class:`BlockMap`.

    Args:
        path: A GeoJSON, GeoPackage or Shapefile (read with pyogrio).
        households: Column of households (a whole number > 0).
        community: Column naming each block's community.
        street: Optional column naming the street (街道).
        kind: Optional column with the community kind (:data:`gridsim.vocab.KINDS`).
        barrier: Optional per-block flag (bool or 0/1): the block is bounded by a
            road or river; an edge is a barrier when either of its blocks is.
        synthesise: True: the features are community polygons, synthesise blocks
            inside them; False: the features are blocks; None: detect (one feature
            per community means community polygons).
        layer: The layer of a multi-layer file (default: ``blocks`` if there is
            one, else the first).
        cell_households: Households per synthesised block.

    Returns:
        The blocks in a local metric CRS with their rook adjacency.

    Raises:
        MapError: One line per problem, each naming the file, feature and column.
    """
    name = display_path(path)
    gdf = _read(Path(path), name, layer)
    label = _labeller(gdf, name)
    problems: list[str] = []

    required = [c for c in (households, community) if c not in gdf.columns]
    for col in required:
        cols = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        problems.append(f"{name}: column {col!r} missing (columns: {cols or 'none'})")
    if required:
        _raise(problems)

    crs_text, target = _target_crs(gdf, name)
    geoms, repairs = _check_geometries(gdf, label, problems)
    hh = _check_households(gdf[households], households, label, problems)
    comm = _check_communities(gdf[community], community, label, problems)
    streets = _text_column(gdf, street)
    kinds = _check_kinds(gdf, kind, label, problems)
    barriers = _check_barriers(gdf, barrier, label, problems)
    _raise(problems)

    import geopandas as gpd

    fixed = gpd.GeoSeries(geoms, crs=gdf.crs)
    if target is not None:
        fixed = fixed.to_crs(target)
    geoms = np.asarray(fixed.values, dtype=object)

    if synthesise is None:
        synthesise = len(set(comm)) == len(comm)
    if synthesise:
        blocks, barriers = _synthesise(
            name, community, geoms, hh, comm, streets, kinds, barriers, cell_households, problems
        )
        _raise(problems)
        ids = list(blocks["block"])
    else:
        ids = _block_ids(gdf, comm)
        blocks = pd.DataFrame(
            {
                "block": ids,
                "households": np.asarray(hh, dtype=np.int64),
                "community": comm,
                "street": streets,
                "kind": kinds,
            }
        )
        blocks["geometry"] = geoms
    out = gpd.GeoDataFrame(blocks[[*BLOCK_COLUMNS, "geometry"]], geometry="geometry", crs=fixed.crs)

    edges = adjacency(out, barriers)
    _check_connected(out, edges, name, community, synthesise, problems)
    _raise(problems)
    return BlockMap(
        blocks=out.reset_index(drop=True),
        edges=edges,
        source=name,
        crs=crs_text,
        repairs=repairs,
        synthesised=bool(synthesise),
    )


def adjacency(blocks: gpd.GeoDataFrame, barrier: Any = None) -> list[Edge]:
    """Rook adjacency of blocks within their communities (via an STRtree).

    Args:
        blocks: Blocks with ``community`` and ``geometry`` in a metric CRS.
        barrier: Optional per-block flags (sequence of bool), by row position.

    Returns:
        One :class:`Edge` per pair of same-community blocks sharing more than
        :data:`MIN_SHARED_M` metres of boundary, sorted by ``(a, b)``.
    """
    import shapely

    geoms = np.asarray(blocks.geometry.values, dtype=object)
    if len(geoms) < 2:
        return []
    comm = np.asarray(blocks["community"].astype(str))
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=SNAP_M)
    keep = (left < right) & (comm[left] == comm[right])
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(geoms)
    near = shapely.buffer(bounds[right], SNAP_M, quad_segs=2)
    lengths = shapely.length(shapely.intersection(bounds[left], near))
    flags = np.zeros(len(geoms), dtype=bool) if barrier is None else np.asarray(barrier, bool)
    order = np.lexsort((right, left))
    return [
        Edge(
            int(left[k]), int(right[k]), float(lengths[k]), bool(flags[left[k]] or flags[right[k]])
        )
        for k in order
        if lengths[k] > MIN_SHARED_M
    ]


# --- reading -----------------------------------------------------------------------------


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    lines = problems[:MAX_PROBLEM_LINES]
    if len(problems) > MAX_PROBLEM_LINES:
        lines.append(f"and {len(problems) - MAX_PROBLEM_LINES} more")
    raise MapError(lines)


def _read(path: Path, name: str, layer: str | int | None) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pyogrio

    try:
        check_regular_file(path, name)
    except InputError as exc:
        raise MapError(exc.problems) from None
    try:
        if layer is None:
            layer = _default_layer(path)
        gdf = gpd.read_file(path, engine="pyogrio", layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MapError(
            f"{name}: not a map GDAL can read (GeoJSON, GeoPackage, Shapefile): {first}"
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise MapError(f"{name}: not a map: it has no geometry column")
    if len(gdf) == 0:
        raise MapError(f"{name}: the map has no features")
    return gdf.reset_index(drop=True)


def _default_layer(path: Path) -> str | None:
    """The layer named ``blocks`` of a multi-layer file, else its first (None: single layer)."""
    import pyogrio

    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if len(names) <= 1:
        return None
    return "blocks" if "blocks" in names else names[0]


def _labeller(gdf: gpd.GeoDataFrame, name: str):
    key = next((c for c in ("id", "name", "ID", "Name", "NAME") if c in gdf.columns), None)
    values = list(gdf[key]) if key else None

    def label(i: int, column: str | None = None) -> str:
        text = f"{name}: feature {i}"
        if values is not None and not _missing(values[i]):
            text += f" ({key} {values[i]!r})"
        if column is not None:
            text += f", column {column!r}"
        return text

    return label


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _target_crs(gdf: gpd.GeoDataFrame, name: str) -> tuple[str, Any]:
    crs = gdf.crs
    if crs is None:
        raise MapError(
            f"{name}: the map has no CRS (coordinate reference system); "
            "give it one (e.g. a .prj beside a Shapefile, or ogr2ogr -a_srs EPSG:4326)"
        )
    source = crs.to_string()
    units = {a.unit_name.lower() for a in crs.axis_info}
    if crs.is_projected and units <= {"metre", "meter", "m"}:
        return f"{source} (as given)", None
    try:
        target = gdf.estimate_utm_crs()
    except (RuntimeError, ValueError) as exc:
        raise MapError(f"{name}: cannot choose a metric CRS for {source}: {exc}") from None
    return f"{target.to_string()} (reprojected from {source})", target


def _check_geometries(gdf: gpd.GeoDataFrame, label, problems: list[str]):
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    col = gdf.geometry.name
    repairs: list[str] = []
    valid = shapely.is_valid(geoms)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            problems.append(f"{label(i, col)}: empty geometry")
            continue
        if g.geom_type not in _POLYGONAL:
            problems.append(f"{label(i, col)}: a {g.geom_type}, not a Polygon or MultiPolygon")
            continue
        if valid[i]:
            continue
        reason = shapely.is_valid_reason(g)
        fixed = _polygonal(shapely.make_valid(g))
        if fixed is None or fixed.area <= 0:
            problems.append(f"{label(i, col)}: invalid geometry ({reason}) that make_valid cannot")
            problems[-1] += " repair into a polygon of positive area"
            continue
        geoms[i] = fixed
        repairs.append(f"{label(i)}: invalid geometry ({reason}) repaired with make_valid")
    return geoms, repairs


def _polygonal(g: Any) -> Any:
    """The polygonal part of a geometry (None when it has none)."""
    import shapely

    if g is None or g.is_empty:
        return None
    if g.geom_type in _POLYGONAL:
        return g
    if g.geom_type == "GeometryCollection":
        parts = [p for p in g.geoms if p.geom_type in _POLYGONAL and not p.is_empty]
        if parts:
            return shapely.union_all(parts)
    return None


def _check_households(values: pd.Series, col: str, label, problems: list[str]) -> list[int]:
    out: list[int] = []
    for i, v in enumerate(values):
        out.append(0)
        if _missing(v):
            problems.append(f"{label(i, col)}: households missing")
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            problems.append(f"{label(i, col)}: {v!r} is not a number of households")
            continue
        if isinstance(v, bool) or not math.isfinite(x) or x != int(x):
            problems.append(f"{label(i, col)}: {v!r} is not a whole number of households")
        elif x <= 0:
            problems.append(f"{label(i, col)}: {int(x)} households, must be > 0")
        else:
            out[-1] = int(x)
    return out


def _check_communities(values: pd.Series, col: str, label, problems: list[str]) -> list[str]:
    out: list[str] = []
    for i, v in enumerate(values):
        if _missing(v):
            problems.append(f"{label(i, col)}: the block is in no community (empty)")
            out.append("")
        else:
            out.append(str(v).strip())
    return out


def _text_column(gdf: gpd.GeoDataFrame, col: str) -> list[str]:
    if col not in gdf.columns:
        return [""] * len(gdf)
    return ["" if _missing(v) else str(v).strip() for v in gdf[col]]


def _check_kinds(gdf: gpd.GeoDataFrame, col: str, label, problems: list[str]) -> list[str]:
    kinds = _text_column(gdf, col)
    for i, k in enumerate(kinds):
        if k and k not in KINDS:
            problems.append(f"{label(i, col)}: kind {k!r} is not one of {', '.join(KINDS)}")
    return kinds


def _check_barriers(gdf: gpd.GeoDataFrame, col: str, label, problems: list[str]) -> list[bool]:
    if col not in gdf.columns:
        return [False] * len(gdf)
    out: list[bool] = []
    for i, v in enumerate(gdf[col]):
        text = "" if _missing(v) else str(v).strip().lower()
        if isinstance(v, (bool, np.bool_)):
            out.append(bool(v))
        elif text in _TRUE or text in {"1.0"}:
            out.append(True)
        elif text in _FALSE or text in {"0.0"}:
            out.append(False)
        else:
            problems.append(f"{label(i, col)}: barrier {v!r} is not true/false or 1/0")
            out.append(False)
    return out


def _block_ids(gdf: gpd.GeoDataFrame, comm: list[str]) -> list[str]:
    if "id" in gdf.columns:
        ids = gdf["id"]
        if not any(_missing(v) for v in ids):
            text = [str(v) for v in ids]
            if len(set(text)) == len(text):
                return text
    seen: dict[str, int] = {}
    out = []
    for c in comm:
        seen[c] = seen.get(c, 0) + 1
        out.append(f"{c}-{seen[c]}")
    return out


def _check_connected(
    blocks: gpd.GeoDataFrame,
    edges: list[Edge],
    name: str,
    col: str,
    synthesised: bool,
    problems: list[str],
) -> None:
    graph = nx.Graph()
    graph.add_nodes_from(range(len(blocks)))
    graph.add_edges_from((e.a, e.b) for e in edges)
    comm = list(blocks["community"])
    members: dict[str, list[int]] = {}
    for i, c in enumerate(comm):
        members.setdefault(c, []).append(i)
    for c, nodes in members.items():
        parts = sorted(nx.connected_components(graph.subgraph(nodes)), key=lambda p: -len(p))
        if len(parts) < 2:
            continue
        if synthesised:
            where = "its polygon has parts that do not touch"
        else:
            shown = " | ".join(_feature_list(sorted(p)) for p in parts[:4])
            where = f"features {shown}" + (" | …" if len(parts) > 4 else "")
        problems.append(
            f"{name}: community {c!r} (column {col!r}): its {len(nodes)} blocks form "
            f"{len(parts)} disjoint parts ({where}); a community must be one connected piece"
        )


def _feature_list(rows: list[int], cap: int = 8) -> str:
    text = ", ".join(str(r) for r in rows[:cap])
    return text + (f", … ({len(rows)} in all)" if len(rows) > cap else "")


# --- synthesis ---------------------------------------------------------------------------


def _synthesise(
    name: str,
    col: str,
    geoms: np.ndarray,
    hh: list[int],
    comm: list[str],
    streets: list[str],
    kinds: list[str],
    barriers: list[bool],
    cell_households: int,
    problems: list[str],
) -> tuple[pd.DataFrame, list[bool]]:
    counts = pd.Series(comm).value_counts()
    for c, n in counts.items():
        if n > 1:
            problems.append(
                f"{name}: community {c!r} (column {col!r}) appears in {n} features; "
                "a map of community polygons has one feature per community"
            )
    rows: list[dict[str, Any]] = []
    flags: list[bool] = []
    if problems:
        return pd.DataFrame(rows), flags
    for g, h, c, s, k, b in zip(geoms, hh, comm, streets, kinds, barriers, strict=True):
        pieces = _lattice(g, h, cell_households)
        shares = _apportion(h, [p.area for p in pieces])
        pieces, shares = _merge_empty(pieces, shares, h)
        for n, (p, x) in enumerate(zip(pieces, shares, strict=True), start=1):
            rows.append(
                {"block": f"{c}-{n}", "households": x, "community": c, "street": s, "kind": k}
                | {"geometry": p}
            )
            flags.append(b)
    out = pd.DataFrame(rows)
    out["households"] = out["households"].astype(np.int64)
    return out, flags


def _lattice(poly: Any, households: int, cell_households: int) -> list[Any]:
    """A square lattice clipped to ``poly``, cells of about ``cell_households`` households."""
    import shapely

    cells = max(1, round(households / cell_households))
    side = math.sqrt(poly.area / cells)
    minx, miny, maxx, maxy = poly.bounds
    nx_, ny_ = max(1, math.ceil((maxx - minx) / side)), max(1, math.ceil((maxy - miny) / side))
    xs = minx + side * np.arange(nx_)
    ys = miny + side * np.arange(ny_)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(gx, gy, gx + side, gy + side)
    clipped = shapely.intersection(boxes, poly)
    pieces = [_polygonal(p) for p in clipped]
    pieces = [p for p in pieces if p is not None and p.area > 0]
    return _merge_slivers(pieces, 0.25 * side * side)


def _merge_slivers(pieces: list[Any], min_area: float) -> list[Any]:
    """Merge pieces smaller than ``min_area`` into the neighbour with the longest shared edge."""
    pieces = list(pieces)
    while len(pieces) > 1:
        small = [i for i, p in enumerate(pieces) if p.area < min_area]
        if not small:
            break
        i = min(small, key=lambda j: pieces[j].area)
        j = _best_neighbour(pieces, i)
        if j is None:  # an isolated fragment: keep it as a block of its own
            min_area = min(min_area, pieces[i].area)
            continue
        pieces[j] = _polygonal(pieces[j].union(pieces[i]))
        del pieces[i]
    return pieces


def _best_neighbour(pieces: list[Any], i: int) -> int | None:
    best, best_len = None, MIN_SHARED_M
    for j, q in enumerate(pieces):
        if j != i:
            shared = pieces[i].boundary.intersection(q.boundary).length
            if shared > best_len:
                best, best_len = j, shared
    return best


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainder (sums exactly)."""
    w = np.asarray(weights, dtype=float)
    quota = total * w / w.sum()
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:left]] += 1
    return [int(x) for x in base]


def _merge_empty(pieces: list[Any], shares: list[int], total: int) -> tuple[list[Any], list[int]]:
    """Merge blocks that got no household into a neighbour, re-apportioning, until none is left."""
    while 0 in shares and len(pieces) > 1:
        zero = [i for i, x in enumerate(shares) if x == 0]
        i = min(zero, key=lambda j: pieces[j].area)
        j = _best_neighbour(pieces, i)
        if j is None:
            j = max(range(len(pieces)), key=lambda k: -1 if k == i else pieces[k].area)
        pieces[j] = _polygonal(pieces[j].union(pieces[i]))
        del pieces[i]
        shares = _apportion(total, [p.area for p in pieces])
    return pieces, shares
