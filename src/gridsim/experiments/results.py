"""The results of an experiment: per-run KPIs, the paired comparison, sensitivity indices.

:class:`Comparison` is what :meth:`gridsim.experiments.Experiment.run` returns.
Its :meth:`Comparison.report` writes the HTML report, its
:meth:`Comparison.overview` (what it shows in Jupyter) and :meth:`Comparison.plot`
draw a table and figures, all made by the reports layer: this layer never
imports it. :mod:`gridsim.reports` registers its writer and views here when
imported (:func:`register_report_writer`, :func:`register_view`; ``import
gridsim`` imports it), so the experiments layer stays below the reports layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gridsim.experiments.designs import Variant
from gridsim.experiments.spec import ExperimentSpec


class Design(Protocol):
    """What a comparison reads of the experiment it came from.

    :class:`gridsim.experiments.Experiment` is one; the protocol keeps this
    module below the one that defines it.
    """

    spec: ExperimentSpec
    variants: list[Variant]
    problem: dict[str, Any] | None
    points: np.ndarray | None

    @property
    def name(self) -> str:
        """Experiment name."""
        ...

    @property
    def baseline(self) -> Variant:
        """The variant every other is compared with."""
        ...

    def records(self, workspace: Any, replications: int) -> dict[str, list[Any]]:
        """Stored runs of each variant (replications < n), in replication order."""
        ...


type ReportWriter = Callable[[Comparison, str | Path, str], Path]
"""Writes the report of a comparison into a folder in a language; returns ``index.html``."""

_report_writer: ReportWriter | None = None


def register_report_writer(writer: ReportWriter) -> None:
    """Make ``writer`` what :meth:`Comparison.report` calls (the reports layer registers one).

    Args:
        writer: ``writer(comparison, out_dir, lang)``.
    """
    global _report_writer
    _report_writer = writer


type View = Callable[..., Any]
"""``overview(comparison, kpis, lang)`` → an object with ``_repr_html_``;
``plot(comparison, figure, lang, **options)`` → a figure."""

VIEWS = ("overview", "plot")
"""The views a comparison asks the reports layer for."""

_views: dict[str, View] = {}


def register_view(name: str, view: View) -> None:
    """Make ``view`` what a comparison shows as ``name`` (the reports layer registers them).

    Args:
        name: One of :data:`VIEWS`.
        view: The function (see :data:`View`).

    Raises:
        ValueError: For another name.
    """
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}: one of {', '.join(VIEWS)}")
    _views[name] = view


def _view(name: str) -> View:
    if name not in _views:
        raise RuntimeError(f"no {name} view registered: import gridsim.reports first")
    return _views[name]


def write_report(comparison: Comparison, path: str | Path, lang: str = "en") -> Path:
    """Write a comparison's report with the registered writer.

    Raises:
        RuntimeError: If no report writer is registered (``import gridsim.reports``).
    """
    if _report_writer is None:
        raise RuntimeError("no report writer registered: import gridsim.reports first")
    return _report_writer(comparison, path, lang)


@dataclass
class Comparison:
    """Results of an experiment: per-run KPIs and the paired comparison table.

    Attributes:
        experiment: The experiment.
        runs: One row per run (variant, replication, KPIs...).
        table: Tidy comparison: one row per (variant, KPI) with mean, 95 % CI,
            paired difference to the baseline and its 95 % CI.
        precision: The precision target, if one was asked for.
        records: Variant → stored runs (:class:`gridsim.store.RunRecord`, with
            ``daily`` series and per-grid ``grids`` tables) for figures; read
            from the store on first use.
    """

    experiment: Design
    runs: pd.DataFrame
    table: pd.DataFrame
    precision: float | None = None
    _workspace: Any = field(default=None, repr=False)
    _replications: int = 0
    _records: dict[str, list[Any]] | None = field(default=None, repr=False)

    @property
    def records(self) -> dict[str, list[Any]]:
        """Variant → stored runs with daily series and grid tables (loaded on first use)."""
        if self._records is None:
            self._records = (
                self.experiment.records(self._workspace, self._replications)
                if self._workspace is not None
                else {}
            )
        return self._records

    def report(self, path: str | Path, lang: str = "en") -> Path:
        """Write the HTML report of this comparison (see :mod:`gridsim.reports`).

        Args:
            path: Output folder (``index.html`` plus the figures as PNG and SVG).
            lang: ``"en"`` or ``"zh"``.

        Returns:
            The path of ``index.html``.
        """
        return write_report(self, path, lang)

    def sensitivity(self, kpi: str) -> pd.DataFrame | None:
        """Sobol or Morris indices of a KPI, when the design is Sobol or Morris."""
        return sensitivity(self.experiment, self.runs, kpi)

    def overview(self, kpis: list[str] | None = None, lang: str = "en") -> Any:
        """The comparison at a glance: designs × KPIs (what it shows in Jupyter).

        The baseline's means, and every other design's paired difference from
        it marked when its 95 % CI excludes zero, green when better and red
        when worse (see :mod:`gridsim.reports.overview`).

        Args:
            kpis: KPIs to show (default: the experiment's).
            lang: ``"en"`` or ``"zh"``.

        Returns:
            A :class:`gridsim.reports.overview.Overview` (shown as a table in Jupyter;
            its ``means``, ``differences`` and ``verdicts`` are frames).
        """
        return _view("overview")(self, kpis, lang)

    def plot(self, figure: str | None = None, lang: str = "en", **options: Any) -> Any:
        """A report figure of this comparison (shown as an image in Jupyter).

        Args:
            figure: The figure's stem (``gridsim.plots.FIGURES``: ``"kpi_differences"``,
                ``"kpi_means"``, ``"open_cases"``, ``"grid_maps"``, ``"sensitivity"``…);
                default: the sensitivity indices of a Sobol or Morris design, else the
                paired differences.
            lang: ``"en"`` or ``"zh"``.
            **options: Passed to the figure function (e.g. ``kpis=[...]``).

        Returns:
            The matplotlib figure.
        """
        if figure is None:
            design = self.experiment.spec.design
            sampled = design is not None and design.method in ("sobol", "morris")
            figure = "sensitivity" if sampled else "kpi_differences"
        return _view("plot")(self, figure, lang, **options)

    def __repr__(self) -> str:
        kpis = len(dict.fromkeys(self.table["kpi"])) if len(self.table) else 0
        reps = int(self.table["n"].max()) if len(self.table) else 0
        return (
            f"<Comparison {self.experiment.name!r}: {len(self.experiment.variants)} designs × "
            f"{reps} replications, {kpis} KPIs, baseline {self.experiment.baseline.name!r}>"
        )

    def _repr_html_(self) -> str:
        if "overview" not in _views:
            return self.table.to_html(index=False)
        return str(self.overview()._repr_html_())


def sensitivity(experiment: Design, runs: pd.DataFrame, kpi: str) -> pd.DataFrame | None:
    """Sobol (first and total order) or Morris (mu*, sigma) indices of one KPI.

    The KPI is averaged over replications at each design point, in the order
    SALib sampled the points.

    Returns:
        One row per parameter, or ``None`` when the design is not Sobol/Morris.
    """
    design = experiment.spec.design
    if design is None or design.method == "lhs" or experiment.problem is None:
        return None
    # The sampled points in the sampler's order: by their number ("sobol 1000" sorts
    # before "sobol 101" as text; a baseline named among them is moved first).
    prefix = f"{design.method} "
    names = [v.name for v in experiment.variants if v.name.startswith(prefix)]
    names.sort(key=lambda n: int(n[len(prefix) :]) if n[len(prefix) :].isdigit() else -1)
    means = runs.groupby("variant")[kpi].mean()
    y = np.array([means.get(n, np.nan) for n in names], dtype=float)
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
