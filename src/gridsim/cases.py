"""Deprecated: the case pipeline's codes moved to :mod:`gridsim.kernel.codes`.

This module re-exports them for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.kernel.codes import *  # noqa: F403 (the old module's every name)

warnings.warn(
    "gridsim.cases is deprecated; import from gridsim.kernel.codes instead",
    DeprecationWarning,
    stacklevel=2,
)
