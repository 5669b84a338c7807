"""Issue 9, across commands: the commands that run experiments check what they run.

``compare``, ``report`` and ``calibrate`` take ``--scenario-root`` like
``validate``, say which designs are the same, refuse a sweep whose workers would
not fit in memory together before building anything, and a worker that runs
another model refuses a task instead of filing its result under the wrong key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gridsim.estimate import estimate_run, format_bytes
from gridsim.experiments import Experiment, ModelMismatchError, SerialExecutor, run_task
from gridsim.fileio import InputError
from gridsim.store import current_model_version
from gridsim_cli import gridsim

REPO = Path(__file__).resolve().parents[1]

TINY = """
name = "tiny"
[simulation]
days = 10
[district]
communities = 10
households = 3000
"""

EXPERIMENT = """
name = "tiny-sizes"
base = "{base}"
replications = 1
seed = 3

[[variants]]
name = "base"

[[variants]]
name = "also base"
changes = {{ "grids.households_per_grid" = 329.7 }}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder outside any scenarios tree; its base lies in ``tmp/shared``."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "tiny.toml").write_text(TINY)
    project = tmp_path / "project"
    project.mkdir()
    (project / "exp.toml").write_text(EXPERIMENT.format(base="../shared/tiny.toml"))
    return project


def test_compare_and_report_take_the_scenario_root_and_name_same_designs(project):
    refused = gridsim("compare", "exp.toml", "--workers", "1", "--no-progress", cwd=project)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("exp.toml: base: '../shared/tiny.toml' leads outside")

    root = str(project.parent / "shared")
    ran = gridsim(
        "compare", "exp.toml", "--workers", "1", "--no-progress", "--store", "ws",
        "--scenario-root", root, cwd=project,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "variants 'base' (the baseline) and 'also base' are the same design" in ran.stderr
    assert "tiny-sizes — 2 variants × 1 replications" in ran.stdout

    out = project / "report"
    written = gridsim(
        "report", "exp.toml", "--store", "ws", "--out", str(out), "--no-progress",
        "--scenario-root", root, cwd=project,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert (out / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_a_sweep_whose_workers_do_not_fit_together_is_refused_before_running(project):
    exp = Experiment.from_file(project / "exp.toml", roots=[project.parent / "shared"])
    one = estimate_run(exp.baseline.scenario).memory_bytes
    limit = int(one * 1.5)  # one run fits, two at once do not
    env = {"GRIDSIM_MAX_MEMORY": str(limit), "GRIDSIM_SCENARIO_ROOT": str(project.parent)}
    serial = ["--store", "ws", "--no-progress"]
    two = gridsim("compare", "exp.toml", "--workers", "2", *serial, cwd=project, env=env)
    assert two.returncode == 2, two.stderr
    last = two.stderr.strip().splitlines()[-1]
    assert last.startswith("exp.toml: variant 'base': ")
    assert f"2 worker processes at once need {format_bytes(2 * one)}" in last
    assert "use fewer --workers" in last and "Traceback" not in two.stderr
    assert not (project / "ws").exists()  # refused before a store was made
    one_worker = gridsim("compare", "exp.toml", "--workers", "1", *serial, cwd=project, env=env)
    assert one_worker.returncode == 0, one_worker.stderr


def test_calibrate_refuses_a_scenario_that_does_not_fit(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    proc = gridsim(
        "calibrate", "scenarios/tiny.toml", cwd=tmp_path, env={"GRIDSIM_MAX_MEMORY": "10MB"}
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("scenarios/tiny.toml: ")
    assert "more than the 10 MB of GRIDSIM_MAX_MEMORY" in proc.stderr


def _tiny_experiment() -> Experiment:
    import tempfile

    root = Path(tempfile.mkdtemp()) / "scenarios"
    root.mkdir()
    (root / "tiny.toml").write_text(TINY)
    data = {"name": "m", "base": "tiny.toml", "replications": 1, "variants": [{"name": "a"}]}
    return Experiment.from_dict(data, root=root)


def test_tasks_bound_for_the_store_carry_the_model_and_a_worker_of_another_refuses():
    exp = _tiny_experiment()
    assert exp.tasks(range(1), encode=True)[0].model == current_model_version()
    assert exp.tasks(range(1))[0].model is None  # plain results are not filed under a key
    task = exp.tasks(range(1), encode=True)[0]
    run_task(task)  # the same model: runs
    other = dataclasses.replace(task, model="0" * 64)
    with pytest.raises(ModelMismatchError, match="runs another gridsim model") as err:
        list(SerialExecutor().run([other]))
    assert isinstance(err.value, InputError)  # exit 2 on the command line
    assert "install the same gridsim on the workers" in str(err.value)


def test_another_joblib_call_does_not_restart_the_sweep_workers():
    """Workers follow their driver from their first task, not from a pool initializer:
    loky restarts its reusable pool for a call that names another initializer, so
    any other joblib call in the process would cost the next sweep a cold start."""
    import psutil
    from joblib import Parallel, delayed

    from gridsim.experiments.executors import ProcessExecutor

    tasks = _tiny_experiment().tasks(range(2))
    executor = ProcessExecutor(2)
    me = psutil.Process()

    def workers() -> set[int]:
        return {p.pid for p in me.children(recursive=True) if "python" in p.name().lower()}

    assert len(list(executor.run(tasks))) == len(tasks)
    before = workers()
    Parallel(n_jobs=2, backend="loky")(delayed(abs)(-i) for i in range(4))  # another joblib user
    assert len(list(executor.run(tasks))) == len(tasks)
    assert before and workers() == before
