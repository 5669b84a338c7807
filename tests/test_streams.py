"""Counter-based draws: the numpy and compiled versions agree, and they look uniform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from gridsim.kernel import codes as cases
from gridsim.streams import process_key, stream, uniforms

ROOT = Path(__file__).resolve().parents[1]


def test_compiled_uniform_is_bit_identical_to_numpy():
    from gridsim.kernel.rng import uniform as _uniform

    rng = np.random.default_rng(7)
    keys = [process_key(rng) for _ in range(5)] + [0, -1, 2**63 - 1, -(2**63)]
    counters = np.concatenate([np.arange(50), rng.integers(0, 2**40, 50)])
    for key in keys:
        expected = uniforms(key, counters)
        got = np.array([_uniform(key, int(c)) for c in counters])
        assert np.array_equal(got, expected), key


def test_uniforms_are_uniform_and_slots_uncorrelated():
    key = process_key(stream(2013, 0, "case"))
    n = 100_000
    ids = np.arange(n)
    u = uniforms(key, ids * cases.CASE_DRAW_SLOTS + cases.U_SERVICE)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    other = uniforms(key, ids * cases.CASE_DRAW_SLOTS + cases.U_SERVICE_ANGLE)
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.02
    neighbour = uniforms(key, (ids + 1) * cases.CASE_DRAW_SLOTS + cases.U_SERVICE)
    assert abs(np.corrcoef(u, neighbour)[0, 1]) < 0.02


def test_keys_follow_seed_and_replication():
    a = process_key(stream(2013, 0, "case"))
    assert a == process_key(stream(2013, 0, "case"))
    assert a != process_key(stream(2013, 1, "case"))
    assert a != process_key(stream(2014, 0, "case"))
    assert a != process_key(stream(2013, 0, "detection"))


@pytest.mark.parametrize("draw", ["pick", "satisfied"])
def test_model_case_uniform_uses_the_case_slots(draw):
    import gridsim

    scenario = gridsim.default_scenario().with_changes(
        {"district.communities": 2, "district.households": 600, "simulation.days": 7}
    )
    model = gridsim.GridModel(scenario, replication=3)
    ids = np.arange(min(model.n_issues, 50))
    slot = cases.CASE_DRAWS.index(draw)
    expected = uniforms(model._case_key, ids * cases.CASE_DRAW_SLOTS + slot)
    assert np.array_equal(model.case_uniform(draw, ids), expected)


def test_kernel_buffers_grow_without_changing_results(monkeypatch):
    """Pools and buffers that start tiny must grow and give the same run."""
    import gridsim
    from gridsim import kernel

    scenario = gridsim.load_scenario(ROOT / "scenarios" / "yuelu-2013.toml").with_changes(
        {"district.communities": 12, "district.households": 14_000, "assign.mode": "central"}
    )
    expected = gridsim.run_scenario(scenario, replication=1).kpis
    original = kernel.buffers

    def tiny(n_cases: int, days: int) -> dict[str, np.ndarray]:
        out = original(n_cases, days)
        return {k: v if k == "cal_head" else v[:2].copy() for k, v in out.items()}

    monkeypatch.setattr(kernel, "buffers", tiny)
    assert gridsim.run_scenario(scenario, replication=1).kpis == expected


def test_mesa_draws_from_a_stream_of_its_own_not_the_cadres():
    """Mesa seeds ``model.random`` from the generator it is given: it gets its own
    stream (appended to the processes), so the cadres' rotation draws are theirs."""
    import gridsim
    from gridsim.streams import PROCESSES

    scenario = gridsim.default_scenario().with_changes(
        {"district.communities": 10, "district.households": 3000, "simulation.days": 5}
    )
    model = gridsim.GridModel(scenario)
    assert PROCESSES[-1] == "mesa"  # appended: no other process's stream moved
    assert model.rng is model.streams["mesa"]
    assert model.rng is not model.streams["cadres"]
