"""What the store hands back: a stored run, decoded, and a tenant that was set up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url

from gridsim.model.kpis import RunResult
from gridsim.store.errors import StoreError
from gridsim.store.keys import RunKey
from gridsim.store.urls import is_url

__all__ = ["RunRecord", "TenantInfo"]


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
        """The run as a :class:`~gridsim.model.kpis.RunResult` (for tables and reports)."""
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
    """What ``create_sqlite_tenant`` / ``create_postgres_tenant`` set up.

    Attributes:
        tenant: Tenant name.
        store: Where the tenant's workspace lives: the SQLite file, or the
            PostgreSQL URL for the tenant's role (without the password).
        password: The password set for the tenant's role (generated if none was
            given to a new role); None for SQLite or when an existing role's
            password was left unchanged.
        created: False if everything already existed (an idempotent rerun).
        notes: What else setting the tenant up changed, one sentence each (e.g.
            PostgreSQL databases closed to ``PUBLIC``, rows copied from an older
            layout); empty if nothing.
    """

    tenant: str
    store: str
    password: str | None = field(default=None, repr=False)
    created: bool = True
    notes: tuple[str, ...] = ()

    def url_with_password(self) -> str:
        """The store URL with the password filled in (PostgreSQL only).

        Returns:
            A URL to pass as ``store=`` to :class:`~gridsim.store.workspace.Workspace`.

        Raises:
            StoreError: If this is not a PostgreSQL tenant or no password is known.
        """
        if not is_url(self.store) or self.password is None:
            raise StoreError(f"no PostgreSQL password known for tenant {self.tenant!r}")
        return make_url(self.store).set(password=self.password).render_as_string(False)
