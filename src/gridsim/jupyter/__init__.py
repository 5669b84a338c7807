"""The Jupyter layer: the interactive design explorer, split along its jobs.

In a notebook::

    from gridsim.jupyter import explore

    explore()            # small district (fast); tick "Full Yuelu district" for 580 grids

- :mod:`~gridsim.jupyter.scenarios` — the Yuelu baseline, experiment files with
  changes, grid layouts;
- :mod:`~gridsim.jupyter.runs` — :func:`explorer_run`: a baseline and a changed
  design with the same seeds, compared in pairs (no browser needed);
- :mod:`~gridsim.jupyter.display` — the styled KPI table and the grid map;
- :mod:`~gridsim.jupyter.explorer` — the widgets (:class:`Explorer`,
  :func:`explore`).

Experiments and comparisons show themselves in notebooks through their own
``_repr_html_`` (:mod:`gridsim.experiments`).
"""

from gridsim.jupyter.display import BETTER, MAP_METRICS, plot_grid_map, style_table
from gridsim.jupyter.explorer import CONTROL_PATHS, Explorer, explore
from gridsim.jupyter.runs import EXPLORER_KPIS, explorer_run
from gridsim.jupyter.scenarios import (
    SMALL_DISTRICT,
    experiment_from_file,
    grid_layout,
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
