"""The mechanisms' registry: names, codes and classes in one place, and what refuses the rest."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pydantic
import pytest

import gridsim
from gridsim.kernel import codes
from gridsim.mechanisms import registry
from gridsim.mechanisms.build import SELECTED, mechanisms_for
from gridsim.mechanisms.registry import REGISTRY, Stage, UnknownMechanism

GRIDSIM = Path(sys.executable).with_name("gridsim")

MODE_FIELDS = {Stage.COLLECT: ("collect", "mode"), Stage.ASSIGN: ("assign", "mode")}
"""The scenario fields that name a stage's mechanism."""


@pytest.mark.parametrize("stage", list(Stage))
def test_every_code_has_one_registered_class_a_summary_and_labels(stage: Stage) -> None:
    names = registry.names(stage)
    assert names == tuple(m.name.lower() for m in registry.CODES[stage])
    assert set(REGISTRY[stage]) == set(names)
    assert set(registry.SUMMARIES[stage]) == set(names)
    assert set(registry.LABELS[stage]) == set(names)
    for name in names:
        cls = registry.lookup(stage, name)
        assert (cls.stage, cls.name, cls.code) == (stage, name, registry.code(stage, name))
        assert cls.__doc__ and set(registry.LABELS[stage][name]) == {"en", "zh"}
        assert callable(cls.from_scenario) and callable(cls.configure)


@pytest.mark.parametrize("stage", list(MODE_FIELDS))
def test_the_scenario_allows_exactly_the_registered_names(stage: Stage) -> None:
    section, field = MODE_FIELDS[stage]
    model = type(getattr(gridsim.Scenario(), section))
    assert typing.get_args(model.model_fields[field].annotation) == registry.names(stage)
    description = model.model_fields[field].description or ""
    assert all(f"'{name}'" in description for name in registry.names(stage))


@pytest.mark.parametrize("stage", list(MODE_FIELDS))
def test_the_explorer_and_the_reports_label_every_registered_mode(stage: Stage) -> None:
    from gridsim.jupyter import explorer
    from gridsim.reports.i18n.catalogue import VALUE_LABELS

    control = {Stage.COLLECT: "collection", Stage.ASSIGN: "assignment"}[stage]
    widget = explorer.Explorer().controls[control]
    assert [value for _, value in widget.options] == list(registry.names(stage))
    for name in registry.names(stage):
        assert VALUE_LABELS[name] == registry.LABELS[stage][name]


def test_an_unknown_mode_is_a_validation_error_naming_the_allowed_ones() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        gridsim.Scenario.model_validate({"assign": {"mode": "bogus"}})
    message = str(info.value)
    assert "assign.mode" in message
    assert all(f"'{name}'" in message for name in registry.names(Stage.ASSIGN))


def test_unknown_names_are_refused_by_the_registry_with_the_allowed_names() -> None:
    with pytest.raises(UnknownMechanism, match="'tiered', 'central'"):
        registry.code(Stage.ASSIGN, "bogus")
    with pytest.raises(UnknownMechanism, match="'same_day', 'batched'"):
        registry.lookup("collect", "weekly")
    with pytest.raises(TypeError):
        registry.register(3)  # type: ignore[arg-type]


