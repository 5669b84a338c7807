"""Selection with a guarantee (gridsim.planning.selection): KN with a feasibility phase.

No simulation: designs are normal draws with known means, correlated across designs
within a replication (common random numbers). The coverage tests run a few hundred
macro-replications with fixed seeds and check the observed probability of correct
selection against 1 − α with a little Monte-Carlo slack.
"""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pytest

from gridsim.planning.selection import Constraint, Selection, eta_h2, select

MACRO = 300
SLACK = 0.03
ON_TIME = Constraint("on_time_rate", ">=", 0.80, 0.01)


def crn_sampler(mu, *, sd=1.0, rho=0.5, seed=0, on_time=None, sd_on=0.03, max_rep=200):
    """A sampler for len(mu) designs: KPI ``cost`` ~ N(mu_i, sd²), corr rho across designs.

    Replication r draws one shock shared by every design and one per design, so the same
    r gives the same draws whichever designs are asked (CRN). ``calls`` records the asks.
    """
    mu = np.asarray(mu, dtype=float)
    k = len(mu)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((max_rep, 1)) * np.sqrt(rho) + rng.standard_normal(
        (max_rep, k)
    ) * np.sqrt(1 - rho)
    cost = mu + sd * z
    on = (
        None if on_time is None else np.asarray(on_time) + sd_on * rng.standard_normal((max_rep, k))
    )
    calls: list[tuple[list[int], list[int]]] = []

    def sample(designs: list[int], reps: list[int]) -> dict[int, list[dict[str, float]]]:
        calls.append((list(designs), list(reps)))
        out = {}
        for i in designs:
            rows = []
            for r in reps:
                row = {"cost": float(cost[r, i])}
                if on is not None:
                    row["on_time_rate"] = float(on[r, i])
                rows.append(row)
            out[i] = rows
        return out

    sample.calls = calls  # type: ignore[attr-defined]
    return sample


def test_constants_invert_fabians_bound():
    # KN's η makes ½(1 + 2η)^(−(n0−1)/2) equal to the per-pair error α/(k−1).
    for alpha, k, n0 in [(0.05, 10, 10), (0.1, 2, 2), (0.01, 20, 5)]:
        beta = alpha / (k - 1)
        eta, h2 = eta_h2(beta, n0)
        assert 0.5 * (1 + 2 * eta) ** (-(n0 - 1) / 2) == pytest.approx(beta)
        assert h2 == pytest.approx(2 * eta * (n0 - 1))
    assert eta_h2(0.05 / 9, 10) == pytest.approx((0.85908, 15.4635), abs=1e-4)


def test_constants_reported_in_result():
    sample = crn_sampler([0.0, 1.0, 2.0], on_time=[0.9, 0.9, 0.9])
    sel = select(sample, 3, "cost", "min", [ON_TIME], delta=0.5, alpha=0.1, n0=8)
    # α split in halves; KN β = α_S/(k−1), feasibility β_F = α_F/(k+s−1).
    assert sel.constants["h2"] == pytest.approx(eta_h2(0.05 / 2, 8)[1])
    assert sel.constants["h2_f"] == pytest.approx(eta_h2(0.05 / 3, 8)[1])
    assert sel.pcs == pytest.approx(0.9) and sel.alpha == 0.1 and sel.n0 == 8


def pcs(mu, sense, *, delta, rho=0.5, alpha=0.05, n=MACRO, seed=1000):
    """Share of runs whose winner is within delta of the best mean, and mean replications."""
    best = max(mu) if sense == "max" else min(mu)
    good, reps = 0, 0
    for m in range(n):
        sample = crn_sampler(mu, rho=rho, seed=seed + m)
        sel = select(sample, len(mu), "cost", sense, [], delta=delta, alpha=alpha)
        assert not sel.stopped_early
        good += abs(mu[sel.winner] - best) < delta - 1e-12 or mu[sel.winner] == best
        reps += sum(sel.replications.values())
    return good / n, reps / n


def test_pcs_slippage_min():
    # The least favourable configuration: every other design exactly δ worse.
    delta = 0.5
    mu = [0.0] + [delta] * 9
    p, _ = pcs(mu, "min", delta=delta)
    assert p >= 1 - 0.05 - SLACK


