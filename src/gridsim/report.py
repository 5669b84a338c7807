"""Deprecated: the report moved to :mod:`gridsim.reports` (the page: :mod:`gridsim.reports.html`).

This module re-exports its names for one release and warns on import; use
``Comparison.report(path)`` or import from :mod:`gridsim.reports` instead. No
notebook teaches this path, and its name is one letter away from the
package's, hence the warning.
"""

from __future__ import annotations

import warnings

from gridsim.reports.findings import (
    HEADLINES_PER_VARIANT,
    MATERIAL,
    headline_differences,
    kpi_report_table,
)
from gridsim.reports.html import REPORT_PAGE, FigureFile, render_html, write_figures, write_report
from gridsim.reports.parameters import parameter_table

__all__ = [
    "HEADLINES_PER_VARIANT",
    "MATERIAL",
    "REPORT_PAGE",
    "FigureFile",
    "headline_differences",
    "kpi_report_table",
    "parameter_table",
    "render_html",
    "write_figures",
    "write_report",
]

warnings.warn(
    "gridsim.report is deprecated; import from gridsim.reports instead",
    DeprecationWarning,
    stacklevel=2,
)
