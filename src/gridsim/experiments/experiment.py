"""Experiments: designs × replications, run anywhere, stored per tenant, compared in pairs.

An experiment file (TOML) names a base scenario and the variants to compare::

    name = "compare-staffing"
    base = "yuelu-2013.toml"          # relative to this file, inside the scenario root
    replications = 10
    seed = 2013
    baseline = "Yuelu 2013 · households_per_grid=330"   # default: the first design

    [[variants]]
    name = "Yuelu 2013"

    [[variants]]
    name = "two officers"
    changes = { "staff.information_officers_per_grid" = 2 }

    [vary]                            # crossed with every variant (a full factorial)
    "grids.households_per_grid" = [330, 500]

    [design]                          # and/or a sampling design, beside them
    method = "lhs"                    # lhs | sobol | morris
    samples = 16
    parameters = { "households.latent_issues_per_year" = [0.2, 0.5] }

``[vary]`` crosses with ``[[variants]]``: each variant runs at each combination
of the factors (``"two officers · households_per_grid=500"``); with no
variants it is the factorial on the base. ``[design]`` points are sampled on
the base and added after them, not crossed (a Sobol or Morris analysis needs
exactly the sampler's points). Designs with the same content (the same
scenario hash) are simulated once; every name shows those runs.

Every replication ``r`` of every variant uses the same root seed and ``r``: the
variants see the same latent issues (common random numbers), so the
difference to the baseline is measured *in pairs*, one per replication.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from gridsim.experiments.designs import CROSS, Variant, resolve_variants
from gridsim.experiments.executors import (
    Executor,
    Task,
    encode_payload,
    make_executor,
    refuse_shared_compute,
)
from gridsim.experiments.results import Comparison
from gridsim.experiments.spec import ExperimentError, ExperimentSpec, read_experiment_data
from gridsim.experiments.statistics import compare, precision_met
from gridsim.fileio import InputError, check_regular_file, display_path, resolve_inside
from gridsim.model.kpis import KPI_NAMES, RunResult
from gridsim.scenario import Scenario, describe, load_scenario, scenario_roots

if TYPE_CHECKING:
    from gridsim.store import EncodedResult


def _names(shown: list[str]) -> str:
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _unknown_baseline(spec: ExperimentSpec, names: list[str], source: str) -> str:
    crossed = [n for n in names if n.startswith(f"{spec.baseline}{CROSS}")]
    if crossed and spec.vary and any(v.name == spec.baseline for v in spec.variants):
        return (
            f"{source}: baseline: variant {spec.baseline!r} is crossed with [vary]; "
            f"name one of its designs: {', '.join(repr(n) for n in crossed[:4])}"
            f"{', ...' if len(crossed) > 4 else ''}"
        )
    return (
        f"{source}: baseline: {spec.baseline!r} is not a variant "
        f"(variants: {', '.join(repr(n) for n in names[:8])}"
        f"{', ...' if len(names) > 8 else ''})"
    )


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
        cls,
        data: dict[str, Any],
        root: str | Path = "scenarios",
        source: str = "<experiment>",
        roots: Sequence[str | Path] = (),
    ) -> Experiment:
        """Build an experiment from a dict (the parsed TOML).

        Args:
            data: Experiment data.
            root: Folder that ``base`` is relative to (where the experiment file
                would lie). ``base`` must resolve inside this folder's scenario
                tree (its nearest ancestor named ``scenarios``, else the folder
                itself), one of ``roots``, or a folder in ``GRIDSIM_SCENARIO_ROOT``.
            source: Name used in error messages.
            roots: Further folders ``base`` may lie in (e.g. the shipped
                ``scenarios`` folder, for a project folder outside the clone).

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
                msg = describe(err)
                lines.append(f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}")
            raise ExperimentError(lines) from None
        folder = Path(root).resolve()
        # The roots of a file in ``folder``: the experiment file's when from_file calls this.
        allowed = scenario_roots(folder / "experiment.toml", tuple(Path(r) for r in roots))
        where = f"{source}: base"
        try:
            base_path = resolve_inside(
                folder, spec.base, allowed, where=where, what="scenario file"
            )
            if not base_path.exists():
                raise ExperimentError([f"{where}: scenario file {spec.base!r} not found"])
            check_regular_file(base_path, f"{where}: '{spec.base}'")
        except ExperimentError:
            raise
        except InputError as exc:
            raise ExperimentError(exc.problems) from None
        base = load_scenario(base_path, roots=allowed)  # its extends and CSV: the same roots
        variants, problem, points = resolve_variants(spec, base, source, folder, allowed)
        if spec.baseline is not None:
            names = [v.name for v in variants]
            if spec.baseline not in names:
                raise ExperimentError([_unknown_baseline(spec, names, source)])
            variants.sort(key=lambda v: v.name != spec.baseline)
        unknown = [k for k in spec.kpis if k not in KPI_NAMES]
        if unknown:
            raise ExperimentError([f"{source}: kpis: unknown KPI {unknown[0]!r}"])
        return cls(spec, base, variants, source, problem, points)

    @classmethod
    def from_file(cls, path: str | Path, roots: Sequence[str | Path] = ()) -> Experiment:
        """Read and validate an experiment file.

        Args:
            path: The experiment TOML file (a regular file of at most
                :data:`gridsim.fileio.MAX_TOML_BYTES`).
            roots: Folders besides the file's own scenario tree that ``base``
                may lie in (``GRIDSIM_SCENARIO_ROOT`` adds more).

        Returns:
            The experiment.

        Raises:
            ExperimentError: One line per problem, naming the file and key.
        """
        path = Path(path)
        data = read_experiment_data(path)
        display = display_path(path)
        return cls.from_dict(data, root=path.resolve().parent, source=display, roots=roots)

    @property
    def distinct(self) -> list[Variant]:
        """One variant per distinct design (scenario hash), the first of its names.

        These are what is simulated: two variants with the same content read
        the same stored runs.
        """
        first: dict[str, Variant] = {}
        for v in self.variants:
            first.setdefault(v.scenario_hash, v)
        return list(first.values())

    def same_designs(self) -> list[list[str]]:
        """Names of the variants that are the same design, one list per shared scenario hash."""
        names: dict[str, list[str]] = {}
        for v in self.variants:
            names.setdefault(v.scenario_hash, []).append(v.name)
        return [group for group in names.values() if len(group) > 1]

    def warnings(self) -> list[str]:
        """What ``gridsim validate`` reports but accepts: variants that are the same design.

        A factorial may legitimately contain its baseline (or two variants may
        reach the same scenario by different changes); each such design is
        simulated once and every name shows its runs, so the paired difference
        between them is exactly zero.

        Returns:
            One line per set of same designs, naming the file and the variants.
        """
        lines = []
        base = self.baseline.name
        for group in self.same_designs():
            shown = [f"{n!r} (the baseline)" if n == base else repr(n) for n in group]
            digest = next(v.scenario_hash for v in self.variants if v.name == group[0])
            who = "both" if len(group) == 2 else f"all {len(group)}"
            lines.append(
                f"{self.source}: warning: variants {_names(shown)} are the same design "
                f"(scenario {digest}); it is simulated once and {who} show its runs"
            )
        return lines

    def tasks(self, replications: range, *, encode: bool = False) -> list[Task]:
        """Tasks for the given replications of every distinct design (replication-major).

        Variants with the same content are one task (see :attr:`distinct`).

        Args:
            replications: Replication numbers.
            encode: Ask the workers for the store's row format (see :class:`Task`).

        Returns:
            Replication 0 of every distinct design, then replication 1, and so on.
        """
        from gridsim.store import current_model_version

        designs = self.distinct
        data = {v.name: v.scenario.to_dict() for v in designs}  # shared, not copied
        model = current_model_version() if encode else None  # bound for the store: checked
        return [
            Task(v.name, v.scenario_hash, r, self.spec.seed, data[v.name], encode, model)
            for r in replications
            for v in designs
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
            workspace: A :class:`gridsim.store.Workspace`; default: the
                embedded workspace of tenant ``default``.
            executor: Where to run; default: local worker processes.
            precision: If given, add replications until every reported
                KPI's 95 % CI half-width is within this fraction of its mean
                (up to ``max_replications``).
            progress: Show a progress bar (terminal or notebook).

        Returns:
            The comparison.
        """
        from gridsim.store import Workspace

        ws = workspace if workspace is not None else Workspace("default")
        ex = executor if executor is not None else make_executor()
        refuse_shared_compute(ws, ex)  # before anything is written
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
        from gridsim.store import current_model_version

        model = current_model_version()  # runs of another model are never served

        done = {
            (k.scenario_hash, k.replication)
            for k in ws.existing_keys(self.name)
            if k.model_version == model
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
            for _ in run_into_store(ws, self.name, ex, todo, scenarios, model):
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
        from gridsim.store import current_model_version

        model = current_model_version()
        hashes: dict[str, list[str]] = {}
        for v in self.variants:  # two design points may be the same scenario
            hashes.setdefault(v.scenario_hash, []).append(v.name)
        out: dict[str, list[Any]] = {v.name: [] for v in self.variants}
        for rec in workspace.load_runs(self.name):
            if rec.replication >= replications or rec.model_version != model:
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
        from gridsim.store import current_model_version

        model = current_model_version()
        stored = workspace.list_runs(self.name)
        if stored.empty:
            return pd.DataFrame()
        # numpy rather than pandas indexing: this runs at the end of every sweep.
        replication = stored["replication"].to_numpy()
        keep = (replication < replications) & (
            stored["model_version"].to_numpy(dtype=object) == model
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
        return self.run(workspace, executor, progress=False).report(path, lang)

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

    def __repr__(self) -> str:
        return (
            f"<Experiment {self.name!r}: {len(self.variants)} designs × "
            f"{self.spec.replications} replications, seed {self.spec.seed}, "
            f"baseline {self.baseline.name!r}>"
        )

    def _repr_html_(self) -> str:
        """The experiment as a summary: what is compared, how often, and each design's changes."""
        esc = html.escape
        spec = self.spec
        sampled = f"{spec.design.method} " if spec.design is not None else None
        is_point = [bool(sampled) and v.name.startswith(str(sampled)) for v in self.variants]
        points = [v for v, p in zip(self.variants, is_point, strict=True) if p]
        named = [v for v, p in zip(self.variants, is_point, strict=True) if not p]
        listed = named[:REPR_DESIGNS] + points[:3]
        rows = "".join(
            "<tr style='border-top:1px solid #e6e6e6'>"
            f"<td style='text-align:left;padding:1px 8px;vertical-align:top'>{esc(v.name)}"
            f"{' (baseline)' if v is self.baseline else ''}</td>"
            f"<td style='text-align:left;padding:1px 8px'>"
            f"{esc(_changes_text(v.changes)) or '(the base scenario)'}</td></tr>"
            for v in listed
        )
        if len(self.variants) > len(listed):
            rows += (
                "<tr><td colspan='2' style='text-align:left;padding:1px 8px;color:#666'>"
                f"… and {len(self.variants) - len(listed)} more designs</td></tr>"
            )
        lines = [
            f"<b>{esc(self.name)}</b>" + (f": {esc(spec.description)}" if spec.description else ""),
            f"{len(self.variants)} designs × {spec.replications} replication"
            f"{'' if spec.replications == 1 else 's'} (seed {spec.seed}) "
            f"of the base scenario <i>{esc(self.base.name)}</i> ({esc(spec.base)}); "
            f"baseline <i>{esc(self.baseline.name)}</i>",
            f"KPIs compared: {esc(', '.join(spec.kpis))}",
        ]
        if spec.design is not None:
            d = spec.design
            ranges = ", ".join(
                f"{k} {_value_text(lo)}…{_value_text(hi)}" for k, (lo, hi) in d.parameters.items()
            )
            what = {
                "lhs": "Latin hypercube points",
                "sobol": "Sobol base samples",
                "morris": "Morris trajectories",
            }[d.method]
            lines.append(f"[design] {d.samples} {what} over {esc(ranges)}")
        same = self.same_designs()
        if same:
            groups = "; ".join(" = ".join(g) for g in same[:3]) + ("; …" if len(same) > 3 else "")
            lines.append(f"the same scenario, simulated once: {esc(groups)}")
        intro = "".join(f"<p style='margin:0 0 2px 0'>{line}</p>" for line in lines)
        return (
            f"{intro}<table style='border-collapse:collapse;margin-top:4px'>"
            "<tr><th style='text-align:left;padding:1px 8px'>Design</th>"
            "<th style='text-align:left;padding:1px 8px'>Changes to the base scenario</th></tr>"
            f"{rows}</table>"
        )


REPR_DESIGNS = 12
"""Most designs an experiment lists when it shows itself in Jupyter."""


def _value_text(v: Any) -> str:
    """A change's value for people: ``500``, ``2.606``, ``14,000``, ``batched``, ``true``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:.4g}"
    return str(v)


def _changes_text(changes: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_value_text(v)}" for k, v in changes.items())


def run_into_store(
    workspace: Any,
    experiment: str,
    executor: Executor,
    tasks: list[Task],
    scenarios: dict[str, tuple[str, str]],
    model: str,
) -> Iterator[tuple[Task, EncodedResult]]:
    """Run tasks and commit each run to the store as the executor yields it.

    Each run is its own transaction, so a killed sweep loses no finished run;
    the workers encode the results, so this only inserts them.

    Args:
        workspace: The tenant's workspace.
        experiment: The name the runs are stored under.
        executor: Where they run.
        tasks: Tasks with ``encode=True``.
        scenarios: Task variant name -> (scenario name, scenario JSON as stored).
        model: The model fingerprint the runs are filed under.

    Yields:
        Each task and its encoded result, once stored.
    """
    from gridsim.store import EncodedRun

    refuse_shared_compute(workspace, executor)  # before any run starts
    for task, payload in executor.run(tasks):
        name, scenario = scenarios[task.variant]
        encoded = encode_payload(payload)  # encoded by the worker: as is
        run = EncodedRun(task.scenario_hash, task.replication, name, task.seed, scenario, encoded)
        workspace.write_runs(experiment, [run], model_version=model)
        yield task, encoded


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
