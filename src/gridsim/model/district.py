"""The district tree: communities → grids → households, and grid adjacency.

A district is synthesised from totals (number of communities, households,
target grid size), read from a CSV of real communities, or drawn on a map
(``district.map``: :mod:`gridsim.geo.drawn` cuts the map's blocks into
contiguous grids, or takes the grids ``grids.drawn`` names, and gives their
neighbours, areas and walking distances). Synthesised or from a CSV, each
community is cut into grids of about ``households_per_grid``
households, and neighbouring grids are joined by the edges of a Delaunay
triangulation of their positions (so neighbours are map neighbours). The edges
are kept as a numpy array (``District.grid_edges``); the sparse adjacency
matrix the model uses (``District.adjacency``) and the ``networkx`` graph
(``District.graph``, for plots and analysis) are built from it on first use.

Households are numbered grid by grid: grid ``g`` owns household ids
``grid_start[g] .. grid_start[g] + grid_households[g] - 1``. Household state
itself lives in arrays owned by the model (struct-of-arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from scipy.sparse import coo_array, csr_array
from scipy.spatial import Delaunay

from gridsim.scenario import Scenario, ScenarioError

# The communities CSV was read here; its names stay importable from this module.
from gridsim.scenario.communities import CSV_COLUMNS as CSV_COLUMNS
from gridsim.scenario.communities import CSV_HEADER_ALIASES as CSV_HEADER_ALIASES
from gridsim.scenario.communities import CSV_KIND_ALIASES as CSV_KIND_ALIASES
from gridsim.scenario.communities import MAX_CSV_PROBLEMS as MAX_CSV_PROBLEMS
from gridsim.scenario.communities import read_communities_csv
from gridsim.scenario.communities import read_csv_bytes as read_csv_bytes
from gridsim.vocab import KINDS

if TYPE_CHECKING:
    from gridsim.geo.drawn import DrawnGrids


@dataclass
class District:
    """Static structure of a district.

    Attributes:
        name: District name.
        community_names: One name per community.
        community_street: Street index of each community.
        street_names: One name per street office.
        community_kind: Index into :data:`gridsim.vocab.KINDS` per community.
        community_households: Households per community.
        grid_community: Community index of each grid.
        grid_households: Households per grid.
        grid_start: First household id of each grid.
        grid_xy: Grid positions (for adjacency and maps), shape (grids, 2).
        grid_edges: Neighbouring grid pairs ``(u, v)`` with ``u < v``, one row
            per edge, sorted by ``u`` then ``v``; int64, shape (edges, 2).
        grid_area_km2: Area of each grid, when the grids are drawn on a map
            (``district.map``); None for synthesised grids.
        grid_station_km: On a map, the household-weighted mean distance from
            each grid's station to its households' blocks (straight line, km);
            None for synthesised grids.
        map_source: The map the grids were drawn on, as the user named it.

    The adjacency matrix (:attr:`adjacency`) and graph (:attr:`graph`) are
    derived from ``grid_edges`` when first read, then cached on the instance.
    """

    name: str
    community_names: list[str]
    community_street: np.ndarray
    street_names: list[str]
    community_kind: np.ndarray
    community_households: np.ndarray
    grid_community: np.ndarray
    grid_households: np.ndarray
    grid_start: np.ndarray
    grid_xy: np.ndarray
    grid_edges: np.ndarray
    grid_area_km2: np.ndarray | None = None
    grid_station_km: np.ndarray | None = None
    map_source: str | None = None

    @property
    def drawn(self) -> bool:
        """Whether the grids are drawn on a map (areas and distances known)."""
        return self.grid_area_km2 is not None

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return len(self.community_names)

    @property
    def n_streets(self) -> int:
        """Number of street offices."""
        return len(self.street_names)

    @property
    def n_grids(self) -> int:
        """Number of grids."""
        return len(self.grid_households)

    @property
    def n_households(self) -> int:
        """Number of households."""
        return int(self.grid_households.sum())

    @property
    def grid_street(self) -> np.ndarray:
        """Street index of each grid."""
        return self.community_street[self.grid_community]

    @property
    def grid_kind(self) -> np.ndarray:
        """Community kind index of each grid."""
        return self.community_kind[self.grid_community]

    @cached_property
    def adjacency(self) -> csr_array:
        """Grid adjacency matrix: 1.0 where two grids are neighbours, else 0.

        A symmetric ``scipy.sparse.csr_array`` of float64, shape (grids, grids),
        rows and columns in grid order, in canonical form (sorted column indices
        per row). Equal, entry for entry and in storage order, to
        ``nx.to_scipy_sparse_array(self.graph, nodelist=range(self.n_grids),
        format="csr").astype(float)``, without building the graph.
        """
        return _adjacency_matrix(self.grid_edges, self.n_grids)

    @cached_property
    def graph(self) -> nx.Graph:
        """Grid adjacency graph (``networkx``); nodes are grid indices ``0 .. grids-1``.

        Node attributes: ``community`` (community index) and ``pos`` (``(x, y)``
        position). Edge attribute: ``same_community`` (both grids in one
        community). Edges are inserted in :attr:`grid_edges` order.
        """
        return _adjacency_graph(self.grid_edges, self.grid_xy, self.grid_community)

    def household_grid(self) -> np.ndarray:
        """Grid index of every household (length ``n_households``)."""
        return np.repeat(np.arange(self.n_grids, dtype=np.int32), self.grid_households)


def _largest_remainder(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total``, each >= ``minimum``."""
    quota = weights / weights.sum() * total
    counts = np.maximum(minimum, np.floor(quota).astype(np.int64))
    remainder = total - int(counts.sum())
    frac = quota - np.floor(quota)
    if remainder > 0:
        order = np.argsort(-frac, kind="stable")
        counts[order[:remainder]] += 1
    elif remainder < 0:
        order = np.argsort(frac, kind="stable")
        for idx in order:
            if remainder == 0:
                break
            if counts[idx] > minimum:
                counts[idx] -= 1
                remainder += 1
    return counts


