"""Model behaviour: the direction of each policy lever's effect, beyond the noise.

Every comparison runs the small district over the same replications for the
baseline and the variant (common random numbers) and looks at the paired
differences: their mean must point the expected way and exceed two standard
errors.
"""

from __future__ import annotations

import pytest

from paired import assert_effect, paired


@pytest.fixture(scope="module")
def base(small, run_reps):
    return run_reps(small)


def test_more_officers_collect_more_issues(small, run_reps, base):
    more = run_reps(small.with_changes({"staff.information_officers_per_grid": 2.0}))
    assert_effect(paired(base, more, "issues_collected"), +1, "issues_collected")
    assert_effect(paired(base, more, "households_visited"), +1, "households_visited")


def test_larger_grids_visit_less_and_collect_less(small, run_reps, base):
    larger = run_reps(small.with_changes({"grids.households_per_grid": 800}))
    assert larger[0].kpis["grids"] < base[0].kpis["grids"]
    assert larger[0].kpis["households"] == base[0].kpis["households"]
    assert_effect(paired(base, larger, "visits_per_household"), -1, "visits_per_household")
    assert_effect(paired(base, larger, "issues_collected"), -1, "issues_collected")


def test_no_time_limits_lengthen_the_tail(small, run_reps, base):
    free = run_reps(small.with_changes({"deadlines.enabled": False, "deadlines.escalation": False}))
    assert_effect(paired(base, free, "p90_days_to_close"), +1, "p90_days_to_close")
    assert all(r.kpis["red_lights"] == 0 and r.kpis["escalations"] == 0 for r in free)
    assert all(r.kpis["red_lights"] > 0 for r in base)


def test_rotation_collects_fewer_issues(small, run_reps, base):
    rotated = run_reps(small.with_changes({"cadres.posting": "rotation"}))
    assert_effect(paired(base, rotated, "issues_collected"), -1, "issues_collected")


def test_central_assignment_closes_more_slowly(small, run_reps, base):
    central = run_reps(small.with_changes({"assign.mode": "central"}))
    assert_effect(paired(base, central, "median_days_to_close"), +1, "median_days_to_close")
    assert_effect(paired(base, central, "p90_days_to_close"), +1, "p90_days_to_close")


def test_central_assignment_lowers_on_time_rate(small, run_reps, base):
    central = run_reps(small.with_changes({"assign.mode": "central"}))
    assert_effect(paired(base, central, "on_time_rate"), -1, "on_time_rate")


def test_central_assignment_lowers_on_time_rate_under_one_time_limit(small, run_reps):
    # With the same limit at every tier the yardstick no longer depends on the
    # policy, and the slower central route is late more often.
    same = small.with_changes(
        {f"deadlines.limit_working_days.{t}": 15 for t in ("grid", "community")}
    )
    tiered = run_reps(same)
    central = run_reps(same.with_changes({"assign.mode": "central"}))
    assert_effect(paired(tiered, central, "on_time_rate"), -1, "on_time_rate")


def test_batched_collection_closes_more_slowly(small, run_reps, base):
    batched = run_reps(small.with_changes({"collect.mode": "batched"}))
    assert_effect(paired(base, batched, "median_days_to_close"), +1, "median_days_to_close")


# -- sanity of every baseline replication -------------------------------------------


def test_rates_are_consistent(base):
    for r in base:
        k = r.kpis
        assert 0 < k["resolution_rate"] < 1
        assert 0 < k["on_time_rate"] <= k["closure_rate"] <= 1
        assert 0 < k["satisfaction"] <= 1
        assert k["reported_by_public_share"] + k["found_by_staff_share"] == pytest.approx(1.0)
        assert 0 < k["reported_by_public_share"] < 1
        assert k["issues_resolved"] <= k["issues_valid"] <= k["issues_collected"]
        assert k["issues_collected"] < k["issues_latent"]
        assert k["households_reached"] <= k["households"]
        assert k["visits_per_household"] == pytest.approx(k["households_visited"] / k["households"])
        assert k["escalations"] <= k["red_lights"]
        assert k["median_days_to_close"] <= k["p90_days_to_close"]


def test_daily_series_add_up(base):
    for r in base:
        daily, k = r.daily, r.kpis
        assert list(daily.columns[:4]) == ["day", "new", "closed", "open"]
        assert len(daily) == 365
        assert (daily["open"] >= 0).all()
        assert (daily["new"] >= 0).all() and (daily["closed"] >= 0).all()
        assert daily["new"].sum() == k["issues_collected"]
        assert daily["open"].iloc[-1] == k["backlog_end"]


def test_grid_table_adds_up(base):
    for r in base:
        grids, k = r.grids, r.kpis
        assert len(grids) == k["grids"]
        assert grids["households"].sum() == k["households"]
        assert grids["issues_collected"].sum() == k["issues_collected"]
        assert grids["issues_resolved"].sum() == k["issues_resolved"]
        assert grids["visits"].sum() == pytest.approx(k["households_visited"])
        assert grids["backlog_end"].sum() == k["backlog_end"]
