"""A plan: search for the cheapest design that meets the targets, select it, test it.

:meth:`Plan.run` does four things, each on gridsim's executors with common
random numbers and every run in the tenant's store:

1. **search** (:mod:`gridsim.planning.search`): optuna proposes designs, each
   run at every uncertainty point for the plan's replications;
2. **selection** (:mod:`gridsim.planning.selection`): the best ``top``
   feasible designs run again with seeds the search never used, and KN picks
   the winner at the plan's indifference zone and confidence;
3. **verification**: the winner's targets, estimated from those fresh runs,
   with 95 % intervals;
4. **discovery** (:mod:`gridsim.planning.discovery`): the winner over a Latin
   hypercube of the assumed parameters; PRIM (and CART) find where it fails.

Example:
    >>> plan = Plan.from_file("scenarios/plan-yuelu.toml")      # doctest: +SKIP
    >>> result = plan.run()                                      # doctest: +SKIP
    >>> result.recommendation                                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.experiments.derived import resolve
from gridsim.experiments.executors import Executor, Task, encode_payload, make_executor
from gridsim.experiments.spec import ExperimentError
from gridsim.fileio import InputError, check_regular_file, display_path, resolve_inside
from gridsim.planning.search import Design, SearchResult, search, shortfall, statistic
from gridsim.planning.spec import PlanError, PlanSpec, read_plan_spec
from gridsim.scenario import Scenario, ScenarioError, load_scenario
from gridsim.scenario.files import scenario_roots

SELECTION_REPLICATIONS = 10_000
"""First replication number of the selection's runs: seeds the search never used."""

DISCOVERY_REPLICATIONS = 20_000
"""First replication number of the discovery's runs."""

REPORTED_KPIS = (
    "cost",
    "on_time_rate",
    "satisfaction",
    "visits_per_household",
    "resolution_rate",
    "p90_days_to_close",
    "households_visited",
    "issues_collected",
    "issues_resolved",
)
"""KPIs every plan result reports for its designs (besides the targets)."""


def _ci95(values: Sequence[float]) -> tuple[float, float]:
    x = np.asarray([v for v in values if v == v], dtype=float)
    if len(x) < 2:
        m = float(x.mean()) if len(x) else float("nan")
        return (m, m)
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x))
    return (float(x.mean()) - half, float(x.mean()) + half)


