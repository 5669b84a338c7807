"""Calibration to a district's published figures (by default Yuelu District, 2013).

Targets are KPIs with a published value and a relative band
(:class:`~gridsim.experiments.targets.Targets`, read from a file such as
``scenarios/targets/yuelu-2013.toml``). The Yuelu defaults (SEED-FACTS):
191,232 households visited (±3 %), 9,120 issues collected (±5 %) and 7,290
resolved (±5 %).

One year of collected issues cannot separate *how many issues arise* from *how
many of them residents tell an officer*: every detection probability on a
ridge has a latent issue rate that reproduces 9,120. The calibration therefore
walks a ridge — it holds one parameter (``collect.detect_probability`` by
default) at each value of a grid and fits the rest — and reports the whole set
of fitting parameter values, not one point.

Each target has one free parameter that drives it mainly; by default:

1. ``staff.hours_per_week.information_officer`` → households visited;
2. ``households.latent_issues_per_year`` (for each ridge value) → issues
   collected;
3. a common scale on ``handle.resolvable_share`` → issues resolved.

The fit is a set of one-dimensional secant fits (each kept inside a bracket,
bisecting when a step would leave it, and inside the parameter's bounds). A
parameter whose KPI involves no random draws (:data:`EXACT_KPIS`, the visits)
is fitted first, once for all ridge values, on one replication; the others are
fitted at each ridge value in the order the targets name them. When a pass
leaves a target outside its band (a later fit moved an earlier KPI), the
parameters whose KPI strays are fitted again, up to ``max_passes`` passes.

Every evaluation uses the same replications (common random numbers), so the
fitted curves are smooth and the secant steps converge in a few runs; an
evaluation already made is not run again.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.experiments.targets import (
    DEFAULT_RIDGE_KEY,
    DEFAULT_RIDGE_VALUES,
    YUELU_BANDS,
    YUELU_NAME,
    YUELU_SOURCE,
    Targets,
    TargetsError,
    read_targets,
    scenario_key,
)
from gridsim.fileio import staged_folder
from gridsim.model import run_scenario
from gridsim.scenario import Scenario, ScenarioError, load_scenario
from gridsim.vocab import CATEGORIES

__all__ = [
    "DEFAULT_DETECT_GRID",
    "EXACT_KPIS",
    "MAX_PASSES",
    "TARGETS",
    "FitPoint",
    "Targets",
    "TargetsError",
    "calibrate",
    "column",
    "default_targets",
    "fit_table",
    "fit_targets_file",
    "fitting_set",
    "mean_kpis",
    "point_file_name",
    "read_targets",
    "scenario_toml",
    "uncertainty_points",
    "uncertainty_toml",
    "with_resolvable_scale",
    "write_fitting_set",
]

TARGETS: dict[str, tuple[float, float]] = dict(YUELU_BANDS)
"""KPI → (published 2013 value, allowed relative deviation of the mean).

What :func:`calibrate` fits when it is given no targets (read when it is
called: a notebook may set it to other figures)."""

DEFAULT_DETECT_GRID: tuple[float, ...] = DEFAULT_RIDGE_VALUES
"""Detection probabilities along which the ridge is traced."""

EXACT_KPIS: frozenset[str] = frozenset(
    {"households_visited", "households_reached", "visits_per_household"}
)
"""KPIs the model computes without random draws: fitted on one replication, once."""

MAX_PASSES = 4
"""Most passes over the free parameters at one ridge value."""

COLUMNS: dict[str, str] = {
    "collect.detect_probability": "detect_probability",
    "households.latent_issues_per_year": "latent_issues_per_year",
    "handle.resolvable_share": "resolvable_scale",
    "staff.hours_per_week.information_officer": "officer_hours_per_week",
}
"""The fit table's column of a parameter, where it is not the dotted key."""

_LABELS = {"staff.hours_per_week.information_officer": "information officer hours/week"}

_EXTRA_COLUMNS = ("issues_latent",)
"""KPIs the fit table shows besides the targets."""


def default_targets(detect_grid: Iterable[float] = DEFAULT_DETECT_GRID) -> Targets:
    """The Yuelu 2013 targets as :data:`TARGETS` holds them now, traced along ``detect_grid``.

    Equal to ``read_targets("scenarios/targets/yuelu-2013.toml")`` while
    :data:`TARGETS` holds the published figures and the grid is the default.
    """
    return Targets.from_bands(
        TARGETS,
        name=YUELU_NAME,
        source=YUELU_SOURCE,
        ridge_key=DEFAULT_RIDGE_KEY,
        ridge_values=detect_grid,
        origin="<Yuelu 2013 targets>",
    )