def test_a_scenario_built_without_validation_is_not_run_as_another_mode() -> None:
    # the old mechanisms_for ran any mode other than 'tiered' as 'central'
    base = gridsim.Scenario()
    assign = base.assign.model_construct(**{**dict(base.assign), "mode": "bogus"})
    scenario = base.model_construct(**{**dict(base), "assign": assign})
    with pytest.raises(UnknownMechanism, match="unknown assign mechanism 'bogus'"):
        mechanisms_for(scenario)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_gridsim_refuses_an_unknown_mode_with_exit_2(tmp_path: Path, command: str) -> None:
    (tmp_path / "bogus.toml").write_text('[assign]\nmode = "bogus"\n', encoding="utf-8")
    done = subprocess.run(
        [str(GRIDSIM), command, "bogus.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done
    assert "assign.mode" in done.stderr + done.stdout
    for name in registry.names(Stage.ASSIGN):
        assert f"'{name}'" in done.stderr + done.stdout


def test_each_stage_writes_its_code_into_the_kernel_parameters() -> None:
    others = {
        "collect.mode": "batched",
        "assign.mode": "central",
        "handle.joint_consultation": False,
        "deadlines.enabled": False,
        "deadlines.escalation": False,
        "evaluate.third_party": False,
    }
    for changes in ({}, others):
        scenario = gridsim.Scenario().with_changes(changes)
        mechanisms = mechanisms_for(scenario)
        iparams = np.full(codes.IPARAMS, -1, dtype=np.int64)
        fparams = np.zeros(codes.FPARAMS)
        mechanisms.configure(iparams, fparams)
        slots = {
            Stage.COLLECT: codes.COLLECT_MODE,
            Stage.ASSIGN: codes.ASSIGN_MODE,
            Stage.CONSULT: codes.CONSULT_MODE,
            Stage.SUPERVISE: codes.SUPERVISE_MODE,
        }
        for stage, slot in slots.items():
            assert iparams[slot] == registry.code(stage, SELECTED[stage](scenario))
        assert mechanisms.survey.name == SELECTED[Stage.SURVEY](scenario)


def test_the_kernel_reads_the_registry_codes() -> None:
    assert codes.Assign is registry.Assign and codes.Collect is registry.Collect
    assert codes.Consult is registry.Consult and codes.Supervise is registry.Supervise


def test_the_old_import_paths_still_work() -> None:
    from gridsim.mechanisms import (
        DISTRICT,
        GRID,
        CentralAssignment,
        Mechanisms,
        Policy,
        Survey,
        TieredAssignment,
    )
    from gridsim.mechanisms import mechanisms_for as old_mechanisms_for

    assert (GRID, DISTRICT) == (codes.GRID, codes.DISTRICT)
    built = old_mechanisms_for(gridsim.Scenario())
    assert isinstance(built, Mechanisms) and isinstance(built.assignment, TieredAssignment)
    assert isinstance(built.survey, Survey) and built.survey.third_party
    assert CentralAssignment(2).dispatch_delay_days == 2 and Policy is not None


# 交 assign = "workload": the extension point, proven by a new mechanism ------------

LOADED = {
    "handle.staff.grid": 0.5,
    "handle.staff.community": 0.5,
    "households.latent_issues_per_year": 0.9,
}
"""Grid teams and communities short of capacity: where balancing their load can matter."""


def test_workload_assignment_keeps_the_tier_and_stays_among_the_neighbours(small) -> None:
    from gridsim.model import GridModel

    model = GridModel(small.with_changes({**LOADED, "assign.mode": "workload"}))
    model.run()
    adjacency = model.district.adjacency
    street = model.district.grid_street
    community = model.district.grid_community
    base = model.unit_base
    assigned = np.flatnonzero(model.unit >= 0)
    moved = 0
    for c in assigned[model.tier[assigned] <= codes.COMMUNITY]:
        g, tier, unit = model.issue_grid[c], model.tier[c], model.unit[c]
        near = [g, *(h for h in adjacency[[g]].indices if street[h] == street[g])]
        allowed = {base[tier] + (h if tier == codes.GRID else community[h]) for h in near}
        assert unit in allowed, (c, g, tier, unit)
        moved += unit != base[tier] + (g if tier == codes.GRID else community[g])
    assert moved > 0  # some cases went to a neighbour's unit
    for c in assigned[model.tier[assigned] >= codes.STREET]:  # street and district: as tiered
        g, tier, unit = model.issue_grid[c], model.tier[c], model.unit[c]
        own = street[g] if tier == codes.STREET else model.category[c]
        assert unit == base[tier] + own


def test_workload_assignment_raises_the_on_time_rate_at_equal_cost(small, run_reps) -> None:
    # Predicted: balancing the grid and community queues finishes more of their cases
    # within the limit; per-case costs follow the tier, which is unchanged. Paired
    # replications (common random numbers): every one of them must point the same way.
    loaded = small.with_changes(LOADED)
    tiered = run_reps(loaded, 6)
    workload = run_reps(loaded.with_changes({"assign.mode": "workload"}), 6)
    on_time = np.array(
        [
            w.kpis["on_time_rate"] - t.kpis["on_time_rate"]
            for t, w in zip(tiered, workload, strict=True)
        ]
    )
    assert (on_time > 0).all(), on_time
    cost = np.array(
        [w.kpis["cost"] / t.kpis["cost"] - 1 for t, w in zip(tiered, workload, strict=True)]
    )
    assert np.abs(cost).max() < 0.01, cost
