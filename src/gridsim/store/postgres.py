"""The PostgreSQL backend: shared deployments, one database and one login role per tenant.

**Why a database per tenant.** Tables shared by all tenants under row-level
security keep rows apart, but not what PostgreSQL says *about* them: every
role that may read a table sees its row count (``pg_class.reltuples``,
``pg_stat_user_tables.n_live_tup``), its value statistics (``pg_stats``)
and, through ``EXPLAIN``, the planner's estimate of how often a value occurs
— other tenants' values included; and whoever may ``DELETE`` or ``UPDATE``
a shared table may ``LOCK`` it and stop every other tenant. A schema per
tenant in one database leaves the first of these open, since the catalogs
(``pg_class``, ``pg_namespace``, ``pg_stat_*``) list every schema's tables
to everyone. A database per tenant closes them: every per-database catalog
and statistic a tenant can read describes its own rows only.

What is shared across a cluster's databases is then closed one by one, in
each tenant's database and by :func:`create_postgres_tenant`:

* **Names.** A tenant's login role and database get opaque names
  (``gridsim_t_<16 hex digits>``), since any role can turn a role's number
  into its name (``oid::regrole``), which no privilege governs; the mapping
  tenant → role and database is kept in ``gridsim_admin.tenants`` in the
  administrator's database, and each tenant database records its tenant in
  ``gridsim.gridsim_meta``. The catalogs and functions that list roles,
  databases, sessions, locks and per-database statistics (``pg_roles``,
  ``pg_database``, ``pg_stat_activity``, ``pg_stat_database``, ``pg_locks``,
  ``pg_get_userbyid``, ``pg_identify_object``, ``pg_database_size``, ...)
  are revoked from ``PUBLIC`` in every tenant database.
* **Reach.** Only the tenant's role may connect to its database (``PUBLIC``
  loses ``CONNECT`` and ``TEMPORARY``), and ``PUBLIC`` loses ``CONNECT`` on
  every other database of the cluster (roles that are not tenants are given
  it back by name), so no tenant reaches a database where those catalogs
  are open.
* **Locks.** The tenant's role holds ``SELECT`` and ``INSERT`` on ``runs``,
  ``SELECT``, ``INSERT`` and ``UPDATE`` of the columns ``spec`` and
  ``updated_at`` on ``experiments`` (column privileges do not allow
  ``LOCK TABLE``), ``SELECT`` on ``gridsim_meta``, and no ``DELETE`` nor
  ``TRUNCATE``: an experiment is deleted by ``gridsim.delete_experiment(name)``,
  a ``SECURITY DEFINER`` function that checks the caller is the database's
  tenant. The advisory-lock functions are revoked, and gridsim itself
  serialises :func:`create_postgres_tenant` with a lock on its registry
  table, which no tenant may touch.
* **Load.** Each tenant role has a connection limit and defaults for
  ``statement_timeout``, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout`` (:class:`TenantLimits`).

What a database per tenant does not hide — counters the whole cluster shares,
such as transaction ids and the WAL position, which move when any tenant
writes, and the server's CPU, memory and disk — is listed in
``docs/experiments.md``; a cluster per tenant closes those.

Stores made by gridsim before this layout (every tenant's rows in shared
tables, schema ``gridsim`` of one database, roles named after the tenants)
are refused with a message; :func:`create_postgres_tenant` copies a
tenant's rows from them into its new database.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import OperationalError as SAOperationalError

from gridsim.store.base import translated
from gridsim.store.codec import dumps
from gridsim.store.errors import (
    InvalidStoreURLError,
    SchemaMissingError,
    StoreError,
    StoreFullError,
    StoreUnavailableError,
    TenantMismatchError,
    one_line,
)
from gridsim.store.keys import validate_tenant
from gridsim.store.records import TenantInfo
from gridsim.store.schema import (
    PG_ADMIN_SCHEMA,
    PG_GROUP_ROLE,
    PG_SCHEMA,
    PG_TABLES,
    SCHEMA_VERSION,
    Tables,
)
from gridsim.store.urls import parse_url

__all__ = [
    "PostgresBackend",
    "TenantLimits",
    "create_postgres_tenant",
    "postgres_error",
    "postgres_url",
]

ROLE_PREFIX = "gridsim_t_"
"""Start of every tenant role's and tenant database's name (then 16 random hex digits)."""

_REGISTRY = f'"{PG_ADMIN_SCHEMA}"."tenants"'

# What a tenant may not read in its own database, because it describes the whole
# cluster: other roles, databases, sessions, locks and their statistics.
_HIDDEN_RELATIONS = (
    "pg_roles",
    "pg_user",
    "pg_group",
    "pg_auth_members",
    "pg_database",
    "pg_db_role_setting",
    "pg_shdescription",
    "pg_shseclabel",
    "pg_seclabels",
    "pg_shdepend",
    "pg_locks",
    "pg_prepared_xacts",
    "pg_replication_slots",
    "pg_replication_origin_status",
)
_HIDDEN_RELATION_PATTERNS = ("pg_stat%", "pg_statio%")
_HIDDEN_FUNCTIONS = (
    "pg_get_userbyid",
    "pg_database_size",
    "pg_tablespace_size",
    "pg_tablespace_databases",
    "pg_identify_object",
    "pg_identify_object_as_address",
    "pg_describe_object",
    "pg_get_object_address",
    "shobj_description",
    "pg_lock_status",
    "pg_blocking_pids",
    "pg_safe_snapshot_blocking_pids",
    "pg_prepared_xact",
    "pg_get_replication_slots",
    "pg_show_replication_origin_status",
    "pg_notification_queue_usage",
    "pg_current_snapshot",
    "txid_current_snapshot",
    "pg_current_xact_id",
    "pg_current_xact_id_if_assigned",
    "txid_current",
    "txid_current_if_assigned",
    "pg_xact_status",
    "txid_status",
)
_HIDDEN_FUNCTION_PATTERNS = (
    "pg_stat_get_%",
    "pg_advisory_%",
    "pg_try_advisory_%",
    "pg_current_wal_%",
    "pg_last_wal_%",
)


@dataclass(frozen=True)
class TenantLimits:
    """What one tenant may take of the server: connections and how long it may wait.

    The timeouts are the role's defaults (``ALTER ROLE ... SET``): a tenant
    may change them in its own sessions, which affects only those sessions
    and its own database; the connection limit is the server's to enforce.

    Attributes:
        connection_limit: Concurrent connections of the tenant's role (and to its database).
        statement_timeout: Longest statement, e.g. ``"5min"``.
        lock_timeout: Longest wait for a lock, e.g. ``"10s"``.
        idle_in_transaction_session_timeout: Longest a transaction may sit idle
            before its session is ended.
    """

    connection_limit: int = 10
    statement_timeout: str = "5min"
    lock_timeout: str = "10s"
    idle_in_transaction_session_timeout: str = "1min"

    def settings(self) -> dict[str, str]:
        """The role's settings, name → value."""
        return {
            "statement_timeout": self.statement_timeout,
            "lock_timeout": self.lock_timeout,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_session_timeout,
        }


