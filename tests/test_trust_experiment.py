"""Issue 9, experiments: `[vary]` crosses with `[[variants]]`, same designs run once,
and an experiment's `base` stays inside the scenario root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gridsim.experiments import Experiment, ExperimentError, SerialExecutor
from gridsim.scenario import ScenarioError
from gridsim.workspace import Workspace
from gridsim_cli import gridsim

REPO = Path(__file__).resolve().parents[1]

SMALL = """
name = "small"
[simulation]
days = 30
[district]
communities = 30
households = 12000
"""

STAFFING = """
name = "staffing-x-size"
base = "small.toml"
replications = 2
seed = 5

[[variants]]
name = "base"

[[variants]]
name = "more officers"
changes = { "staff.information_officers_per_grid" = 2.0 }

[[variants]]
name = "rotation"
changes = { "cadres.posting" = "rotation", "cadres.rotation_interval_days" = 180 }

[vary]
"grids.households_per_grid" = [250, 500]
"""

# "one officer" sets the base's own value: crossed, each of its designs is a
# design of "base" under another name (one of them the baseline).
SAME = """
name = "same-designs"
base = "small.toml"
replications = 2
seed = 5

[[variants]]
name = "base"

[[variants]]
name = "one officer"
changes = { "staff.information_officers_per_grid" = 1.0 }

[[variants]]
name = "two officers"
changes = { "staff.information_officers_per_grid" = 2.0 }

[vary]
"grids.households_per_grid" = [250, 500]
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``tmp/scenarios`` (the scenario root) with a small base, and ``tmp/outside``."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "small.toml").write_text(SMALL)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "small.toml").write_text(SMALL)
    return tmp_path


def write(tree: Path, text: str, name: str = "exp.toml") -> Path:
    path = tree / "scenarios" / name
    path.write_text(text)
    return path


# -- [vary] × [[variants]] ------------------------------------------------------------


def test_vary_crosses_with_every_variant(tree):
    exp = Experiment.from_file(write(tree, STAFFING))
    assert [v.name for v in exp.variants] == [
        "base · households_per_grid=250",
        "base · households_per_grid=500",
        "more officers · households_per_grid=250",
        "more officers · households_per_grid=500",
        "rotation · households_per_grid=250",
        "rotation · households_per_grid=500",
    ]
    assert exp.baseline.name == "base · households_per_grid=250"  # default: the first design
    assert len({v.scenario_hash for v in exp.variants}) == 6
    by_name = {v.name: v.scenario for v in exp.variants}
    crossed = by_name["more officers · households_per_grid=500"]
    assert crossed.staff.information_officers_per_grid == 2.0
    assert crossed.grids.households_per_grid == 500
    rotating = by_name["rotation · households_per_grid=250"]
    assert rotating.cadres.posting == "rotation" and rotating.grids.households_per_grid == 250
    # the report shows each design's changes: the variant's and the factor's
    assert exp.variants[3].changes == {
        "staff.information_officers_per_grid": 2.0,
        "grids.households_per_grid": 500,
    }
    assert exp.warnings() == []


def test_vary_without_variants_is_the_factorial_on_the_base(tree):
    text = 'name = "f"\nbase = "small.toml"\n[vary]\n"grids.households_per_grid" = [250, 500]\n'
    exp = Experiment.from_file(write(tree, text))
    assert [v.name for v in exp.variants] == [
        "households_per_grid=250",
        "households_per_grid=500",
    ]
    assert [v.scenario.grids.households_per_grid for v in exp.variants] == [250, 500]


def test_baseline_names_a_crossed_design(tree):
    chosen = STAFFING.replace(
        "seed = 5\n", 'seed = 5\nbaseline = "more officers · households_per_grid=500"\n'
    )
    exp = Experiment.from_file(write(tree, chosen))
    assert exp.baseline.name == "more officers · households_per_grid=500"
    assert exp.variants[0] is exp.baseline and len(exp.variants) == 6
    bare = STAFFING.replace("seed = 5\n", 'seed = 5\nbaseline = "more officers"\n')
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(write(tree, bare))
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith(
        "exp.toml: baseline: variant 'more officers' is crossed with [vary]; name one of its "
        "designs: 'more officers · households_per_grid=250', "
        "'more officers · households_per_grid=500'"
    )


