"""Deprecated: moved to :mod:`gridsim.model.agents`.

This module re-exports it for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.model.agents import *  # noqa: F403 (the old module's every name)

warnings.warn(
    "gridsim.agents is deprecated; import from gridsim.model.agents instead",
    DeprecationWarning,
    stacklevel=2,
)
