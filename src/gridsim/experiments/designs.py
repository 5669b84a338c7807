"""An experiment's designs: variants × ``[vary]`` factorials, and sampled points.

``[vary]`` crosses with ``[[variants]]``: each variant runs at each combination
of the factors (``"two officers · households_per_grid=500"``); with no
variants it is the factorial on the base. ``[design]`` points are sampled on
the base and added after them, not crossed (a Sobol or Morris analysis needs
exactly the sampler's points). :func:`resolve_variants` turns them into
validated :class:`Variant` scenarios, reporting every problem at once.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.experiments.derived import resolve
from gridsim.experiments.spec import DesignSpec, ExperimentError, ExperimentSpec, Value
from gridsim.scenario import Scenario, ScenarioError, resolve_file_changes, scenario_roots


@dataclass(frozen=True)
class Variant:
    """A named, validated scenario of an experiment.

    Besides its name, a variant keeps what its name is made of, so a report
    can say it in its own language (:func:`gridsim.reports.analysis.variant_label`):
    the file's ``label_zh`` for a listed variant, and for a generated name
    the ``[vary]`` values it spells out (``households_per_grid=500``) or the
    ``[design]`` point it is.

    Attributes:
        name: The name (English, or as the file wrote it): the key of its runs.
        changes: Its changes to the base scenario.
        scenario: The validated scenario.
        scenario_hash: :meth:`Scenario.content_hash` of it.
        label_zh: The listed variant's name in Chinese, from the file (or ``None``).
        listed: For a design crossed with ``[vary]``: the listed variant's name.
        factors: For a design of ``[vary]``: its values, key by key.
        sample: For a ``[design]`` point: ``(method, index)``.
    """

    name: str
    changes: dict[str, Value]
    scenario: Scenario
    scenario_hash: str
    label_zh: str | None = None
    listed: str | None = None
    factors: dict[str, Value] | None = None
    sample: tuple[str, int] | None = None

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


@dataclass(frozen=True)
class _Design:
    """A design before validation: its name, changes, and where they were written."""

    name: str
    changes: dict[str, Value]
    where: str  # key prefix of messages: "variants[1].changes", "vary", ...
    variant: tuple[int, dict[str, Value]] | None = None  # crossed: (index, its changes)
    factors: dict[str, Value] | None = None  # crossed or factorial: the [vary] values
    label_zh: str | None = None  # the listed variant's label_zh
    listed: str | None = None  # crossed: the listed variant's name
    sample: tuple[str, int] | None = None  # a [design] point: (method, index)

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
                        label_zh=v.label_zh,
                        listed=v.name,
                    )
                )
    elif spec.variants:
        designs += [
            _Design(v.name, dict(v.changes), f"variants[{i}].changes", label_zh=v.label_zh)
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


def resolve_variants(
    spec: ExperimentSpec,
    base: Scenario,
    display: str,
    folder: Path | None = None,
    roots: list[Path] | None = None,
) -> tuple[list[Variant], dict[str, Any] | None, np.ndarray | None]:
    """Every design of an experiment as a validated variant of its base scenario.

    Args:
        spec: The experiment's contents.
        base: Its base scenario.
        display: The file's name, for messages.
        folder: The experiment file's folder: a file a variant names
            (``district.map``, ``district.communities_csv``, ``grids.drawn``) is
            relative to it and must lie inside ``roots`` (default: the working
            folder and its scenario tree).
        roots: The scenario roots those files may lie in.

    Returns:
        ``(variants, problem, points)``: the variants in the file's order, and
        for a ``[design]`` the SALib problem and the sampled points (else ``None``).

    Raises:
        ExperimentError: Every problem of every design, one line each, naming
            the key it was written under and the variants it concerns.
    """
    _count_designs(spec, display)
    designs = _designs(spec, display)
    problem = None
    points = None
    if spec.design is not None:
        points, problem = design_points(spec.design, spec.seed)
        for i, row in enumerate(points):
            changes = {k: float(x) for k, x in zip(spec.design.parameters, row, strict=True)}
            designs.append(
                _Design(
                    f"{spec.design.method} {i:03d}",
                    changes,
                    "design.parameters",
                    sample=(spec.design.method, i),
                )
            )
    problems: dict[tuple[str, str], list[str]] = {}  # (key prefix, problem) → designs with it
    variants: list[Variant] = []
    seen: set[str] = set()
    for d in designs:
        if d.name in seen:
            problems.setdefault((d.where, f"duplicate variant name {d.name!r}"), [])
            continue
        seen.add(d.name)
        try:
            here = Path(folder if folder is not None else Path.cwd()).resolve()
            allowed = roots if roots is not None else scenario_roots(here / "experiment.toml")
            changes = resolve_file_changes(d.changes, here, allowed, "<changes>")
            scenario = base.with_changes(resolve(base, changes))
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
        variants.append(
            Variant(
                d.name,
                d.changes,
                scenario,
                scenario.content_hash(),
                label_zh=d.label_zh,
                listed=d.listed,
                factors=d.factors,
                sample=d.sample,
            )
        )
    if problems:
        lines = []
        for (where, detail), names in problems.items():
            lines.append(f"{display}: {where}: {detail}" + (_which(names) if names else ""))
        raise ExperimentError(lines)
    return variants, problem, points


def _which(names: list[str]) -> str:
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f" (variant {names[0]!r}{more})"
