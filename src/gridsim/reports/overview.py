"""A comparison at a glance: designs × KPIs, the baseline's values and the others' differences.

What a :class:`~gridsim.experiments.Comparison` shows in Jupyter (its
``_repr_html_``) and what :meth:`Comparison.overview
<gridsim.experiments.Comparison.overview>` returns: one row per design, one
column per KPI. The baseline's row holds its means; every other row the paired
difference from the baseline in the unit an official reads it in (counts in %
of the baseline, rates in percentage points, times in days), marked ``*`` when
its 95 % CI excludes zero, green when that is an improvement and red when it is
worse (the direction is the KPI's, :attr:`gridsim.kpi_registry.KPI.better`),
grey when it cannot be told from zero; the design's own mean in small type
beneath. Counts are shown without decimals, rates in %, cost in million yuan
(万元 in Chinese).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from gridsim.experiments.results import Comparison
from gridsim.kpi_registry import KPIS
from gridsim.reports.i18n import (
    check_lang,
    diff_parts,
    kind_of,
    kpi_axis_label,
    kpi_scale,
    plain,
    signed,
    t,
)

MAX_DESIGNS = 12
"""Most designs an overview lists (a sampling design has hundreds; the table has them all)."""

GOOD = "#1a7f37"
"""Colour of a difference that is an improvement."""

BAD = "#b42318"
"""Colour of a difference that is a deterioration."""

UNCLEAR = "#8a8a8a"
"""Colour of a difference whose 95 % CI includes zero."""


def cell_value(kpi: str, x: float, lang: str = "en") -> str:
    """A KPI's value in its display unit without the unit (the column header names it).

    Counts without decimals once they reach 100 (``9,155``, ``580``), rates in %
    (``77.3``), times in days (``6.8``), cost in million yuan (``67.9``).
    """
    if x is None or math.isnan(x):
        return "—"
    factor, unit = kpi_scale(kpi, lang)
    v = x * factor
    kind = kind_of(kpi)
    if kind == "rate" and factor == 1:  # a level in [0, 1] that is not a share (units' effort)
        return plain(v, 2)
    if kind in ("rate", "days"):
        return plain(v, 1)
    if unit:
        return plain(v, 1 if abs(v) < 1000 else 0)
    if float(v).is_integer() or abs(v) >= 100:
        return plain(v, 0)
    return plain(v, 1 if abs(v) >= 1 else 2)


def diff_text(kpi: str, diff: float, lo: float, hi: float, base_mean: float, lang: str) -> str:
    """A paired difference in its reading unit: ``−28 %``, ``+0.4 pp``, ``+1.2 days``."""
    v, vlo, vhi, kind = diff_parts(kpi, diff, lo, hi, base_mean)
    if math.isnan(v):
        return "—"
    if v == 0:
        return "0" + t({"pct": "pct_unit", "pp": "pp_unit", "days": "days_unit"}[kind], lang)
    span = max(abs(v), *(abs(x) for x in (vlo, vhi) if not math.isnan(x)))
    text = signed(v, 0 if span >= 10 else 1)
    unit = {"pct": "pct_unit", "pp": "pp_unit", "days": "days_unit"}[kind]
    return text + t(unit, lang)


def significant(lo: float, hi: float, diff: float) -> bool:
    """Whether a paired difference's 95 % CI excludes zero (an exact one counts when not 0)."""
    if math.isnan(diff):
        return False
    if math.isnan(lo) or math.isnan(hi):
        return False
    return lo > 0 or hi < 0 or (lo == hi and diff != 0)


def verdict(kpi: str, diff: float, lo: float, hi: float) -> int:
    """``1`` a clear improvement, ``-1`` a clear deterioration, ``0`` neither or unclear."""
    if not significant(lo, hi, diff):
        return 0
    record = KPIS.get(kpi)
    sign = record.sign if record is not None else 0
    return sign * (1 if diff > 0 else -1)


@dataclass(frozen=True)
class Overview:
    """A comparison at a glance (see the module docstring); shows itself in Jupyter.

    Attributes:
        means: Design × KPI means (the model's units: rates as shares, cost in yuan).
        differences: Design × KPI paired differences in reading units (% of the
            baseline for counts, percentage points for rates, days for times).
        verdicts: Design × KPI: ``1`` clearly better, ``-1`` clearly worse, ``0``
            neither (or the KPI has no better direction, or the CI includes zero).
        significant: Design × KPI: the 95 % CI of the difference excludes zero.
        html: The table as HTML.
    """

    means: pd.DataFrame
    differences: pd.DataFrame
    verdicts: pd.DataFrame
    significant: pd.DataFrame
    html: str

    def _repr_html_(self) -> str:
        return self.html


_TD = "<td style='text-align:right;padding:2px 7px;vertical-align:top;white-space:nowrap'>"
_TH = (
    "<th style='text-align:right;padding:2px 7px;vertical-align:bottom;max-width:9em;"
    "white-space:normal'>"
)


