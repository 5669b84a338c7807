"""The explorer's computation: a baseline and changed designs, same seeds, compared in pairs.

Plain functions that need no browser (nor ``ipywidgets``)::

    table, grids = explorer_run(base, {"staff.information_officers_per_grid": 2}, 3)
    runs = explorer_designs(base, {"two officers": {...}, "batched": {...}}, 3)
    runs.comparison          # a gridsim Comparison: overview(), plot(), table, runs

:func:`explorer_designs` runs the baseline and any number of designs and returns
them as a :class:`~gridsim.experiments.Comparison` (built without a store: its
records are the runs themselves), so every report figure can draw it.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import warnings
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gridsim._version import __version__
from gridsim.experiments import Comparison, Experiment, ExperimentSpec, Variant, VariantSpec
from gridsim.experiments.executors import Executor, SerialExecutor, Task
from gridsim.experiments.statistics import compare
from gridsim.jupyter.scenarios import grid_layout
from gridsim.kpi_registry import GRID_COLUMNS
from gridsim.model.kpis import KPI_DESCRIPTIONS
from gridsim.scenario import Scenario

EXPLORER_KPIS: tuple[str, ...] = (
    "households_visited",
    "issues_latent",
    "issues_collected",
    "issues_resolved",
    "resolution_rate",
    "on_time_rate",
    "red_lights",
    "escalations",
    "median_days_to_close",
    "p90_days_to_close",
    "backlog_end",
    "satisfaction",
    "satisfaction_reported",
    "staff_hours",
    "cost",
    "grids",
)
"""KPIs shown in the explorer's table, in display order."""


def _kpis(payload: Mapping[str, Any]) -> dict[str, float]:
    return {k: (math.nan if v is None else float(v)) for k, v in payload["kpis"].items()}


