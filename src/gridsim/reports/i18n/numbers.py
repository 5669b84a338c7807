"""Numbers as the reports write them: units, signs, separators, differences in words.

Counts are shown as they are, rates in %, cost in million yuan (万元 in
Chinese), times in days; a difference from the baseline is read in % of the
baseline mean for counts, in percentage points for rates, in days for times.
"""

from __future__ import annotations

import math

from gridsim.kpi_registry import KPIS
from gridsim.reports.i18n.catalogue import kpi_label, t

RATE_KPIS: frozenset[str] = frozenset(k.name for k in KPIS.values() if k.kind == "rate")
"""KPIs that are shares in [0, 1]: shown as %, differences in percentage points
(the registry's at import; :func:`kind_of` reads it at every call)."""

DAY_KPIS: frozenset[str] = frozenset(k.name for k in KPIS.values() if k.kind == "days")
"""KPIs measured in days."""

LOWER_IS_BETTER: frozenset[str] = frozenset(k.name for k in KPIS.values() if k.better == "lower")
"""KPIs where a decrease is an improvement (the rest: higher is better or neutral)."""


def kind_of(kpi: str) -> str:
    """A KPI's kind (``"count"``, ``"rate"``, ``"days"``), read from the registry.

    Read at every call, so a KPI registered later is formatted by its kind;
    ``"count"`` for a name that is not registered.
    """
    record = KPIS.get(kpi)
    return record.kind if record is not None else "count"


UNIT_SCALES: dict[str, dict[str, tuple[float, str]]] = {
    "yuan": {"en": (1e-6, "million yuan"), "zh": (1e-4, "万元")},
    "hours": {"en": (1e-3, "thousand hours"), "zh": (1e-4, "万小时")},
    "days": {"en": (1.0, "days"), "zh": (1.0, "天")},
    "share": {"en": (100.0, "%"), "zh": (100.0, "%")},
}
"""Unit of a KPI (:attr:`gridsim.kpi_registry.KPI.unit`) → factor and display unit per language."""

MINUS = "\u2212"
"""The minus sign used in reports (not a hyphen)."""


def signed(x: float, decimals: int = 0) -> str:
    """A number with an explicit sign (``+3``, ``−2.5``) and thousands separators."""
    if math.isnan(x):
        return "—"
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if x > 0 else MINUS) + text


def plain(x: float, decimals: int = 0) -> str:
    """A number with thousands separators and a real minus sign."""
    if math.isnan(x):
        return "—"
    text = f"{x:,.{decimals}f}"
    return text.replace("-", MINUS)


def kpi_scale(kpi: str, lang: str) -> tuple[float, str]:
    """Factor and unit to show a KPI in: % for rates, million yuan or 万元 for cost.

    Returns:
        ``(factor, unit)``: display value = KPI value × factor.
    """
    record = KPIS.get(kpi)
    if record is None:
        return 1.0, ""
    unit = record.unit or {"rate": "share", "days": "days"}.get(record.kind, "")
    if unit in UNIT_SCALES:
        return UNIT_SCALES[unit][lang]
    return 1.0, ""


def _decimals(x: float) -> int:
    ax = abs(x)
    if math.isnan(ax) or ax >= 100:
        return 0
    if ax >= 10:
        return 1
    return 2 if ax < 1 else 1


def kpi_axis_label(kpi: str, lang: str) -> str:
    """A KPI's name with its display unit, for axes and panel titles."""
    unit = kpi_scale(kpi, lang)[1]
    label = kpi_label(kpi, lang)
    if not unit or kind_of(kpi) == "days":  # "days" is in the name already
        return label
    return f"{label} ({unit})" if lang == "en" else f"{label}（{unit}）"


def format_kpi(kpi: str, x: float, lang: str) -> str:
    """A KPI value for text and tables, in its display unit.

    Args:
        kpi: KPI name.
        x: Value as the model reports it (rates as shares, cost in yuan).
        lang: Report language.

    Returns:
        e.g. ``"77.3 %"``, ``"67.9 million yuan"``, ``"6,790 万元"``, ``"9,089"``.
    """
    if math.isnan(x):
        return "—"
    factor, unit = kpi_scale(kpi, lang)
    v = x * factor
    if kind_of(kpi) == "rate":
        return plain(v, 1) + (" %" if lang == "en" else "%")
    if kind_of(kpi) == "days":
        return plain(v, 1) + (" days" if lang == "en" else "天")
    if unit:
        return plain(v, 1 if abs(v) < 1000 else 0) + (" " if lang == "en" else "") + unit
    if float(v).is_integer() or abs(v) >= 1000:
        return plain(v, 0)
    return plain(v, _decimals(v))


def diff_parts(
    kpi: str, diff: float, lo: float, hi: float, base_mean: float
) -> tuple[float, float, float, str]:
    """A paired difference in the unit an official reads it in.

    Counts: % of the baseline mean; rates: percentage points; days: days.

    Returns:
        ``(value, lo, hi, kind)`` with kind ``"pct"``, ``"pp"`` or ``"days"``.
    """
    if kind_of(kpi) == "rate":
        return 100 * diff, 100 * lo, 100 * hi, "pp"
    if kind_of(kpi) == "days":
        return diff, lo, hi, "days"
    if not base_mean or math.isnan(base_mean):
        return math.nan, math.nan, math.nan, "pct"
    return 100 * diff / base_mean, 100 * lo / base_mean, 100 * hi / base_mean, "pct"


def format_diff(
    kpi: str, diff: float, lo: float, hi: float, base_mean: float, lang: str
) -> tuple[str, str]:
    """A paired difference and its 95 % CI as words.

    Returns:
        ``(value, ci)``, e.g. ``("−28 %", "95 % CI −30 % to −26 %")`` or
        ``("+0.4 pp", "95 % CI −0.2 to +0.7 pp")``.
    """
    v, vlo, vhi, kind = diff_parts(kpi, diff, lo, hi, base_mean)
    if math.isnan(v):
        return "—", ""
    span = max(
        abs(v), abs(vlo) if not math.isnan(vlo) else 0, abs(vhi) if not math.isnan(vhi) else 0
    )
    dec = 0 if span >= 10 else 1
    if kind == "pct":
        unit = " %" if lang == "en" else "%"
        value = signed(v, dec) + unit
        ci = t("ci_words", lang, lo=signed(vlo, dec) + unit, hi=signed(vhi, dec) + unit)
    else:
        if kind == "pp":
            unit = " pp" if lang == "en" else "个百分点"
        else:
            unit = " days" if lang == "en" else "天"
        value = signed(v, dec) + unit
        ci = t("ci_words", lang, lo=signed(vlo, dec), hi=signed(vhi, dec) + unit)
    return value, ci
