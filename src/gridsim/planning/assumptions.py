"""The assumptions of a scenario, each with a range, and Latin hypercubes of them.

Discovery (:mod:`gridsim.planning.discovery`) runs a chosen design over the
parameters the scenario *assumes* (source tag ``A`` in ``docs/scenarios.md``):

* :func:`assumed_ranges` — those parameters, each with a range: the one its
  source tag states (``A (range 0.5–4)``), else the value ∓ a spread, inside
  the parameter's bounds and validators;
* :func:`latin_hypercube` — a stratified sample of them;
* :func:`scenarios_for` — the sample's rows as scenarios.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.stats import qmc

from gridsim.scenario.errors import ScenarioError
from gridsim.scenario.parameters import parameters

__all__ = ["STRUCTURAL_PREFIXES", "assumed_ranges", "latin_hypercube", "scenarios_for"]

STRUCTURAL_PREFIXES = (
    "simulation.",
    "district.",
    "grids.",
    "staff.",
    "costs.",
    "handle.staff.",
)
"""Keys that describe the district or the design, not assumptions about it.

The district (its size, communities, kinds), the run (days, seed), the grids,
their staffing and the handlers per unit (``handle.staff``, the lever of the
handling design) and the unit costs are given or chosen, never varied as
uncertain assumptions, whatever their source tag says.
"""

_RANGE = re.compile(
    r"range\s+(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*[–-]\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)",
    re.IGNORECASE,
)
_BISECTIONS = 40


# --- ranges and samples ------------------------------------------------------------------


def _field(scenario: BaseModel, key: str) -> tuple[BaseModel, str]:
    """The model that holds ``key`` and the key's field name in it."""
    *path, name = key.split(".")
    owner: Any = scenario
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _bounds(scenario: BaseModel, key: str) -> tuple[float, float]:
    """The interval a key's pydantic bounds allow, a hair inside a strict bound."""
    owner, name = _field(scenario, key)
    lo, hi = -math.inf, math.inf
    for meta in type(owner).model_fields[name].metadata:
        for attr in ("ge", "gt"):
            bound = getattr(meta, attr, None)
            if bound is not None:
                bound = float(bound)
                bound = bound if attr == "ge" else bound + _hair(bound)
                lo = max(lo, bound)
        for attr in ("le", "lt"):
            bound = getattr(meta, attr, None)
            if bound is not None:
                bound = float(bound)
                bound = bound if attr == "le" else bound - _hair(bound)
                hi = min(hi, bound)
    return lo, hi


def _hair(bound: float) -> float:
    return 1e-9 * max(1.0, abs(bound))


def _tidy(x: float) -> float:
    """``x`` to 12 significant digits: 0.28, not 0.27999999999999997."""
    return float(f"{x:.12g}")


def _stated_range(source: str) -> tuple[float, float] | None:
    """The range a source tag states (``A (range 0.5–4)``), if it states one."""
    match = _RANGE.search(source)
    if match is None:
        return None
    a, b = float(match.group(1)), float(match.group(2))
    return (min(a, b), max(a, b))


def _valid(scenario: Any, key: str, value: float) -> bool:
    try:
        scenario.with_changes({key: value})
    except ScenarioError:
        return False
    return True


def _furthest_valid(scenario: Any, key: str, start: float, end: float) -> float:
    """The value nearest ``end`` on the way from a valid ``start`` that validates."""
    if _valid(scenario, key, end):
        return end
    good, bad = start, end
    for _ in range(_BISECTIONS):
        mid = (good + bad) / 2
        if _valid(scenario, key, mid):
            good = mid
        else:
            bad = mid
    # snap to the roundest value a hair from it (a probability's limit is 1, not 0.9999999999998)
    for digits in range(13):
        snapped = round(good, digits)
        if abs(snapped - good) <= _hair(good) and _valid(scenario, key, snapped):
            return snapped
    return good


def _excluded(key: str, exclude: Sequence[str]) -> bool:
    return any(key == e or (e.endswith(".") and key.startswith(e)) for e in exclude)


def _why_not(p: Any, exclude: Sequence[str]) -> str | None:
    """Why a parameter is not an assumption to vary (``None`` if it is one)."""
    if _excluded(p.key, STRUCTURAL_PREFIXES):
        return "it describes the district or the design"
    if _excluded(p.key, exclude):
        return "it is excluded"
    if not p.source.startswith("A"):
        return f"its source tag is {p.source!r}, not an assumption (A)"
    if isinstance(p.value, bool) or not isinstance(p.value, float):
        return "it is not a real number (booleans, choices and integers are not varied)"
    return None


