"""A tenant's workspace: where its experiments and runs are kept.

Several districts (tenants) share one deployment and never see each other's
data::

    from gridsim.store import Workspace

    ws = Workspace("yuelu")                        # SQLite: ./.gridsim/yuelu.sqlite
    ws = Workspace("yuelu", store="/srv/gridsim")  # SQLite: /srv/gridsim/yuelu.sqlite
    ws = Workspace("yuelu", store="postgresql://gridsim_t_3f…@db.example/gridsim_t_3f…")

    Experiment.from_file("scenarios/compare-grid-size.toml").run(ws)
    ws.list_runs("compare-grid-size")              # one row per run, KPIs as columns

With SQLite every tenant has its own file (``<root>/<tenant>.sqlite``, mode
0600); the root defaults to ``$GRIDSIM_HOME`` or ``./.gridsim``. An SQLite
workspace is one OS user's own: its tenants are names for that user's own
districts, and anyone who can run code as that user can open all of them;
files or folders that other users can read or that another user owns are
refused. Districts that must not see each other's work share a PostgreSQL
deployment: every tenant logs in as its own role to a database of its own;
an administrator sets tenants up with :func:`create_tenant`.

A workspace opened with ``create=False`` (what the commands that only read
use) creates nothing: a tenant without a store is an error that lists the
tenants that do have one there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gridsim.store.codec import EncodedRun
from gridsim.store.errors import InvalidStoreURLError, StoreNotFoundError
from gridsim.store.keys import TENANT_PATTERN, RunKey, validate_tenant
from gridsim.store.postgres import TenantLimits, create_postgres_tenant
from gridsim.store.records import RunRecord, TenantInfo
from gridsim.store.sqlite import check_private, create_sqlite_tenant
from gridsim.store.store import Store
from gridsim.store.urls import is_url, parse_url

if TYPE_CHECKING:
    from gridsim.model.kpis import RunResult
    from gridsim.scenario import Scenario

__all__ = [
    "DEFAULT_HOME",
    "SQLITE_SUFFIXES",
    "Workspace",
    "create_tenant",
    "default_root",
    "tenant_path",
    "tenants_in",
]

DEFAULT_HOME = ".gridsim"
"""Workspace root (relative to the working directory) when ``GRIDSIM_HOME`` is unset."""


SQLITE_SUFFIXES = frozenset({".sqlite", ".sqlite3", ".db"})
"""A ``store=`` path with one of these suffixes names the database file itself."""


def default_root() -> Path:
    """The default workspace root: ``$GRIDSIM_HOME`` or ``./.gridsim``.

    Returns:
        The root directory (not created).
    """
    return Path(os.environ.get("GRIDSIM_HOME") or DEFAULT_HOME).expanduser()


def tenant_path(root: str | os.PathLike[str], tenant: str) -> Path:
    """A tenant's SQLite file under a workspace root.

    Args:
        root: Workspace root directory.
        tenant: Tenant name (validated, so it cannot leave the root).

    Returns:
        ``<root>/<tenant>.sqlite``.
    """
    return Path(root).expanduser() / f"{validate_tenant(tenant)}.sqlite"


def _sqlite_location(store: str | os.PathLike[str] | None, tenant: str) -> tuple[Path, Path | None]:
    """The tenant's SQLite file, and the workspace root it lies in (None for a named file)."""
    if store is None:
        root = default_root()
        return tenant_path(root, tenant), root
    if is_url(store):  # sqlite:///path/to/file.sqlite: that file, which records its tenant
        database = parse_url(str(store)).database
        if not database:
            raise InvalidStoreURLError(
                f"{store}: names no file; write sqlite:///relative/file.sqlite (three "
                "slashes) or sqlite:////absolute/file.sqlite (four), or give a plain path"
            )
        return Path(database).expanduser(), None
    path = Path(store).expanduser()
    if path.suffix in SQLITE_SUFFIXES or path.is_file():  # a file, not a root directory
        return path, None
    return tenant_path(path, tenant), path


