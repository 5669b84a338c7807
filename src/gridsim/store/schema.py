"""The store's tables, as SQLAlchemy Core metadata, for SQLite and for PostgreSQL.

Two tables hold a tenant's data: ``experiments`` (name → spec) and ``runs``
(one row per finished run, keyed by tenant, experiment, scenario hash,
replication and model version). Both carry ``tenant_id``. A third,
``gridsim_meta``, records the tenant the store belongs to and
:data:`SCHEMA_VERSION` (and, in PostgreSQL, the tenant's login role). An
SQLite store is one file; a PostgreSQL store is one database per tenant,
with the tables in schema :data:`PG_SCHEMA` and ``tenant_id`` checked to be
the database's tenant (see :mod:`gridsim.store.postgres`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

from gridsim.store.codec import JsonColumn

__all__ = [
    "PG_ADMIN_SCHEMA",
    "PG_GROUP_ROLE",
    "PG_SCHEMA",
    "PG_TABLES",
    "RUN_COLUMNS",
    "SCHEMA_VERSION",
    "SQLITE_TABLES",
    "Tables",
    "tables",
]

SCHEMA_VERSION = "1"
"""Version of the table layout, recorded in each SQLite file."""

PG_SCHEMA = "gridsim"
"""PostgreSQL schema that holds the store's tables."""

PG_GROUP_ROLE = "gridsim_tenants"
"""NOLOGIN role every tenant's login role is a member of; it holds no privileges."""

PG_ADMIN_SCHEMA = "gridsim_admin"
"""Schema, in the administrator's database, of the registry: tenant → role and database."""

RUN_COLUMNS = (
    "experiment",
    "scenario_hash",
    "replication",
    "model_version",
    "scenario_name",
    "seed",
    "gridsim_version",
    "wall_seconds",
    "created_at",
)
"""The provenance columns of ``runs`` that ``Store.list_runs`` shows, in order."""


@dataclass(frozen=True)
class Tables:
    """The store's tables in one kind of database.

    Attributes:
        metadata: Metadata holding them all (``create_all`` makes them).
        experiments: Experiment name → spec.
        runs: One row per finished run.
        meta: ``gridsim_meta``: the tenant's name, the layout version and, in
            PostgreSQL, the tenant's role.
    """

    metadata: MetaData
    experiments: Table
    runs: Table
    meta: Table


def tables(postgres: bool) -> Tables:
    """Build the store's tables.

    Args:
        postgres: True for PostgreSQL, False for SQLite (the same columns; the
            PostgreSQL tenant's database adds the default and check of
            ``tenant_id`` when it is set up).

    Returns:
        The tables, in fresh metadata.
    """
    metadata = MetaData()
    experiments = Table(
        "experiments",
        metadata,
        Column("tenant_id", Text, nullable=False),
        Column("name", Text, nullable=False),
        Column("spec", JsonColumn, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("tenant_id", "name", name="experiments_pkey"),
    )
    runs = Table(
        "runs",
        metadata,
        Column("tenant_id", Text, nullable=False),
        Column("experiment", Text, nullable=False),
        Column("scenario_hash", Text, nullable=False),
        Column("replication", Integer, nullable=False),
        Column("model_version", Text, nullable=False),
        Column("scenario_name", Text, nullable=False),
        Column("gridsim_version", Text, nullable=False),
        Column("seed", BigInteger, nullable=False),
        Column("scenario", JsonColumn, nullable=False),
        Column("wall_seconds", Float, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("kpis", JsonColumn, nullable=False),
        Column("daily", JsonColumn, nullable=False),
        Column("grids", JsonColumn, nullable=False),
        PrimaryKeyConstraint(
            "tenant_id",
            "experiment",
            "scenario_hash",
            "replication",
            "model_version",
            name="runs_pkey",
        ),
    )
    meta = Table(
        "gridsim_meta",
        metadata,
        Column("key", Text, primary_key=True),
        Column("value", Text, nullable=False),
    )
    return Tables(metadata, experiments, runs, meta)


SQLITE_TABLES = tables(postgres=False)
"""The tables of an SQLite store file."""

PG_TABLES = tables(postgres=True)
"""The tables in a PostgreSQL database (schema :data:`PG_SCHEMA`)."""
