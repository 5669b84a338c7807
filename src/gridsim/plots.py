"""The figures of a comparison, kept at their old path: see :mod:`gridsim.reports.figures`.

``from gridsim import plots`` is what the notebooks teach, so this path stays
without a warning::

    from gridsim import plots
    comparison = Experiment.from_file("scenarios/compare-grid-size.toml").run()
    plots.open_cases(comparison)                 # English
    plots.grid_maps(comparison, lang="zh")       # 简体中文 (needs a CJK font)

The figures live in :mod:`gridsim.reports.figures` (with their registry), the
data they show in :mod:`gridsim.reports.analysis`, the shared style in
:mod:`gridsim.reports.drawing`. :data:`FIGURES` here maps a file stem to its
drawing function, as it did, read live from the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from matplotlib.figure import Figure

from gridsim.reports import figures as _figures
from gridsim.reports.analysis import (
    baseline_name,
    days_to_close_hist,
    district_of,
    equity_table,
    gini,
    grid_means,
    map_variants,
    open_case_bands,
    pareto_front,
    replication_count,
    run_kpi_ci,
    variant_names,
    worst_decile_mean,
)
from gridsim.reports.drawing import (
    BASELINE_COLOR,
    PALETTE,
    rc_params,
    save_figure,
    style,
    variant_colors,
)
from gridsim.reports.figures import (
    MAP_METRICS,
    cost_performance,
    days_to_close_ecdf,
    equity,
    grid_maps,
    kpi_differences,
    kpi_means,
    open_cases,
    sensitivity,
)


class _Draws(Mapping[str, Callable[..., Figure]]):
    """Stem → drawing function of every registered figure, in report order."""

    def __getitem__(self, stem: str) -> Callable[..., Figure]:
        return _figures.FIGURES[stem].draw

    def __iter__(self) -> Iterator[str]:
        return iter(_figures.FIGURES)

    def __len__(self) -> int:
        return len(_figures.FIGURES)


FIGURES: Mapping[str, Callable[..., Figure]] = _Draws()
"""Every report figure by file stem, in report order: ``FIGURES[stem](comparison, lang)``."""

__all__ = [
    "BASELINE_COLOR",
    "FIGURES",
    "MAP_METRICS",
    "PALETTE",
    "baseline_name",
    "cost_performance",
    "days_to_close_ecdf",
    "days_to_close_hist",
    "district_of",
    "equity",
    "equity_table",
    "gini",
    "grid_maps",
    "grid_means",
    "kpi_differences",
    "kpi_means",
    "map_variants",
    "open_case_bands",
    "open_cases",
    "pareto_front",
    "rc_params",
    "replication_count",
    "run_kpi_ci",
    "save_figure",
    "sensitivity",
    "style",
    "variant_colors",
    "variant_names",
    "worst_decile_mean",
]
