"""Which backend opens which store location: the registry of backend factories.

A plain path is an SQLite file; a URL goes to the backend registered under
its scheme's database name (``sqlite``, ``postgresql``; ``postgres://`` is
read as ``postgresql://``). A new kind of database is one module that
implements :class:`~gridsim.store.base.Backend` and one
:func:`register_backend` call.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import URL

from gridsim.store.base import Backend, BackendFactory
from gridsim.store.errors import InvalidStoreURLError
from gridsim.store.postgres import PostgresBackend
from gridsim.store.sqlite import SQLiteBackend
from gridsim.store.urls import is_url, parse_url

__all__ = ["BACKENDS", "open_backend", "register_backend"]

BACKENDS: dict[str, BackendFactory] = {
    "sqlite": SQLiteBackend.open,
    "postgresql": PostgresBackend.open,
}
"""URL database name (``URL.get_backend_name()``) → the factory that opens such a store."""


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make :class:`~gridsim.store.store.Store` open ``name://...`` URLs with ``factory``.

    Args:
        name: The URL's database name, e.g. ``"mysql"`` for ``mysql+pymysql://...``.
        factory: Opens the backend (see :class:`~gridsim.store.base.BackendFactory`).

    Raises:
        ValueError: If ``name`` is taken (SQLite and PostgreSQL are built in).
    """
    if name in BACKENDS:
        raise ValueError(f"a store backend is registered under {name!r} already")
    BACKENDS[name] = factory


def open_backend(
    location: str | os.PathLike[str] | URL,
    tenant: str,
    *,
    busy_timeout: float,
    create: bool,
) -> Backend:
    """Open the tenant's store at ``location`` with the backend registered for it.

    Args:
        location: A path (SQLite) or a URL.
        tenant: The tenant (already validated).
        busy_timeout: Passed to the backend (SQLite's lock wait).
        create: Whether the backend may create a missing store.

    Returns:
        The opened backend.

    Raises:
        InvalidStoreURLError: If the URL is malformed or no backend serves it.
        StoreError: Whatever the backend refuses (see its ``open``).
    """
    url = parse_url(location) if is_url(location) else None  # type: ignore[arg-type]
    name = "sqlite" if url is None else url.get_backend_name()
    factory = BACKENDS.get(name)
    if factory is None:
        assert url is not None
        raise InvalidStoreURLError(
            f"unsupported store URL {url.render_as_string(hide_password=True)!r}: "
            "SQLite (a path or sqlite:///file) or PostgreSQL (postgresql://...) only"
        )
    return factory(location, tenant, busy_timeout=busy_timeout, create=create)
