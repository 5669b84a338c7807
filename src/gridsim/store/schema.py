"""The store's tables, as SQLAlchemy Core metadata, for SQLite and for PostgreSQL.

Two tables hold a tenant's data: ``experiments`` (name → spec) and ``runs``
(one row per finished run, keyed by tenant, experiment, scenario hash,
replication and model version). Both carry ``tenant_id``; in PostgreSQL it
defaults to ``current_user``, which row-level security checks. An SQLite
file also has ``gridsim_meta`` (the tenant it belongs to and
:data:`SCHEMA_VERSION`); PostgreSQL keeps the tables in schema
:data:`PG_SCHEMA`.
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
    text,
)

from gridsim.store.codec import JsonColumn

__all__ = [
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
"""NOLOGIN role every tenant role is a member of; the RLS policies apply ``TO`` it."""

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
        meta: SQLite only: the tenant's name and the layout version (None in PostgreSQL).
    """

    metadata: MetaData
    experiments: Table
    runs: Table
    meta: Table | None


def tables(postgres: bool) -> Tables:
    """Build the store's tables.

    Args:
        postgres: True for PostgreSQL (``tenant_id`` defaults to ``current_user``,
            no ``gridsim_meta``), False for SQLite.

    Returns:
        The tables, in fresh metadata.
    """
    metadata = MetaData()
    # In PostgreSQL the owner is the connected role: the default fills it, RLS checks it.
    tenant_default = text("current_user") if postgres else None
    experiments = Table(
        "experiments",
        metadata,
        Column("tenant_id", Text, nullable=False, server_default=tenant_default),
        Column("name", Text, nullable=False),
        Column("spec", JsonColumn, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("tenant_id", "name", name="experiments_pkey"),
    )
    runs = Table(
        "runs",
        metadata,
        Column("tenant_id", Text, nullable=False, server_default=tenant_default),
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
    meta = (
        None
        if postgres
        else Table(
            "gridsim_meta",
            metadata,
            Column("key", Text, primary_key=True),
            Column("value", Text, nullable=False),
        )
    )
    return Tables(metadata, experiments, runs, meta)


SQLITE_TABLES = tables(postgres=False)
"""The tables of an SQLite store file."""

PG_TABLES = tables(postgres=True)
"""The tables in a PostgreSQL database (schema :data:`PG_SCHEMA`)."""
