"""Deprecated: moved to :mod:`gridsim.model.kpis`.

This module re-exports it for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.model.kpis import *  # noqa: F403 (the old module's every name)

warnings.warn(
    "gridsim.kpis is deprecated; import from gridsim.model.kpis instead",
    DeprecationWarning,
    stacklevel=2,
)