def _sqlite_file(store: str | os.PathLike[str] | None, tenant: str) -> Path:
    return _sqlite_location(store, tenant)[0]


def tenants_in(root: str | os.PathLike[str]) -> list[str]:
    """The tenants that have a store file in a workspace root (by file name; none opened).

    Args:
        root: Workspace root directory.

    Returns:
        Their names, sorted; empty if the folder does not exist.
    """
    try:
        files = list(Path(root).expanduser().glob("*.sqlite"))
    except OSError:
        return []
    return sorted(f.stem for f in files if TENANT_PATTERN.fullmatch(f.stem) and f.is_file())


def _no_store(root: Path, tenant: str) -> StoreNotFoundError:
    """The error for a tenant without a store in ``root``, naming those that have one."""
    if not root.is_dir():
        where = f"{root} does not exist"
    else:
        names = tenants_in(root)
        where = f"tenants there: {', '.join(names)}" if names else "no tenant has a store there"
    return StoreNotFoundError(
        f"no store for tenant {tenant!r} in {root} ({where}); check --tenant and --store "
        "(nothing is created by a command that only reads)"
    )


class ExperimentProgress:
    """What :meth:`Workspace.run_experiment` did.

    Attributes:
        experiment: Experiment name.
        total: Runs the experiment needs.
        skipped: Runs already stored before this call.
        computed: Runs computed and written by this call.
    """

    experiment: str
    total: int
    skipped: int
    computed: int


