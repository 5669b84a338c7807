"""Deprecated: the compiled kernel moved to :mod:`gridsim.kernel`.

This module re-exports its names for one release and warns on import; import
from :mod:`gridsim.kernel` (``make``, ``buffers``, ``step_day``...) instead.
``python -m gridsim.pipeline`` still warms the cache (``python -m gridsim.model``).
"""

from __future__ import annotations

import warnings

from gridsim.kernel.day import enqueue, schedule, step_day
from gridsim.kernel.rng import uniform as _uniform
from gridsim.kernel.struct import FIELDS, Pipeline, PipelineType, buffers, make
from gridsim.model.__main__ import warm_up

__all__ = [
    "FIELDS",
    "Pipeline",
    "PipelineType",
    "buffers",
    "enqueue",
    "make",
    "schedule",
    "step_day",
    "warm_up",
]

_ = _uniform  # re-exported for code that read the private name

warnings.warn(
    "gridsim.pipeline is deprecated; import from gridsim.kernel instead",
    DeprecationWarning,
    stacklevel=2,
)

if __name__ == "__main__":
    print(f"gridsim: case pipeline compiled and cached in {warm_up():.1f} s")
