"""The tenant's workspace, kept at its old path: see :mod:`gridsim.store.workspace`.

``from gridsim.workspace import Workspace`` is the path the README, the docs
and the notebooks teach, so it stays without a warning; new code may import
from :mod:`gridsim.store` (or ``gridsim.Workspace``).
"""

from gridsim.store.workspace import (
    DEFAULT_HOME,
    SQLITE_SUFFIXES,
    Workspace,
    create_tenant,
    default_root,
    tenant_path,
    tenants_in,
)

__all__ = [
    "DEFAULT_HOME",
    "SQLITE_SUFFIXES",
    "Workspace",
    "create_tenant",
    "default_root",
    "tenant_path",
    "tenants_in",
]