@dataclass
class PlanResult:
    """Everything a plan found, JSON-ready through :meth:`to_dict`.

    Attributes:
        plan: The plan.
        search: The search's designs and why it stopped.
        baseline: The base design (no lever changed), evaluated like the others.
        selection: KN's result over the best feasible designs (None if none).
        winner: The recommended design (None: no design met the targets).
        verified: Target KPI -> {estimate, ci95, met} from the selection's fresh runs.
        kpis: KPI -> {mean, ci95} of the winner on the fresh runs.
        discovery: Where the winner fails (PRIM, CART), or None.
    """

    plan: Plan
    search: SearchResult
    baseline: Design
    selection: Any = None
    winner: Design | None = None
    verified: dict[str, dict[str, Any]] = field(default_factory=dict)
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    discovery: Any = None

    @property
    def feasible(self) -> bool:
        """Whether a design met every target."""
        return self.winner is not None

    def nearest(self, n: int = 3) -> list[Design]:
        """The designs that come nearest to the targets (for an infeasible plan)."""
        spec = self.plan.spec
        return self.search.ranked(spec.objective.sense, spec.targets)[:n]

    @property
    def recommendation(self) -> str:
        """The answer in one plain sentence."""
        spec = self.plan.spec
        if self.winner is None:
            near = self.nearest(1)
            binding = near[0].binding(spec.targets) if near else None
            return (
                f"No design among {len(self.search.designs)} tried meets every target; the "
                f"binding target is {binding}"
                + (f" (nearest: {_describe(near[0].params)})." if near else ".")
            )
        w = self.winner
        met = ", ".join(
            f"{t.kpi} {t.op} {t.value:g} ({v['estimate']:.3g})"
            for t in spec.targets
            for v in [self.verified.get(t.kpi, {"estimate": float("nan")})]
        )
        cost_w = self.kpis.get("cost", {}).get("mean", w.means.get("cost", float("nan")))
        cost_b = self.baseline.means.get("cost", float("nan"))
        change = (cost_w / cost_b - 1.0) * 100 if cost_b else float("nan")
        return (
            f"Recommended: {_describe(w.params)}; it meets {met or 'no stated target'} "
            f"and costs {cost_w / 1e6:,.1f} M yuan a year ({change:+.1f} % against today's "
            f"{cost_b / 1e6:,.1f} M)."
        )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON: base, levers, targets, feasible, recommended, and the rest."""
        spec = self.plan.spec
        targets = []
        for t in spec.targets:
            v = self.verified.get(t.kpi)
            est = (
                v["estimate"] if v else (self.winner.statistics.get(t.kpi) if self.winner else None)
            )
            targets.append(
                {
                    "kpi": t.kpi,
                    "op": t.op,
                    "value": t.value,
                    "statistic": t.statistic,
                    "met": bool(v["met"]) if v else False,
                    "estimate": est,
                    "ci95": v["ci95"] if v else None,
                }
            )
        recommended = None
        if self.winner is not None:
            recommended = {
                "trial": self.winner.number,
                "params": self.winner.params,
                "changes": self.winner.changes,
                "kpis": self.kpis,
            }
        return {
            "plan": spec.name,
            "base": self.plan.base_path,
            "levers": [lever.model_dump(exclude_none=True) for lever in spec.levers],
            "targets": targets,
            "objective": {"kpi": spec.objective.kpi, "sense": spec.objective.sense},
            "feasible": self.feasible,
            "recommendation": self.recommendation,
            "recommended": recommended,
            "baseline": self.baseline.to_dict(),
            "nearest": [d.to_dict() for d in self.nearest()] if not self.feasible else [],
            "search": {
                "trials": len(self.search.designs),
                "stopped": self.search.stopped,
                "seconds": self.search.seconds,
                "resumed": self.search.resumed,
                "designs": [d.to_dict() for d in self.search.designs],
            },
            "selection": self.selection.to_dict() if self.selection is not None else None,
            "discovery": self.discovery.to_dict() if self.discovery is not None else None,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (NaN as null)."""
        return json.dumps(_clean(self.to_dict()), ensure_ascii=False, indent=1)

    def _repr_html_(self) -> str:
        import html

        rows = []
        for t in self.to_dict()["targets"]:
            estimate = "" if t["estimate"] is None else f"{t['estimate']:.3g}"
            rows.append(
                f"<tr><td>{html.escape(t['kpi'])} {t['op']} {t['value']:g} ({t['statistic']})"
                f"</td><td>{estimate}</td><td>{'✓' if t['met'] else '✗'}</td></tr>"
            )
        rows = "".join(rows)
        return (
            f"<b>{html.escape(self.plan.spec.name)}</b>: {html.escape(self.recommendation)}"
            f"<table><tr><th>target</th><th>estimate</th><th>met</th></tr>{rows}</table>"
        )


def lever_label(key: str) -> str:
    """A lever as people read it: its key without the section.

    ``staff.street`` for ``handle.staff.street``, ``households_per_grid`` for
    ``grids.households_per_grid``.
    """
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 3 else parts[-1]


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{lever_label(k)}={_fmt(v)}" for k, v in params.items())


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if x != x or x in (float("inf"), float("-inf")) else x
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        return _clean(x.item())
    return x


