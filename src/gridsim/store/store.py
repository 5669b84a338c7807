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
pickled (:mod:`gridsim.store.codec`).

The queries are SQLAlchemy Core, the same for every database; the database
itself is a :class:`~gridsim.store.base.Backend` chosen by the location
(:mod:`gridsim.store.registry`): an SQLite file (:mod:`gridsim.store.sqlite`)
or PostgreSQL (:mod:`gridsim.store.postgres`).

Most callers use :class:`gridsim.store.workspace.Workspace`, which picks the
file or URL for a tenant and builds the :class:`Store`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.engine import URL

from gridsim._version import __version__
from gridsim.model.kpis import KPI_NAMES, RunResult
from gridsim.store.base import Backend, UpsertInsert, translated
from gridsim.store.codec import (
    EncodedRun,
    JsonText,
    encode_result,
    frame_from_json,
    json_text,
    kpis_from_json,
)
from gridsim.store.keys import RunKey, current_model_version, run_key, validate_tenant
from gridsim.store.records import RunRecord
from gridsim.store.registry import open_backend
from gridsim.store.schema import RUN_COLUMNS

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["Store"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"experiment name must be a non-empty string, got {name!r}")


class Store:
    """One tenant's view of a results database (SQLite file or PostgreSQL).

    Every query is filtered by the tenant. Below that, an SQLite store is one
    file per tenant (which records its tenant), all of one OS user's; a
    PostgreSQL store is a database per tenant that only the tenant's own role
    may connect to (see :mod:`gridsim.store.postgres`).

    Args:
        location: SQLite database file (a path, or a URL: ``sqlite:///relative``
            or ``sqlite:////absolute``) or PostgreSQL URL
            (``postgresql://ROLE:PASSWORD@host/DATABASE`` as ``create_tenant`` gave
            it, or ``postgresql:///?service=NAME``; the password may come from
            ``PGPASSWORD``, ``~/.pgpass`` or a service file),
            or the URL of another registered backend
            (:func:`~gridsim.store.registry.register_backend`).
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
        self._backend = open_backend(
            location, self._tenant, busy_timeout=busy_timeout, create=create
        )
        self._tables = self._backend.tables
        self.created = self._backend.created

    # -- basics ---------------------------------------------------------------

    @property
    def tenant(self) -> str:
        """The tenant every read and write is scoped to."""
        return self._tenant

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"`` (the backend's SQLAlchemy dialect)."""
        return self._backend.dialect

    @property
    def location(self) -> str:
        """The SQLite file, or the PostgreSQL URL with the password hidden."""
        return self._backend.location

    @property
    def path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL)."""
        return self._backend.path

    @property
    def backend(self) -> Backend:
        """The opened database (see :class:`~gridsim.store.base.Backend`)."""
        return self._backend

    def close(self) -> None:
        """Close every pooled connection."""
        self._backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store(tenant={self._tenant!r}, location={self.location!r})"

    def _insert(self, table: Table) -> UpsertInsert:
        return self._backend.insert(table)

    @functools.cached_property
    def _insert_experiment(self) -> Any:
        """``INSERT INTO experiments ... ON CONFLICT DO NOTHING``, values given at execution."""
        e = self._tables.experiments
        return self._insert(e).on_conflict_do_nothing(index_elements=[e.c.tenant_id, e.c.name])

    @functools.cached_property
    def _insert_run(self) -> Any:
        """``INSERT INTO runs ... ON CONFLICT (key) DO NOTHING``, values given at execution."""
        r = self._tables.runs
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
        engine = self._backend.engine(write=True)
        with translated(self._backend.translate), engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        engine = self._backend.engine(write=False)
        with translated(self._backend.translate), engine.connect() as conn:
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
        t = self._tables.experiments
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
        t = self._tables.experiments
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
        e, r = self._tables.experiments, self._tables.runs
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
        backend_delete = getattr(self._backend, "delete_experiment", None)
        e, r = self._tables.experiments, self._tables.runs
        with self._write() as conn:
            if backend_delete is not None:  # e.g. PostgreSQL: tenants hold no DELETE
                return int(backend_delete(conn, self._tenant, name))
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
        gridsim_version = __version__
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
        r = self._tables.runs
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
        r = self._tables.runs
        query = select(*(r.c[name] for name in RUN_COLUMNS), r.c.kpis).where(
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
            base = dict(zip(RUN_COLUMNS, row[: len(RUN_COLUMNS)], strict=True))
            base["created_at"] = _as_utc(base["created_at"])
            kpis = kpis_from_json(row.kpis)
            kpi_names.update(dict.fromkeys(kpis))
            records.append({**base, **kpis})
        present = [k for k in kpi_names if any(k in rec for rec in records)]
        return pd.DataFrame(records, columns=[*RUN_COLUMNS, *present])

    def load_runs(self, experiment: str) -> list[RunRecord]:
        """An experiment's runs, fully decoded.

        Args:
            experiment: Experiment name.

        Returns:
            One record per run, ordered by scenario and replication.
        """
        r = self._tables.runs
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
                kpis=kpis_from_json(row.kpis),
                daily=frame_from_json(row.daily),
                grids=frame_from_json(row.grids),
            )
            for row in rows
        ]
