"""What the report says in words: each variant's clearest differences, the KPI table as text.

A difference is named when its paired 95 % CI excludes zero and it is at
least :data:`MATERIAL`; the largest come first.
"""

from __future__ import annotations

import math

import pandas as pd

from gridsim.experiments.results import Comparison
from gridsim.reports.i18n import (
    check_lang,
    diff_parts,
    format_diff,
    format_kpi,
    kind_of,
    kpi_label,
    kpi_scale,
    plain,
    signed,
    t,
)

HEADLINES_PER_VARIANT = 3
"""Most differences named per variant in the summary (cost is added when it differs)."""

MATERIAL: dict[str, float] = {"pct": 1.0, "pp": 0.5, "days": 0.5}
"""Smallest difference the summary names: 1 % of the baseline for counts, half a
percentage point for rates, half a day for times (smaller ones count as no difference)."""

_SENTENCE_LABELS: dict[str, str] = {
    "median_days_to_close": "median time to close",
    "p90_days_to_close": "time to close of the slowest tenth of cases",
    "issues_valid": "cases registered",
}
"""English KPI names inside a sentence, where the table name would repeat "days"."""


def _base_means(comparison: Comparison) -> dict[str, float]:
    table = comparison.table
    base = comparison.experiment.baseline.name
    rows = table[table["variant"] == base]
    return dict(zip(rows["kpi"], rows["mean"].astype(float), strict=True))


def _significant(row: pd.Series) -> bool:
    lo, hi = float(row["diff_lo"]), float(row["diff_hi"])
    return not (math.isnan(lo) or math.isnan(hi)) and (lo > 0 or hi < 0)


def is_exact(row: pd.Series) -> bool:
    """Whether a paired difference is the same in every replication (two or more pairs).

    Such a difference (a cost set by the staffing, a batch interval's delay)
    has no sampling error: the report prints it without a confidence interval.
    """
    d, lo, hi = float(row["diff"]), float(row["diff_lo"]), float(row["diff_hi"])
    if int(row["n_pairs"]) < 2 or math.isnan(d) or math.isnan(lo) or math.isnan(hi):
        return False
    return hi - lo <= 1e-9 * max(1.0, abs(d))


def diff_phrase(row: pd.Series, base_mean: float, lang: str, label: bool = True) -> str:
    """A paired difference in words, with its 95 % CI, or "the same in every replication".

    Args:
        row: A row of :attr:`Comparison.table` (``kpi``, ``diff``, ``diff_lo``,
            ``diff_hi``, ``n_pairs``).
        base_mean: The baseline's mean of the KPI.
        lang: ``"en"`` or ``"zh"``.
        label: Name the KPI (``"−32 % issues collected (…)"``); else the value
            and its interval alone (``"+64 %, 95 % CI +60 % to +68 %"``).

    Returns:
        e.g. ``"−32 % issues collected (95 % CI −32 % to −31 %)"``,
        ``"+64 % cost (the same in all 10 replications)"``.
    """
    kpi = str(row["kpi"])
    value, ci = format_diff(kpi, row["diff"], row["diff_lo"], row["diff_hi"], base_mean, lang)
    if is_exact(row):
        n = int(row["n_pairs"])
        ci = t("exact_diff_2", lang) if n == 2 else t("exact_diff", lang, n=n)
    if not label:
        return f"{value}{t('comma', lang)}{ci}"
    if lang == "en":
        name = _SENTENCE_LABELS.get(kpi, kpi_label(kpi, lang).lower())
        return f"{value} {name} ({ci})"
    return f"{kpi_label(kpi, lang)} {value}（{ci}）"


def headline_differences(comparison: Comparison, lang: str = "en") -> dict[str, list[str]]:
    """The summary's sentences: each variant's clearest differences from the baseline.

    A difference is named when its paired 95 % CI excludes zero and it is at
    least :data:`MATERIAL`; the largest (relative to the baseline) come first,
    up to :data:`HEADLINES_PER_VARIANT`, plus cost when it differs. KPIs that
    do not differ (clearly or materially) are listed last.

    Returns:
        Variant (baseline excluded) → phrases, e.g.
        ``"−32 % issues collected (95 % CI −32 % to −31 %)"``.
    """
    check_lang(lang)
    table = comparison.table
    base = comparison.experiment.baseline.name
    base_means = _base_means(comparison)
    out: dict[str, list[str]] = {}
    for variant in [v.name for v in comparison.experiment.variants if v.name != base]:
        rows = table[table["variant"] == variant]
        if rows.empty:
            continue
        sig, same = [], []
        for _, r in rows.iterrows():
            if r["n_pairs"] == 0 or math.isnan(float(r["diff"])):
                continue
            material = _significant(r) and _material(r, base_means)
            (sig if material else same).append(r)
        sig.sort(key=lambda r: -abs(_relative(r, base_means)))
        chosen = sig[:HEADLINES_PER_VARIANT]
        chosen += [r for r in sig[HEADLINES_PER_VARIANT:] if r["kpi"] == "cost"]
        phrases = [diff_phrase(r, base_means.get(str(r["kpi"]), math.nan), lang) for r in chosen]
        if same:
            names = t("list_sep", lang).join(
                _SENTENCE_LABELS.get(str(r["kpi"]), kpi_label(str(r["kpi"]), lang).lower())
                if lang == "en"
                else kpi_label(str(r["kpi"]), lang)
                for r in same
            )
            phrases.append(t("also_unchanged", lang, kpis=names))
        if not chosen and not same:
            phrases.append(t("no_clear_difference", lang))
        out[variant] = phrases
    return out