def test_pcs_with_designs_inside_the_zone_max():
    # sense="max": the best is 10, two designs within δ, the rest δ and more below.
    delta = 0.5
    mu = [10 - delta, 10 - 0.6 * delta, 10.0, 10 - 1.5 * delta, 10 - 0.3 * delta]
    mu += [10 - delta] * 5
    p, _ = pcs(mu, "max", delta=delta, alpha=0.1, seed=5000)
    assert p >= 1 - 0.1 - SLACK


def test_max_picks_the_largest_and_min_the_smallest():
    mu = [0.0, 3.0, 1.0, 2.0]
    for sense, want in (("max", 1), ("min", 0)):
        sel = select(crn_sampler(mu, seed=3), 4, "cost", sense, [], delta=0.5)
        assert sel.winner == want
        assert sel.eliminated == {i: "worse objective" for i in range(4) if i != want}


def test_common_random_numbers_save_replications():
    # The pairwise variances see the correlation: strongly correlated designs need fewer runs.
    mu = [0.0] + [0.5] * 5
    _, reps_crn = pcs(mu, "min", delta=0.5, rho=0.9, n=40)
    _, reps_ind = pcs(mu, "min", delta=0.5, rho=0.0, n=40)
    assert reps_crn < 0.5 * reps_ind


def test_infeasible_best_objective_rarely_wins():
    # Design 0 has the lowest cost but misses on-time by 0.02 (> its tolerance 0.01);
    # design 1 is the best feasible one, δ better than the rest; design 5 is within tolerance.
    delta, alpha = 0.5, 0.05
    mu = [-2.0, 0.0] + [delta] * 8
    on = [0.78] + [0.85] * 3 + [0.80 + 0.005] + [0.85] * 5
    wins_infeasible, correct = 0, 0
    for m in range(MACRO):
        sample = crn_sampler(mu, on_time=on, seed=20_000 + m)
        sel = select(sample, 10, "cost", "min", [ON_TIME], delta=delta, alpha=alpha)
        assert not sel.stopped_early
        wins_infeasible += sel.winner == 0
        correct += sel.winner == 1
        if sel.winner != 0:
            assert sel.eliminated[0] == "infeasible: on_time_rate"
            assert 0 not in sel.feasible
    assert 1 - wins_infeasible / MACRO >= 1 - alpha - SLACK
    assert correct / MACRO >= 1 - alpha - SLACK


def test_feasibility_check_errs_at_most_alpha_at_the_tolerance():
    # One design, one constraint: all of α goes to the check (β_F = α). At q − ε it must
    # be declared infeasible, at q + ε feasible, each in at least 1 − α of the runs.
    alpha = 0.05
    for on_time, want in ((0.79, None), (0.81, 0)):
        right = 0
        for m in range(MACRO):
            sample = crn_sampler([0.0], on_time=[on_time], seed=30_000 + m)
            sel = select(sample, 1, "cost", "min", [ON_TIME], delta=0.5, alpha=alpha)
            assert not sel.stopped_early
            right += sel.winner == want
        assert right / MACRO >= 1 - alpha - SLACK


def test_all_infeasible_gives_no_winner_with_reasons():
    cheap = Constraint("cost", "<=", -50.0, 0.1)
    sample = crn_sampler([0.0, 1.0, 2.0], on_time=[0.5, 0.95, 0.5], sd_on=0.01, seed=4)
    sel = select(sample, 3, "cost", "min", [ON_TIME, cheap], delta=0.5)
    assert sel.winner is None and sel.feasible == []
    assert sel.eliminated == {
        0: "infeasible: on_time_rate, cost",
        1: "infeasible: cost",
        2: "infeasible: on_time_rate, cost",
    }
    assert sel.replications == {0: 10, 1: 10, 2: 10}  # clear cases stop at the first stage


def test_one_feasible_design_wins_without_comparison():
    sample = crn_sampler([0.0, 1.0, 2.0], on_time=[0.5, 0.5, 0.95], sd_on=0.01, seed=5)
    sel = select(sample, 3, "cost", "min", [ON_TIME], delta=0.5)
    assert sel.winner == 2 and sel.feasible == [2] and not sel.stopped_early
    assert len(sample.calls) == 1  # every decision made at the first stage


