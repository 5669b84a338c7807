"""Statistics over replications: means with 95 % CIs, paired differences, precision.

Replication ``r`` of every variant shares the latent issues of replication
``r`` of the baseline (common random numbers), so the difference to the
baseline is computed per replication and then summarised: its confidence
interval is much narrower than the difference of two independent means.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from gridsim.model.kpis import KPI_NAMES, RunResult


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


def compare(runs: pd.DataFrame, baseline: str, kpis: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Tidy comparison table.

    Args:
        runs: One row per run with columns ``variant``, ``replication`` and KPIs.
        baseline: Name of the baseline variant.
        kpis: KPIs to report.

    Returns:
        One row per (variant, KPI): ``mean``, ``ci95_lo``, ``ci95_hi``, ``n``,
        and the paired difference to the baseline ``diff``, ``diff_lo``,
        ``diff_hi``, ``diff_pct`` (difference as % of the baseline mean),
        ``n_pairs``.
    """
    columns = [
        "variant",
        "kpi",
        "mean",
        "ci95_lo",
        "ci95_hi",
        "n",
        "diff",
        "diff_lo",
        "diff_hi",
        "diff_pct",
        "n_pairs",
    ]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    kpis = list(kpis)
    # One numpy block for every run and KPI; variants are row positions into it.
    values_all = runs[kpis].to_numpy(dtype=float)
    replications = runs["replication"].to_numpy()
    rows_of = runs.groupby("variant", sort=False).indices
    order = [v for v in pd.unique(runs["variant"].to_numpy()) if v in rows_of]
    base_rows = rows_of.get(baseline, np.zeros(0, dtype=int))
    base_index = pd.Index(replications[base_rows])
    base_values = values_all[base_rows]
    base_means = [
        float(np.nanmean(np.ascontiguousarray(base_values[:, j]))) if len(base_rows) else math.nan
        for j in range(len(kpis))
    ]
    rows = []
    for variant in order:
        index = pd.Index(replications[rows_of[variant]])
        values = values_all[rows_of[variant]]
        common = index.intersection(base_index)
        if index.is_unique and base_index.is_unique:  # pair replications by position
            diffs = values[index.get_indexer(common)] - base_values[base_index.get_indexer(common)]
        else:  # a replication listed twice: pair by label, as pandas aligns them
            mine = pd.DataFrame(values, index=index)
            theirs = pd.DataFrame(base_values, index=base_index)
            pairs = [
                (mine.loc[common, j] - theirs.loc[common, j]).to_numpy(dtype=float)
                for j in range(len(kpis))
            ]
            diffs = np.column_stack(pairs) if pairs else np.empty((len(common), 0))
        for j, kpi in enumerate(kpis):
            column = np.ascontiguousarray(values[:, j])
            m, lo, hi = mean_ci(column)
            dm, dlo, dhi = mean_ci(np.ascontiguousarray(diffs[:, j]))
            bm = base_means[j]
            rows.append(
                {
                    "variant": variant,
                    "kpi": kpi,
                    "mean": m,
                    "ci95_lo": lo,
                    "ci95_hi": hi,
                    "n": int(np.count_nonzero(~np.isnan(column))),
                    "diff": dm,
                    "diff_lo": dlo,
                    "diff_hi": dhi,
                    "diff_pct": 100 * dm / bm if bm else math.nan,
                    "n_pairs": len(common),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def relative_half_widths(runs: pd.DataFrame, kpis: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """CI half-width ÷ |mean| for every (variant, KPI); 0 where a KPI never varies."""
    rows = []
    for variant, group in runs.groupby("variant", sort=False):
        for kpi in kpis:
            m, lo, hi = mean_ci(group[kpi].to_numpy(dtype=float))
            if math.isnan(m):
                rel = math.nan
            elif hi == lo:
                rel = 0.0
            elif m == 0:
                rel = math.inf
            else:
                rel = (hi - lo) / 2 / abs(m)
            rows.append({"variant": variant, "kpi": kpi, "relative_half_width": rel})
    return pd.DataFrame(rows)


def precision_met(runs: pd.DataFrame, kpis: list[str] | tuple[str, ...], precision: float) -> bool:
    """Whether every reported KPI's 95 % CI half-width is within ``precision`` of its mean."""
    widths = relative_half_widths(runs, kpis)["relative_half_width"]
    return bool((widths.dropna() <= precision).all())