def is_material(row: pd.Series, base_means: dict[str, float]) -> bool:
    """Whether a difference is clear (its 95 % CI excludes zero) and at least :data:`MATERIAL`."""
    return _significant(row) and _material(row, base_means)


def _material(row: pd.Series, base_means: dict[str, float]) -> bool:
    kpi = str(row["kpi"])
    v, _, _, kind = diff_parts(
        kpi, row["diff"], row["diff_lo"], row["diff_hi"], base_means.get(kpi, math.nan)
    )
    return not math.isnan(v) and abs(v) >= MATERIAL[kind]


def _relative(row: pd.Series, base_means: dict[str, float]) -> float:
    kpi = str(row["kpi"])
    if kind_of(kpi) == "rate":
        base = base_means.get(kpi, math.nan)
        return 100 * float(row["diff"]) / base if base else 0.0
    pct = float(row["diff_pct"])
    return 0.0 if math.isnan(pct) else pct


def kpi_report_table(comparison: Comparison, lang: str = "en") -> pd.DataFrame:
    """The KPI table of the report, formatted as text in the report's language.

    Returns:
        One row per (KPI, variant) with columns ``kpi``, ``variant``,
        ``mean`` ("value [lo, hi]"), ``diff`` (paired difference in display
        units with its CI), ``diff_pct`` and ``significant``.
    """
    check_lang(lang)
    table = comparison.table
    base = comparison.experiment.baseline.name
    kpis = list(dict.fromkeys(table["kpi"]))
    order = [v.name for v in comparison.experiment.variants]
    rows = []
    for kpi in kpis:
        sub = table[table["kpi"] == kpi].set_index("variant")
        for variant in [n for n in order if n in sub.index]:
            r = sub.loc[variant]
            mean = format_kpi(kpi, r["mean"], lang)
            ci = f"[{_bare(kpi, r['ci95_lo'], lang)}, {_bare(kpi, r['ci95_hi'], lang)}]"
            if variant == base:
                diff = pct = "—"
                significant = False
            else:
                v, lo, hi, kind = diff_parts(kpi, r["diff"], r["diff_lo"], r["diff_hi"], 1.0)
                if kind == "pct":  # counts: the difference itself, in display units
                    factor, unit = kpi_scale(kpi, lang)
                    v, lo, hi = (x * factor for x in (r["diff"], r["diff_lo"], r["diff_hi"]))
                    dec = _dec(v, lo, hi)
                    suffix = f" {unit}" if unit and lang == "en" else unit
                else:
                    dec = 1
                    suffix = {"pp": " pp" if lang == "en" else "个百分点", "days": ""}[kind]
                    if kind == "days":
                        suffix = " days" if lang == "en" else "天"
                diff = f"{signed(v, dec)}{suffix} [{signed(lo, dec)}, {signed(hi, dec)}]"
                p = float(r["diff_pct"])
                pct = "—" if math.isnan(p) else signed(p, 1) + (" %" if lang == "en" else "%")
                significant = _significant(r)
            rows.append(
                {
                    "kpi": kpi,
                    "variant": variant,
                    "mean": f"{mean} {ci}",
                    "diff": diff,
                    "diff_pct": pct,
                    "significant": significant,
                }
            )
    return pd.DataFrame(rows, columns=["kpi", "variant", "mean", "diff", "diff_pct", "significant"])


def _dec(*xs: float) -> int:
    span = max((abs(x) for x in xs if not math.isnan(x)), default=0.0)
    if span >= 100 or span == 0:
        return 0
    return 1 if span >= 1 else 3


def _bare(kpi: str, x: float, lang: str) -> str:
    """A KPI value in display units without the unit (for CI brackets)."""
    if math.isnan(x):
        return "—"
    factor, _ = kpi_scale(kpi, lang)
    v = x * factor
    if kind_of(kpi) in ("rate", "days"):
        return plain(v, 1)
    if abs(v) >= 1000 or float(v).is_integer():
        return plain(v, 0)
    return plain(v, 1 if abs(v) >= 1 else 3)
