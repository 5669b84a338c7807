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


def test_rotations_by_night_are_the_per_cadre_events(tiny, monkeypatch) -> None:
    """One Mesa event per night of rotations: the same postings as one event per cadre."""
    scenario = tiny.with_changes(
        {"cadres.posting": "rotation", "cadres.rotation_interval_days": 30}
    )
    nights = GridModel(scenario, replication=1)
    assert nights._rotation_nights  # the fast path was taken
    with monkeypatch.context() as m:
        m.setattr(GridModel, "_rotations_tie", staticmethod(lambda times: True))
        per_cadre = GridModel(scenario, replication=1)
    assert not hasattr(per_cadre, "_rotation_nights")
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
    assert not hasattr(model, "_rotation_nights")
    assert GridModel._rotations_tie([1.5, 30.0])
    assert GridModel._rotations_tie([1.5, 1.5])
    assert not GridModel._rotations_tie([1.5, 2.25, 31.5])
    model.run()
    assert np.unique(model.cadre_posted_on).tolist() == [90.0]  # all rotated on days 30, 60, 90