def column(key: str, table: bool = False) -> str:
    """The fit table's column for a parameter (``detect_probability``, ``handle.staff scale``)."""
    if key in COLUMNS:
        return COLUMNS[key]
    return f"{key} scale" if table else key


def mean_kpis(scenario: Scenario, replications: int, seed: int | None = None) -> dict[str, float]:
    """Mean of every KPI over replications ``0 .. replications - 1``."""
    runs = [run_scenario(scenario, seed=seed, replication=r).kpis for r in range(replications)]
    return {k: float(np.mean([run[k] for run in runs])) for k in runs[0]}


def with_resolvable_scale(scenario: Scenario, base: Sequence[float], scale: float) -> Scenario:
    """The scenario with every category's resolvable share set to ``base * scale`` (≤ 1)."""
    changes = {
        f"handle.resolvable_share.{c}": float(min(1.0, b * scale))
        for c, b in zip(CATEGORIES, base, strict=True)
    }
    return scenario.with_changes(changes)


# -- one-dimensional fits -----------------------------------------------------------------


class _CannotFit(Exception):
    """A target cannot be fitted at a ridge value; ``str`` says which and why."""


def _clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _solve(
    f: Callable[[float], float],
    x0: float,
    target: float,
    rel_tol: float,
    max_iter: int = 8,
    lo: float = 1e-6,
    hi: float = math.inf,
) -> tuple[float, float]:
    """Find x in [lo, hi] with f(x) ≈ target for increasing, roughly proportional f.

    Secant steps from a first proportional step; once points on both sides of
    the target are known, a step that would leave that bracket bisects it
    instead. A step that the bounds stop (x stays at a bound) ends the search:
    the target lies beyond what x can reach.

    Returns:
        ``(x, f(x))`` at the last point evaluated.

    Raises:
        _CannotFit: f is 0 (or negative) at the start: nothing to scale.
    """
    x_prev, y_prev = x0, f(x0)
    if y_prev <= 0:
        raise _CannotFit(f"the model gives {y_prev:g} at the start value {x0:g}: nothing to scale")
    below, above = (x0, math.inf) if y_prev < target else (-math.inf, x0)
    x = _clamp(x0 * target / y_prev, lo, hi)
    y = f(x) if x != x_prev else y_prev
    for _ in range(max_iter):
        if y < target:
            below = max(below, x)
        elif y > target:
            above = min(above, x)
        if abs(y - target) <= rel_tol * target:
            break
        slope = (y - y_prev) / (x - x_prev) if x != x_prev else y / x
        if slope <= 0:
            slope = y / x
        x_prev, y_prev = x, y
        x = _clamp(x + (target - y) / slope, lo, hi)
        if math.isfinite(below) and math.isfinite(above) and not below < x < above:
            x = (below + above) / 2
        if x == x_prev:
            break
        y = f(x)
    return x, y


@dataclass(frozen=True)
class _Free:
    """A free parameter as the fit moves it: a number, or a scale on a table's values."""

    key: str
    kpi: str
    start: float
    lo: float
    hi: float
    entries: tuple[tuple[str, float, float], ...] | None = None  # (name, base, cap) of a table

    @property
    def exact(self) -> bool:
        return self.kpi in EXACT_KPIS

    def changes(self, x: float) -> dict[str, float]:
        if self.entries is None:
            return {self.key: x}
        return {f"{self.key}.{name}": float(min(cap, base * x)) for name, base, cap in self.entries}