def postgres_url(url: str | URL) -> URL:
    """A PostgreSQL URL with its driver named (``postgresql+psycopg``).

    Args:
        url: A ``postgresql://`` (or ``postgres://``) URL.

    Returns:
        The URL.

    Raises:
        InvalidStoreURLError: If the URL is malformed or not PostgreSQL's.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise InvalidStoreURLError(f"not a PostgreSQL URL: {parsed.render_as_string(True)}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def postgres_error(exc: BaseException, where: str) -> StoreError | None:
    """The store error for a database error a user can act on, or None (a bug: re-raise).

    Args:
        exc: An error raised through SQLAlchemy.
        where: The server (URL, password hidden), for the message.

    Returns:
        The error to raise instead, or None.
    """
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "53100":  # disk_full
        return StoreFullError(
            f"{where}: the database server's disk is full ({one_line(orig)}); free space "
            "and run again: the runs stored so far are kept"
        )
    if sqlstate in ("57014", "55P03", "25P03"):  # statement, lock or idle timeout
        return StoreUnavailableError(
            f"{where}: the server ended the statement ({one_line(orig)}): the tenant's "
            "limits (statement_timeout, lock_timeout, idle_in_transaction_session_timeout) "
            "were reached; ask the administrator to raise them, or run a smaller query"
        )
    if sqlstate == "53300" or "too many connections" in str(orig):  # too_many_connections
        return StoreUnavailableError(
            f"{where}: {one_line(orig)}: the tenant's connection limit is reached; close "
            "other sessions (notebooks, commands) or ask the administrator to raise it"
        )
    if isinstance(exc, SAOperationalError):  # connection refused, lost, bad password...
        return StoreUnavailableError(
            f"cannot use the PostgreSQL store {where}: {one_line(orig)}; check the host, "
            "port, database, user and password, and that the server is running"
        )
    return None


def _location(url: URL) -> str:
    """The URL as text for messages: password hidden, service named."""
    return url.render_as_string(hide_password=True)


class PostgresBackend:
    """A tenant's own PostgreSQL database, connected as the tenant's role.

    A :class:`~gridsim.store.base.Backend`, made by :meth:`open`.
    """

    dialect = "postgresql"
    tables: Tables = PG_TABLES
    path = None

    def __init__(self, engine: Engine, location: str) -> None:
        self.location = location
        self.created = False
        self._engine = engine

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | URL,
        tenant: str,
        *,
        busy_timeout: float = 30.0,
        create: bool = True,
    ) -> PostgresBackend:
        """Connect as the tenant's role and check the database is the tenant's.

        Args:
            location: The tenant's URL as :func:`create_postgres_tenant` gave it,
                ``postgresql://ROLE:PASSWORD@host/DATABASE``, or
                ``postgresql:///?service=NAME`` for a libpq service file; the
                password may come from ``PGPASSWORD``, ``~/.pgpass`` or the service file.
            tenant: The tenant the database must belong to.
            busy_timeout: Unused (PostgreSQL's writers do not queue on a file lock).
            create: Unused: only an administrator creates tenants
                (:func:`create_postgres_tenant`).

        Returns:
            The backend.

        Raises:
            InvalidStoreURLError: If the URL is malformed or names an unknown driver.
            TenantMismatchError: If the database is another tenant's, or the
                connection is not the tenant's own role.
            SchemaMissingError: If the database has not been set up for gridsim,
                or holds the shared-table layout of an older gridsim.
            StoreUnavailableError: If the server cannot be reached or logged into.
        """
        url = postgres_url(str(location) if isinstance(location, os.PathLike) else location)
        try:
            engine = create_engine(
                url,
                json_serializer=dumps,
                pool_pre_ping=True,
                execution_options={"schema_translate_map": {None: PG_SCHEMA}},
            )
        except ArgumentError as exc:  # e.g. an unknown driver: postgresql+nosuch://
            raise InvalidStoreURLError(f"store URL {_location(url)!r}: {exc}") from None
        backend = cls(engine, _location(url))
        try:
            with translated(backend.translate), engine.connect() as conn:
                user, database, meta, runs = conn.execute(
                    text(
                        "SELECT current_user, current_database(), to_regclass(:meta), "
                        "to_regclass(:runs)"
                    ),
                    {"meta": f"{PG_SCHEMA}.gridsim_meta", "runs": f"{PG_SCHEMA}.runs"},
                ).one()
                recorded: dict[str, str] = {}
                if meta is not None:
                    rows = conn.execute(text(f'SELECT key, value FROM "{PG_SCHEMA}".gridsim_meta'))
                    recorded = {str(key): str(value) for key, value in rows}
            _check_identity(backend.location, tenant, user, database, meta, runs, recorded)
        except BaseException:
            backend.close()
            raise
        return backend

    def engine(self, *, write: bool) -> Engine:
        """The engine (the same for reading and writing)."""
        return self._engine

    def insert(self, table: Table) -> pg_dialect.Insert:
        """PostgreSQL's ``INSERT`` (with ``ON CONFLICT``) into ``table``."""
        return pg_dialect.insert(table)

    def delete_experiment(self, conn: Connection, tenant: str, name: str) -> int:
        """Delete an experiment and its runs through ``gridsim.delete_experiment``.

        The tenant's role holds no ``DELETE``: the ``SECURITY DEFINER`` function
        checks the caller is the database's tenant and deletes its rows.

        Args:
            conn: A connection in a transaction.
            tenant: The tenant (the function knows it; kept for the protocol).
            name: Experiment name.

        Returns:
            The number of runs deleted.
        """
        deleted = conn.execute(
            text(f'SELECT "{PG_SCHEMA}".delete_experiment(:name)'), {"name": name}
        ).scalar_one()
        return int(deleted)

    def translate(self, exc: BaseException) -> StoreError | None:
        """The store error for a database error (see :func:`postgres_error`)."""
        return postgres_error(exc, self.location)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


def _check_identity(
    where: str,
    tenant: str,
    user: str,
    database: str,
    meta: object,
    runs: object,
    recorded: dict[str, str],
) -> None:
    """Refuse a database that is not ``tenant``'s, or a connection that is not its role."""
    if meta is None and runs is not None:
        raise SchemaMissingError(
            f"{where}: database {database!r} holds gridsim's old shared layout (every "
            "tenant's rows in the same tables), which let tenants see each other's row "
            "counts and lock each other out, and is no longer used; an administrator moves "
            f"tenant {tenant!r} to a database of its own with 'gridsim tenant create "
            f"{tenant} --store ADMIN_URL' (the tenant's rows are copied there) and gives "
            "you its new address"
        )
    if meta is None:
        raise SchemaMissingError(
            f"{where}: database {database!r} has no gridsim store (schema {PG_SCHEMA!r}); "
            f"an administrator must run 'gridsim tenant create {tenant} --store ADMIN_URL' "
            "and give you the address it prints"
        )
    owner = recorded.get("tenant")
    if owner != tenant:
        raise TenantMismatchError(
            f"{where}: this database is the store of tenant {owner!r}, not of {tenant!r}: "
            f"use --tenant {owner}, or the address of the database of tenant {tenant!r}"
        )
    role = recorded.get("role")
    if user != role:
        raise TenantMismatchError(
            f"{where}: connected as role {user!r}, but tenant {tenant!r} logs in as its own "
            "role only (the user in the address create_tenant gave): connect with the "
            "tenant's own credentials"
        )
    version = recorded.get("schema_version")
    if version != SCHEMA_VERSION:
        raise StoreUnavailableError(
            f"{where}: store layout version {version!r}, but this gridsim reads version "
            f"{SCHEMA_VERSION!r}; use the gridsim that wrote it"
        )


# -- setting tenants up (an administrator) --------------------------------------------


def create_postgres_tenant(
    admin_url: str | URL,
    tenant: str,
    password: str | None = None,
    *,
    limits: TenantLimits | None = None,
) -> TenantInfo:
    """Set a tenant up in a PostgreSQL cluster: its own role and database; idempotent.

    Run as a superuser (revoking ``PUBLIC``'s access to system catalogs needs
    one), connected to the administrator's database, where the registry
    ``gridsim_admin.tenants`` is kept. Under a lock on the registry:

    * a new tenant gets a LOGIN role (NOSUPERUSER, NOCREATEDB, NOCREATEROLE,
      NOREPLICATION, NOBYPASSRLS, a member of the privilege-less
      ``gridsim_tenants``) with a SCRAM password, and a database owned by the
      administrator, both named ``gridsim_t_<16 hex digits>``; an existing
      tenant keeps them (and its password, unless one is given);
    * the tenant's database is (re)set up: the tables, the tenant recorded in
      ``gridsim_meta``, ``tenant_id`` defaulted and checked to be the tenant,
      the grants and ``gridsim.delete_experiment`` described in the module
      docstring, and the cluster-wide catalogs and functions revoked from
      ``PUBLIC``;
    * the role gets :class:`TenantLimits` (connection limit and timeouts);
    * ``PUBLIC`` loses ``CONNECT`` on every database that is not a tenant's,
      and each existing role that is not a tenant is granted it there instead;
    * if the administrator's database holds an older gridsim's shared tables,
      the tenant's rows are copied from them into its new database.

    Args:
        admin_url: PostgreSQL URL of a superuser, e.g.
            ``postgresql://admin@host/postgres`` (the password from
            ``~/.pgpass``, ``PGPASSWORD`` or a service file).
        tenant: Tenant name.
        password: The tenant role's password. None generates one for a new
            tenant (returned) and keeps an existing tenant's.
        limits: Connection limit and timeouts (defaults: :class:`TenantLimits`).

    Returns:
        The tenant's store URL (its role and database, without password), the
        password if set now, whether anything was created, and notes on what
        was changed besides (databases closed to ``PUBLIC``, rows copied).

    Raises:
        InvalidTenantError: If the name is invalid or reserved.
        StoreError: If the administrator cannot do it (not a superuser), or the
            registered role was changed to have more rights than a tenant's.
    """
    from psycopg import sql

    validate_tenant(tenant)
    limits = limits or TenantLimits()
    if limits.connection_limit < 1:  # before anything is made
        raise ValueError(f"connection_limit must be at least 1, got {limits.connection_limit}")
    url = postgres_url(admin_url)
    where = _location(url)
    engine = create_engine(url, json_serializer=dumps, isolation_level="AUTOCOMMIT")
    notes: list[str] = []
    made: dict[str, str] = {}
    generated = False
    try:
        with (
            translated(lambda exc: _admin_error(exc, where)),
            engine.connect() as auto,
            engine.connect().execution_options(isolation_level="READ COMMITTED") as registry,
        ):
            if not auto.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar_one():
                raise StoreError(
                    f"{where}: connected as a role that is not a superuser; setting tenants "
                    "up revokes access to system catalogs, which only a superuser may do"
                )
            _ensure_registry(auto)
            with registry.begin():
                registry.exec_driver_sql(f"LOCK TABLE {_REGISTRY} IN SHARE ROW EXCLUSIVE MODE")
                row = registry.execute(
                    text(f"SELECT role, database FROM {_REGISTRY} WHERE tenant = :t"),
                    {"t": tenant},
                ).first()
                dbapi = _dbapi(auto)
                if row is None:
                    name = ROLE_PREFIX + secrets.token_hex(8)
                    role = database = name
                    if password is None:
                        password, generated = secrets.token_urlsafe(24), True
                    _ensure_group(auto)
                    _execute(
                        auto,
                        sql.SQL(
                            "CREATE ROLE {} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE "
                            "NOREPLICATION NOBYPASSRLS PASSWORD {}"
                        ).format(
                            sql.Identifier(role),
                            sql.Literal(_scram_verifier(dbapi, role, password)),
                        ),
                    )
                    made["role"] = role
                    _execute(
                        auto,
                        sql.SQL("GRANT {} TO {}").format(
                            sql.Identifier(PG_GROUP_ROLE), sql.Identifier(role)
                        ),
                    )
                    _execute(
                        auto,
                        sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(
                            sql.Identifier(database)
                        ),
                    )
                    made["database"] = database
                else:
                    role, database = row.role, row.database
                    _check_registered_role(auto, tenant, role)
                    if password is not None:
                        _execute(
                            auto,
                            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                                sql.Identifier(role),
                                sql.Literal(_scram_verifier(dbapi, role, password)),
                            ),
                        )
                _apply_limits(auto, role, database, limits)
                tenant_engine = create_engine(url.set(database=database), json_serializer=dumps)
                try:
                    with tenant_engine.begin() as conn:
                        _set_up_tenant_database(conn, tenant, role)
                    if row is None:
                        copied = _copy_legacy_rows(auto, tenant_engine, tenant)
                        if copied:
                            notes.append(copied)
                finally:
                    tenant_engine.dispose()
                notes += _close_other_databases(auto)
                if row is None:
                    registry.execute(
                        text(
                            f"INSERT INTO {_REGISTRY} (tenant, role, database, created_at) "
                            "VALUES (:t, :r, :d, now())"
                        ),
                        {"t": tenant, "r": role, "d": database},
                    )
    except BaseException:
        _undo(engine, made)
        raise
    finally:
        engine.dispose()
    # URL.set() ignores None, so build the tenant's URL afresh: never the admin's password.
    tenant_url = URL.create(
        url.drivername,
        username=role,
        host=url.host,
        port=url.port,
        database=database,
        query={k: v for k, v in url.query.items() if k != "service"},
    ).render_as_string(hide_password=False)
    return TenantInfo(
        tenant=tenant,
        store=tenant_url,
        password=password if (generated or password is not None) else None,
        created=bool(made),
        notes=tuple(notes),
    )


