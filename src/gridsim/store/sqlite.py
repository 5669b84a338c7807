"""The SQLite backend: one database file per tenant, created whole, never someone else's.

The embedded default, and one OS user's own: every tenant's file in a
workspace belongs to the user who runs gridsim, so tenants there are names
for that user's own districts, not a boundary between people (a shared
deployment uses PostgreSQL). Like ssh with a private key, gridsim refuses a
store file, its ``-wal``/``-shm`` files or the folder holding them if group
or others have any access to it or another OS user owns it
(:class:`~gridsim.store.errors.StoreNotPrivateError`), and changes nothing.

Each tenant's store is one file, created whole (built
under a temporary name beside it, then linked into place) with mode 0600, in
WAL mode (``synchronous = NORMAL``: a commit survives the process being
killed, though not necessarily a power cut) with a busy timeout; every write
transaction starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue
on the busy timeout instead of failing on a lock upgrade. The file records
the tenant it belongs to and refuses to be opened for another. gridsim never
writes to, converts or changes the mode of a file that is not already one of
its stores: an empty file, another SQLite database or any other file is
refused (:class:`~gridsim.store.errors.NotAStoreError`), and a store is only
created where no file is (``create=True``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from gridsim.store.base import translated
from gridsim.store.codec import dumps
from gridsim.store.errors import (
    InvalidStoreURLError,
    NotAStoreError,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreNotFoundError,
    StoreNotPrivateError,
    StoreUnavailableError,
    TenantMismatchError,
    one_line,
    os_error,
)
from gridsim.store.keys import validate_tenant
from gridsim.store.records import TenantInfo
from gridsim.store.schema import SCHEMA_VERSION, SQLITE_TABLES, Tables
from gridsim.store.urls import is_url, parse_url

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["SQLiteBackend", "check_private", "create_sqlite_tenant", "sqlite_error"]

_SQLITE_BEGIN = "gridsim_sqlite_begin"  # execution option read by the "begin" listener
_SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP}


def sqlite_error(exc: BaseException, where: str) -> StoreError | None:
    """The store error for an SQLite error a user can act on, or None (a bug: re-raise).

    Args:
        exc: An ``sqlite3.Error``, or SQLAlchemy's wrapper of one.
        where: The store file, for the message.

    Returns:
        The error to raise instead, or None.
    """
    if isinstance(exc, DBAPIError):
        exc = exc.orig
    if not isinstance(exc, sqlite3.Error):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    said = f"SQLite: {one_line(exc)}"
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


def _engine(path: Path, busy_timeout: float) -> Engine:
    """An engine on the store file: WAL, ``synchronous = NORMAL``, the busy timeout."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)), json_serializer=dumps)
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


def _check_file(path: Path) -> None:
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
        raise os_error(exc, str(path)) from None
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


def _identity(path: Path, *, immutable: bool = False) -> dict[str, str]:
    """Read the ``gridsim_meta`` table of an SQLite file without writing to it.

    ``immutable`` reads the main file alone, creating no ``-wal``/``-shm``
    file (rows still in the WAL are not seen: only for telling what the file is).

    Returns:
        ``{"tenant": ..., "schema_version": ...}``.

    Raises:
        NotAStoreError: Another SQLite database (no gridsim tables).
        StoreDamagedError: Corrupt, or gridsim tables without the tenant's name.
    """
    names = {t.name for t in SQLITE_TABLES.metadata.sorted_tables}
    with translated(lambda exc: sqlite_error(exc, str(path))):
        flags = "mode=ro&immutable=1" if immutable else "mode=ro"
        con = sqlite3.connect(f"{path.as_uri()}?{flags}", uri=True)
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


