"""The PostgreSQL backend: shared deployments, tenants kept apart by row-level security.

Tables live in schema ``gridsim`` and carry ``tenant_id text NOT NULL DEFAULT
current_user`` under forced row-level security; each tenant is a LOGIN role
of the same name and connects with its own credentials, so isolation holds
even for raw SQL. An administrator sets a tenant (and the schema, the first
time) up with :func:`create_postgres_tenant`.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text
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
from gridsim.store.schema import PG_GROUP_ROLE, PG_SCHEMA, PG_TABLES, Tables
from gridsim.store.urls import parse_url

__all__ = ["PostgresBackend", "create_postgres_tenant", "postgres_error", "postgres_url"]

_PG_LOCK_KEY = 0x67726964  # "grid": serialises concurrent create_postgres_tenant calls


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
    if isinstance(exc, SAOperationalError):  # connection refused, lost, bad password...
        return StoreUnavailableError(
            f"cannot use the PostgreSQL store {where}: {one_line(orig)}; check the host, "
            "port, database, user and password, and that the server is running"
        )
    return None


class PostgresBackend:
    """A tenant's rows in a PostgreSQL database, connected as the tenant's role.

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
        """Connect as the tenant's role and check the tables are there.

        Args:
            location: ``postgresql://tenant:password@host/db``; the user defaults
                to the tenant, the password may come from ``PGPASSWORD`` or
                ``~/.pgpass``.
            tenant: The tenant, whose role the URL must log in as.
            busy_timeout: Unused (PostgreSQL's writers do not queue on a file lock).
            create: Unused: only an administrator creates tenants
                (:func:`create_postgres_tenant`).

        Returns:
            The backend.

        Raises:
            InvalidStoreURLError: If the URL is malformed or names an unknown driver.
            TenantMismatchError: If the URL or the connection is another role's.
            SchemaMissingError: If the database has not been set up.
            StoreUnavailableError: If the server cannot be reached or logged into.
        """
        url = postgres_url(str(location) if isinstance(location, os.PathLike) else location)
        if url.username is None:
            url = url.set(username=tenant)
        elif url.username != tenant:
            raise TenantMismatchError(
                f"the URL logs in as role {url.username!r}, but the workspace is for "
                f"tenant {tenant!r}: connect with the tenant's own role"
            )
        try:
            engine = create_engine(
                url,
                json_serializer=dumps,
                pool_pre_ping=True,
                execution_options={"schema_translate_map": {None: PG_SCHEMA}},
            )
        except ArgumentError as exc:  # e.g. an unknown driver: postgresql+nosuch://
            raise InvalidStoreURLError(
                f"store URL {url.render_as_string(hide_password=True)!r}: {exc}"
            ) from None
        backend = cls(engine, url.render_as_string(hide_password=True))
        try:
            with translated(backend.translate), engine.connect() as conn:
                user, table = conn.execute(
                    text("SELECT current_user, to_regclass(:name)"),
                    {"name": f"{PG_SCHEMA}.runs"},
                ).one()
        except BaseException:
            backend.close()
            raise
        if user != tenant:
            backend.close()
            raise TenantMismatchError(f"connected as role {user!r}, not tenant {tenant!r}")
        if table is None:
            backend.close()
            raise SchemaMissingError(
                f"{backend.location}: no gridsim tables (schema {PG_SCHEMA!r}); an administrator "
                "must run gridsim.workspace.create_tenant(ADMIN_URL, tenant) first"
            )
        return backend

    def engine(self, *, write: bool) -> Engine:
        """The engine (the same for reading and writing)."""
        return self._engine

    def insert(self, table: Table) -> pg_dialect.Insert:
        """PostgreSQL's ``INSERT`` (with ``ON CONFLICT``) into ``table``."""
        return pg_dialect.insert(table)

    def translate(self, exc: BaseException) -> StoreError | None:
        """The store error for a database error (see :func:`postgres_error`)."""
        return postgres_error(exc, self.location)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


