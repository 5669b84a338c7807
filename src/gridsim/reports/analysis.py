"""The data the figures and tables show, computed from a comparison's stored runs.

Per variant: the open cases over the year, the days to close, the KPIs with
their CIs, per-grid means and how unequal the grids are, the district's
layout, and which variants a map shows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gridsim.experiments.results import Comparison
from gridsim.experiments.statistics import mean_ci
from gridsim.model.district import District, build_district
from gridsim.streams import stream


def variant_names(comparison: Comparison) -> list[str]:
    """Variant names, baseline first, in the experiment's order."""
    return [v.name for v in comparison.experiment.variants]


def baseline_name(comparison: Comparison) -> str:
    """Name of the baseline variant."""
    return comparison.experiment.baseline.name


def replication_count(comparison: Comparison) -> int:
    """Smallest number of stored replications of any variant."""
    counts = [len(r) for r in comparison.records.values()]
    return min(counts) if counts else 0


def open_case_bands(
    comparison: Comparison, band: tuple[float, float] = (10, 90)
) -> dict[str, pd.DataFrame]:
    """Median and percentile band of ``daily.open`` across replications, per variant.

    Returns:
        Variant → frame with columns ``day``, ``median``, ``lo``, ``hi``.
    """
    out: dict[str, pd.DataFrame] = {}
    for name, recs in comparison.records.items():
        if not recs:
            continue
        series = [r.daily["open"].to_numpy(dtype=float) for r in recs]
        n = min(len(s) for s in series)
        stack = np.vstack([s[:n] for s in series])
        lo, med, hi = np.percentile(stack, [band[0], 50, band[1]], axis=0)
        out[name] = pd.DataFrame({"day": np.arange(n), "median": med, "lo": lo, "hi": hi})
    return out


def days_to_close_hist(comparison: Comparison) -> dict[str, np.ndarray]:
    """Cases closed after 0, 1, 2, ... days, summed over replications, per variant.

    Variants whose stored runs lack ``daily.closed_after`` (runs stored by
    an older gridsim) are left out.
    """
    out: dict[str, np.ndarray] = {}
    for name, recs in comparison.records.items():
        hists = [
            r.daily["closed_after"].to_numpy(dtype=float)
            for r in recs
            if "closed_after" in r.daily.columns
        ]
        if not hists:
            continue
        n = max(len(h) for h in hists)
        total = np.zeros(n)
        for h in hists:
            total[: len(h)] += h
        out[name] = total
    return out


