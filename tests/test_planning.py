"""gridsim plan: plan files, derived levers, the search's optimum, resuming a killed plan."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import gridsim
from gridsim.experiments.derived import headcount, resolve, yearly_people_cost
from gridsim.experiments.executors import SerialExecutor
from gridsim.planning.plan import Plan
from gridsim.planning.runner import Runner
from gridsim.planning.spec import PlanError
from gridsim.scenario import ScenarioError
from gridsim.store import Workspace

ROOT = Path(__file__).resolve().parents[1]
PLANS = Path(__file__).resolve().parent / "data" / "plans"
SHIPPED = ROOT / "scenarios"


@pytest.fixture(scope="module")
def yuelu() -> gridsim.Scenario:
    return gridsim.load_scenario(SHIPPED / "yuelu-2013.toml")


# -- derived levers ------------------------------------------------------------------


def test_a_fixed_headcount_keeps_the_total_over_any_grid_size(yuelu) -> None:
    changes = {"grids.households_per_grid": 500, "headcount.information_officer": "base"}
    design = yuelu.with_changes(resolve(yuelu, changes))
    assert headcount(design)["information_officer"] == headcount(yuelu)["information_officer"]
    assert headcount(design)["security_officer"] < headcount(yuelu)["security_officer"]
    six_hundred = yuelu.with_changes(resolve(yuelu, {"headcount.information_officer": 600}))
    assert headcount(six_hundred)["information_officer"] == 600


def test_a_fixed_budget_buys_officers_up_to_the_yuan(yuelu) -> None:
    budget = yearly_people_cost(yuelu) * 1.1
    changes = resolve(yuelu, {"grids.households_per_grid": 450, "budget.yuan_per_year": budget})
    design = yuelu.with_changes(changes)
    cost = yearly_people_cost(design)
    one_officer = 30_000 * design.staff.hours_per_week.information_officer / 3.4
    assert budget - one_officer <= cost <= budget + one_officer
    run = gridsim.run_scenario(design.with_changes({"simulation.days": 30}))
    assert run.kpis["grids"] < 580


def test_derived_levers_work_in_experiments() -> None:
    data = {
        "name": "same staff",
        "base": "yuelu-2013.toml",
        "replications": 1,
        "variants": [
            {"name": "today"},
            {
                "name": "larger grids, same staff",
                "changes": {
                    "grids.households_per_grid": 500,
                    "headcount.information_officer": "base",
                    "headcount.cadre": "base",
                },
            },
        ],
    }
    experiment = gridsim.Experiment.from_dict(data, root=SHIPPED)
    today, larger = (v.scenario for v in experiment.variants)
    assert headcount(larger)["cadre"] == headcount(today)["cadre"] == 623
    assert larger.staff.information_officers_per_grid > today.staff.information_officers_per_grid


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"headcount.chef": 10}, "headcount.chef: unknown role"),
        ({"headcount.cadre": -1}, "headcount.cadre: must be a number of people"),
        ({"budget.yuan_per_year": 1e6}, "does not pay for the other staff"),
        ({"budget.fill": "cadre"}, "budget.fill: set budget.yuan_per_year"),
    ],
)
def test_bad_derived_levers_name_the_key(yuelu, changes, message) -> None:
    with pytest.raises(ScenarioError, match=message):
        resolve(yuelu, changes)


# -- plan files ------------------------------------------------------------------------


def _toy_copy(folder: Path, *edits: tuple[str, str], name: str = "toy.toml") -> Path:
    """The toy plan (edited) and its small district, written into ``folder``."""
    text = (PLANS / "toy.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    plan = folder / name
    plan.write_text(text, encoding="utf-8")
    (folder / "small-district.toml").write_text(
        (PLANS / "small-district.toml")
        .read_text(encoding="utf-8")
        .replace(
            "../../../scenarios/yuelu-2013.toml",
            os.path.relpath(SHIPPED / "yuelu-2013.toml", folder),
        ),
        encoding="utf-8",
    )
    return plan


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('minimise = "cost"', 'minimise = "costs"'), "objective: .*unknown KPI 'costs'"),
        (('op = ">="', 'op = "=>"'), "targets.0.op"),
        (("choices = [2.0, 4.0, 6.0]", "choices = [2.0, 4.0, 600.0]"), "levers\\[1\\]"),
        (("trials = 12", "trials = 0"), "search.trials"),
        (('base = "small-district.toml"', 'base = "nowhere.toml"'), "base: scenario file"),
    ],
)
def test_a_bad_plan_file_names_the_file_and_key(tmp_path, edit, message) -> None:
    bad = _toy_copy(tmp_path, edit, name="bad.toml")
    with pytest.raises(PlanError, match=message) as err:
        Plan.from_file(bad, roots=[SHIPPED])
    assert "bad.toml" in str(err.value)


def test_a_bad_plan_exits_2_through_the_command(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nbase = "y.toml"\n', encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "gridsim.cli", "plan", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "bad.toml" in out.stderr and "objective" in out.stderr


# -- the search finds the optimum known by enumeration ----------------------------------


def test_the_toy_plan_finds_the_cheapest_feasible_design(tmp_path) -> None:
    plan = Plan.from_file(PLANS / "toy.toml", roots=[SHIPPED])
    with Workspace("default", tmp_path) as ws:
        runner = Runner(plan, ws, SerialExecutor())
        levers = plan.spec.levers
        every = [
            dict(zip([lv.key for lv in levers], combo, strict=True))
            for combo in itertools.product(*(lv.choices for lv in levers))
        ]
        designs = runner.designs(every, range(plan.spec.replications))
        feasible = [d for d in designs if d.feasible]
        assert 0 < len(feasible) < len(designs)  # the target binds
        optimum = min(feasible, key=lambda d: d.objective)
        result = plan.run(ws, SerialExecutor(), progress=False, journal=tmp_path / "toy.journal")
    assert result.search.stopped in ("trials", "space")
    assert len(result.search.designs) == len(every)
    best = result.search.best("min")
    assert best is not None and best.params == optimum.params
    assert result.winner is not None
    assert result.winner.objective <= sorted(d.objective for d in feasible)[2]  # among the top 3
    data = json.loads(result.to_json())
    assert data["feasible"] and data["recommended"]["changes"]
    changed = gridsim.load_scenario(PLANS / "small-district.toml", roots=[SHIPPED]).with_changes(
        data["recommended"]["changes"]
    )
    assert changed.staff.information_officers_per_grid == result.winner.params[levers[0].key]
    assert {t["kpi"] for t in data["targets"]} == {"visits_per_household"}


# -- a killed plan resumes to the same recommendation ------------------------------------


def _plan_cmd(plan: Path, store: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gridsim.cli",
        "plan",
        str(plan),
        "--store",
        str(store),
        "--workers",
        "1",
        "--json",
        "--scenario-root",
        str(SHIPPED),
    ]


def test_a_killed_plan_resumes_to_the_same_recommendation(tmp_path) -> None:
    plan = _toy_copy(
        tmp_path,
        ('sampler = "grid"', 'sampler = "tpe"'),
        ("trials = 12", "trials = 16"),
        ("batch = 4", "batch = 2"),
    )
    whole = subprocess.run(
        _plan_cmd(plan, tmp_path / "whole"), capture_output=True, text=True, timeout=600
    )
    assert whole.returncode == 0, whole.stderr
    killed_store = tmp_path / "killed"
    proc = subprocess.Popen(
        _plan_cmd(plan, killed_store), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        journal = killed_store / "plans" / "default" / "toy.journal"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_text(encoding="utf-8").count('"state":1') >= 4:
                break  # some trials told: kill it mid-search
            time.sleep(0.05)
        assert proc.poll() is None, "the plan finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    again = subprocess.run(
        _plan_cmd(plan, killed_store), capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    first, second = json.loads(whole.stdout), json.loads(again.stdout)
    assert second["search"]["resumed"] > 0
    assert [d["params"] for d in second["search"]["designs"]] == [
        d["params"] for d in first["search"]["designs"]
    ]
    assert second["recommended"]["changes"] == first["recommended"]["changes"]
    assert np.isclose(
        second["recommended"]["kpis"]["cost"]["mean"], first["recommended"]["kpis"]["cost"]["mean"]
    )


def test_fitting_points_cross_the_ranges_latin_hypercube(tmp_path) -> None:
    plan = _toy_copy(
        tmp_path,
        (
            "[selection]",
            '[uncertainty]\npoints = [{ "collect.detect_probability" = 0.3 }, {}]\n'
            'ranges = { "deadlines.compliance" = [0.5, 0.9] }\nsamples = 3\n\n[selection]',
        ),
    )
    points = Plan.from_file(plan, roots=[SHIPPED]).points
    assert len(points) == 6
    assert sum("collect.detect_probability" in p for p in points) == 3
    assert all(0.5 <= p["deadlines.compliance"] <= 0.9 for p in points)


def test_an_nsga2_plan_searches_a_cost_against_service_front(tmp_path) -> None:
    plan_file = _toy_copy(
        tmp_path,
        ('sampler = "grid"', 'sampler = "nsga2"\nfront = "households_visited"'),
        ("trials = 12", "trials = 8"),
    )
    plan = Plan.from_file(plan_file, roots=[SHIPPED])
    with Workspace("default", tmp_path) as ws:
        result = plan.run(ws, SerialExecutor(), progress=False, journal=tmp_path / "n.journal")
    designs = result.search.designs
    assert len(designs) == 8
    assert all(d.front == d.means["households_visited"] for d in designs)
    # more visits cost more: the front is a trade-off, not one point
    costs = [d.objective for d in designs]
    visits = [d.front for d in designs]
    assert np.corrcoef(costs, visits)[0, 1] > 0
    assert result.winner is not None and result.winner.feasible
