"""The Jupyter layer: the interactive design explorer, split along its jobs.

In a notebook::

    from gridsim.jupyter import explore

    ex = explore()       # small district (fast); tick "Full district" for Yuelu's 580 grids
    ex.comparison        # after Run: the last result, a gridsim Comparison

- :mod:`~gridsim.jupyter.scenarios` — the Yuelu baseline, experiment files with
  changes, grid layouts;
- :mod:`~gridsim.jupyter.runs` — :func:`explorer_run` and :func:`explorer_designs`:
  a baseline and changed designs with the same seeds, compared in pairs (no
  browser needed);
- :mod:`~gridsim.jupyter.display` — the styled KPI table and the grid map;
- :mod:`~gridsim.jupyter.explorer` — the widgets (:class:`Explorer`,
  :func:`explore`), the history of designs tried (:class:`Trial`).

Experiments, comparisons, runs and workspaces show themselves in notebooks
through their own ``_repr_html_``, and gridsim's figures as images
(:class:`gridsim.reports.drawing.ReportFigure`), with no ``%matplotlib`` magic.
"""

from gridsim.jupyter.display import (
    BETTER,
    MAP_METRICS,
    explorer_frame,
    plot_grid_map,
    style_table,
)
from gridsim.jupyter.explorer import CONTROL_PATHS, Explorer, Trial, explore
from gridsim.jupyter.runs import (
    EXPLORER_KPIS,
    Cancelled,
    ExplorerRuns,
    explorer_designs,
    explorer_run,
    explorer_table,
)
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
    "Cancelled",
    "Explorer",
    "ExplorerRuns",
    "Trial",
    "experiment_from_file",
    "explore",
    "explorer_designs",
    "explorer_frame",
    "explorer_run",
    "explorer_table",
    "grid_layout",
    "plot_grid_map",
    "style_table",
    "yuelu_baseline",
]