def test_a_factor_that_a_variant_also_sets_is_refused(tree):
    text = STAFFING.replace(
        '"staff.information_officers_per_grid" = 2.0 }',
        '"staff.information_officers_per_grid" = 2.0, "grids.households_per_grid" = 800 }',
    )
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(write(tree, text))
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith(
        "exp.toml: vary.grids.households_per_grid: also set by variants[1].changes "
        "(variant 'more officers'); each crossed design would replace the variant's value: "
        "remove the key from one"
    )


def test_a_bad_factor_is_one_line_for_all_the_designs_it_breaks(tree):
    text = STAFFING.replace('"grids.households_per_grid"', '"grids.housholds_per_grid"')
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(write(tree, text))
    assert len(info.value.problems) == 1, info.value.problems
    line = info.value.problems[0]
    assert "exp.toml: vary: grids.housholds_per_grid: unknown key" in line
    assert line.endswith("(variant 'base · housholds_per_grid=250' and 5 more)")


def test_generated_names_tell_keys_with_the_same_last_part_apart(tree):
    text = (
        'name = "f"\nbase = "small.toml"\n[vary]\n'
        '"handle.staff.grid" = [2, 3]\n"costs.per_case.grid" = [10.5]\n'
    )
    exp = Experiment.from_file(write(tree, text))
    assert [v.name for v in exp.variants] == [
        "staff.grid=2, per_case.grid=10.5",
        "staff.grid=3, per_case.grid=10.5",
    ]


def test_a_sampling_design_stays_beside_the_crossed_variants(tree):
    text = STAFFING + (
        '[design]\nmethod = "lhs"\nsamples = 3\n'
        'parameters = { "households.latent_issues_per_year" = [0.2, 0.5] }\n'
    )
    exp = Experiment.from_file(write(tree, text))
    names = [v.name for v in exp.variants]
    assert len(names) == 3 * 2 + 3
    assert names[-3:] == ["lhs 000", "lhs 001", "lhs 002"]
    for v in exp.variants[-3:]:  # sampled on the base, not crossed
        assert list(v.changes) == ["households.latent_issues_per_year"]


# -- same designs ---------------------------------------------------------------------