def _admin_error(exc: BaseException, where: str) -> StoreError | None:
    """:func:`postgres_error`, and a refused privilege said as the administrator's problem."""
    mapped = postgres_error(exc, where)
    if mapped is not None:
        return mapped
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", "") == "42501":
        return StoreError(f"{where}: {one_line(exc.orig)}; setting tenants up needs a superuser")
    return None


def _dbapi(conn: Connection) -> Any:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    return dbapi


def _execute(conn: Connection, statement: Any) -> None:
    """Run a composed psycopg statement (identifiers quoted by psycopg) on ``conn``."""
    with _dbapi(conn).cursor() as cursor:
        cursor.execute(statement)


def _scram_verifier(dbapi: Any, role: str, password: str) -> str:
    """Hash the password client-side so that only a SCRAM verifier reaches the server."""
    try:
        return dbapi.pgconn.encrypt_password(
            password.encode(), role.encode(), b"scram-sha-256"
        ).decode()
    except Exception:  # older libpq: let the server hash it (password_encryption)
        return password


def _ensure_registry(conn: Connection) -> None:
    """Create ``gridsim_admin.tenants`` (administrator only) if absent."""
    conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{PG_ADMIN_SCHEMA}"')
    conn.exec_driver_sql(f'REVOKE ALL ON SCHEMA "{PG_ADMIN_SCHEMA}" FROM PUBLIC')
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {_REGISTRY} (tenant text PRIMARY KEY, "
        "role text NOT NULL UNIQUE, database text NOT NULL UNIQUE, "
        "created_at timestamptz NOT NULL)"
    )
    conn.exec_driver_sql(f"REVOKE ALL ON TABLE {_REGISTRY} FROM PUBLIC")


