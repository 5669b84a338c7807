"""Comparisons of variants: means, paired differences, precision, sensitivity.

Replication ``r`` of every variant shares the latent issues of replication
``r`` of the baseline (common random numbers), so the difference to the
baseline is computed per replication and then summarised: its confidence
interval is much narrower than the difference of two independent means.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.summary import mean_ci

if TYPE_CHECKING:
    from gridsim.experiment import Experiment

HEADLINE_KPIS: tuple[str, ...] = (
    "households_visited",
    "issues_collected",
    "issues_resolved",
    "resolution_rate",
    "on_time_rate",
    "median_days_to_close",
    "p90_days_to_close",
    "backlog_end",
    "satisfaction",
    "cost",
)
"""KPIs an experiment reports unless its file lists others."""


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


def sensitivity(experiment: Experiment, runs: pd.DataFrame, kpi: str) -> pd.DataFrame | None:
    """Sobol (first and total order) or Morris (mu*, sigma) indices of one KPI.

    The KPI is averaged over replications at each design point, in the order
    SALib sampled the points.

    Returns:
        One row per parameter, or ``None`` when the design is not Sobol/Morris.
    """
    design = experiment.spec.design
    if design is None or design.method == "lhs" or experiment.problem is None:
        return None
    names = [v.name for v in experiment.variants if v.name.startswith(f"{design.method} ")]
    means = runs.groupby("variant")[kpi].mean()
    y = np.array([means.get(n, np.nan) for n in sorted(names)], dtype=float)
    problem: dict[str, Any] = experiment.problem
    if design.method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False)
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
            }
        )
    from SALib.analyze import morris

    assert experiment.points is not None
    res = morris.analyze(problem, experiment.points, y, num_levels=design.levels)
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )
