"""The search: optuna asks for designs, gridsim runs them (executors, store), optuna is told.

Each trial is one design — a value for every lever. It runs at every
uncertainty point (the fitting set, and/or a Latin hypercube of assumed
parameters) for the plan's replications, with common random numbers: every
design sees the same seeds, so differences between designs are the designs'.
Its objective is the mean of the objective KPI over those runs; each target is
a constraint on its robust statistic (``p10`` of on-time rate >= 0.90: the
10th percentile over points x replications), feasible when met. The
constraints reach optuna through ``trial.set_constraint`` (TPE for
one objective, NSGA-II for a cost-vs-service front).

**Asked and told, so that a killed plan resumes.** Trials are asked in
batches of ``search.batch`` and their runs go through gridsim's executor
(loky or Dask) together; every run is written to the tenant's store as it
finishes, and optuna's journal (a file in the workspace) records every trial
asked and told. Each trial's sampler is seeded with the plan's seed plus the
trial's number, so the sequence of designs depends only on the history, not on
when the process started: a plan killed at any point and run again re-runs
only the runs the store lacks, finishes the trials that were asked, and goes on
to the same designs an uninterrupted run would have reached.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.planning.spec import QUANTILES, LeverSpec, PlanSpec, TargetSpec


@dataclass
class Design:
    """One evaluated design (a trial).

    Attributes:
        number: The trial's number (0, 1, ...).
        params: Lever key -> value, as the plan file names the levers.
        changes: Plain scenario keys -> values (derived levers resolved), what
            ``base.with_changes`` applies.
        objective: Mean of the objective KPI over points x replications.
        front: Mean of the front KPI (NSGA-II), else None.
        statistics: Target KPI -> its robust statistic.
        means: KPI -> mean over points x replications.
        shortfall: Target KPI -> how far the statistic misses the value (0: met).
    """

    number: int
    params: dict[str, Any]
    changes: dict[str, Any]
    objective: float
    front: float | None
    statistics: dict[str, float]
    means: dict[str, float]
    shortfall: dict[str, float] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """Whether every target is met."""
        return all(v <= 0 for v in self.shortfall.values())

    def relative_shortfall(self, targets: Sequence[TargetSpec]) -> float:
        """The largest shortfall as a share of its target's value (0: feasible)."""
        worst = 0.0
        for t in targets:
            worst = max(worst, self.shortfall.get(t.kpi, 0.0) / max(abs(t.value), 1e-12))
        return worst

    def binding(self, targets: Sequence[TargetSpec]) -> str | None:
        """The target missed by most (relative to its value), or None when feasible."""
        misses = {t.kpi: self.shortfall.get(t.kpi, 0.0) / max(abs(t.value), 1e-12) for t in targets}
        kpi, worst = max(misses.items(), key=lambda kv: kv[1], default=(None, 0.0))
        return kpi if worst > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "number": self.number,
            "params": self.params,
            "changes": self.changes,
            "objective": self.objective,
            "front": self.front,
            "statistics": self.statistics,
            "means": self.means,
            "shortfall": self.shortfall,
            "feasible": self.feasible,
        }


def statistic(values: Sequence[float], name: str) -> float:
    """A target's statistic over points x replications (``mean`` or an order statistic)."""
    x = np.asarray([v for v in values if v == v], dtype=float)  # NaN (no cases) left out
    if len(x) == 0:
        return float("nan")
    if name == "mean":
        return float(x.mean())
    return float(np.quantile(x, QUANTILES[name]))


def shortfall(target: TargetSpec, value: float) -> float:
    """How far ``value`` misses ``target`` (0 when met; a NaN misses by the target's value)."""
    if value != value:
        return abs(target.value)
    gap = target.value - value if target.op == ">=" else value - target.value
    return max(0.0, float(gap))


def distributions(levers: Sequence[LeverSpec]) -> dict[str, Any]:
    """Optuna distributions of the levers, keyed by lever key."""
    import optuna

    out: dict[str, Any] = {}
    for lever in levers:
        if lever.kind == "choice":
            out[lever.key] = optuna.distributions.CategoricalDistribution(lever.choices)
        elif lever.kind == "int":
            step = int(lever.step) if lever.step is not None else 1
            out[lever.key] = optuna.distributions.IntDistribution(
                int(lever.low), int(lever.high), step=step
            )
        else:
            out[lever.key] = optuna.distributions.FloatDistribution(
                float(lever.low), float(lever.high), step=lever.step
            )
    return out


