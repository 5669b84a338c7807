"""Handling that responds to what a district controls: staffed, priced units; deadlines; assessment.

Behaviour tests over paired replications of the small district (common random
numbers, :mod:`paired`), one per effect the planning issue leans on, and the
cost test: no lever that buys service is free.
"""

from __future__ import annotations

import numpy as np
import pytest

import gridsim
from gridsim.model import GridModel
from gridsim.scenario import Scenario
from gridsim.vocab import TIERS
from paired import assert_effect, paired


@pytest.fixture(scope="module")
def base(small, run_reps):
    return run_reps(small)


def _handlers_times(scenario: Scenario, factor: float) -> dict[str, float]:
    return {
        f"handle.staff.{t}": v * factor
        for t, v in zip(TIERS, scenario.handle.staff.as_list(), strict=True)
    }


# -- 1. staffed, priced units --------------------------------------------------------


def _staffing_levers(scenario: Scenario) -> dict[str, float]:
    """Every lever that buys people or their hours, raised by half (or grids made smaller)."""
    levers: dict[str, float] = {}
    for key, value in scenario.staff.model_dump().items():
        if isinstance(value, dict):  # staff.hours_per_week.<role>
            levers |= {f"staff.{key}.{role}": v * 1.5 for role, v in value.items() if v > 0}
        elif isinstance(value, int | float) and value > 0:  # people per grid or community
            levers[f"staff.{key}"] = value * 1.5
    levers |= {k: v for k, v in _handlers_times(scenario, 1.5).items()}
    levers["handle.handler_hours_per_week"] = scenario.handle.handler_hours_per_week * 1.5
    levers["grids.households_per_grid"] = scenario.grids.households_per_grid / 1.5
    return levers


def test_every_staffing_lever_costs_money(small) -> None:
    tiny = small.with_changes({"simulation.days": 60})
    levers = _staffing_levers(tiny)
    assert {"handle.staff.grid", "handle.staff.district", "staff.cadres_per_grid"} <= set(levers)
    assert "staff.hours_per_week.information_officer" in levers
    cost = gridsim.run_scenario(tiny).kpis["cost"]
    for key, value in levers.items():
        raised = gridsim.run_scenario(tiny.with_changes({key: value})).kpis["cost"]
        assert raised > cost, f"{key} raised to {value:g}: cost {raised:,.0f} <= {cost:,.0f}"


def test_capacity_follows_from_handlers_and_their_hours(small) -> None:
    model = GridModel(small.with_changes({"simulation.days": 7}))
    h = small.handle
    per_handler = h.handler_hours_per_week / h.hours_per_case_week
    for tier, staff in zip(range(len(TIERS)), h.staff.as_list(), strict=True):
        units = model.unit_tier == tier
        assert (model.unit_handlers[units] == staff).all()
        assert (model.unit_capacity[units] == max(1, round(staff * per_handler))).all()
    assert model.run().kpis["handlers"] == pytest.approx(model.unit_handlers.sum())


def test_an_old_capacity_key_names_what_replaced_it(tmp_path) -> None:
    path = tmp_path / "old.toml"
    path.write_text("[handle.capacity]\ngrid = 3\n", encoding="utf-8")
    with pytest.raises(gridsim.ScenarioError) as err:
        gridsim.load_scenario(path)
    assert "handle.capacity" in str(err.value) and "handle.staff" in str(err.value)


# -- 2. work to deadlines ------------------------------------------------------------


def test_time_limits_raise_on_time_closure_materially(small, run_reps, base) -> None:
    free = run_reps(small.with_changes({"deadlines.enabled": False, "deadlines.escalation": False}))
    # Units planning to the limit close most would-be-late cases in time: more
    # than five points of on-time closure (Yuelu: about 11, see docs/calibration.md).
    assert_effect(paired(free, base, "on_time_rate"), +1, "on_time_rate", at_least=0.05)
    assert_effect(paired(base, free, "p90_days_to_close"), +1, "p90_days_to_close")


def test_compliance_is_what_moves_on_time_closure(small, run_reps, base) -> None:
    never = run_reps(small.with_changes({"deadlines.compliance": 0.0}))
    assert_effect(paired(never, base, "on_time_rate"), +1, "on_time_rate")
    loaded = run_reps(small.with_changes({"deadlines.compliance_load_drop": 5.0}))
    assert_effect(paired(loaded, base, "on_time_rate"), +1, "on_time_rate")


