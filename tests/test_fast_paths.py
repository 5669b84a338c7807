"""The shortcuts taken for sweep throughput give the runs the plain paths give, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gridsim
from gridsim.model.gridmodel import GridModel
from gridsim.model.kpis import RunResult


@pytest.fixture()
def tiny(small) -> gridsim.Scenario:
    return small.with_changes({"simulation.days": 120})


def _same_run(a: RunResult, b: RunResult) -> None:
    assert a.kpis == b.kpis
    pd.testing.assert_frame_equal(a.grids, b.grids)
    pd.testing.assert_frame_equal(a.daily, b.daily)


def test_rotations_drawn_at_set_up_are_the_per_cadre_events(tiny, monkeypatch) -> None:
    """Rotations drawn at set-up and applied by the day: the postings one event per cadre gives."""
    scenario = tiny.with_changes(
        {"cadres.posting": "rotation", "cadres.rotation_interval_days": 30}
    )
    nights = GridModel(scenario, replication=1)
    assert len(nights._rotations) > len(nights.cadres)  # the fast path was taken
    with monkeypatch.context() as m:
        m.setattr(GridModel, "_rotations_tie", staticmethod(lambda times: True))
        per_cadre = GridModel(scenario, replication=1)
    assert len(per_cadre._rotations) == 0
    assert len(per_cadre._event_generators) > len(per_cadre.cadres)
    _same_run(nights.run(), per_cadre.run())
    assert (nights.cadre_grid == per_cadre.cadre_grid).all()
    assert (nights.cadre_posted_on == per_cadre.cadre_posted_on).all()
    assert [c.postings for c in nights.cadres] == [c.postings for c in per_cadre.cadres]
    assert sum(c.postings - 1 for c in nights.cadres) > len(nights.cadres)  # they did rotate


def test_rotations_on_a_whole_day_keep_one_event_per_cadre(tiny) -> None:
    """A rotation that coincides with another event is left to Mesa's order of ties."""
    # No tenure at the start: every first rotation falls on day 30 exactly.
    scenario = tiny.with_changes(
        {
            "cadres.posting": "rotation",
            "cadres.rotation_interval_days": 30,
            "cadres.initial_tenure_years": 0.0,
        }
    )
    model = GridModel(scenario)
    assert len(model._rotations) == 0
    assert GridModel._rotations_tie([1.5, 30.0])
    assert GridModel._rotations_tie([1.5, 1.5])
    assert not GridModel._rotations_tie([1.5, 2.25, 31.5])
    model.run()
    assert np.unique(model.cadre_posted_on).tolist() == [90.0]  # all rotated on days 30, 60, 90


def test_compiled_tallies_are_the_numpy_and_pandas_ones() -> None:
    """The grid table's and daily series' compiled counts equal bincount and groupby's."""
    from gridsim.kernel import tally

    rng = np.random.default_rng(7)
    n_grids, n_cases = 40, 5_000
    grid = rng.integers(0, n_grids - 3, n_cases).astype(np.int32)  # the last grids get none
    masks = rng.random((3, n_cases)) < 0.4
    counts = tally.per_grid_counts(grid, masks, n_grids)
    for k in range(3):
        assert (counts[k] == np.bincount(grid[masks[k]], minlength=n_grids)).all()
    weights = rng.random(n_cases) * 1e3  # sums that round: the order of additions shows
    expected = np.bincount(grid, weights=weights, minlength=n_grids)
    assert tally.per_grid_sums(grid, weights, n_grids).tobytes() == expected.tobytes()
    found = rng.integers(0, 100, n_cases).astype(np.int32)
    closed = (found + rng.integers(0, 200, n_cases)).astype(np.int32)
    medians = tally.per_grid_medians(grid, masks[0], closed, found, n_grids)
    days = (closed - found).astype(float)  # whole days; odd and even counts per grid
    frame = pd.DataFrame({"grid": grid[masks[0]], "days": days[masks[0]]})
    reference = frame.groupby("grid")["days"].median().reindex(range(n_grids)).to_numpy()
    np.testing.assert_array_equal(medians, reference)  # NaN where a grid has no case
    assert np.isnan(medians[-3:]).all()
    day = rng.integers(0, 120, n_cases).astype(np.int32)
    assert (
        tally.per_day_counts(day, masks[1], 100) == np.bincount(day[masks[1]], minlength=100)[:100]
    ).all()
    new, shut, rejected, after = tally.daily_counts(day, closed, found, *masks, 100)
    assert (new == np.bincount(day[masks[0]], minlength=120)[:100]).all()
    assert (shut == np.bincount(closed[masks[1]], minlength=300)[:100]).all()
    assert (rejected == np.bincount(closed[masks[2]], minlength=300)[:100]).all()
    histogram = np.clip(closed - found, 0, 99)[masks[1]]
    assert (after == np.bincount(histogram, minlength=100)).all()


