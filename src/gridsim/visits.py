"""Deprecated: moved to :mod:`gridsim.model.visits`.

This module re-exports it for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.model.visits import *  # noqa: F403 (the old module's every name)

warnings.warn(
    "gridsim.visits is deprecated; import from gridsim.model.visits instead",
    DeprecationWarning,
    stacklevel=2,
)