def _synthesise_communities(scenario: Scenario, rng: np.random.Generator) -> dict[str, object]:
    d = scenario.district
    assert d.communities is not None and d.households is not None
    n = d.communities
    if d.households < n:
        raise ScenarioError(
            [f"district.households: must be >= district.communities ({n}), got {d.households}"]
        )
    shares = np.array([getattr(d.kinds, k).share for k in KINDS])
    kind_counts = _largest_remainder(shares, n, 0) if shares.sum() > 0 else np.array([n, 0, 0])
    kinds = rng.permutation(np.repeat(np.arange(len(KINDS)), kind_counts))
    weights = rng.lognormal(0.0, d.community_size_sigma, size=n)
    households = _largest_remainder(weights, d.households, 1)
    # Villages on the outskirts, urban cores in the middle: radius by kind.
    radius = np.array([0.35, 0.6, 0.9])[kinds] * np.sqrt(rng.uniform(0.05, 1.0, size=n))
    angle = rng.uniform(0, 2 * math.pi, size=n)
    xy = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    n_streets = min(d.streets or 1, n)
    centres = xy[rng.choice(n, size=n_streets, replace=False)]
    street = np.argmin(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1), axis=1)
    # Make street numbering dense (every street has at least its centre community).
    _, street = np.unique(street, return_inverse=True)
    return {
        "names": [f"C{i + 1:03d}" for i in range(n)],
        "street": street.astype(np.int32),
        "street_names": [f"S{j + 1:02d}" for j in range(int(street.max()) + 1)],
        "kind": kinds.astype(np.int8),
        "households": households,
        "xy": xy,
    }


