"""Experiments: spec validation, designs, paired comparisons, executors, resume."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.experiments import Experiment, ExperimentError, payload_result
from gridsim.experiments.executors import (
    ProcessExecutor,
    SerialExecutor,
    encode_payload,
    run_task,
    simulate,
)
from gridsim.experiments.statistics import compare, precision_met
from gridsim.store import EncodedResult, EncodedRun
from gridsim.workspace import Workspace
from gridsim_cli import gridsim as cli
from pg_server import free_port

SMALL = """
name = "small"
[district]
communities = 16
households = 6000
"""

EXPERIMENT = """
name = "small-exp"
base = "small.toml"
replications = 3
seed = 11
baseline = "base · households_per_grid=200"

[[variants]]
name = "base"

[[variants]]
name = "two officers"
changes = {{ "staff.information_officers_per_grid" = 2.0 }}

[vary]
"grids.households_per_grid" = [{sizes}]
"""


@pytest.fixture
def exp_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL)
    (folder / "exp.toml").write_text(EXPERIMENT.format(sizes="200, 500"))
    return tmp_path


# -- spec -------------------------------------------------------------------------


def test_variants_cross_with_the_factorial_with_baseline_first(exp_dir):
    exp = Experiment.from_file(exp_dir / "scenarios" / "exp.toml")
    names = [v.name for v in exp.variants]
    assert names == [
        "base · households_per_grid=200",
        "base · households_per_grid=500",
        "two officers · households_per_grid=200",
        "two officers · households_per_grid=500",
    ]
    assert exp.baseline.name == "base · households_per_grid=200"
    assert len({v.scenario_hash for v in exp.variants}) == 4
    # the experiment's seed is the seed of every variant
    assert {v.scenario.simulation.seed for v in exp.variants} == {11}


def test_full_factorial_crosses_every_factor(exp_dir):
    exp = Experiment.from_dict(
        {
            "name": "f",
            "base": "small.toml",
            "vary": {
                "grids.households_per_grid": [200, 300, 400],
                "cadres.posting": ["fixed", "rotation"],
            },
        },
        root=exp_dir / "scenarios",
    )
    assert len(exp.variants) == 6
    pairs = {
        (v.scenario.grids.households_per_grid, v.scenario.cadres.posting) for v in exp.variants
    }
    assert len(pairs) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'name = "x"\nbase = "small.toml"\n[vary]\n"grids.housholds_per_grid" = [1]\n',
            "exp.toml: vary: grids.housholds_per_grid: unknown key (did you mean "
            "'households_per_grid'?) (variant 'housholds_per_grid=1')",
        ),
        (
            'name = "x"\nbase = "small.toml"\n[vary]\n"grids.households_per_grid" = []\n',
            "exp.toml: vary.grids.households_per_grid: must list at least one value",
        ),
        (
            'name = "x"\nbase = "small.toml"\nreplications = 0\n[[variants]]\nname = "a"\n',
            "exp.toml: replications: must be > 0, got 0",
        ),
        (
            'name = "x"\nbase = "small.toml"\nbaseline = "zzz"\n[[variants]]\nname = "a"\n',
            "exp.toml: baseline: 'zzz' is not a variant (variants: 'a')",
        ),
        (
            'name = "x"\nbase = "small.toml"\n[[variants]]\nname = "a"\n'
            '[variants.changes]\n"deadlines.enabled" = false\n',
            "exp.toml: variants[0].changes: deadlines.escalation: escalation needs time limits "
            "(set deadlines.enabled = true or deadlines.escalation = false) (variant 'a')",
        ),
        (
            'name = "x"\nbase = "nope.toml"\n[[variants]]\nname = "a"\n',
            "exp.toml: base: scenario file 'nope.toml' not found",
        ),
        (
            'name = "x"\nbase = "small.toml"\nbogus = 1\n[[variants]]\nname = "a"\n',
            "exp.toml: bogus: unknown key",
        ),
    ],
    ids=[
        "unknown-path",
        "empty-values",
        "zero-replications",
        "baseline-missing",
        "dependent-levers",
        "missing-base",
        "unknown-key",
    ],
)
def test_bad_experiment_files_get_one_line_and_exit_2(exp_dir, text, message):
    path = exp_dir / "scenarios" / "bad" / "exp.toml"
    path.parent.mkdir()
    path.write_text(text.replace('"small.toml"', '"../small.toml"'))
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].endswith(message.replace("exp.toml: ", ""))
    proc = cli("compare", "scenarios/bad/exp.toml", cwd=exp_dir)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0] == f"scenarios/bad/{message}"
    assert "Traceback" not in proc.stderr


def test_validate_recognises_experiment_files(exp_dir):
    bad = exp_dir / "scenarios" / "bad.toml"
    bad.write_text('name = "x"\nbase = "small.toml"\nreplications = 0\n[[variants]]\nname = "a"\n')
    proc = cli("validate", "scenarios/exp.toml", "scenarios/bad.toml", cwd=exp_dir)
    assert proc.returncode == 2
    assert proc.stdout.strip() == "ok: scenarios/exp.toml"
    assert proc.stderr.strip() == "scenarios/bad.toml: replications: must be > 0, got 0"


def test_shipped_experiment_files_validate():
    root = Path(__file__).resolve().parents[1]
    files = sorted(str(p) for p in (root / "scenarios").glob("compare-*.toml"))
    assert files
    proc = cli("validate", *files, cwd=root)
    assert proc.returncode == 0, proc.stderr


# -- comparisons --------------------------------------------------------------------


def test_paired_difference_uses_replication_pairs():
    rng = np.random.default_rng(1)
    common = rng.normal(100, 20, size=8)  # shared noise (common random numbers)
    runs = pd.DataFrame(
        {
            "variant": ["a"] * 8 + ["b"] * 8,
            "replication": list(range(8)) * 2,
            "k": np.concatenate([common, common + 5 + rng.normal(0, 0.1, 8)]),
        }
    )
    table = compare(runs, "a", ["k"]).set_index("variant")
    b = table.loc["b"]
    assert b["diff"] == pytest.approx(5, abs=0.2)
    # the paired CI is far narrower than the spread of either mean
    assert b["diff_hi"] - b["diff_lo"] < 0.5
    assert b["ci95_hi"] - b["ci95_lo"] > 10
    assert table.loc["a", "diff"] == 0
    assert b["n_pairs"] == 8


def test_pairs_follow_replication_labels_not_row_order():
    """Rows in any order, a replication the baseline lacks, a variant listed twice."""
    runs = pd.DataFrame(
        {
            "variant": ["b", "a", "b", "a", "b", "a", "c", "c"],
            "replication": [2, 0, 0, 1, 3, 2, 1, 1],
            "k": [12.0, 1.0, 11.0, 2.0, 99.0, 3.0, 5.0, 7.0],
            "m": [1.0, np.nan, 2.0, 4.0, 3.0, 8.0, 0.0, 1.0],
        }
    )
    table = compare(runs, "a", ["k", "m"]).set_index(["variant", "kpi"])
    assert list(table.index.get_level_values("variant").unique()) == ["b", "a", "c"]
    b = table.loc[("b", "k")]
    assert b["n_pairs"] == 2 and b["n"] == 3  # replication 3 has no baseline partner
    assert b["diff"] == pytest.approx(((12 - 3) + (11 - 1)) / 2)
    assert b["mean"] == pytest.approx((12 + 11 + 99) / 3)
    assert table.loc[("b", "m"), "n"] == 3 and table.loc[("a", "m"), "n"] == 2
    assert table.loc[("b", "m"), "diff"] == pytest.approx(1 - 8)  # the NaN pair is dropped
    assert table.loc[("b", "m"), "diff_pct"] == pytest.approx(100 * (1 - 8) / 6)
    # "c" lists replication 1 twice: both rows are paired with the baseline's
    c = table.loc[("c", "k")]
    assert c["n_pairs"] == 1 and c["diff"] == pytest.approx(((5 - 2) + (7 - 2)) / 2)
    assert compare(runs, "missing", ["k"])["diff"].isna().all()


def test_precision_rule():
    runs = pd.DataFrame({"variant": ["a"] * 4, "replication": range(4), "k": [100.0, 101, 99, 100]})
    assert precision_met(runs, ["k"], 0.05)
    assert not precision_met(runs, ["k"], 0.001)


# -- executors ------------------------------------------------------------------------


def _tasks(exp_dir: Path):
    exp = Experiment.from_file(exp_dir / "scenarios" / "exp.toml")
    return exp.tasks(range(2))


def _by_key(pairs):
    """Payloads by run key, without the wall time (the only thing allowed to differ)."""
    return {
        task.key: {k: v for k, v in payload.items() if k != "wall_seconds"}
        for task, payload in pairs
    }


def test_serial_and_local_processes_give_identical_results(exp_dir):
    tasks = _tasks(exp_dir)
    serial = _by_key(SerialExecutor().run(tasks))
    procs = _by_key(ProcessExecutor(workers=2).run(tasks))
    assert serial.keys() == procs.keys() == {t.key for t in tasks}
    for key in serial:
        assert serial[key] == procs[key]


def test_workers_encode_exactly_what_the_store_would(exp_dir):
    """The worker-encoded row (what sweeps store) is the text ``write_run`` stores."""
    exp = Experiment.from_file(exp_dir / "scenarios" / "exp.toml")
    variant = exp.variants[1]
    plain = next(t for t in exp.tasks(range(2)) if t.variant == variant.name and t.replication)
    task = dataclasses.replace(plain, encode=True)
    payload = simulate(plain)
    encoded = run_task(task)
    assert isinstance(encoded, EncodedResult)
    # the driver's fallback for executors that return plain payloads agrees
    assert encode_payload(payload)[:3] == encoded[:3]
    assert encode_payload(encoded) is encoded
    ws = Workspace("enc", store=exp_dir / "ws")
    assert ws.write_run("old", variant.scenario, payload_result(variant, plain, payload))
    run = EncodedRun(
        task.scenario_hash,
        task.replication,
        variant.scenario.name,
        task.seed,
        variant.scenario_json,
        encoded,
    )
    assert ws.write_runs("new", [run]) == 1
    assert ws.write_runs("new", [run]) == 0  # already stored: kept, not replaced
    ws.close()
    columns = "scenario_hash, replication, model_version, scenario_name, seed, scenario, " + (
        "kpis, daily, grids"
    )
    with sqlite3.connect(exp_dir / "ws" / "enc.sqlite") as conn:
        old = conn.execute(f"SELECT {columns} FROM runs WHERE experiment = 'old'").fetchall()
        new = conn.execute(f"SELECT {columns} FROM runs WHERE experiment = 'new'").fetchall()
    assert len(old) == 1 and old == new


def test_serial_executor_thaws_what_it_froze(exp_dir):
    """Objects alive before a serial sweep are frozen for it (cheap collections), then thawed."""
    before = gc.get_freeze_count()
    runs = SerialExecutor().run(_tasks(exp_dir)[:2])
    next(runs)
    assert gc.get_freeze_count() > before
    runs.close()  # an abandoned sweep thaws too
    assert gc.get_freeze_count() <= before


def test_serial_and_local_processes_encode_identically(exp_dir):
    tasks = [dataclasses.replace(t, encode=True) for t in _tasks(exp_dir)]
    serial = {t.key: p[:3] for t, p in SerialExecutor().run(tasks)}
    procs = {t.key: p[:3] for t, p in ProcessExecutor(workers=2).run(tasks)}
    assert serial == procs and len(serial) == len(tasks)


def test_dask_local_cluster_gives_identical_results(exp_dir):
    distributed = pytest.importorskip("distributed")
    from gridsim.experiments.executors import DaskExecutor

    tasks = _tasks(exp_dir)
    serial = _by_key(SerialExecutor().run(tasks))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = _by_key(DaskExecutor(client).run(tasks))
    assert dask == serial


@pytest.fixture
def dask_scheduler():
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    pytest.importorskip("distributed")
    dask_bin = str(Path(sys.executable).parent / "dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [
        subprocess.Popen(
            [dask_bin, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask_bin,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_real_scheduler_cli_matches_local_processes(exp_dir, dask_scheduler):
    local = cli(
        "compare",
        "scenarios/exp.toml",
        "--workers",
        "2",
        "--store",
        "ws-local",
        "--json",
        cwd=exp_dir,
    )
    assert local.returncode == 0, local.stderr
    dask = cli(
        "compare",
        "scenarios/exp.toml",
        "--dask",
        dask_scheduler,
        "--store",
        "ws-dask",
        "--json",
        cwd=exp_dir,
    )
    assert dask.returncode == 0, dask.stderr
    a, b = json.loads(local.stdout), json.loads(dask.stdout)
    assert a["comparison"] == b["comparison"]
    assert a["replications"] == 3
    diffs = {(r["variant"], r["kpi"]): r for r in a["comparison"]}
    row = diffs[("two officers · households_per_grid=200", "issues_collected")]
    assert row["diff"] > 0 and row["diff_lo"] <= row["diff"] <= row["diff_hi"]


# -- store, resume --------------------------------------------------------------------


def test_rerun_computes_nothing_and_keeps_one_row_per_run(exp_dir):
    exp = Experiment.from_file(exp_dir / "scenarios" / "exp.toml")
    ws = Workspace("district_a", store=exp_dir / "ws")
    first = exp.run(ws, SerialExecutor(), progress=False)
    rows = ws.list_runs(exp.name)
    assert len(rows) == 4 * 3
    calls = []

    class Spy(SerialExecutor):
        def run(self, tasks):
            calls.extend(tasks)
            return super().run(tasks)

    second = exp.run(ws, Spy(), progress=False)
    assert calls == []
    pd.testing.assert_frame_equal(first.table, second.table)
    assert len(ws.list_runs(exp.name)) == 12
    # another tenant sees nothing
    other = Workspace("district_b", store=exp_dir / "ws")
    assert len(other.list_runs(exp.name)) == 0


def test_precision_adds_replications_up_to_the_cap(exp_dir):
    path = exp_dir / "scenarios" / "prec.toml"
    path.write_text(
        'name = "prec"\nbase = "small.toml"\nreplications = 2\nmax_replications = 5\n'
        'kpis = ["issues_collected", "backlog_end"]\n[[variants]]\nname = "base"\n'
    )
    exp = Experiment.from_file(path)
    ws = Workspace("prec", store=exp_dir / "ws")
    loose = exp.run(ws, SerialExecutor(), precision=10.0, progress=False)
    assert loose.runs["replication"].nunique() == 2
    tight = exp.run(ws, SerialExecutor(), precision=1e-6, progress=False)
    assert tight.runs["replication"].nunique() == 5  # capped


def _count_rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_sweep_resumes_without_loss_or_duplicates(exp_dir):
    (exp_dir / "scenarios" / "exp.toml").write_text(
        EXPERIMENT.format(sizes="200, 300, 500").replace("replications = 3", "replications = 4")
    )
    expected_rows = 2 * 3 * 4
    args = ["compare", "scenarios/exp.toml", "--workers", "2", "--json", "--no-progress"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridsim.cli", *args, "--store", "ws-killed"],
        cwd=exp_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    db = exp_dir / "ws-killed" / "default.sqlite"
    deadline = time.monotonic() + 240
    while _count_rows(db) < 5:
        assert proc.poll() is None, "sweep finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _count_rows(db)
    assert 5 <= partial < expected_rows
    resumed = cli(*args, "--store", "ws-killed", cwd=exp_dir)
    assert resumed.returncode == 0, resumed.stderr
    clean = cli(*args, "--store", "ws-clean", cwd=exp_dir)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(resumed.stdout)["comparison"] == json.loads(clean.stdout)["comparison"]
    with sqlite3.connect(db) as conn:
        total = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT scenario_hash, replication FROM runs)"
        ).fetchone()[0]
    assert total == distinct == expected_rows


def test_payload_is_plain_json(exp_dir):
    task = _tasks(exp_dir)[0]
    payload = simulate(task)
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


# -- designs --------------------------------------------------------------------------


def test_latin_hypercube_design_spans_its_ranges(exp_dir):
    exp = Experiment.from_dict(
        {
            "name": "lhs",
            "base": "small.toml",
            "design": {
                "method": "lhs",
                "samples": 6,
                "parameters": {"households.latent_issues_per_year": [0.2, 0.5]},
            },
        },
        root=exp_dir / "scenarios",
    )
    values = sorted(v.scenario.households.latent_issues_per_year for v in exp.variants)
    assert len(values) == 6
    assert 0.2 <= values[0] < 0.25 and 0.45 < values[-1] <= 0.5
    # one point per stratum
    strata = np.floor((np.array(values) - 0.2) / 0.05).astype(int)
    assert sorted(strata) == list(range(6))


def test_morris_design_yields_sensitivity_indices(exp_dir):
    exp = Experiment.from_dict(
        {
            "name": "morris",
            "base": "small.toml",
            "replications": 1,
            "design": {
                "method": "morris",
                "samples": 2,
                "parameters": {
                    "households.latent_issues_per_year": [0.2, 0.5],
                    "handle.congestion_slowdown": [0.0, 0.2],
                },
            },
            "kpis": ["issues_collected"],
        },
        root=exp_dir / "scenarios",
    )
    assert len(exp.variants) == 2 * (2 + 1)
    result = exp.run(Workspace("morris", store=exp_dir / "ws"), SerialExecutor(), progress=False)
    sens = result.sensitivity("issues_collected").set_index("parameter")
    # the latent issue rate drives collection; the congestion slowdown does not
    assert (
        sens.loc["households.latent_issues_per_year", "mu_star"]
        > 5 * sens.loc["handle.congestion_slowdown", "mu_star"]
    )


def test_sobol_design_yields_first_and_total_order_indices(exp_dir):
    exp = Experiment.from_dict(
        {
            "name": "sobol",
            "base": "small.toml",
            "replications": 1,
            "design": {
                "method": "sobol",
                "samples": 4,
                "parameters": {
                    "households.latent_issues_per_year": [0.2, 0.5],
                    "handle.congestion_slowdown": [0.0, 0.2],
                },
            },
            "kpis": ["issues_collected"],
        },
        root=exp_dir / "scenarios",
    )
    assert len(exp.variants) == 4 * (2 + 2)  # Saltelli N(D+2) without second order
    result = exp.run(Workspace("sobol", store=exp_dir / "ws"), SerialExecutor(), progress=False)
    sens = result.sensitivity("issues_collected")
    assert list(sens.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    st = sens.set_index("parameter")["ST"]
    assert st["households.latent_issues_per_year"] > st["handle.congestion_slowdown"]


def test_tenant_create_cli_sets_up_a_private_sqlite_file(tmp_path):
    store = tmp_path / "deploy"
    proc = cli("tenant", "create", "changsha_yuelu", "--store", str(store), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    db = store / "changsha_yuelu.sqlite"
    assert db.exists() and (db.stat().st_mode & 0o777) == 0o600
    again = cli("tenant", "create", "changsha_yuelu", "--store", str(store), cwd=tmp_path)
    assert again.returncode == 0
    bad = cli("tenant", "create", "Bad Name!", "--store", str(store), cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("gridsim: invalid tenant name 'Bad Name!'")
    listed = cli("runs", "list", "--tenant", "changsha_yuelu", "--store", str(store), cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.strip() == "no runs"
