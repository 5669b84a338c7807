"""``gridsim experiments list``, ``gridsim runs list``, ``gridsim tenant create``: the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridsim.cli.app import experiments_app, runs_app, tenant_app
from gridsim.cli.errors import UserError
from gridsim.cli.loading import (
    StoreOption,
    TenantOption,
    open_workspace,
    refuse_password_argument,
)
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
        typer.Option(
            help="Workspace folder, or a superuser's PostgreSQL URL for a shared deployment "
            "(no password in it: ~/.pgpass, PGPASSWORD or a service file)."
        ),
    ] = None,
    password_file: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL: set the tenant role's password to the first line of this file "
            "(mode 0600), or of standard input for '-'. Default: generate one for a new tenant."
        ),
    ] = None,
    service_file: Annotated[
        Path | None,
        typer.Option(
            help="PostgreSQL: write the tenant's role, database and password to this libpq "
            "service file (mode 0600) instead of printing the password."
        ),
    ] = None,
    connection_limit: Annotated[
        int | None,
        typer.Option(help="PostgreSQL: the tenant's concurrent connections (default 10).", min=1),
    ] = None,
    password: Annotated[str | None, typer.Option(hidden=True)] = None,
) -> None:
    """Set a tenant up: its own database file (SQLite) or login role and database (PostgreSQL)."""
    from gridsim.store.credentials import read_password, service_url, write_service_file
    from gridsim.store.postgres import TenantLimits
    from gridsim.store.sqlite import check_private
    from gridsim.workspace import create_tenant

    if password is not None:
        raise UserError(
            "--password: a password on the command line can be read by every user of this "
            "machine in the process list; use --password-file FILE (mode 0600) or "
            "--password-file - (standard input), or let gridsim generate one"
        )
    refuse_password_argument(store)
    postgres = store is not None and store.startswith(("postgresql", "postgres:"))
    if not postgres and (password_file or service_file or connection_limit):
        raise UserError(
            "--password-file, --service-file and --connection-limit are for PostgreSQL "
            "tenants (--store postgresql://...); an SQLite workspace is its OS user's own"
        )
    if service_file is not None:  # refused before anything is set up
        check_private(service_file.expanduser().absolute(), what="service")
    secret = read_password(password_file) if password_file is not None else None
    limits = TenantLimits(connection_limit=connection_limit) if connection_limit else None
    try:
        where = create_tenant(store, name, password=secret, limits=limits)
    except ValueError as exc:
        if isinstance(exc, InputError):  # a StoreError: main reports it
            raise
        raise UserError(str(exc)) from None
    state = "created" if where.created else "ready"
    for note in where.notes:
        typer.echo(f"note: {note}")
    if service_file is not None:
        written = write_service_file(service_file, name, where.store, where.password)
        typer.echo(f"tenant {name} {state}: its store is {service_url(name)}")
        typer.echo(
            f"role, database{' and password' if where.password else ''} written to {written} "
            "(mode 0600): give that file to the tenant's OS user only, as ~/.pg_service.conf "
            "or named by PGSERVICEFILE"
        )
        return
    typer.echo(f"tenant {name} {state}: {where.store}")
    if where.password is not None and secret is None:  # generated: the only time it is shown
        typer.echo(
            f"password of tenant {name}'s role (shown this once; keep it safe): {where.password}"
        )