def create_postgres_tenant(
    admin_url: str | URL, tenant: str, password: str | None = None
) -> TenantInfo:
    """Set up a tenant in a PostgreSQL database (and the schema if absent); idempotent.

    Run as an administrator who may create roles and owns (or may create) the
    ``gridsim`` schema. In one transaction, under an advisory lock, it:

    * creates the NOLOGIN group role ``gridsim_tenants``, the schema ``gridsim``
      and the tables if absent (owned by the administrator), with
      ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and one policy per table,
      ``TO gridsim_tenants USING (tenant_id = current_user) WITH CHECK
      (tenant_id = current_user)``;
    * creates the LOGIN role ``tenant`` (NOSUPERUSER, NOCREATEDB, NOCREATEROLE,
      NOREPLICATION, NOBYPASSRLS) with a SCRAM password, or changes the
      password of an existing tenant role if one is given;
    * makes it a member of ``gridsim_tenants`` and grants it, directly,
      ``USAGE`` on the schema, ``SELECT, INSERT, UPDATE, DELETE`` on
      ``experiments`` and ``SELECT, INSERT, DELETE`` on ``runs`` (stored
      results are never rewritten, so no ``UPDATE`` there). The group role
      itself holds no privileges, so ``SET ROLE gridsim_tenants`` gains nothing.

    Args:
        admin_url: PostgreSQL URL of an administrator (superuser or CREATEROLE
            role that owns the schema), e.g. ``postgresql://admin:pw@host/db``.
        tenant: Tenant name; also the name of its role.
        password: The tenant role's password. If None, a new role gets a
            generated one (returned) and an existing role keeps its password.

    Returns:
        The tenant's store URL (without password) and the password if set now.

    Raises:
        InvalidTenantError: If the name is invalid or reserved.
        StoreError: If a role of that name exists but is not a gridsim tenant
            role (e.g. an administrator), or has superuser or BYPASSRLS rights.
    """
    from psycopg import sql

    validate_tenant(tenant)
    url = postgres_url(admin_url)
    engine = create_engine(url, json_serializer=dumps)
    where = url.render_as_string(hide_password=True)
    generated = False
    try:
        with translated(lambda exc: postgres_error(exc, where)), engine.begin() as conn:
            conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            created = _ensure_schema(conn)
            role = conn.execute(
                text(
                    "SELECT r.rolsuper, r.rolbypassrls, "
                    "EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "        WHERE m.member = r.oid AND g.rolname = :group) AS is_tenant "
                    "FROM pg_roles r WHERE r.rolname = :tenant"
                ),
                {"tenant": tenant, "group": PG_GROUP_ROLE},
            ).first()
            if role is not None and (not role.is_tenant or role.rolsuper or role.rolbypassrls):
                raise StoreError(
                    f"role {tenant!r} already exists and is not a plain gridsim tenant role "
                    "(not a member of gridsim_tenants, or superuser/BYPASSRLS); "
                    "refusing to touch it"
                )
            if role is None and password is None:
                password, generated = secrets.token_urlsafe(24), True
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            ident = sql.Identifier(tenant)
            secret = None if password is None else _scram_verifier(dbapi, tenant, password)
            statements: list[sql.Composable] = []
            if role is None:
                created = True
                statements.append(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        "NOREPLICATION NOBYPASSRLS PASSWORD {}"
                    ).format(ident, sql.Literal(secret))
                )
                statements.append(
                    sql.SQL("GRANT {} TO {}").format(sql.Identifier(PG_GROUP_ROLE), ident)
                )
            elif secret is not None:
                statements.append(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(secret))
                )
            schema = sql.Identifier(PG_SCHEMA)
            statements += [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(conn.execute(text("SELECT current_database()")).scalar_one()),
                    ident,
                ),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident),
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {}.experiments TO {}").format(
                    schema, ident
                ),
                sql.SQL("GRANT SELECT, INSERT, DELETE ON {}.runs TO {}").format(schema, ident),
                sql.SQL("ALTER ROLE {} SET search_path = {}").format(ident, schema),
            ]
            with dbapi.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    finally:
        engine.dispose()
    # URL.set() ignores None, so build the tenant's URL afresh: never the admin's password.
    tenant_url = URL.create(
        url.drivername,
        username=tenant,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    return TenantInfo(
        tenant=tenant,
        store=tenant_url,
        password=password if (generated or password is not None) else None,
        created=created,
    )


def _scram_verifier(dbapi: Any, tenant: str, password: str) -> str:
    """Hash the password client-side so that only a SCRAM verifier reaches the server."""
    try:
        return dbapi.pgconn.encrypt_password(
            password.encode(), tenant.encode(), b"scram-sha-256"
        ).decode()
    except Exception:  # older libpq: let the server hash it (password_encryption)
        return password


def _ensure_schema(conn: Connection) -> bool:
    """Create the group role, schema, tables, RLS and policies if absent.

    Returns:
        True if anything was created.
    """
    created = False
    has_group = conn.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": PG_GROUP_ROLE}
    ).first()
    if has_group is None:
        conn.exec_driver_sql(f'CREATE ROLE "{PG_GROUP_ROLE}" NOLOGIN')
        created = True
    has_schema = conn.execute(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": PG_SCHEMA}
    ).first()
    if has_schema is None:
        conn.exec_driver_sql(f'CREATE SCHEMA "{PG_SCHEMA}"')
        created = True
    conn.exec_driver_sql(f'REVOKE ALL ON SCHEMA "{PG_SCHEMA}" FROM PUBLIC')
    ddl = conn.execution_options(schema_translate_map={None: PG_SCHEMA})
    PG_TABLES.metadata.create_all(ddl)
    for table in (PG_TABLES.experiments, PG_TABLES.runs):
        qualified = f'"{PG_SCHEMA}"."{table.name}"'
        conn.exec_driver_sql(f"REVOKE ALL ON TABLE {qualified} FROM PUBLIC")
        conn.exec_driver_sql(f"ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"ALTER TABLE {qualified} FORCE ROW LEVEL SECURITY")
        has_policy = conn.execute(
            text(
                "SELECT 1 FROM pg_policies "
                "WHERE schemaname = :s AND tablename = :t AND policyname = 'tenant_isolation'"
            ),
            {"s": PG_SCHEMA, "t": table.name},
        ).first()
        if has_policy is None:
            conn.exec_driver_sql(
                f"CREATE POLICY tenant_isolation ON {qualified} AS PERMISSIVE FOR ALL "
                f'TO "{PG_GROUP_ROLE}" '
                "USING (tenant_id = current_user) WITH CHECK (tenant_id = current_user)"
            )
            created = True
    return created
