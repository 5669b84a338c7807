"""Where replications run: in this process, in local worker processes, or on Dask.

Every executor takes a list of :class:`Task` and yields ``(task, payload)``
pairs *as runs complete*, so the caller can store each one at once. A task
carries everything a run needs — the resolved scenario as JSON data, the seed
and the replication — and :func:`simulate` turns it into a JSON-compatible
payload. Seeds never depend on the executor, the number of workers or the
order of completion, so results are bit-identical whichever runs them.

- :class:`SerialExecutor` — one run after another, here.
- :class:`ProcessExecutor` — the embedded default: joblib's loky worker
  processes. Unlike a spawn-based ``ProcessPoolExecutor``, loky also runs
  functions and objects defined in a notebook.
- :class:`DaskExecutor` — a ``distributed.Client`` or a scheduler address
  (``tcp://HOST:8786``); needs the ``dask`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gridsim.model import run_scenario
from gridsim.scenario import Scenario

GRID_COLUMNS: tuple[str, ...] = (
    "households",
    "visits_per_household",
    "issues_collected",
    "issues_resolved",
    "backlog_end",
    "median_days_to_close",
    "on_time_rate",
)
"""Per-grid columns kept with every stored run (for maps and equity figures)."""


@dataclass(frozen=True)
class Task:
    """One replication of one variant.

    Attributes:
        variant: Variant name within the experiment.
        scenario_hash: Content hash of the resolved scenario.
        replication: Replication number.
        seed: Root seed of the experiment.
        scenario: The resolved scenario as JSON data.
    """

    variant: str
    scenario_hash: str
    replication: int
    seed: int
    scenario: dict[str, Any]

    @property
    def key(self) -> tuple[str, int]:
        """``(scenario_hash, replication)``: what identifies the run's result."""
        return (self.scenario_hash, self.replication)


def _clean(values: Iterable[float]) -> list[float | None]:
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in values]


def simulate(task: Task) -> dict[str, Any]:
    """Run one task and return its JSON-compatible payload.

    Args:
        task: The task.

    Returns:
        ``{"kpis", "daily", "grids", "wall_seconds"}`` with plain numbers and
        lists (NaN as ``None``).
    """
    scenario = Scenario.model_validate(task.scenario)
    result = run_scenario(scenario, seed=task.seed, replication=task.replication)
    daily = result.daily
    return {
        "kpis": dict(zip(result.kpis, _clean(float(v) for v in result.kpis.values()), strict=True)),
        "daily": {
            c: daily[c].astype(int).tolist() for c in ("new", "closed", "open", "closed_after")
        },
        "grids": {c: _clean(float(v) for v in result.grids[c].to_numpy()) for c in GRID_COLUMNS},
        "wall_seconds": result.wall_seconds,
    }


class Executor(Protocol):
    """Runs tasks and yields results as they complete."""

    workers: int

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Yield ``(task, payload)`` for every task, in completion order."""
        ...


@dataclass
class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers: int = 1

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Yield results in task order."""
        for task in tasks:
            yield task, simulate(task)


def _simulate_pair(task: Task) -> tuple[Task, dict[str, Any]]:
    return task, simulate(task)


@dataclass
class ProcessExecutor:
    """Runs tasks in local worker processes (joblib / loky).

    Attributes:
        workers: Worker processes (default: the machine's cores).
    """

    workers: int = 0

    def __post_init__(self) -> None:
        if self.workers <= 0:
            self.workers = os.cpu_count() or 1

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Yield results as the workers finish them."""
        if not tasks:
            return
        from joblib import Parallel, delayed

        parallel = Parallel(
            n_jobs=self.workers, backend="loky", return_as="generator_unordered", batch_size=1
        )
        yield from parallel(delayed(_simulate_pair)(t) for t in tasks)


@dataclass
class DaskExecutor:
    """Runs tasks on a Dask cluster.

    Attributes:
        client: A ``distributed.Client``, or a scheduler address such as
            ``tcp://127.0.0.1:8786``.
    """

    client: Any
    workers: int = 0

    def __post_init__(self) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("Dask is not installed: pip install 'gridsim[dask]'") from exc
        self._owns_client = isinstance(self.client, str)
        if self._owns_client:
            self.client = Client(self.client, timeout="20s")
        info = self.client.scheduler_info(n_workers=-1)
        self.workers = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Yield results as the cluster finishes them."""
        if not tasks:
            return
        from distributed import as_completed

        futures = self.client.map(_simulate_pair, tasks, pure=False)
        for future in as_completed(futures):
            yield future.result()
            future.release()

    def close(self) -> None:
        """Close the client if this executor opened it."""
        if self._owns_client:
            self.client.close()


def make_executor(workers: int | None = None, dask: Any = None) -> Executor:
    """The executor for a ``--workers`` / ``--dask`` choice.

    Args:
        workers: ``1`` for serial, ``N > 1`` for N local processes,
            ``None`` for one process per core.
        dask: A ``distributed.Client`` or a scheduler address; wins over
            ``workers``.

    Returns:
        An executor.
    """
    if dask is not None:
        return DaskExecutor(dask)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers or 0)
