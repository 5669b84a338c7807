"""The design explorer, kept at its old path: see :mod:`gridsim.jupyter`.

``from gridsim.explorer import explore`` is what the README and the notebooks
teach, so this path stays without a warning; new code may import from
:mod:`gridsim.jupyter`.
"""

from gridsim.jupyter import (
    BETTER,
    CONTROL_PATHS,
    EXPLORER_KPIS,
    MAP_METRICS,
    SMALL_DISTRICT,
    Explorer,
    experiment_from_file,
    explore,
    explorer_run,
    grid_layout,
    plot_grid_map,
    style_table,
    yuelu_baseline,
)

__all__ = [
    "BETTER",
    "CONTROL_PATHS",
    "EXPLORER_KPIS",
    "MAP_METRICS",
    "SMALL_DISTRICT",
    "Explorer",
    "experiment_from_file",
    "explore",
    "explorer_run",
    "grid_layout",
    "plot_grid_map",
    "style_table",
    "yuelu_baseline",
]
