"""The comparison report: one self-contained HTML page for district officials.

:func:`write_report` turns a :class:`gridsim.experiment.Comparison` into a
folder::

    DIR/index.html          summary, figures, tables, assumptions
    DIR/<figure>.png        every figure as PNG ...
    DIR/<figure>.svg        ... and as SVG (text drawn as paths)

``index.html`` needs nothing else: figures are inlined as base64 PNG, the
CSS is inline, there is no script, no web font and no external URL, so the
page opens offline, can be mailed as one file, and prints cleanly. It is
written in English or Simplified Chinese (``lang="zh"``; see
:mod:`gridsim.i18n`).

A report is written whole or not at all. Its files belong together (the page
links to ``<figure>.png`` and ``<figure>.svg`` beside it), so they are replaced
as a set, not one by one: every file is first written into a hidden staging
folder inside ``DIR`` (:func:`gridsim.fileio.staged_folder`), and only when
all are complete are they renamed into ``DIR``, ``index.html`` last, and the
figure files of an older report that this one no longer has deleted. A
process killed while drawing or writing (the seconds a report takes) leaves
the previous report exactly as it was, plus a hidden ``.staged.*.tmp``
folder that the next report written there removes; a stop by ``KeyboardInterrupt``
or a signal the command line turns into one lets the renames (microseconds)
finish first. The folder itself is not swapped for a new one: ``DIR`` may hold
the user's own files, and those are never touched.

From the command line::

    gridsim report scenarios/compare-grid-size.toml --out out/reports/grid-size --lang zh
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from gridsim import plots
from gridsim.fileio import atomic_write, display_path, staged_folder
from gridsim.i18n import (
    DAY_KPIS,
    HTML_FONTS,
    RATE_KPIS,
    check_lang,
    diff_parts,
    font_family,
    format_diff,
    format_kpi,
    kpi_label,
    kpi_scale,
    param_label,
    plain,
    signed,
    t,
    value_label,
)

if TYPE_CHECKING:
    from gridsim.experiment import Comparison
    from gridsim.scenario import Scenario

REPORT_PAGE = "index.html"
"""File name of the report page in the report folder."""

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


@dataclass(frozen=True)
class FigureFile:
    """A figure written with a report.

    Attributes:
        stem: File stem (``<stem>.png``, ``<stem>.svg``).
        title: Figure title in the report's language.
        caption: Caption in the report's language.
        png: Path of the PNG.
        svg: Path of the SVG.
    """

    stem: str
    title: str
    caption: str
    png: Path
    svg: Path


# ---------------------------------------------------------------------------
# what the report says


def _base_means(comparison: Comparison) -> dict[str, float]:
    table = comparison.table
    base = comparison.experiment.baseline.name
    rows = table[table["variant"] == base]
    return dict(zip(rows["kpi"], rows["mean"].astype(float), strict=True))


def _significant(row: pd.Series) -> bool:
    lo, hi = float(row["diff_lo"]), float(row["diff_hi"])
    return not (math.isnan(lo) or math.isnan(hi)) and (lo > 0 or hi < 0)


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
        phrases = []
        for r in chosen:
            kpi = str(r["kpi"])
            value, ci = format_diff(
                kpi, r["diff"], r["diff_lo"], r["diff_hi"], base_means.get(kpi, math.nan), lang
            )
            if lang == "en":
                label = _SENTENCE_LABELS.get(kpi, kpi_label(kpi, lang).lower())
                phrases.append(f"{value} {label} ({ci})")
            else:
                phrases.append(f"{kpi_label(kpi, lang)} {value}（{ci}）")
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


def _material(row: pd.Series, base_means: dict[str, float]) -> bool:
    kpi = str(row["kpi"])
    v, _, _, kind = diff_parts(
        kpi, row["diff"], row["diff_lo"], row["diff_hi"], base_means.get(kpi, math.nan)
    )
    return not math.isnan(v) and abs(v) >= MATERIAL[kind]


def _relative(row: pd.Series, base_means: dict[str, float]) -> float:
    kpi = str(row["kpi"])
    if kpi in RATE_KPIS:
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
    if kpi in RATE_KPIS or kpi in DAY_KPIS:
        return plain(v, 1)
    if abs(v) >= 1000 or float(v).is_integer():
        return plain(v, 0)
    return plain(v, 1 if abs(v) >= 1 else 3)


def parameter_table(scenario: Scenario) -> pd.DataFrame:
    """Every scenario parameter with its value, unit and source, from the schema.

    A source tag belongs to a parameter's documented default, so a parameter
    whose value differs from that default is not tagged with it: it is
    ``"set"`` (set in this scenario), and ``set_in`` names the file (or
    ``"<changes>"``) that set it. A district read from a CSV shows the CSV's
    counts of communities, households and streets, set by the file that names
    the CSV.

    Returns:
        One row per parameter: ``section`` (the table's docstring), ``key``
        (dotted), ``value``, ``unit``, ``source`` (of the default, as tagged in
        :mod:`gridsim.scenario`), ``kind``: ``"set"`` (the value differs from
        the default), ``"sourced"`` (tag starts with S), ``"assumed"`` (A) or
        ``"other"``; ``meaning``, ``default`` and ``set_in`` (the file that set
        the value, ``None`` when unknown or not set).
    """
    from gridsim.scenario import Scenario as _Scenario

    rows: list[dict[str, Any]] = []
    counted = _csv_counts(scenario)

    def extra(field: Any) -> dict[str, Any]:
        e = field.json_schema_extra
        return e if isinstance(e, dict) else {}

    def add(section: str, key: str, value: Any, default: Any, ex: dict[str, Any], field: Any):
        if key in counted:
            value = counted[key]
            set_in = scenario.set_by("district.communities_csv")
        else:
            set_in = scenario.set_by(key)
        rows.append(_param_row(section, key, value, default, set_in, ex, field))

    def walk(model: BaseModel, default: BaseModel, prefix: str, section: str) -> None:
        for name, field in type(model).model_fields.items():
            value, dflt = getattr(model, name), getattr(default, name)
            key = f"{prefix}{name}"
            ex = extra(field)
            if isinstance(value, BaseModel):
                if ex:  # a documented per-category / per-tier / per-role table
                    for sub in type(value).model_fields:
                        add(
                            section,
                            f"{key}.{sub}",
                            getattr(value, sub),
                            getattr(dflt, sub),
                            ex,
                            field,
                        )
                else:
                    walk(value, dflt, key + ".", section)
                continue
            add(section, key, value, dflt, ex, field)

    defaults = _Scenario()
    for name, field in type(scenario).model_fields.items():
        value = getattr(scenario, name)
        if isinstance(value, BaseModel):
            doc = (type(value).__doc__ or name).strip().splitlines()[0].rstrip(".")
            walk(value, getattr(defaults, name), f"{name}.", doc)
        elif extra(field).get("source", "-") != "-":
            add("", name, value, getattr(defaults, name), extra(field), field)
    return pd.DataFrame(
        rows,
        columns=[
            "section",
            "key",
            "value",
            "unit",
            "source",
            "kind",
            "meaning",
            "default",
            "set_in",
        ],
    )


def _csv_counts(scenario: Scenario) -> dict[str, Any]:
    """The district totals a communities CSV stands for (nothing without a CSV)."""
    path = scenario.district.communities_csv
    if path is None:
        return {}
    from gridsim.scenario import read_communities_csv

    rows = read_communities_csv(path)
    return {
        "district.communities": len(rows),
        "district.households": sum(int(r["households"]) for r in rows),  # type: ignore[call-overload]
        "district.streets": len({r["street"] for r in rows}),
    }


def _param_row(
    section: str,
    key: str,
    value: Any,
    default: Any,
    set_in: str | None,
    ex: dict[str, Any],
    field: Any,
) -> dict[str, Any]:
    source = str(ex.get("source", "") or "")
    if value != default:
        kind = "set"
    else:
        kind = (
            "sourced"
            if source.startswith("S")
            else "assumed"
            if source.startswith("A")
            else "other"
        )
    return {
        "section": section,
        "key": key,
        "value": value,
        "unit": str(ex.get("unit", "") or ""),
        "source": source,
        "kind": kind,
        "meaning": field.description or "",
        "default": default,
        "set_in": set_in if kind == "set" else None,
    }


# ---------------------------------------------------------------------------
# HTML

_CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#d9d9de; --accent:#0b5394; --soft:#f4f6f9; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; font-family: FONT;
       font-size: 15px; line-height: 1.6; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 28px 48px; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .25rem; letter-spacing: -.01em; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .8rem; padding-bottom: .3rem;
     border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
p { margin: .5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 .6rem; font-size: 1.02rem; }
.meta { color: var(--muted); font-size: .86rem; margin: 0; }
nav { margin: 1rem 0 0; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; margin-right: 1.1rem; }
.summary { background: var(--soft); border-left: 4px solid var(--accent);
           padding: 14px 20px 12px; margin: 1.4rem 0 0; border-radius: 2px; }
.summary h2 { border: 0; margin: 0 0 .4rem; padding: 0; font-size: 1.15rem; }
.summary ul { margin: .4rem 0 .2rem; padding-left: 1.2rem; }
.summary li { margin: .35rem 0; }
.summary .note { color: var(--muted); font-size: .88rem; }
figure { margin: 1.6rem 0 2.2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #333; margin-top: .45rem; }
figcaption .files { color: var(--muted); white-space: nowrap; }
figcaption a, .files a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .4rem 0 1rem;
        font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-size: .9rem; color: #333;
          padding-bottom: .4rem; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top;
         text-align: left; }
thead th { background: var(--soft); border-bottom: 2px solid #9aa0a6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
#table-equity td:first-child { min-width: 13em; }
#table-equity { font-size: .8rem; }
tr.group th { background: #fff; border-bottom: 1px solid #9aa0a6; padding-top: 12px;
              font-size: .92rem; }
tr.base td { color: #333; background: #fafafa; }
td.sig { font-weight: 700; }
tr.changed td { background: #fff6d6; }
tr.section th { background: #fff; color: var(--muted); font-weight: 600; padding-top: 10px; }
td.key { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
         font-size: .78rem; overflow-wrap: anywhere; }
table.params { table-layout: fixed; }
table.params col.c-key { width: 27%; } table.params col.c-value { width: 11%; }
table.params col.c-unit { width: 11%; } table.params col.c-source { width: 20%; }
th.gs, td.gs { border-left: 1px solid var(--rule); }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: .78rem; }
.tag.sourced { background: #e3f1e6; color: #1e5b2b; }
.tag.assumed { background: #fdeee0; color: #7a3d00; }
.tag.set { background: #e6ecf7; color: #0b3d91; }
.params td { font-size: .8rem; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px;
         font-size: .9rem; margin: .4rem 0; }
dl.run dt { color: var(--muted); }
dl.run dd { margin: 0; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .82rem;
         border-top: 1px solid var(--rule); padding-top: .6rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav, figcaption .files { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, tr { break-inside: avoid; page-break-inside: avoid; }
  .summary { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  figure img { border: 0; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _breakable(key: str) -> str:
    """A dotted parameter key that may wrap after its dots and underscores."""
    return _e(key).replace(".", ".<wbr>").replace("_", "_<wbr>")


def _changes_text(changes: dict[str, Any], lang: str) -> str:
    if not changes:
        return t("no_changes", lang)
    sep = "; " if lang == "en" else "；"
    return sep.join(f"{param_label(k, lang)} = {value_label(v, lang)}" for k, v in changes.items())


def _summary_html(comparison: Comparison, lang: str, reps: int) -> str:
    exp = comparison.experiment
    scen = exp.baseline.scenario
    n_variants = len(exp.variants) - 1
    compared = t(
        "compared",
        lang,
        n_variants=n_variants,
        district=_e(scen.district.name),
        baseline=_e(exp.baseline.name),
        days=scen.simulation.days,
        reps=reps,
        seed=exp.spec.seed,
    )
    items = []
    for variant, phrases in headline_differences(comparison, lang).items():
        v = next(x for x in exp.variants if x.name == variant)
        changes = _changes_text(v.changes, lang)
        head = f"<b>{_e(variant)}</b>"
        if v.changes:
            head += (
                f' <span class="note">({_e(changes)})</span>'
                if lang == "en"
                else (f'<span class="note">（{_e(changes)}）</span>')
            )
        body = _e(t("clause_sep", lang).join(phrases))
        items.append(f"<li>{head}{_e(t('colon', lang))}{body}</li>")
    listing = f"<p>{_e(t('headline_intro', lang))}</p><ul>{''.join(items)}</ul>" if items else ""
    return (
        f'<section class="summary" id="summary"><h2>{_e(t("summary", lang))}</h2>'
        f"<p>{compared}</p>{listing}"
        f'<p class="note">{_e(t("crn_note", lang))}</p></section>'
    )


def _figure_html(n: int, fig: FigureFile, lang: str) -> str:
    data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
    return (
        f'<figure id="fig-{_e(fig.stem)}">'
        f'<img src="data:image/png;base64,{data}" alt="{_e(fig.title)}">'
        f"<figcaption><b>{_e(t('figure_n', lang, n=n))} {_e(fig.title)}{t('stop', lang)}</b> "
        f"{_e(fig.caption)} "
        f'<span class="files">{_e(t("download", lang))} '
        f'<a href="{_e(fig.png.name)}">PNG</a> · <a href="{_e(fig.svg.name)}">SVG</a></span>'
        f"</figcaption></figure>"
    )


def _caption(lang: str, n: int, title: str, text: str | None = None) -> str:
    head = f"{t('table_n', lang, n=n)} {t(title, lang)}{t('stop', lang)}"
    tail = f" {_e(t(text, lang))}" if text else ""
    return f"<caption><b>{_e(head)}</b>{tail}</caption>"


def _kpi_table_html(comparison: Comparison, lang: str, n: int) -> str:
    table = kpi_report_table(comparison, lang)
    base = comparison.experiment.baseline.name
    head = (
        f"<thead><tr><th>{_e(t('variant', lang))}</th><th class='num'>{_e(t('mean_ci', lang))}</th>"
        f"<th class='num'>{_e(t('diff_ci', lang))}</th>"
        f"<th class='num'>{_e(t('diff_pct', lang))}</th></tr></thead>"
    )
    body = []
    for kpi, rows in table.groupby("kpi", sort=False):
        body.append(f"<tr class='group'><th colspan='4'>{_e(kpi_label(str(kpi), lang))}</th></tr>")
        for _, r in rows.iterrows():
            is_base = r["variant"] == base
            name = t("baseline_tag", lang, name=r["variant"]) if is_base else r["variant"]
            sig = " sig" if r["significant"] else ""
            body.append(
                f"<tr{' class=base' if is_base else ''}><td>{_e(name)}</td>"
                f"<td class='num'>{_e(r['mean'])}</td><td class='num{sig}'>{_e(r['diff'])}</td>"
                f"<td class='num{sig}'>{_e(r['diff_pct'])}</td></tr>"
            )
    caption = _caption(lang, n, "tab_kpis", "cap_kpi_diffs")
    return f"<table id='table-kpis'>{caption}{head}<tbody>{''.join(body)}</tbody></table>"


def _equity_table_html(comparison: Comparison, lang: str, n: int) -> str:
    eq = plots.equity_table(comparison)
    if eq.empty:
        return ""
    base = comparison.experiment.baseline.name
    groups = [
        (
            t("backlog_per_1000", lang),
            [
                ("backlog_mean", "mean_col", 2),
                ("backlog_p90", "p90_col", 2),
                ("backlog_worst10", "worst_col", 2),
                ("backlog_gini", "gini_col", 2),
            ],
        ),
        (
            t("grid_median_days", lang),
            [
                ("days_mean", "mean_col", 1),
                ("days_p90", "p90_col", 1),
                ("days_worst10", "worst_col", 1),
                ("days_cv", "cv_col", 2),
            ],
        ),
        (
            t("grid_on_time", lang) + (" (%)" if lang == "en" else "（%）"),
            [("on_time_mean", "mean_col", -1), ("on_time_worst10", "worst_col", -1)],
        ),
    ]
    groups = [(g, [c for c in cols if c[0] in eq.columns]) for g, cols in groups]
    groups = [(g, cols) for g, cols in groups if cols]
    top = (
        f"<tr><th rowspan='2'>{_e(t('variant', lang))}</th>"
        f"<th rowspan='2' class='num'>{_e(t('grids_col', lang))}</th>"
        + "".join(f"<th colspan='{len(cols)}' class='num gs'>{_e(g)}</th>" for g, cols in groups)
        + "</tr>"
    )
    sub = (
        "<tr>"
        + "".join(
            f"<th class='num'>{_e(t(label, lang))}</th>"
            for _, cols in groups
            for _, label, _ in cols
        )
        + "</tr>"
    )
    body = []
    for _, r in eq.iterrows():
        is_base = r["variant"] == base
        name = t("baseline_tag", lang, name=r["variant"]) if is_base else r["variant"]
        cells = []
        for _, cols in groups:
            for i, (col, _, dec) in enumerate(cols):
                x = float(r[col])
                cells.append((plain(100 * x, 1) if dec < 0 else plain(x, dec), i == 0))
        body.append(
            f"<tr{' class=base' if is_base else ''}><td>{_e(name)}</td>"
            f"<td class='num'>{plain(float(r['grids']), 0)}</td>"
            + "".join(f"<td class='num{' gs' if first else ''}'>{_e(c)}</td>" for c, first in cells)
            + "</tr>"
        )
    return (
        f"<table id='table-equity'>{_caption(lang, n, 'tab_equity', 'cap_equity_table')}"
        f"<thead>{top}{sub}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _variants_table_html(comparison: Comparison, lang: str, n: int) -> str:
    base = comparison.experiment.baseline.name
    rows = []
    for v in comparison.experiment.variants:
        name = t("baseline_tag", lang, name=v.name) if v.name == base else v.name
        rows.append(
            f"<tr><td>{_e(name)}</td><td>{_e(_changes_text(v.changes, lang))}</td>"
            f"<td class='key'>{_e(v.scenario_hash)}</td></tr>"
        )
    return (
        f"<table id='table-variants'>{_caption(lang, n, 'tab_variants')}"
        f"<thead><tr><th>{_e(t('variant', lang))}</th>"
        f"<th>{_e(t('changes', lang))}</th><th>{_e(t('scenario_hash', lang))}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _params_table_html(comparison: Comparison, lang: str, n: int) -> str:
    exp = comparison.experiment
    params = parameter_table(exp.baseline.scenario)
    params = params[params["key"] != "simulation.seed"] if len(params) else params
    changed = {k for v in exp.variants for k in v.changes}

    def is_changed(key: str) -> bool:
        return any(key == c or key.startswith(c + ".") or c.startswith(key + ".") for c in changed)

    counted = params[params["kind"] != "other"]
    intro = t(
        "params_intro",
        lang,
        total=len(counted),
        sourced=int((counted["kind"] == "sourced").sum()),
        assumed=int((counted["kind"] == "assumed").sum()),
        calibrated=int(
            ((counted["kind"] == "assumed") & counted["source"].str.contains("calibrated")).sum()
        ),
    )
    n_set = int((counted["kind"] == "set").sum())
    if n_set:
        intro += " " + t("params_set_intro", lang, set=n_set)
    rows = []
    section = None
    for _, r in params.iterrows():
        if r["section"] != section:
            section = r["section"]
            rows.append(f"<tr class='section'><th colspan='5'>{_e(section)}</th></tr>")
        kind = r["kind"]
        value = _param_value(r["key"], r["value"], lang)
        if kind == "set":
            # The default's source tag does not describe this value: say who set it.
            where = r["set_in"] if isinstance(r["set_in"], str) else ""  # unknown: NaN
            where = t("changes", lang) if where == "<changes>" else where
            was = t("default_was", lang, value=_param_value(r["key"], r["default"], lang))
            source = (
                f"{where + ' · ' if where else ''}{was}{': ' + r['source'] if r['source'] else ''}"
            )
            tag = f"<span class='tag set'>{_e(t('set_here', lang))}</span>"
        else:
            source = r["source"]
            tag = (
                f"<span class='tag {kind}'>{_e(t(kind, lang))}</span>"
                if kind in ("sourced", "assumed")
                else _e(t("other", lang))
            )
        cls = " class='changed'" if is_changed(str(r["key"])) else ""
        rows.append(
            f"<tr{cls}><td class='key'>{_breakable(str(r['key']))}</td>"
            f"<td class='num'>{_e(value)}</td>"
            f"<td>{_e(r['unit'] if r['unit'] != '-' else '')}</td>"
            f"<td>{tag} {_e(source)}</td><td>{_e(r['meaning'])}</td></tr>"
        )
    head = "".join(
        f"<th{' class=num' if k == 'param_value' else ''}>{_e(t(k, lang))}</th>"
        for k in ("param_key", "param_value", "param_unit", "param_source", "param_meaning")
    )
    return (
        f"<p>{_e(intro)}</p><table class='params' id='table-params'>"
        f"{_caption(lang, n, 'tab_params')}"
        "<colgroup><col class='c-key'><col class='c-value'><col class='c-unit'>"
        "<col class='c-source'><col></colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _param_value(key: str, value: Any, lang: str) -> str:
    """A parameter value as the table shows it (a CSV path as the user would type it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):  # pandas: None → NaN
        return "—"
    if key == "district.communities_csv":
        return display_path(value)
    return value_label(value, lang)


def _run_details_html(comparison: Comparison, lang: str, now: dt.datetime) -> str:
    from gridsim import __version__

    exp = comparison.experiment
    recs = [r for rs in comparison.records.values() for r in rs]
    counts = [len(rs) for rs in comparison.records.values()]
    reps = sorted({r.replication for r in recs})
    seeds = sorted({r.seed for r in recs}) or [exp.spec.seed]
    from gridsim.fingerprint import short

    versions = sorted({f"{short(r.model_version)} (gridsim {r.gridsim_version})" for r in recs})
    versions = versions or ["—"]
    created = sorted(r.created_at for r in recs)
    n_text = (
        str(min(counts))
        if counts and min(counts) == max(counts)
        else f"{min(counts or [0])}–{max(counts or [0])}"
    )
    rep_text = f"{reps[0]}–{reps[-1]}" if reps else "—"
    when = f"{created[0]:%Y-%m-%d %H:%M} – {created[-1]:%Y-%m-%d %H:%M} UTC" if created else "—"
    items = [
        ("experiment", exp.name),
        ("description", exp.spec.description or "—"),
        ("base_scenario", exp.spec.base),
        ("district", exp.baseline.scenario.district.name),
        ("root_seed", ", ".join(str(s) for s in seeds)),
        ("replications", n_text),
        ("replication_ids", rep_text),
        ("simulated_days", str(exp.baseline.scenario.simulation.days)),
        ("model_version", ", ".join(versions)),
        ("runs_computed", when),
        ("report_version", __version__),
        ("report_date", f"{now:%Y-%m-%d %H:%M %Z}".strip()),
    ]
    if comparison.precision is not None:
        items.append(("precision", f"{comparison.precision:g}"))
    body = "".join(f"<dt>{_e(t(k, lang))}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f"<h3>{_e(t('tab_runs', lang))}</h3><dl class='run'>{body}</dl>"


def render_html(
    comparison: Comparison,
    figures: list[FigureFile],
    lang: str = "en",
    now: dt.datetime | None = None,
) -> str:
    """The report page as one HTML string (figures inlined from their PNG files).

    Args:
        comparison: The comparison.
        figures: Figures already written (see :func:`write_figures`).
        lang: ``"en"`` or ``"zh"``.
        now: Report time (default: now, local time).

    Returns:
        The HTML document.
    """
    from gridsim import __version__

    check_lang(lang)
    exp = comparison.experiment
    now = now or dt.datetime.now().astimezone()
    reps = plots.replication_count(comparison)
    title = t("report_title", lang, name=exp.name)
    meta = " · ".join(
        [
            exp.baseline.scenario.district.name,
            f"{t('baseline', lang)}: {exp.baseline.name}",
            t("designs_runs", lang, designs=len(exp.variants), reps=reps),
            f"{now:%Y-%m-%d}",
        ]
    )
    nav = "".join(
        f'<a href="#{a}">{_e(t(k, lang))}</a>'
        for a, k in (
            ("summary", "summary"),
            ("figures", "figures"),
            ("tables", "tables"),
            ("assumptions", "assumptions"),
        )
    )
    figs = "".join(_figure_html(i, f, lang) for i, f in enumerate(figures, start=1))
    tables = _kpi_table_html(comparison, lang, 1) + _equity_table_html(comparison, lang, 2)
    assumptions = (
        _variants_table_html(comparison, lang, 3)
        + _params_table_html(comparison, lang, 4)
        + _run_details_html(comparison, lang, now)
    )
    css = _CSS.replace("FONT", HTML_FONTS[lang])
    html_lang = "zh-Hans" if lang == "zh" else "en"
    description = (
        f'<p class="subtitle">{_e(exp.spec.description)}</p>' if exp.spec.description else ""
    )
    footer = t("generated", lang, version=__version__, date=f"{now:%Y-%m-%d %H:%M}")
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{_e(title)}</h1>{description}<p class='meta'>{_e(meta)}</p>"
        f"<nav>{nav}</nav></header>\n"
        f"{_summary_html(comparison, lang, reps)}\n"
        f'<section id="figures"><h2>{_e(t("figures", lang))}</h2>{figs}</section>\n'
        f'<section id="tables"><h2>{_e(t("tables", lang))}</h2>{tables}</section>\n'
        f'<section id="assumptions"><h2>{_e(t("assumptions", lang))}</h2>{assumptions}</section>\n'
        f"<footer>{_e(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )


_FIGURE_TEXT = {
    "kpi_differences": ("fig_kpi_diffs", "cap_kpi_diffs"),
    "kpi_means": ("fig_kpi_means", "cap_kpi_means"),
    "open_cases": ("fig_open_cases", "cap_open_cases"),
    "days_to_close": ("fig_ecdf", "cap_ecdf"),
    "cost_performance": ("fig_cost", "cap_cost"),
    "grid_maps": ("fig_grid_map", "cap_grid_map"),
    "equity": ("fig_equity", "cap_equity"),
}


def write_figures(
    comparison: Comparison, out_dir: str | Path, lang: str = "en"
) -> list[FigureFile]:
    """Draw every report figure and write it as PNG and SVG into ``out_dir``.

    Returns:
        The figures written, in report order (the days-to-close figure is
        left out when the stored runs carry no ``closed_after`` histogram).
    """
    check_lang(lang)
    out = Path(out_dir)
    written = []
    for stem, draw in plots.FIGURES.items():
        if stem == "days_to_close" and not plots.days_to_close_hist(comparison):
            continue
        fig = draw(comparison, lang)
        png, svg = plots.save_figure(fig, out, stem)
        title_key, caption_key = _FIGURE_TEXT[stem]
        fields: dict[str, Any] = {}
        if stem == "grid_maps":
            fields["shown"] = t("list_sep", lang).join(plots.map_variants(comparison))
        written.append(
            FigureFile(stem, t(title_key, lang), t(caption_key, lang, **fields), png, svg)
        )
    return written


def write_report(comparison: Comparison, out_dir: str | Path, lang: str = "en") -> Path:
    """Write the comparison report: ``index.html`` plus every figure as PNG and SVG.

    The files replace those of an earlier report in ``out_dir`` together,
    once all are written (see the module docstring); figure files of the
    earlier report that this one does not have are deleted; other files in
    ``out_dir`` are left alone.

    Args:
        comparison: What :meth:`gridsim.experiment.Experiment.run` returned.
        out_dir: Folder to write into (created if missing).
        lang: ``"en"`` (English) or ``"zh"`` (Simplified Chinese).

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: For an unknown language.
        FontNotFoundError: For ``"zh"`` when no font with Chinese glyphs is
            installed.
    """
    check_lang(lang)
    font_family(lang)  # fail before drawing anything if a Chinese font is missing
    out = Path(out_dir)
    own = [f"{stem}.{ext}" for stem in plots.FIGURES for ext in ("png", "svg")]
    with staged_folder(out, last=[REPORT_PAGE], remove=own) as stage:
        figures = write_figures(comparison, stage, lang)
        atomic_write(stage / REPORT_PAGE, render_html(comparison, figures, lang))
    return out / REPORT_PAGE


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
