"""Outputs appear whole or not at all, and a stopped sweep leaves no process behind.

Two promises of issue 9, each checked on a real ``gridsim`` process that is
killed:

- **Atomic outputs.** ``gridsim report`` is killed (``SIGKILL``) after writing
  half of the bytes of ``index.html``, of a PNG figure, of an SVG figure. A
  helper script that runs the command line in a subprocess replaces ``open``
  so that the first write to a file of that name writes half of its bytes,
  then kills the process: the kill lands mid-write however the file is
  written (text or bytes, pathlib, matplotlib or Pillow). The previous report
  in the folder must still be there, every file whole and as it was.
- **No orphans.** ``gridsim compare --workers 2`` is stopped with ``SIGKILL``,
  ``SIGTERM`` or ``SIGINT`` sent to the driver only, while both workers are
  in the middle of a run; every process it had started (workers and loky's
  resource trackers) must be gone within 5 s. The runs are made long by a
  helper script that replaces the worker's task function with one that
  sleeps (a run of a large district takes minutes; a sleeping one costs no
  CPU on a shared machine).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from gridsim.experiments import Experiment, SerialExecutor
from gridsim.reports.html import write_report
from gridsim.workspace import Workspace

SMALL = """
name = "small"
[district]
communities = 30
households = 12000
"""

EXPERIMENT = """
name = "trust-outputs"
base = "small.toml"
replications = {replications}
seed = 11
baseline = "base"

[[variants]]
name = "base"

[[variants]]
name = "400 households"
changes = {{ "grids.households_per_grid" = 400 }}
"""

TENANT = "trust_outputs"

KILL_MID_WRITE = textwrap.dedent(
    """
    import builtins, io, os, signal, sys

    TARGET = os.environ["GRIDSIM_TEST_KILL_WRITING"]
    real_open = io.open


    class KillMidWrite(io.FileIO):
        def write(self, data):
            rest = memoryview(data).cast("B")
            rest = rest[: max(1, len(rest) // 2)]
            while rest:
                rest = rest[super().write(rest) :]
            os.kill(os.getpid(), signal.SIGKILL)


    def killing_open(file, mode="r", buffering=-1, encoding=None, errors=None,
                     newline=None, closefd=True, opener=None):
        name = "" if isinstance(file, int) else os.path.basename(os.fsdecode(file))
        if TARGET not in name or not set(mode) & set("wxa+"):
            return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
        raw = KillMidWrite(file, mode.replace("b", "").replace("t", ""), closefd, opener)
        buffered = io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
        if "b" in mode:
            return buffered
        return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline=newline)


    builtins.open = io.open = killing_open
    from gridsim.cli import main

    sys.argv = ["gridsim", *sys.argv[1:]]
    main()
    """
)
"""Runs ``gridsim``; the first write to a file whose name contains
``$GRIDSIM_TEST_KILL_WRITING`` writes half of its bytes, then the process is killed."""

LONG_RUNS = textwrap.dedent(
    """
    import os, sys, time
    import gridsim.experiments.executors

    BUSY = os.environ["GRIDSIM_TEST_BUSY"]
    real_task = gridsim.experiments.executors._simulate_in_worker


    def long_task(task):  # defined in __main__: loky sends it to the workers by value
        open(os.path.join(BUSY, str(os.getpid())), "w").close()
        time.sleep(600)
        return real_task(task)


    gridsim.experiments.executors._simulate_in_worker = long_task
    from gridsim.cli import main

    sys.argv = ["gridsim", *sys.argv[1:]]
    main()
    """
)
"""Runs ``gridsim`` with every run in a worker lasting ten minutes (it marks
``$GRIDSIM_TEST_BUSY/<pid>`` when it starts)."""


@dataclass
class Stored:
    """An experiment whose runs are all in a store, and a report of part of them."""

    root: Path
    experiment_file: Path
    store: Path
    report: Path
    old_files: dict[str, bytes]


def _visible_files(folder: Path) -> dict[str, bytes]:
    """Every non-hidden file of a folder, by name (a staging leftover is hidden)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "GRIDSIM_HOME": str(tmp / "home"), "MPLBACKEND": "Agg"}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    """Three replications stored; the old report in place shows only two of them.

    So the report ``gridsim report`` writes (three replications) differs from
    the one already there, file by file.
    """
    root = tmp_path_factory.mktemp("outputs")
    folder = root / "scenarios"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL)
    exp_file = folder / "exp.toml"
    exp_file.write_text(EXPERIMENT.format(replications=3))
    store = root / "ws"
    exp = Experiment.from_file(exp_file)
    with Workspace(TENANT, store=store) as ws:
        exp.run(ws, SerialExecutor(), progress=False)
        old = exp.comparison(ws, replications=2)
        report = root / "report"
        write_report(old, report)
    return Stored(root, exp_file, store, report, _visible_files(report))


def _report_args(s: Stored, out: Path) -> list[str]:
    return [
        "report",
        str(s.experiment_file),
        "--out",
        str(out),
        "--tenant",
        TENANT,
        "--store",
        str(s.store),
        "--workers",
        "1",
        "--no-progress",
    ]


def _assert_whole(name: str, data: bytes) -> None:
    if name.endswith(".html"):
        assert data.rstrip().endswith(b"</html>"), f"{name} is truncated ({len(data)} bytes)"
    elif name.endswith(".png"):
        assert data.endswith(b"IEND\xaeB`\x82"), f"{name} is truncated ({len(data)} bytes)"
    elif name.endswith(".svg"):
        assert data.rstrip().endswith(b"</svg>"), f"{name} is truncated ({len(data)} bytes)"


