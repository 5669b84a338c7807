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
from gridsim.reports.analysis import equity_table
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
    exp = comparison.experiment
    recs = [r for rs in comparison.records.values() for r in rs]
    counts = [len(rs) for rs in comparison.records.values()]
    reps = sorted({r.replication for r in recs})
    seeds = sorted({r.seed for r in recs}) or [exp.spec.seed]
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