def _ensure_group(conn: Connection) -> None:
    has_group = conn.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": PG_GROUP_ROLE}
    ).first()
    if has_group is None:
        conn.exec_driver_sql(f'CREATE ROLE "{PG_GROUP_ROLE}" NOLOGIN')


def _check_registered_role(conn: Connection, tenant: str, role: str) -> None:
    found = conn.execute(
        text(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication "
            "FROM pg_roles WHERE rolname = :r"
        ),
        {"r": role},
    ).first()
    if found is None or any(found):
        raise StoreError(
            f"tenant {tenant!r}: its role {role!r} is missing or was given more rights than "
            "a tenant's (superuser, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION); "
            "refusing to touch it"
        )


def _apply_limits(conn: Connection, role: str, database: str, limits: TenantLimits) -> None:
    from psycopg import sql

    ident = sql.Identifier(role)
    _execute(
        conn,
        sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
            ident, sql.Literal(limits.connection_limit)
        ),
    )
    _execute(
        conn,
        sql.SQL("ALTER DATABASE {} CONNECTION LIMIT {}").format(
            sql.Identifier(database), sql.Literal(limits.connection_limit)
        ),
    )
    for name, value in {**limits.settings(), "search_path": PG_SCHEMA}.items():
        _execute(
            conn,
            sql.SQL("ALTER ROLE {} SET {} = {}").format(
                ident, sql.Identifier(name), sql.Literal(value)
            ),
        )


