"""``gridsim experiments list``, ``gridsim runs list``, ``gridsim tenant create``: the store."""

from __future__ import annotations

from typing import Annotated

import typer

from gridsim.cli.app import experiments_app, runs_app, tenant_app
from gridsim.cli.errors import UserError
from gridsim.cli.loading import StoreOption, TenantOption, open_workspace
from gridsim.fileio import InputError


@experiments_app.command("list")
def experiments_list(
    tenant: TenantOption = "default",
    store: StoreOption = None,
) -> None:
    """List the tenant's experiments."""
    frame = open_workspace(tenant, store, create=False).list_experiments()
    if not len(frame):
        typer.echo("no experiments")
        return
    frame["variants"] = [len((s or {}).get("variants", [])) for s in frame["spec"]]
    frame["baseline"] = [(s or {}).get("baseline", "") for s in frame["spec"]]
    typer.echo(frame.drop(columns=["spec"]).to_string(index=False))


@runs_app.command("list")
def runs_list(
    experiment: Annotated[str | None, typer.Option(help="Only this experiment.")] = None,
    tenant: TenantOption = "default",
    store: StoreOption = None,
) -> None:
    """List the tenant's stored runs, with the model fingerprint each was computed with."""
    from gridsim.fingerprint import short
    from gridsim.store import current_model_version

    frame = open_workspace(tenant, store, create=False).list_runs(experiment)
    if not len(frame):
        typer.echo("no runs")
        return
    frame["model"] = [short(v) for v in frame["model_version"]]
    shown = [
        "experiment",
        "scenario_name",
        "replication",
        "scenario_hash",
        "model",
        "seed",
        "wall_seconds",
        "created_at",
        "issues_collected",
        "issues_resolved",
    ]
    typer.echo(frame[[c for c in shown if c in frame.columns]].to_string(index=False))
    current = current_model_version()
    older = int((frame["model_version"] != current).sum())
    line = f"model now: {short(current)}"
    if older:
        line += (
            f"; {older} run(s) of another model are kept but not reused "
            "(an experiment computes them again)"
        )
    typer.echo(line)


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="Tenant name (lower case, digits, _).")],
    store: Annotated[
        str | None,
        typer.Option(help="Workspace folder, or an admin PostgreSQL URL for a shared deployment."),
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password of the tenant's database role (PostgreSQL).")
    ] = None,
) -> None:
    """Set a tenant up: its own database file (SQLite) or login role (PostgreSQL)."""
    from gridsim.workspace import create_tenant

    try:
        where = create_tenant(store, name, password=password)
    except ValueError as exc:
        if isinstance(exc, InputError):  # a StoreError: main reports it
            raise
        raise UserError(str(exc)) from None
    typer.echo(f"tenant {name} {'created' if where.created else 'ready'}: {where.store}")
    if where.password is not None and password is None:  # generated: the only time it is shown
        typer.echo(f"password of role {name} (shown this once; keep it safe): {where.password}")