def make_sampler(spec: PlanSpec, number: int) -> Any:
    """The sampler that asks for trial ``number`` (seeded by the plan and the number)."""
    import optuna

    search = spec.search
    seed = search.seed * 100_003 + number
    if search.sampler == "tpe":
        startup = max(4, min(10, search.trials // 4))
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True)
    if search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, search.batch * 2))
    return optuna.samplers.RandomSampler(seed=seed)  # "grid": enqueued designs, in order


Evaluate = Callable[[list[dict[str, Any]]], list[Design]]
"""Runs designs (lever values) and returns them evaluated, in order."""


@dataclass
class SearchResult:
    """What the search found.

    Attributes:
        designs: Every evaluated design, in trial order.
        stopped: Why the search stopped (``trials``, ``minutes``, ``patience``,
            ``space`` — every design of a finite space tried).
        seconds: Wall time of the search (including earlier, killed sessions).
        resumed: Trials found in the journal when this session started.
    """

    designs: list[Design]
    stopped: str
    seconds: float
    resumed: int = 0

    def best(self, sense: str) -> Design | None:
        """The best feasible design (objective), or None."""
        feasible = [d for d in self.designs if d.feasible]
        if not feasible:
            return None
        sign = 1.0 if sense == "min" else -1.0
        return min(feasible, key=lambda d: (sign * d.objective, d.number))

    def ranked(self, sense: str, targets: Sequence[TargetSpec]) -> list[Design]:
        """Feasible designs by objective, then infeasible ones by how near they come."""
        sign = 1.0 if sense == "min" else -1.0
        return sorted(
            self.designs,
            key=lambda d: (
                not d.feasible,
                d.relative_shortfall(targets),
                sign * d.objective,
                d.number,
            ),
        )


def _design_from(trial: Any) -> Design:
    attrs = trial.user_attrs
    return Design(
        number=trial.number,
        params=dict(trial.params),
        changes=attrs["changes"],
        objective=attrs["objective"],
        front=attrs.get("front"),
        statistics=attrs["statistics"],
        means=attrs["means"],
        shortfall=attrs["shortfall"],
    )


def search(
    spec: PlanSpec,
    journal: Path,
    evaluate: Evaluate,
    progress: Callable[[SearchResult], None] | None = None,
) -> SearchResult:
    """Run (or resume) the plan's search.

    Args:
        spec: The plan.
        journal: optuna's journal file (created, or resumed from).
        evaluate: Runs a batch of designs through gridsim's executor and store.
        progress: Called after every batch with the result so far.

    Returns:
        Every design evaluated and why the search stopped.
    """
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    journal.parent.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(
        JournalFileBackend(str(journal), lock_obj=JournalFileOpenLock(str(journal)))
    )
    directions = ["minimize" if spec.objective.sense == "min" else "maximize"]
    if spec.search.sampler == "nsga2":
        directions.append("maximize")
    study = optuna.create_study(
        storage=storage,
        study_name=spec.name,
        directions=directions,
        sampler=make_sampler(spec, 0),
        load_if_exists=True,
    )
    dists = distributions(spec.levers)
    space = _space_size(spec.levers)
    grid = grid_designs(spec.levers) if spec.search.sampler == "grid" else []
    started = time.perf_counter()
    before = float(study.user_attrs.get("seconds", 0.0))
    trials = study.get_trials(deepcopy=False)
    resumed = sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    # Trials asked but not told (the process was killed while they ran): finish them;
    # one killed while it was being asked (not every lever set yet) is failed and asked
    # again (a failed trial counts for nothing: see _position).
    pending = []
    for t in trials:
        if t.state != optuna.trial.TrialState.RUNNING:
            continue
        if set(t.params) == set(dists):
            pending.append(t)
        else:
            study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    stopped = "trials"
    batch = spec.search.batch
    limit = spec.search.trials if space is None else min(spec.search.trials, space)
    while True:
        # A batch is the positions [k * batch, (k + 1) * batch): the same batches, and
        # so the same designs, whether or not a run was killed inside one. A resumed
        # batch asks its missing trials while its earlier ones are still running, as
        # an uninterrupted run did, then evaluates them all.
        asked = [optuna.trial.Trial(study, t._trial_id) for t in pending]
        pending = []
        done = _position(study)
        if not asked and done >= limit:
            stopped = "space" if space is not None and done >= space else "trials"
            break
        for number in range(done, min(limit, done + (-done % batch or batch))):
            if spec.search.sampler == "grid":
                study.enqueue_trial(grid[number])
            study.sampler = make_sampler(spec, number)
            asked.append(study.ask(dists))
        evaluated = evaluate([dict(t.params) for t in asked])
        for trial, design in zip(asked, evaluated, strict=True):
            for key, value in (
                ("changes", design.changes),
                ("objective", design.objective),
                ("front", design.front),
                ("statistics", design.statistics),
                ("means", design.means),
                ("shortfall", design.shortfall),
            ):
                trial.set_user_attr(key, value)
            for t in spec.targets:  # feasible when <= 0: what the samplers read
                trial.set_constraint(t.kpi, design.shortfall[t.kpi])
            values = [design.objective]
            if spec.search.sampler == "nsga2":
                values.append(float(design.means.get(str(spec.search.front), float("nan"))))
            study.tell(trial, values)
        seconds = before + time.perf_counter() - started
        study.set_user_attr("seconds", seconds)
        result = _result(study, "running", seconds, resumed)
        if progress is not None:
            progress(result)
        if seconds >= 60.0 * spec.search.minutes:
            stopped = "minutes"
            break
        if spec.search.patience is not None and _stale(result, spec) >= spec.search.patience:
            stopped = "patience"
            break
    return _result(study, stopped, before + time.perf_counter() - started, resumed)


