"""The results store: every finished run of every tenant, with its provenance, as JSON.

The layer's modules, each one concept:

* :mod:`~gridsim.store.workspace` — :class:`Workspace`, a tenant's experiments
  and runs, and :func:`create_tenant` (what most callers use);
* :mod:`~gridsim.store.store` — :class:`Store`, the queries, the same for every
  database;
* :mod:`~gridsim.store.base` — :class:`Backend`, what the store needs from a
  database; :mod:`~gridsim.store.sqlite` and :mod:`~gridsim.store.postgres`
  implement it, :mod:`~gridsim.store.registry` picks one for a location;
* :mod:`~gridsim.store.schema` (tables), :mod:`~gridsim.store.codec` (JSON
  text), :mod:`~gridsim.store.keys` (tenant names, run keys),
  :mod:`~gridsim.store.records` (what is read back), :mod:`~gridsim.store.urls`
  and :mod:`~gridsim.store.errors` (the :class:`StoreError` tree).

Every name that was importable from the single-module ``gridsim.store`` still is.
"""

from gridsim.store.base import Backend, BackendFactory
from gridsim.store.codec import EncodedResult, EncodedRun, JsonText, encode_result, json_text
from gridsim.store.errors import (
    InvalidStoreURLError,
    InvalidTenantError,
    NotAStoreError,
    SchemaMissingError,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreNotFoundError,
    StoreNotPrivateError,
    StoreUnavailableError,
    TenantMismatchError,
)
from gridsim.store.keys import (
    RESERVED_TENANTS,
    TENANT_PATTERN,
    RunKey,
    current_model_version,
    run_key,
    validate_tenant,
)
from gridsim.store.postgres import TenantLimits, create_postgres_tenant
from gridsim.store.records import RunRecord, TenantInfo
from gridsim.store.registry import register_backend
from gridsim.store.schema import PG_ADMIN_SCHEMA, PG_GROUP_ROLE, PG_SCHEMA, SCHEMA_VERSION
from gridsim.store.sqlite import create_sqlite_tenant
from gridsim.store.store import Store
from gridsim.store.urls import is_url, parse_url
from gridsim.store.workspace import Workspace, create_tenant

__all__ = [
    "PG_ADMIN_SCHEMA",
    "PG_GROUP_ROLE",
    "PG_SCHEMA",
    "RESERVED_TENANTS",
    "SCHEMA_VERSION",
    "TENANT_PATTERN",
    "Backend",
    "BackendFactory",
    "EncodedResult",
    "EncodedRun",
    "InvalidStoreURLError",
    "InvalidTenantError",
    "JsonText",
    "NotAStoreError",
    "RunKey",
    "RunRecord",
    "SchemaMissingError",
    "Store",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreNotFoundError",
    "StoreNotPrivateError",
    "StoreUnavailableError",
    "TenantInfo",
    "TenantLimits",
    "TenantMismatchError",
    "Workspace",
    "create_postgres_tenant",
    "create_sqlite_tenant",
    "create_tenant",
    "current_model_version",
    "encode_result",
    "is_url",
    "json_text",
    "parse_url",
    "register_backend",
    "run_key",
    "validate_tenant",
]
