"""What can go wrong with a store that a user can fix: the :class:`StoreError` tree.

Every problem with the store a user can fix — a file that is not a store, a
damaged or missing store, a malformed URL, an unreachable server, a full
disk, a lock held too long, another tenant's store — is a :class:`StoreError`
(an :class:`gridsim.fileio.InputError`) whose message names the store and
says what to do; the command line reports it with exit code 2.

Each backend turns its driver's errors into these (``Backend.translate``);
:func:`os_error` does it for the operating system's.
"""

from __future__ import annotations

import errno

from gridsim.fileio import InputError

__all__ = [
    "InvalidStoreURLError",
    "InvalidTenantError",
    "NotAStoreError",
    "SchemaMissingError",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreNotFoundError",
    "StoreNotPrivateError",
    "StoreUnavailableError",
    "TenantMismatchError",
    "one_line",
    "os_error",
]


class StoreError(InputError):
    """A store that cannot be used as asked; the message names it and says what to do.

    An :class:`~gridsim.fileio.InputError`: the command line reports it as
    ``gridsim: <message>`` with exit code 2.
    """


class InvalidTenantError(StoreError, ValueError):
    """A tenant name that does not match ``TENANT_PATTERN`` or is reserved."""


class InvalidStoreURLError(StoreError, ValueError):
    """A store location that cannot be parsed, or names no file or server gridsim can use."""


class TenantMismatchError(StoreError):
    """A database or connection that belongs to another tenant than the one asked for."""


class SchemaMissingError(StoreError):
    """A PostgreSQL database where ``create_postgres_tenant`` has not been run."""


class StoreNotFoundError(StoreError):
    """No store where one was to be read (and nothing is created for a read)."""


class NotAStoreError(StoreError):
    """A file that is not a gridsim store (empty, another format, another SQLite database)."""


class StoreNotPrivateError(StoreError):
    """An SQLite store file or folder that other OS users may read, or that another user owns.

    The embedded workspace is one OS user's own, as ssh treats a private key:
    such a file or folder is refused and left as it is.
    """


class StoreDamagedError(StoreError):
    """A gridsim store whose file is corrupt or truncated."""


class StoreUnavailableError(StoreError):
    """A store that cannot be reached, read or written (server down, permissions, I/O)."""


class StoreBusyError(StoreUnavailableError):
    """Another process held the store's write lock for longer than the busy timeout."""


class StoreFullError(StoreError):
    """The disk (or the database's size limit) is full; runs stored so far are kept."""


def one_line(exc: BaseException) -> str:
    """A driver's message on one line (psycopg's span several).

    Args:
        exc: The driver's exception.

    Returns:
        Its non-empty lines joined by ``"; "``.
    """
    return "; ".join(part.strip() for part in str(exc).splitlines() if part.strip())


def os_error(exc: OSError, where: str) -> StoreError:
    """The store error for an operating-system error on the store's file or folder.

    Args:
        exc: The error.
        where: The file or folder, for the message.

    Returns:
        :class:`StoreFullError` for a full disk or quota, else
        :class:`StoreUnavailableError`.
    """
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(
            f"{where}: no space left ({exc.strerror}); free space and run again: the runs "
            "stored so far are kept"
        )
    return StoreUnavailableError(f"{where}: {exc.strerror or exc}")