def assumed_ranges(
    scenario: Any,
    spread: float = 0.3,
    keys: Iterable[str] | None = None,
    *,
    exclude: Iterable[str] = (),
) -> dict[str, tuple[float, float]]:
    """The scenario's assumptions (source tag ``A``), each with a range to vary it over.

    Which parameters count: real-valued ones whose source tag starts with
    ``A`` (so ``S/A`` does not), outside :data:`STRUCTURAL_PREFIXES` (the
    district, the run, the grids, staffing and handlers, costs: given or
    designed). Booleans, choices and integers (counts and calendar intervals:
    a ±30 % range of a small integer rounds back to it) are not varied; give
    :func:`latin_hypercube` a range for one explicitly if it should be.

    Each range is the one the source tag states (``A (range 0.5–4)``, en dash
    or hyphen), else ``value × (1 ∓ spread)``; either is clipped to the
    parameter's pydantic bounds (a hair inside a strict one) and to what the
    scenario's validators accept with the other parameters unchanged
    (probabilities per category stay ≤ 1). A parameter that cannot move alone
    (shares that must sum to one) or whose range is empty (a value of zero
    with no stated range) is left out.

    Args:
        scenario: The scenario, e.g. the chosen design; ranges centre on its values.
        spread: Relative half-width where the tag states no range.
        keys: Only these keys (each must be an assumption that can be varied).
        exclude: Keys, or prefixes ending in ``.``, to leave out (a design's levers).

    Returns:
        Key -> ``(low, high)``, sorted by key.

    Raises:
        ValueError: If ``spread`` is not in (0, 1), or a key in ``keys`` is
            unknown or not an assumption that can be varied.
    """
    if not 0 < spread < 1:
        raise ValueError(f"spread must be in (0, 1), got {spread}")
    excluded = tuple(exclude)
    records = {p.key: p for p in parameters(scenario)}
    if keys is None:
        chosen = [k for k, p in records.items() if _why_not(p, excluded) is None]
    else:
        chosen = list(dict.fromkeys(keys))
        for k in chosen:
            if k not in records:
                raise ValueError(f"{k}: not a scenario parameter")
            why = _why_not(records[k], excluded)
            if why is not None:
                raise ValueError(f"{k}: not varied, {why}")
    out: dict[str, tuple[float, float]] = {}
    for key in sorted(chosen):
        p = records[key]
        value = float(p.value)
        stated = _stated_range(p.source)
        if stated is not None:
            lo, hi = stated
        else:
            lo, hi = sorted(_tidy(value * (1 + s)) for s in (-spread, spread))
        b_lo, b_hi = _bounds(scenario, key)
        lo, hi = max(lo, b_lo), min(hi, b_hi)
        if not lo < hi:
            if keys is not None:
                raise ValueError(f"{key}: empty range around {value:g}")
            continue
        # What validates alone: a sum-to-one share cannot move, a probability stays <= 1.
        centre = min(max(value, lo), hi)
        step = 0.01 * (hi - lo)
        if not (
            _valid(scenario, key, min(centre + step, hi))
            or _valid(scenario, key, max(centre - step, lo))
        ):
            if keys is not None:
                raise ValueError(f"{key}: cannot move alone (the scenario refuses any change)")
            continue
        lo = _furthest_valid(scenario, key, centre, lo)
        hi = _furthest_valid(scenario, key, centre, hi)
        if lo < hi:
            out[key] = (lo, hi)
    return out


def latin_hypercube(
    ranges: Mapping[str, tuple[float, float]], n: int, seed: int | None = 0
) -> pd.DataFrame:
    """A Latin hypercube sample: each column's range cut into ``n`` strata, each hit once.

    Args:
        ranges: Key -> ``(low, high)`` (e.g. from :func:`assumed_ranges`).
        n: Number of points.
        seed: Seed of the sample (the same seed, the same sample).

    Returns:
        ``n`` rows, one column per key, in the order of ``ranges``.

    Raises:
        ValueError: If ``ranges`` is empty, a range is not ``low < high``, or ``n < 1``.
    """
    if not ranges:
        raise ValueError("no ranges to sample")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    for key, (lo, hi) in ranges.items():
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"{key}: range must be finite with low < high, got ({lo}, {hi})")
    columns = list(ranges)
    unit = qmc.LatinHypercube(d=len(columns), rng=np.random.default_rng(seed)).random(n)
    lows = [ranges[c][0] for c in columns]
    highs = [ranges[c][1] for c in columns]
    return pd.DataFrame(qmc.scale(unit, lows, highs), columns=columns)


def scenarios_for(scenario: Any, sample: pd.DataFrame) -> list[Any]:
    """The scenario with each row of a sample applied (integers rounded), validated.

    Args:
        scenario: The design run under the sampled assumptions.
        sample: One column per dotted key (e.g. from :func:`latin_hypercube`).

    Returns:
        One scenario per row, in row order.

    Raises:
        ScenarioError: If a row's values are refused.
    """
    integer = {k for k in sample.columns if isinstance(getattr(*_field(scenario, k)), int)}
    out = []
    for row in sample.to_dict(orient="records"):
        changes = {k: (round(v) if k in integer else float(v)) for k, v in row.items()}
        out.append(scenario.with_changes(changes, origin="<discovery sample>"))
    return out
