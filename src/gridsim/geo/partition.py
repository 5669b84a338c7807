"""Each community cut into contiguous grids of balanced households.

Grids never cross community lines: every community is partitioned on its own
into ``K = max(1, round(households / households_per_grid))`` grids, each of
which must be contiguous (rook adjacency of :attr:`BlockMap.edges`) and hold
within ``±tolerance`` of the community's ideal ``households / K``.

Per community, in order, the first plan that is contiguous and within bounds
is kept:

1. **pymetis seed** — ``part_graph(K)`` (contiguous parts asked of METIS when the
   community is connected) with the blocks' households as vertex
   weights and the shared boundary in metres (rounded, at least 1; a tenth of
   it, at least 1, across a barrier) as edge weights;
2. **ReCom** — targeted ReCom merge-split steps (GerryChain's
   ``bipartition_tree``) from the best contiguous plan so far (the pymetis seed
   with its stray fragments merged into neighbours): the worst grid and a
   neighbour are merged and re-split evenly, kept only when that lowers the
   pair's largest deviation, until within bounds;
3. **recursive_tree_part** — GerryChain's recursive spanning-tree splitting
   with ``epsilon = tolerance``, a few attempts with seeded generators (slow
   on thousands of blocks when it fails: tens of seconds an attempt).

A community that cannot meet the bounds keeps the best contiguous plan found
and is flagged in :attr:`Partition.communities` with a reason: too few blocks
for ``K`` grids, a block larger than the upper bound, blocks that are not
connected, or no balanced partition found in ``N`` attempts.

Every random draw comes from a ``random.Random`` seeded from ``seed`` and the
community's position, so a seed gives the same grids every time.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gridsim.geo.blockmap import BlockMap, MapError

if TYPE_CHECKING:
    import networkx as nx

BARRIER_FACTOR = 0.1
"""Edge weight multiplier for a shared boundary along a barrier (road, river)."""

TREE_ATTEMPTS = 4
"""Seeded attempts of ``recursive_tree_part`` per community."""

TREE_MAX_ATTEMPTS = 2000
"""Spanning trees drawn per bipartition inside one ``recursive_tree_part`` attempt."""

RECOM_STEPS = 500
"""Default number of targeted ReCom steps tried when the tree attempts fail."""

POLISH_SHARE = 0.5
"""A plan within bounds is polished by ReCom towards this share of the tolerance."""

POLISH_STEPS = 60
"""Most ReCom steps of the polish (the plan is kept only if it gets more even)."""

POP = "households"


@dataclass
class Partition:
    """Blocks assigned to grids, with a table per grid and a report per community.

    Attributes:
        grid_of_block: For each row of :attr:`BlockMap.blocks`, its grid (0…n-1,
            grids numbered community by community in order of first appearance).
        grids: One row per grid: ``grid``, ``community``, ``street`` (the street
            holding most of its households), ``households``, ``blocks``.
        communities: One row per community: ``community``, ``K``, ``ideal``,
            ``min_households``, ``max_households``, ``within_bounds``,
            ``contiguous``, ``method`` (``pymetis``, ``recursive_tree_part``,
            ``recom``, ``single``, or ``best-contiguous``) and ``reason`` (empty
            when within bounds).
        tolerance: The allowed relative deviation from the ideal.
        seed: The seed used.
        flagged: ``"community: reason"`` for each community not within bounds.
    """

    grid_of_block: np.ndarray
    grids: pd.DataFrame
    communities: pd.DataFrame
    tolerance: float
    seed: int
    flagged: list[str] = field(default_factory=list)

    @property
    def n_grids(self) -> int:
        """Number of grids."""
        return len(self.grids)


def _community_graph(
    n: int, households: np.ndarray, local_edges: list[tuple[int, int, int]]
) -> nx.Graph:
    """A networkx graph on 0…n-1 with ``households`` on nodes and integer ``weight`` on edges."""
    import networkx as nx

    g = nx.Graph()
    for i in range(n):
        g.add_node(i, **{POP: int(households[i])})
    for a, b, w in local_edges:
        g.add_edge(a, b, weight=w)
    return g


def _edge_weight(length_m: float, barrier: bool) -> int:
    """METIS edge weight: shared length in metres (≥ 1), a tenth (≥ 1) across a barrier."""
    w = max(1, round(length_m))
    if barrier:
        w = max(1, round(w * BARRIER_FACTOR))
    return int(w)


def _metis(g: nx.Graph, k: int) -> np.ndarray:
    """The pymetis seed plan of ``g`` into ``k`` parts.

    On a connected community METIS is asked for contiguous parts (``contig``),
    which on lattices of thousands of blocks is usually within bounds already.
    """
    import networkx as nx
    import pymetis

    n = g.number_of_nodes()
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=np.int64)
    xadj = [0]
    adjncy: list[int] = []
    eweights: list[int] = []
    for i in range(n):
        for j in sorted(g.adj[i]):
            adjncy.append(j)
            eweights.append(int(g.adj[i][j]["weight"]))
        xadj.append(len(adjncy))
    vweights = [max(1, int(g.nodes[i][POP])) for i in range(n)]
    if not adjncy:  # no edges at all: METIS needs some; spread blocks round-robin
        return np.arange(n, dtype=np.int64) % k
    if hasattr(pymetis, "CSRAdjacency"):  # pymetis >= 2025.2: xadj/adjncy are deprecated
        graph = {"adjacency": pymetis.CSRAdjacency(adj_starts=xadj, adjacent=adjncy)}
    else:
        graph = {"xadj": xadj, "adjncy": adjncy}
    options = pymetis.Options(contig=True) if nx.is_connected(g) else None
    _, membership = pymetis.part_graph(
        k, **graph, vweights=vweights, eweights=eweights, options=options
    )
    return _relabel(np.asarray(membership, dtype=np.int64))


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Parts renumbered 0…k-1 in order of their first block (empty parts dropped)."""
    order = {p: i for i, p in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[p] for p in labels.tolist()], dtype=np.int64)