class Workspace:
    """A tenant's experiments and runs; every read and write is scoped to the tenant.

    Args:
        tenant: Tenant name, ``^[a-z][a-z0-9_]{1,39}$`` (e.g. ``"yuelu"``).
        store: Where to keep results: None for the default root
            (``$GRIDSIM_HOME`` or ``./.gridsim``), a directory (the tenant's
            file is ``<dir>/<tenant>.sqlite``), a database file (``*.sqlite``,
            ``*.sqlite3``, ``*.db``, or an existing file) or ``sqlite:///file``
            URL, which must belong to the tenant, or the PostgreSQL URL of the
            tenant's own database and role as :func:`create_tenant` gave it
            (``postgresql://ROLE:PASSWORD@host/DATABASE``, or
            ``postgresql:///?service=NAME`` with a libpq service file; the
            password may also come from ``PGPASSWORD`` or ``~/.pgpass``).
        busy_timeout: SQLite only: seconds a writer waits for another writer.
        create: SQLite only: create the tenant's store file if there is none
            (only where no file is: an existing file that is not a gridsim
            store is refused, never converted). False creates nothing, for
            code that only reads.

    Raises:
        InvalidTenantError: If the tenant name is invalid (a ``ValueError``).
        StoreNotFoundError: If ``create`` is False and the tenant has no store
            there (the message lists the tenants that have one).
        TenantMismatchError: If the file or database role belongs to another tenant.
        SchemaMissingError: If a PostgreSQL database was never set up with
            :func:`create_tenant`.
        StoreError: Any other store problem a user can fix (every error above
            is one): a file that is not a store, a damaged store, a malformed
            URL, an unreachable server.
    """

    def __init__(
        self,
        tenant: str,
        store: str | os.PathLike[str] | None = None,
        *,
        busy_timeout: float = 30.0,
        create: bool = True,
    ) -> None:
        self._tenant = validate_tenant(tenant)
        if store is not None and is_url(store) and not str(store).startswith("sqlite"):
            self._store = Store(str(store), tenant, busy_timeout=busy_timeout)
            return
        file, root = _sqlite_location(store, tenant)
        if not create and root is not None and not os.path.lexists(file):
            check_private(root, folder=True)  # a folder others may read is refused first
            raise _no_store(root, tenant)
        self._store = Store(file, tenant, busy_timeout=busy_timeout, create=create)

    @property
    def tenant(self) -> str:
        """The tenant."""
        return self._tenant

    @property
    def store(self) -> Store:
        """The underlying :class:`~gridsim.store.store.Store`."""
        return self._store

    @property
    def location(self) -> str:
        """The SQLite file or the PostgreSQL URL (password hidden)."""
        return self._store.location

    def close(self) -> None:
        """Release database connections."""
        self._store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace(tenant={self._tenant!r}, location={self.location!r})"

    def _repr_html_(self) -> str:
        """The workspace as a summary: where it is, its experiments and their runs."""
        import html

        from gridsim.store.keys import current_model_version

        model = current_model_version()
        experiments = self.list_experiments()
        rows, stale_total = [], 0
        for name, runs in zip(experiments["name"], experiments["runs"], strict=True):
            stale = sum(k.model_version != model for k in self.existing_keys(name))
            stale_total += stale
            note = f" ({stale:,} of an older model, not used)" if stale else ""
            rows.append(
                "<tr style='border-top:1px solid #e6e6e6'>"
                f"<td style='text-align:left;padding:1px 8px'>{html.escape(name)}</td>"
                f"<td style='text-align:right;padding:1px 8px'>{runs:,}</td>"
                f"<td style='text-align:left;padding:1px 8px;color:#666'>{note}</td></tr>"
            )
        total = int(experiments["runs"].sum()) if len(experiments) else 0
        head = (
            f"<p style='margin:0 0 4px 0'>Workspace <b>{html.escape(self._tenant)}</b> at "
            f"<code>{html.escape(self.location)}</code>: {len(experiments)} experiment"
            f"{'' if len(experiments) == 1 else 's'}, {total:,} stored run"
            f"{'' if total == 1 else 's'}"
            + (f", {stale_total:,} of them of an older model" if stale_total else "")
            + "</p>"
        )
        if not rows:
            return head
        return (
            head + "<table style='border-collapse:collapse'><tr>"
            "<th style='text-align:left;padding:1px 8px'>Experiment</th>"
            "<th style='text-align:right;padding:1px 8px'>Runs</th><th></th></tr>"
            + "".join(rows)
            + "</table>"
        )

    # -- delegated store API -----------------------------------------------------

    def save_experiment(self, name: str, spec: Mapping[str, Any] | None = None) -> None:
        """Create an experiment or replace its spec (see :meth:`Store.save_experiment`).

        Args:
            name: Experiment name.
            spec: JSON-compatible description.
        """
        self._store.save_experiment(name, spec)

    def get_experiment(self, name: str) -> dict[str, Any] | None:
        """One experiment's spec and timestamps, or None (see :meth:`Store.get_experiment`).

        Args:
            name: Experiment name.

        Returns:
            The experiment, or None.
        """
        return self._store.get_experiment(name)

    def list_experiments(self) -> pd.DataFrame:
        """The tenant's experiments (see :meth:`Store.list_experiments`).

        Returns:
            One row per experiment.
        """
        return self._store.list_experiments()

    def delete_experiment(self, name: str) -> int:
        """Delete an experiment and its runs (see :meth:`Store.delete_experiment`).

        Args:
            name: Experiment name.

        Returns:
            Runs deleted.
        """
        return self._store.delete_experiment(name)

    def write_run(
        self,
        experiment: str,
        scenario: Scenario,
        result: RunResult,
        *,
        model_version: str | None = None,
    ) -> bool:
        """Store one finished run unless already stored (see :meth:`Store.write_run`).

        Args:
            experiment: Experiment name.
            scenario: The resolved scenario.
            result: The run's result.
            model_version: Model version; defaults to the gridsim version.

        Returns:
            True if written, False if the key was already there.
        """
        return self._store.write_run(experiment, scenario, result, model_version=model_version)

    def write_runs(
        self,
        experiment: str,
        runs: Sequence[EncodedRun],
        *,
        model_version: str | None = None,
    ) -> int:
        """Store encoded runs in one transaction, skipping stored keys (:meth:`Store.write_runs`).

        Args:
            experiment: Experiment name.
            runs: The runs, encoded where they ran.
            model_version: Model version; defaults to the gridsim version.

        Returns:
            How many rows were written.
        """
        return self._store.write_runs(experiment, runs, model_version=model_version)

    def existing_keys(self, experiment: str) -> set[RunKey]:
        """Keys already stored for an experiment (see :meth:`Store.existing_keys`).

        Args:
            experiment: Experiment name.

        Returns:
            The stored keys.
        """
        return self._store.existing_keys(experiment)

    def missing(self, experiment: str, keys: Iterable[RunKey]) -> list[RunKey]:
        """Keys not stored yet, in order (see :meth:`Store.missing`).

        Args:
            experiment: Experiment name.
            keys: Keys the experiment needs.

        Returns:
            The missing keys.
        """
        return self._store.missing(experiment, keys)

    def list_runs(self, experiment: str | None = None) -> pd.DataFrame:
        """Stored runs with provenance and KPIs (see :meth:`Store.list_runs`).

        Args:
            experiment: Only this experiment; all if None.

        Returns:
            One row per run.
        """
        return self._store.list_runs(experiment)

    def load_runs(self, experiment: str) -> list[RunRecord]:
        """An experiment's runs, decoded (see :meth:`Store.load_runs`).

        Args:
            experiment: Experiment name.

        Returns:
            One record per run.
        """
        return self._store.load_runs(experiment)


