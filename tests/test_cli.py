"""The ``gridsim`` command line, run as a user runs it (a subprocess).

Exit codes: 0 ok, 2 user error, 1 internal fault. Scenario problems are printed
on stderr, one line each, naming the file and the key, never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gridsim

SMALL_TOML = """\
extends = "yuelu-2013.toml"
name = "small-cli"

[simulation]
days = 120

[district]
communities = 12
households = 6000
"""

BAD_FILES = {
    "typo.toml": ("[grids]\nhousholds_per_grid = 300\n", "grids.housholds_per_grid"),
    "neg.toml": ("[grids]\nhouseholds_per_grid = -5\n", "grids.households_per_grid"),
    "enum.toml": ('[collect]\nmode = "weekly"\n', "collect.mode"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, yuelu_path) -> Path:
    """A working directory with ``scenarios/`` holding good and bad files."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "scenarios"
    folder.mkdir()
    shutil.copy(yuelu_path, folder / "yuelu-2013.toml")
    (folder / "small.toml").write_text(SMALL_TOML, encoding="utf-8")
    for name, (text, _) in BAD_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


_CACHE: dict[tuple[str, ...], subprocess.CompletedProcess[str]] = {}


@pytest.fixture(scope="module")
def gridsim_cli(workdir):
    """``gridsim_cli(*args)``: run ``python -m gridsim.cli`` in ``workdir`` (cached)."""
    env = {**os.environ, "PYTHONUTF8": "1", "NO_COLOR": "1", "COLUMNS": "120"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        key = (str(workdir), *args)
        if key not in _CACHE:
            _CACHE[key] = subprocess.run(
                [sys.executable, "-m", "gridsim.cli", *args],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=300,
            )
        return _CACHE[key]

    return run


def stderr_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def assert_clean_error(proc) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout


# -- help and version -----------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["calibrate"]], ids=str)
def test_help(gridsim_cli, command):
    proc = gridsim_cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
    if not command:
        for sub in ("run", "validate", "calibrate"):
            assert sub in proc.stdout


def test_version(gridsim_cli):
    proc = gridsim_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"gridsim {gridsim.__version__}"


# -- validate ---------------------------------------------------------------------


def test_validate_good_file(gridsim_cli):
    proc = gridsim_cli("validate", "scenarios/yuelu-2013.toml", "scenarios/small.toml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ok: scenarios/yuelu-2013.toml", "ok: scenarios/small.toml"]
    assert proc.stderr == ""


@pytest.mark.parametrize("name", BAD_FILES)
def test_validate_bad_file_prints_one_line(gridsim_cli, name):
    proc = gridsim_cli("validate", f"scenarios/{name}")
    assert_clean_error(proc)
    lines = stderr_lines(proc)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"scenarios/{name}: {BAD_FILES[name][1]}: ")
    assert proc.stdout == ""


def test_validate_negative_count_line(gridsim_cli):
    (line,) = stderr_lines(gridsim_cli("validate", "scenarios/neg.toml"))
    assert line.startswith("scenarios/neg.toml: grids.households_per_grid: must be > 0")
    assert line.endswith("got -5")


def test_validate_two_bad_files_and_a_good_one(gridsim_cli):
    proc = gridsim_cli(
        "validate", "scenarios/typo.toml", "scenarios/small.toml", "scenarios/neg.toml"
    )
    assert_clean_error(proc)
    lines = stderr_lines(proc)
    assert len(lines) == 2, lines
    assert lines[0].startswith("scenarios/typo.toml: grids.housholds_per_grid: unknown key")
    assert lines[1].startswith("scenarios/neg.toml: grids.households_per_grid: ")
    assert proc.stdout.splitlines() == ["ok: scenarios/small.toml"]


def test_validate_nonexistent_file(gridsim_cli):
    proc = gridsim_cli("validate", "scenarios/absent.toml")
    assert_clean_error(proc)
    assert stderr_lines(proc) == ["scenarios/absent.toml: file not found"]


