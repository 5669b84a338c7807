"""Summaries over replications: means with 95 % confidence intervals."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from gridsim.kpis import KPI_NAMES, RunResult


def mean_ci(
    values: Sequence[float] | np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of replication values.

    Args:
        values: One value per replication (NaNs are ignored).
        level: Confidence level.

    Returns:
        ``(mean, lo, hi)``; with one value the interval is the value itself;
        with none, all three are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if len(x) == 1:
        return (m, m, m)
    half = float(_t_quantile(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return (m, m - half, m + half)


@functools.lru_cache(maxsize=1024)
def _t_quantile(q: float, df: int) -> float:
    """Student-t quantile (cached: a comparison asks for the same few many times)."""
    return stats.t.ppf(q, df)


def kpi_table(results: Iterable[RunResult]) -> pd.DataFrame:
    """One row per replication, one column per KPI."""
    rows = [{"replication": r.replication, **r.kpis} for r in results]
    return pd.DataFrame(rows).set_index("replication").sort_index()


def summarise(results: Iterable[RunResult]) -> pd.DataFrame:
    """Mean and 95 % CI of every KPI over replications.

    Args:
        results: Runs of one scenario.

    Returns:
        A frame indexed by KPI name with columns ``mean``, ``ci95_lo``,
        ``ci95_hi`` and ``n``.
    """
    table = kpi_table(results)
    rows = []
    for name in [k for k in KPI_NAMES if k in table.columns]:
        m, lo, hi = mean_ci(table[name].to_numpy())
        rows.append({"kpi": name, "mean": m, "ci95_lo": lo, "ci95_hi": hi, "n": len(table)})
    return pd.DataFrame(rows).set_index("kpi")