def test_red_lights_count_against_the_unit_that_let_the_case_run_late(small) -> None:
    model = GridModel(small.with_changes({"simulation.days": 120}))
    result = model.run()
    assert model.unit_red.sum() == result.kpis["red_lights"] > 0
    # escalated cases end at a unit above the one that was shown the light
    escalated = model.escalated
    assert (model.tier[escalated] > 0).all()


# -- handlers: doubling and halving ----------------------------------------------------


@pytest.fixture(scope="module")
def proportional(small) -> Scenario:
    """The small district with streets and departments in proportion to its size.

    The small district keeps Yuelu's 12 streets and 6 departments for a quarter
    of its cases, so its upper units idle; in proportion (4 streets, one
    handler per department) they are as busy as Yuelu's.
    """
    return small.with_changes({"district.streets": 4, "handle.staff.district": 1.0})


def test_doubling_handlers_shortens_the_tail_and_costs_more(proportional, run_reps) -> None:
    base = run_reps(proportional)
    double = run_reps(proportional.with_changes(_handlers_times(proportional, 2.0)))
    assert_effect(paired(base, double, "p90_days_to_close"), -1, "p90_days_to_close")
    assert_effect(paired(base, double, "cost"), +1, "cost")


def test_halving_handlers_lengthens_the_tail_and_costs_less(proportional, run_reps) -> None:
    base = run_reps(proportional)
    half = run_reps(proportional.with_changes(_handlers_times(proportional, 0.5)))
    assert_effect(paired(base, half, "p90_days_to_close"), +1, "p90_days_to_close")
    assert_effect(paired(base, half, "cost"), -1, "cost")


# -- 3. assessment drives effort -------------------------------------------------------


def test_third_party_assessment_raises_resolution_over_self_assessment(
    small, run_reps, base
) -> None:
    own = run_reps(small.with_changes({"evaluate.third_party": False}))
    assert_effect(paired(own, base, "unit_effort"), +1, "unit_effort")
    assert_effect(paired(own, base, "resolution_rate"), +1, "resolution_rate")


def test_no_assessment_means_the_natural_pace(small, run_reps, base) -> None:
    unscored = run_reps(small.with_changes({"evaluate.assessment": False}))
    assert all(r.kpis["unit_effort"] == 0 for r in unscored)
    assert_effect(paired(unscored, base, "resolution_rate"), +1, "resolution_rate")


def test_effort_starts_at_zero_and_rises_after_the_first_months(small) -> None:
    model = GridModel(small)
    model.run_until(small.evaluate.survey_interval_days - 2)  # the day before the first wave
    assert not model.unit_effort.any()
    model.run_until(small.simulation.days - 1)
    assert model.assessment.waves >= 11 and model.unit_effort.mean() > 0
    assert (model.unit_effort <= small.evaluate.effort_ceiling).all()


def test_self_assessment_inflates_the_scores(small) -> None:
    third = GridModel(small.with_changes({"simulation.days": 90}))
    third.run()
    own = GridModel(small.with_changes({"simulation.days": 90, "evaluate.third_party": False}))
    own.run()
    bias = small.evaluate.self_assessment_bias
    assert own.assessment.response == pytest.approx(
        small.evaluate.effort_response * small.evaluate.self_assessment_response
    )
    # the same cases, scored by themselves: never below what a third party finds
    assert np.nanmean(own.assessment.scores) > np.nanmean(third.assessment.scores) - bias / 2


# -- satisfaction responds to resolution and lateness as [evaluate] says --------------


def test_satisfaction_follows_resolution_and_lateness(small) -> None:
    own = small.with_changes({"evaluate.third_party": False})  # nothing reopened
    model = GridModel(own)
    model.run()
    ev = own.evaluate
    asked = model.surveyed_flag
    p = np.where(model.resolved[asked], ev.satisfied_if_resolved, ev.satisfied_if_replied)
    p = np.clip(p - ev.late_penalty * model.late[asked], 0, 1)
    n = int(asked.sum())
    observed = model.satisfied_flag[asked].mean()
    se = np.sqrt((p * (1 - p)).sum()) / n
    assert n > 300 and abs(observed - p.mean()) < 3 * se
