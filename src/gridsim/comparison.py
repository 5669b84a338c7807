"""Comparisons of variants, kept at their old path: see :mod:`gridsim.experiments`.

``from gridsim.comparison import compare`` is what the notebooks teach, so this
path stays without a warning. The paired statistics are in
:mod:`gridsim.experiments.statistics`, sensitivity indices in
:mod:`gridsim.experiments.results`.
"""

from gridsim.experiments.results import sensitivity
from gridsim.experiments.spec import HEADLINE_KPIS
from gridsim.experiments.statistics import compare, precision_met, relative_half_widths

__all__ = ["HEADLINE_KPIS", "compare", "precision_met", "relative_half_widths", "sensitivity"]
