"""Grid codes after CJ/T 349-2010 (城市市政综合监管信息系统 单元网格划分与编码规则).

A grid's code is 15 digits::

    DDDDDD SSS CCC GGG
    |      |   |   grid sequence within the community (001…)
    |      |   community code within the street (001…)
    |      street code (001…)
    administrative division code (GB/T 2260), default 430104 (长沙市岳麓区)

**Street code.** When every block's ``street`` value is numeric, it is used:
a value of at most 3 digits is zero-padded (``"7"`` → ``007``), a 9-digit
township code (GB/T 2260 + 3) or a 12-digit one gives its digits 7–9. Otherwise
streets are numbered ``001``, ``002``… in order of first appearance in
:attr:`BlockMap.blocks` (an empty street is a street of its own).

**Community code.** Communities are numbered ``001``… within their street, in
order of first appearance. A community's street is the street of its first
block.

**Grid sequence.** Within a community, grids are numbered left to right, top
to bottom by the centroid of each grid's dissolved blocks: let ``h`` be the
median height (``maxy - miny``) of the community's grids and ``top`` the
largest centroid ``y``; a grid's row is ``floor((top - y) / h + 0.5)`` (rows
are bands of height ``h`` centred on the topmost centroid, row 0 at the top);
grids are sorted by row, then by ascending centroid ``x``, then by their grid
number (a tie-break that keeps the rule total).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

from gridsim.geo.blockmap import BlockMap, MapError

if TYPE_CHECKING:
    from gridsim.geo.partition import Partition

DEFAULT_DIVISION = "430104"
"""GB/T 2260 code of 岳麓区, 长沙市, 湖南省."""


def _street_codes(streets: list[str]) -> dict[str, str]:
    """Three-digit code of each street (in order of first appearance)."""
    unique = list(dict.fromkeys(streets))
    numeric = all(re.fullmatch(r"\d{1,3}|\d{9}|\d{12}", s) for s in unique)
    if numeric:
        codes = {s: (s.zfill(3) if len(s) <= 3 else s[6:9]) for s in unique}
        if len(set(codes.values())) == len(codes) and "000" not in codes.values():
            return codes
    if len(unique) > 999:
        raise MapError(f"{len(unique)} streets: a street code has 3 digits (at most 999)")
    return {s: f"{i + 1:03d}" for i, s in enumerate(unique)}


def grid_order(centroids: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """Positions of grids sorted left to right, top to bottom (see the module's rule).

    Args:
        centroids: ``(n, 2)`` centroid ``x, y`` of each grid.
        heights: ``(n,)`` height ``maxy - miny`` of each grid.

    Returns:
        Indices into ``centroids``, first grid first.
    """
    n = len(centroids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    h = float(np.median(heights))
    if not h > 0 or not math.isfinite(h):
        h = 1.0
    top = float(centroids[:, 1].max())
    rows = np.floor((top - centroids[:, 1]) / h + 0.5).astype(np.int64)
    return np.array(
        sorted(range(n), key=lambda i: (int(rows[i]), float(centroids[i, 0]), i)), dtype=np.int64
    )


def grid_codes(
    blockmap: BlockMap, partition: Partition, division: str = DEFAULT_DIVISION
) -> list[str]:
    """The 15-digit CJ/T 349-2010 code of each grid of ``partition`` (by grid number).

    Args:
        blockmap: The blocks the partition was made from.
        partition: The grids.
        division: The 6-digit GB/T 2260 administrative division code.

    Returns:
        ``codes[g]`` for grid ``g``; all distinct.

    Raises:
        MapError: A malformed division code, or more than 999 streets,
            communities in a street or grids in a community.
    """
    if not re.fullmatch(r"\d{6}", division):
        raise MapError(f"division code must be 6 digits (GB/T 2260), got {division!r}")
    blocks = blockmap.blocks
    community = blocks["community"].astype(str).tolist()
    street = blocks["street"].fillna("").astype(str).str.strip().tolist()
    street_code = _street_codes(street)
    comm_street = {}
    for c, s in zip(community, street, strict=True):
        comm_street.setdefault(c, s)
    comm_code: dict[str, str] = {}
    per_street: dict[str, int] = {}
    for c, s in comm_street.items():
        per_street[s] = per_street.get(s, 0) + 1
        if per_street[s] > 999:
            raise MapError(f"street {s!r} has more than 999 communities")
        comm_code[c] = f"{per_street[s]:03d}"

    n_grids = partition.n_grids
    dissolved = blocks.geometry.groupby(partition.grid_of_block).agg(lambda gs: gs.union_all())
    codes = [""] * n_grids
    grids = partition.grids
    for c in dict.fromkeys(grids["community"].tolist()):
        ids = grids.loc[grids["community"] == c, "grid"].to_numpy(dtype=np.int64)
        if len(ids) > 999:
            raise MapError(f"community {c!r} has {len(ids)} grids; a grid sequence has 3 digits")
        geoms = [dissolved[g] for g in ids]
        cent = np.array([[geom.centroid.x, geom.centroid.y] for geom in geoms])
        heights = np.array([geom.bounds[3] - geom.bounds[1] for geom in geoms])
        prefix = division + street_code[comm_street[c]] + comm_code[c]
        for seq, pos in enumerate(grid_order(cent, heights), start=1):
            codes[int(ids[pos])] = f"{prefix}{seq:03d}"
    return codes


__all__ = ["DEFAULT_DIVISION", "grid_codes", "grid_order"]
