"""Summaries over replications, kept at their old path: see :mod:`gridsim.experiments.statistics`.

``from gridsim.summary import summarise`` is what the quickstart notebook
teaches, so this path stays without a warning.
"""

from gridsim.experiments.statistics import kpi_table, mean_ci, summarise

__all__ = ["kpi_table", "mean_ci", "summarise"]
