"""Deprecated: the reports' languages moved to :mod:`gridsim.reports.i18n`.

This module re-exports its names for one release and warns on import; import
from :mod:`gridsim.reports.i18n` instead (no notebook teaches this path).
"""

from __future__ import annotations

import warnings

from gridsim.reports.i18n import *  # noqa: F403 (the same names, by its __all__)
from gridsim.reports.i18n import __all__ as __all__

warnings.warn(
    "gridsim.i18n is deprecated; import from gridsim.reports.i18n instead",
    DeprecationWarning,
    stacklevel=2,
)
