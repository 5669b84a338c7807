"""Who owns a store and what identifies a run in it: tenant names and run keys.

A tenant's name is also the name of its SQLite file and of its PostgreSQL
role, so it is checked here once (:func:`validate_tenant`). A run is stored
under (tenant, experiment, :class:`RunKey`): the scenario's content hash, the
replication and the model version, which is the model's fingerprint
(:func:`gridsim.fingerprint.model_fingerprint`), so a changed model is never
served the runs of an older one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from gridsim import fingerprint
from gridsim.store.errors import InvalidTenantError
from gridsim.store.schema import PG_ADMIN_SCHEMA, PG_GROUP_ROLE, PG_SCHEMA

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = [
    "RESERVED_TENANTS",
    "TENANT_PATTERN",
    "RunKey",
    "current_model_version",
    "run_key",
    "validate_tenant",
]

TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
"""Tenant names: a lower-case letter, then 1–39 lower-case letters, digits or ``_``."""

RESERVED_TENANTS = frozenset(
    {"public", "postgres", PG_SCHEMA, PG_ADMIN_SCHEMA, PG_GROUP_ROLE, "none"}
)
"""Names that would collide with PostgreSQL or gridsim roles (``pg_*`` is reserved too)."""


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
