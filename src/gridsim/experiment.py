"""Experiments: designs × replications, run anywhere, stored per tenant, compared in pairs.

An experiment file (TOML) names a base scenario and the variants to compare::

    name = "compare-grid-size"
    base = "yuelu-2013.toml"          # relative to this file, inside scenarios/
    replications = 10
    seed = 2013
    baseline = "330 households"

    [[variants]]
    name = "330 households"

    [[variants]]
    name = "500 households"
    changes = { "grids.households_per_grid" = 500 }

    [vary]                            # and/or a full factorial
    "staff.information_officers_per_grid" = [1, 2]

    [design]                          # and/or a sampling design
    method = "lhs"                    # lhs | sobol | morris
    samples = 16
    parameters = { "households.latent_issues_per_year" = [0.2, 0.5] }

Variants from ``variants``, ``vary`` and ``design`` are combined in that
order. Every replication ``r`` of every variant uses the same root seed and
``r``: the variants see the same latent issues (common random numbers), so the
difference to the baseline is measured *in pairs*, one per replication.
"""

from __future__ import annotations

import functools
import itertools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridsim.comparison import HEADLINE_KPIS, compare, precision_met
from gridsim.executors import Executor, Task, encode_payload, make_executor
from gridsim.kpis import KPI_NAMES, RunResult
from gridsim.scenario import (
    Scenario,
    ScenarioError,
    _describe,
    _display,
    _scenarios_root,
    load_scenario,
)

Value = float | int | bool | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantSpec(_Strict):
    """One explicitly listed variant."""

    name: str = Field(min_length=1)
    changes: dict[str, Value] = Field(default_factory=dict)


class DesignSpec(_Strict):
    """A sampling design over parameter ranges."""

    method: Literal["lhs", "sobol", "morris"]
    samples: int = Field(gt=0, description="LHS points, Sobol base N, or Morris trajectories.")
    parameters: dict[str, tuple[float, float]] = Field(min_length=1)
    levels: int = Field(4, gt=1, description="Morris grid levels.")

    @model_validator(mode="after")
    def _bounds(self) -> DesignSpec:
        for key, (lo, hi) in self.parameters.items():
            if not lo < hi:
                raise ValueError(f"parameters.{key}: lower bound must be < upper, got [{lo}, {hi}]")
        return self


class ExperimentSpec(_Strict):
    """The contents of an experiment file."""

    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1)
    replications: int = Field(10, gt=0)
    max_replications: int = Field(100, gt=0)
    seed: int = Field(2013, ge=0)
    baseline: str | None = None
    variants: list[VariantSpec] = Field(default_factory=list)
    vary: dict[str, list[Value]] = Field(default_factory=dict)
    design: DesignSpec | None = None
    kpis: list[str] = Field(default_factory=lambda: list(HEADLINE_KPIS))

    @model_validator(mode="after")
    def _checks(self) -> ExperimentSpec:
        for key, values in self.vary.items():
            if not values:
                raise ValueError(f"vary.{key}: must list at least one value")
        if not self.variants and not self.vary and self.design is None:
            raise ValueError("variants: give at least one of [[variants]], [vary] or [design]")
        if self.max_replications < self.replications:
            raise ValueError(
                f"max_replications: must be >= replications ({self.replications}), "
                f"got {self.max_replications}"
            )
        return self


@dataclass(frozen=True)
class Variant:
    """A named, validated scenario of an experiment."""

    name: str
    changes: dict[str, Value]
    scenario: Scenario
    scenario_hash: str

    @functools.cached_property
    def scenario_json(self) -> str:
        """The resolved scenario as the store writes it (JSON text, made once)."""
        from gridsim.store import json_text

        return json_text(self.scenario.to_dict())


def _format_value(v: Value) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _factorial(vary: dict[str, list[Value]]) -> list[tuple[str, dict[str, Value]]]:
    keys = list(vary)
    if not keys:
        return []
    out = []
    for combo in itertools.product(*(vary[k] for k in keys)):
        changes = dict(zip(keys, combo, strict=True))
        name = ", ".join(f"{k.split('.')[-1]}={_format_value(v)}" for k, v in changes.items())
        out.append((name, changes))
    return out