def _mean_grids(payloads: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-grid columns averaged over replications (NaN where no replication has a value)."""
    columns = {}
    for c in GRID_COLUMNS:
        values = np.array(
            [[np.nan if v is None else v for v in p["grids"][c]] for p in payloads], dtype=float
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN grids stay NaN
            columns[c] = np.nanmean(values, axis=0)
    return pd.DataFrame(columns)


class Cancelled(Exception):
    """Raised by a progress callback to stop an explorer run between two runs."""


def _progress_callback(
    progress: bool | Callable[[int, int], None], total: int
) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    if callable(progress):
        return progress, lambda: None
    if not progress:
        return (lambda _done, _total: None), lambda: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="explorer", unit="run", leave=False)

    def update(done: int, _total: int) -> None:
        bar.n = done
        bar.refresh()

    return update, bar.close


type Cache = MutableMapping[tuple[str, int, int], dict[str, Any]]
"""Payloads of runs done, keyed by ``(scenario_hash, seed, replication)``."""

BASELINE = "baseline"
"""The name of the baseline in an explorer comparison."""


@dataclass(frozen=True)
class ExplorerRuns:
    """What :func:`explorer_designs` returns.

    Attributes:
        comparison: Baseline and designs compared in pairs (a gridsim
            :class:`~gridsim.experiments.Comparison`; its records are the runs).
        grid_values: One row per grid of each design: ``design``, ``grid``, ``x``,
            ``y`` and the per-grid KPIs averaged over the replications.
        scenarios: Design name → its scenario.
        ran: Runs computed for this call (the rest came from the cache).
        seconds: Wall time of this call.
    """

    comparison: Comparison
    grid_values: pd.DataFrame
    scenarios: dict[str, Scenario]
    ran: int
    seconds: float


def _record(name: str, scenario: Scenario, task_hash: str, seed: int, r: int, payload: Any) -> Any:
    """A run's payload as the store's :class:`~gridsim.store.RunRecord` (for the figures)."""
    from gridsim.store import RunRecord, current_model_version

    daily = pd.DataFrame(payload["daily"])
    daily.insert(0, "day", np.arange(len(daily)))
    grids = pd.DataFrame(
        {c: [np.nan if v is None else v for v in payload["grids"][c]] for c in GRID_COLUMNS}
    )
    grids.insert(0, "grid", np.arange(len(grids)))
    return RunRecord(
        experiment="explorer",
        scenario_hash=task_hash,
        replication=r,
        model_version=current_model_version(),
        scenario_name=name,
        seed=seed,
        gridsim_version=__version__,
        scenario=scenario.to_dict(),
        wall_seconds=float(payload["wall_seconds"]),
        created_at=dt.datetime.now(dt.UTC),
        kpis=_kpis(payload),
        daily=daily,
        grids=grids,
    )


def explorer_designs(
    base: Scenario,
    designs: Mapping[str, Mapping[str, Any]],
    replications: int = 3,
    *,
    kpis: tuple[str, ...] | list[str] = EXPLORER_KPIS,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | Callable[[int, int], None] = False,
    cache: Cache | None = None,
    name: str = "explorer",
) -> ExplorerRuns:
    """Run the baseline and some designs with the same seeds and compare them in pairs.

    Replication ``r`` of every design uses the same root seed and ``r``, so they
    all see the same latent issues in the same households; each difference to
    the baseline is taken per replication and then summarised (mean and 95 %
    CI). Designs with the same content run once.

    Args:
        base: The baseline scenario.
        designs: Design name → its dotted-path changes (``"baseline"`` is taken).
        replications: Replications of each design (``0 .. replications - 1``).
        kpis: KPIs compared.
        seed: Root seed (defaults to the baseline's).
        executor: Where to run (default: :class:`~gridsim.experiments.SerialExecutor`).
        progress: ``True`` for a progress bar, or ``progress(done, total)``; a
            callback may raise :class:`Cancelled` to stop between two runs (the
            runs done stay in ``cache``).
        cache: Payloads of earlier runs (see :data:`Cache`); runs found there
            are not recomputed, new ones are added.
        name: The comparison's experiment name.

    Returns:
        The runs compared (see :class:`ExplorerRuns`).

    Raises:
        ValueError: If ``replications`` < 1 or a design is named ``"baseline"``.
        gridsim.ScenarioError: If a change names an unknown parameter or an
            invalid value.
        Cancelled: If the progress callback raised it.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if BASELINE in designs:
        raise ValueError(f"a design may not be named {BASELINE!r}: that is the baseline")
    started = time.perf_counter()
    seed = base.simulation.seed if seed is None else int(seed)
    scenarios = {BASELINE: base}
    for design, changes in designs.items():
        scenarios[design] = base.with_changes(dict(changes)) if changes else base
    hashes = {n: s.content_hash() for n, s in scenarios.items()}
    store: Cache = cache if cache is not None else {}
    todo: dict[tuple[str, int, int], Task] = {}
    for design, scenario in scenarios.items():
        for r in range(replications):
            key = (hashes[design], seed, r)
            if key not in store and key not in todo:
                todo[key] = Task(design, hashes[design], r, seed, scenario.to_dict())
    update, close = _progress_callback(progress, len(todo))
    results = iter((executor or SerialExecutor()).run(list(todo.values())))
    try:
        update(0, len(todo))
        for done, (task, payload) in enumerate(results, 1):
            store[(task.scenario_hash, task.seed, task.replication)] = payload
            update(done, len(todo))
    finally:
        stop = getattr(results, "close", None)  # a generator: stopped early, it stops its workers
        if stop is not None:
            stop()
        close()
    rows = []
    grid_frames = []
    records: dict[str, list[Any]] = {}
    for design, scenario in scenarios.items():
        payloads = [store[(hashes[design], seed, r)] for r in range(replications)]
        rows += [{"variant": design, "replication": r, **_kpis(p)} for r, p in enumerate(payloads)]
        records[design] = [
            _record(design, scenario, hashes[design], seed, r, p) for r, p in enumerate(payloads)
        ]
        grids = _mean_grids(payloads)
        xy = grid_layout(scenario, seed).grid_xy
        grids.insert(0, "y", xy[:, 1])
        grids.insert(0, "x", xy[:, 0])
        grids.insert(0, "grid", np.arange(len(grids)))
        grids.insert(0, "design", design)
        grid_frames.append(grids)
    runs = pd.DataFrame(rows)
    spec = ExperimentSpec(
        name=name,
        description="designs tried in the explorer",
        base=base.name,
        replications=replications,
        max_replications=max(replications, 100),
        seed=seed,
        variants=[VariantSpec(name=n, changes=dict(designs.get(n, {}))) for n in scenarios],
        kpis=list(kpis),
    )
    variants = [
        Variant(n, dict(designs.get(n, {})), s.model_copy(update={"name": n}), hashes[n])
        for n, s in scenarios.items()
    ]
    experiment = Experiment(spec, base, variants, source="<explorer>")
    comparison = Comparison(experiment, runs, compare(runs, BASELINE, list(kpis)), _records=records)
    return ExplorerRuns(
        comparison,
        pd.concat(grid_frames, ignore_index=True),
        scenarios,
        len(todo),
        time.perf_counter() - started,
    )


def explorer_table(comparison: Comparison, design: str) -> pd.DataFrame:
    """One design against the baseline, one row per KPI (the explorer's table).

    Args:
        comparison: From :func:`explorer_designs`.
        design: The design's name.

    Returns:
        A frame indexed by KPI with columns ``description``, ``baseline``,
        ``variant`` (means), ``diff``, ``diff_lo``, ``diff_hi`` (paired
        difference design − baseline and its 95 % CI), ``diff_pct`` (% of the
        baseline mean) and ``n_pairs``.
    """
    kpis = list(comparison.experiment.spec.kpis)
    tidy = comparison.table.set_index(["variant", "kpi"])
    table = pd.DataFrame(
        {
            "description": [KPI_DESCRIPTIONS.get(k, "") for k in kpis],
            "baseline": tidy.loc[BASELINE, "mean"].reindex(kpis).to_numpy(),
            "variant": tidy.loc[design, "mean"].reindex(kpis).to_numpy(),
        },
        index=pd.Index(kpis, name="kpi"),
    )
    for col in ("diff", "diff_lo", "diff_hi", "diff_pct", "n_pairs"):
        table[col] = tidy.loc[design, col].reindex(kpis).to_numpy()
    return table


def explorer_run(
    base: Scenario,
    changes: Mapping[str, Any],
    replications: int = 3,
    *,
    kpis: tuple[str, ...] | list[str] = EXPLORER_KPIS,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | Callable[[int, int], None] = False,
    cache: Cache | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run a baseline and a changed design with the same seeds and compare them.

    Replication ``r`` of both designs uses the same root seed and ``r``, so
    they see the same latent issues in the same households; the difference is
    taken per replication and then summarised (mean and 95 % CI), which is
    far more precise than comparing two independent means. (The same as
    :func:`explorer_designs` with one design named ``"variant"``.)

    Args:
        base: The baseline scenario.
        changes: Dotted-path changes that make the variant, e.g.
            ``{"staff.information_officers_per_grid": 2}``; empty for none.
        replications: Replications of each design (``0 .. replications - 1``).
        kpis: KPIs in the table.
        seed: Root seed (defaults to the baseline's).
        executor: Where to run (default: :class:`~gridsim.executors.SerialExecutor`).
        progress: ``True`` for a progress bar (a widget in a notebook), or a
            callback ``progress(done, total)``.
        cache: Payloads of earlier runs keyed by ``(scenario_hash, seed,
            replication)``; runs found there are not recomputed, new ones are
            added. The explorer keeps one so the baseline runs only once.

    Returns:
        ``(table, grid_values)``. ``table`` is indexed by KPI with columns
        ``description``, ``baseline``, ``variant`` (means), ``diff``,
        ``diff_lo``, ``diff_hi`` (paired difference variant − baseline and
        its 95 % CI), ``diff_pct`` (% of the baseline mean) and ``n_pairs``.
        ``grid_values`` has one row per grid of each design: ``design``
        (``"baseline"`` or ``"variant"``), ``grid``, ``x``, ``y`` and the
        per-grid KPIs of :data:`gridsim.executors.GRID_COLUMNS`, averaged over
        the replications.

    Raises:
        ValueError: If ``replications`` < 1.
        gridsim.ScenarioError: If a change names an unknown parameter or an
            invalid value.
    """
    runs = explorer_designs(
        base,
        {"variant": changes},
        replications,
        kpis=kpis,
        seed=seed,
        executor=executor,
        progress=progress,
        cache=cache,
    )
    return explorer_table(runs.comparison, "variant"), runs.grid_values
