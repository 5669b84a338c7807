"""Scenario discovery: assumed ranges, the Latin hypercube, PRIM and CART boxes."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import gridsim
from gridsim.planning.assumptions import (
    STRUCTURAL_PREFIXES,
    _stated_range,
    assumed_ranges,
    latin_hypercube,
    scenarios_for,
)
from gridsim.planning.discovery import cart_boxes, failure_mask, prim
from gridsim.scenario.parameters import parameters

# --- a synthetic failure region ------------------------------------------------------------


def synthetic(seed: int = 7, n: int = 2000, noise: float = 0.05) -> tuple[pd.DataFrame, np.ndarray]:
    """4-D uniform sample failing where x1 > 0.7 and x2 < 0.3, with label noise.

    The noise is 5 % of the failures: that many failing runs are relabelled as
    passing and as many passing runs (anywhere else) as failing. (5 % of *all*
    labels flipped would put ~90 false failures outside a region of ~170: its
    coverage could not exceed 0.65.)
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(size=(n, 4)), columns=["x1", "x2", "x3", "x4"])
    region = ((X.x1 > 0.7) & (X.x2 < 0.3)).to_numpy()
    y = region.copy()
    k = round(noise * region.sum())
    y[rng.choice(np.flatnonzero(region), k, replace=False)] = False
    y[rng.choice(np.flatnonzero(~region), k, replace=False)] = True
    return X, y


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, np.ndarray]:
    return synthetic()


def near_region(box, tol: float = 0.05) -> bool:
    lo1, _ = box.limits["x1"]
    _, hi2 = box.limits["x2"]
    return abs(lo1 - 0.7) <= tol and abs(hi2 - 0.3) <= tol


def test_prim_finds_the_failure_region(sample):
    X, y = sample
    result = prim(X, y)
    box = result.box
    assert box is not None and not result.empty
    assert result.restricted == ("x1", "x2")
    assert near_region(box)
    # the sides the region does not bound stay at the sample's range
    assert box.limits["x1"][1] == X.x1.max()
    assert box.limits["x2"][0] == X.x2.min()
    assert box.coverage >= 0.8
    assert box.density >= 0.8
    assert box.mass == pytest.approx(0.09, abs=0.02)
    # the statistics are those of the runs inside the limits
    inside = box.contains(X)
    assert box.n == inside.sum()
    assert box.failures == y[inside].sum()
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert box.density == pytest.approx(y[inside].mean())
    # both restrictions matter
    assert all(p < 1e-6 for p in box.qp.values()) and set(box.qp) == {"x1", "x2"}
    lines = result.describe().splitlines()
    assert re.fullmatch(r"x1 > 0\.\d+", lines[0])
    assert re.fullmatch(r"x2 < 0\.\d+", lines[1])
    assert lines[2].startswith("coverage 0.")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_prim_finds_the_region_for_other_seeds(seed):
    X, y = synthetic(seed)
    result = prim(X, y)
    assert result.restricted == ("x1", "x2")
    assert near_region(result.box)
    assert result.box.coverage >= 0.8 and result.box.density >= 0.8