def _set_up_tenant_database(conn: Connection, tenant: str, role: str) -> None:
    """Tables, grants, the delete function and the hidden catalogs, in the tenant's database."""
    from psycopg import sql

    database = conn.execute(text("SELECT current_database()")).scalar_one()
    ident, schema = sql.Identifier(role), sql.Identifier(PG_SCHEMA)
    conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"')
    PG_TABLES.metadata.create_all(conn.execution_options(schema_translate_map={None: PG_SCHEMA}))
    statements: list[sql.Composable] = [
        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
        sql.SQL("REVOKE ALL ON SCHEMA public FROM PUBLIC"),
        sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident),
        sql.SQL(
            "INSERT INTO {}.gridsim_meta (key, value) VALUES ('tenant', {}), ('role', {}), "
            "('schema_version', {}) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ).format(schema, sql.Literal(tenant), sql.Literal(role), sql.Literal(SCHEMA_VERSION)),
    ]
    for table in ("experiments", "runs"):
        qualified = sql.SQL("{}.{}").format(schema, sql.Identifier(table))
        statements += [
            sql.SQL("ALTER TABLE {} ALTER COLUMN tenant_id SET DEFAULT {}").format(
                qualified, sql.Literal(tenant)
            ),
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS tenant_is_this_database").format(
                qualified
            ),
            sql.SQL(
                "ALTER TABLE {} ADD CONSTRAINT tenant_is_this_database CHECK (tenant_id = {})"
            ).format(qualified, sql.Literal(tenant)),
            sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(qualified, ident),
        ]
    statements += [
        sql.SQL("REVOKE ALL ON TABLE {}.gridsim_meta FROM PUBLIC, {}").format(schema, ident),
        sql.SQL("GRANT SELECT ON TABLE {}.gridsim_meta TO {}").format(schema, ident),
        sql.SQL("GRANT SELECT, INSERT ON TABLE {}.runs TO {}").format(schema, ident),
        sql.SQL("GRANT SELECT, INSERT ON TABLE {}.experiments TO {}").format(schema, ident),
        sql.SQL("GRANT UPDATE (spec, updated_at) ON TABLE {}.experiments TO {}").format(
            schema, ident
        ),
        sql.SQL(_DELETE_FUNCTION).format(schema=schema),
        sql.SQL("REVOKE ALL ON FUNCTION {}.delete_experiment(text) FROM PUBLIC").format(schema),
        sql.SQL("GRANT EXECUTE ON FUNCTION {}.delete_experiment(text) TO {}").format(schema, ident),
    ]
    for statement in statements:
        _execute(conn, statement)
    _hide_cluster_catalogs(conn)