def test_visit_issue_pairs_in_one_pass_grow_their_buffers() -> None:
    """More pending issues than the first buffer holds: every pair, in visit order."""
    from gridsim.kernel.visits import pairs

    rng = np.random.default_rng(3)
    n_households, n_days = 50, 30
    per_household = rng.integers(0, 12, n_households)
    offsets = np.concatenate([[0], np.cumsum(per_household)]).astype(np.int64)
    arrival = rng.integers(-5, 25, offsets[-1]).astype(np.int32)
    expiry = (arrival + rng.integers(1, 20, offsets[-1])).astype(np.int32)
    visits_per_day = rng.integers(0, 60, n_days)
    visit_offsets = np.concatenate([[0], np.cumsum(visits_per_day)]).astype(np.int64)
    household = rng.integers(0, n_households, visit_offsets[-1]).astype(np.int32)
    visitor = rng.integers(1, 3, visit_offsets[-1]).astype(np.int8)
    working_days = np.arange(n_days, dtype=np.int64) + 1
    issue, who, pair_offsets = pairs(
        household, visitor, visit_offsets, working_days, offsets, arrival, expiry
    )
    expected_issue, expected_who, expected_offsets = [], [], [0]
    for i, d in enumerate(working_days):
        for j in range(visit_offsets[i], visit_offsets[i + 1]):
            for c in range(offsets[household[j]], offsets[household[j] + 1]):
                if arrival[c] <= d < expiry[c]:
                    expected_issue.append(c)
                    expected_who.append(visitor[j])
        expected_offsets.append(len(expected_issue))
    assert len(expected_issue) > 1024  # past the first buffer
    assert issue.tolist() == expected_issue
    assert who.tolist() == expected_who
    assert pair_offsets.tolist() == expected_offsets
    assert issue.dtype == np.int32 and who.dtype == np.int8


def test_a_survey_wave_picks_the_cases_the_masks_pick() -> None:
    """From the closed log: closed since the last wave and still closed, as the masks say."""
    from gridsim.kernel import tally
    from gridsim.kernel.codes import CLOSED

    rng = np.random.default_rng(11)
    n = 4_000
    state = rng.integers(0, 10, n).astype(np.int8)
    close_day = rng.integers(-1, 90, n).astype(np.int32)
    surveyed = rng.random(n) < 0.3
    unit = rng.integers(-1, 20, n).astype(np.int32)
    # The log since the last wave: every case closed since (some twice, reopened in
    # between), and some closed then that are open again or were closed before.
    since = 40
    wave = (state == CLOSED) & (close_day > since)
    logged = np.concatenate(
        [np.flatnonzero(wave), np.flatnonzero(wave)[::7], rng.integers(0, n, 500)]
    )
    rng.shuffle(logged)
    new, handled = tally.wave_cases(logged, state, close_day, surveyed, unit, since)
    assert new.tolist() == np.flatnonzero(wave & ~surveyed).tolist()
    assert handled.tolist() == np.flatnonzero(wave & (unit >= 0)).tolist()
    assert len(new) and len(handled)


def test_the_closed_log_holds_every_close_of_the_run(tiny) -> None:
    """Every case closed in a run is in the kernel's closed log, as often as it was closed."""
    from gridsim.kernel.codes import CLOSED

    model = GridModel(tiny.with_changes({"evaluate.third_party": True}))
    model.run()
    logged = model._kernel.closed_since(model._pipeline, 0)
    closed_now = np.flatnonzero(model.state == CLOSED)
    assert set(closed_now.tolist()) <= set(logged.tolist())
    # Every close is still in force, or was undone by the survey reopening the case.
    assert model.reopened > 0
    assert len(logged) == len(closed_now) + model.reopened
    assert len(model._kernel.closed_since(model._pipeline, len(logged))) == 0


def test_visit_counts_are_the_per_household_bincount() -> None:
    """Visits per grid and households reached, counted per visit: a per-household table's."""
    from gridsim.kernel import tally

    rng = np.random.default_rng(3)
    n_households, n_grids = 5_000, 17
    household_grid = np.sort(rng.integers(0, n_grids, n_households)).astype(np.int32)
    visited = rng.integers(0, n_households, 12_000).astype(np.int32)
    per_household = np.bincount(visited, minlength=n_households)
    per_grid, reached = tally.visit_counts(visited, household_grid, n_households, n_grids)
    expected = tally.per_grid_sums(household_grid, per_household, n_grids)
    assert per_grid.tobytes() == expected.tobytes()
    assert reached == int((per_household > 0).sum()) < n_households
