"""The results store on SQLite: real files, real concurrent processes, no mocks."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridsim
from gridsim.fingerprint import model_fingerprint
from gridsim.model.kpis import RunResult
from gridsim.store import (
    EncodedRun,
    InvalidTenantError,
    JsonText,
    RunKey,
    Store,
    StoreBusyError,
    StoreNotPrivateError,
    TenantMismatchError,
    encode_result,
    json_text,
    run_key,
    validate_tenant,
)
from gridsim.store.workspace import Workspace, create_tenant, default_root

TINY = {
    "district.communities": 4,
    "district.households": 2000,
    "district.streets": 2,
    "simulation.days": 30,
}
"""A district small enough to run in a few hundredths of a second."""


@pytest.fixture(scope="module")
def tiny() -> gridsim.Scenario:
    return gridsim.default_scenario().with_changes({**TINY, "name": "tiny"})


@pytest.fixture(scope="module")
def tiny_result(tiny: gridsim.Scenario) -> RunResult:
    return gridsim.run_scenario(tiny, replication=0)


def replicate(result: RunResult, replication: int) -> RunResult:
    """The same payload filed under another replication (cheap stand-in runs)."""
    return dataclasses.replace(result, replication=replication)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    with Workspace("alpha", store=tmp_path / "ws") as workspace:
        yield workspace


def raw(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_write_and_read_back(ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult) -> None:
    assert ws.write_run("grid-size", tiny, tiny_result) is True
    runs = ws.load_runs("grid-size")
    assert len(runs) == 1
    rec = runs[0]
    assert rec.key == run_key(tiny, 0) == RunKey(tiny.content_hash(), 0, model_fingerprint())
    assert (rec.experiment, rec.scenario_name, rec.seed) == ("grid-size", "tiny", 2013)
    assert rec.gridsim_version == gridsim.__version__
    assert rec.scenario == tiny.to_dict()
    assert rec.wall_seconds == pytest.approx(tiny_result.wall_seconds)
    assert rec.created_at.tzinfo is not None
    assert rec.kpis.keys() == tiny_result.kpis.keys()
    for name, value in tiny_result.kpis.items():
        assert rec.kpis[name] == pytest.approx(value, nan_ok=True), name
    pd.testing.assert_frame_equal(rec.daily, tiny_result.daily, check_dtype=False)
    pd.testing.assert_frame_equal(rec.grids, tiny_result.grids, check_dtype=False)
    back = rec.to_result()
    assert (back.scenario, back.seed, back.replication) == ("tiny", 2013, 0)

    table = ws.list_runs()
    assert list(table.columns[:9]) == [
        "experiment",
        "scenario_hash",
        "replication",
        "model_version",
        "scenario_name",
        "seed",
        "gridsim_version",
        "wall_seconds",
        "created_at",
    ]
    assert list(table.columns[9:]) == list(gridsim.KPI_NAMES)
    assert len(table) == 1
    assert table.loc[0, "issues_collected"] == tiny_result.kpis["issues_collected"]
    assert ws.list_runs("other").empty


def test_experiments_saved_listed_and_deleted(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    ws.save_experiment("b-exp", {"replications": 3, "note": "网格"})
    ws.write_run("a-exp", tiny, tiny_result)  # creates "a-exp" with an empty spec
    first = ws.get_experiment("b-exp")
    assert first is not None and first["spec"] == {"replications": 3, "note": "网格"}
    time.sleep(0.01)
    ws.save_experiment("b-exp", {"replications": 5})
    again = ws.get_experiment("b-exp")
    assert again is not None and again["spec"] == {"replications": 5}
    assert again["created_at"] == first["created_at"] < again["updated_at"]
    table = ws.list_experiments()
    assert list(table["name"]) == ["a-exp", "b-exp"]
    assert list(table["runs"]) == [1, 0]
    assert table.loc[0, "spec"] == {}
    assert ws.delete_experiment("a-exp") == 1
    assert list(ws.list_experiments()["name"]) == ["b-exp"]
    assert ws.list_runs().empty
    assert ws.get_experiment("nope") is None


def test_same_key_twice_keeps_one_row(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    assert ws.write_run("e", tiny, tiny_result) is True
    changed = dataclasses.replace(tiny_result, kpis={**tiny_result.kpis, "cost": -1.0})
    assert ws.write_run("e", tiny, changed) is False  # already there: reported, not replaced
    assert len(ws.list_runs("e")) == 1
    assert ws.load_runs("e")[0].kpis["cost"] == tiny_result.kpis["cost"]
    # Another model version or experiment is another key.
    assert ws.write_run("e", tiny, tiny_result, model_version="0.2.0") is True
    assert ws.write_run("f", tiny, tiny_result) is True
    assert len(ws.list_runs()) == 3
    with raw(ws.location) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)


def test_existing_and_missing_keys_after_partial_write(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    other = tiny.with_changes({"grids.households_per_grid": 500})
    wanted = [run_key(s, r) for s in (tiny, other) for r in range(3)]
    assert ws.missing("e", wanted) == wanted
    assert ws.existing_keys("e") == set()
    for r in (0, 2):  # "interrupted" after two of tiny's runs
        ws.write_run("e", tiny, replicate(tiny_result, r))
    assert ws.existing_keys("e") == {run_key(tiny, 0), run_key(tiny, 2)}
    assert ws.missing("e", wanted) == [run_key(tiny, 1), *wanted[3:]]
    assert ws.missing("e", [*wanted, *wanted]) == [run_key(tiny, 1), *wanted[3:]]
    assert ws.existing_keys("other-experiment") == set()


def test_result_must_match_scenario(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    with pytest.raises(ValueError, match="seed"):
        ws.write_run("e", tiny, dataclasses.replace(tiny_result, seed=7))
    with pytest.raises(ValueError, match="scenario"):
        ws.write_run("e", tiny, dataclasses.replace(tiny_result, scenario="other"))
    assert ws.list_runs().empty


def test_storage_is_json_text_only(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    kpis = {**tiny_result.kpis, "satisfaction": float("nan"), "cost": np.float64(np.inf)}
    grids = tiny_result.grids.copy()
    grids.loc[0, "on_time_rate"] = np.nan
    ws.write_run("e", tiny, dataclasses.replace(tiny_result, kpis=kpis, grids=grids))
    ws.save_experiment("e", {"replications": 1})
    with raw(ws.location) as con:
        for table in ("runs", "experiments", "gridsim_meta"):
            columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                kinds = {
                    k for (k,) in con.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")
                }
                assert kinds <= {"text", "integer", "real"}, (table, column, kinds)
        row = con.execute(
            "SELECT kpis, daily, grids, scenario, typeof(kpis), typeof(seed), "
            "typeof(wall_seconds) FROM runs"
        ).fetchone()
    kpis_text, daily_text, grids_text, scenario_text, *kinds = row
    assert kinds == ["text", "integer", "real"]
    for payload in (kpis_text, daily_text, grids_text, scenario_text):
        assert "NaN" not in payload and "Infinity" not in payload
    stored = json.loads(kpis_text)
    assert stored["satisfaction"] is None and stored["cost"] is None
    assert stored["issues_collected"] == tiny_result.kpis["issues_collected"]
    daily = json.loads(daily_text)
    assert list(daily) == ["day", "new", "closed", "open", "closed_after"]
    assert daily["open"] == tiny_result.daily["open"].tolist()
    grid_table = json.loads(grids_text)
    assert list(grid_table) == list(tiny_result.grids.columns)
    assert grid_table["on_time_rate"][0] is None
    assert json.loads(scenario_text) == tiny.to_dict()
    rec = ws.load_runs("e")[0]
    assert math.isnan(rec.kpis["satisfaction"]) and math.isnan(rec.kpis["cost"])
    assert math.isnan(rec.grids.loc[0, "on_time_rate"])


def _element_by_element(value: object) -> object:
    """The store's conversion, one element at a time (what columns used to go through)."""
    if isinstance(value, np.ndarray | pd.Series):
        return [_element_by_element(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {k: _element_by_element(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return None if value is pd.NA else value


def test_json_text_converts_columns_as_element_by_element() -> None:
    columns = {
        "f64": np.array([1.5, np.nan, np.inf, -np.inf, -0.0, 1e-300, 2.0]),
        "f32": np.array([0.1, np.nan, 3.0], dtype=np.float32),
        "i64": np.arange(5, dtype=np.int64) - 2,
        "u8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False]),
        "obj": np.array(["a", None, 1.5], dtype=object),
        "series": pd.Series([1.0, np.nan, 7.25]),
        "ints": pd.Series([3, 4]),
        "names": pd.Series(["Yuelu", "Tianxin"]),
        "nullable": pd.Series([1, None], dtype="Int64"),
    }
    text = json_text(columns)
    assert isinstance(text, JsonText)
    assert json.loads(text) == _element_by_element(columns)
    assert text == json.dumps(
        _element_by_element(columns), allow_nan=False, ensure_ascii=False, separators=(",", ":")
    )
    assert json_text(text) is text  # encoded once, never again


def test_write_runs_counts_new_rows_only(
    ws: Workspace, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    encoded = encode_result(tiny_result)

    def run(replication: int) -> EncodedRun:
        return EncodedRun(
            tiny.content_hash(), replication, tiny.name, 2013, json_text(tiny.to_dict()), encoded
        )

    assert ws.write_runs("e", []) == 0
    assert ws.write_runs("e", [run(0), run(1)]) == 2
    assert ws.write_runs("e", [run(1), run(2), run(2)]) == 1  # one transaction, stored keys kept
    assert sorted(k.replication for k in ws.existing_keys("e")) == [0, 1, 2]
    assert list(ws.list_experiments()["name"]) == ["e"]
    with pytest.raises(ValueError, match="JSON objects as text"):
        ws.write_runs("e", [run(3)._replace(scenario=tiny.to_dict())])  # type: ignore[arg-type]
    assert len(ws.list_runs("e")) == 3
    rec = ws.load_runs("e")[2]
    assert rec.key == run_key(tiny, 2)
    assert rec.scenario == tiny.to_dict()
    pd.testing.assert_frame_equal(rec.daily, tiny_result.daily)
    assert rec.kpis.keys() == tiny_result.kpis.keys()


def test_wal_mode_file_modes_and_location(
    tmp_path: Path, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    root = tmp_path / "root"
    old = os.umask(0o022)
    try:
        ws = Workspace("alpha", store=root)
        ws.write_run("e", tiny, tiny_result)
        path = root / "alpha.sqlite"
        assert Path(ws.location) == path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        for sidecar in (root / "alpha.sqlite-wal", root / "alpha.sqlite-shm"):
            if sidecar.exists():
                assert stat.S_IMODE(sidecar.stat().st_mode) & 0o077 == 0, sidecar
        with raw(path) as con:
            assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert dict(con.execute("SELECT key, value FROM gridsim_meta")) == {
                "tenant": "alpha",
                "schema_version": "1",
            }
        ws.close()
    finally:
        os.umask(old)
    path.chmod(0o644)  # loosened by hand: refused and left so, as ssh does with a key
    with pytest.raises(StoreNotPrivateError, match="mode 0644, which lets group and others"):
        Workspace("alpha", store=root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_default_root_follows_gridsim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIDSIM_HOME", raising=False)
    assert default_root() == Path(".gridsim")
    with Workspace("alpha") as ws:
        assert Path(ws.location) == tmp_path / ".gridsim" / "alpha.sqlite"
    monkeypatch.setenv("GRIDSIM_HOME", str(tmp_path / "home"))
    with Workspace("beta") as ws:
        assert Path(ws.location) == tmp_path / "home" / "beta.sqlite"


def test_writers_wait_for_the_lock_then_write(
    tmp_path: Path, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    Workspace("alpha", store=tmp_path).close()
    blocker = sqlite3.connect(
        tmp_path / "alpha.sqlite", isolation_level=None, check_same_thread=False
    )
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        with Workspace("alpha", store=tmp_path, busy_timeout=0.2) as impatient:
            started = time.monotonic()
            with pytest.raises(StoreBusyError, match="lock"):
                impatient.write_run("e", tiny, tiny_result)
            assert time.monotonic() - started >= 0.15  # it waited for the busy timeout
        release = threading.Timer(0.3, blocker.execute, args=("COMMIT",))
        release.start()
        with Workspace("alpha", store=tmp_path, busy_timeout=10) as patient:
            assert patient.write_run("e", tiny, tiny_result) is True
        release.join()
    finally:
        blocker.close()


def test_tenants_are_isolated(
    tmp_path: Path, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    with Workspace("alpha", store=tmp_path) as a, Workspace("beta", store=tmp_path) as b:
        assert a.location != b.location
        assert Path(a.location).name == "alpha.sqlite" and Path(b.location).name == "beta.sqlite"
        a.write_run("shared-name", tiny, tiny_result)
        a.save_experiment("alpha-only", {"x": 1})
        b.write_run("shared-name", tiny, replicate(tiny_result, 5))
        assert list(a.list_runs()["replication"]) == [0]
        assert list(b.list_runs()["replication"]) == [5]
        assert a.existing_keys("shared-name") == {run_key(tiny, 0)}
        assert "alpha-only" not in set(b.list_experiments()["name"])
        assert b.get_experiment("alpha-only") is None
    with raw(tmp_path / "beta.sqlite") as con:
        assert con.execute("SELECT DISTINCT tenant_id FROM runs").fetchall() == [("beta",)]
        assert con.execute("SELECT count(*) FROM experiments").fetchone() == (1,)
    # A store for alpha refuses beta's file, whichever way it is named.
    with pytest.raises(TenantMismatchError, match="belongs to tenant 'beta'"):
        Store(tmp_path / "beta.sqlite", "alpha")
    with pytest.raises(TenantMismatchError):
        Workspace("alpha", store=f"sqlite:///{tmp_path / 'beta.sqlite'}")
    with pytest.raises(TenantMismatchError):
        Workspace("alpha", store=tmp_path / "beta.sqlite")
    with Workspace("beta", store=tmp_path / "beta.sqlite") as b_again:
        assert list(b_again.list_runs()["replication"]) == [5]
    (tmp_path / "gamma.sqlite").symlink_to(tmp_path / "beta.sqlite")
    with pytest.raises(Exception, match="symbolic links"):
        Workspace("gamma", store=tmp_path)


@pytest.mark.parametrize(
    "name",
    ["", "a", "A", "Alpha", "1district", "_x", "ab-c", "ab c", "../etc", "a/b", "x" * 41,
     "public", "postgres", "gridsim_tenants", "pg_admin", "yuelu.sqlite", None, 7],
)  # fmt: skip
def test_bad_tenant_names_rejected(tmp_path: Path, name: object) -> None:
    with pytest.raises(InvalidTenantError) as caught:
        Workspace(name, store=tmp_path)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert "tenant name" in str(caught.value)
    with pytest.raises(ValueError):
        create_tenant(tmp_path, name)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["ab", "yuelu", "yuelu_2013", "d" + "x" * 39])
def test_good_tenant_names_accepted(name: str) -> None:
    assert validate_tenant(name) == name


def test_create_tenant_sqlite_is_idempotent(tmp_path: Path) -> None:
    info = create_tenant(tmp_path, "alpha")
    assert info.created and info.password is None
    assert Path(info.store) == tmp_path / "alpha.sqlite"
    assert stat.S_IMODE(Path(info.store).stat().st_mode) == 0o600
    again = create_tenant(tmp_path, "alpha")
    assert not again.created and again.store == info.store
    with pytest.raises(ValueError, match="no passwords"):
        create_tenant(tmp_path, "beta", password="secret")
    with Workspace("alpha", store=tmp_path) as ws:
        assert ws.list_experiments().empty


WRITER = textwrap.dedent(
    """
    import dataclasses, os, random, sys, time
    import gridsim
    from gridsim.store.workspace import Workspace

    root, first, last, order_seed, ready, go = sys.argv[1:7]
    scenario = gridsim.default_scenario().with_changes({tiny!r} | {{"name": "tiny"}})
    result = gridsim.run_scenario(scenario, replication=0)
    reps = list(range(int(first), int(last)))
    random.Random(int(order_seed)).shuffle(reps)
    ws = Workspace("alpha", store=root)
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    inserted = sum(
        ws.write_run("race", scenario, dataclasses.replace(result, replication=r)) for r in reps
    )
    print(inserted)
    """
).format(tiny=TINY)


def test_two_processes_write_one_workspace_at_once(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    go = tmp_path / "go"
    # Replications 0..199 and 100..299, each in its own shuffled order: 100 keys overlap.
    ranges = [(0, 200, 1), (100, 300, 2)]
    procs, ready = [], []
    for i, (first, last, seed) in enumerate(ranges):
        ready.append(tmp_path / f"ready{i}")
        args = [str(root), str(first), str(last), str(seed), str(ready[-1]), str(go)]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WRITER, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    deadline = time.monotonic() + 120
    while not all(p.exists() for p in ready):
        assert all(proc.poll() is None for proc in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "writers never got ready"
        time.sleep(0.01)
    go.touch()
    outputs = [proc.communicate(timeout=240) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert err.strip() == "", err
    inserted = [int(out) for out, _ in outputs]
    assert sum(inserted) == 300  # every overlapping key was written by exactly one process
    assert all(n >= 100 for n in inserted)
    with raw(root / "alpha.sqlite") as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (300,)
        reps = [r for (r,) in con.execute("SELECT replication FROM runs ORDER BY replication")]
        assert reps == list(range(300))
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Workspace("alpha", store=root) as ws:
        assert len(ws.existing_keys("race")) == 300
        assert len(ws.list_experiments()) == 1
