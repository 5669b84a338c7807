"""Tenant-scoped results store: every finished run, with its provenance, as JSON.

Runs are written and committed as they complete, keyed by (tenant,
experiment, scenario content hash, replication, model version), so an
interrupted experiment can be resumed by computing only the keys that are
missing (:meth:`Store.missing`). The model version is the model's
fingerprint (:func:`gridsim.fingerprint.model_fingerprint`, a hash of the
code and package versions that compute results), so a changed model is
never served the runs of an older one; those stay stored, under their own
version, and are listed but not reused. Writes are insert-if-absent (``INSERT ... ON
CONFLICT DO NOTHING``): writing a key twice keeps the first row. Nothing is
pickled: KPIs, the daily series and the per-grid table are stored as JSON text
(column → list), with NaN and ±inf stored as ``null``. A sweep's workers encode
that text themselves (:class:`EncodedRun`, :meth:`Store.write_runs`), so the
process that writes the store only inserts it.

Two back ends, both through SQLAlchemy Core:

* **SQLite** (embedded default): one database file per tenant, created whole
  (built under a temporary name beside it, then linked into place) with mode
  0600, in WAL mode (``synchronous = NORMAL``: a commit survives the
  process being killed, though not necessarily a power cut) with a busy
  timeout; every write transaction starts with ``BEGIN IMMEDIATE`` so that
  concurrent writers queue on the busy timeout instead of failing on a lock
  upgrade. The file records the tenant it belongs to and refuses to be opened
  for another. gridsim never writes to, converts or changes the mode of a
  file that is not already one of its stores: an empty file, another
  SQLite database or any other file is refused (:class:`NotAStoreError`),
  and a store is only created where no file is (``create=True``).
* **PostgreSQL** (shared deployments): tables in schema ``gridsim`` carry
  ``tenant_id text NOT NULL DEFAULT current_user`` under forced row-level
  security; each tenant is a LOGIN role of the same name and connects with its
  own credentials, so isolation holds even for raw SQL. Set a tenant (and the
  schema, the first time) up with :func:`create_postgres_tenant`.

Most callers use :class:`gridsim.workspace.Workspace`, which picks the file or
URL for a tenant and builds the :class:`Store`.

Every problem with the store a user can fix — a file that is not a store, a
damaged or missing store, a malformed URL, an unreachable server, a full
disk, a lock held too long, another tenant's store — is a :class:`StoreError`
(an :class:`gridsim.fileio.InputError`) whose message names the store and
says what to do; the command line reports it with exit code 2.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import re
import secrets
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.types import TypeDecorator

from gridsim import fingerprint
from gridsim.fileio import InputError
from gridsim.kpis import KPI_NAMES, RunResult

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

    from gridsim.scenario import Scenario

__all__ = [
    "PG_GROUP_ROLE",
    "PG_SCHEMA",
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
    "StoreUnavailableError",
    "TenantInfo",
    "TenantMismatchError",
    "create_postgres_tenant",
    "create_sqlite_tenant",
    "current_model_version",
    "encode_result",
    "is_url",
    "json_text",
    "parse_url",
    "run_key",
    "validate_tenant",
]

TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
"""Tenant names: a lower-case letter, then 1–39 lower-case letters, digits or ``_``."""

PG_SCHEMA = "gridsim"
"""PostgreSQL schema that holds the store's tables."""

PG_GROUP_ROLE = "gridsim_tenants"
"""NOLOGIN role every tenant role is a member of; the RLS policies apply ``TO`` it."""

RESERVED_TENANTS = frozenset({"public", "postgres", "gridsim", PG_GROUP_ROLE, "none"})
"""Names that would collide with PostgreSQL or gridsim roles (``pg_*`` is reserved too)."""

SCHEMA_VERSION = "1"
"""Version of the table layout, recorded in each SQLite file."""

_PG_LOCK_KEY = 0x67726964  # "grid": serialises concurrent create_postgres_tenant calls
_SQLITE_BEGIN = "gridsim_sqlite_begin"  # execution option read by the "begin" listener


_SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP}


class StoreError(InputError):
    """A store that cannot be used as asked; the message names it and says what to do.

    An :class:`~gridsim.fileio.InputError`: the command line reports it as
    ``gridsim: <message>`` with exit code 2.
    """


class InvalidTenantError(StoreError, ValueError):
    """A tenant name that does not match :data:`TENANT_PATTERN` or is reserved."""


class InvalidStoreURLError(StoreError, ValueError):
    """A store location that cannot be parsed, or names no file or server gridsim can use."""


class TenantMismatchError(StoreError):
    """A database or connection that belongs to another tenant than the one asked for."""


class SchemaMissingError(StoreError):
    """A PostgreSQL database where :func:`create_postgres_tenant` has not been run."""


class StoreNotFoundError(StoreError):
    """No store where one was to be read (and nothing is created for a read)."""


class NotAStoreError(StoreError):
    """A file that is not a gridsim store (empty, another format, another SQLite database)."""


class StoreDamagedError(StoreError):
    """A gridsim store whose file is corrupt or truncated."""


class StoreUnavailableError(StoreError):
    """A store that cannot be reached, read or written (server down, permissions, I/O)."""


class StoreBusyError(StoreUnavailableError):
    """Another process held the store's write lock for longer than the busy timeout."""


class StoreFullError(StoreError):
    """The disk (or the database's size limit) is full; runs stored so far are kept."""


