"""Deprecated: moved to :mod:`gridsim.model.district`.

This module re-exports it for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.model.district import *  # noqa: F403 (the old module's every name)

warnings.warn(
    "gridsim.district is deprecated; import from gridsim.model.district instead",
    DeprecationWarning,
    stacklevel=2,
)