def _value_at(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _free_parameters(scenario: Scenario, targets: Targets) -> list[_Free]:
    out = []
    where = targets.origin
    for key, kpi in targets.free.items():
        info = scenario_key(key)
        value = _value_at(scenario, key)
        if info.kind == "table":
            entries = tuple((name, float(getattr(value, name)), cap) for name, cap in info.entries)
            scales = [cap / b for _, b, cap in entries if b > 0]
            if not scales:
                raise TargetsError(
                    f'{where}: free."{key}": every value of the table is 0 in the scenario; '
                    "a common scale cannot move it"
                )
            out.append(_Free(key, kpi, 1.0, 1e-6, max(scales), entries))
            continue
        if value is None:
            raise TargetsError(f'{where}: free."{key}": the scenario leaves it unset')
        lo = max(1e-6, math.nextafter(info.lo, math.inf) if info.lo_open else info.lo)
        hi = math.nextafter(info.hi, -math.inf) if info.hi_open else info.hi
        out.append(_Free(key, kpi, float(value), lo, hi))
    return out


# -- the fitting set ----------------------------------------------------------------------


@dataclass(frozen=True)
class FitPoint:
    """One ridge value's fit: a member of the fitting set when it fits.

    Attributes:
        ridge_key: The parameter held (``collect.detect_probability``).
        ridge_value: Its value here.
        values: Free parameter → fitted value (for a table key, the common scale
            on the scenario's values).
        changes: Every dotted key this point sets, as plain values (a table's
            entries one by one): ``scenario.with_changes(changes)`` is the fitted
            scenario, and a plan's ``[uncertainty] points`` take it as it is.
        means: Mean KPIs over the calibration replications.
        targets: What was fitted.
        problems: Why a target was not met here (empty when it fits).
    """

    ridge_key: str
    ridge_value: float
    values: dict[str, float]
    changes: dict[str, float]
    means: dict[str, float]
    targets: Targets = field(repr=False)
    problems: tuple[str, ...] = ()

    # The names of the Yuelu fit's parameters.
    @property
    def detect_probability(self) -> float:
        """``collect.detect_probability`` at this point."""
        return self._get("collect.detect_probability")

    @property
    def latent_issues_per_year(self) -> float:
        """Fitted ``households.latent_issues_per_year``."""
        return self._get("households.latent_issues_per_year")

    @property
    def resolvable_scale(self) -> float:
        """Fitted common scale on ``handle.resolvable_share``."""
        return self._get("handle.resolvable_share")

    @property
    def officer_hours_per_week(self) -> float:
        """Fitted ``staff.hours_per_week.information_officer``."""
        return self._get("staff.hours_per_week.information_officer")

    def _get(self, key: str) -> float:
        if key == self.ridge_key:
            return self.ridge_value
        if key in self.values:
            return self.values[key]
        raise AttributeError(f"{key} is neither the ridge nor a free parameter of this fit")

    @property
    def fits(self) -> bool:
        """Whether this point is a member of the fitting set."""
        return not self.problems and self.within_bands()

    def within_bands(self) -> bool:
        """Whether every target's mean lies inside its band."""
        return self.targets.within_bands(self.means)

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario with this point's parameter values.

        A free table is scaled relative to ``scenario``'s own values (each capped
        at its bound), so a variant of the calibrated scenario keeps its own
        shares; :attr:`changes` holds the calibrated scenario's absolute values.
        """
        changes: dict[str, Any] = {self.ridge_key: self.ridge_value}
        for key, x in self.values.items():
            info = scenario_key(key)
            if info.kind == "table":
                table = _value_at(scenario, key)
                for name, cap in info.entries:
                    changes[f"{key}.{name}"] = float(min(cap, getattr(table, name) * x))
            else:
                changes[key] = x
        return scenario.with_changes(changes)


class _Fitter:
    """The fits of one calibration: the scenario, the targets and the evaluations made."""

    def __init__(
        self,
        scenario: Scenario,
        targets: Targets,
        replications: int,
        seed: int | None,
        tolerance: float,
    ):
        self.scenario = scenario
        self.targets = targets
        self.replications = replications
        self.seed = seed
        self.tolerance = tolerance
        self.free = _free_parameters(scenario, targets)
        self._cache: dict[tuple[str, int], dict[str, float]] = {}

    def at(self, values: Mapping[str, float], ridge: float | None) -> Scenario:
        changes: dict[str, Any] = {}
        if ridge is not None:
            changes[self.targets.ridge_key] = ridge
        for f in self.free:
            changes.update(f.changes(values[f.key]))
        return self.scenario.with_changes(changes)

    def means(
        self, values: Mapping[str, float], ridge: float | None, reps: int
    ) -> dict[str, float]:
        try:
            s = self.at(values, ridge)
        except ScenarioError as exc:
            detail = exc.problems[0].split(": ", 1)[-1]
            raise _CannotFit(f"the scenario refuses the values tried: {detail}") from None
        key = (s.content_hash(), reps)
        if key not in self._cache:
            self._cache[key] = mean_kpis(s, reps, self.seed)
        return self._cache[key]

    def fit(self, f: _Free, values: dict[str, float], ridge: float | None) -> float:
        """Fit one free parameter to its target, the others held at ``values``."""
        reps = 1 if f.exact else self.replications
        tol = self.tolerance / 2 if f.exact else self.tolerance

        def kpi(x: float) -> float:
            return self.means({**values, f.key: x}, ridge, reps)[f.kpi]

        try:
            x, _ = _solve(kpi, values[f.key], self.targets.bands[f.kpi][0], tol, lo=f.lo, hi=f.hi)
        except _CannotFit as exc:
            raise _CannotFit(f"{f.kpi}: {f.key}: {exc}") from None
        return x

    def off(self, f: _Free, means: Mapping[str, float]) -> bool:
        """Whether a KPI strays from its target by more than the fits' precision."""
        target = self.targets.bands[f.kpi][0]
        tol = self.tolerance / 2 if f.exact else self.tolerance
        return abs(means[f.kpi] - target) > tol * target

    def why(
        self, values: Mapping[str, float], means: Mapping[str, float], passes: int
    ) -> list[str]:
        """Why each target outside its band is there."""
        out = []
        for f in self.free:
            target, tol = self.targets.bands[f.kpi]
            y = means[f.kpi]
            if abs(y - target) <= tol * target:
                continue
            x = values[f.key]
            shown = f"a scale of {x:g} on {f.key}" if f.entries is not None else f"{f.key} = {x:g}"
            if y < target and x >= f.hi:
                bound = "every value at its bound" if f.entries is not None else "its upper bound"
                reason = (
                    f"the target {target:,.6g} is beyond what {f.key} can reach: at {shown} "
                    f"({bound}) the model gives {y:,.6g}"
                )
            elif y > target and x <= f.lo:
                reason = (
                    f"the target {target:,.6g} is below what {f.key} can reach: at {shown} "
                    f"(its lower bound) the model gives {y:,.6g}"
                )
            else:
                reason = (
                    f"mean {y:,.6g} is {y / target - 1:+.1%} from the target {target:,.6g} "
                    f"(band ±{tol:.0%}) at {shown} after {passes} pass{'es' if passes != 1 else ''}"
                )
            out.append(f"{f.kpi}: {reason}")
        return out


