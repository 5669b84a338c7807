"""``gridsim compare`` and ``gridsim report``: commands that run an experiment into a store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim.cli.app import app
from gridsim.cli.errors import UserError
from gridsim.cli.formatting import check_lang_option, fmt, fmt_signed, json_number, pad, width
from gridsim.cli.loading import (
    DaskOption,
    ScenarioRootOption,
    StoreOption,
    TenantOption,
    WorkersOption,
    close_executor,
    load_experiment,
    local_processes,
    open_workspace,
)
from gridsim.cli.stopping import Stopped, stop_on_signals, stopped_exit


@app.command()
def compare(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    tenant: TenantOption = "default",
    store: StoreOption = None,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Add replications until every KPI's CI half-width ≤ this × mean.", min=0.0
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scenario_root: ScenarioRootOption = None,
    lang: Annotated[
        str, typer.Option(help="Language of the tables: en (English) or zh (简体中文).")
    ] = "en",
) -> None:
    """Run an experiment (only what the store lacks) and print paired comparisons."""
    from gridsim.experiments.executors import is_gateway_address, make_executor

    check_lang_option(lang)
    if workers is not None and dask is not None and not is_gateway_address(dask):
        raise UserError("--workers and --dask: choose one (--workers sizes a gateway cluster)")
    exp = load_experiment(experiment, scenario_root, local_processes(workers, dask))
    executor = make_executor(workers, dask)  # an unreachable scheduler fails before a store is made
    try:
        ws = open_workspace(tenant, store)
    except BaseException:
        close_executor(executor)
        raise
    try:
        with stop_on_signals():
            result = exp.run(ws, executor, precision=precision, progress=progress and not as_json)
    except Stopped as stop:
        raise stopped_exit(stop) from None
    finally:
        close_executor(executor)
    table = result.table
    n = (
        int(result.runs.groupby("variant")["replication"].nunique().min())
        if len(result.runs)
        else 0
    )
    if as_json:
        out = {
            "experiment": exp.name,
            "tenant": tenant,
            "baseline": exp.baseline.name,
            "seed": exp.spec.seed,
            "replications": n,
            "variants": [v.name for v in exp.variants],
            "comparison": [
                {k: (json_number(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in table.to_dict(orient="records")
            ],
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _print_comparison(result, n, lang)


def _print_comparison(result: Any, n: int, lang: str) -> None:
    """The comparison as tables, one per design, in English or Chinese."""
    from gridsim.reports.analysis import variant_label
    from gridsim.reports.i18n import kpi_label

    exp = result.experiment
    table = result.table
    zh = lang == "zh"
    base = variant_label(result, exp.baseline.name, lang)
    if zh:
        typer.echo(
            f"{exp.name} — {len(exp.variants)}个方案 × {n}次重复，随机种子{exp.spec.seed}，"
            f"基准：{base}"
        )
    else:
        typer.echo(
            f"{exp.name} — {len(exp.variants)} variants × {n} replications, "
            f"seed {exp.spec.seed}, baseline: {base}"
        )
    names = {k: kpi_label(str(k), lang) if zh else str(k) for k in table["kpi"].unique()}
    first = max([22, *(width(x) for x in names.values())])
    words = (
        ("指标", "均值", "95%置信区间", "配对差", "差的95%置信区间", "差 %")
        if zh
        else ("KPI", "mean", "95% CI", "paired Δ", "95% CI of Δ", "Δ %")
    )
    for variant in [v.name for v in exp.variants]:
        rows = table[table["variant"] == variant]
        is_base = variant == exp.baseline.name
        label = variant_label(result, variant, lang)
        typer.echo("")
        if zh:
            typer.echo(f"== {label}" + ("（基准）" if is_base else f" 对比 {base}"))
        else:
            typer.echo(f"== {label}" + (" (baseline)" if is_base else f" vs {base}"))
        head = f"{pad(words[0], first)} {pad(words[1], 12, True)} {pad(words[2], 26, True)}"
        if not is_base:
            head += f" {pad(words[3], 12, True)} {pad(words[4], 26, True)} {pad(words[5], 8, True)}"
        typer.echo(head)
        for _, r in rows.iterrows():
            line = (
                f"{pad(names[r['kpi']], first)} {fmt(r['mean']):>12} "
                f"{'[' + fmt(r['ci95_lo']) + ', ' + fmt(r['ci95_hi']) + ']':>26}"
            )
            if not is_base:
                pct = "—" if math.isnan(r["diff_pct"]) else f"{r['diff_pct']:+.1f}%"
                ci_diff = f"[{fmt_signed(r['diff_lo'])}, {fmt_signed(r['diff_hi'])}]"
                line += f" {fmt_signed(r['diff']):>12} {ci_diff:>26} {pct:>8}"
            typer.echo(line)
    if exp.spec.design is not None and exp.spec.design.method in ("sobol", "morris"):
        for kpi in exp.spec.kpis:
            sens = result.sensitivity(kpi)
            if sens is not None:
                method = exp.spec.design.method
                if zh:
                    typer.echo(f"\n{kpi_label(kpi, lang)}的敏感性（{method}）：")
                else:
                    typer.echo(f"\nsensitivity of {kpi} ({method}):")
                typer.echo(sens.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


@app.command()
def report(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write index.html and the figures into.")
    ],
    lang: Annotated[
        str, typer.Option(help="Report language: en (English) or zh (简体中文).")
    ] = "en",
    tenant: TenantOption = "default",
    store: StoreOption = None,
    workers: WorkersOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Run what the store lacks, then write a self-contained HTML report with figures."""
    from gridsim.experiments.executors import make_executor
    from gridsim.reports.html import write_report
    from gridsim.reports.i18n import FontNotFoundError, font_family

    check_lang_option(lang)
    try:
        font_family(lang)  # a Chinese report without a Chinese font fails before any run
    except FontNotFoundError as exc:
        raise UserError(str(exc)) from None
    exp = load_experiment(experiment, scenario_root, local_processes(workers, None))
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} exists and is not a folder")
    ws = open_workspace(tenant, store)
    executor = make_executor(workers)
    kept = None
    try:
        with stop_on_signals():
            try:
                result = exp.run(ws, executor, progress=progress)
            finally:
                close_executor(executor)
            kept = f"all runs are stored; {out} is as before, or holds the whole new report"
            page = write_report(result, out, lang=lang)
    except Stopped as stop:
        raise stopped_exit(stop, kept) from None
    typer.echo(f"report written to {page}")
