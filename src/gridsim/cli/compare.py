"""``gridsim compare`` and ``gridsim report``: commands that run an experiment into a store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from gridsim.cli.app import app
from gridsim.cli.errors import UserError
from gridsim.cli.formatting import fmt, fmt_signed, json_number
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
) -> None:
    """Run an experiment (only what the store lacks) and print paired comparisons."""
    from gridsim.experiments.executors import is_gateway_address, make_executor

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
    typer.echo(
        f"{exp.name} — {len(exp.variants)} variants × {n} replications, seed {exp.spec.seed}, "
        f"baseline: {exp.baseline.name}"
    )
    for variant in [v.name for v in exp.variants]:
        rows = table[table["variant"] == variant]
        is_base = variant == exp.baseline.name
        typer.echo("")
        typer.echo(f"== {variant}" + (" (baseline)" if is_base else f" vs {exp.baseline.name}"))
        head = f"{'KPI':<22} {'mean':>12} {'95% CI':>26}"
        if not is_base:
            head += f" {'paired Δ':>12} {'95% CI of Δ':>26} {'Δ %':>8}"
        typer.echo(head)
        for _, r in rows.iterrows():
            line = (
                f"{r['kpi']:<22} {fmt(r['mean']):>12} "
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
                typer.echo(f"\nsensitivity of {kpi} ({exp.spec.design.method}):")
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
    from gridsim.reports.i18n import LANGS, FontNotFoundError, font_family

    if lang not in LANGS:
        raise UserError(f"--lang: must be one of {', '.join(LANGS)}, got {lang!r}")
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
