"""What the commands read: scenario and experiment files, workspaces, and their options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim.cli.errors import UserError
from gridsim.fileio import InputError, display_path
from gridsim.scenario import Scenario, load_scenario

# Options shared by the commands that read or write a workspace.
TenantOption = Annotated[str, typer.Option(help="Tenant (district) the results belong to.")]
StoreOption = Annotated[
    str | None, typer.Option(help="Store: a workspace folder or a database URL.")
]
WorkersOption = Annotated[
    int | None,
    typer.Option(help="Local worker processes (1 = serial; default: all cores).", min=1),
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786, or a Dask Gateway, "
        "http(s)://HOST:PORT, that starts a cluster of your own (--workers: its size)."
    ),
]


def close_executor(executor: Any) -> None:
    """Close an executor that holds a connection (a Dask client gridsim opened)."""
    close = getattr(executor, "close", None)
    if close is not None:
        close()


ScenarioRootOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--scenario-root",
        metavar="DIR",
        help="Folder that extends, base and communities_csv may lead into, besides the "
        "file's own scenarios tree (repeatable; also GRIDSIM_SCENARIO_ROOT).",
    ),
]


def load_scenario_file(path: Path, roots: list[Path] | None = None) -> Scenario:
    """The scenario in ``path``, its references allowed into ``roots`` (``--scenario-root``)."""
    return load_scenario(path, roots=roots or ())


def is_experiment(path: Path) -> bool:
    """An experiment file names a ``base`` scenario; a scenario file never does."""
    from gridsim.scenario import read_toml

    try:
        return "base" in read_toml(path)  # bounded: a FIFO or a huge file is never read
    except InputError:
        return False  # let the scenario loader report it


def local_processes(workers: int | None, dask: str | None) -> int:
    """Runs a sweep holds in this machine's memory at once (remote Dask workers: one check)."""
    if dask is not None or workers == 1:
        return 1
    return workers or os.cpu_count() or 1


def load_experiment(path: Path, roots: list[Path] | None, processes: int = 1) -> Any:
    """Load an experiment for a command that runs it.

    Its same-design warnings go to stderr, and every distinct design is checked
    to fit in memory ``processes`` runs at a time, before anything is built.
    """
    from gridsim.estimate import check_fits
    from gridsim.experiments import Experiment

    exp = Experiment.from_file(path, roots=roots or ())
    for line in exp.warnings():
        typer.echo(line, err=True)
    shown = display_path(path)
    for v in exp.distinct:
        check_fits(v.scenario, f"{shown}: variant {v.name!r}", processes)
    return exp


def open_workspace(tenant: str, store: str | None, *, create: bool = True) -> Any:
    """The tenant's workspace; ``create=False`` for commands that only read (nothing is made).

    Store problems (a file that is not a store, a missing tenant, a damaged
    store, a malformed URL, an unreachable server) are ``StoreError``s, which
    :func:`gridsim.cli.main` reports with exit code 2.
    """
    from gridsim.workspace import Workspace

    refuse_password_argument(store)
    return Workspace(tenant, store=store, create=create)


def refuse_password_argument(store: str | None, option: str = "--store") -> None:
    """Refuse a store URL given on the command line with a password in it.

    A command line is visible to every user of the machine (``ps``,
    ``/proc/PID/cmdline``), so gridsim never takes a password there.

    Args:
        store: The option's value.
        option: The option, for the message.

    Raises:
        UserError: If ``store`` is a URL that carries a password.
    """
    if store is None or "://" not in store:
        return
    from gridsim.store.urls import is_url, parse_url, redact

    if is_url(store) and parse_url(store).password is not None:
        raise UserError(
            f"{option} {redact(store)}: a password on the command line can be read by every "
            "user of this machine in the process list; leave it out of the URL and put it in "
            "~/.pgpass (mode 0600) or a service file (postgresql:///?service=NAME; see "
            "'gridsim tenant create --service-file'), or set PGPASSWORD"
        )
