"""The set-up common random numbers share across designs is reused, and changes no KPI."""

from __future__ import annotations

import pytest

import gridsim
from gridsim.model import setup


@pytest.fixture()
def tiny(small) -> gridsim.Scenario:
    return small.with_changes({"simulation.days": 90})


def _fresh(scenario: gridsim.Scenario, replication: int, monkeypatch) -> dict[str, float]:
    with monkeypatch.context() as m:
        m.setenv("GRIDSIM_SETUP_CACHE", "0")
        return gridsim.run_scenario(scenario, replication=replication).kpis


def test_a_reused_setup_gives_bit_identical_kpis(tiny, monkeypatch) -> None:
    setup.clear()
    designs = [
        tiny,
        tiny.with_changes({"staff.information_officers_per_grid": 2.0}),
        tiny.with_changes({"assign.mode": "central", "handle.staff.district": 6}),
        tiny.with_changes({"evaluate.third_party": False}),
    ]
    for rep in (0, 1):
        for design in designs:  # the first builds, the others reuse it
            assert gridsim.run_scenario(design, replication=rep).kpis == _fresh(
                design, rep, monkeypatch
            )
    assert len(setup._CACHE) == 2  # one per replication, shared by the four designs


def test_a_design_that_changes_the_district_or_its_residents_builds_its_own(tiny) -> None:
    setup.clear()
    gridsim.run_scenario(tiny)
    for changes in (
        {"grids.households_per_grid": 500},
        {"households.trust_mean": 0.6},
        {"issues.public_issues_per_grid_year": 3.0},
        {"simulation.days": 60},
    ):
        before = len(setup._CACHE)
        gridsim.run_scenario(tiny.with_changes(changes))
        assert len(setup._CACHE) == before + 1, changes


def test_a_run_does_not_change_the_shared_setup(tiny) -> None:
    setup.clear()
    model = gridsim.GridModel(tiny)
    trust = model._setup.households.trust
    kept = next(iter(setup._CACHE.values())).households.trust.copy()
    model.run()
    assert (next(iter(setup._CACHE.values())).households.trust == kept).all()
    assert trust is not next(iter(setup._CACHE.values())).households.trust


def test_the_cache_keeps_only_the_latest(tiny, monkeypatch) -> None:
    setup.clear()
    monkeypatch.setattr(setup, "CACHE_SIZE", 3)
    for rep in range(6):
        gridsim.run_scenario(tiny.with_changes({"simulation.days": 30}), replication=rep)
    assert len(setup._CACHE) == 3
    one = next(iter(setup._CACHE.values())).nbytes
    monkeypatch.setattr(setup, "CACHE_BYTES", int(one * 1.5))
    gridsim.run_scenario(tiny.with_changes({"simulation.days": 30}), replication=9)
    assert len(setup._CACHE) == 1


def test_another_grid_size_reuses_the_households_and_their_issues(tiny, monkeypatch) -> None:
    """Trust, propensity and household issues do not depend on the grids: drawn once, bitwise."""
    setup.clear()
    sizes = (330, 250, 500)
    for rep in (0, 1):
        for size in sizes:
            design = tiny.with_changes({"grids.households_per_grid": size})
            assert gridsim.run_scenario(design, replication=rep).kpis == _fresh(
                design, rep, monkeypatch
            )
    assert len(setup._CACHE) == 2 * len(sizes)  # a set-up per grid size and replication
    assert len(setup._TRAITS) == 2 and len(setup._HOUSEHOLD_ISSUES) == 2  # one per replication


def test_what_the_shared_draws_read_keys_them(tiny) -> None:
    setup.clear()
    gridsim.run_scenario(tiny)
    traits, issues = len(setup._TRAITS), len(setup._HOUSEHOLD_ISSUES)
    for changes, new_traits, new_issues in (
        ({"households.trust_mean": 0.6}, 1, 0),
        ({"households.latent_issues_per_year": 0.5}, 0, 1),
        ({"district.kinds.village.latent_rate_multiplier": 0.5}, 0, 1),
        ({"households.issue_lifetime_days": 30.0}, 0, 1),
        ({"simulation.days": 60}, 0, 1),
        ({"issues.public_issues_per_grid_year": 3.0}, 0, 0),
        ({"simulation.seed": 7}, 1, 1),
    ):
        gridsim.run_scenario(tiny.with_changes(changes))
        assert len(setup._TRAITS) - traits == new_traits, changes
        assert len(setup._HOUSEHOLD_ISSUES) - issues == new_issues, changes
        traits, issues = len(setup._TRAITS), len(setup._HOUSEHOLD_ISSUES)


def test_grids_drawn_on_a_map_at_other_sizes_are_bit_identical(tmp_path, monkeypatch) -> None:
    """On a map the households' order follows the cut, so only what truly matches is shared."""
    pytest.importorskip("geopandas")
    from tests.test_geo_drawn import _scenario

    from gridsim.scenario import load_scenario

    setup.clear()
    base = load_scenario(_scenario(tmp_path)).with_changes({"simulation.days": 60})
    for size in (300, 200):
        design = base.with_changes({"grids.households_per_grid": size})
        assert gridsim.run_scenario(design).kpis == _fresh(design, 0, monkeypatch)
    assert len(setup._TRAITS) == 1  # the same number of households


def test_a_worker_keeps_less_than_loky_takes_for_a_leak() -> None:
    """loky restarts a worker grown by its leak size: the caches stay well under it."""
    loky = pytest.importorskip("joblib.externals.loky.process_executor")
    held = setup.CACHE_BYTES + 2 * setup.DRAW_BYTES
    assert held < 0.7 * loky._MAX_MEMORY_LEAK_SIZE
