"""Shared fixtures for the gridsim test suite.

Speed matters (the suite runs with ``pytest -n 2`` in CI): a full Yuelu year
costs about a second, so behaviour tests run a *small* district (40
communities, 40,000 households, one year) over a few replications, and the
runs of a scenario are cached per test worker so several tests can share them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import gridsim
from gridsim.model.kpis import RunResult

ROOT = Path(__file__).parents[1]
YUELU_PATH = ROOT / "scenarios" / "yuelu-2013.toml"

SMALL_CHANGES = {
    "district.communities": 40,
    "district.households": 40_000,
    "simulation.days": 365,
}
"""A district about a fifth of Yuelu: ~121 grids, ~0.5 s per simulated year."""

REPLICATIONS = 5
"""Replications per scenario in the behaviour tests."""


@pytest.fixture(scope="session")
def yuelu_path() -> Path:
    return YUELU_PATH


@pytest.fixture(scope="session")
def yuelu() -> gridsim.Scenario:
    """The calibrated Yuelu 2013 baseline."""
    return gridsim.load_scenario(YUELU_PATH)


@pytest.fixture(scope="session")
def small(yuelu: gridsim.Scenario) -> gridsim.Scenario:
    """The Yuelu mechanisms and staffing on a small district (fast to run)."""
    return yuelu.with_changes({**SMALL_CHANGES, "name": "small"})


@pytest.fixture(scope="session")
def run_reps() -> Callable[[gridsim.Scenario, int], list[RunResult]]:
    """``run_reps(scenario, n)``: replications ``0 .. n-1``, cached per worker."""
    cache: dict[tuple[str, int], list[RunResult]] = {}

    def run(scenario: gridsim.Scenario, n: int = REPLICATIONS) -> list[RunResult]:
        key = (scenario.content_hash(), n)
        if key not in cache:
            cache[key] = [gridsim.run_scenario(scenario, replication=r) for r in range(n)]
        return cache[key]

    return run


@pytest.fixture
def scenarios_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``scenarios`` folder; the working directory is its parent.

    Working from the parent makes error lines read ``scenarios/x.toml: ...``,
    as they do for a user working in the repository.
    """
    folder = tmp_path / "scenarios"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def write(scenarios_dir: Path) -> Callable[[str, str], Path]:
    """``write(name, text)``: write a file under the scenarios folder, return its path."""

    def _write(name: str, text: str) -> Path:
        path = scenarios_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
