"""The ``gridsim`` command line.

Exit codes everywhere: 0 ok, 2 user error (bad file, bad option), 1 internal
fault. Errors in scenario files are printed one per line, each naming the
file and the key.

The package's modules:

* :mod:`~gridsim.cli.app`: the typer app, its command groups (``experiments``,
  ``runs``, ``tenant``), its callback and ``--version``;
* :mod:`~gridsim.cli.errors`: the exit codes, :class:`UserError`, and the
  mapping of every error to a message and a code that :func:`main` applies;
* :mod:`~gridsim.cli.loading`: loading scenarios, experiments and workspaces,
  and the options that name them (``--scenario-root``, ``--tenant``,
  ``--store``, ``--workers``);
* :mod:`~gridsim.cli.stopping`: stopping a sweep cleanly on ``SIGINT``/``SIGTERM``;
* :mod:`~gridsim.cli.formatting`: numbers in tables and in JSON;
* the commands, one module per group: :mod:`~gridsim.cli.run` (``run``,
  ``validate``, ``calibrate``), :mod:`~gridsim.cli.compare` (``compare``,
  ``report``), :mod:`~gridsim.cli.store` (``experiments list``, ``runs list``,
  ``tenant create``), :mod:`~gridsim.cli.plan` (``plan``), :mod:`~gridsim.cli.grids` (``grids``).

To add a command: write one module ``gridsim/cli/<name>.py`` that defines it
with ``@app.command()`` (``app`` from :mod:`gridsim.cli.app`; for a command of
a group, that group's ``typer.Typer`` instead, and a new group is made and
added with ``app.add_typer`` in :mod:`gridsim.cli.app`). Let it import only
from :mod:`~gridsim.cli.app`, :mod:`~gridsim.cli.errors`,
:mod:`~gridsim.cli.loading`, :mod:`~gridsim.cli.stopping` and
:mod:`~gridsim.cli.formatting` (never from ``gridsim.cli`` itself nor from
another command module: the ``acyclic-packages`` import contract refuses
cycles), raise :class:`UserError` for a mistake of the user's, and register it
by adding ``from gridsim.cli import <name>`` to the command imports below,
whose order is the order in which ``gridsim --help`` lists the commands.
"""

from __future__ import annotations

from gridsim.cli.app import app
from gridsim.cli.errors import INTERNAL_ERROR, USER_ERROR, UserError, run_with_exit_codes
from gridsim.cli.stopping import STOP_SIGNALS

# The command modules: importing one registers its commands on the app, in this order.
# isort: off
from gridsim.cli import run  # noqa: F401
from gridsim.cli import compare  # noqa: F401
from gridsim.cli import store  # noqa: F401
from gridsim.cli import plan  # noqa: F401
from gridsim.cli import grids  # noqa: F401

# isort: on

__all__ = ["INTERNAL_ERROR", "STOP_SIGNALS", "USER_ERROR", "UserError", "app", "main"]


def main() -> None:
    """Entry point: run the app, mapping errors to exit codes 2 (user) and 1 (internal)."""
    run_with_exit_codes(app)
