"""Issue 9, points 3, 6 and 9: stored runs keyed by the model, store files left alone, exit codes.

Each test fails on the code before the issue (commit 471dbaa):

* point 3, model fingerprint: runs were keyed by ``gridsim.__version__``, so
  a changed model was served the old model's runs, and numba's cache was
  keyed by the defining file only (a changed code in ``cases.py`` was served
  stale machine code);
* point 6, store files: ``--store FILE`` chmod-ed any file, converted empty
  files and other SQLite databases into stores, read-only commands created
  stores for mistyped tenants, a corrupt store was an "internal error";
* point 9, exit codes: an unreachable PostgreSQL or Dask address, a tenant
  mismatch, a full disk and a malformed URL were "internal error" (exit 1) or
  "invalid literal for int()".

The command line is run in-process through :func:`gridsim.cli.main` (its
exit code and stderr, exactly as the ``gridsim`` script reports them), which
lets a test simulate a full disk or shorten the Dask timeout.
"""

from __future__ import annotations

import ast
import dataclasses
import errno
import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

import gridsim
from gridsim.model.kpis import RunResult
from gridsim.store import Store, StoreError, StoreNotPrivateError, TenantMismatchError, run_key
from gridsim.store.workspace import Workspace

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "gridsim"

TINY = {
    "district.communities": 4,
    "district.households": 2000,
    "district.streets": 2,
    "simulation.days": 30,
}

EXPERIMENT = """\
name = "tiny-exp"
base = "yuelu-2013.toml"
replications = 2
baseline = "base"

[[variants]]
name = "base"

[variants.changes]
"district.communities" = 4
"district.households" = 2000
"district.streets" = 2
"simulation.days" = 30
"""


@pytest.fixture(scope="module")
def tiny() -> gridsim.Scenario:
    return gridsim.default_scenario().with_changes({**TINY, "name": "tiny"})


@pytest.fixture(scope="module")
def tiny_result(tiny: gridsim.Scenario) -> RunResult:
    return gridsim.run_scenario(tiny, replication=0)


@pytest.fixture
def experiment_file(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "yuelu-2013.toml", folder / "yuelu-2013.toml")
    path = folder / "tiny-exp.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