def _is_contiguous(g: nx.Graph, labels: np.ndarray) -> bool:
    """Whether every part induces a connected subgraph."""
    import networkx as nx

    for p in np.unique(labels):
        nodes = np.flatnonzero(labels == p).tolist()
        if not nx.is_connected(g.subgraph(nodes)):
            return False
    return True


def _totals(labels: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Households per part."""
    return np.bincount(labels, weights=households, minlength=int(labels.max()) + 1)


def _deviation(labels: np.ndarray, households: np.ndarray, ideal: float) -> float:
    """Largest relative deviation of a part's households from the ideal."""
    tot = _totals(labels, households)
    return float(np.max(np.abs(tot - ideal)) / ideal) if ideal > 0 else 0.0


def _repair_contiguity(g: nx.Graph, labels: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Merge each part's stray fragments into a neighbouring part, so every part is connected.

    A part keeps its component with most households; every other component
    joins the adjacent part it shares most edges with, among parts whose kept
    component touches it. Repeats until nothing moves. On a disconnected
    community a fragment with no such neighbour stays where it is.
    """
    import networkx as nx

    labels = labels.copy()
    for _ in range(g.number_of_nodes() + 1):
        moved = False
        for p in np.unique(labels).tolist():
            nodes = np.flatnonzero(labels == p).tolist()
            comps = sorted(
                (sorted(c) for c in nx.connected_components(g.subgraph(nodes))),
                key=lambda c: (-sum(int(households[i]) for i in c), c[0]),
            )
            for comp in comps[1:]:
                counts: Counter[int] = Counter()
                for i in comp:
                    for j in g.adj[i]:
                        if labels[j] != p:
                            counts[int(labels[j])] += 1
                if counts:
                    target = min(counts, key=lambda q: (-counts[q], q))
                    labels[comp] = target
                    moved = True
        if not moved:
            break
    return _relabel(labels)


def _tree_part(
    g: nx.Graph, k: int, ideal: float, tolerance: float, rng: random.Random
) -> np.ndarray | None:
    """One ``recursive_tree_part`` attempt; None when it finds no balanced split."""
    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    graph = Graph.from_networkx(g)
    try:
        assignment = recursive_tree_part(
            graph,
            range(k),
            ideal,
            POP,
            tolerance,
            bipartition_tree_fn=partial(
                bipartition_tree, max_attempts=TREE_MAX_ATTEMPTS, warn_attempts=10**9
            ),
            rng=rng,
        )
    except Exception:  # GerryChain raises RuntimeError/BalanceError/... when it gives up
        return None
    labels = np.array([assignment[i] for i in range(g.number_of_nodes())], dtype=np.int64)
    return _relabel(labels)


def _recom(
    g: nx.Graph,
    labels: np.ndarray,
    households: np.ndarray,
    ideal: float,
    tolerance: float,
    steps: int,
    rng: random.Random,
) -> np.ndarray:
    """Improve a contiguous plan with targeted ReCom moves; returns the best plan found.

    Each step is a ReCom merge-split aimed at the worst grid: the grid farthest
    from the ideal is merged with the adjacent grid that brings the pair's
    households closest to twice the ideal, and the pair is re-split along a
    random spanning tree (GerryChain's ``bipartition_tree``, seeded) into two
    halves as even as possible. A split is kept only if it lowers the pair's
    largest deviation, so every kept plan is contiguous and no worse than the
    last; a pair that cannot be improved is not tried again until something
    moves. Stops within bounds, after ``steps`` steps, or when stuck.
    """
    from gerrychain import Graph
    from gerrychain.tree import bipartition_tree

    labels = labels.copy()
    tot = _totals(labels, households)
    tried: set[tuple[int, int]] = set()
    for _ in range(steps):
        dev = np.abs(tot - ideal)
        if dev.max() <= tolerance * ideal + 1e-9:
            break
        worst = -1
        candidates: list[int] = []
        for w in np.argsort(-dev, kind="stable").tolist():
            if dev[w] <= tolerance * ideal:
                break
            nodes = np.flatnonzero(labels == w).tolist()
            neighbours = {int(labels[j]) for i in nodes for j in g.adj[i]} - {w}
            candidates = sorted(
                (q for q in neighbours if (min(w, q), max(w, q)) not in tried),
                key=lambda q, w=w: (abs(tot[w] + tot[q] - 2 * ideal), q),
            )
            if candidates:
                worst = w
                break
        if worst < 0:
            break  # every out-of-bounds grid has had every neighbour tried: stuck
        w, q = worst, candidates[0]
        pair = (min(w, q), max(w, q))
        nodes = np.flatnonzero((labels == w) | (labels == q)).tolist()
        sub = Graph.from_networkx(g.subgraph(nodes).copy())
        half = (tot[w] + tot[q]) / 2
        before = max(abs(tot[w] - ideal), abs(tot[q] - ideal))
        moved = False
        for eps in (tolerance / 4, tolerance / 2, tolerance):
            try:
                side = bipartition_tree(
                    sub, POP, half, eps, max_attempts=30, warn_attempts=10**9, rng=rng
                )
            except Exception:  # no balanced cut of this pair at this epsilon
                continue
            side_pop = float(sum(households[i] for i in side))
            after = max(abs(side_pop - ideal), abs(tot[w] + tot[q] - side_pop - ideal))
            if after < before - 1e-9:
                new = labels.copy()
                new[nodes] = q
                new[sorted(side)] = w
                labels = new
                tot[w], tot[q] = side_pop, tot[w] + tot[q] - side_pop
                tried.clear()
                moved = True
                break
        if not moved:
            tried.add(pair)
    return _relabel(labels)


def _partition_community(
    g: nx.Graph,
    households: np.ndarray,
    k: int,
    tolerance: float,
    rng: random.Random,
    recom_steps: int,
    block_names: list[str],
) -> tuple[np.ndarray, str, str]:
    """Plan, method and reason ('' when contiguous and within bounds) for one community."""
    import networkx as nx

    n = g.number_of_nodes()
    total = float(households.sum())
    ideal = total / k
    upper = ideal * (1 + tolerance)
    reasons: list[str] = []
    connected = n > 0 and nx.is_connected(g)
    if n < k:
        reasons.append(f"too few blocks ({n}) for {k} grids")
    big = int(np.argmax(households)) if n else 0
    if n and households[big] > upper:
        reasons.append(
            f"block {block_names[big]} has {int(households[big])} households, more than the "
            f"upper bound {upper:.0f} (ideal {ideal:.0f} +{tolerance:.0%})"
        )
    if not connected:
        reasons.append(
            f"blocks are not connected ({nx.number_connected_components(g)} separate pieces)"
        )
    if k == 1:
        return np.zeros(n, dtype=np.int64), "single", "; ".join(reasons)
    if n < k:  # one grid per block is the closest to K grids it can get
        return np.arange(n, dtype=np.int64), "best-contiguous", "; ".join(reasons)

    def ok(labels: np.ndarray) -> bool:
        return (
            len(np.unique(labels)) == k
            and _deviation(labels, households, ideal) <= tolerance + 1e-12
            and _is_contiguous(g, labels)
        )

    def polished(labels: np.ndarray) -> np.ndarray:
        """A more even plan if ReCom finds one (kept only if still contiguous)."""
        if _deviation(labels, households, ideal) <= POLISH_SHARE * tolerance:
            return labels
        tighter = _recom(g, labels, households, ideal, POLISH_SHARE * tolerance, POLISH_STEPS, rng)
        better = _deviation(tighter, households, ideal) < _deviation(labels, households, ideal)
        return tighter if better and ok(tighter) else labels

    seed_plan = _metis(g, k)
    if not reasons and ok(seed_plan):
        return polished(seed_plan), "pymetis", ""
    best = _repair_contiguity(g, seed_plan, households)
    if not reasons and ok(best):
        return polished(best), "pymetis", ""
    if connected and len(np.unique(best)) >= 2:
        improved = _recom(g, best, households, ideal, tolerance, recom_steps, rng)
        if not reasons and ok(improved):
            return polished(improved), "recom", ""
        if _deviation(improved, households, ideal) < _deviation(best, households, ideal):
            best = improved
    if not reasons:
        for _ in range(TREE_ATTEMPTS):
            plan = _tree_part(g, k, ideal, tolerance, random.Random(rng.getrandbits(64)))
            if plan is not None and ok(plan):
                return polished(plan), "recursive_tree_part", ""
        recom = f"ReCom ({recom_steps} steps), " if recom_steps else ""
        reasons.append(
            f"no balanced partition found in {TREE_ATTEMPTS + 1 + bool(recom_steps)} attempts "
            f"(pymetis, {recom}{TREE_ATTEMPTS} × recursive_tree_part)"
        )
    return best, "best-contiguous", "; ".join(reasons)


def partition(
    blockmap: BlockMap,
    households_per_grid: float,
    tolerance: float = 0.15,
    seed: int = 0,
    recom_steps: int = RECOM_STEPS,
) -> Partition:
    """Cut each community of ``blockmap`` into contiguous grids of balanced households.

    Args:
        blockmap: The blocks and their rook adjacency (within communities).
        households_per_grid: Target households per grid ``N``; a community gets
            ``K = max(1, round(households / N))`` grids.
        tolerance: Allowed relative deviation of a grid's households from the
            community's ideal ``households / K``.
        seed: Seed of every random draw (GerryChain's spanning trees, ReCom).
        recom_steps: Most targeted ReCom steps tried when the pymetis seed is not
            within bounds (0: none).

    Returns:
        The :class:`Partition`; communities that could not meet the bounds are
        flagged in :attr:`Partition.communities` (``within_bounds`` False, a
        ``reason``) and listed in :attr:`Partition.flagged`.

    Raises:
        MapError: If ``households_per_grid`` or ``tolerance`` is not positive.
    """
    if not households_per_grid > 0:
        raise MapError(f"households per grid must be positive, got {households_per_grid}")
    if not 0 < tolerance < 1:
        raise MapError(f"tolerance must be between 0 and 1, got {tolerance}")
    blocks = blockmap.blocks
    n_all = len(blocks)
    households_all = blocks["households"].to_numpy(dtype=float)
    community_all = blocks["community"].astype(str).to_numpy()
    street_all = blocks["street"].fillna("").astype(str).to_numpy()
    names_all = blocks["block"].astype(str).tolist()
    edges_by_comm: dict[str, list[tuple[int, int, int]]] = {}
    for e in blockmap.edges:
        ca, cb = community_all[e.a], community_all[e.b]
        if ca != cb:
            continue  # grids never cross community lines
        edges_by_comm.setdefault(ca, []).append((e.a, e.b, _edge_weight(e.length_m, e.barrier)))

    grid_of_block = np.full(n_all, -1, dtype=np.int64)
    grid_rows: list[dict[str, object]] = []
    comm_rows: list[dict[str, object]] = []
    flagged: list[str] = []
    next_grid = 0
    for ci, comm in enumerate(dict.fromkeys(community_all.tolist())):
        rows = np.flatnonzero(community_all == comm)
        local = {int(r): i for i, r in enumerate(rows)}
        hh = households_all[rows]
        total = float(hh.sum())
        k = max(1, round(total / households_per_grid))
        local_edges = [(local[a], local[b], w) for a, b, w in edges_by_comm.get(comm, [])]
        g = _community_graph(len(rows), hh, local_edges)
        rng = random.Random(f"gridsim.geo.partition:{seed}:{ci}")
        labels, method, reason = _partition_community(
            g, hh, k, tolerance, rng, recom_steps, [names_all[r] for r in rows]
        )
        tot = _totals(labels, hh)
        ideal = total / k
        within = (
            not reason and len(tot) == k and bool(np.all(np.abs(tot - ideal) <= tolerance * ideal))
        )
        for p in range(len(tot)):
            members = rows[labels == p]
            streets: Counter[str] = Counter()
            for r in members.tolist():
                streets[street_all[r]] += households_all[r]
            street = min(streets, key=lambda s: (-streets[s], s)) if streets else ""
            grid_rows.append(
                {
                    "grid": next_grid + p,
                    "community": comm,
                    "street": street,
                    "households": round(float(tot[p])),
                    "blocks": len(members),
                }
            )
        grid_of_block[rows] = labels + next_grid
        next_grid += len(tot)
        comm_rows.append(
            {
                "community": comm,
                "K": k,
                "ideal": ideal,
                "min_households": round(float(tot.min())),
                "max_households": round(float(tot.max())),
                "within_bounds": within,
                "contiguous": _is_contiguous(g, labels),
                "method": method,
                "reason": reason,
            }
        )
        if not within:
            flagged.append(f"{comm}: {reason}")
    return Partition(
        grid_of_block=grid_of_block,
        grids=pd.DataFrame(
            grid_rows, columns=["grid", "community", "street", "households", "blocks"]
        ),
        communities=pd.DataFrame(
            comm_rows,
            columns=[
                "community",
                "K",
                "ideal",
                "min_households",
                "max_households",
                "within_bounds",
                "contiguous",
                "method",
                "reason",
            ],
        ),
        tolerance=tolerance,
        seed=seed,
        flagged=flagged,
    )


__all__ = ["Partition", "partition"]
