"""The report's tables as HTML: KPIs, equity between grids, variants, parameters, run details."""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

from gridsim._version import __version__
from gridsim.experiments.results import Comparison
from gridsim.fileio import display_path
from gridsim.fingerprint import short
from gridsim.reports.analysis import equity_table, variant_label
from gridsim.reports.findings import kpi_report_table
from gridsim.reports.i18n import (
    kpi_label,
    param_label,
    plain,
    t,
    value_label,
)
from gridsim.reports.parameters import parameter_table


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


def _changes_html(changes: dict[str, Any], lang: str) -> str:
    """A variant's changes as HTML: labelled keys by their name, others as code."""
    if not changes:
        return _e(t("no_changes", lang))
    sep = "; " if lang == "en" else "；"
    parts = []
    for k, v in changes.items():
        label = param_label(k, lang)
        name = _e(label) if label != k else f"<code>{_breakable(k)}</code>"
        parts.append(f"{name} = {_e(value_label(v, lang))}")
    return sep.join(parts)


def _variant_cell(comparison: Comparison, name: str, lang: str) -> str:
    """A variant's label in a table, the baseline tagged as such."""
    label = variant_label(comparison, name, lang)
    if name == comparison.experiment.baseline.name:
        return t("baseline_tag", lang, name=label)
    return label


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
            name = _variant_cell(comparison, r["variant"], lang)
            sig = " sig" if r["significant"] else ""
            body.append(
                f"<tr{' class=base' if is_base else ''}><td>{_e(name)}</td>"
                f"<td class='num'>{_e(r['mean'])}</td><td class='num{sig}'>{_e(r['diff'])}</td>"
                f"<td class='num{sig}'>{_e(r['diff_pct'])}</td></tr>"
            )
    caption = _caption(lang, n, "tab_kpis", "cap_kpi_diffs")
    return f"<table id='table-kpis'>{caption}{head}<tbody>{''.join(body)}</tbody></table>"


