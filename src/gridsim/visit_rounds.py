"""Deprecated: the compiled visit loops moved to :mod:`gridsim.kernel.visits`.

This module re-exports them for one release and warns on import.
"""

from __future__ import annotations

import warnings

from gridsim.kernel.visits import pairs, rounds

__all__ = ["pairs", "rounds"]

warnings.warn(
    "gridsim.visit_rounds is deprecated; import from gridsim.kernel.visits instead",
    DeprecationWarning,
    stacklevel=2,
)