def grid_designs(levers: Sequence[LeverSpec]) -> list[dict[str, Any]]:
    """Every design of a discrete space, in order (the ``grid`` sampler's sequence)."""
    import itertools

    axes = []
    for lever in levers:
        if lever.kind == "choice":
            axes.append(list(lever.choices or []))
        elif lever.kind == "int" or lever.step is not None:
            step = lever.step if lever.step is not None else 1
            n = round((float(lever.high) - float(lever.low)) / step) + 1
            values = [float(lever.low) + i * step for i in range(n)]
            axes.append([int(v) for v in values] if lever.kind == "int" else values)
        else:
            raise ValueError(f"{lever.key}: the grid sampler needs a step or choices")
    keys = [lever.key for lever in levers]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


def _space_size(levers: Sequence[LeverSpec]) -> int | None:
    """Number of distinct designs when every lever is discrete, else None."""
    size = 1
    for lever in levers:
        if lever.kind == "choice":
            size *= len(lever.choices or [])
        elif lever.kind == "int" or lever.step is not None:
            step = lever.step if lever.step is not None else 1
            size *= round((float(lever.high) - float(lever.low)) / step) + 1
        else:
            return None
    return size


def _position(study: Any) -> int:
    """Trials asked so far, failed ones (killed while being asked) not counted.

    The next trial's sampler seed and grid design: the same sequence whether
    or not the plan was killed and resumed on the way.
    """
    import optuna

    return sum(t.state != optuna.trial.TrialState.FAIL for t in study.get_trials(deepcopy=False))


def _result(study: Any, stopped: str, seconds: float, resumed: int) -> SearchResult:
    import optuna

    done = [
        t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE
    ]
    designs = [_design_from(t) for t in done]
    for position, design in enumerate(designs):  # trial numbers, failed trials left out
        design.number = position
    return SearchResult(designs, stopped, seconds, resumed)


def _stale(result: SearchResult, spec: PlanSpec) -> int:
    """Trials since the best feasible design last improved (0 while none is feasible).

    Patience waits for a first feasible design: before one is found, the
    search runs to its trial or time budget.
    """
    if not any(d.feasible for d in result.designs):
        return 0
    sign = 1.0 if spec.objective.sense == "min" else -1.0
    best, since = float("inf"), 0
    for d in result.designs:
        if d.feasible and sign * d.objective < best:
            best, since = sign * d.objective, 0
        else:
            since += 1
    return since


__all__ = [
    "Design",
    "SearchResult",
    "distributions",
    "make_sampler",
    "search",
    "shortfall",
    "statistic",
]