def test_prim_trajectory_shrinks_and_keeps_its_statistics(sample):
    X, y = sample
    result = prim(X, y, mass_min=0.05)
    traj = result.trajectory
    assert traj[0].mass == 1.0 and traj[0].coverage == 1.0 and traj[0].restricted == ()
    assert traj[0].density == pytest.approx(y.mean())
    masses = [b.mass for b in traj]
    assert all(a > b for a, b in itertools.pairwise(masses))
    assert masses[-1] >= 0.05
    # one peel removes about peel_alpha of the box (and never less than a run)
    assert all(b.n <= a.n * 0.96 for a, b in itertools.pairwise(traj))
    for b in traj[:: max(1, len(traj) // 8)]:
        inside = b.contains(X)
        assert inside.sum() == b.n
        assert y[inside].sum() == b.failures
        assert b.coverage == pytest.approx(b.failures / y.sum())
    # peeling raises density towards the region's 0.95
    assert max(b.density for b in traj) >= 0.9


def test_prim_threshold_chooses_the_last_box_reaching_it(sample):
    X, y = sample
    result = prim(X, y, threshold=0.9)
    i = result.chosen
    assert result.trajectory[i].density >= 0.9
    assert all(b.density < 0.9 for b in result.trajectory[i + 1 :])
    assert "0.9" in result.rule
    assert result.box.density >= 0.9


def test_prim_pasting_recovers_what_coarse_peels_cut_off():
    X, y = synthetic(noise=0.0)
    # coarse peels overshoot the region's edges; the last box of failures only is chosen
    result = prim(X, y, peel_alpha=0.2, paste_alpha=0.01, threshold=1.0)
    peeled = result.trajectory[result.chosen]
    assert peeled.density == 1.0 and peeled.coverage < 0.85
    assert result.box.density == 1.0 and result.box.coverage == 1.0
    assert result.restricted == ("x1", "x2")
    assert near_region(result.box, tol=0.01)
    assert result.rule.endswith("pasted")


def test_prim_pasting_never_lowers_density(sample):
    X, y = sample
    for threshold in (None, 0.9):
        result = prim(X, y, threshold=threshold)
        peeled = result.trajectory[result.chosen]
        assert result.box.density >= peeled.density
        assert result.box.n >= peeled.n


def test_prim_threshold_never_reached_is_an_empty_result():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.uniform(size=(500, 2)), columns=["a", "b"])
    y = rng.uniform(size=500) < 0.3  # no region: failures everywhere at 30 %
    result = prim(X, y, threshold=0.99)
    assert result.empty and result.box is None and result.restricted == ()
    assert result.trajectory  # the trajectory is still there to look at
    assert "no box" in result.describe() and "0.99" in result.describe()


def test_prim_without_failures_is_a_clear_empty_result(sample):
    X, _ = sample
    result = prim(X, np.zeros(len(X), dtype=bool))
    assert result.empty and result.box is None and result.chosen is None
    assert result.trajectory == () and result.restricted == ()
    assert result.describe() == "no run fails (2000 runs): no failure region to find"
    data = result.to_dict()
    assert data["box"] is None and data["failures"] == 0
    json.dumps(data)
    assert cart_boxes(X, np.zeros(len(X), dtype=bool)) == []


def test_prim_when_every_run_fails_restricts_nothing(sample):
    X, _ = sample
    result = prim(X, np.ones(len(X), dtype=bool))
    assert not result.empty
    assert result.restricted == ()
    assert result.box.coverage == 1.0 and result.box.density == 1.0
    assert "everywhere" in result.describe()


def test_prim_to_dict_is_json(sample):
    X, y = sample
    result = prim(X, y)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["box"]["restricted"] == ["x1", "x2"]
    assert data["box"]["conditions"] == result.box.conditions()
    assert data["chosen"] == result.chosen
    assert len(data["trajectory"]) == len(result.trajectory)
    assert set(data["box"]["limits"]) == {"x1", "x2", "x3", "x4"}
    assert data["settings"]["peel_alpha"] == 0.05


def test_prim_is_deterministic(sample):
    X, y = sample
    assert prim(X, y).to_dict() == prim(X, y).to_dict()


def test_prim_refuses_bad_input(sample):
    X, y = sample
    with pytest.raises(ValueError, match="one entry per row"):
        prim(X, y[:-1])
    with pytest.raises(ValueError, match="numeric"):
        prim(X.assign(name="a"), y)
    with pytest.raises(ValueError, match="finite"):
        prim(X.assign(x1=np.nan), y)
    with pytest.raises(ValueError, match="peel_alpha"):
        prim(X, y, peel_alpha=0.0)
    with pytest.raises(ValueError, match="threshold"):
        prim(X, y, threshold=1.5)
    # 0/1 labels are accepted as booleans
    assert prim(X, y.astype(int)).to_dict() == prim(X, y).to_dict()


def test_cart_densest_leaf_matches_the_region(sample):
    X, y = sample
    boxes = cart_boxes(X, y, max_depth=3)
    assert 2 <= len(boxes) <= 8
    densities = [b.density for b in boxes]
    assert densities == sorted(densities, reverse=True)
    top = boxes[0]
    assert set(top.restricted) == {"x1", "x2"}
    assert near_region(top)
    assert top.density >= 0.8
    # the leaves partition the sample
    assert sum(b.n for b in boxes) == len(X)
    assert sum(b.failures for b in boxes) == y.sum()
    assert sum(b.coverage for b in boxes) == pytest.approx(1.0)
    # the dense leaves hold the failures
    assert sum(b.coverage for b in boxes if b.density >= 0.5) >= 0.8
    # and agree with PRIM's box
    box = prim(X, y).box
    both = (top.contains(X) & box.contains(X)).sum()
    assert both >= 0.8 * min(top.n, box.n)


def test_failure_mask():
    kpis = pd.DataFrame({"on_time": [0.9, 0.7, 0.85, np.nan], "cost": [10.0, 5.0, 30.0, 10.0]})
    targets = [("on_time", ">=", 0.8), ("cost", "<=", 20.0)]
    assert failure_mask(kpis, targets).tolist() == [False, True, True, True]
    assert failure_mask(kpis, []).tolist() == [False] * 4
    with pytest.raises(ValueError, match="no such KPI"):
        failure_mask(kpis, [("satisfaction", ">=", 0.8)])
    with pytest.raises(ValueError, match="operator"):
        failure_mask(kpis, [("cost", "<", 20.0)])


# --- assumed ranges and the Latin hypercube ------------------------------------------------


@pytest.fixture(scope="module")
def scenario() -> gridsim.Scenario:
    return gridsim.default_scenario()


@pytest.fixture(scope="module")
def ranges(scenario) -> dict[str, tuple[float, float]]:
    return assumed_ranges(scenario)


def allowed_interval(text: str) -> tuple[float, float, bool, bool]:
    """The interval of a parameter's ``allowed`` text (``> 0, ≤ 1``): lo, hi, strict lo/hi."""
    lo, hi, slo, shi = -math.inf, math.inf, False, False
    for sign, number in re.findall(r"([><≥≤]) ([\d,.]+\d)", text):
        x = float(number.replace(",", ""))
        if sign in (">", "≥"):
            lo, slo = x, sign == ">"
        elif sign in ("<", "≤"):
            hi, shi = x, sign == "<"
    return lo, hi, slo, shi


def test_assumed_ranges_take_stated_ranges(ranges):
    assert ranges["evaluate.effort_response"] == (0.5, 4.0)
    assert ranges["deadlines.compliance_load_drop"] == (0.0, 1.0)
    assert ranges["evaluate.target_score"] == (0.85, 0.98)
    assert ranges["evaluate.effort_speedup"] == (0.0, 0.5)


def test_assumed_ranges_spread_the_others(ranges):
    assert ranges["collect.detect_probability"] == (0.28, 0.52)
    assert ranges["households.trust_mean"] == (0.35, 0.65)
    assert ranges["deadlines.compliance"] == (0.525, 0.975)
    # clipped by a validator, not a field bound: a probability per category stays <= 1
    assert ranges["handle.resolvable_share.environment"] == (0.665, 1.0)


def test_assumed_ranges_leave_out_structure_design_and_non_assumptions(scenario, ranges):
    records = {p.key: p for p in parameters(scenario)}
    assert list(ranges) == sorted(ranges)
    for key in ranges:
        p = records[key]
        assert p.source.startswith("A"), key
        assert isinstance(p.value, float) and not isinstance(p.value, bool), key
        assert not key.startswith(STRUCTURAL_PREFIXES), key
    for key in (
        "district.communities",
        "district.households",
        "district.streets",
        "district.community_size_sigma",
        "simulation.days",
        "simulation.seed",
        "grids.households_per_grid",
        "staff.volunteers_per_grid",
        "staff.hours_per_week.cadre",
        "costs.per_case.grid",
        "handle.staff.grid",
        "handle.service_sigma",  # S derived
        "deadlines.limit_working_days.grid",  # S/A
        "deadlines.enabled",  # boolean
        "assign.mode",  # a choice
        "households.neighbours",  # an integer
        "issues.categories.environment",  # shares summing to one cannot move alone
        "assign.tier_shares.grid",
        "assign.dispatch_delay_days",  # zero, no stated range
    ):
        assert key not in ranges, key
    assert len(ranges) >= 30


def test_assumed_ranges_lie_inside_the_bounds(scenario, ranges):
    records = {p.key: p for p in parameters(scenario)}
    for key, (lo, hi) in ranges.items():
        assert lo < hi, key
        b_lo, b_hi, strict_lo, strict_hi = allowed_interval(records[key].allowed)
        assert (lo > b_lo) if strict_lo else (lo >= b_lo), key
        assert (hi < b_hi) if strict_hi else (hi <= b_hi), key
        scenario.with_changes({key: lo})  # raises if refused
        scenario.with_changes({key: hi})


def test_assumed_ranges_stay_a_hair_inside_a_strict_bound(scenario):
    near_one = scenario.with_changes({"collect.detect_probability": 0.9})
    lo, hi = assumed_ranges(near_one, keys=["collect.detect_probability"])[
        "collect.detect_probability"
    ]
    assert lo == pytest.approx(0.63)
    assert 0.999999 < hi < 1.0


def test_assumed_ranges_keys_spread_and_exclude(scenario):
    only = assumed_ranges(scenario, spread=0.1, keys=["households.trust_mean"])
    assert only == {"households.trust_mean": (0.45, 0.55)}
    assert "evaluate.target_score" not in assumed_ranges(
        scenario, exclude=["evaluate.target_score"]
    )
    assert not any(
        k.startswith("evaluate.") for k in assumed_ranges(scenario, exclude=["evaluate."])
    )
    for key in ("district.communities", "district.streets", "handle.staff.grid"):
        with pytest.raises(ValueError, match="district or the design"):
            assumed_ranges(scenario, keys=[key])
    with pytest.raises(ValueError, match="not an assumption"):
        assumed_ranges(scenario, keys=["handle.service_sigma"])
    with pytest.raises(ValueError, match="not a real number"):
        assumed_ranges(scenario, keys=["households.neighbours"])
    with pytest.raises(ValueError, match="not a scenario parameter"):
        assumed_ranges(scenario, keys=["evaluate.no_such_key"])
    with pytest.raises(ValueError, match="cannot move alone"):
        assumed_ranges(scenario, keys=["issues.categories.policy"])
    with pytest.raises(ValueError, match="spread"):
        assumed_ranges(scenario, spread=1.5)


def test_assumed_ranges_centre_on_the_scenario(scenario):
    changed = scenario.with_changes({"households.trust_mean": 0.6})
    assert assumed_ranges(changed, keys=["households.trust_mean"]) == {
        "households.trust_mean": (0.42, 0.78)
    }


def test_stated_range_reads_en_dash_and_hyphen():
    assert _stated_range("A (range 0.5–4)") == (0.5, 4.0)
    assert _stated_range("A (range 0-1)") == (0.0, 1.0)
    assert _stated_range("A (Beijing ranks ...; range 0.85–0.98)") == (0.85, 0.98)
    assert _stated_range("A (calibrated to 79.9 %)") is None
    assert _stated_range("S (13–17 %)") is None


def test_latin_hypercube_is_stratified(ranges):
    n = 50
    keys = ["evaluate.effort_response", "collect.detect_probability", "households.trust_mean"]
    sub = {k: ranges[k] for k in keys}
    df = latin_hypercube(sub, n, seed=11)
    assert list(df.columns) == keys and len(df) == n
    for k, (lo, hi) in sub.items():
        x = df[k].to_numpy()
        assert ((x >= lo) & (x <= hi)).all()
        bins = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(bins.tolist()) == list(range(n)), k
    assert latin_hypercube(sub, n, seed=11).equals(df)
    assert not latin_hypercube(sub, n, seed=12).equals(df)


def test_latin_hypercube_refuses_bad_ranges():
    with pytest.raises(ValueError, match="no ranges"):
        latin_hypercube({}, 10, seed=0)
    with pytest.raises(ValueError, match="low < high"):
        latin_hypercube({"a": (1.0, 1.0)}, 10, seed=0)
    with pytest.raises(ValueError, match="at least 1"):
        latin_hypercube({"a": (0.0, 1.0)}, 0, seed=0)


def test_scenarios_for_applies_each_row(scenario):
    sample = latin_hypercube(
        {"households.trust_mean": (0.35, 0.65), "reply.delay_days": (0.0, 5.0)}, 4, seed=1
    )
    out = scenarios_for(scenario, sample)
    assert len(out) == 4
    for s, (_, row) in zip(out, sample.iterrows(), strict=True):
        assert s.households.trust_mean == row["households.trust_mean"]
        assert s.reply.delay_days == round(row["reply.delay_days"])
        assert isinstance(s.reply.delay_days, int)
        assert s.evaluate.effort_response == scenario.evaluate.effort_response
