"""Grid adjacency: the edge array, the sparse matrix and the networkx graph agree."""

from __future__ import annotations

import pickle

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_array
from scipy.spatial import Delaunay

from gridsim.model.district import District, build_district
from gridsim.streams import stream


@pytest.fixture(scope="module")
def district(yuelu) -> District:
    return build_district(yuelu, stream(yuelu.simulation.seed, 0, "structure"))


def _reference_edges(xy: np.ndarray) -> set[tuple[int, int]]:
    """Delaunay neighbour pairs, the slow obvious way."""
    pairs = set()
    for a, b, c in Delaunay(xy).simplices.tolist():
        for u, v in ((a, b), (b, c), (a, c)):
            pairs.add((min(u, v), max(u, v)))
    return pairs


def test_grid_edges_are_the_delaunay_pairs_sorted(district):
    e = district.grid_edges
    assert e.dtype == np.int64 and e.ndim == 2 and e.shape[1] == 2
    assert np.all(e[:, 0] < e[:, 1])
    assert [tuple(p) for p in e.tolist()] == sorted(_reference_edges(district.grid_xy))


def test_adjacency_matches_networkx(district):
    a = district.adjacency
    assert isinstance(a, csr_array)
    assert a.dtype == np.float64 and a.shape == (district.n_grids, district.n_grids)
    ref = nx.to_scipy_sparse_array(district.graph, nodelist=range(district.n_grids), format="csr")
    ref = ref.astype(float)
    for name in ("data", "indices", "indptr"):
        assert getattr(a, name).dtype == getattr(ref, name).dtype, name
        np.testing.assert_array_equal(getattr(a, name), getattr(ref, name), err_msg=name)
    assert a.has_canonical_format
    assert (a != a.T).nnz == 0
    assert district.adjacency is a  # cached


def test_graph_follows_the_edges(district):
    g = district.graph
    assert list(g.nodes) == list(range(district.n_grids))
    assert [tuple(p) for p in district.grid_edges.tolist()] == list(g.edges)
    for i in (0, district.n_grids // 2, district.n_grids - 1):
        assert g.nodes[i]["community"] == district.grid_community[i]
        assert g.nodes[i]["pos"] == tuple(district.grid_xy[i])
    for u, v, same in g.edges(data="same_community"):
        assert same == (district.grid_community[u] == district.grid_community[v])
    assert district.graph is g  # cached


def test_pickle_round_trip(yuelu, district):
    fresh = build_district(yuelu, stream(yuelu.simulation.seed, 0, "structure"))
    for d in (fresh, district):  # before and after the cached views are built
        back = pickle.loads(pickle.dumps(d))
        np.testing.assert_array_equal(back.grid_edges, district.grid_edges)
        assert list(back.graph.edges) == list(district.graph.edges)
        assert (back.adjacency != district.adjacency).nnz == 0


@pytest.mark.parametrize("communities", [1, 2, 3])
def test_tiny_adjacency(yuelu, communities):
    s = yuelu.with_changes(
        {"district.communities": communities, "district.households": communities}
    )
    d = build_district(s, stream(s.simulation.seed, 0, "structure"))
    assert d.n_grids == communities
    expected = {1: 0, 2: 1, 3: 3}[communities]
    assert len(d.grid_edges) == d.graph.number_of_edges() == expected
    assert d.adjacency.shape == (communities, communities)
    assert d.adjacency.nnz == 2 * expected