def _cell(text: str, colour: str | None, bold: bool) -> str:
    style = f"color:{colour};" if colour else ""
    style += "font-weight:600;" if bold else ""
    return f"<span style='{style}'>{html.escape(text)}</span>" if style else html.escape(text)


def overview(
    comparison: Comparison,
    kpis: Sequence[str] | None = None,
    lang: str = "en",
    max_designs: int = MAX_DESIGNS,
) -> Overview:
    """The designs × KPIs table of a comparison (see the module docstring).

    Args:
        comparison: The comparison.
        kpis: KPIs to show, in order (default: the experiment's).
        lang: ``"en"`` or ``"zh"``.
        max_designs: Most designs listed (the baseline and the first others).

    Returns:
        The overview; its ``_repr_html_`` is the table.
    """
    check_lang(lang)
    table = comparison.table
    shown_kpis = list(kpis) if kpis is not None else _kpis(comparison)
    names = [v.name for v in comparison.experiment.variants]
    base = comparison.experiment.baseline.name
    present = set(table["variant"]) if len(table) else set()
    names = [n for n in names if n in present]
    listed = names[: max(max_designs, 1)]
    rows = table.set_index(["variant", "kpi"])
    means = pd.DataFrame(index=pd.Index(names, name="design"), columns=shown_kpis, dtype=float)
    diffs = means.copy()
    signif = pd.DataFrame(False, index=means.index, columns=shown_kpis)
    verdicts = pd.DataFrame(0, index=means.index, columns=shown_kpis)
    base_means = {
        k: float(rows.loc[(base, k), "mean"]) if (base, k) in rows.index else math.nan
        for k in shown_kpis
    }
    body = []
    for name in names:
        cells = []
        for k in shown_kpis:
            if (name, k) not in rows.index:
                cells.append(f"{_TD}—</td>")
                continue
            r = rows.loc[(name, k)]
            mean = float(r["mean"])
            means.loc[name, k] = mean
            if name == base:
                cells.append(f"{_TD}{_cell(cell_value(k, mean, lang), None, False)}</td>")
                continue
            d, lo, hi = float(r["diff"]), float(r["diff_lo"]), float(r["diff_hi"])
            diffs.loc[name, k] = diff_parts(k, d, lo, hi, base_means[k])[0]
            sure = significant(lo, hi, d)
            signif.loc[name, k] = sure
            verdict_ = verdict(k, d, lo, hi)
            verdicts.loc[name, k] = verdict_
            colour = {1: GOOD, -1: BAD}.get(verdict_) if sure else UNCLEAR
            text = diff_text(k, d, lo, hi, base_means[k], lang) + ("*" if sure else "")
            cells.append(
                f"{_TD}{_cell(text, colour, sure)}<br>"
                f"<span style='color:#666;font-size:85%'>{cell_value(k, mean, lang)}</span></td>"
            )
        if name in listed:
            tagged = name == base and "baseline" not in name.lower()  # not "baseline (baseline)"
            label = t("baseline_tag", lang, name=name) if tagged else name
            body.append(
                "<tr style='border-top:1px solid #e6e6e6'>"
                f"<th style='text-align:left;font-weight:normal;padding:2px 7px;"
                f"vertical-align:top'>{html.escape(label)}</th>" + "".join(cells) + "</tr>"
            )
    head = "".join(f"{_TH}{html.escape(kpi_axis_label(k, lang))}</th>" for k in shown_kpis)
    reps = int(table["n"].max()) if len(table) else 0
    title = t(
        "overview_title" if "baseline" not in base.lower() else "overview_title_plain",
        lang,
        name=html.escape(comparison.experiment.name),
        designs=t("designs_runs", lang, designs=len(names), reps=reps),
        baseline=html.escape(base),
    )
    more = (
        f"<tr><td colspan='{len(shown_kpis) + 1}' style='text-align:left;color:#666'>"
        f"{t('overview_more', lang, n=len(names) - len(listed))}</td></tr>"
        if len(names) > len(listed)
        else ""
    )
    page = (
        "<div class='gridsim-overview' style='max-width:100%;overflow-x:auto'>"
        f"<p style='margin:0 0 4px 0'>{title}</p>"
        "<table style='border-collapse:collapse;font-variant-numeric:tabular-nums'>"
        "<thead><tr><th style='text-align:left;padding:2px 7px;vertical-align:bottom'>"
        f"{t('variant', lang)}</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}{more}</tbody></table>"
        f"<p style='margin:4px 0 0 0;font-size:85%;color:#555'>{t('overview_note', lang)}</p>"
        "</div>"
    )
    return Overview(means, diffs, verdicts, signif, page)


def _kpis(comparison: Comparison) -> list[str]:
    table = comparison.table
    kpis = list(dict.fromkeys(table["kpi"])) if len(table) else []
    return kpis or list(comparison.experiment.spec.kpis)


def overview_html(comparison: Comparison) -> str:
    """The overview's HTML in English (what a comparison shows in Jupyter)."""
    return overview(comparison).html
