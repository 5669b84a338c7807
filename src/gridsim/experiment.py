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

import functools
import itertools
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridsim.comparison import HEADLINE_KPIS, compare, precision_met
from gridsim.executors import Executor, Task, encode_payload, make_executor
from gridsim.fileio import (
    MAX_TOML_BYTES,
    InputError,
    check_regular_file,
    display_path,
    read_bounded,
    resolve_inside,
)
from gridsim.kpis import KPI_NAMES, RunResult
from gridsim.scenario import Scenario, ScenarioError, describe, load_scenario, scenario_roots

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


MAX_DESIGNS = 10_000
"""Most designs an experiment may have (validating one takes about 1 ms; a sweep
of more is better split into several experiments)."""

CROSS = " · "
"""Joins a variant's name and a combination of ``[vary]`` in a crossed design's name."""


def _format_value(v: Value) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _labels(keys: list[str]) -> dict[str, str]:
    """Shortest dotted suffix of each key that tells it from the others.

    ``grids.households_per_grid`` is ``households_per_grid``; two keys ending
    alike keep one more part each (``village.share``, ``town.share``).
    """
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            label = ".".join(parts[-n:])
            if not any(o != key and (o == label or o.endswith("." + label)) for o in keys):
                break
        out[key] = label
    return out


def _factorial(vary: dict[str, list[Value]]) -> list[tuple[str, dict[str, Value]]]:
    """Every combination of the factors, named ``key=value, key=value``."""
    keys = list(vary)
    if not keys:
        return []
    label = _labels(keys)
    out = []
    for combo in itertools.product(*(vary[k] for k in keys)):
        changes = dict(zip(keys, combo, strict=True))
        name = ", ".join(f"{label[k]}={_format_value(v)}" for k, v in changes.items())
        out.append((name, changes))
    return out


def _overlaps(key: str, keys: Iterable[str]) -> bool:
    """Whether a dotted key is one of ``keys``, inside one, or contains one."""
    return any(key == k or key.startswith(k + ".") or k.startswith(key + ".") for k in keys)


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


@dataclass(frozen=True)
class _Design:
    """A design before validation: its name, changes, and where they were written."""

    name: str
    changes: dict[str, Value]
    where: str  # key prefix of messages: "variants[1].changes", "vary", ...
    variant: tuple[int, dict[str, Value]] | None = None  # crossed: (index, its changes)
    factors: dict[str, Value] | None = None  # crossed or factorial: the [vary] values

    def blame(self, key: str) -> str:
        """Where a problem with ``key`` was written (the variant, ``[vary]`` or both)."""
        if self.variant is None:
            return self.where
        index, own = self.variant
        if self.factors is not None and _overlaps(key, self.factors):
            return "vary"
        if _overlaps(key, own):
            return f"variants[{index}].changes"
        return f"variants[{index}].changes × vary"


def _designs(spec: ExperimentSpec, display: str) -> list[_Design]:
    """The designs of ``[[variants]]`` and ``[vary]``, unvalidated, in the file's order.

    Each variant × each combination of ``[vary]`` (variant by variant); the
    variants alone without ``[vary]``; the factorial on the base without
    variants. ``[design]`` points are added after these by the caller.

    Raises:
        ExperimentError: Two variants with one name, or a ``[vary]`` key that a
            variant also sets (crossing would silently replace the variant's value).
    """
    named: dict[str, int] = {}
    for i, v in enumerate(spec.variants):
        if v.name in named:
            raise ExperimentError(
                [f"{display}: variants[{i}].name: {v.name!r} is also variants[{named[v.name]}]"]
            )
        named[v.name] = i
    combos = _factorial(spec.vary)
    designs: list[_Design] = []
    if spec.variants and combos:
        clashes = [
            f"{display}: vary.{key}: also set by variants[{i}].changes (variant {v.name!r}); "
            "each crossed design would replace the variant's value: remove the key from one"
            for key in spec.vary
            for i, v in enumerate(spec.variants)
            if _overlaps(key, v.changes)
        ]
        if clashes:
            raise ExperimentError(clashes)
        for i, v in enumerate(spec.variants):
            for combo_name, combo in combos:
                designs.append(
                    _Design(
                        f"{v.name}{CROSS}{combo_name}",
                        {**v.changes, **combo},
                        "vary",
                        variant=(i, dict(v.changes)),
                        factors=combo,
                    )
                )
    elif spec.variants:
        designs += [
            _Design(v.name, dict(v.changes), f"variants[{i}].changes")
            for i, v in enumerate(spec.variants)
        ]
    else:
        designs += [_Design(n, c, "vary", factors=c) for n, c in combos]
    return designs


