"""The sensitivity figure of a Sobol or Morris design: which parameters each KPI leans on.

Sobol: the first-order index S1 (the share of a KPI's variance over the design that
the parameter causes alone) and the total index ST (alone and through its
interactions), with their 95 % bootstrap confidence intervals. Morris: μ*, the
mean absolute elementary effect (the KPI's change when the parameter moves one
step, divided by the step as a share of its range: a move across the whole range;
in the KPI's display unit, percentage points for rates, days for times), with
its 95 % bootstrap interval, and σ, the spread of those effects (interactions
or a non-linear response). The indices come from
:meth:`gridsim.experiments.Comparison.sensitivity` (SALib).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from gridsim.experiments.results import Comparison
from gridsim.reports.drawing import _figure, _no_data, _panel_figure, _Ticks, style
from gridsim.reports.figures.registry import register_figure
from gridsim.reports.i18n import (
    check_lang,
    kind_of,
    kpi_label,
    kpi_scale,
    param_label,
    t,
)

MAX_PANELS = 9
"""Most KPIs the figure shows (one panel each)."""

_COLOURS = {"first": "#0072B2", "second": "#9ecae1"}


def _method(comparison: Comparison) -> str | None:
    design = comparison.experiment.spec.design
    return design.method if design is not None and design.method in ("sobol", "morris") else None


def _fields(comparison: Comparison, lang: str) -> dict[str, object]:
    method = _method(comparison) or "morris"
    return {"indices": t(f"cap_sens_{method}", lang)}


def sensitivity_indices(comparison: Comparison, kpis: Sequence[str]) -> dict[str, pd.DataFrame]:
    """KPI → its Sobol or Morris indices (KPIs whose indices cannot be computed are left out)."""
    out: dict[str, pd.DataFrame] = {}
    for kpi in kpis:
        if kpi not in comparison.runs.columns:
            continue
        try:
            indices = comparison.sensitivity(kpi)
        except (ValueError, ZeroDivisionError, FloatingPointError):  # too few points, NaNs
            continue
        if indices is not None and len(indices):
            out[kpi] = indices
    return out


@register_figure(
    "sensitivity",
    title={"en": "Which parameters matter", "zh": "哪些参数影响最大"},
    caption={
        "en": "Sensitivity of each indicator to the parameters the design varies. {indices}",
        "zh": "各指标对设计所变动参数的敏感性。{indices}",
    },
    needs=("sensitivity",),
    requires=("sensitivity",),
    fields=_fields,
    per_design=False,  # one bar per parameter, however many points the design has
)
def sensitivity(
    comparison: Comparison, lang: str = "en", kpis: Sequence[str] | None = None
) -> Figure:
    """Sobol S1 and ST, or Morris μ* and σ, per parameter, one panel per KPI, with 95 % CIs.

    Args:
        comparison: The comparison of an experiment with a Sobol or Morris ``[design]``.
        lang: ``"en"`` or ``"zh"``.
        kpis: KPIs to show (default: the experiment's, at most :data:`MAX_PANELS`).

    Returns:
        The figure ("not available" when the design is neither Sobol nor Morris).
    """
    check_lang(lang)
    method = _method(comparison)
    if kpis is None:
        kpis = list(comparison.experiment.spec.kpis)[:MAX_PANELS]
    with style(lang):
        indices = sensitivity_indices(comparison, list(kpis)) if method else {}
        if not indices or comparison.experiment.problem is None:
            return _no_data(_figure(10, 3), lang)
        names = list(comparison.experiment.problem["names"])
        labels = [param_label(n, lang) for n in names]
        fig, axes = _panel_figure(
            len(indices), labels, 0.36 * len(names) + 0.2, title_lines=1, xlabel=True
        )
        y = np.arange(len(names))[::-1].astype(float)
        h = 0.38
        for (kpi, frame), ax in zip(indices.items(), axes, strict=True):
            frame = frame.set_index("parameter").reindex(names)
            if method == "sobol":
                first, first_ci = frame["S1"], frame["S1_conf"]
                second, second_ci = frame["ST"], frame["ST_conf"]
                factor = 1.0
                ax.set_xlabel(t("sens_axis_sobol", lang), fontsize=7.5, color="#555555")
            else:
                factor = kpi_scale(kpi, lang)[0]
                first, first_ci = frame["mu_star"] * factor, frame["mu_star_conf"] * factor
                second, second_ci = frame["sigma"] * factor, None
                key = {"rate": "pp_axis", "days": "days_axis"}.get(kind_of(kpi))
                unit = t(key, lang) if key else kpi_scale(kpi, lang)[1]
                axis = t("sens_axis_morris", lang)
                if unit:
                    axis += f" ({unit})" if lang == "en" else f"（{unit}）"
                ax.set_xlabel(axis, fontsize=7.5, color="#555555")
            _bars(ax, y + h / 2, first, first_ci, _COLOURS["first"], h)
            _bars(ax, y - h / 2, second, second_ci, _COLOURS["second"], h)
            ax.axvline(0, color="#666666", lw=0.8)
            ax.set_title(kpi_label(kpi, lang), loc="left")
            ax.set_yticks(y, labels)
            ax.grid(axis="y", visible=False)
            ax.set_ylim(-0.7, len(names) - 0.3)
            ax.xaxis.set_major_formatter(_Ticks())
        keys = ("sens_s1", "sens_st") if method == "sobol" else ("sens_mu_star", "sens_sigma")
        handles = [
            Patch(color=_COLOURS["first"], label=t(keys[0], lang)),
            Patch(color=_COLOURS["second"], label=t(keys[1], lang)),
        ]
        fig.legend(handles=handles, loc="lower center", ncol=2, bbox_to_anchor=(0.5, 0.0))
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, height + 0.35, forward=False)
        _shift_up(fig, 0.35)
    return fig


def _bars(
    ax: object, y: np.ndarray, values: pd.Series, ci: pd.Series | None, colour: str, h: float
) -> None:
    v = values.to_numpy(dtype=float)
    err = None
    if ci is not None:
        e = ci.to_numpy(dtype=float)
        err = np.where(np.isnan(e), 0.0, np.abs(e))
    ax.barh(  # type: ignore[attr-defined]
        y,
        np.nan_to_num(v),
        height=h,
        color=colour,
        xerr=err,
        error_kw={"elinewidth": 1.0, "capsize": 2.0, "ecolor": "#333333"},
        zorder=2,
    )
    for yy, value in zip(y, v, strict=True):
        if math.isnan(value):
            ax.text(0, yy, "—", va="center", fontsize=7)  # type: ignore[attr-defined]


def _shift_up(fig: Figure, inches: float) -> None:
    """Move every axes up by ``inches`` after the figure grew by that much at the bottom."""
    height = fig.get_size_inches()[1]
    old = height - inches
    for ax in fig.axes:
        x0, y0, w, h = ax.get_position().bounds
        ax.set_position((x0, (y0 * old + inches) / height, w, h * old / height))