class Plan:
    """A plan file, validated: its base scenario, levers, targets and uncertainty.

    Args:
        spec: The plan's contents.
        base: The base scenario.
        base_path: The base scenario's path as the user would type it.
        source: How to name the plan in messages.
    """

    def __init__(self, spec: PlanSpec, base: Scenario, base_path: str, source: str) -> None:
        self.spec = spec
        self.base = base
        self.base_path = base_path
        self.source = source
        self._points = self._uncertainty_points()
        self._check_levers()

    @classmethod
    def from_file(cls, path: str | Path, roots: Sequence[str | Path] = ()) -> Plan:
        """Read and validate a plan file (its base must lie in the file's scenario tree).

        Raises:
            PlanError: One line per problem, naming the file and key (exit 2).
        """
        path = Path(path)
        spec = read_plan_spec(path)
        display = display_path(path)
        allowed = scenario_roots(path.resolve(), tuple(Path(r) for r in roots))
        where = f"{display}: base"
        try:
            base_path = resolve_inside(
                path.resolve().parent, spec.base, allowed, where=where, what="scenario file"
            )
            if not base_path.exists():
                raise PlanError([f"{where}: scenario file {spec.base!r} not found"])
            check_regular_file(base_path, f"{where}: '{spec.base}'")
            base = load_scenario(base_path, roots=allowed)
        except PlanError:
            raise
        except InputError as exc:
            raise PlanError(exc.problems) from None
        return cls(spec, base, display_path(base_path), display)

    # -- designs -----------------------------------------------------------------

    def _uncertainty_points(self) -> list[dict[str, Any]]:
        u = self.spec.uncertainty
        points: list[dict[str, Any]] = [dict(p) for p in u.points]
        if u.ranges:
            from scipy.stats import qmc

            keys = list(u.ranges)
            sample = qmc.LatinHypercube(d=len(keys), seed=self.spec.seed).random(u.samples)
            lo = np.array([u.ranges[k][0] for k in keys])
            hi = np.array([u.ranges[k][1] for k in keys])
            for row in qmc.scale(sample, lo, hi) if len(sample) else []:
                base = points if points else [{}]
                for p in base:
                    points.append({**p, **dict(zip(keys, map(float, row), strict=True))})
        return points or [{}]

    @property
    def points(self) -> list[dict[str, Any]]:
        """The uncertainty points every design runs at (``[{}]``: the base as it is)."""
        return self._points

    def _check_levers(self) -> None:
        """Every lever's ends (and each point) make a valid scenario: errors name the key."""
        problems: list[str] = []
        for i, lever in enumerate(self.spec.levers):
            ends = lever.choices if lever.choices is not None else [lever.low, lever.high]
            for value in ends:
                if lever.kind == "int":
                    value = int(value)  # type: ignore[arg-type]
                try:
                    self.scenario({lever.key: value})
                except (ScenarioError, ExperimentError) as exc:
                    detail = exc.problems[0].split(": ", 1)[-1]
                    problems.append(
                        f"{self.source}: levers[{i}] ({lever.key} = {value!r}): {detail}"
                    )
                    break
        for j, point in enumerate(self.spec.uncertainty.points):
            try:
                self.base.with_changes(point)
            except ScenarioError as exc:
                problems.append(f"{self.source}: uncertainty.points[{j}]: {exc.problems[0]}")
        if problems:
            raise PlanError(problems)

    def scenario(self, params: dict[str, Any], point: dict[str, Any] | None = None) -> Scenario:
        """The scenario of a design (lever values) at an uncertainty point."""
        changes = resolve(self.base, {**(point or {}), **params})
        return self.base.with_changes({**changes, "simulation.seed": self.spec.seed})

    def changes(self, params: dict[str, Any]) -> dict[str, Any]:
        """A design's plain scenario changes (derived levers resolved): ``base.with_changes``."""
        return resolve(self.base, params)

    # -- running -----------------------------------------------------------------

    @property
    def experiment(self) -> str:
        """The name the plan's runs are stored under."""
        return f"plan {self.spec.name}"

    def run(
        self,
        workspace: Any = None,
        executor: Executor | None = None,
        progress: bool = True,
        journal: str | Path | None = None,
    ) -> PlanResult:
        """Search, select, verify and test the plan (resuming what a killed run left).

        Args:
            workspace: A :class:`gridsim.store.Workspace` (default: tenant ``default``).
            executor: Where runs go (default: local worker processes).
            progress: Show a progress bar (trials, best so far, time left).
            journal: optuna's journal file (default: next to the tenant's store).

        Returns:
            The result.
        """
        from gridsim.store import Workspace

        ws = workspace if workspace is not None else Workspace("default")
        ex = executor if executor is not None else make_executor()
        runner = _Runner(self, ws, ex)
        path = Path(journal) if journal is not None else _journal_path(ws, self.spec.name)
        bar = _SearchBar(self, enabled=progress)
        try:
            found = search(
                self.spec,
                path,
                lambda batch: runner.designs(batch, range(self.spec.replications)),
                progress=bar.update,
            )
        finally:
            bar.close()
        baseline = runner.designs([{}], range(self.spec.replications))[0]
        baseline.number = -1
        result = PlanResult(self, found, baseline)
        self._select(result, runner)
        if result.winner is not None and self.spec.discovery.samples > 0:
            result.discovery = self._discover(result.winner, runner)
        return result

    def _select(self, result: PlanResult, runner: _Runner) -> None:
        from gridsim.planning.selection import Constraint, select

        spec = self.spec
        sense = spec.objective.sense
        feasible = [d for d in result.search.ranked(sense, spec.targets) if d.feasible]
        top = feasible[: spec.selection.top]
        if not top:
            return
        constraints = [
            Constraint(t.kpi, t.op, t.value, t.tolerance or max(abs(t.value) * 0.01, 1e-9))
            for t in spec.targets
        ]
        delta = spec.selection.delta
        if delta is None:  # 1 % of the best objective
            delta = max(abs(top[0].objective) * 0.01, 1e-9)

        def sample(designs: list[int], reps: list[int]) -> dict[int, list[dict[str, float]]]:
            rows = runner.observations(
                [top[i].params for i in designs], [SELECTION_REPLICATIONS + r for r in reps]
            )
            return dict(zip(designs, rows, strict=True))

        result.selection = select(
            sample,
            len(top),
            spec.objective.kpi,
            sense,
            constraints,
            delta=delta,
            alpha=spec.selection.alpha,
            n0=spec.selection.n0,
            max_replications=spec.selection.max_replications,
        )
        if result.selection.winner is None:
            return
        winner = top[result.selection.winner]
        result.winner = winner
        n = result.selection.replications[result.selection.winner]
        obs = runner.observations([winner.params], [SELECTION_REPLICATIONS + r for r in range(n)])
        rows = obs[0]
        for t in spec.targets:
            values = [row[t.kpi] for row in rows]
            est = float(np.mean(values))
            lo, hi = _ci95(values)
            result.verified[t.kpi] = {
                "estimate": est,
                "ci95": [lo, hi],
                "met": shortfall(t, est) <= 0,
                "replications": n,
            }
        runs = runner.kpi_rows(winner.params, [SELECTION_REPLICATIONS + r for r in range(n)])
        for k in dict.fromkeys([*REPORTED_KPIS, *(t.kpi for t in spec.targets)]):
            values = [r[k] for r in runs if k in r]
            lo, hi = _ci95(values)
            result.kpis[k] = {"mean": float(np.nanmean(values)), "ci95": [lo, hi]}

    def _discover(self, winner: Design, runner: _Runner) -> Any:
        from gridsim.planning import discovery

        spec = self.spec.discovery
        keys = spec.keys or None
        try:
            ranges = discovery.assumed_ranges(
                self.scenario(winner.params), spec.spread, keys, exclude=list(winner.params)
            )
        except ValueError as exc:
            raise PlanError(f"{self.source}: discovery.keys: {exc}") from None
        if not ranges:
            return None
        sample = discovery.latin_hypercube(ranges, spec.samples, self.spec.seed)
        points = [dict(row) for _, row in sample.iterrows()]
        kpis = runner.at_points(winner.params, points, DISCOVERY_REPLICATIONS)
        import pandas as pd

        frame = pd.DataFrame(kpis)
        targets = [(t.kpi, t.op, t.value) for t in self.spec.targets]
        failed = discovery.failure_mask(frame, targets)
        prim = discovery.prim(sample, failed) if failed.any() else None
        cart = discovery.cart_boxes(sample, failed) if failed.any() else []
        return Discovery(sample, frame, failed, prim, cart)


