"""Exit codes, and the mapping of every error a command raises to a message and a code.

Exit codes everywhere: 0 ok, 2 user error (bad file, bad option, a store
problem, a full disk or a refused permission), 1 internal fault.
:func:`run_with_exit_codes` is the body of :func:`gridsim.cli.main`.
"""

from __future__ import annotations

import errno
import sys

import typer

from gridsim.fileio import InputError

USER_ERROR = 2
"""Exit code of an error in what the user asked for."""
INTERNAL_ERROR = 1
"""Exit code of a fault in gridsim itself."""


class UserError(Exception):
    """An error in what the user asked for (exit code 2)."""


def _is_store_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a ``gridsim.store.StoreError`` (without importing SQLAlchemy)."""
    store = sys.modules.get("gridsim.store")
    return store is not None and isinstance(exc, store.StoreError)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _os_error_message(exc: OSError) -> str | None:
    """One line for an operating-system error the user can fix (disk full, no permission).

    Returns:
        The line, or None for any other ``OSError`` (reported as an internal error).
    """
    where = f": {exc.filename}" if exc.filename else ""
    if exc.errno in _DISK_FULL:
        return (
            f"no space left on the disk{where}; free space and run again "
            "(runs already stored are kept)"
        )
    if exc.errno in _NOT_ALLOWED:
        return f"{exc.strerror or 'not allowed'}{where}; check the permissions"
    return None


def run_with_exit_codes(app: typer.Typer) -> None:
    """Run ``app``, mapping errors to exit codes 2 (user) and 1 (internal).

    Args:
        app: The typer app to run on the process's command line.
    """
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit
        if isinstance(code, int) and code:
            sys.exit(code)
    except InputError as exc:  # ScenarioError, every refused file, every StoreError
        prefix = "gridsim: " if _is_store_error(exc) else ""
        for line in exc.problems:
            print(f"{prefix}{line}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except UserError as exc:
        print(f"gridsim: {exc}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except OSError as exc:
        message = _os_error_message(exc)
        if message is None:
            print(f"gridsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            sys.exit(INTERNAL_ERROR)
        print(f"gridsim: {message}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("gridsim: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error (typer's bundled click): message and exit code 2
            sys.exit(exc.exit_code)
        print(f"gridsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(INTERNAL_ERROR)
