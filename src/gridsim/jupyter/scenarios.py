"""The explorer's scenarios: the Yuelu baseline (small or full), experiments, layouts."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridsim.experiments import Experiment, read_experiment_data
from gridsim.fileio import display_path
from gridsim.model.district import District, build_district
from gridsim.scenario import Scenario, default_scenario, load_scenario
from gridsim.streams import stream

if TYPE_CHECKING:
    pass


SMALL_DISTRICT: dict[str, Any] = {"district.communities": 12, "district.households": 14_000}
"""Changes that shrink the Yuelu district for quick runs.

Twelve communities of Yuelu's average size (about 1,150 households each): 42
grids at 330 households per grid, about 0.3 s per simulated year. Communities
keep their real size so that grid size still matters (a community always has
at least one grid).
"""


def _repo_scenarios() -> list[Path]:
    here = Path(__file__).resolve()
    starts = [Path.cwd(), *Path.cwd().parents, *here.parents]
    return [p / "scenarios" / "yuelu-2013.toml" for p in starts]


def yuelu_baseline(small: bool = False) -> Scenario:
    """The calibrated Yuelu 2013 baseline, optionally shrunk to a small district.

    Reads ``scenarios/yuelu-2013.toml`` from the working directory, one of its
    parents or the source checkout; falls back to the built-in defaults (the
    uncalibrated Yuelu values) when no scenarios folder is found.

    Args:
        small: Apply :data:`SMALL_DISTRICT`.

    Returns:
        The scenario.
    """
    path = next((p for p in _repo_scenarios() if p.is_file()), None)
    base = load_scenario(path) if path is not None else default_scenario()
    return base.with_changes(SMALL_DISTRICT) if small else base


def experiment_from_file(
    path: str | Path,
    changes: Mapping[str, Any] | None = None,
    replications: int | None = None,
    kpis: list[str] | tuple[str, ...] | None = None,
) -> Experiment:
    """Read an experiment file, adding the same changes to every variant.

    Handy for running a shipped comparison (``scenarios/compare-*.toml``) on
    a small district, or at another point of the calibration ridge, without
    writing a new file. A variant's own changes win over ``changes``.

    Args:
        path: Experiment file (TOML).
        changes: Dotted-path changes applied to every variant, e.g.
            :data:`SMALL_DISTRICT`.
        replications: Replications per variant instead of the file's.
        kpis: KPIs to compare instead of the file's (or the headline KPIs).

    Returns:
        The validated experiment.

    Raises:
        gridsim.experiment.ExperimentError: One line per problem.
    """
    path = Path(path)
    data = read_experiment_data(path)
    vary = data.get("vary", {})  # the file's factors win too (a variant may not set them)
    extra = {k: v for k, v in (changes or {}).items() if k not in vary}
    if extra:
        data["variants"] = [
            {**v, "changes": {**extra, **v.get("changes", {})}} for v in data.get("variants", [])
        ]
        if not data["variants"]:  # factorial / design only: add a baseline that carries them
            data["variants"] = [{"name": "base", "changes": extra}]
    if replications is not None:
        data["replications"] = replications
        data["max_replications"] = max(replications, data.get("max_replications", 100))
    if kpis is not None:
        data["kpis"] = list(kpis)
    return Experiment.from_dict(data, root=path.resolve().parent, source=display_path(path))


@lru_cache(maxsize=32)
def _layout(hash_: str, scenario_json: str) -> District:
    scenario = Scenario.model_validate_json(scenario_json)
    return build_district(scenario, stream(scenario.simulation.seed, 0, "structure"))


def grid_layout(scenario: Scenario, seed: int | None = None) -> District:
    """The district structure of a scenario: grid positions and adjacency graph.

    The structure does not depend on the replication, so this is the layout
    every run of the scenario uses (``District.grid_xy``, ``District.graph``),
    built without simulating anything.

    Args:
        scenario: The scenario.
        seed: Root seed (defaults to the scenario's).

    Returns:
        The district.
    """
    if seed is not None:
        scenario = scenario.with_changes({"simulation.seed": int(seed)})
    return _layout(scenario.content_hash(), scenario.model_dump_json())