def test_sample_is_called_in_batches_one_replication_per_round():
    mu = [0.0, 0.5, 0.5, 0.6, 5.0]
    on = [0.85, 0.85, 0.81, 0.79, 0.85]  # 2 and 3 sit close to the threshold
    sample = crn_sampler(mu, on_time=on, seed=6)
    sel = select(sample, 5, "cost", "min", [ON_TIME], delta=0.3, n0=5, max_replications=150)
    first, *rounds = sample.calls
    assert first == ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
    # then one round per replication, all designs in contention together, none coming back
    assert [reps for _, reps in rounds] == [[5 + t] for t in range(len(rounds))]
    sets = [first[0]] + [designs for designs, _ in rounds]
    assert all(set(b) <= set(a) for a, b in pairwise(sets))
    assert any(len(designs) > 1 for designs in sets[1:])  # batched across designs
    assert len(rounds) + 5 == max(sel.replications.values()) <= 150
    for i in range(5):  # each design asked for 0, 1, ... in order, each once
        asked = [r for designs, reps in sample.calls if i in designs for r in reps]
        assert asked == list(range(sel.replications[i]))
    assert sel.winner == 0 and not sel.stopped_early
    assert sel.eliminated[3] == "infeasible: on_time_rate"
    # far worse: put out long before the others, as soon as design 0 or 1 is feasible
    assert sel.eliminated[4] == "worse objective"
    assert sel.replications[4] < min(sel.replications[i] for i in range(4))


def test_ci_fields_for_a_known_sample():
    def sample(designs, reps):
        return {i: [{"cost": r + 1.0 + 10 * i, "x": 2.0} for r in reps] for i in designs}

    sel = select(sample, 2, "cost", "min", [], delta=1.0, n0=10)
    assert sel.winner == 0 and sel.eliminated == {1: "worse objective"}
    assert sel.replications == {0: 10, 1: 10}
    assert sel.means[0] == {"cost": 5.5, "x": 2.0}
    assert sel.means[1]["cost"] == 15.5
    # 5.5 ± t(0.975, 9) · sd(1..10)/√10 = 5.5 ± 2.262157 · 3.027650/3.162278
    assert sel.ci95[0]["cost"] == pytest.approx((3.334149410, 7.665850590))
    assert sel.ci95[1]["cost"] == pytest.approx((13.334149410, 17.665850590))
    assert sel.ci95[0]["x"] == (2.0, 2.0)


def test_stopped_early_picks_best_sample_mean():
    sample = crn_sampler([0.0, 0.0, 0.0], rho=0.0, seed=7)
    sel = select(sample, 3, "cost", "max", [], delta=0.01, max_replications=30)
    assert sel.stopped_early
    assert sel.replications == {0: 30, 1: 30, 2: 30}
    best = max(range(3), key=lambda i: sel.means[i]["cost"])
    assert sel.winner == best
    assert set(sel.eliminated.values()) <= {
        "worse objective",
        "worse sample mean at max_replications",
    }
    assert len(sel.eliminated) == 2


def test_to_dict_is_json_ready():
    sample = crn_sampler([0.0, 2.0], on_time=[0.9, 0.5], sd_on=0.01, seed=8)
    sel = select(sample, 2, "cost", "min", [ON_TIME], delta=0.5)
    d = json.loads(json.dumps(sel.to_dict(), allow_nan=False))
    assert d["winner"] == 0 and d["feasible"] == [0] and d["pcs"] == pytest.approx(0.95)
    assert d["eliminated"] == {"1": "infeasible: on_time_rate"}
    assert d["ci95"]["0"]["cost"] == list(sel.ci95[0]["cost"])
    assert isinstance(sel, Selection) and d["stopped_early"] is False


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="op"):
        Constraint("on_time_rate", ">", 0.8, 0.01)
    with pytest.raises(ValueError, match="tolerance"):
        Constraint("on_time_rate", ">=", 0.8, 0.0)
    with pytest.raises(ValueError, match="n0"):
        select(crn_sampler([0.0, 1.0]), 2, "cost", "min", [], delta=0.5, n0=1)
    with pytest.raises(ValueError, match="delta"):
        select(crn_sampler([0.0, 1.0]), 2, "cost", "min", [], delta=0.0)
    with pytest.raises(ValueError, match="not finite"):
        select(
            lambda d, r: {i: [{"cost": float("nan")}] * len(r) for i in d},
            2,
            "cost",
            "min",
            [],
            0.5,
        )
