"""The report's figures: a registry of specs, and the figures gridsim ships.

Every function takes a :class:`gridsim.experiments.Comparison` (what
``Experiment.run`` returns) and a language, and returns a
:class:`matplotlib.figure.Figure` that shows inline in Jupyter when it is a
cell's value. :data:`FIGURES` holds every registered figure
(:class:`FigureSpec`: the function, its title and caption in English and
Chinese, the data it needs) in report order; :func:`register_figure` adds one.
"""

from gridsim.reports.figures.registry import (
    FIGURES,
    Data,
    FigureSpec,
    register_figure,
    unregister_figure,
)

# Imported in report order: a figure's place in the report is the order it registers in.
# The sensitivity indices come first: only a Sobol or Morris design has them, and they are
# what such a design is run for.
# isort: off
from gridsim.reports.figures.sensitivity import sensitivity
from gridsim.reports.figures.kpis import kpi_differences, kpi_means
from gridsim.reports.figures.cases import days_to_close_ecdf, open_cases
from gridsim.reports.figures.cost import cost_performance
from gridsim.reports.figures.maps import MAP_METRICS, equity, grid_maps
# isort: on

__all__ = [
    "FIGURES",
    "MAP_METRICS",
    "Data",
    "FigureSpec",
    "cost_performance",
    "days_to_close_ecdf",
    "equity",
    "grid_maps",
    "kpi_differences",
    "kpi_means",
    "open_cases",
    "register_figure",
    "sensitivity",
    "unregister_figure",
]
