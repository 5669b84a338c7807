"""The typer app of the ``gridsim`` command: its command groups, its callback, ``--version``.

The command modules register their commands on these objects
(``@app.command()``, ``@runs_app.command("list")``); this module imports none
of them, nor any other module of :mod:`gridsim.cli`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gridsim._version import __version__

app = typer.Typer(
    name="gridsim",
    help="Simulate grid-based grass-roots governance (网格化管理) and compare designs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
"""The ``gridsim`` command; :func:`gridsim.cli.main` runs it."""

experiments_app = typer.Typer(help="Experiments held in a workspace.", no_args_is_help=True)
"""``gridsim experiments ...``."""
runs_app = typer.Typer(help="Runs held in a workspace.", no_args_is_help=True)
"""``gridsim runs ...``."""
tenant_app = typer.Typer(help="Tenants (districts) of a deployment.", no_args_is_help=True)
"""``gridsim tenant ...``."""
app.add_typer(experiments_app, name="experiments")
app.add_typer(runs_app, name="runs")
app.add_typer(tenant_app, name="tenant")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gridsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Simulate grid-based grass-roots governance (网格化管理) and compare designs."""