def calibrate(
    scenario: Scenario,
    detect_grid: Iterable[float] | None = None,
    replications: int = 3,
    seed: int | None = None,
    tolerance: float = 0.01,
    progress: Callable[[str], None] | None = None,
    *,
    targets: Targets | None = None,
    max_passes: int = MAX_PASSES,
) -> list[FitPoint]:
    """Trace the fitting set along the ridge.

    Args:
        scenario: Starting scenario (structure and mechanisms are kept; the free
            parameters start from its values, a free table from a scale of 1).
        detect_grid: Ridge values at which to fit (default: the targets' own; for
            the Yuelu targets, :data:`DEFAULT_DETECT_GRID`).
        replications: Replications per evaluation.
        seed: Root seed (defaults to the scenario's).
        tolerance: Relative precision the secant steps aim for (half of it for
            an :data:`EXACT_KPIS` target).
        progress: Called with a line of text after each parameter fitted once
            for all ridge values and after each ridge value.
        targets: What to fit (default: :func:`default_targets`, from
            :data:`TARGETS` as it is now).
        max_passes: Most passes over the free parameters at one ridge value.

    Returns:
        One :class:`FitPoint` per ridge value, in the grid's order; a point that
        does not fit says why in :attr:`FitPoint.problems`.

    Raises:
        TargetsError: The targets name a parameter the scenario leaves unset,
            or ridge values outside the ridge key's bounds.
    """
    say = progress or (lambda _line: None)
    if targets is None:
        targets = default_targets(DEFAULT_DETECT_GRID if detect_grid is None else detect_grid)
    elif detect_grid is not None:
        targets = targets.with_ridge_values(detect_grid)
    fitter = _Fitter(scenario, targets, replications, seed, tolerance)
    start = {f.key: f.start for f in fitter.free}
    once = [f for f in fitter.free if f.exact]
    each = [f for f in fitter.free if not f.exact]
    problem: str | None = None
    for f in once:  # on the scenario as given: these KPIs do not move along the ridge
        try:
            start[f.key] = fitter.fit(f, start, None)
        except _CannotFit as exc:
            problem = str(exc)
            break
        say(f"{_LABELS.get(f.key, f.key)} = {start[f.key]:.3f}")
    points = []
    for p in targets.ridge_values:
        point = (
            FitPoint(targets.ridge_key, p, dict(start), {}, {}, targets, (problem,))
            if problem is not None
            else _fit_point(fitter, dict(start), each, float(p), max_passes)
        )
        points.append(point)
        shown = f"{p:.2f}" if targets.ridge_key == DEFAULT_RIDGE_KEY else f"{p:g}"
        fitted = ", ".join(
            f"{column(f.key, f.entries is not None)}={point.values[f.key]:.4f}" for f in each
        )
        line = f"{column(targets.ridge_key)}={shown}: {fitted}{', ' if fitted else ''}"
        line += f"within bands: {point.within_bands()}"
        if point.problems:
            line += " (" + "; ".join(point.problems) + ")"
        say(line)
    return points