def test_same_designs_are_named_by_validate_which_still_exits_0(tree):
    write(tree, SAME)
    proc = gridsim("validate", "scenarios/exp.toml", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: scenarios/exp.toml"
    exp = Experiment.from_file(tree / "scenarios" / "exp.toml")
    h250, h500 = (exp.variants[i].scenario_hash for i in (0, 1))
    assert proc.stderr.strip().splitlines() == [
        "scenarios/exp.toml: warning: variants 'base · households_per_grid=250' (the baseline) "
        "and 'one officer · households_per_grid=250' are the same design "
        f"(scenario {h250}); it is simulated once and both show its runs",
        "scenarios/exp.toml: warning: variants 'base · households_per_grid=500' and "
        "'one officer · households_per_grid=500' are the same design "
        f"(scenario {h500}); it is simulated once and both show its runs",
    ]


def test_same_designs_are_simulated_once_and_every_name_shows_the_runs(tree):
    exp = Experiment.from_file(write(tree, SAME))
    assert len(exp.variants) == 6
    assert exp.same_designs() == [
        ["base · households_per_grid=250", "one officer · households_per_grid=250"],
        ["base · households_per_grid=500", "one officer · households_per_grid=500"],
    ]
    assert len(exp.tasks(range(2))) == 4 * 2  # four distinct designs
    ran = []

    class Counting(SerialExecutor):
        def run(self, tasks):
            ran.extend(t.key for t in tasks)
            return super().run(tasks)

    ws = Workspace("same", store=tree / "ws")
    result = exp.run(ws, Counting(), progress=False)
    assert len(ran) == len(set(ran)) == 4 * 2
    assert len(ws.list_runs(exp.name)) == 4 * 2
    # every named variant is in the comparison; an alias of the baseline differs by exactly 0
    assert set(result.table["variant"]) == {v.name for v in exp.variants}
    assert result.runs.groupby("variant").size().to_dict() == {v.name: 2 for v in exp.variants}
    alias = result.table[result.table["variant"] == "one officer · households_per_grid=250"]
    assert (alias["diff"] == 0).all() and (alias["n_pairs"] == 2).all()
    assert set(result.records) == {v.name for v in exp.variants}
    assert len(result.records["one officer · households_per_grid=500"]) == 2
    ran.clear()
    exp.run(ws, Counting(), progress=False)
    assert ran == []


# -- where `base` may lie -------------------------------------------------------------


def _escape(tree: Path, kind: str) -> str:
    """Make the escape of one kind and return the ``base`` that names it."""
    scenarios = tree / "scenarios"
    if kind == "absolute":
        return str(tree / "outside" / "small.toml")
    if kind == "dotdot":
        return "../outside/small.toml"
    if kind == "symlink-out":
        (scenarios / "linked.toml").symlink_to(tree / "outside" / "small.toml")
        return "linked.toml"
    if kind == "symlink-device":
        (scenarios / "zero.toml").symlink_to("/dev/zero")
        return "zero.toml"
    if kind == "fifo":
        os.mkfifo(scenarios / "pipe.toml")
        return "pipe.toml"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("absolute", "is an absolute path"),
        ("dotdot", "leads outside the scenario root"),
        ("symlink-out", "through a symbolic link"),
        ("symlink-device", "leads outside the scenario root"),
        ("fifo", "not a regular file"),
    ],
)
def test_base_outside_the_scenario_root_is_exit_2_naming_file_and_key(tree, kind, says):
    base = _escape(tree, kind)
    write(tree, f'name = "x"\nbase = "{base}"\n[[variants]]\nname = "a"\n')
    proc = gridsim("validate", "scenarios/exp.toml", cwd=tree, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("scenarios/exp.toml: base: ")
    assert says in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_a_project_folder_outside_the_tree_uses_the_shipped_baseline_by_naming_the_root(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shipped = REPO / "scenarios" / "yuelu-2013.toml"
    base = os.path.relpath(shipped, project)
    (project / "exp.toml").write_text(
        f'name = "p"\nbase = "{base}"\n[[variants]]\nname = "Yuelu"\n'
        '[[variants]]\nname = "big grids"\nchanges = { "grids.households_per_grid" = 500 }\n'
    )
    refused = gridsim("validate", "exp.toml", cwd=project)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"exp.toml: base: '{base}' leads outside the scenario root ({project}) with '..'; "
        "keep it inside, or name another root with --scenario-root or GRIDSIM_SCENARIO_ROOT"
    ]
    named = gridsim(
        "validate", "exp.toml", cwd=project, env={"GRIDSIM_SCENARIO_ROOT": str(REPO / "scenarios")}
    )
    assert named.returncode == 0, named.stderr
    assert named.stdout.strip() == "ok: exp.toml"
    # the same in Python, with the root named
    exp = Experiment.from_file(project / "exp.toml", roots=[REPO / "scenarios"])
    assert exp.base.district.communities == 166
    assert [v.name for v in exp.variants] == ["Yuelu", "big grids"]


def test_from_dict_resolves_base_in_its_root_and_the_roots_named(tree):
    data = {"name": "d", "base": "small.toml", "variants": [{"name": "a"}]}
    assert Experiment.from_dict(data, root=tree / "scenarios").base.name == "small"
    outside = {**data, "base": "../outside/small.toml"}
    with pytest.raises(ExperimentError) as info:
        Experiment.from_dict(outside, root=tree / "scenarios", source="nb")
    assert info.value.problems[0].startswith("nb: base: '../outside/small.toml' leads outside")
    exp = Experiment.from_dict(outside, root=tree / "scenarios", roots=[tree / "outside"])
    assert exp.base.district.households == 12000
    # ExperimentError is a ScenarioError is an InputError: the command line's exit 2
    from gridsim.fileio import InputError

    assert issubclass(ExperimentError, ScenarioError) and issubclass(ScenarioError, InputError)


# -- the experiment file itself -------------------------------------------------------


def test_an_experiment_file_that_is_a_fifo_is_refused_without_blocking(tree):
    fifo = tree / "scenarios" / "exp.toml"
    os.mkfifo(fifo)
    code = (
        "import sys\nfrom gridsim.experiments import Experiment, ExperimentError\n"
        "try:\n    Experiment.from_file(sys.argv[1])\n"
        "except ExperimentError as exc:\n    print(exc.problems[0])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tree,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "scenarios/exp.toml: not a regular file (a FIFO, device or socket is never read)"
    )


def test_a_huge_experiment_file_is_refused(tree):
    text = STAFFING + "# " + "x" * (1 << 20) + "\n"  # past gridsim.fileio.MAX_TOML_BYTES
    path = write(tree, text)
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(path)
    assert len(info.value.problems) == 1
    assert "is larger than the 1,048,576 bytes gridsim reads" in info.value.problems[0]


def test_deeply_nested_experiment_file_is_a_clear_error_not_a_crash(tree):
    depth = 5000
    path = write(tree, 'name = "x"\nbase = "small.toml"\nvary = ' + "[" * depth + "]" * depth)
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith("exp.toml: arrays or tables nested too deeply to read")


def test_an_experiment_of_too_many_designs_is_refused_before_building_them(tree):
    # 3 variants × 4,000 combinations: 12,000 designs, past MAX_DESIGNS (10,000)
    sizes = ", ".join(str(n) for n in range(200, 4200))
    text = STAFFING.replace("[250, 500]", f"[{sizes}]")
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(write(tree, text))
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith(
        "exp.toml: vary: 3 variants × 4,000 combinations make 12,000 designs in all, more than "
        "the 10,000 an experiment may have; split it into several experiments"
    )
    huge = STAFFING + (
        '[design]\nmethod = "sobol"\nsamples = 1_000_000_000\n'
        'parameters = { "households.latent_issues_per_year" = [0.2, 0.5] }\n'
    )
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(write(tree, huge))
    assert info.value.problems[0].endswith(
        "exp.toml: design.samples: 3,000,000,000 sobol points make 3,000,000,006 designs in all, "
        "more than the 10,000 an experiment may have; split it into several experiments"
    )


def test_the_roots_named_for_an_experiment_also_hold_its_bases_extends(tmp_path):
    """A base in one named root may extend a file in another: the roots pass through."""
    for folder in ("project", "lib", "common"):
        (tmp_path / folder).mkdir()
    (tmp_path / "common" / "small.toml").write_text(SMALL)
    (tmp_path / "lib" / "bigger.toml").write_text(
        'extends = "../common/small.toml"\n[district]\nhouseholds = 15000\n'
    )
    exp_file = tmp_path / "project" / "exp.toml"
    exp_file.write_text('name = "p"\nbase = "../lib/bigger.toml"\n[[variants]]\nname = "a"\n')
    exp = Experiment.from_file(exp_file, roots=[tmp_path / "lib", tmp_path / "common"])
    assert exp.base.district.households == 15000 and exp.base.district.communities == 30
    with pytest.raises(ScenarioError) as info:
        Experiment.from_file(exp_file, roots=[tmp_path / "lib"])
    assert len(info.value.problems) == 1
    assert "bigger.toml: extends: '../common/small.toml' leads outside" in info.value.problems[0]