def _create_file(path: Path, tenant: str) -> bool:
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
        raise os_error(exc, where) from None
    tmp = Path(name)
    meta = SQLITE_TABLES.meta
    assert meta is not None
    try:
        engine = create_engine(URL.create("sqlite+pysqlite", database=str(tmp)))
        try:
            with translated(lambda exc: sqlite_error(exc, where)), engine.begin() as conn:
                SQLITE_TABLES.metadata.create_all(conn)
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
        raise os_error(exc, where) from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def _user_name(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def check_private(
    path: Path, *, folder: bool = False, modes: bool = True, what: str = "store"
) -> None:
    """Refuse a store file or folder that is not private to the OS user running gridsim.

    As ssh refuses a private key that others can read: the file (or folder)
    must be owned by this process's effective user and give group and others
    no access at all (a file 0600 or tighter, a folder 0700 or tighter).
    Nothing is changed: the user decides whether to ``chmod`` it. A path that
    does not exist passes (it is created private).

    Args:
        path: The store file, one of its ``-wal``/``-shm`` files, or the folder
            holding them.
        folder: Whether ``path`` is the folder (its symbolic links are followed;
            a file's are not, and :func:`_check_file` refuses them).
        modes: Also check the mode (False: only the owner).
        what: What the file is, for the message ("store", "password", ...).

    Raises:
        StoreNotPrivateError: If another user owns it or group or others have access.
        StoreUnavailableError: If it cannot be examined.
    """
    if not hasattr(os, "geteuid"):  # no POSIX owners and modes (Windows): nothing to check
        return
    try:
        info = path.stat() if folder else path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise os_error(exc, str(path)) from None
    kind = f"{what} folder" if folder else f"{what} file"
    me = os.geteuid()
    if what == "store":
        why = "a gridsim workspace is one OS user's own"
        instead = "name a store of your own (a deployment that districts share uses PostgreSQL)"
    else:
        why = f"a {what} file must be yours alone"
        instead = "keep it in a file of your own"
    if info.st_uid != me:
        raise StoreNotPrivateError(
            f"{path}: this {kind} belongs to another OS user, {_user_name(info.st_uid)}, "
            f"not to you, {_user_name(me)}; {why} and gridsim leaves it alone: use it as its "
            f"owner, or {instead}"
        )
    mode = stat.S_IMODE(info.st_mode)
    if modes and mode & 0o077:
        who = " and ".join(
            name for name, bits in (("group", 0o070), ("others", 0o007)) if mode & bits
        )
        private = "700" if folder else "600"
        raise StoreNotPrivateError(
            f"{path}: this {kind} has mode {mode:04o}, which lets {who} in; {why} (as ssh "
            f"requires of a private key) and gridsim changes nothing: if only you should "
            f"use it, run 'chmod {private} {path}', else {instead}"
        )


def _check_private_store(path: Path) -> None:
    """Refuse the store unless it, its WAL files and its folder are private to this user."""
    check_private(path.parent, folder=True)
    check_private(path)
    for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if stat.S_ISLNK(sidecar.lstat().st_mode):
                raise NotAStoreError(
                    f"{sidecar}: a symbolic link beside the store; gridsim leaves it alone: "
                    "remove it, or name another --store"
                )
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise os_error(exc, str(sidecar)) from None
        check_private(sidecar)


def _file_path(location: str | os.PathLike[str] | URL) -> Path:
    """The store file a path or ``sqlite:///`` URL names (an in-memory database is refused)."""
    url = parse_url(location) if is_url(location) else None  # type: ignore[arg-type]
    database = url.database if url is not None else os.fspath(location)  # type: ignore[arg-type]
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InvalidStoreURLError(
            f"{location}: the SQLite store needs a file path, not an in-memory "
            "database; give a path, sqlite:///relative/file.sqlite or "
            "sqlite:////absolute/file.sqlite"
        )
    return Path(database).expanduser().absolute()


class SQLiteBackend:
    """A tenant's SQLite store file, opened (a :class:`~gridsim.store.base.Backend`).

    Made by :meth:`open`, the backend's factory.
    """

    dialect = "sqlite"
    tables: Tables = SQLITE_TABLES

    def __init__(self, path: Path, engine: Engine, *, created: bool) -> None:
        self.path: Path | None = path
        self.location = str(path)
        self.created = created
        self._engine = engine
        self._write_engine = engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | URL,
        tenant: str,
        *,
        busy_timeout: float = 30.0,
        create: bool = True,
    ) -> SQLiteBackend:
        """Open (or, with ``create``, make) the tenant's store file.

        Args:
            location: The file: a path, or ``sqlite:///relative`` /
                ``sqlite:////absolute``.
            tenant: The tenant the file must belong to.
            busy_timeout: Seconds a writer waits for another writer's lock.
            create: Create the store if no file is there.

        Returns:
            The backend, with the file checked and switched to WAL mode.

        Raises:
            InvalidStoreURLError: For an in-memory database or a URL without a file.
            StoreNotFoundError: If no file is there and ``create`` is False.
            NotAStoreError: If the file is not a gridsim store (it is left untouched).
            StoreDamagedError: If the store file is corrupt or truncated.
            StoreUnavailableError: If the file cannot be opened, or its layout is
                another gridsim's.
            StoreNotPrivateError: If the file, its WAL files or its folder belong to
                another OS user or let group or others in (all are left as they are).
            TenantMismatchError: If the file belongs to another tenant.
        """
        path = _file_path(location)
        created = False
        check_private(path.parent, folder=True)  # before anything is read or made in it
        if not os.path.lexists(path):
            if not create:
                raise StoreNotFoundError(
                    f"{path}: no gridsim store there (a command that only reads creates none)"
                )
            created = _create_file(path, tenant)
        check_private(path, modes=False)  # another user's file is not even read
        _check_file(path)  # before SQLite opens it: nothing else is ever written to
        try:
            _check_private_store(path)
        except StoreNotPrivateError:
            # Say "not a gridsim store" first where that is so, reading the file without
            # locks or WAL files (an open would create them, changing the folder).
            with contextlib.suppress(StoreDamagedError, StoreUnavailableError):
                _identity(path, immutable=True)
            raise
        meta = _identity(path)
        owner = meta["tenant"]
        if owner != tenant:
            raise TenantMismatchError(
                f"{path} belongs to tenant {owner!r}, not {tenant!r}: use tenant "
                f"{owner!r} (--tenant {owner}) or another store"
            )
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise StoreUnavailableError(
                f"{path}: store layout version {version!r}, but this gridsim reads version "
                f"{SCHEMA_VERSION!r}; use the gridsim that wrote it"
            )
        backend = cls(path, _engine(path, busy_timeout), created=created)
        try:
            with translated(backend.translate), backend.engine(write=False).connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM gridsim_meta")  # WAL; the file opens
        except BaseException:
            backend.close()
            raise
        return backend

    def engine(self, *, write: bool) -> Engine:
        """The engine; a write engine's transactions begin with ``BEGIN IMMEDIATE``."""
        return self._write_engine if write else self._engine

    def insert(self, table: Table) -> sqlite_dialect.Insert:
        """SQLite's ``INSERT`` (with ``ON CONFLICT``) into ``table``."""
        return sqlite_dialect.insert(table)

    def translate(self, exc: BaseException) -> StoreError | None:
        """The store error for an SQLite error (see :func:`sqlite_error`)."""
        return sqlite_error(exc, self.location)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


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
    backend = SQLiteBackend.open(file, tenant, create=True)
    backend.close()
    return TenantInfo(tenant=tenant, store=str(file), password=None, created=backend.created)