@pytest.mark.parametrize("writing", ["index.html", "open_cases.png", "equity.svg"])
def test_a_report_killed_mid_write_leaves_the_previous_report_whole(
    stored: Stored, writing: str, tmp_path: Path
):
    out = tmp_path / "report"
    out.mkdir()
    for name, data in stored.old_files.items():
        (out / name).write_bytes(data)
    helper = tmp_path / "kill_mid_write.py"
    helper.write_text(KILL_MID_WRITE)
    env = {**_env(tmp_path), "GRIDSIM_TEST_KILL_WRITING": writing}
    proc = subprocess.run(
        [sys.executable, str(helper), *_report_args(stored, out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Killed by the hook, in the middle of writing that file: not finished, not failed.
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    now = _visible_files(out)
    for name, data in now.items():
        _assert_whole(name, data)
    assert now == stored.old_files, "the report folder changed although the new report was not done"


def test_a_finished_report_replaces_the_old_one_and_keeps_the_users_files(
    stored: Stored, tmp_path: Path
):
    out = tmp_path / "report"
    out.mkdir()
    for name, data in stored.old_files.items():
        (out / name).write_bytes(data)
    (out / "notes.txt").write_text("mine")
    (out / "days_to_close.png").write_bytes(b"an older report's figure")  # not drawn below
    proc = subprocess.run(
        [sys.executable, "-m", "gridsim.cli", *_report_args(stored, out)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    now = _visible_files(out)
    assert now.pop("notes.txt") == b"mine"
    for name, data in now.items():
        _assert_whole(name, data)
    new_figures = {n for n in now if n != "index.html"}
    page = now["index.html"].decode()
    assert all(f'href="{n}"' in page for n in new_figures), "a file the page does not link to"
    assert now.get("days_to_close.png") != b"an older report's figure"
    assert set(now) == set(stored.old_files)
    assert all(now[n] != stored.old_files[n] for n in ("index.html", "kpi_means.png"))
    assert not list(out.glob(".*")), "a staging folder or temporary file was left"


def test_an_interrupted_write_report_changes_nothing(
    stored: Stored, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Ctrl-C while the page is rendered (figures drawn): no old figure has been replaced."""
    import gridsim.reports.html

    out = tmp_path / "report"
    out.mkdir()
    for name, data in stored.old_files.items():
        (out / name).write_bytes(data)

    def interrupted(*_args: object, **_kwargs: object) -> str:
        raise KeyboardInterrupt

    exp = Experiment.from_file(stored.experiment_file)
    with Workspace(TENANT, store=stored.store) as ws:
        comparison = exp.comparison(ws)
    monkeypatch.setattr(gridsim.reports.html, "render_html", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(comparison, out)
    assert _visible_files(out) == stored.old_files
    assert not list(out.glob(".*")), "a staging folder or temporary file was left"


def test_the_staging_folder_a_killed_writer_left_is_removed_by_the_next(tmp_path: Path):
    fcntl = pytest.importorskip("fcntl")
    from gridsim.fileio import staged_folder

    long_ago = time.time() - 3600
    dead, live, young = (tmp_path / f".staged.{n}.tmp" for n in ("dead", "live", "young"))
    for stage in (dead, live, young):
        stage.mkdir()
        (stage / "index.html").write_text("<!DOCTYPE html><html>half a rep")
    for stage in (dead, live):
        os.utime(stage, (long_ago, long_ago))
    held = os.open(live, os.O_RDONLY)  # a writer still at work holds its folder
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with staged_folder(tmp_path, last=["index.html"]) as stage:
            (stage / "index.html").write_text("<html></html>")
        assert not dead.exists()
        assert live.exists() and young.exists()  # held, or just made by a writer
        assert (tmp_path / "index.html").read_text() == "<html></html>"
    finally:
        os.close(held)


# ---------------------------------------------------------------------------
# no orphans


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} ({' '.join(proc.cmdline())[:90]})"
    except psutil.Error:
        return str(proc.pid)


def _wait_gone(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """The processes still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    alive = [p for p in procs if _alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if _alive(p)]
    return alive


EXIT_CODES = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 143, signal.SIGINT: 130}


@pytest.mark.parametrize(
    "signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name
)
def test_a_stopped_sweep_leaves_no_process_behind(signum: signal.Signals, tmp_path: Path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL)
    (folder / "exp.toml").write_text(EXPERIMENT.format(replications=4))
    helper = tmp_path / "long_runs.py"
    helper.write_text(LONG_RUNS)
    busy = tmp_path / "busy"
    busy.mkdir()
    args = [sys.executable, str(helper), "compare", str(folder / "exp.toml"), "--workers", "2"]
    args += ["--no-progress", "--tenant", TENANT, "--store", str(tmp_path / "ws")]
    driver = subprocess.Popen(
        args,
        env={**_env(tmp_path), "GRIDSIM_TEST_BUSY": str(busy)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 180
        while len(list(busy.iterdir())) < 2:  # both workers in the middle of a run
            assert driver.poll() is None, driver.communicate()[1]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        started = psutil.Process(driver.pid).children(recursive=True)
        workers = {int(p.name) for p in busy.iterdir()}
        assert workers <= {p.pid for p in started}
        os.kill(driver.pid, signum)  # the driver only, not its process group
        left = _wait_gone(started, 5.0)
        assert not left, "still alive 5 s after the signal: " + ", ".join(map(_describe, left))
        _, stderr = driver.communicate(timeout=60)  # an orphan would hold its pipes open
        assert driver.returncode == EXIT_CODES[signum], stderr
        if signum != signal.SIGKILL:
            assert f"stopped by {signum.name}" in stderr, stderr
            assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    finally:
        for proc in started:  # what a failure left behind
            if _alive(proc):
                proc.kill()
        if driver.poll() is None:
            driver.kill()
        driver.communicate()
