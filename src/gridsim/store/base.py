"""The backend protocol: what :class:`~gridsim.store.store.Store` needs from a database.

The store's queries are SQLAlchemy Core and the same for every database;
what differs is how a tenant's database is found, checked and connected to,
how an insert-if-absent is spelled, and what the driver's errors mean. A
backend is one module that implements :class:`Backend` for one kind of
database (:mod:`gridsim.store.sqlite`, :mod:`gridsim.store.postgres`) and
registers a :class:`BackendFactory` under its URL scheme
(:func:`gridsim.store.registry.register_backend`).

A factory *opens* a backend for one tenant; by the time it returns it has

1. found the database (an SQLite file, a server) and refused anything that
   is not a gridsim store, creating one only where allowed (``create``);
2. checked that the database belongs to the tenant (the file's recorded
   tenant, the connected role) and that its tables are there, in the layout
   this gridsim reads;
3. made the engines the store reads and writes with.

Every error a user can fix is raised as a :class:`~gridsim.store.errors.StoreError`,
then and later (:meth:`Backend.translate`).

A backend may also define ``delete_experiment(conn, tenant, name) -> int``
(runs deleted) where its tenants may not ``DELETE`` themselves (PostgreSQL
calls a ``SECURITY DEFINER`` function); without it the store deletes with
plain ``DELETE`` statements.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

from sqlalchemy import Engine, Table
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SQLiteInsert
from sqlalchemy.engine import URL

from gridsim.store.errors import StoreError
from gridsim.store.schema import Tables

__all__ = ["Backend", "BackendFactory", "UpsertInsert", "translated"]

type UpsertInsert = SQLiteInsert | PostgresInsert
"""A dialect's ``INSERT`` that has ``on_conflict_do_nothing`` and ``on_conflict_do_update``."""


@runtime_checkable
class Backend(Protocol):
    """One tenant's database of one kind, opened: the operations the store uses.

    Attributes:
        dialect: SQLAlchemy dialect name (``"sqlite"``, ``"postgresql"``).
        location: Where the database is, for messages (never with a password).
        path: The database file, or None if it is not one.
        created: True if opening it created the tenant's store.
        tables: The store's tables as laid out in this database.
    """

    dialect: str
    location: str
    path: Path | None
    created: bool
    tables: Tables

    def engine(self, *, write: bool) -> Engine:
        """The engine to read with, or to write with (``write=True``).

        A write engine's transactions must take the write lock up front, so
        that concurrent writers queue rather than fail on a lock upgrade.

        Args:
            write: Whether the connection will write.

        Returns:
            The engine.
        """
        ...

    def insert(self, table: Table) -> UpsertInsert:
        """The dialect's ``INSERT`` into ``table``, with ``ON CONFLICT`` clauses.

        Args:
            table: One of :attr:`tables`.

        Returns:
            The statement (values given at execution).
        """
        ...

    def translate(self, exc: BaseException) -> StoreError | None:
        """The :class:`StoreError` for a driver's error a user can act on.

        Args:
            exc: An error raised while reading or writing.

        Returns:
            The error to raise instead, or None if ``exc`` is not the user's to
            fix (a bug: it is raised as it is).
        """
        ...

    def close(self) -> None:
        """Close every pooled connection."""
        ...


class BackendFactory(Protocol):
    """Opens a :class:`Backend` for a tenant (see the module docstring for what it checks)."""

    def __call__(
        self,
        location: str | os.PathLike[str] | URL,
        tenant: str,
        *,
        busy_timeout: float,
        create: bool,
    ) -> Backend:
        """Open the tenant's store at ``location``.

        Args:
            location: A path or URL, as given to :class:`~gridsim.store.store.Store`.
            tenant: The tenant (already validated).
            busy_timeout: Seconds a writer waits for another writer's lock, where
                the database has such a lock.
            create: Whether a missing store may be created.

        Returns:
            The opened backend.

        Raises:
            StoreError: If the store cannot be opened for the tenant.
        """
        ...


@contextmanager
def translated(translate: Callable[[BaseException], StoreError | None]) -> Iterator[None]:
    """Raise the :class:`StoreError` a user can act on instead of a driver's error.

    Args:
        translate: A backend's :meth:`Backend.translate` (or a function like it).

    Yields:
        Nothing: the body runs with its errors translated.
    """
    try:
        yield
    except Exception as exc:
        mapped = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc
