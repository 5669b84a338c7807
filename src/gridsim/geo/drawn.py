"""Grids drawn on a district's map, as the model needs them: households, neighbours, distances.

A scenario that names a map (``district.map``) is simulated on grids drawn
from it: either cut by :func:`gridsim.geo.partition.partition` at the
scenario's ``grids.households_per_grid`` (:func:`drawn_grids`), or as a
``gridsim grids`` run wrote them, ``blocks.csv`` giving each block's grid
(:func:`grids_as_drawn`). Either way the result is a :class:`DrawnGrids`:

* communities in the map's order of first appearance, each with the street
  and kind holding most of its households (a map without ``kind`` is taken as
  ``urban``);
* grids community by community, with their households, their position (the
  household-weighted centroid of their blocks, in km), their area, and the
  household-weighted mean straight-line distance from the grid's **station**
  (the block nearest that centroid: where the officers start from) to its
  households' blocks — the model turns that into walking time per visit;
* neighbouring grids: grids whose polygons share more than
  :data:`gridsim.geo.mapinput.MIN_SHARED_M` metres of boundary, across
  community lines too.

Both are cached per process by the map's path, size and modification time
and by the partition's settings, and :func:`drawn_grids` also on disk (see
:func:`partition_cache_dir`), keyed by the map's bytes, the settings, the
sources of :mod:`gridsim.geo` and the versions of the libraries that cut it:
a plan or an experiment cuts each grid size once per machine, not once per
worker and run (reading and cutting the Yuelu map takes about 2 s; loading a
cached cut about 10 ms).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, fields
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.fileio import display_path
from gridsim.geo.blockmap import BlockMap, MapError
from gridsim.vocab import KINDS

__all__ = ["DrawnGrids", "drawn_grids", "grid_polygons", "grids_as_drawn"]

CACHE_SIZE = 16
"""Drawn layouts kept per process (one per map and grid size)."""

CACHE_ENV = "GRIDSIM_PARTITION_CACHE"
"""Environment variable: a folder for the on-disk cache of cuts, or ``0`` to turn it off."""

_LIBRARIES = ("pymetis", "gerrychain", "networkx", "shapely", "geopandas", "pyogrio")


@dataclass(frozen=True)
class DrawnGrids:
    """The grids of a map as the model's district needs them (see the module docstring).

    Attributes:
        source: The map as the user named it.
        community_names, community_street, street_names, community_kind,
            community_households: One entry per community (kinds index
            :data:`gridsim.vocab.KINDS`).
        grid_community, grid_households: One entry per grid, community by community.
        grid_xy: Household-weighted centroid of each grid, km, shape (grids, 2).
        grid_edges: Neighbouring grids ``(u, v)``, ``u < v``, sorted; int64.
        grid_area_km2: Area of each grid.
        grid_station_km: Household-weighted mean distance from each grid's
            station block to its households' blocks (km, straight line).
        grid_blocks: Blocks per grid.
        flagged: Communities whose grids miss the household bounds, with the reason.
        grid_shapes: Each grid's polygon, in the same km coordinates as
            ``grid_xy`` (for maps).
        outline: The district's outline (the union of its grids), same coordinates.
    """

    source: str
    community_names: list[str]
    community_street: np.ndarray
    street_names: list[str]
    community_kind: np.ndarray
    community_households: np.ndarray
    grid_community: np.ndarray
    grid_households: np.ndarray
    grid_xy: np.ndarray
    grid_edges: np.ndarray
    grid_area_km2: np.ndarray
    grid_station_km: np.ndarray
    grid_blocks: np.ndarray
    flagged: tuple[str, ...] = ()
    grid_shapes: tuple[Any, ...] = ()
    outline: Any = None

    @property
    def n_grids(self) -> int:
        """Number of grids."""
        return len(self.grid_households)


def _stat_key(path: str | PathLike[str]) -> tuple[str, int, int]:
    resolved = str(Path(path).resolve())
    try:
        st = os.stat(resolved)
    except OSError as exc:
        raise MapError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    return resolved, st.st_size, st.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _blockmap(path: str, size: int, mtime_ns: int) -> BlockMap:
    from gridsim.geo.mapinput import read_map

    return read_map(path)


def read_blockmap(path: str | PathLike[str]) -> BlockMap:
    """:func:`gridsim.geo.mapinput.read_map`, cached while the file stays the same."""
    return _blockmap(*_stat_key(path))


def drawn_grids(
    map_path: str | PathLike[str],
    households_per_grid: float,
    tolerance: float = 0.15,
    seed: int = 0,
) -> DrawnGrids:
    """Cut the map's communities into grids of about ``households_per_grid`` households.

    Args:
        map_path: The map (blocks or community polygons).
        households_per_grid: Target households per grid.
        tolerance: Allowed relative deviation from each community's ideal.
        seed: The partition's seed.

    Returns:
        The grids (cached per process).

    Raises:
        MapError: The map cannot be read.
    """
    return _drawn(*_stat_key(map_path), float(households_per_grid), float(tolerance), int(seed))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _drawn(
    path: str, size: int, mtime_ns: int, households_per_grid: float, tolerance: float, seed: int
) -> DrawnGrids:
    from gridsim.geo.partition import partition

    folder = partition_cache_dir()
    key = _cut_key(path, size, mtime_ns, households_per_grid, tolerance, seed)
    if folder is not None:
        cached = _load(folder / f"{key}.npz")
        if cached is not None:
            return cached
    blockmap = _blockmap(path, size, mtime_ns)
    plan = partition(blockmap, households_per_grid, tolerance=tolerance, seed=seed)
    drawn = _layout(blockmap, plan.grid_of_block, tuple(plan.flagged))
    if folder is not None:
        _save(folder / f"{key}.npz", drawn)
    return drawn


def partition_cache_dir() -> Path | None:
    """The folder cuts of maps are cached in, or None when the cache is off or not writable.

    ``$GRIDSIM_PARTITION_CACHE`` if set (``0`` turns the cache off), else
    ``$XDG_CACHE_HOME/gridsim/partitions`` (``~/.cache/gridsim/partitions``).
    """
    env = os.environ.get(CACHE_ENV)
    if env == "0":
        return None
    if env:
        folder = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(xdg).expanduser() / "gridsim" / "partitions"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


@functools.cache
def _code_and_libraries() -> bytes:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(b"gridsim drawn grids 1\0")
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name}=\0".encode())
    return h.digest()


@functools.lru_cache(maxsize=CACHE_SIZE)
def _map_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _cut_key(
    path: str, size: int, mtime_ns: int, households_per_grid: float, tolerance: float, seed: int
) -> str:
    h = hashlib.sha256(_code_and_libraries())
    h.update(_map_digest(path, size, mtime_ns).encode())
    h.update(json.dumps([households_per_grid, tolerance, seed]).encode())
    return h.hexdigest()[:32]


def _save(path: Path, drawn: DrawnGrids) -> None:
    """Write ``drawn`` atomically (another worker may be writing the same cut)."""
    import shapely

    arrays = {f.name: getattr(drawn, f.name) for f in fields(drawn)}
    meta = {k: arrays.pop(k) for k in ("source", "community_names", "street_names", "flagged")}
    shapes = [*arrays.pop("grid_shapes"), arrays.pop("outline")]
    wkb = shapely.to_wkb(np.asarray(shapes, dtype=object), hex=True)
    arrays["shapes_wkb"] = np.array(wkb.tolist(), dtype=str)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f, allow_pickle=False, meta=np.array(json.dumps(list(meta.values()))), **arrays
            )
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk only costs the next process a re-cut
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _load(path: Path) -> DrawnGrids | None:
    """A cached cut, or None if there is none or it cannot be read."""
    import shapely

    try:
        with np.load(path, allow_pickle=False) as z:
            source, communities, streets, flagged = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in z.files if k not in ("meta", "shapes_wkb")}
            shapes = shapely.from_wkb(z["shapes_wkb"])
    except (OSError, ValueError, KeyError, shapely.errors.GEOSException):
        return None
    return DrawnGrids(
        source=source,
        community_names=communities,
        street_names=streets,
        flagged=tuple(flagged),
        grid_shapes=tuple(shapes[:-1]),
        outline=shapes[-1],
        **arrays,
    )


def grids_as_drawn(map_path: str | PathLike[str], blocks_csv: str | PathLike[str]) -> DrawnGrids:
    """The grids ``blocks.csv`` (written by ``gridsim grids``) assigns the map's blocks to.

    Args:
        map_path: The map the grids were drawn on.
        blocks_csv: Columns ``block`` and ``grid_code``: every block of the map
            in exactly one grid, every grid inside one community.

    Returns:
        The grids, in the map's community order (cached per process).

    Raises:
        MapError: A block of the map is missing from the file or unknown to
            the map, or a grid spans two communities; each line names the
            file, the row and the column.
    """
    return _as_drawn(*_stat_key(map_path), *_stat_key(blocks_csv), display_path(blocks_csv))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _as_drawn(
    path: str, size: int, mtime_ns: int, csv: str, csv_size: int, csv_mtime: int, name: str
) -> DrawnGrids:
    import pandas as pd

    blockmap = _blockmap(path, size, mtime_ns)
    try:
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise MapError(f"{name}: not a blocks.csv pandas can read: {exc}") from None
    problems = [
        f"{name}: column '{c}' missing (it needs block, grid_code)"
        for c in ("block", "grid_code")
        if c not in table.columns
    ]
    if problems:
        raise MapError(problems)
    blocks = blockmap.blocks
    row_of = {b: i for i, b in enumerate(blocks["block"].astype(str))}
    code_of_block: dict[int, str] = {}
    for line, (block, code) in enumerate(zip(table["block"], table["grid_code"], strict=True), 2):
        where = f"{name}: line {line}"
        if block not in row_of:
            problems.append(f"{where}, column block: block {block!r} is not in {blockmap.source}")
        elif row_of[block] in code_of_block:
            problems.append(f"{where}, column block: block {block!r} is listed twice")
        elif not code:
            problems.append(f"{where}, column grid_code: empty")
        else:
            code_of_block[row_of[block]] = code
    missing = [b for b, r in row_of.items() if r not in code_of_block]
    if missing:
        shown = ", ".join(repr(b) for b in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        problems.append(f"{name}: blocks of {blockmap.source} in no grid: {shown}{more}")
    community = blocks["community"].astype(str).to_numpy()
    comm_of_code: dict[str, str] = {}
    for r, code in code_of_block.items():
        seen = comm_of_code.setdefault(code, community[r])
        if seen != community[r]:
            problems.append(
                f"{name}, column grid_code: grid {code!r} spans communities {seen!r} and "
                f"{community[r]!r} (grids never cross community lines)"
            )
    if problems:
        raise MapError(list(dict.fromkeys(problems)))
    # number grids community by community (map order), then by code
    comm_rank = {c: i for i, c in enumerate(blockmap.communities)}
    codes = sorted(comm_of_code, key=lambda c: (comm_rank[comm_of_code[c]], c))
    index = {c: i for i, c in enumerate(codes)}
    grid_of_block = np.array([index[code_of_block[r]] for r in range(len(blocks))], np.int64)
    return _layout(blockmap, grid_of_block, ())


def _majority(values: np.ndarray, weights: np.ndarray) -> str:
    totals: dict[str, float] = {}
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        totals[v] = totals.get(v, 0.0) + w
    return min(totals, key=lambda v: (-totals[v], v))


def _layout(blockmap: BlockMap, grid_of_block: np.ndarray, flagged: tuple[str, ...]) -> DrawnGrids:
    import shapely

    from gridsim.geo.mapinput import MIN_SHARED_M, SNAP_M

    blocks = blockmap.blocks
    hh = blocks["households"].to_numpy(dtype=float)
    community = blocks["community"].astype(str).to_numpy()
    street = blocks["street"].fillna("").astype(str).to_numpy()
    kind = blocks["kind"].fillna("").astype(str).to_numpy()
    kind = np.where(kind == "", "urban", kind)
    names = blockmap.communities
    comm_index = {c: i for i, c in enumerate(names)}
    n_grids = int(grid_of_block.max()) + 1
    grid_comm = np.zeros(n_grids, dtype=np.int32)
    grid_comm[grid_of_block] = [comm_index[c] for c in community]
    order = np.argsort(grid_comm, kind="stable")  # grids community by community
    renumber = np.empty(n_grids, dtype=np.int64)
    renumber[order] = np.arange(n_grids)
    grid_of_block = renumber[grid_of_block]
    grid_comm = grid_comm[order]

    comm_street_name, comm_kind = [], []
    for c in names:
        rows = community == c
        comm_street_name.append(_majority(street[rows], hh[rows]))
        comm_kind.append(KINDS.index(_majority(kind[rows], hh[rows])))
    street_names = sorted(set(comm_street_name))
    street_index = {s: i for i, s in enumerate(street_names)}

    centroids = shapely.centroid(np.asarray(blocks.geometry.values, dtype=object))
    cxy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)]) / 1000.0
    grid_hh = np.bincount(grid_of_block, weights=hh, minlength=n_grids)
    gxy = (
        np.column_stack(
            [np.bincount(grid_of_block, weights=hh * cxy[:, k], minlength=n_grids) for k in (0, 1)]
        )
        / grid_hh[:, None]
    )
    station_km = np.zeros(n_grids)
    members = np.argsort(grid_of_block, kind="stable")
    bounds = np.searchsorted(grid_of_block[members], np.arange(n_grids + 1))
    for g in range(n_grids):
        rows = members[bounds[g] : bounds[g + 1]]
        station = rows[np.argmin(np.hypot(*(cxy[rows] - gxy[g]).T))]
        dist = np.hypot(*(cxy[rows] - cxy[station]).T)
        station_km[g] = float((hh[rows] * dist).sum() / hh[rows].sum())

    polygons = grid_polygons(blockmap, grid_of_block)
    geoms = np.asarray(polygons, dtype=object)
    area = shapely.area(geoms) / 1e6
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=SNAP_M)
    keep = left < right
    left, right = left[keep], right[keep]
    edges_b = shapely.boundary(geoms)
    shared = shapely.length(
        shapely.intersection(edges_b[left], shapely.buffer(edges_b[right], SNAP_M, quad_segs=2))
    )
    pairs = np.column_stack([left, right])[shared > MIN_SHARED_M].astype(np.int64)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs.reshape(0, 2)
    centre = np.average(gxy, axis=0, weights=grid_hh)
    shapes = shapely.transform(geoms, lambda xy: xy / 1000.0 - centre)
    outline = shapely.union_all(shapely.buffer(shapes, 0.002)).buffer(-0.002).simplify(0.01)
    return DrawnGrids(
        source=blockmap.source,
        community_names=list(names),
        community_street=np.array([street_index[s] for s in comm_street_name], dtype=np.int32),
        street_names=street_names,
        community_kind=np.array(comm_kind, dtype=np.int8),
        community_households=np.bincount(
            [comm_index[c] for c in community], weights=hh, minlength=len(names)
        ).astype(np.int64),
        grid_community=grid_comm,
        grid_households=grid_hh.round().astype(np.int64),
        grid_xy=gxy - centre,
        grid_edges=pairs,
        grid_area_km2=area,
        grid_station_km=station_km,
        grid_blocks=np.bincount(grid_of_block, minlength=n_grids).astype(np.int64),
        flagged=flagged,
        grid_shapes=tuple(shapes),
        outline=outline,
    )


def grid_polygons(blockmap: BlockMap, grid_of_block: np.ndarray) -> list:
    """Each grid's blocks dissolved into one geometry (metric CRS), in grid order."""
    import shapely

    geoms = np.asarray(blockmap.blocks.geometry.values, dtype=object)
    order = np.argsort(grid_of_block, kind="stable")
    n = int(grid_of_block.max()) + 1
    bounds = np.searchsorted(grid_of_block[order], np.arange(n + 1))
    return [shapely.union_all(geoms[order[bounds[g] : bounds[g + 1]]]) for g in range(n)]