def _fit_point(
    fitter: _Fitter, values: dict[str, float], each: list[_Free], p: float, max_passes: int
) -> FitPoint:
    """Fit every free parameter at one ridge value (passes until all targets are in band)."""
    targets = fitter.targets
    reps = fitter.replications
    means: dict[str, float] = {}
    problems: list[str] = []
    passes = 0
    try:
        for f in each:
            values[f.key] = fitter.fit(f, values, p)
        passes = 1
        means = fitter.means(values, p, reps)
        while not targets.within_bands(means) and passes < max_passes:
            passes += 1
            for f in fitter.free:
                now = fitter.means(values, p, 1 if f.exact else reps)
                if fitter.off(f, now):
                    values[f.key] = fitter.fit(f, values, p)
            means = fitter.means(values, p, reps)
        if not targets.within_bands(means):
            problems = fitter.why(values, means, passes)
    except _CannotFit as exc:
        problems = [str(exc)]
        try:
            means = fitter.means(values, p, reps)
        except _CannotFit:
            means = {}
    changes: dict[str, float] = {targets.ridge_key: p}
    for f in fitter.free:
        changes.update(f.changes(values[f.key]))
    return FitPoint(targets.ridge_key, p, dict(values), changes, means, targets, tuple(problems))


def fit_table(points: Iterable[FitPoint]) -> pd.DataFrame:
    """The fitting set as a table (one row per point).

    Columns: the ridge parameter, the parameters fitted at each ridge value,
    those fitted once, the targets' KPIs, ``issues_latent``, ``within_bands``,
    and ``problem`` when a point does not fit.
    """
    points = list(points)
    if not points:
        return pd.DataFrame([])
    targets = points[0].targets
    tables = {k for k in targets.free if scenario_key(k).kind == "table"}
    free = [k for k in targets.free if targets.free[k] not in EXACT_KPIS]
    free += [k for k in targets.free if targets.free[k] in EXACT_KPIS]
    shown = [*targets.bands, *(k for k in _EXTRA_COLUMNS if k not in targets.bands)]
    any_problem = any(p.problems for p in points)
    rows = []
    for p in points:
        row: dict[str, Any] = {column(p.ridge_key): p.ridge_value}
        row.update({column(k, k in tables): p.values.get(k, math.nan) for k in free})
        row.update({k: p.means.get(k, math.nan) for k in shown})
        row["within_bands"] = p.within_bands()
        if any_problem:
            row["problem"] = "; ".join(p.problems)
        rows.append(row)
    return pd.DataFrame(rows)


def fitting_set(points: Iterable[FitPoint]) -> list[dict[str, Any]]:
    """The points that fit, as ``{"ridge_value": v, "changes": {dotted key: value}}``.

    ``changes`` holds plain values only (a free table's entries one by one), so
    it is a plan file's ``[uncertainty]`` point as it is (:func:`uncertainty_points`).
    """
    return [{"ridge_value": p.ridge_value, "changes": dict(p.changes)} for p in points if p.fits]


def uncertainty_points(points: Iterable[FitPoint]) -> list[dict[str, float]]:
    """A plan's ``[uncertainty] points``: the changes of every point that fits."""
    return [member["changes"] for member in fitting_set(points)]


def uncertainty_toml(points: Iterable[FitPoint]) -> str:
    """The ``[uncertainty]`` table of a plan file that runs every design at the fitting set.

    Returns:
        TOML text: ``[uncertainty]`` and ``points = [...]``, one inline table of
        dotted keys per member of the fitting set.
    """
    rows = [
        "  { " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in point.items()) + " },"
        for point in uncertainty_points(points)
    ]
    text = "[uncertainty]\npoints = [\n" + "\n".join(rows) + "\n]\n"
    tomllib.loads(text)
    return text


