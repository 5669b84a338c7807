"""What a run's results depend on, as one hash: the key of stored runs and of numba's cache.

A stored run is only as good as the code that computed it. Keying runs by
``gridsim.__version__`` served stale results whenever the model changed
without a version bump, so the store keys them by :func:`model_fingerprint`
instead: a SHA-256 over

* the source files of the modules that compute a run's results
  (:data:`MODEL_MODULES`: the scenario schema and its defaults, the district,
  the model package — district, households, agents, visits, KPIs —, the
  mechanisms, the random streams, the compiled kernel and its codes, and
  :mod:`gridsim.geo`, which draws the grids of a district on a map), byte
  for byte; a name that is
  a package stands for every ``.py`` file under its folder, found when the
  hash is computed, so a new file is never left out;
* the JSON schema of :class:`gridsim.scenario.Scenario` (keys, defaults and
  bounds as pydantic validates them);
* the columns every stored run keeps (``gridsim.kpi_registry.GRID_COLUMNS`` and
  ``DAILY_COLUMNS``);
* the Python version (major.minor) and the versions of the packages whose
  code computes numbers in a run (:data:`RESULT_PACKAGES`: numpy, numba,
  mesa, scipy, pandas).

Modules that only read, compare, report or schedule runs (``store``,
``experiment``, ``comparison``, ``report``, ``executors`` apart from its
column lists, ``cli``...) are not part of it: changing them does not change
a run. Runs stored under another fingerprint (or, from before this module,
under a version string such as ``0.1.0``) stay in the store and are listed
by ``gridsim runs list``, but are never served as results: an experiment
computes its runs again under the current fingerprint.

Numba's on-disk cache has the same weakness at a smaller scale: it checks
the source of the file that defines a compiled function, not the constants
that file imports (the codes in :mod:`gridsim.kernel.codes`) nor the other
modules whose compiled functions it calls, so a changed code or callee would
be served stale machine code. :func:`gridsim.kernel.jit.kernel_jit` therefore
keeps the compiled kernel in a cache folder named by
:func:`gridsim.kernel.jit.kernel_fingerprint` (every source
file of :data:`gridsim.kernel.jit.KERNEL_MODULES`, i.e. of the :mod:`gridsim.kernel` package, and
the numpy, numba and Python versions): any change there compiles afresh
into a new folder (older folders beyond the last few are removed), and an
unchanged kernel loads from the cache in any later process.

Both hashes read the files once per process (a few hundred kilobytes).
"""

from __future__ import annotations

import functools
import hashlib
import json

from gridsim.sources import FORMAT, hash_sources, versions

__all__ = [
    "MODEL_MODULES",
    "NOT_RESULT_MODULES",
    "RESULT_PACKAGES",
    "SHORT",
    "model_fingerprint",
    "short",
]

MODEL_MODULES: tuple[str, ...] = (
    "geo",
    "kernel",
    "mechanisms",
    "model",
    "scenario",
    "streams",
    "vocab",
)
"""Modules and packages that compute a run's results from its scenario (their sources are hashed).

A test checks that every ``gridsim`` module these import is listed too,
except :data:`NOT_RESULT_MODULES`.
"""

NOT_RESULT_MODULES: dict[str, str] = {
    "fileio": "reads and writes files; what it reads is hashed as scenario content",
    "sources": "finds and hashes gridsim's source files; computes nothing",
    "kpi_registry": (
        "names, labels and describes the KPIs; the stored-run layout it defines is hashed as "
        "data (GRID_COLUMNS, DAILY_COLUMNS)"
    ),
}
"""Modules that model modules import but that do not change results, and why."""

RESULT_PACKAGES: tuple[str, ...] = ("numpy", "numba", "mesa", "scipy", "pandas")
"""Packages whose code computes numbers in a run (their versions are hashed)."""

SHORT = 12
"""Hex digits of a fingerprint shown to people (``gridsim runs list``)."""


def short(fingerprint: str) -> str:
    """The short form of a fingerprint (or any model version) shown to people.

    Args:
        fingerprint: A fingerprint, or an older store's version string (``0.1.0``).

    Returns:
        Its first :data:`SHORT` characters.
    """
    return str(fingerprint)[:SHORT]


@functools.cache
def model_fingerprint() -> str:
    """Hash of everything that determines a run's results (the key of stored runs).

    See the module docstring for what goes in. Computed once per process.

    Returns:
        SHA-256 (hex, 64 digits).
    """
    from gridsim.kpi_registry import DAILY_COLUMNS, GRID_COLUMNS
    from gridsim.scenario import Scenario

    h = hashlib.sha256(FORMAT + b"model\0")
    hash_sources(h, MODEL_MODULES)
    schema = Scenario.model_json_schema()
    layout = {"grids": list(GRID_COLUMNS), "daily": list(DAILY_COLUMNS)}
    for part in (schema, layout, versions(RESULT_PACKAGES)):
        h.update(b"\0")
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()
