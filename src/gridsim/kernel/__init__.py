"""The compiled kernel: the case pipeline of one simulated day, in numba.

Modules, lowest first (each imports only those above it in this list):

* :mod:`~gridsim.kernel.jit` — numba's ``njit``, cached under a hash of
  this package's sources;
* :mod:`~gridsim.kernel.codes` — states, channels, tiers, rows and parameter
  slots of the kernel's arrays (plain integers; no numba);
* :mod:`~gridsim.kernel.struct` — the :class:`Pipeline` StructRef of the
  model's arrays (:data:`FIELDS`, :func:`make`, :func:`buffers`);
* :mod:`~gridsim.kernel.rng` — counter-based (SplitMix64) per-case draws;
* :mod:`~gridsim.kernel.queues` — entry pools, the day calendar, unit queues
  (skew heaps), work lists;
* :mod:`~gridsim.kernel.units` — a case's complexity level and unit per tier;
* :mod:`~gridsim.kernel.dispatch` — the one place a mechanism's code becomes a
  branch;
* :mod:`~gridsim.kernel.moves` — join a queue, get a deadline, close;
* :mod:`~gridsim.kernel.postings` — cadre rotations applied as a day starts;
* the stages :mod:`~gridsim.kernel.assign` (交), :mod:`~gridsim.kernel.collect`
  (集), :mod:`~gridsim.kernel.handle` (办), :mod:`~gridsim.kernel.reply` (复),
  :mod:`~gridsim.kernel.supervise`;
* :mod:`~gridsim.kernel.day` — :func:`step_day`, the day loop;
* :mod:`~gridsim.kernel.visits` — compiled loops of the visit plan.

Every compiled function is decorated with :func:`gridsim.kernel.jit.kernel_jit`,
which caches it in a folder named by a hash of every source file of this
package: numba notices a changed function only in the file that defines it.
``python -m gridsim.model`` compiles and caches it all (``make warm``), by running a tiny model.

Importing this package is cheap: the names below load numba and the compiled
code on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridsim.kernel.day import closed_since, enqueue, schedule, step_day
    from gridsim.kernel.struct import (
        FIELDS,
        Pipeline,
        PipelineType,
        arrival_tables,
        buffers,
        make,
    )

__all__ = [
    "FIELDS",
    "Pipeline",
    "PipelineType",
    "arrival_tables",
    "buffers",
    "closed_since",
    "enqueue",
    "make",
    "schedule",
    "step_day",
]

_LAZY = {
    "FIELDS": "struct",
    "Pipeline": "struct",
    "PipelineType": "struct",
    "arrival_tables": "struct",
    "buffers": "struct",
    "make": "struct",
    "closed_since": "day",
    "enqueue": "day",
    "schedule": "day",
    "step_day": "day",
}


def __getattr__(name: str) -> Any:
    """Load the compiled kernel's public names on first use (they import numba)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gridsim.kernel' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gridsim.kernel.{module}"), name)
    globals()[name] = value
    return value