_DELETE_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.delete_experiment(experiment text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  owner text := (SELECT value FROM {schema}.gridsim_meta WHERE key = 'tenant');
  login text := (SELECT value FROM {schema}.gridsim_meta WHERE key = 'role');
  deleted bigint;
BEGIN
  IF session_user <> login THEN
    RAISE EXCEPTION 'only the tenant of this database may delete its experiments'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM {schema}.runs WHERE tenant_id = owner AND runs.experiment = $1;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  DELETE FROM {schema}.experiments WHERE tenant_id = owner AND name = $1;
  RETURN deleted;
END
$fn$
"""


def _hide_cluster_catalogs(conn: Connection) -> None:
    """Revoke from PUBLIC, in this database, what describes other roles and databases."""
    for kind, catalog, cast, column, where, names, patterns in (
        ("TABLE", "pg_class c", "c.oid::regclass", "c.relname",
         "c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind IN ('r', 'v')",
         _HIDDEN_RELATIONS, _HIDDEN_RELATION_PATTERNS),
        ("FUNCTION", "pg_proc p", "p.oid::regprocedure", "p.proname",
         "p.pronamespace = 'pg_catalog'::regnamespace",
         _HIDDEN_FUNCTIONS, _HIDDEN_FUNCTION_PATTERNS),
    ):  # fmt: skip
        found = conn.execute(
            text(
                f"SELECT {cast}::text FROM {catalog} WHERE {where} "
                f"AND ({column} = ANY(:names) OR {column} LIKE ANY(:patterns))"
            ),
            {"names": list(names), "patterns": list(patterns)},
        ).scalars()
        for name in found:
            conn.exec_driver_sql(f"REVOKE ALL ON {kind} {name} FROM PUBLIC")


def _close_other_databases(conn: Connection) -> list[str]:
    """Take ``CONNECT`` from ``PUBLIC`` on every database that is not a tenant's.

    Roles that are not tenants (nor predefined ``pg_*`` roles) are granted it
    by name first, so that they keep what they had.

    Returns:
        One note per database changed.
    """
    from psycopg import sql

    open_databases = (
        conn.execute(
            text(
                "SELECT d.datname FROM pg_database d "
                "WHERE d.datallowconn AND d.datname NOT LIKE :prefix "
                "AND EXISTS (SELECT 1 FROM "
                "  aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
                "  WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') "
                "ORDER BY 1"
            ),
            {"prefix": ROLE_PREFIX + "%"},
        )
        .scalars()
        .all()
    )
    if not open_databases:
        return []
    others = (
        conn.execute(
            text(
                "SELECT r.rolname FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' "
                "AND NOT r.rolsuper AND r.rolname <> :group AND NOT EXISTS ("
                "  SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "  WHERE m.member = r.oid AND g.rolname = :group) ORDER BY 1"
            ),
            {"group": PG_GROUP_ROLE},
        )
        .scalars()
        .all()
    )
    notes = []
    for database in open_databases:
        ident = sql.Identifier(database)
        for role in others:
            _execute(
                conn,
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(ident, sql.Identifier(role)),
            )
        _execute(conn, sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(ident))
        kept = f" (kept for {', '.join(others)})" if others else ""
        notes.append(
            f"database {database!r}: CONNECT taken from PUBLIC, so tenants cannot reach it{kept}"
        )
    return notes


_LEGACY_COLUMNS = {
    "experiments": "tenant_id, name, spec, created_at, updated_at",
    "runs": (
        "tenant_id, experiment, scenario_hash, replication, model_version, scenario_name, "
        "gridsim_version, seed, scenario, wall_seconds, created_at, kpis, daily, grids"
    ),
}


def _copy_legacy_rows(admin: Connection, tenant_engine: Engine, tenant: str) -> str | None:
    """Copy the tenant's rows from an older gridsim's shared tables in the admin's database.

    Returns:
        A note saying how many were copied, or None if there were none.
    """
    legacy = admin.execute(
        text("SELECT to_regclass(:runs) IS NOT NULL AND to_regclass(:meta) IS NULL"),
        {"runs": f"{PG_SCHEMA}.runs", "meta": f"{PG_SCHEMA}.gridsim_meta"},
    ).scalar_one()
    if not legacy:
        return None
    source = _dbapi(admin)
    counts = {}
    with tenant_engine.begin() as conn:
        target = _dbapi(conn)
        for table, columns in _LEGACY_COLUMNS.items():
            with (
                source.cursor() as out_cursor,
                out_cursor.copy(
                    f'COPY (SELECT {columns} FROM "{PG_SCHEMA}".{table} '
                    f"WHERE tenant_id = %s) TO STDOUT",
                    (tenant,),
                ) as out,
                target.cursor() as in_cursor,
                in_cursor.copy(f'COPY "{PG_SCHEMA}".{table} ({columns}) FROM STDIN') as into,
            ):
                for data in out:
                    into.write(data)
        for table in _LEGACY_COLUMNS:
            counts[table] = conn.exec_driver_sql(
                f'SELECT count(*) FROM "{PG_SCHEMA}".{table}'
            ).scalar_one()
    if not any(counts.values()):
        return None
    return (
        f"copied {counts['experiments']} experiment(s) and {counts['runs']} run(s) of "
        f"tenant {tenant!r} from the old shared tables (schema {PG_SCHEMA!r} of the "
        "administrator's database); drop that schema and the old roles once every tenant "
        "is moved"
    )


def _undo(engine: Engine, made: dict[str, str]) -> None:
    """Drop the database and role a failed :func:`create_postgres_tenant` made."""
    if not made:
        return
    try:
        with engine.connect() as conn:
            if "database" in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{made["database"]}"')
            if "role" in made:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{made["role"]}"')
    except DBAPIError:  # the server went away: what is left has a random name, unused
        pass
