"""District structure: the synthesised Yuelu district and its grids."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import gridsim
from gridsim.model.district import build_district
from gridsim.streams import stream


@pytest.fixture(scope="module")
def district(yuelu):
    return build_district(yuelu, stream(yuelu.simulation.seed, 0, "structure"))


def test_yuelu_totals(district):
    assert district.n_communities == 166
    assert district.n_grids == 580
    assert district.n_households == 191_232
    assert int(district.community_households.sum()) == 191_232
    assert len(district.community_names) == len(set(district.community_names)) == 166


def test_streets(district, yuelu):
    assert district.n_streets == yuelu.district.streets == 12
    # Every street office has at least one community; numbering is dense.
    counts = np.bincount(district.community_street, minlength=district.n_streets)
    assert len(counts) == 12
    assert (counts >= 1).all()
    assert len(district.grid_street) == district.n_grids


def test_kinds_follow_the_shares(district, yuelu):
    counts = np.bincount(district.community_kind, minlength=3)
    kinds = yuelu.district.kinds
    expected = np.array([kinds.urban.share, kinds.new_build.share, kinds.village.share]) * 166
    assert counts.sum() == 166
    assert np.all(np.abs(counts - expected) < 1)


def test_every_community_has_a_grid(district):
    grids_per_comm = np.bincount(district.grid_community, minlength=district.n_communities)
    assert (grids_per_comm >= 1).all()
    assert (district.grid_households >= 1).all()


def test_grids_split_each_community_evenly(district):
    for c in range(district.n_communities):
        sizes = district.grid_households[district.grid_community == c]
        assert sizes.max() - sizes.min() <= 1, f"community {c}: grid sizes {sizes}"
        assert sizes.sum() == district.community_households[c]


def test_grid_sizes_near_target(district, yuelu):
    mean = district.grid_households.mean()
    assert mean == pytest.approx(yuelu.grids.households_per_grid, rel=0.01)


def test_grids_of_a_community_are_consecutive(district):
    assert np.all(np.diff(district.grid_community) >= 0)


def test_adjacency_graph(district):
    g = district.graph
    assert isinstance(g, nx.Graph)
    assert g.number_of_nodes() == district.n_grids
    assert sorted(g.nodes) == list(range(district.n_grids))
    assert nx.is_connected(g)
    assert nx.number_of_selfloops(g) == 0
    for u, v, same in g.edges(data="same_community"):
        assert same == (district.grid_community[u] == district.grid_community[v])


def test_household_ids_are_contiguous_per_grid(district):
    start, size = district.grid_start, district.grid_households
    assert start[0] == 0
    assert np.array_equal(start[1:], start[:-1] + size[:-1])
    assert start[-1] + size[-1] == district.n_households
    hg = district.household_grid()
    assert len(hg) == district.n_households
    assert np.all(np.diff(hg) >= 0)
    assert np.array_equal(np.bincount(hg, minlength=district.n_grids), size)
    for g in (0, 1, district.n_grids // 2, district.n_grids - 1):
        assert np.all(hg[start[g] : start[g] + size[g]] == g)


def test_yuelu_staff(yuelu):
    model = gridsim.GridModel(yuelu)
    assert model.staff_by_role == {
        "cadre": 623,  # 623 stationed cadres in 2013
        "information_officer": 580,
        "security_officer": 580,
        "volunteer": 1740,
        "administrator": 166,
        "supervisor": 166,
    }
    # Fractional staffing is spread over grids, every grid gets its officer.
    assert np.bincount(model.cadre_grid, minlength=580).min() >= 1
    assert len(model.units) == 580 + 166 + 12 + 6


def test_small_district(small):
    d = build_district(small, stream(small.simulation.seed, 0, "structure"))
    assert d.n_communities == 40
    assert d.n_households == 40_000
    assert d.n_grids == round(40_000 / small.grids.households_per_grid)
    assert nx.is_connected(d.graph)


@pytest.mark.parametrize("communities", [1, 2, 3])
def test_tiny_districts_build(yuelu, communities):
    s = yuelu.with_changes(
        {"district.communities": communities, "district.households": 500, "district.streets": 5}
    )
    d = build_district(s, stream(s.simulation.seed, 0, "structure"))
    assert d.n_communities == communities
    assert d.n_households == 500
    assert d.n_streets <= communities
    assert d.graph.number_of_nodes() == d.n_grids
    assert nx.is_connected(d.graph)
