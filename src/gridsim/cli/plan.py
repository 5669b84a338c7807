"""``gridsim plan``: the cheapest design that meets a district's targets, and how sure we are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim.cli.app import app
from gridsim.cli.errors import UserError
from gridsim.cli.formatting import check_lang_option, fmt
from gridsim.cli.loading import (
    DaskOption,
    ScenarioRootOption,
    StoreOption,
    TenantOption,
    WorkersOption,
    close_executor,
    open_workspace,
)
from gridsim.cli.stopping import Stopped, stop_on_signals, stopped_exit


@app.command()
def plan(
    plan_file: Annotated[Path, typer.Argument(help="Plan TOML file.")],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    tenant: TenantOption = "default",
    store: StoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the plan report (index.html) into."),
    ] = None,
    lang: Annotated[
        str, typer.Option(help="Language of the report and the printed verdict: en or zh.")
    ] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Search for the cheapest design meeting the plan's targets; select it with a guarantee.

    A killed plan resumes where it stopped: its runs are in the store and its
    trials in optuna's journal next to it.
    """
    from gridsim.experiments.executors import is_gateway_address, make_executor
    from gridsim.planning.plan import Plan

    if workers is not None and dask is not None and not is_gateway_address(dask):
        raise UserError("--workers and --dask: choose one (--workers sizes a gateway cluster)")
    from gridsim.reports.i18n import FontNotFoundError, font_family

    check_lang_option(lang)
    if out is not None:
        try:
            font_family(lang)  # a Chinese report without a Chinese font fails before any run
        except FontNotFoundError as exc:
            raise UserError(str(exc)) from None
        if out.exists() and not out.is_dir():
            raise UserError(f"--out: {out} exists and is not a folder")
    the_plan = Plan.from_file(plan_file, roots=scenario_root or ())
    executor = make_executor(workers, dask)
    try:
        ws = open_workspace(tenant, store)
    except BaseException:
        close_executor(executor)
        raise
    try:
        with stop_on_signals():
            result = the_plan.run(ws, executor, progress=progress and not as_json)
    except Stopped as stop:
        raise stopped_exit(
            stop, "the runs and trials so far are kept: run again to resume"
        ) from None
    finally:
        close_executor(executor)
    if out is not None:
        from gridsim.planning.report import write_plan_report

        write_plan_report(result, out, lang=lang)
    if as_json:
        typer.echo(result.to_json())
        return
    _print(result, lang)
    if out is not None:
        typer.echo(f"\nreport: {out / 'index.html'}")


def _print(result: Any, lang: str = "en") -> None:
    spec = result.plan.spec
    s = result.search
    typer.echo(
        f"{spec.name}: {len(s.designs)} designs tried ({s.stopped}), {s.seconds:.0f} s"
        + (f", {s.resumed} resumed" if s.resumed else "")
    )
    if lang == "zh":  # the verdict as the Chinese report words it; the details below are code
        from gridsim.planning.report import recommendation

        typer.echo(recommendation(result, "zh"))
    else:
        typer.echo(result.recommendation)
    if result.selection is not None:
        sel = result.selection
        typer.echo(
            f"selection: KN over {len(sel.replications)} designs, fresh seeds, "
            f"P(correct selection) >= {sel.pcs:.2f} at delta {fmt(sel.delta)}"
        )
    for t in result.to_dict()["targets"]:
        ci = t["ci95"]
        ci_text = f" [{fmt(ci[0])}, {fmt(ci[1])}]" if ci else ""
        estimate = "—" if t["estimate"] is None else fmt(t["estimate"])
        mark = "met" if t["met"] else "missed"
        typer.echo(f"  {t['kpi']} {t['op']} {t['value']:g}: {estimate}{ci_text} {mark}")
    if not result.feasible:
        for d in result.nearest():
            typer.echo(f"  nearest: trial {d.number} {d.params} binding {d.binding(spec.targets)}")
    if result.discovery is not None:
        disc = result.discovery.to_dict()
        typer.echo(
            f"where it fails: {disc['failed']} of {disc['runs']} assumption draws miss a target"
        )
        if result.discovery.prim is not None:
            for line in result.discovery.prim.describe().splitlines():
                typer.echo(f"  {line}")
