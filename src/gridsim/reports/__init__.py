"""The reports layer: figures, tables and the HTML report of a comparison, in two languages.

Modules, lowest first:

- :mod:`~gridsim.reports.i18n` — the words (English, Simplified Chinese),
  fonts and number formats;
- :mod:`~gridsim.reports.analysis` — the data figures and tables show,
  computed from a comparison's stored runs;
- :mod:`~gridsim.reports.drawing` — style, colours, panels, ticks, saving;
- :mod:`~gridsim.reports.figures` — the registry of report figures and the
  figures gridsim ships;
- :mod:`~gridsim.reports.findings`, :mod:`~gridsim.reports.parameters`,
  :mod:`~gridsim.reports.tables` — what the report says, in words and tables;
- :mod:`~gridsim.reports.overview` — a comparison at a glance (designs × KPIs),
  what it shows in Jupyter;
- :mod:`~gridsim.reports.html` — the page, and :func:`write_report`.

This layer reads the experiments layer (a :class:`~gridsim.experiments.Comparison`)
and is never read by it: importing this package registers :func:`write_report`
as the writer of :meth:`Comparison.report <gridsim.experiments.Comparison.report>`,
and the views of :meth:`Comparison.overview <gridsim.experiments.Comparison.overview>`
(:mod:`~gridsim.reports.overview`, also what a comparison shows in Jupyter) and
:meth:`Comparison.plot <gridsim.experiments.Comparison.plot>` (a registered figure)
(``import gridsim`` does). The package itself stays light: matplotlib is
imported with the first figure or report, not with ``import gridsim``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridsim.experiments.results import register_report_writer, register_view

if TYPE_CHECKING:
    from gridsim.experiments.results import Comparison

_EXPORTS = {
    "FigureFile": "gridsim.reports.html",
    "REPORT_PAGE": "gridsim.reports.html",
    "render_html": "gridsim.reports.html",
    "write_figures": "gridsim.reports.html",
    "write_report": "gridsim.reports.html",
    "FIGURES": "gridsim.reports.figures",
    "FigureSpec": "gridsim.reports.figures",
    "register_figure": "gridsim.reports.figures",
    "Overview": "gridsim.reports.overview",
    "overview": "gridsim.reports.overview",
    "headline_differences": "gridsim.reports.findings",
    "kpi_report_table": "gridsim.reports.findings",
    "parameter_table": "gridsim.reports.parameters",
}
"""Public names, loaded from their module on first use (see the module docstring)."""

__all__ = sorted(_EXPORTS)


def _write_report(comparison: Comparison, out_dir: str | Path, lang: str) -> Path:
    from gridsim.reports.html import write_report

    return write_report(comparison, out_dir, lang=lang)


def _overview(comparison: Comparison, kpis: list[str] | None, lang: str) -> Any:
    from gridsim.reports.overview import overview

    return overview(comparison, kpis, lang)


def _plot(comparison: Comparison, figure: str, lang: str, **options: Any) -> Any:
    from gridsim.reports.figures import FIGURES

    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}: one of {', '.join(FIGURES)}")
    return FIGURES[figure].draw(comparison, lang, **options)


register_report_writer(_write_report)
register_view("overview", _overview)
register_view("plot", _plot)


def __getattr__(name: str) -> Any:
    """The public names of the reports layer, imported on first use."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gridsim.reports' has no attribute {name!r}")