def run_kpi_ci(comparison: Comparison, kpi: str) -> pd.DataFrame:
    """Mean and 95 % CI of any KPI per variant, from the per-run table.

    Returns:
        One row per variant (experiment order): ``variant``, ``mean``,
        ``lo``, ``hi``.
    """
    runs = comparison.runs
    rows = []
    for name in variant_names(comparison):
        values = runs.loc[runs["variant"] == name, kpi] if len(runs) else pd.Series(dtype=float)
        m, lo, hi = mean_ci(values.to_numpy(dtype=float))
        rows.append({"variant": name, "mean": m, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def pareto_front(cost: Sequence[float], performance: Sequence[float]) -> np.ndarray:
    """Which points no other point beats on both cost (lower) and performance (higher).

    Args:
        cost: Cost of each point.
        performance: Performance of each point (higher is better).

    Returns:
        Boolean mask of the points on the Pareto frontier.
    """
    c = np.asarray(cost, dtype=float)
    p = np.asarray(performance, dtype=float)
    ok = ~(np.isnan(c) | np.isnan(p))
    front = np.zeros(len(c), dtype=bool)
    for i in np.flatnonzero(ok):
        others = ok & (np.arange(len(c)) != i)
        dominated = others & (c <= c[i]) & (p >= p[i]) & ((c < c[i]) | (p > p[i]))
        front[i] = not dominated.any()
    return front


def grid_means(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """Per-grid values of each variant, averaged over its replications.

    Returns:
        Variant → one row per grid: ``grid``, ``households``,
        ``issues_collected``, ``issues_resolved``, ``backlog_end``,
        ``backlog_per_1000`` (year-end backlog per 1,000 households),
        ``median_days_to_close`` and ``on_time_rate`` (NaN where a grid never
        closed / had no case due in any replication).
    """
    out: dict[str, pd.DataFrame] = {}
    cols = [
        "households",
        "issues_collected",
        "issues_resolved",
        "backlog_end",
        "median_days_to_close",
        "on_time_rate",
    ]
    for name, recs in comparison.records.items():
        if not recs:
            continue
        frames = [r.grids for r in recs if len(r.grids)]
        if not frames:
            continue
        n = len(frames[0])
        frames = [f for f in frames if len(f) == n]
        present = [c for c in cols if all(c in f.columns for f in frames)]
        stack = {c: np.vstack([f[c].to_numpy(dtype=float) for f in frames]) for c in present}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a grid NaN in every run → NaN
            frame = pd.DataFrame({c: np.nanmean(v, axis=0) for c, v in stack.items()})
        frame.insert(0, "grid", np.arange(n))
        if "backlog_end" in frame and "households" in frame:
            frame["backlog_per_1000"] = 1000 * frame["backlog_end"] / frame["households"]
        out[name] = frame
    return out


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, → 1 concentrated); NaNs ignored."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan
    total = x.sum()
    if total <= 0:
        return 0.0
    n = len(x)
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def worst_decile_mean(values: Sequence[float] | np.ndarray, high_is_bad: bool = True) -> float:
    """Mean of the worst tenth of the values (at least one); NaNs ignored."""
    x = np.asarray(values, dtype=float)
    x = np.sort(x[~np.isnan(x)])
    if len(x) == 0:
        return math.nan
    k = max(1, math.ceil(len(x) / 10))
    return float(x[-k:].mean() if high_is_bad else x[:k].mean())


def equity_table(comparison: Comparison) -> pd.DataFrame:
    """Spread of per-grid results (averaged over replications) per variant.

    Returns:
        One row per variant: ``variant``, ``grids``; for backlog per 1,000
        households ``backlog_mean``, ``backlog_p90``, ``backlog_worst10``,
        ``backlog_gini``, ``backlog_cv``; for median days to close
        ``days_mean``, ``days_p90``, ``days_worst10``, ``days_cv``; for the
        on-time closure rate ``on_time_mean`` and ``on_time_worst10`` (the
        lowest tenth).
    """
    rows = []
    means = grid_means(comparison)
    for name in variant_names(comparison):
        g = means.get(name)
        if g is None:
            continue
        row: dict[str, Any] = {"variant": name, "grids": len(g)}
        if "backlog_per_1000" in g:
            b = g["backlog_per_1000"].to_numpy(dtype=float)
            row |= {
                "backlog_mean": float(np.nanmean(b)),
                "backlog_p90": float(np.nanpercentile(b, 90)),
                "backlog_worst10": worst_decile_mean(b),
                "backlog_gini": gini(b),
                "backlog_cv": _cv(b),
            }
        if "median_days_to_close" in g:
            d = g["median_days_to_close"].to_numpy(dtype=float)
            ok = ~np.isnan(d)
            row |= {
                "days_mean": float(d[ok].mean()) if ok.any() else math.nan,
                "days_p90": float(np.percentile(d[ok], 90)) if ok.any() else math.nan,
                "days_worst10": worst_decile_mean(d),
                "days_cv": _cv(d),
            }
        if "on_time_rate" in g:
            o = g["on_time_rate"].to_numpy(dtype=float)
            ok = ~np.isnan(o)
            row |= {
                "on_time_mean": float(o[ok].mean()) if ok.any() else math.nan,
                "on_time_worst10": worst_decile_mean(o, high_is_bad=False),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _cv(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    if len(x) < 2 or x.mean() == 0:
        return math.nan
    return float(x.std(ddof=1) / x.mean())


def district_of(comparison: Comparison, variant: str) -> District:
    """Rebuild the district (grid positions and adjacency) a variant's runs used.

    The layout is drawn from the ``structure`` stream of the root seed, the
    same in every replication, so this is exactly the runs' district.
    """
    v = next(x for x in comparison.experiment.variants if x.name == variant)
    recs = comparison.records.get(variant) or []
    seed = recs[0].seed if recs else v.scenario.simulation.seed
    return build_district(v.scenario, stream(seed, 0, "structure"))


def map_variants(comparison: Comparison, max_variants: int = 4) -> list[str]:
    """The variants a grid map shows: the baseline and those most unlike it.

    With more variants than fit, the others are ranked by how much their
    per-grid backlog per 1,000 households differs from the baseline's.
    """
    names = [n for n in variant_names(comparison) if comparison.records.get(n)]
    base = baseline_name(comparison)
    if len(names) <= max_variants:
        return names
    means = grid_means(comparison)

    def distance(name: str) -> float:
        a, b = means.get(name), means.get(base)
        if a is None or b is None or "backlog_per_1000" not in a:
            return 0.0
        return abs(float(a["backlog_per_1000"].mean() - b["backlog_per_1000"].mean()))

    others = sorted((n for n in names if n != base), key=distance, reverse=True)
    chosen = set(others[: max_variants - 1])
    return [base] + [n for n in names if n in chosen]