VALIDATE_FAILURES = {
    "typo": ["scenarios/typo.toml"],
    "negative": ["scenarios/neg.toml"],
    "two-bad-files": ["scenarios/typo.toml", "scenarios/small.toml", "scenarios/neg.toml"],
    "nonexistent": ["scenarios/absent.toml"],
}


@pytest.mark.parametrize("files", VALIDATE_FAILURES.values(), ids=VALIDATE_FAILURES.keys())
def test_validate_failure_exits_2(gridsim_cli, files):
    assert gridsim_cli("validate", *files).returncode == 2


# -- run ----------------------------------------------------------------------------


def test_run_json(gridsim_cli):
    proc = gridsim_cli(
        "run", "scenarios/small.toml", "--replications", "2", "--seed", "7", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["scenario"] == "small-cli"
    assert out["replications"] == 2
    assert out["seed"] == 7
    assert list(out["kpis"]) == list(gridsim.KPI_NAMES)
    for name, kpi in out["kpis"].items():
        assert set(kpi) == {"mean", "ci95"}, name
        mean, (lo, hi) = kpi["mean"], kpi["ci95"]
        assert all(isinstance(x, int | float) for x in (mean, lo, hi)), (name, kpi)
        assert lo <= mean <= hi, (name, kpi)
    assert out["kpis"]["households"]["mean"] == 6000
    assert out["kpis"]["households"]["ci95"] == [6000, 6000]
    assert out["kpis"]["issues_collected"]["mean"] > 0


def test_run_json_matches_the_library(gridsim_cli, workdir):
    proc = gridsim_cli(
        "run", "scenarios/small.toml", "--replications", "2", "--seed", "7", "--json"
    )
    out = json.loads(proc.stdout)
    s = gridsim.load_scenario(workdir / "scenarios" / "small.toml")
    runs = [gridsim.run_scenario(s, seed=7, replication=r).kpis for r in range(2)]
    for name in ("issues_collected", "issues_resolved", "households_visited"):
        assert out["kpis"][name]["mean"] == pytest.approx((runs[0][name] + runs[1][name]) / 2)


def test_run_table(gridsim_cli):
    proc = gridsim_cli("run", "scenarios/small.toml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("small-cli")
    rows = {line.split()[0] for line in proc.stdout.splitlines()[2:] if line.strip()}
    assert "issues_collected" in rows
    assert set(gridsim.KPI_NAMES) <= rows


def test_run_bad_scenario_exits_2(gridsim_cli):
    proc = gridsim_cli("run", "scenarios/typo.toml")
    assert proc.returncode == 2
    assert_clean_error(proc)
    lines = stderr_lines(proc)
    assert len(lines) == 1
    assert lines[0].startswith("scenarios/typo.toml: grids.housholds_per_grid: unknown key")


def test_run_missing_file_exits_2(gridsim_cli):
    proc = gridsim_cli("run", "scenarios/absent.toml")
    assert proc.returncode == 2
    assert_clean_error(proc)
    assert stderr_lines(proc) == ["scenarios/absent.toml: file not found"]


@pytest.mark.parametrize(
    "args",
    [["run", "scenarios/small.toml", "--replications", "0"], ["simulate"]],
    ids=["replications-0", "unknown-command"],
)
def test_usage_error_exits_2(gridsim_cli, args):
    proc = gridsim_cli(*args)
    assert_clean_error(proc)
    assert proc.returncode == 2


# -- calibrate ------------------------------------------------------------------------


@pytest.mark.parametrize("detect", ["1.5", "0.3,abc"])
def test_calibrate_bad_detect_exits_2(gridsim_cli, detect):
    proc = gridsim_cli("calibrate", "scenarios/small.toml", "--detect", detect)
    assert proc.returncode == 2
    assert_clean_error(proc)
    lines = stderr_lines(proc)
    assert len(lines) == 1
    assert lines[0].startswith("gridsim: --detect: ")
    assert detect in lines[0]
