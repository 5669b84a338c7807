"""Running a plan's designs at its uncertainty points, through the executor and into the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gridsim.experiments.executors import Executor, Task, refuse_shared_compute
from gridsim.planning.search import Design, SearchResult, shortfall, statistic
from gridsim.planning.spec import PlanSpec
from gridsim.scenario import Scenario


class Designs(Protocol):
    """What the runner needs of a plan (:class:`gridsim.planning.plan.Plan` is one)."""

    spec: PlanSpec

    @property
    def points(self) -> list[dict[str, Any]]:
        """The uncertainty points."""
        ...

    @property
    def experiment(self) -> str:
        """The name its runs are stored under."""
        ...

    def scenario(self, params: dict[str, Any], point: dict[str, Any] | None = None) -> Scenario:
        """The scenario of a design at a point."""
        ...

    def changes(self, params: dict[str, Any]) -> dict[str, Any]:
        """A design's plain scenario changes."""
        ...


def journal_path(ws: Any, name: str) -> Path:
    """The optuna journal of a plan: ``plans/<tenant>/<plan>.journal`` beside the store."""
    from gridsim.store.workspace import default_root

    location = Path(str(ws.location))
    folder = location.parent if location.suffix else default_root()
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return folder / "plans" / ws.tenant / f"{safe}.journal"


class Runner:
    """Runs designs at the plan's uncertainty points through the executor and the store."""

    def __init__(self, plan: Designs, workspace: Any, executor: Executor) -> None:
        from gridsim.store import current_model_version

        self.plan = plan
        self.ws = workspace
        self.ex = executor
        self.model = current_model_version()
        refuse_shared_compute(workspace, executor)  # a PostgreSQL tenant's compute is its own
        workspace.save_experiment(plan.experiment, {"plan": plan.spec.model_dump()})
        self.cache: dict[tuple[str, int], dict[str, float]] = {}
        for rec in workspace.load_runs(plan.experiment):
            if rec.model_version == self.model:
                self.cache[(rec.scenario_hash, rec.replication)] = dict(rec.kpis)

    def _run(self, runs: Sequence[tuple[Scenario, int]]) -> None:
        """Run the (scenario, replication) pairs the store lacks, in one executor call."""
        from gridsim.experiments.experiment import run_into_store
        from gridsim.store import json_text

        todo: list[Task] = []
        stored: dict[str, tuple[str, str]] = {}
        data: dict[str, dict[str, Any]] = {}
        seen: set[tuple[str, int]] = set()
        for s, r in runs:
            h = s.content_hash()
            if (h, r) in self.cache or (h, r) in seen:
                continue
            seen.add((h, r))
            if h not in data:
                data[h] = s.to_dict()
                stored[h] = (s.name, json_text(data[h]))
            # the task is named by its hash: a plan's designs share the base's name
            todo.append(Task(h, h, r, s.simulation.seed, data[h], True, self.model))
        if not todo:
            return
        for task, encoded in run_into_store(
            self.ws, self.plan.experiment, self.ex, todo, stored, self.model
        ):
            self.cache[task.key] = {
                k: (float("nan") if v is None else float(v))
                for k, v in json.loads(encoded.kpis).items()
            }

    def _rows(self, scenarios: list[Scenario], reps: Sequence[int]) -> list[list[dict[str, float]]]:
        hashes = [s.content_hash() for s in scenarios]
        self._run([(s, r) for s in scenarios for r in reps])
        return [[self.cache[(h, r)] for r in reps] for h in hashes]

    def designs(self, batch: list[dict[str, Any]], reps: Sequence[int]) -> list[Design]:
        """Evaluate designs: every point x replication, one executor call for the batch."""
        plan = self.plan
        points = plan.points
        scenarios = [plan.scenario(p, u) for p in batch for u in points]
        rows = self._rows(scenarios, reps)
        out = []
        for i, params in enumerate(batch):
            runs = [row for rs in rows[i * len(points) : (i + 1) * len(points)] for row in rs]
            out.append(_design(plan, params, runs))
        return out

    def observations(
        self, designs: list[dict[str, Any]], reps: Sequence[int]
    ) -> list[list[dict[str, float]]]:
        """Per design, one observation per replication: the KPIs over the points.

        A target's observation at a replication is its statistic over the
        uncertainty points at that replication (the mean for ``mean``, the
        worst point for an order statistic); the objective's is the mean.
        """
        plan = self.plan
        points = plan.points
        scenarios = [plan.scenario(p, u) for p in designs for u in points]
        rows = self._rows(scenarios, reps)
        out = []
        for i in range(len(designs)):
            mine = rows[i * len(points) : (i + 1) * len(points)]
            per_rep = []
            for j in range(len(reps)):
                at = [mine[u][j] for u in range(len(points))]
                obs = {k: float(np.nanmean([a[k] for a in at])) for k in at[0]}
                for t in plan.spec.targets:
                    if t.statistic != "mean":
                        worst = min if t.op == ">=" else max
                        obs[t.kpi] = float(worst(a[t.kpi] for a in at))
                per_rep.append(obs)
            out.append(per_rep)
        return out

    def kpi_rows(self, params: dict[str, Any], reps: Sequence[int]) -> list[dict[str, float]]:
        """Every run of a design (points x replications), KPIs as stored."""
        scenarios = [self.plan.scenario(params, u) for u in self.plan.points]
        return [row for rs in self._rows(scenarios, reps) for row in rs]

    def at_points(
        self, params: dict[str, Any], points: list[dict[str, Any]], first: int
    ) -> list[dict[str, float]]:
        """One run of a design at each given point (replications first, first + 1, ...)."""
        runs = [(self.plan.scenario(params, u), first + i) for i, u in enumerate(points)]
        self._run(runs)  # one executor call: the points run in parallel
        return [self.cache[(s.content_hash(), r)] for s, r in runs]


def _design(plan: Designs, params: dict[str, Any], runs: list[dict[str, float]]) -> Design:
    spec = plan.spec
    means = {k: float(np.nanmean([r[k] for r in runs])) for k in runs[0]} if runs else {}
    stats = {t.kpi: statistic([r[t.kpi] for r in runs], t.statistic) for t in spec.targets}
    front = means.get(spec.search.front) if spec.search.front else None
    return Design(
        number=0,
        params=params,
        changes=plan.changes(params),
        objective=means.get(spec.objective.kpi, float("nan")),
        front=front,
        statistics=stats,
        means=means,
        shortfall={t.kpi: shortfall(t, stats[t.kpi]) for t in spec.targets},
    )


class SearchBar:
    """A tqdm bar of trials with the best feasible objective so far and the time left."""

    def __init__(self, plan: Designs, enabled: bool) -> None:
        self.plan = plan
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=plan.spec.search.trials, desc=plan.spec.name, unit="trial")

    def update(self, result: SearchResult) -> None:
        """Show the trials done, the best feasible objective and the time left."""
        if self.bar is None:
            return
        spec = self.plan.spec
        self.bar.n = len(result.designs)
        best = result.best(spec.objective.sense)
        left = max(0.0, 60 * spec.search.minutes - result.seconds)
        self.bar.set_postfix_str(
            (f"best {spec.objective.kpi} {best.objective:,.4g}" if best else "none feasible yet")
            + f", ≤{left / 60:.1f} min left"
        )
        self.bar.refresh()

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


__all__ = ["Designs", "Runner", "SearchBar", "journal_path"]
