"""A district's residential blocks (小区, lanes, hamlets) with households, and their adjacency.

The common currency of :mod:`gridsim.geo`: map input produces a
:class:`BlockMap`, the partition reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gridsim.fileio import InputError

if TYPE_CHECKING:
    import geopandas as gpd

BLOCK_COLUMNS = ("block", "households", "community", "street", "kind")
"""Columns of :attr:`BlockMap.blocks` besides ``geometry`` (``street``/``kind`` may be empty)."""


class MapError(InputError):
    """A map cannot be used: each line names the file, the feature and the column (exit 2)."""


@dataclass(frozen=True)
class Edge:
    """Two blocks of one community that share a boundary.

    Attributes:
        a, b: Row positions of the two blocks in :attr:`BlockMap.blocks` (a < b).
        length_m: Length of the shared boundary in metres.
        barrier: Whether the boundary runs along a barrier (road, river): grids
            prefer not to cross it.
    """

    a: int
    b: int
    length_m: float
    barrier: bool = False


@dataclass
class BlockMap:
    """The blocks of a district, in a local metric CRS, with their rook adjacency.

    Attributes:
        blocks: One row per block: :data:`BLOCK_COLUMNS` and ``geometry``
            (Polygon or MultiPolygon), in a projected CRS with metres as unit.
        edges: Blocks of the same community that share a boundary of positive
            length (rook adjacency), each once.
        source: The file it was read from, as the user named it.
        crs: The CRS of :attr:`blocks` (e.g. ``EPSG:32649``), and how it was
            chosen (``"as given"`` or ``"reprojected from EPSG:4326"``).
        repairs: Repairs made while reading (``make_valid`` on invalid
            geometries), one line each, naming the feature.
        synthesised: True when the blocks were synthesised inside community
            polygons rather than read.
    """

    blocks: gpd.GeoDataFrame
    edges: list[Edge]
    source: str
    crs: str
    repairs: list[str] = field(default_factory=list)
    synthesised: bool = False

    @property
    def communities(self) -> list[str]:
        """Community names, in order of first appearance."""
        return list(dict.fromkeys(self.blocks["community"]))


__all__ = ["BLOCK_COLUMNS", "BlockMap", "Edge", "MapError"]