# -- writing the fitting set --------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML cannot hold {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def _toml_tables(data: Mapping[str, Any], path: tuple[str, ...], out: list[str]) -> None:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping) and v is not None]
    if scalars and path:
        out.append("")
        out.append("[" + ".".join(_toml_key(p) for p in path) + "]")
    out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars)
    for k, v in data.items():
        if isinstance(v, Mapping):
            _toml_tables(v, (*path, k), out)


def scenario_toml(
    scenario: Scenario, header: Iterable[str] = (), communities_csv: str | None = None
) -> str:
    """A complete scenario file (no ``extends``): every key, unset ones left out.

    Args:
        scenario: The scenario.
        header: Comment lines put at the top (without ``#``).
        communities_csv: How the file names the scenario's communities CSV
            (relative to the file); default: the path the scenario holds.

    Returns:
        TOML text that :func:`gridsim.scenario.load_scenario` reads back as the
        same scenario.
    """
    out = [f"# {line}".rstrip() for line in header]
    data = scenario.to_dict()
    if communities_csv is not None:
        data["district"]["communities_csv"] = communities_csv
    _toml_tables(data, (), out)
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # what this writes must read back
    return text


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario"


def point_file_name(scenario_name: str, ridge_value: float) -> str:
    """``<scenario-name>-<ridge value>.toml``, the file of one member of the fitting set."""
    return f"{_safe_name(scenario_name)}-{ridge_value:g}.toml"


def write_fitting_set(
    points: Sequence[FitPoint],
    scenario: Scenario,
    folder: str | Path,
    table: pd.DataFrame | None = None,
) -> list[Path]:
    """Write one full scenario file per point that fits, and ``fit.csv`` (every point).

    The files appear together or not at all (:func:`gridsim.fileio.staged_folder`);
    a file of an earlier run for a ridge value that does not fit now is removed.
    A scenario on a communities CSV gets a copy of the CSV beside its files, so
    the folder loads on its own. Each file is read back and checked to be the
    fitted scenario before anything is moved into place.

    Args:
        points: From :func:`calibrate` on ``scenario``.
        scenario: The scenario calibrated.
        folder: Where to write (created if missing).
        table: The fit table (default: :func:`fit_table` of ``points``).

    Returns:
        The scenario files written (in ``folder``), in ridge order.
    """
    dest = Path(folder)
    table = fit_table(points) if table is None else table
    written: list[Path] = []
    stale = [point_file_name(scenario.name, p.ridge_value) for p in points if not p.fits]
    csv_name: str | None = None
    with staged_folder(dest, last=("fit.csv",), remove=stale) as stage:
        csv = scenario.district.communities_csv
        if csv is not None:
            src = Path(csv)
            data = src.read_bytes()
            csv_name = src.name
            existing = dest / csv_name
            if existing.exists() and existing.read_bytes() != data:
                digest = hashlib.sha256(data).hexdigest()[:8]
                csv_name = f"{src.stem}-{digest}{src.suffix}"
            shutil.copyfile(src, stage / csv_name)
        for p in points:
            if not p.fits:
                continue
            name = point_file_name(scenario.name, p.ridge_value)
            description = f"calibrated to {p.targets.name}, {p.ridge_key} = {p.ridge_value:g}"
            if scenario.description:
                description = f"{scenario.description} — {description}"
            fitted = scenario.with_changes(
                {**p.changes, "name": Path(name).stem, "description": description}
            )
            fitted_values = ", ".join(f"{k} = {v:.6g}" for k, v in p.values.items())
            header = [
                f"{fitted.name}: {scenario.name} calibrated to {p.targets.name}",
                f"targets: {p.targets.describe()}",
                f"source: {p.targets.source}" if p.targets.source else "",
                f"held: {p.ridge_key} = {p.ridge_value:g}; fitted: {fitted_values}",
                "Written by `gridsim calibrate --out`: a full scenario (it extends nothing).",
            ]
            text = scenario_toml(fitted, [h for h in header if h], communities_csv=csv_name)
            (stage / name).write_text(text, encoding="utf-8")
            back = load_scenario(stage / name, roots=[stage])
            if back.content_hash() != fitted.content_hash():
                raise RuntimeError(f"{name}: the file written does not read back as the fit")
            written.append(dest / name)
        (stage / "fit.csv").write_text(table.to_csv(index=False), encoding="utf-8")
    return written


def fit_targets_file(scenario: Scenario, targets_path: str | Path, **kwargs: Any) -> list[FitPoint]:
    """:func:`calibrate` ``scenario`` to the targets file at ``targets_path``."""
    return calibrate(scenario, targets=read_targets(targets_path), **kwargs)