def _equity_table_html(comparison: Comparison, lang: str, n: int) -> str:
    eq = equity_table(comparison)
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
        name = _variant_cell(comparison, r["variant"], lang)
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
        name = _variant_cell(comparison, v.name, lang)
        rows.append(
            f"<tr{' class=base' if v.name == base else ''}><td>{_e(name)}</td>"
            f"<td>{_changes_html(v.changes, lang)}</td>"
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
    params = parameter_table(exp.baseline.scenario, lang)
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
        calibrated=int(((counted["kind"] == "assumed") & counted["calibrated"]).sum()),
    )
    n_set = int((counted["kind"] == "set").sum())
    if n_set:
        intro += t("sentence_sep", lang) + t("params_set_intro", lang, set=n_set)
    rows = []
    section = None
    for _, r in params.iterrows():
        if r["section"] != section:
            section = r["section"]
            rows.append(f"<tr class='section'><th colspan='5'>{markdown_code(section)}</th></tr>")
        kind = r["kind"]
        value = _param_value(r["key"], r["value"], lang)
        if kind == "set":
            # The default's source tag does not describe this value: say who set it.
            where = r["set_in"] if isinstance(r["set_in"], str) else ""  # unknown: NaN
            where_html = (
                _e(t("changes", lang)) if where == "<changes>" else _file(where) if where else ""
            )
            was = t("default_was", lang, value=_param_value(r["key"], r["default"], lang))
            source = (
                f"{where_html + ' · ' if where_html else ''}{_e(was)}"
                f"{_e(t('colon', lang) + r['source']) if r['source'] else ''}"
            )
            tag = f"<span class='tag set'>{_e(t('set_here', lang))}</span>"
        else:
            source = _e(r["source"])
            tag = (
                f"<span class='tag {kind}'>{_e(t(kind, lang))}</span>"
                if kind in ("sourced", "assumed")
                else ""
            )
        cls = " class='changed'" if is_changed(str(r["key"])) else ""
        rows.append(
            f"<tr{cls}><td class='key'>{_breakable(str(r['key']))}</td>"
            f"<td class='val{'' if _numeric(r['value']) else ' txt'}'>"
            f"{_value_html(r['key'], value)}</td>"
            f"<td class='unit'>{_e(r['unit']).replace('/', '/<wbr>')}</td>"
            f"<td class='src'>{tag} {source}</td><td>{markdown_code(r['meaning'])}</td></tr>"
        )
    head = "".join(
        f"<th{' class=val' if k == 'param_value' else ''}>{_e(t(k, lang))}</th>"
        for k in ("param_key", "param_value", "param_unit", "param_source", "param_meaning")
    )
    return (
        f"<p>{_e(intro)}</p><table class='params' id='table-params'>"
        f"{_caption(lang, n, 'tab_params')}"
        "<colgroup><col class='c-key'><col class='c-value'><col class='c-unit'>"
        "<col class='c-source'><col class='c-meaning'></colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def markdown_code(text: str) -> str:
    """Plain text as HTML, with Markdown code spans (`` `key` ``) shown as ``<code>``.

    The schema's descriptions name keys and values in backticks; the report
    shows them as code instead of printing the backticks.
    """
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans, the text as it is
        return _e(text)
    return "".join(
        f"<code>{_e(part)}</code>" if i % 2 else _e(part) for i, part in enumerate(parts)
    )


def _numeric(value: Any) -> bool:
    """Whether a parameter value is a number (right-aligned in its column)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _file(path: str) -> str:
    """A file name as the report shows it (code, may wrap after its slashes)."""
    return f"<code class='file'>{_e(path).replace('/', '/<wbr>')}</code>"


def _value_html(key: str, value: str) -> str:
    """A parameter value cell: a path as a file name, anything else as text."""
    if key == "district.communities_csv" and value != "—":
        return _file(value)
    return _e(value)


def _param_value(key: str, value: Any, lang: str) -> str:
    """A parameter value as the table shows it (a CSV path as the user would type it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):  # pandas: None → NaN
        return "—"
    if key == "district.communities_csv":
        return display_path(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return plain(value, 0)  # 191,232 households
    return value_label(value, lang)


def _run_details_html(comparison: Comparison, lang: str, now: dt.datetime) -> str:
    exp = comparison.experiment
    recs = [r for rs in comparison.records.values() for r in rs]
    counts = [len(rs) for rs in comparison.records.values()]
    reps = sorted({r.replication for r in recs})
    seeds = sorted({r.seed for r in recs}) or [exp.spec.seed]
    versions = sorted(
        {
            f"<code class='key'>{_e(short(r.model_version))}</code> "
            f"(gridsim {_e(r.gridsim_version)})"
            for r in recs
        }
    )
    versions = versions or ["—"]
    created = sorted(r.created_at for r in recs)
    n_text = (
        str(min(counts))
        if counts and min(counts) == max(counts)
        else f"{min(counts or [0])}–{max(counts or [0])}"
    )
    rep_text = f"{reps[0]}–{reps[-1]}" if reps else "—"
    when = f"{created[0]:%Y-%m-%d %H:%M} – {created[-1]:%Y-%m-%d %H:%M} UTC" if created else "—"
    description = (exp.spec.description_zh if lang == "zh" else "") or exp.spec.description
    items = [  # (label key, HTML)
        ("experiment", f"<code class='key'>{_e(exp.name)}</code>"),
        ("description", markdown_code(description) if description else "—"),
        ("base_scenario", _file(exp.spec.base)),
        ("district", _e(exp.baseline.scenario.district.name)),
        ("root_seed", _e(", ".join(str(s) for s in seeds))),
        ("replications", _e(n_text)),
        ("replication_ids", _e(rep_text)),
        ("simulated_days", _e(exp.baseline.scenario.simulation.days)),
        ("model_version", ", ".join(versions)),
        ("runs_computed", _e(when)),
        ("report_version", _e(__version__)),
        ("report_date", _e(f"{now:%Y-%m-%d %H:%M %Z}".strip())),
    ]
    if comparison.precision is not None:
        items.append(("precision", _e(f"{comparison.precision:g}")))
    body = "".join(f"<dt>{_e(t(k, lang))}</dt><dd>{v}</dd>" for k, v in items)
    return f"<h3>{_e(t('tab_runs', lang))}</h3><dl class='run'>{body}</dl>"