def create_tenant(
    store_url_or_root: str | os.PathLike[str] | None,
    tenant: str,
    password: str | None = None,
    *,
    limits: TenantLimits | None = None,
) -> TenantInfo:
    """Set a tenant up; safe to run again (for ``gridsim tenant create NAME``).

    * **SQLite** (a root directory, or None for ``$GRIDSIM_HOME`` / ``./.gridsim``):
      creates ``<root>/<tenant>.sqlite`` with mode 0600 and its tables, in the
      workspace of the OS user running it.
    * **PostgreSQL** (a superuser's URL): gives the tenant a login role and a
      database of its own, each with an opaque name, both closed to every other
      role (see :func:`gridsim.store.postgres.create_postgres_tenant`).

    Args:
        store_url_or_root: Workspace root directory, None for the default
            root, or an administrator's PostgreSQL URL.
        tenant: Tenant name, ``^[a-z][a-z0-9_]{1,39}$``.
        password: PostgreSQL only: the tenant role's password. None generates
            one for a new tenant (returned in :attr:`TenantInfo.password`) and
            keeps an existing tenant's. Must be None for SQLite, whose files
            are their OS user's.
        limits: PostgreSQL only: the tenant's connection limit and timeouts.

    Returns:
        The tenant, where its store lives (file, or URL without password),
        the password if one was set, whether anything was created, and notes
        on what else was changed.

    Raises:
        InvalidTenantError: If the name is invalid or reserved (a ``ValueError``).
        ValueError: If a password or limits are given for SQLite.
        StoreError: If the administrator may not set tenants up, or the SQLite
            folder or file is not the user's own.
    """
    validate_tenant(tenant)
    if store_url_or_root is not None and is_url(store_url_or_root):
        url = str(store_url_or_root)
        if parse_url(url).get_backend_name() == "postgresql":
            return create_postgres_tenant(url, tenant, password, limits=limits)
        if not url.startswith("sqlite"):
            raise InvalidStoreURLError(
                f"unsupported store URL {parse_url(url).render_as_string(hide_password=True)!r}: "
                "SQLite (a folder, a file or sqlite:///file) or PostgreSQL only"
            )
    if password is not None or limits is not None:
        raise ValueError(
            "SQLite workspaces have no passwords nor limits: a workspace is its OS user's own "
            "(files 0600 in a 0700 folder); use PostgreSQL for tenants that must be kept apart"
        )
    return create_sqlite_tenant(_sqlite_file(store_url_or_root, tenant), tenant)