def gridsim_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run ``gridsim ARGS`` through the script's entry point: (exit code, stdout, stderr)."""
    from gridsim.cli import main

    monkeypatch.setattr(sys, "argv", ["gridsim", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *needles: str) -> None:
    """Exit 2, one line on stderr, no traceback or 'internal error', each needle in it."""
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: mode and bytes."""
    return {
        str(p.relative_to(folder)): (stat.S_IMODE(p.lstat().st_mode), p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- point 3: model fingerprint ---------------------------------------------------


def test_changed_fingerprint_is_not_served_old_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tiny: gridsim.Scenario,
    tiny_result: RunResult,
) -> None:
    from gridsim import fingerprint

    current = fingerprint.model_fingerprint()
    with Workspace("alpha", store=tmp_path) as ws:
        assert ws.write_run("e", tiny, tiny_result) is True
        assert ws.missing("e", [run_key(tiny, 0)]) == []
        monkeypatch.setattr(fingerprint, "model_fingerprint", lambda: "0" * 64)
        key = run_key(tiny, 0)
        assert key.model_version == "0" * 64
        assert ws.missing("e", [key]) == [key]  # the old model's run is not served
        assert ws.write_run("e", tiny, tiny_result) is True  # stored beside it, not over it
        assert sorted(ws.list_runs("e")["model_version"]) == sorted(["0" * 64, current])


def test_experiment_reruns_under_a_new_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, experiment_file: Path
) -> None:
    from gridsim import fingerprint
    from gridsim.experiments import SerialExecutor

    exp = gridsim.Experiment.from_file(experiment_file)
    with Workspace("alpha", store=tmp_path / "ws") as ws:
        first = exp.run(ws, SerialExecutor(), progress=False)
        assert len(first.runs) == 2
        again = exp.run(ws, SerialExecutor(), progress=False)  # same model: nothing recomputed
        assert len(ws.list_runs(exp.name)) == 2 and len(again.runs) == 2
        monkeypatch.setattr(fingerprint, "model_fingerprint", lambda: "f" * 64)
        changed = exp.run(ws, SerialExecutor(), progress=False)
        stored = ws.list_runs(exp.name)
        assert len(stored) == 4  # computed again; the old model's runs are kept, not served
        assert (stored["model_version"] == "f" * 64).sum() == 2
        assert len(changed.runs) == 2
        assert all(r.model_version == "f" * 64 for rs in changed.records.values() for r in rs)


def _copy_sources(tmp_path: Path) -> Path:
    copy = tmp_path / "gridsim"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_fingerprints_follow_the_sources_that_determine_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridsim import fingerprint, sources
    from gridsim.kernel import jit

    copy = _copy_sources(tmp_path)
    monkeypatch.setattr(sources, "PACKAGE_DIR", copy)
    model = fingerprint.model_fingerprint.__wrapped__
    kernel = jit.kernel_fingerprint.__wrapped__
    base_model, base_kernel = model(), kernel()
    assert base_model == fingerprint.model_fingerprint()  # the same bytes, the same hash
    assert len(base_model) == 64 and fingerprint.short(base_model) == base_model[:12]

    report = copy / "report.py"  # presentation only: no new fingerprint
    report.write_text(report.read_text(encoding="utf-8") + "\n# wording\n", encoding="utf-8")
    assert (model(), kernel()) == (base_model, base_kernel)

    mechanisms = copy / "mechanisms" / "assign.py"  # the model, not the kernel
    original = mechanisms.read_bytes()
    mechanisms.write_bytes(original + b"\n# changed\n")
    assert model() != base_model and kernel() == base_kernel
    mechanisms.write_bytes(original)

    registry = copy / "mechanisms" / "registry.py"  # the mechanisms' codes: both change
    original = registry.read_bytes()
    registry.write_bytes(original + b"\n# changed\n")
    assert model() != base_model and kernel() != base_kernel
    registry.write_bytes(original)

    cases = copy / "kernel" / "codes.py"  # a code numba freezes into the kernel: both change
    text = cases.read_text(encoding="utf-8")
    tiers = "GRID, COMMUNITY, STREET, DISTRICT = "
    assert f"{tiers}range(4)" in text
    cases.write_text(text.replace(f"{tiers}range(4)", f"{tiers}1, 0, 2, 3"), encoding="utf-8")
    assert model() != base_model and kernel() != base_kernel


def test_fingerprint_module_lists_are_closed_under_imports() -> None:
    from gridsim import fingerprint
    from gridsim.kernel import jit
    from gridsim.sources import source_files

    def is_module(name: str) -> bool:
        return (SRC / f"{name}.py").exists() or (SRC / name / "__init__.py").exists()

    def text(module: str) -> str:  # a module's source, or all of a package's
        return "\n".join(p.read_text(encoding="utf-8") for p in source_files(module))

    def covered(module: str, listed: set[str]) -> bool:  # "mechanisms" covers its modules
        return any(module == m or module.startswith(f"{m}/") for m in listed)

    def gridsim_imports(module: str, *, top_level_only: bool) -> set[str]:
        found: set[str] = set()  # as named in the lists: "kernel/codes", "mechanisms/registry"
        for path in source_files(module):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            nodes = tree.body if top_level_only else list(ast.walk(tree))
            for node in nodes:
                if isinstance(node, ast.ImportFrom) and node.module:
                    if node.module == "gridsim":
                        found |= {a.name for a in node.names if is_module(a.name)}
                    elif node.module.startswith("gridsim."):
                        found.add("/".join(node.module.split(".")[1:]))
        return found

    model = set(fingerprint.MODEL_MODULES)
    for module in model:
        found = gridsim_imports(module, top_level_only=False)
        outside = {m for m in found if not covered(m, model)}
        assert outside <= set(fingerprint.NOT_RESULT_MODULES), (module, outside)
    kernel = set(jit.KERNEL_MODULES)
    assert all(covered(m, model) for m in kernel)
    compiled = {m for m in kernel if "kernel_jit" in text(m)}
    assert compiled == {"kernel"}
    for module in compiled:  # what the compiled code can see: module-level imports
        seen = gridsim_imports(module, top_level_only=True) - {"sources"}
        assert all(covered(m, kernel) for m in seen), (module, seen)
    # every module that compiles with numba is keyed, and lives in the kernel
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "numba.njit(" in source and path != SRC / "kernel" / "jit.py":
            pytest.fail(f"{path.name} compiles with numba.njit: use gridsim.kernel.jit.kernel_jit")
        if "@_jit" in source or "kernel_jit(" in source:
            assert path.relative_to(SRC).parts[0] in kernel, path


def test_numba_caches_the_kernel_under_its_fingerprint() -> None:
    import importlib
    import pkgutil

    from gridsim import kernel
    from gridsim.kernel import jit

    folder = jit.kernel_cache_dir()
    assert folder is not None and folder.name == f"kernel-{jit.kernel_fingerprint()[:16]}"
    modules = [
        importlib.import_module(f"gridsim.kernel.{m.name}")
        for m in pkgutil.iter_modules(kernel.__path__)
        if m.name != "__main__"
    ]
    dispatchers = [
        f
        for module in modules
        for f in vars(module).values()
        if type(f).__name__ == "CPUDispatcher" and f.__module__ == module.__name__
    ]
    assert len(dispatchers) > 20
    for disp in dispatchers:
        assert Path(disp._cache._cache_path).is_relative_to(folder), disp


def test_runs_list_shows_the_fingerprint(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny: gridsim.Scenario,
    tiny_result: RunResult,
) -> None:
    from gridsim.fingerprint import model_fingerprint

    with Workspace("alpha", store=tmp_path) as ws:
        ws.write_run("e", tiny, tiny_result)
        ws.write_run("e", tiny, tiny_result, model_version="0.1.0")  # an older store's row
    code, out, err = gridsim_main(
        monkeypatch, capsys, "runs", "list", "--tenant", "alpha", "--store", str(tmp_path)
    )
    assert code == 0, err
    short = model_fingerprint()[:12]
    assert "model" in out.splitlines()[0]
    assert short in out and "0.1.0" in out
    assert model_fingerprint() not in out  # the short form
    assert f"model now: {short}; 1 run(s) of another model are kept but not reused" in out


# -- point 6: store files -----------------------------------------------------------


def _other_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (body TEXT)")
    con.execute("INSERT INTO notes VALUES ('mine')")
    con.commit()
    con.close()


FOREIGN = {
    "text": (lambda p: p.write_text("my notes\n"), "not a gridsim store"),
    "empty": (lambda p: p.write_bytes(b""), "empty file (0 bytes)"),
    "sqlite": (_other_sqlite, "an SQLite database, but not a gridsim store"),
}


@pytest.mark.parametrize("kind", FOREIGN)
@pytest.mark.parametrize(
    "command",
    [["runs", "list"], ["experiments", "list"], ["tenant", "create", "alpha"]],
    ids=" ".join,
)
def test_a_file_that_is_not_a_store_is_left_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    command: list[str],
) -> None:
    make, said = FOREIGN[kind]
    path = tmp_path / "results.db"
    make(path)
    path.chmod(0o644)
    before = snapshot(tmp_path)
    tenant = [] if command[0] == "tenant" else ["--tenant", "alpha"]
    code, _, err = gridsim_main(monkeypatch, capsys, *command, *tenant, "--store", str(path))
    assert_user_error(code, err, str(path), said, "--store")
    assert snapshot(tmp_path) == before  # same bytes, same mode 0644, no sidecar files


def test_read_only_commands_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "ws"
    for tenant in ("alpha", "beta_2"):
        Workspace(tenant, store=root).close()
    before = snapshot(root)
    for command in (["runs", "list"], ["experiments", "list"]):
        code, _, err = gridsim_main(
            monkeypatch, capsys, *command, "--tenant", "alhpa", "--store", str(root)
        )
        assert_user_error(
            code, err, f"no store for tenant 'alhpa' in {root} (tenants there: alpha, beta_2)"
        )
    assert snapshot(root) == before
    monkeypatch.chdir(tmp_path)  # the default root, absent: not created either
    monkeypatch.delenv("GRIDSIM_HOME", raising=False)
    code, _, err = gridsim_main(monkeypatch, capsys, "runs", "list")
    assert_user_error(code, err, "no store for tenant 'default'", "does not exist")
    assert not (tmp_path / ".gridsim").exists()
    from gridsim.store import StoreNotFoundError

    with pytest.raises(StoreNotFoundError, match="tenants there: alpha, beta_2"):
        Workspace("gamma", store=root, create=False)
    with pytest.raises(StoreNotFoundError):
        Store(tmp_path / "new.sqlite", "gamma", create=False)
    assert not (tmp_path / "new.sqlite").exists()


def test_writing_commands_create_a_store_only_where_nothing_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "new" / "ws"
    code, out, err = gridsim_main(
        monkeypatch, capsys, "tenant", "create", "alpha", "--store", str(root)
    )
    assert code == 0, err
    assert f"tenant alpha created: {root / 'alpha.sqlite'}" in out
    path = root / "alpha.sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in root.iterdir()) == ["alpha.sqlite"]  # no temporary left
    code, out, _ = gridsim_main(
        monkeypatch, capsys, "tenant", "create", "alpha", "--store", str(root)
    )
    assert code == 0 and "tenant alpha ready" in out
    code, out, err = gridsim_main(
        monkeypatch, capsys, "runs", "list", "--tenant", "alpha", "--store", str(root)
    )
    assert (code, out.strip()) == (0, "no runs"), err


def test_a_loosened_store_is_refused_and_left_as_it_is(
    tmp_path: Path, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    path = tmp_path / "alpha.sqlite"
    with Workspace("alpha", store=path) as ws:
        ws.write_run("e", tiny, tiny_result)
    path.chmod(0o640)
    before = snapshot(tmp_path)
    with pytest.raises(StoreNotPrivateError, match="chmod 600"):
        Workspace("alpha", store=path, create=False)
    assert snapshot(tmp_path) == before  # mode 0640 kept: the user decides
    path.chmod(0o600)
    with Workspace("alpha", store=path, create=False) as ws:
        assert len(ws.list_runs()) == 1
    with pytest.raises(TenantMismatchError):
        Workspace("beta", store=path)


def _damaged_store(tmp_path: Path, how: str, tiny: gridsim.Scenario, result: RunResult) -> Path:
    path = tmp_path / "alpha.sqlite"
    with Workspace("alpha", store=path) as ws:
        for r in range(20):  # a few pages of runs
            ws.write_run("e", tiny, dataclasses.replace(result, replication=r))
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (last_root,) = con.execute("SELECT max(rootpage) FROM sqlite_master").fetchone()
    con.close()
    data = path.read_bytes()
    page = int.from_bytes(data[16:18], "big")
    assert len(data) > (last_root + 2) * page
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(data[:100] + os.urandom(len(data) - 100))
    else:  # the runs' pages overwritten, the tables' first pages intact: found when read
        keep = last_root * page
        path.write_bytes(data[:keep] + b"\xff" * (len(data) - keep - page) + data[-page:])
    return path


@pytest.mark.parametrize("how", ["truncated", "garbage", "scribbled"])
def test_a_corrupt_store_is_one_clear_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny: gridsim.Scenario,
    tiny_result: RunResult,
    how: str,
) -> None:
    path = _damaged_store(tmp_path, how, tiny, tiny_result)
    before = path.read_bytes()
    code, _, err = gridsim_main(
        monkeypatch, capsys, "runs", "list", "--tenant", "alpha", "--store", str(path)
    )
    assert_user_error(code, err, str(path), "damaged")
    assert path.read_bytes() == before


# -- point 9: exit codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "needles"),
    [
        ("postgresql://uu@127.0.0.1:1/db", ["cannot use the PostgreSQL", "127.0.0.1:1"]),
        ("postgresql://uu@host:notaport/db", ["malformed store URL", "port must be a number"]),
        ("postgresql://uu:secret@host:notaport/db", ["malformed store URL", "uu:***@host"]),
        ("postgresql://vv:secret@127.0.0.1:1/db", ["--store", "vv:***@", "process list"]),
        ("sqlite://relative/file.sqlite", ["names a host", "sqlite:///relative/file.sqlite"]),
        ("mysql://uu@127.0.0.1/db", ["unsupported store URL"]),
        ("sqlite:///:memory:", ["needs a file path"]),
    ],
)  # fmt: skip
def test_store_addresses_are_user_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    store: str,
    needles: list[str],
) -> None:
    code, _, err = gridsim_main(
        monkeypatch, capsys, "runs", "list", "--tenant", "uu", "--store", store
    )
    assert_user_error(code, err, *needles)
    assert "secret" not in err and "invalid literal" not in err
    assert err.startswith("gridsim: ")


def test_tenant_mismatch_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Workspace("beta", store=tmp_path).close()
    code, _, err = gridsim_main(
        monkeypatch,
        capsys,
        "runs",
        "list",
        "--tenant",
        "alpha",
        "--store",
        str(tmp_path / "beta.sqlite"),
    )
    assert_user_error(code, err, "belongs to tenant 'beta', not 'alpha'", "--tenant beta")
    with pytest.raises(TenantMismatchError) as caught:
        Workspace("alpha", store=tmp_path / "beta.sqlite")
    assert isinstance(caught.value, StoreError)
    from gridsim.fileio import InputError

    assert isinstance(caught.value, InputError)  # typed for Python users too


def test_sqlite_urls_relative_and_absolute(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny: gridsim.Scenario,
    tiny_result: RunResult,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ws").mkdir(mode=0o700)
    with Workspace("alpha", store="sqlite:///ws/alpha.sqlite") as ws:  # three slashes: relative
        ws.write_run("e", tiny, tiny_result)
        assert Path(ws.location) == tmp_path / "ws" / "alpha.sqlite"
    absolute = f"sqlite:///{tmp_path / 'ws' / 'alpha.sqlite'}"  # four slashes: absolute
    assert absolute.startswith("sqlite:////")
    for store in (absolute, "ws/alpha.sqlite", "ws"):
        code, out, err = gridsim_main(
            monkeypatch, capsys, "runs", "list", "--tenant", "alpha", "--store", store
        )
        assert code == 0 and "tiny" in out, (store, err)


def test_a_full_disk_is_a_user_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    experiment_file: Path,
) -> None:
    """SQLite's ``max_page_count`` makes the store full after a few pages, as a full disk does."""
    from sqlalchemy import event

    from gridsim.store import sqlite as sqlite_backend

    real = sqlite_backend._engine

    def small_disk(path: Path, busy_timeout: float):
        engine = real(path, busy_timeout)

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA max_page_count = 8")

        return engine

    monkeypatch.setattr(sqlite_backend, "_engine", small_disk)
    root = tmp_path / "ws"
    args = ["compare", str(experiment_file), "--workers", "1", "--no-progress"]
    code, _, err = gridsim_main(monkeypatch, capsys, *args, "--store", str(root))
    assert_user_error(code, err, str(root / "default.sqlite"), "disk is full", "free space")
    monkeypatch.setattr(sqlite_backend, "_engine", real)  # space freed: the rest is added
    code, _, err = gridsim_main(monkeypatch, capsys, *args, "--store", str(root))
    assert code == 0, err
    with Workspace("default", store=root) as ws:
        assert len(ws.list_runs("tiny-exp")) == 2


def test_no_space_for_a_new_store_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_space(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "link", no_space)
    code, _, err = gridsim_main(
        monkeypatch, capsys, "tenant", "create", "alpha", "--store", str(tmp_path)
    )
    assert_user_error(code, err, str(tmp_path / "alpha.sqlite"), "no space left")
    assert list(tmp_path.iterdir()) == []  # neither the store nor its temporary file


def test_no_space_while_writing_a_report_is_a_user_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    experiment_file: Path,
) -> None:
    from gridsim.reports import html as report

    def full(result, out, lang="en"):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "index.html"))

    monkeypatch.setattr(report, "write_report", full)
    code, _, err = gridsim_main(
        monkeypatch, capsys, "report", str(experiment_file), "--out", str(tmp_path / "out"),
        "--workers", "1", "--no-progress", "--store", str(tmp_path / "ws"),
    )  # fmt: skip
    assert_user_error(code, err, "no space left", "index.html")


def test_an_unreachable_dask_scheduler_is_a_user_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    experiment_file: Path,
) -> None:
    distributed = pytest.importorskip("distributed")
    real = distributed.Client
    monkeypatch.setattr(distributed, "Client", lambda address, timeout: real(address, timeout="2s"))
    base = ["compare", str(experiment_file), "--store", str(tmp_path / "ws"), "--no-progress"]
    code, _, err = gridsim_main(monkeypatch, capsys, *base, "--dask", "tcp://127.0.0.1:1")
    assert_user_error(code, err, "cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    code, _, err = gridsim_main(monkeypatch, capsys, *base, "--dask", "tcp://127.0.0.1:notaport")
    assert_user_error(code, err, "malformed", "tcp://HOST:PORT")