def _count_designs(spec: ExperimentSpec, display: str) -> None:
    """Refuse, before building any, more designs than :data:`MAX_DESIGNS`."""
    combos = math.prod(len(v) for v in spec.vary.values()) if spec.vary else 0
    listed = len(spec.variants)
    crossed = max(listed, 1) * combos if combos else listed
    sampled, method = 0, ""
    if spec.design is not None:
        d, method = len(spec.design.parameters), spec.design.method
        sampled = spec.design.samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[method]
    total = crossed + sampled
    if total <= MAX_DESIGNS:
        return
    if sampled >= crossed:
        key, how = "design.samples", f"{sampled:,} {method} points"
    elif listed and combos:
        key, how = "vary", f"{listed} variants × {combos:,} combinations"
    else:
        key, how = "vary", f"{combos:,} combinations"
    raise ExperimentError(
        [
            f"{display}: {key}: {how} make {total:,} designs in all, more than the "
            f"{MAX_DESIGNS:,} an experiment may have; split it into several experiments"
        ]
    )


def _resolve_variants(
    spec: ExperimentSpec, base: Scenario, display: str
) -> tuple[list[Variant], dict[str, Any] | None, np.ndarray | None]:
    _count_designs(spec, display)
    designs = _designs(spec, display)
    problem = None
    points = None
    if spec.design is not None:
        points, problem = design_points(spec.design, spec.seed)
        for i, row in enumerate(points):
            changes = {k: float(x) for k, x in zip(spec.design.parameters, row, strict=True)}
            designs.append(_Design(f"{spec.design.method} {i:03d}", changes, "design.parameters"))
    problems: dict[tuple[str, str], list[str]] = {}  # (key prefix, problem) → designs with it
    variants: list[Variant] = []
    seen: set[str] = set()
    for d in designs:
        if d.name in seen:
            problems.setdefault((d.where, f"duplicate variant name {d.name!r}"), [])
            continue
        seen.add(d.name)
        try:
            scenario = base.with_changes(d.changes)
        except ScenarioError as exc:
            for line in exc.problems:
                detail = line.split(": ", 1)[1] if line.startswith("<changes>: ") else line
                problems.setdefault((d.blame(detail.split(": ", 1)[0]), detail), []).append(d.name)
            continue
        # The experiment's root seed is part of the scenario (and of its hash),
        # so a stored run's key always says which numbers it drew.
        scenario = scenario.with_changes({"simulation.seed": spec.seed}).model_copy(
            update={"name": d.name}
        )
        variants.append(Variant(d.name, d.changes, scenario, scenario.content_hash()))
    if problems:
        lines = []
        for (where, detail), names in problems.items():
            lines.append(f"{display}: {where}: {detail}" + (_which(names) if names else ""))
        raise ExperimentError(lines)
    return variants, problem, points


def _which(names: list[str]) -> str:
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f" (variant {names[0]!r}{more})"


def _names(shown: list[str]) -> str:
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def read_experiment_data(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of an experiment file, read as gridsim reads every input file.

    Args:
        path: The file: a regular file (a FIFO or device is refused, never
            opened) of at most :data:`gridsim.fileio.MAX_TOML_BYTES`.

    Returns:
        The TOML's data, not yet validated (see :meth:`Experiment.from_dict`).

    Raises:
        ExperimentError: One line naming the file.
    """
    path = Path(path)
    display = display_path(path)
    try:
        data = tomllib.loads(read_bounded(path, MAX_TOML_BYTES, display).decode("utf-8"))
    except InputError as exc:
        raise ExperimentError(exc.problems) from None
    except UnicodeDecodeError:
        raise ExperimentError([f"{display}: not valid UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError([f"{display}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ExperimentError([f"{display}: arrays or tables nested too deeply to read"]) from None
    return data


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
        variants, problem, points = _resolve_variants(spec, base, source)
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
        from gridsim.store import EncodedRun, current_model_version

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
                ws.write_runs(self.name, [run], model_version=model)
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
    "read_experiment_data",
]