def _communities_from_csv(path: str, rng: np.random.Generator) -> dict[str, object]:
    rows = read_communities_csv(path)
    streets = sorted({str(r["street"]) for r in rows})
    street_index = {s: i for i, s in enumerate(streets)}
    n = len(rows)
    if all("x" in r for r in rows):
        xy = np.array([[float(r["x"]), float(r["y"])] for r in rows])  # type: ignore[arg-type]
        span = np.ptp(xy, axis=0).max() or 1.0
        xy = (xy - xy.mean(axis=0)) / span
    else:
        # No coordinates: place streets on a circle and communities around them.
        angle = (
            np.array([street_index[str(r["street"])] for r in rows]) / len(streets) * 2 * math.pi
        )
        xy = np.column_stack([np.cos(angle), np.sin(angle)]) * 0.6
        xy += rng.normal(0, 0.12, size=(n, 2))
    return {
        "names": [str(r["name"]) for r in rows],
        "street": np.array([street_index[str(r["street"])] for r in rows], dtype=np.int32),
        "street_names": streets,
        "kind": np.array([KINDS.index(str(r["kind"])) for r in rows], dtype=np.int8),
        "households": np.array([int(r["households"]) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
        "xy": xy,
    }


def _delaunay_edges(xy: np.ndarray) -> np.ndarray:
    """Unique neighbour pairs ``(u, v)``, ``u < v``, of a Delaunay triangulation.

    Rows are sorted by ``u`` then ``v``; int64, shape (edges, 2). Collinear
    layouts, where no triangulation exists, are chained in order of ``x``.
    """
    n = len(xy)
    if n == 2:
        return np.array([[0, 1]], dtype=np.int64)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    try:
        simplices = Delaunay(xy).simplices
    except Exception:  # degenerate (collinear) layouts: chain by x
        order = np.argsort(xy[:, 0])
        simplices = np.column_stack([order[:-1], order[1:], order[1:]])
    simplices = simplices.astype(np.int64)
    a = simplices[:, [0, 1, 0]].ravel()
    b = simplices[:, [1, 2, 2]].ravel()
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # One int64 key per pair sorts like the (lo, hi) rows, lexicographically.
    key = np.unique((lo * n + hi)[lo != hi])
    return np.column_stack([key // n, key % n])


def _adjacency_matrix(edges: np.ndarray, n: int) -> csr_array:
    """Symmetric 0/1 float CSR matrix of ``edges`` (``u < v`` pairs), canonical form.

    Built the way ``nx.to_scipy_sparse_array`` builds it (COO of both directions,
    then CSR), so values, storage order and index dtype all match it.
    """
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    coords = (rows, cols) if len(rows) else ([], [])  # networkx passes lists
    data = np.ones(len(rows), dtype=np.float64)
    return coo_array((data, coords), shape=(n, n)).tocsr()


def _adjacency_graph(edges: np.ndarray, xy: np.ndarray, community: np.ndarray) -> nx.Graph:
    """The ``networkx`` graph of ``edges``, with node and edge attributes."""
    comm = community.tolist()
    g = nx.Graph()
    g.add_nodes_from(
        (i, {"community": c, "pos": (x, y)})
        for i, (c, (x, y)) in enumerate(zip(comm, xy.tolist(), strict=True))
    )
    g.add_edges_from((u, v, {"same_community": comm[u] == comm[v]}) for u, v in edges.tolist())
    return g


def drawn_layout(scenario: Scenario) -> DrawnGrids | None:
    """The grids drawn on the scenario's map, with their shapes (None without ``district.map``).

    Cached (:mod:`gridsim.geo.drawn`): the district a run builds and the maps a
    report draws come from the same cut.
    """
    from gridsim.geo.drawn import drawn_grids, grids_as_drawn

    d, g = scenario.district, scenario.grids
    if d.map is None:
        return None
    if g.drawn is not None:
        return grids_as_drawn(d.map, g.drawn)
    return drawn_grids(d.map, g.households_per_grid, g.tolerance, g.partition_seed)


def _district_from_map(scenario: Scenario) -> District:
    """The district drawn on ``district.map`` (no random draw: the partition has its own seed)."""
    drawn = drawn_layout(scenario)
    assert drawn is not None
    d = scenario.district
    grid_households = drawn.grid_households
    return District(
        name=d.name,
        community_names=list(drawn.community_names),
        community_street=drawn.community_street,
        street_names=list(drawn.street_names),
        community_kind=drawn.community_kind,
        community_households=drawn.community_households,
        grid_community=drawn.grid_community,
        grid_households=grid_households,
        grid_start=np.concatenate([[0], np.cumsum(grid_households)[:-1]]).astype(np.int64),
        grid_xy=drawn.grid_xy,
        grid_edges=drawn.grid_edges,
        grid_area_km2=drawn.grid_area_km2,
        grid_station_km=drawn.grid_station_km,
        map_source=drawn.source,
    )


def build_district(scenario: Scenario, rng: np.random.Generator) -> District:
    """Build the district structure of a scenario.

    Args:
        scenario: A validated scenario.
        rng: The structure random stream (layout and synthesised sizes).

    Returns:
        The district.
    """
    d = scenario.district
    if d.map is not None:
        return _district_from_map(scenario)
    if d.communities_csv is not None:
        c = _communities_from_csv(d.communities_csv, rng)
    else:
        c = _synthesise_communities(scenario, rng)
    households = np.asarray(c["households"], dtype=np.int64)
    total = int(households.sum())
    n_comm = len(households)
    n_grids = max(n_comm, round(total / scenario.grids.households_per_grid))
    grids_per_comm = _largest_remainder(households.astype(float), n_grids, 1)
    grids_per_comm = np.minimum(grids_per_comm, households)  # never an empty grid
    grid_community = np.repeat(np.arange(n_comm, dtype=np.int32), grids_per_comm)
    # Split each community's households evenly over its grids (sizes differ by <= 1).
    base = np.repeat(households // grids_per_comm, grids_per_comm)
    extra = np.repeat(households % grids_per_comm, grids_per_comm)
    first = np.concatenate([[0], np.cumsum(grids_per_comm)[:-1]])
    rank = np.arange(len(grid_community)) - np.repeat(first, grids_per_comm)
    grid_households = base + (rank < extra)
    grid_start = np.concatenate([[0], np.cumsum(grid_households)[:-1]])
    xy_comm = np.asarray(c["xy"], dtype=float)
    spread = 0.02 * np.sqrt(grids_per_comm)[grid_community]
    grid_xy = (
        xy_comm[grid_community] + rng.normal(0, 1, size=(len(grid_community), 2)) * spread[:, None]
    )
    return District(
        name=d.name,
        community_names=list(c["names"]),  # type: ignore[call-overload]
        community_street=np.asarray(c["street"], dtype=np.int32),
        street_names=list(c["street_names"]),  # type: ignore[call-overload]
        community_kind=np.asarray(c["kind"], dtype=np.int8),
        community_households=households,
        grid_community=grid_community,
        grid_households=grid_households.astype(np.int64),
        grid_start=grid_start.astype(np.int64),
        grid_xy=grid_xy,
        grid_edges=_delaunay_edges(grid_xy),
    )