def validate_tenant(tenant: str) -> str:
    """Check a tenant name and return it.

    Args:
        tenant: Proposed tenant name, e.g. ``"yuelu"``.

    Returns:
        The same name.

    Raises:
        InvalidTenantError: If the name does not match ``^[a-z][a-z0-9_]{1,39}$``
            or is reserved (``public``, ``postgres``, ``gridsim``,
            ``gridsim_tenants``, ``none``, anything starting with ``pg_``).
    """
    if not isinstance(tenant, str) or not TENANT_PATTERN.fullmatch(tenant):
        raise InvalidTenantError(
            f"invalid tenant name {tenant!r}: use 2-40 characters, a lower-case letter "
            "first, then lower-case letters, digits or '_' (e.g. 'yuelu_2013')"
        )
    if tenant in RESERVED_TENANTS or tenant.startswith("pg_"):
        raise InvalidTenantError(
            f"invalid tenant name {tenant!r}: the name is reserved (database role names)"
        )
    return tenant


def is_url(location: str | os.PathLike[str] | URL) -> bool:
    """Whether a store location is a database URL rather than a filesystem path.

    Args:
        location: A path, a URL string such as ``postgresql://...``, or a URL.

    Returns:
        True for URLs.
    """
    return isinstance(location, URL) or (
        isinstance(location, str) and re.match(r"^[a-z][a-z0-9+]*://", location) is not None
    )


def _redact(location: str) -> str:
    """A URL as text with any password replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", location)


def parse_url(location: str | URL) -> URL:
    """Parse a store URL, refusing malformed ones with a message that says what is wrong.

    Args:
        location: e.g. ``postgresql://TENANT:PASSWORD@HOST:5432/DB``,
            ``sqlite:///relative/file.sqlite`` or ``sqlite:////absolute/file.sqlite``.

    Returns:
        The URL; ``postgres://`` is read as ``postgresql://``.

    Raises:
        InvalidStoreURLError: If the URL cannot be parsed (e.g. a port that is not
            a number).
    """
    if isinstance(location, URL):
        return location
    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        text_ = str(exc)
        reason = "the port must be a number" if "invalid literal for int()" in text_ else text_
        raise InvalidStoreURLError(
            f"malformed store URL {_redact(location)!r}: {reason}; expected e.g. "
            "postgresql://TENANT:PASSWORD@HOST:5432/DB, sqlite:///relative/file.sqlite "
            "or a plain path"
        ) from None
    if url.drivername.split("+")[0] == "postgres":  # the alias many hosting services print
        url = url.set(drivername="postgresql" + url.drivername[len("postgres") :])
    if url.get_backend_name() == "sqlite" and url.host:
        raise InvalidStoreURLError(
            f"store URL {_redact(str(location))!r} names a host ({url.host!r}), which SQLite "
            "has not: write sqlite:///relative/file.sqlite (three slashes) or "
            "sqlite:////absolute/file.sqlite (four), or give a plain path"
        )
    return url


def _gridsim_version() -> str:
    import gridsim

    return gridsim.__version__


def current_model_version() -> str:
    """The model version new runs are stored under and stored runs must match.

    Returns:
        :func:`gridsim.fingerprint.model_fingerprint`: a hash of the code and
        package versions that compute results (computed once per process).
    """
    return fingerprint.model_fingerprint()


class RunKey(NamedTuple):
    """What identifies a run within a tenant's experiment."""

    scenario_hash: str
    replication: int
    model_version: str


def run_key(scenario: Scenario, replication: int, model_version: str | None = None) -> RunKey:
    """The key a run of ``scenario`` is stored under.

    Args:
        scenario: The resolved scenario.
        replication: Replication number.
        model_version: Model version; defaults to :func:`current_model_version`
            (the model's fingerprint).

    Returns:
        The key.
    """
    return RunKey(
        scenario.content_hash(), int(replication), model_version or current_model_version()
    )


# ---------------------------------------------------------------------------
# JSON


class JsonText(str):
    """JSON text that the store writes as is (already encoded, never re-encoded).

    Made by :func:`json_text`. A sweep's results are encoded where each run
    happened (:func:`gridsim.executors.run_task`, in a worker), so the process
    that writes the store only inserts text.
    """

    __slots__ = ()


def _number_list(array: np.ndarray) -> list[Any] | None:
    """A 1-D numeric array as a JSON list (NaN/±inf as None); None if not numeric."""
    kind = array.dtype.kind
    if array.ndim != 1 or kind not in "iubf" or array.dtype.itemsize > 8:
        return None
    out = array.tolist()
    if kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            for i in np.flatnonzero(bad).tolist():
                out[i] = None
    return out


def _jsonable(value: Any) -> Any:
    """Plain JSON data: numpy scalars to Python, NaN/±inf/NA to None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) or (
        isinstance(value, pd.Series) and isinstance(value.dtype, np.dtype)
    ):
        # A numeric column in one step (the same values as element by element).
        numbers = _number_list(value if isinstance(value, np.ndarray) else value.to_numpy())
        if numbers is not None:
            return numbers
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def _dumps(value: Any) -> str:
    if isinstance(value, JsonText):  # encoded already: PostgreSQL's serialiser passes it on
        return str(value)
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def json_text(value: Any) -> JsonText:
    """Encode data exactly as the store encodes a JSON column.

    numpy scalars and arrays become Python numbers and lists, NaN, ±inf and
    NA become ``null``; numeric arrays and Series are converted in one step.

    Args:
        value: Data for a JSON column (dicts, lists, arrays, Series, numbers...).

    Returns:
        The JSON text, marked so that the store inserts it without encoding it again.
    """
    return value if isinstance(value, JsonText) else JsonText(_dumps(_jsonable(value)))


class _JsonText(TypeDecorator[Any]):
    """JSON stored as text: ``TEXT`` in SQLite, ``json`` (order-preserving) in PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(pg_dialect.JSON())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, JsonText):  # SQLite: the text; PostgreSQL: _dumps passes it on
            return value if dialect.name == "postgresql" else str(value)
        clean = _jsonable(value)
        # PostgreSQL's JSON type serialises with the engine's strict serialiser.
        return clean if dialect.name == "postgresql" else _dumps(clean)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str) and dialect.name != "postgresql":
            return json.loads(value)
        return value


