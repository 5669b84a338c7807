"""Numbers as the reports write them: units, signs, separators, differences in words.

Counts are shown as they are, rates in %, cost in million yuan (万元 in
Chinese), times in days; a difference from the baseline is read in % of the
baseline mean for counts, in percentage points for rates, in days for times.
"""

from __future__ import annotations

import math

from gridsim.reports.i18n.catalogue import kpi_label, t

RATE_KPIS: frozenset[str] = frozenset(
    {
        "resolution_rate",
        "replied_rate",
        "closure_rate",
        "on_time_rate",
        "satisfaction",
        "satisfaction_reported",
        "rework_rate",
        "spot_fix_rate",
        "found_by_staff_share",
        "reported_by_public_share",
    }
)
"""KPIs that are shares in [0, 1]: shown as %, differences in percentage points."""

DAY_KPIS: frozenset[str] = frozenset({"median_days_to_close", "p90_days_to_close"})
"""KPIs measured in days."""

LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "median_days_to_close",
        "p90_days_to_close",
        "backlog_end",
        "rework_rate",
        "red_lights",
        "escalations",
        "cost",
        "staff_hours",
    }
)
"""KPIs where a decrease is an improvement (the rest: higher is better or neutral)."""

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
    if kpi in RATE_KPIS:
        return 100.0, "%"
    if kpi == "cost":
        return (1e-6, "million yuan") if lang == "en" else (1e-4, "万元")
    if kpi == "staff_hours":
        return (1e-3, "thousand hours") if lang == "en" else (1e-4, "万小时")
    if kpi in DAY_KPIS:
        return 1.0, "days" if lang == "en" else "天"
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
    if not unit or kpi in DAY_KPIS:  # "days" is in the name already
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
    if kpi in RATE_KPIS:
        return plain(v, 1) + (" %" if lang == "en" else "%")
    if kpi in DAY_KPIS:
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
    if kpi in RATE_KPIS:
        return 100 * diff, 100 * lo, 100 * hi, "pp"
    if kpi in DAY_KPIS:
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