@dataclass
class Discovery:
    """Where the winner fails: the sample, its KPIs, which runs failed, PRIM and CART boxes."""

    sample: Any
    kpis: Any
    failed: np.ndarray
    prim: Any
    cart: list[Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "runs": len(self.failed),
            "failed": int(self.failed.sum()),
            "failure_rate": float(self.failed.mean()) if len(self.failed) else 0.0,
            "parameters": list(self.sample.columns),
            "prim": self.prim.to_dict() if self.prim is not None else None,
            "cart": [b.to_dict() for b in self.cart],
        }


def _journal_path(ws: Any, name: str) -> Path:
    from gridsim.store.workspace import default_root

    location = Path(str(ws.location))
    folder = location.parent if location.suffix else default_root()
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return folder / "plans" / ws.tenant / f"{safe}.journal"


class _Runner:
    """Runs designs at the plan's uncertainty points through the executor and the store."""

    def __init__(self, plan: Plan, workspace: Any, executor: Executor) -> None:
        from gridsim.store import current_model_version

        self.plan = plan
        self.ws = workspace
        self.ex = executor
        self.model = current_model_version()
        workspace.save_experiment(plan.experiment, {"plan": plan.spec.model_dump()})
        self.cache: dict[tuple[str, int], dict[str, float]] = {}
        for rec in workspace.load_runs(plan.experiment):
            if rec.model_version == self.model:
                self.cache[(rec.scenario_hash, rec.replication)] = dict(rec.kpis)

    def _run(self, scenarios: list[Scenario], reps: Sequence[int]) -> None:
        from gridsim.store import EncodedRun, json_text

        todo, seen = [], set()
        for s in scenarios:
            h = s.content_hash()
            data = None
            for r in reps:
                if (h, r) in self.cache or (h, r) in seen:
                    continue
                seen.add((h, r))
                data = data if data is not None else s.to_dict()
                todo.append(Task(s.name, h, r, s.simulation.seed, data, True, self.model))
        if not todo:
            return
        by_hash = {s.content_hash(): s for s in scenarios}
        for task, payload in self.ex.run(todo):
            encoded = encode_payload(payload)
            s = by_hash[task.scenario_hash]
            run = EncodedRun(
                task.scenario_hash,
                task.replication,
                s.name,
                task.seed,
                json_text(task.scenario),
                encoded,
            )
            self.ws.write_runs(self.plan.experiment, [run], model_version=self.model)
            self.cache[task.key] = {
                k: (float("nan") if v is None else float(v))
                for k, v in json.loads(encoded.kpis).items()
            }

    def _rows(self, scenarios: list[Scenario], reps: Sequence[int]) -> list[list[dict[str, float]]]:
        self._run(scenarios, reps)
        return [[self.cache[(s.content_hash(), r)] for r in reps] for s in scenarios]

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
        scenarios = [self.plan.scenario(params, u) for u in points]
        todo = []
        for i, s in enumerate(scenarios):
            todo.append((s, first + i))
        for s, r in todo:
            self._run([s], [r])
        return [self.cache[(s.content_hash(), r)] for s, r in todo]


def _design(plan: Plan, params: dict[str, Any], runs: list[dict[str, float]]) -> Design:
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


class _SearchBar:
    """A tqdm bar of trials with the best feasible objective so far and the time left."""

    def __init__(self, plan: Plan, enabled: bool) -> None:
        self.plan = plan
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=plan.spec.search.trials, desc=plan.spec.name, unit="trial")

    def update(self, result: SearchResult) -> None:
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
        if self.bar is not None:
            self.bar.close()


__all__ = ["DISCOVERY_REPLICATIONS", "SELECTION_REPLICATIONS", "Discovery", "Plan", "PlanResult"]