def _frame_to_json(frame: pd.DataFrame) -> JsonText:
    """A frame as the store keeps it: JSON text of column → list of values."""
    return json_text({str(col): frame[col] for col in frame.columns})


def _frame_from_json(data: Mapping[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame({k: list(v) for k, v in data.items()})
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].isna().all():
            frame[col] = frame[col].astype(float)
    return frame


def _kpis_from_json(data: Mapping[str, Any]) -> dict[str, float]:
    return {k: float("nan") if v is None else v for k, v in data.items()}


# ---------------------------------------------------------------------------
# tables


@dataclass(frozen=True)
class _Schema:
    metadata: MetaData
    experiments: Table
    runs: Table
    meta: Table | None


def _schema(postgres: bool) -> _Schema:
    metadata = MetaData()
    # In PostgreSQL the owner is the connected role: the default fills it, RLS checks it.
    tenant_default = text("current_user") if postgres else None
    experiments = Table(
        "experiments",
        metadata,
        Column("tenant_id", Text, nullable=False, server_default=tenant_default),
        Column("name", Text, nullable=False),
        Column("spec", _JsonText, nullable=False),
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
        Column("scenario", _JsonText, nullable=False),
        Column("wall_seconds", Float, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("kpis", _JsonText, nullable=False),
        Column("daily", _JsonText, nullable=False),
        Column("grids", _JsonText, nullable=False),
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
    return _Schema(metadata, experiments, runs, meta)


_SQLITE_SCHEMA = _schema(postgres=False)
_PG_SCHEMA = _schema(postgres=True)

_RUN_COLUMNS = (
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


# ---------------------------------------------------------------------------
# records


class EncodedResult(NamedTuple):
    """A run's results in the store's row format: JSON text, ready to insert.

    Made where the run happened (:func:`encode_result`, or
    :func:`gridsim.executors.run_task` in a worker), so that the process
    writing the store spends no time encoding.

    Attributes:
        kpis: District KPIs (:func:`json_text` of a dict).
        daily: Daily series (:func:`json_text` of column → values).
        grids: Per-grid table (:func:`json_text` of column → values).
        wall_seconds: Wall time of the simulation.
    """

    kpis: str
    daily: str
    grids: str
    wall_seconds: float


class EncodedRun(NamedTuple):
    """One row for :meth:`Store.write_runs`: a run's key, provenance and results.

    Attributes:
        scenario_hash: :meth:`Scenario.content_hash` of the resolved scenario.
        replication: Replication number.
        scenario_name: Scenario name.
        seed: Root seed (the scenario's ``simulation.seed``).
        scenario: :func:`json_text` of the resolved scenario (:meth:`Scenario.to_dict`).
        result: The run's encoded results.
    """

    scenario_hash: str
    replication: int
    scenario_name: str
    seed: int
    scenario: str
    result: EncodedResult


def encode_result(result: RunResult) -> EncodedResult:
    """A run's KPIs, daily series and grid table as the store writes them.

    Args:
        result: The run's result.

    Returns:
        The JSON text of each (NaN and ±inf as ``null``).
    """
    return EncodedResult(
        kpis=json_text(result.kpis),
        daily=_frame_to_json(result.daily),
        grids=_frame_to_json(result.grids),
        wall_seconds=float(result.wall_seconds),
    )


@dataclass(frozen=True)
class RunRecord:
    """One stored run, decoded.

    Attributes:
        experiment: Experiment name.
        scenario_hash: :meth:`Scenario.content_hash` of the resolved scenario.
        replication: Replication number.
        model_version: Model version the run was computed with.
        scenario_name: Scenario name.
        seed: Root seed.
        gridsim_version: gridsim version that computed the run.
        scenario: The resolved scenario (:meth:`Scenario.to_dict`).
        wall_seconds: Wall time of the simulation.
        created_at: When the row was written (UTC).
        kpis: District KPIs; ``null`` is read back as NaN.
        daily: Daily series (``day``, ``new``, ``closed``, ``open``).
        grids: Per-grid table.
    """

    experiment: str
    scenario_hash: str
    replication: int
    model_version: str
    scenario_name: str
    seed: int
    gridsim_version: str
    scenario: dict[str, Any] = field(repr=False)
    wall_seconds: float
    created_at: datetime
    kpis: dict[str, float] = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    grids: pd.DataFrame = field(repr=False)

    @property
    def key(self) -> RunKey:
        """The run's key within its experiment."""
        return RunKey(self.scenario_hash, self.replication, self.model_version)

    def to_result(self) -> RunResult:
        """The run as a :class:`~gridsim.kpis.RunResult` (for tables and reports)."""
        return RunResult(
            scenario=self.scenario_name,
            seed=self.seed,
            replication=self.replication,
            kpis=dict(self.kpis),
            grids=self.grids.copy(),
            daily=self.daily.copy(),
            wall_seconds=self.wall_seconds,
        )


@dataclass(frozen=True)
class TenantInfo:
    """What :func:`create_sqlite_tenant` / :func:`create_postgres_tenant` set up.

    Attributes:
        tenant: Tenant name.
        store: Where the tenant's workspace lives: the SQLite file, or the
            PostgreSQL URL for the tenant's role (without the password).
        password: The password set for the tenant's role (generated if none was
            given to a new role); None for SQLite or when an existing role's
            password was left unchanged.
        created: False if everything already existed (an idempotent rerun).
    """

    tenant: str
    store: str
    password: str | None = field(default=None, repr=False)
    created: bool = True

    def url_with_password(self) -> str:
        """The store URL with the password filled in (PostgreSQL only).

        Returns:
            A URL to pass as ``store=`` to :class:`~gridsim.workspace.Workspace`.

        Raises:
            StoreError: If this is not a PostgreSQL tenant or no password is known.
        """
        if not is_url(self.store) or self.password is None:
            raise StoreError(f"no PostgreSQL password known for tenant {self.tenant!r}")
        return make_url(self.store).set(password=self.password).render_as_string(False)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---------------------------------------------------------------------------
# engines


def _postgres_url(url: str | URL) -> URL:
    parsed = parse_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise InvalidStoreURLError(f"not a PostgreSQL URL: {parsed.render_as_string(True)}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_engine(path: Path, busy_timeout: float) -> Engine:
    engine = create_engine(
        URL.create("sqlite+pysqlite", database=str(path)), json_serializer=_dumps
    )
    timeout_ms = max(0, int(busy_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Documented SQLAlchemy recipe: stop pysqlite from issuing its own BEGIN,
        # then emit ours in the "begin" event.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            mode = cursor.fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreUnavailableError(
                    f"{path}: SQLite cannot use WAL mode here (got {mode}); network file "
                    "systems often lack it: keep the store on a local disk"
                )
            # In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a
            # committed run survives the writing process being killed (the WAL is
            # in the OS's hands), only a power cut may lose the last commits.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise RuntimeError(f"unknown SQLite transaction mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _postgres_engine(url: URL) -> Engine:
    return create_engine(
        url,
        json_serializer=_dumps,
        pool_pre_ping=True,
        execution_options={"schema_translate_map": {None: PG_SCHEMA}},
    )


def _one_line(exc: BaseException) -> str:
    """A driver's message on one line (psycopg's span several)."""
    return "; ".join(part.strip() for part in str(exc).splitlines() if part.strip())


def _sqlite_error(exc: sqlite3.Error, where: str) -> StoreError | None:
    """The store error for an SQLite error a user can act on, or None (a bug: re-raise)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    said = f"SQLite: {_one_line(exc)}"
    if name.startswith("SQLITE_FULL"):
        return StoreFullError(
            f"{where}: the disk is full, or the store reached its size limit ({said}); "
            "free space and run again: the runs stored so far are kept"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreBusyError(
            f"{where}: another process held the store's lock past the busy timeout ({said}); "
            "let it finish, then run again"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return StoreDamagedError(
            f"{where}: the gridsim store is damaged ({said}); restore it from a backup, "
            "or name another --store"
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StoreUnavailableError(
            f"{where}: cannot open or write the store ({said}); check the permissions of the "
            "file and of its folder"
        )
    if name.startswith("SQLITE_IOERR"):
        return StoreUnavailableError(f"{where}: the disk failed to read or write ({said})")
    return None


def _db_error(exc: DBAPIError, where: str, dialect: str) -> StoreError | None:
    """The store error for a database error a user can act on, or None (a bug: re-raise)."""
    orig = exc.orig
    if dialect == "sqlite":
        return _sqlite_error(orig, where) if isinstance(orig, sqlite3.Error) else None
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "53100":  # disk_full
        return StoreFullError(
            f"{where}: the database server's disk is full ({_one_line(orig)}); free space "
            "and run again: the runs stored so far are kept"
        )
    if isinstance(exc, SAOperationalError):  # connection refused, lost, bad password...
        return StoreUnavailableError(
            f"cannot use the PostgreSQL store {where}: {_one_line(orig)}; check the host, "
            "port, database, user and password, and that the server is running"
        )
    return None


def _os_error(exc: OSError, where: str) -> StoreError:
    """The store error for an operating-system error on the store's file or folder."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(
            f"{where}: no space left ({exc.strerror}); free space and run again: the runs "
            "stored so far are kept"
        )
    return StoreUnavailableError(f"{where}: {exc.strerror or exc}")


@contextmanager
def _translated(where: str, dialect: str) -> Iterator[None]:
    """Raise the :class:`StoreError` a user can act on instead of a driver's error."""
    try:
        yield
    except DBAPIError as exc:
        mapped = _db_error(exc, where, dialect)
        if mapped is None:
            raise
        raise mapped from exc
    except sqlite3.Error as exc:
        mapped = _sqlite_error(exc, where)
        if mapped is None:
            raise
        raise mapped from exc


def _check_sqlite_file(path: Path) -> None:
    """Refuse, before SQLite opens it, anything at ``path`` that is not a whole SQLite file.

    Raises:
        NotAStoreError: A symbolic link, a folder, a FIFO or device, an empty
            file, or a file that does not start as an SQLite database does.
        StoreDamagedError: An SQLite file shorter than its header says.
        StoreUnavailableError: The file cannot be read.
    """
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise NotAStoreError(
                f"{path}: a symbolic link; symbolic links are refused as stores: name the "
                "file itself"
            )
        if stat.S_ISDIR(info.st_mode):
            raise NotAStoreError(f"{path}: a folder, not a store file")
        if not stat.S_ISREG(info.st_mode):
            raise NotAStoreError(f"{path}: not a regular file, so not a gridsim store")
        if info.st_size == 0:
            raise NotAStoreError(
                f"{path}: an empty file (0 bytes), not a gridsim store (gridsim never leaves "
                "an empty one, so whatever it held is gone); remove it to start afresh, or "
                "name another --store"
            )
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
        try:
            header = os.read(fd, 100)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _os_error(exc, str(path)) from None
    if not header.startswith(_SQLITE_MAGIC):
        raise NotAStoreError(
            f"{path}: not a gridsim store (not an SQLite database); gridsim leaves it "
            "alone: name another --store (a folder, or a new file)"
        )
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size_valid = header[24:28] == header[92:96]  # the header's page count is current
    expected = page_size * max(pages, 1) if size_valid else page_size
    if page_size < 512 or page_size & (page_size - 1) or info.st_size < expected:
        raise StoreDamagedError(
            f"{path}: the gridsim store is damaged (truncated: {info.st_size:,} bytes, its "
            f"header needs {max(expected, 100):,}); restore it from a backup, or name another "
            "--store"
        )


def _sqlite_identity(path: Path) -> dict[str, str]:
    """Read the ``gridsim_meta`` table of an SQLite file without writing to it.

    Returns:
        ``{"tenant": ..., "schema_version": ...}``.

    Raises:
        NotAStoreError: Another SQLite database (no gridsim tables).
        StoreDamagedError: Corrupt, or gridsim tables without the tenant's name.
    """
    names = {t.name for t in _SQLITE_SCHEMA.metadata.sorted_tables}
    with _translated(str(path), "sqlite"):
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {
                name
                for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not tables & names:
                raise NotAStoreError(
                    f"{path}: an SQLite database, but not a gridsim store (no gridsim tables); "
                    "gridsim leaves it alone: name another --store"
                )
            meta: dict[str, str] = {}
            if "gridsim_meta" in tables:
                meta = dict(con.execute("SELECT key, value FROM gridsim_meta"))
        finally:
            con.close()
    if not names <= tables or "tenant" not in meta:
        raise StoreDamagedError(
            f"{path}: the gridsim store is damaged (tables or its tenant's name are missing); "
            "restore it from a backup, or name another --store"
        )
    return meta


def _create_sqlite_store(path: Path, tenant: str) -> bool:
    """Create a tenant's store file whole, where no file is.

    The database is built under a temporary name in the same folder (mode
    0600; the folder is made with mode 0700 if absent) and hard-linked into
    place, which fails if a file appeared there meanwhile: a reader never
    sees a half-made store and an existing file is never replaced.

    Returns:
        True if this call created the file, False if another process did first.
    """
    where = str(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _os_error(exc, where) from None
    tmp = Path(name)
    meta = _SQLITE_SCHEMA.meta
    assert meta is not None
    try:
        engine = create_engine(URL.create("sqlite+pysqlite", database=str(tmp)))
        try:
            with _translated(where, "sqlite"), engine.begin() as conn:
                _SQLITE_SCHEMA.metadata.create_all(conn)
                conn.execute(
                    sqlite_dialect.insert(meta),
                    [
                        {"key": "tenant", "value": tenant},
                        {"key": "schema_version", "value": SCHEMA_VERSION},
                    ],
                )
        finally:
            engine.dispose()
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            if os.path.lexists(path):  # no hard links on this file system: rename instead
                return False
            os.replace(tmp, path)
            return True
    except OSError as exc:
        raise _os_error(exc, where) from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def _tighten_mode(path: Path) -> None:
    """Make a verified gridsim store private to its owner again (mode 0600), if loosened."""
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)
    except OSError:  # someone else's store shared with us, or a read-only disk: leave it
        pass


# ---------------------------------------------------------------------------
# the store


class Store:
    """One tenant's view of a results database (SQLite file or PostgreSQL).

    Every query is filtered by the tenant; below that, SQLite isolation is one
    file per tenant (which records its tenant) and PostgreSQL isolation is
    row-level security on the connected role, which must be the tenant's.

    Args:
        location: SQLite database file (a path, or a URL: ``sqlite:///relative``
            or ``sqlite:////absolute``) or PostgreSQL URL
            (``postgresql://tenant:password@host/db``; the user defaults to the
            tenant, the password may come from ``PGPASSWORD`` or ``~/.pgpass``).
        tenant: Tenant name (see :func:`validate_tenant`).
        busy_timeout: SQLite only: seconds a writer waits for another writer's lock.
        create: SQLite only: create the store if no file is there (False for
            commands that only read: they create nothing).

    Attributes:
        created: True if this call created the SQLite file.

    Raises:
        InvalidTenantError: If the tenant name is invalid.
        InvalidStoreURLError: If the location is malformed or of another kind.
        StoreNotFoundError: If no file is there and ``create`` is False.
        NotAStoreError: If the file is not a gridsim store (it is left untouched).
        StoreDamagedError: If the store file is corrupt or truncated.
        StoreUnavailableError: If the file or server cannot be reached or opened.
        TenantMismatchError: If the SQLite file or the PostgreSQL role belongs
            to another tenant.
        SchemaMissingError: If a PostgreSQL database has not been set up.
    """

    def __init__(
        self,
        location: str | os.PathLike[str] | URL,
        tenant: str,
        *,
        busy_timeout: float = 30.0,
        create: bool = True,
    ) -> None:
        self._tenant = validate_tenant(tenant)
        self.created = False
        url = parse_url(location) if is_url(location) else None  # type: ignore[arg-type]
        if url is None or url.get_backend_name() == "sqlite":
            database = url.database if url is not None else os.fspath(location)  # type: ignore[arg-type]
            if not database or database == ":memory:" or database.startswith("file:"):
                raise InvalidStoreURLError(
                    f"{location}: the SQLite store needs a file path, not an in-memory "
                    "database; give a path, sqlite:///relative/file.sqlite or "
                    "sqlite:////absolute/file.sqlite"
                )
            self._path: Path | None = Path(database).expanduser().absolute()
            self._schema = _SQLITE_SCHEMA
            self._open_sqlite(busy_timeout, create)
        elif url.get_backend_name() == "postgresql":
            url = _postgres_url(url)
            if url.username is None:
                url = url.set(username=tenant)
            elif url.username != tenant:
                raise TenantMismatchError(
                    f"the URL logs in as role {url.username!r}, but the workspace is for "
                    f"tenant {tenant!r}: connect with the tenant's own role"
                )
            self._path = None
            self._schema = _PG_SCHEMA
            try:
                self._engine = _postgres_engine(url)
            except ArgumentError as exc:  # e.g. an unknown driver: postgresql+nosuch://
                raise InvalidStoreURLError(
                    f"store URL {url.render_as_string(hide_password=True)!r}: {exc}"
                ) from None
            self._write_engine = self._engine
            self._location = url.render_as_string(hide_password=True)
            self._check_postgres()
        else:
            raise InvalidStoreURLError(
                f"unsupported store URL {url.render_as_string(hide_password=True)!r}: "
                "SQLite (a path or sqlite:///file) or PostgreSQL (postgresql://...) only"
            )

    def _open_sqlite(self, busy_timeout: float, create: bool) -> None:
        path = self._path
        assert path is not None
        self._location = str(path)
        if not os.path.lexists(path):
            if not create:
                raise StoreNotFoundError(
                    f"{path}: no gridsim store there (a command that only reads creates none)"
                )
            self.created = _create_sqlite_store(path, self._tenant)
        _check_sqlite_file(path)  # before SQLite opens it: nothing else is ever written to
        meta = _sqlite_identity(path)
        owner = meta["tenant"]
        if owner != self._tenant:
            raise TenantMismatchError(
                f"{path} belongs to tenant {owner!r}, not {self._tenant!r}: use tenant "
                f"{owner!r} (--tenant {owner}) or another store"
            )
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise StoreUnavailableError(
                f"{path}: store layout version {version!r}, but this gridsim reads version "
                f"{SCHEMA_VERSION!r}; use the gridsim that wrote it"
            )
        _tighten_mode(path)
        self._engine = _sqlite_engine(path, busy_timeout)
        self._write_engine = self._engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        try:
            with self._read() as conn:  # switches to WAL, checks the file opens
                conn.exec_driver_sql("SELECT count(*) FROM gridsim_meta")
        except BaseException:
            self._engine.dispose()
            raise

    def _check_postgres(self) -> None:
        try:
            with self._read() as conn:
                user, table = conn.execute(
                    text("SELECT current_user, to_regclass(:name)"),
                    {"name": f"{PG_SCHEMA}.runs"},
                ).one()
        except BaseException:
            self._engine.dispose()
            raise
        if user != self._tenant:
            self._engine.dispose()
            raise TenantMismatchError(f"connected as role {user!r}, not tenant {self._tenant!r}")
        if table is None:
            self._engine.dispose()
            raise SchemaMissingError(
                f"{self._location}: no gridsim tables (schema {PG_SCHEMA!r}); an administrator "
                "must run gridsim.workspace.create_tenant(ADMIN_URL, tenant) first"
            )

    # -- basics ---------------------------------------------------------------

    @property
    def tenant(self) -> str:
        """The tenant every read and write is scoped to."""
        return self._tenant

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def location(self) -> str:
        """The SQLite file, or the PostgreSQL URL with the password hidden."""
        return self._location

    @property
    def path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL)."""
        return self._path

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store(tenant={self._tenant!r}, location={self._location!r})"

    def _insert(self, table: Table) -> Any:
        module = pg_dialect if self.dialect == "postgresql" else sqlite_dialect
        return module.insert(table)

    @functools.cached_property
    def _insert_experiment(self) -> Any:
        """``INSERT INTO experiments ... ON CONFLICT DO NOTHING``, values given at execution."""
        e = self._schema.experiments
        return self._insert(e).on_conflict_do_nothing(index_elements=[e.c.tenant_id, e.c.name])

    @functools.cached_property
    def _insert_run(self) -> Any:
        """``INSERT INTO runs ... ON CONFLICT (key) DO NOTHING``, values given at execution."""
        r = self._schema.runs
        return self._insert(r).on_conflict_do_nothing(
            index_elements=[
                r.c.tenant_id,
                r.c.experiment,
                r.c.scenario_hash,
                r.c.replication,
                r.c.model_version,
            ]
        )

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _translated(self._location, self.dialect), self._write_engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _translated(self._location, self.dialect), self._engine.connect() as conn:
            yield conn

    # -- experiments ------------------------------------------------------------

    def save_experiment(self, name: str, spec: Mapping[str, Any] | None = None) -> None:
        """Create an experiment or replace its spec.

        Args:
            name: Experiment name (unique within the tenant).
            spec: JSON-compatible description (scenarios, replications, ...).
        """
        _check_name(name)
        now = _utcnow()
        t = self._schema.experiments
        stmt = self._insert(t).values(
            tenant_id=self._tenant, name=name, spec=dict(spec or {}), created_at=now, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.tenant_id, t.c.name],
            set_={"spec": stmt.excluded.spec, "updated_at": stmt.excluded.updated_at},
        )
        with self._write() as conn:
            conn.execute(stmt)

    def get_experiment(self, name: str) -> dict[str, Any] | None:
        """One experiment's spec and timestamps.

        Args:
            name: Experiment name.

        Returns:
            ``{"name", "spec", "created_at", "updated_at"}``, or None if absent.
        """
        t = self._schema.experiments
        with self._read() as conn:
            row = conn.execute(
                select(t.c.name, t.c.spec, t.c.created_at, t.c.updated_at).where(
                    t.c.tenant_id == self._tenant, t.c.name == name
                )
            ).first()
        if row is None:
            return None
        return {
            "name": row.name,
            "spec": row.spec,
            "created_at": _as_utc(row.created_at),
            "updated_at": _as_utc(row.updated_at),
        }

    def list_experiments(self) -> pd.DataFrame:
        """The tenant's experiments.

        Returns:
            One row per experiment: ``name``, ``spec`` (dict), ``runs`` (count),
            ``created_at``, ``updated_at``; sorted by name.
        """
        e, r = self._schema.experiments, self._schema.runs
        n_runs = (
            select(func.count())
            .where(r.c.tenant_id == e.c.tenant_id, r.c.experiment == e.c.name)
            .scalar_subquery()
        )
        query = (
            select(e.c.name, e.c.spec, n_runs.label("runs"), e.c.created_at, e.c.updated_at)
            .where(e.c.tenant_id == self._tenant)
            .order_by(e.c.name)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        columns = ["name", "spec", "runs", "created_at", "updated_at"]
        return pd.DataFrame(
            [
                (
                    row.name,
                    row.spec,
                    int(row.runs),
                    _as_utc(row.created_at),
                    _as_utc(row.updated_at),
                )
                for row in rows
            ],
            columns=columns,
        )

    def delete_experiment(self, name: str) -> int:
        """Delete an experiment and all its runs.

        Args:
            name: Experiment name.

        Returns:
            The number of runs deleted.
        """
        e, r = self._schema.experiments, self._schema.runs
        with self._write() as conn:
            deleted = conn.execute(
                r.delete().where(r.c.tenant_id == self._tenant, r.c.experiment == name),
                execution_options={"preserve_rowcount": True},
            ).rowcount
            conn.execute(e.delete().where(e.c.tenant_id == self._tenant, e.c.name == name))
        return int(deleted)

    # -- runs -------------------------------------------------------------------

    def write_run(
        self,
        experiment: str,
        scenario: Scenario,
        result: RunResult,
        *,
        model_version: str | None = None,
    ) -> bool:
        """Store one finished run unless its key is already there.

        The key is (tenant, ``experiment``, ``scenario.content_hash()``,
        ``result.replication``, ``model_version``). The experiment is created
        (with an empty spec) if it does not exist.

        Args:
            experiment: Experiment name.
            scenario: The resolved scenario the run was computed from.
            result: The run's result.
            model_version: Model version; defaults to :func:`current_model_version`.

        Returns:
            True if the row was written, False if the key was already stored
            (the stored row is left as it was).

        Raises:
            ValueError: If ``result`` was not computed from ``scenario`` (other
                name or seed: the key would not describe the run).
        """
        _check_name(experiment)
        if result.scenario != scenario.name:
            raise ValueError(f"result is from scenario {result.scenario!r}, not {scenario.name!r}")
        if int(result.seed) != int(scenario.simulation.seed):
            raise ValueError(
                f"result was run with seed {result.seed} but the scenario's seed is "
                f"{scenario.simulation.seed}; store scenario.with_changes("
                f"{{'simulation.seed': {result.seed}}}) so the key reflects the seed"
            )
        key = run_key(scenario, result.replication, model_version)
        run = EncodedRun(
            scenario_hash=key.scenario_hash,
            replication=key.replication,
            scenario_name=scenario.name,
            seed=int(result.seed),
            scenario=json_text(scenario.to_dict()),
            result=encode_result(result),
        )
        return self.write_runs(experiment, [run], model_version=key.model_version) == 1

    def write_runs(
        self,
        experiment: str,
        runs: Sequence[EncodedRun],
        *,
        model_version: str | None = None,
    ) -> int:
        """Store finished runs, already encoded, in one transaction; skip stored keys.

        The fast path of :meth:`write_run` for a sweep: the results arrive as
        JSON text (:class:`EncodedRun`, encoded by the worker that ran them),
        so writing them costs one ``INSERT`` per run and one commit. The
        transaction is committed before this returns: the runs survive the
        writing process being killed from then on. The experiment is created
        (with an empty spec) if it does not exist.

        The text is inserted as given, so it must come from :func:`json_text`
        (:func:`encode_result`, :func:`gridsim.executors.run_task`), and the
        hash, name and seed must be the scenario's: unlike :meth:`write_run`,
        nothing here re-derives them.

        Args:
            experiment: Experiment name.
            runs: The runs; each keyed by (tenant, ``experiment``,
                ``scenario_hash``, ``replication``, ``model_version``).
            model_version: Model version; defaults to :func:`current_model_version`.

        Returns:
            How many rows were written (keys already stored are left as they were).

        Raises:
            ValueError: If a run's scenario or results are not JSON objects as text.
        """
        _check_name(experiment)
        if not runs:
            return 0
        for run in runs:
            texts = (run.scenario, run.result.kpis, run.result.daily, run.result.grids)
            if not all(isinstance(t, str) and t[:1] == "{" and t[-1:] == "}" for t in texts):
                raise ValueError(
                    f"run {run.scenario_hash}/{run.replication}: the scenario and results "
                    "must be JSON objects as text (see json_text)"
                )
        version = model_version or current_model_version()
        gridsim_version = _gridsim_version()
        now = _utcnow()
        rows = [
            {
                "tenant_id": self._tenant,
                "experiment": experiment,
                "scenario_hash": run.scenario_hash,
                "replication": int(run.replication),
                "model_version": version,
                "scenario_name": run.scenario_name,
                "gridsim_version": gridsim_version,
                "seed": int(run.seed),
                "scenario": JsonText(run.scenario),
                "wall_seconds": float(run.result.wall_seconds),
                "created_at": now,
                "kpis": JsonText(run.result.kpis),
                "daily": JsonText(run.result.daily),
                "grids": JsonText(run.result.grids),
            }
            for run in runs
        ]
        experiment_row = {
            "tenant_id": self._tenant,
            "name": experiment,
            "spec": JsonText("{}"),
            "created_at": now,
            "updated_at": now,
        }
        with self._write() as conn:
            conn.execute(self._insert_experiment, experiment_row)
            # rowcount of an INSERT is only reported when asked for (SQLAlchemy 2.x);
            # for several rows (executemany) it is the sum over the rows.
            inserted = conn.execute(
                self._insert_run, rows, execution_options={"preserve_rowcount": True}
            )
        return int(inserted.rowcount)

    def existing_keys(self, experiment: str) -> set[RunKey]:
        """Keys of the runs already stored for an experiment.

        Args:
            experiment: Experiment name.

        Returns:
            The stored keys.
        """
        r = self._schema.runs
        query = select(r.c.scenario_hash, r.c.replication, r.c.model_version).where(
            r.c.tenant_id == self._tenant, r.c.experiment == experiment
        )
        with self._read() as conn:
            return {RunKey(h, int(rep), v) for h, rep, v in conn.execute(query)}

    def missing(self, experiment: str, keys: Iterable[RunKey]) -> list[RunKey]:
        """The keys that still have to be computed.

        Args:
            experiment: Experiment name.
            keys: Keys the experiment needs (see :func:`run_key`).

        Returns:
            Those not stored yet, in the given order, without repeats.
        """
        have = self.existing_keys(experiment)
        out: list[RunKey] = []
        for key in keys:
            key = RunKey(*key)
            if key not in have:
                have.add(key)
                out.append(key)
        return out

    def list_runs(self, experiment: str | None = None) -> pd.DataFrame:
        """A table of stored runs with their provenance and KPIs.

        Args:
            experiment: Only this experiment's runs; all the tenant's runs if None.

        Returns:
            One row per run: ``experiment``, ``scenario_hash``, ``replication``,
            ``model_version``, ``scenario_name``, ``seed``, ``gridsim_version``,
            ``wall_seconds``, ``created_at``, then one column per KPI (NaN where
            stored as null). The daily series and grid tables are not loaded:
            use :meth:`load_runs`.
        """
        r = self._schema.runs
        query = select(*(r.c[name] for name in _RUN_COLUMNS), r.c.kpis).where(
            r.c.tenant_id == self._tenant
        )
        if experiment is not None:
            query = query.where(r.c.experiment == experiment)
        query = query.order_by(
            r.c.experiment, r.c.scenario_name, r.c.scenario_hash, r.c.replication
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        records = []
        kpi_names: dict[str, None] = dict.fromkeys(KPI_NAMES)
        for row in rows:
            base = dict(zip(_RUN_COLUMNS, row[: len(_RUN_COLUMNS)], strict=True))
            base["created_at"] = _as_utc(base["created_at"])
            kpis = _kpis_from_json(row.kpis)
            kpi_names.update(dict.fromkeys(kpis))
            records.append({**base, **kpis})
        present = [k for k in kpi_names if any(k in rec for rec in records)]
        return pd.DataFrame(records, columns=[*_RUN_COLUMNS, *present])

    def load_runs(self, experiment: str) -> list[RunRecord]:
        """An experiment's runs, fully decoded.

        Args:
            experiment: Experiment name.

        Returns:
            One record per run, ordered by scenario and replication.
        """
        r = self._schema.runs
        query = (
            select(r)
            .where(r.c.tenant_id == self._tenant, r.c.experiment == experiment)
            .order_by(r.c.scenario_name, r.c.scenario_hash, r.c.replication, r.c.model_version)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            RunRecord(
                experiment=row.experiment,
                scenario_hash=row.scenario_hash,
                replication=int(row.replication),
                model_version=row.model_version,
                scenario_name=row.scenario_name,
                seed=int(row.seed),
                gridsim_version=row.gridsim_version,
                scenario=row.scenario,
                wall_seconds=float(row.wall_seconds),
                created_at=_as_utc(row.created_at),
                kpis=_kpis_from_json(row.kpis),
                daily=_frame_from_json(row.daily),
                grids=_frame_from_json(row.grids),
            )
            for row in rows
        ]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"experiment name must be a non-empty string, got {name!r}")


# ---------------------------------------------------------------------------
# tenant set-up


def create_sqlite_tenant(path: str | os.PathLike[str], tenant: str) -> TenantInfo:
    """Create a tenant's SQLite database file (mode 0600) and tables; idempotent.

    Args:
        path: The tenant's database file, e.g. ``<root>/<tenant>.sqlite``.
        tenant: Tenant name.

    Returns:
        What was set up; ``created`` is False if the file already existed.

    Raises:
        InvalidTenantError: If the name is invalid.
        TenantMismatchError: If the file belongs to another tenant.
        NotAStoreError: If a file that is not a gridsim store is there (left untouched).
    """
    validate_tenant(tenant)
    file = Path(path).expanduser().absolute()
    store = Store(file, tenant, create=True)
    store.close()
    return TenantInfo(tenant=tenant, store=str(file), password=None, created=store.created)


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
    url = _postgres_url(admin_url)
    engine = create_engine(url, json_serializer=_dumps)
    generated = False
    try:
        with (
            _translated(url.render_as_string(hide_password=True), "postgresql"),
            engine.begin() as conn,
        ):
            conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            created = _pg_ensure_schema(conn)
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


def _pg_ensure_schema(conn: Connection) -> bool:
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
    _PG_SCHEMA.metadata.create_all(ddl)
    for table in (_PG_SCHEMA.experiments, _PG_SCHEMA.runs):
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