def design_points(design: DesignSpec, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Sample points of a design and the SALib problem describing them.

    Args:
        design: The design.
        seed: Seed of the sampler.

    Returns:
        ``(points, problem)`` with one row per point, one column per parameter.
    """
    names = list(design.parameters)
    bounds = [list(design.parameters[n]) for n in names]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    if design.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(
            design.samples
        )
        lo, hi = np.array(bounds).T
        return qmc.scale(unit, lo, hi), problem
    if design.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=False, seed=seed), problem
    from SALib.sample import morris

    return morris.sample(problem, design.samples, num_levels=design.levels, seed=seed), problem


class ExperimentError(ScenarioError):
    """An experiment file is invalid (one line per problem, naming file and key)."""


def _resolve_variants(
    spec: ExperimentSpec, base: Scenario, display: str
) -> tuple[list[Variant], dict[str, Any] | None, np.ndarray | None]:
    named: list[tuple[str, dict[str, Value], str]] = [
        (v.name, dict(v.changes), f"variants[{i}].changes") for i, v in enumerate(spec.variants)
    ]
    named += [(n, c, "vary") for n, c in _factorial(spec.vary)]
    problem = None
    points = None
    if spec.design is not None:
        points, problem = design_points(spec.design, spec.seed)
        for i, row in enumerate(points):
            changes = {k: float(x) for k, x in zip(spec.design.parameters, row, strict=True)}
            named.append((f"{spec.design.method} {i:03d}", changes, "design.parameters"))
    problems: list[str] = []
    variants: list[Variant] = []
    seen: set[str] = set()
    for name, changes, where in named:
        if name in seen:
            problems.append(f"{display}: {where}: duplicate variant name {name!r}")
            continue
        seen.add(name)
        try:
            scenario = base.with_changes(changes)
        except ScenarioError as exc:
            for line in exc.problems:
                detail = line.split(": ", 1)[1] if line.startswith("<changes>: ") else line
                problems.append(f"{display}: {where}: {detail} (variant {name!r})")
            continue
        # The experiment's root seed is part of the scenario (and of its hash),
        # so a stored run's key always says which numbers it drew.
        scenario = scenario.with_changes({"simulation.seed": spec.seed}).model_copy(
            update={"name": name}
        )
        variants.append(Variant(name, changes, scenario, scenario.content_hash()))
    if problems:
        raise ExperimentError(problems)
    return variants, problem, points


@dataclass
class Experiment:
    """Designs × replications of a base scenario, compared against a baseline.

    Build one from a file with :meth:`from_file`, or in Python::

        exp = Experiment.from_dict({
            "name": "grid-size", "base": "yuelu-2013.toml", "replications": 5,
            "vary": {"grids.households_per_grid": [330, 500, 800]},
        }, root="scenarios")

    Attributes:
        spec: The validated experiment spec.
        base: The base scenario.
        variants: The variants, baseline first.
        source: The file the experiment came from (for messages).
    """

    spec: ExperimentSpec
    base: Scenario
    variants: list[Variant]
    source: str = "<experiment>"
    problem: dict[str, Any] | None = None
    points: np.ndarray | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """Experiment name."""
        return self.spec.name

    @property
    def baseline(self) -> Variant:
        """The variant every other is compared with."""
        return self.variants[0]

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], root: str | Path = "scenarios", source: str = "<experiment>"
    ) -> Experiment:
        """Build an experiment from a dict (the parsed TOML).

        Args:
            data: Experiment data.
            root: Folder that ``base`` is relative to.
            source: Name used in error messages.

        Returns:
            The experiment.

        Raises:
            ExperimentError: One line per problem.
        """
        try:
            spec = ExperimentSpec.model_validate(data)
        except ValidationError as exc:
            lines = []
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                msg = _describe(err)
                lines.append(f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}")
            raise ExperimentError(lines) from None
        root = Path(root).resolve()
        base_path = (root / spec.base).resolve()
        scenarios_root = _scenarios_root(base_path)
        if not base_path.is_relative_to(scenarios_root) or not base_path.is_file():
            raise ExperimentError([f"{source}: base: scenario file {spec.base!r} not found"])
        base = load_scenario(base_path)
        variants, problem, points = _resolve_variants(spec, base, source)
        if spec.baseline is not None:
            names = [v.name for v in variants]
            if spec.baseline not in names:
                raise ExperimentError(
                    [
                        f"{source}: baseline: {spec.baseline!r} is not a variant "
                        f"(variants: {', '.join(repr(n) for n in names[:8])}"
                        f"{', ...' if len(names) > 8 else ''})"
                    ]
                )
            variants.sort(key=lambda v: v.name != spec.baseline)
        unknown = [k for k in spec.kpis if k not in KPI_NAMES]
        if unknown:
            raise ExperimentError([f"{source}: kpis: unknown KPI {unknown[0]!r}"])
        return cls(spec, base, variants, source, problem, points)

    @classmethod
    def from_file(cls, path: str | Path) -> Experiment:
        """Read and validate an experiment file.

        Raises:
            ExperimentError: One line per problem, naming the file and key.
        """
        path = Path(path)
        display = _display(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ExperimentError([f"{display}: file not found"]) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ExperimentError([f"{display}: not valid TOML: {exc}"]) from None
        return cls.from_dict(data, root=path.resolve().parent, source=display)

    def tasks(self, replications: range, *, encode: bool = False) -> list[Task]:
        """Tasks for the given replications of every variant (replication-major).

        Args:
            replications: Replication numbers.
            encode: Ask the workers for the store's row format (see :class:`Task`).

        Returns:
            Replication 0 of every variant, then replication 1, and so on.
        """
        data = {v.name: v.scenario.to_dict() for v in self.variants}  # shared, not copied
        return [
            Task(v.name, v.scenario_hash, r, self.spec.seed, data[v.name], encode)
            for r in replications
            for v in self.variants
        ]

    def run(
        self,
        workspace: Any = None,
        executor: Executor | None = None,
        precision: float | None = None,
        progress: bool = True,
    ) -> Comparison:
        """Run what the store does not hold yet, then compare.

        Each run is committed to the store as soon as the executor yields it,
        in its own transaction (so a killed sweep loses no finished run, and
        running it again computes only what is missing). The workers encode
        the results in the store's row format, so the driver only inserts them.

        Args:
            workspace: A :class:`gridsim.workspace.Workspace`; default: the
                embedded workspace of tenant ``default``.
            executor: Where to run; default: local worker processes.
            precision: If given, add replications until every reported
                KPI's 95 % CI half-width is within this fraction of its mean
                (up to ``max_replications``).
            progress: Show a progress bar (terminal or notebook).

        Returns:
            The comparison.
        """
        from gridsim.workspace import Workspace

        ws = workspace if workspace is not None else Workspace("default")
        ex = executor if executor is not None else make_executor()
        ws.save_experiment(self.name, self.describe())
        n = self.spec.replications
        while True:
            self._run_missing(ws, ex, range(n), progress)
            result = self.comparison(ws, replications=n)
            if precision is None or n >= self.spec.max_replications:
                break
            if precision_met(result.runs, self.spec.kpis, precision):
                break
            n = min(self.spec.max_replications, max(n + 2, math.ceil(n * 1.5)))
        result.precision = precision
        return result

    def _run_missing(self, ws: Any, ex: Executor, reps: range, progress: bool) -> None:
        from gridsim import __version__
        from gridsim.store import EncodedRun

        done = {
            (k.scenario_hash, k.replication)
            for k in ws.existing_keys(self.name)
            if k.model_version == __version__
        }
        todo = []
        for t in self.tasks(reps, encode=True):
            if t.key not in done:
                done.add(t.key)  # identical design points run once
                todo.append(t)
        if not todo:
            return
        scenarios = {v.name: (v.scenario.name, v.scenario_json) for v in self.variants}
        bar = _progress(len(todo), f"{self.name}", enabled=progress)
        try:
            for task, payload in ex.run(todo):
                name, scenario = scenarios[task.variant]
                run = EncodedRun(
                    task.scenario_hash,
                    task.replication,
                    name,
                    task.seed,
                    scenario,
                    encode_payload(payload),  # encoded by the worker: as is
                )
                ws.write_runs(self.name, [run], model_version=__version__)
                bar.update(1)
        finally:
            bar.close()

    def comparison(self, workspace: Any, replications: int | None = None) -> Comparison:
        """Compare what the store holds (no new runs)."""
        n = replications if replications is not None else self.spec.replications
        runs = self.runs_frame(workspace, n)
        return Comparison(
            self,
            runs,
            compare(runs, self.baseline.name, self.spec.kpis),
            _workspace=workspace,
            _replications=n,
        )

    def records(self, workspace: Any, replications: int) -> dict[str, list[Any]]:
        """Stored runs of each variant (replications < n), in replication order."""
        from gridsim import __version__

        hashes: dict[str, list[str]] = {}
        for v in self.variants:  # two design points may be the same scenario
            hashes.setdefault(v.scenario_hash, []).append(v.name)
        out: dict[str, list[Any]] = {v.name: [] for v in self.variants}
        for rec in workspace.load_runs(self.name):
            if rec.replication >= replications or rec.model_version != __version__:
                continue
            for name in hashes.get(rec.scenario_hash, []):
                out[name].append(rec)
        for recs in out.values():
            recs.sort(key=lambda r: r.replication)
        return out

    def runs_frame(self, workspace: Any, replications: int) -> pd.DataFrame:
        """One row per stored run of this experiment's variants (replications < n).

        Reads only the KPIs (not the daily series and grid tables), so the
        memory it takes grows with runs × KPIs, not with runs × days × grids.
        """
        from gridsim import __version__

        stored = workspace.list_runs(self.name)
        if stored.empty:
            return pd.DataFrame()
        # numpy rather than pandas indexing: this runs at the end of every sweep.
        replication = stored["replication"].to_numpy()
        keep = (replication < replications) & (
            stored["model_version"].to_numpy(dtype=object) == __version__
        )
        rows_of: dict[str, list[int]] = {}  # scenario hash → rows, in the store's order
        for row, h in enumerate(stored["scenario_hash"].to_numpy(dtype=object)):
            if keep[row]:
                rows_of.setdefault(h, []).append(row)
        names: list[str] = []
        take: list[int] = []
        for v in self.variants:  # two design points may be the same scenario
            rows = rows_of.get(v.scenario_hash, [])
            take += rows
            names += [v.name] * len(rows)
        # Variant order, then replication order (the store lists runs by replication).
        kpis = [k for k in KPI_NAMES if k in stored.columns]
        columns: dict[str, Any] = {
            "variant": pd.array(names, dtype="str"),
            "replication": replication[take].astype(int),
        }
        for k in kpis:
            columns[k] = stored[k].to_numpy()[take]
        return pd.DataFrame(columns)

    def report(
        self,
        path: str | Path,
        workspace: Any = None,
        lang: str = "en",
        executor: Executor | None = None,
    ) -> Path:
        """Run what the store lacks and write the HTML report.

        Args:
            path: Output folder (``index.html`` plus the figures as PNG and SVG).
            workspace: Where runs are stored (default: tenant ``default``).
            lang: ``"en"`` or ``"zh"``.
            executor: Where to run missing replications.

        Returns:
            The path of ``index.html``.
        """
        from gridsim.report import write_report

        return write_report(self.run(workspace, executor, progress=False), path, lang=lang)

    def describe(self) -> dict[str, Any]:
        """JSON description of the experiment (stored with its runs)."""
        return {
            "spec": self.spec.model_dump(mode="json"),
            "variants": [
                {"name": v.name, "changes": v.changes, "scenario_hash": v.scenario_hash}
                for v in self.variants
            ],
            "baseline": self.baseline.name,
        }

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{v.name}</td><td>{v.scenario_hash}</td><td>{v.changes or '(base)'}</td></tr>"
            for v in self.variants
        )
        return (
            f"<b>{self.name}</b>: {len(self.variants)} variants × {self.spec.replications} "
            f"replications, seed {self.spec.seed}, baseline <i>{self.baseline.name}</i>"
            f"<table><tr><th>variant</th><th>hash</th><th>changes</th></tr>{rows}</table>"
        )


@dataclass
class Comparison:
    """Results of an experiment: per-run KPIs and the paired comparison table.

    Attributes:
        experiment: The experiment.
        runs: One row per run (variant, replication, KPIs...).
        table: Tidy comparison: one row per (variant, KPI) with mean, 95 % CI,
            paired difference to the baseline and its 95 % CI.
        precision: The precision target, if one was asked for.
        records: Variant → stored runs (:class:`gridsim.store.RunRecord`, with
            ``daily`` series and per-grid ``grids`` tables) for figures; read
            from the store on first use.
    """

    experiment: Experiment
    runs: pd.DataFrame
    table: pd.DataFrame
    precision: float | None = None
    _workspace: Any = field(default=None, repr=False)
    _replications: int = 0
    _records: dict[str, list[Any]] | None = field(default=None, repr=False)

    @property
    def records(self) -> dict[str, list[Any]]:
        """Variant → stored runs with daily series and grid tables (loaded on first use)."""
        if self._records is None:
            self._records = (
                self.experiment.records(self._workspace, self._replications)
                if self._workspace is not None
                else {}
            )
        return self._records

    def report(self, path: str | Path, lang: str = "en") -> Path:
        """Write the HTML report of this comparison (see :mod:`gridsim.report`)."""
        from gridsim.report import write_report

        return write_report(self, path, lang=lang)

    def sensitivity(self, kpi: str) -> pd.DataFrame | None:
        """Sobol or Morris indices of a KPI, when the design is Sobol or Morris."""
        from gridsim.comparison import sensitivity

        return sensitivity(self.experiment, self.runs, kpi)

    def _repr_html_(self) -> str:
        return self.table.to_html(float_format=lambda x: f"{x:,.3f}", index=False)


def payload_result(variant: Variant, task: Task, payload: dict[str, Any]) -> RunResult:
    """Rebuild a :class:`RunResult` from an executor's JSON payload (for storing)."""
    daily = pd.DataFrame(payload["daily"])
    daily.insert(0, "day", range(len(daily)))
    grids = pd.DataFrame(payload["grids"])
    grids.insert(0, "grid", range(len(grids)))
    kpis = {k: (math.nan if v is None else float(v)) for k, v in payload["kpis"].items()}
    return RunResult(
        scenario=variant.scenario.name,
        seed=task.seed,
        replication=task.replication,
        kpis=kpis,
        grids=grids,
        daily=daily,
        wall_seconds=float(payload["wall_seconds"]),
    )


def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="run", disable=not enabled, leave=False)


__all__ = [
    "Comparison",
    "DesignSpec",
    "Experiment",
    "ExperimentError",
    "ExperimentSpec",
    "Variant",
    "VariantSpec",
]
