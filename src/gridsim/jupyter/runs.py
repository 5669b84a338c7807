"""The explorer's computation: a baseline and a changed design, same seeds, compared in pairs.

A plain function, :func:`explorer_run`, that needs no browser (nor ``ipywidgets``)::

    table, grids = explorer_run(base, {"staff.information_officers_per_grid": 2}, 3)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import numpy as np
import pandas as pd

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


def explorer_run(
    base: Scenario,
    changes: Mapping[str, Any],
    replications: int = 3,
    *,
    kpis: tuple[str, ...] | list[str] = EXPLORER_KPIS,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | Callable[[int, int], None] = False,
    cache: MutableMapping[tuple[str, int, int], dict[str, Any]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run a baseline and a changed design with the same seeds and compare them.

    Replication ``r`` of both designs uses the same root seed and ``r``, so
    they see the same latent issues in the same households; the difference is
    taken per replication and then summarised (mean and 95 % CI), which is
    far more precise than comparing two independent means.

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
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    variant = base.with_changes(dict(changes)) if changes else base
    seed = base.simulation.seed if seed is None else int(seed)
    designs = {"baseline": base, "variant": variant}
    hashes = {name: s.content_hash() for name, s in designs.items()}
    store: MutableMapping[tuple[str, int, int], dict[str, Any]] = cache if cache is not None else {}
    todo: dict[tuple[str, int, int], Task] = {}
    for name, scenario in designs.items():
        for r in range(replications):
            key = (hashes[name], seed, r)
            if key not in store and key not in todo:
                todo[key] = Task(name, hashes[name], r, seed, scenario.to_dict())
    update, close = _progress_callback(progress, len(todo))
    try:
        update(0, len(todo))
        for done, (task, payload) in enumerate(
            (executor or SerialExecutor()).run(list(todo.values())), 1
        ):
            store[(task.scenario_hash, task.seed, task.replication)] = payload
            update(done, len(todo))
    finally:
        close()
    rows = []
    grid_frames = []
    for name, scenario in designs.items():
        payloads = [store[(hashes[name], seed, r)] for r in range(replications)]
        rows += [{"variant": name, "replication": r, **_kpis(p)} for r, p in enumerate(payloads)]
        grids = _mean_grids(payloads)
        xy = grid_layout(scenario, seed).grid_xy
        grids.insert(0, "y", xy[:, 1])
        grids.insert(0, "x", xy[:, 0])
        grids.insert(0, "grid", np.arange(len(grids)))
        grids.insert(0, "design", name)
        grid_frames.append(grids)
    runs = pd.DataFrame(rows)
    tidy = compare(runs, "baseline", list(kpis)).set_index(["variant", "kpi"])
    table = pd.DataFrame(
        {
            "description": [KPI_DESCRIPTIONS.get(k, "") for k in kpis],
            "baseline": tidy.loc["baseline", "mean"].reindex(kpis).to_numpy(),
            "variant": tidy.loc["variant", "mean"].reindex(kpis).to_numpy(),
        },
        index=pd.Index(list(kpis), name="kpi"),
    )
    for col in ("diff", "diff_lo", "diff_hi", "diff_pct", "n_pairs"):
        table[col] = tidy.loc["variant", col].reindex(kpis).to_numpy()
    return table, pd.concat(grid_frames, ignore_index=True)
