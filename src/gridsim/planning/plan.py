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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.experiments.derived import resolve
from gridsim.experiments.executors import Executor, make_executor
from gridsim.experiments.spec import ExperimentError
from gridsim.experiments.statistics import mean_ci
from gridsim.fileio import InputError, check_regular_file, display_path, resolve_inside
from gridsim.planning.result import REPORTED_KPIS, PlanResult
from gridsim.planning.runner import Runner, SearchBar, journal_path
from gridsim.planning.search import Design, search, shortfall
from gridsim.planning.spec import PlanError, PlanSpec, read_plan_spec
from gridsim.scenario import Scenario, ScenarioError, load_scenario
from gridsim.scenario.files import scenario_roots

SELECTION_REPLICATIONS = 10_000
"""First replication number of the selection's runs: seeds the search never used."""

DISCOVERY_REPLICATIONS = 20_000
"""First replication number of the discovery's runs."""


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
        """The fitting-set points, each crossed with the Latin hypercube of ``ranges`` if any."""
        u = self.spec.uncertainty
        fitting: list[dict[str, Any]] = [dict(p) for p in u.points] or [{}]
        if not u.ranges:
            return fitting
        from scipy.stats import qmc

        keys = list(u.ranges)
        sample = qmc.LatinHypercube(d=len(keys), seed=self.spec.seed).random(u.samples)
        lo = np.array([u.ranges[k][0] for k in keys])
        hi = np.array([u.ranges[k][1] for k in keys])
        rows = [dict(zip(keys, map(float, row), strict=True)) for row in qmc.scale(sample, lo, hi)]
        return [{**p, **row} for p in fitting for row in rows]

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
        runner = Runner(self, ws, ex)
        path = Path(journal) if journal is not None else journal_path(ws, self.spec.name)
        bar = SearchBar(self, enabled=progress)
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

    def _select(self, result: PlanResult, runner: Runner) -> None:
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

        result.compared = top
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
        sel, i = result.selection, result.selection.winner
        winner = top[i]
        result.winner = winner
        n = sel.replications[i]
        for t in spec.targets:  # the selection's own estimates on its fresh runs
            est = sel.means[i][t.kpi]
            result.verified[t.kpi] = {
                "estimate": est,
                "ci95": list(sel.ci95[i][t.kpi]),
                "met": shortfall(t, est) <= 0,
                "replications": n,
            }
        runs = runner.kpi_rows(winner.params, [SELECTION_REPLICATIONS + r for r in range(n)])
        for k in dict.fromkeys([*REPORTED_KPIS, *(t.kpi for t in spec.targets)]):
            m, lo, hi = mean_ci([r[k] for r in runs if k in r])
            result.kpis[k] = {"mean": m, "ci95": [lo, hi]}

    def _discover(self, winner: Design, runner: Runner) -> Any:
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


__all__ = [
    "DISCOVERY_REPLICATIONS",
    "SELECTION_REPLICATIONS",
    "Discovery",
    "Plan",
    "PlanResult",
]
