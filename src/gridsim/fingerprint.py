"""What a run's results depend on, as one hash: the key of stored runs and of numba's cache.

A stored run is only as good as the code that computed it. Keying runs by
``gridsim.__version__`` served stale results whenever the model changed
without a version bump, so the store keys them by :func:`model_fingerprint`
instead: a SHA-256 over

* the source files of the modules that compute a run's results
  (:data:`MODEL_MODULES`: the scenario schema and its defaults, the district,
  the agents, the mechanisms, the model, the visit plan, the random streams,
  the compiled kernel and its codes, the KPIs), byte for byte; a name that is
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
be served stale machine code. :func:`kernel_jit` therefore keeps the compiled
kernel in a cache folder named by :func:`kernel_fingerprint` (every source
file of :data:`KERNEL_MODULES`, i.e. of the :mod:`gridsim.kernel` package, and
the numpy, numba and Python versions): any change there compiles afresh
into a new folder (older folders beyond the last few are removed), and an
unchanged kernel loads from the cache in any later process.

Both hashes read the files once per process (a few hundred kilobytes).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "KERNEL_MODULES",
    "MODEL_MODULES",
    "RESULT_PACKAGES",
    "SHORT",
    "kernel_cache_dir",
    "kernel_fingerprint",
    "kernel_jit",
    "model_fingerprint",
    "short",
    "source_files",
]

F = TypeVar("F", bound=Callable[..., Any])

PACKAGE_DIR = Path(__file__).resolve().parent
"""The folder of gridsim's modules."""

KERNEL_MODULES: tuple[str, ...] = ("kernel", "mechanisms/registry")
"""Modules whose code numba compiles, or whose globals the compiled code reads as constants.

``kernel`` is the :mod:`gridsim.kernel` package: all its files;
``mechanisms/registry`` the one module of a package the kernel imports (the
mechanisms' codes). Every module-level ``gridsim`` import of a compiled module
must be listed (a test checks it): numba freezes imported constants into the
machine code.
"""

MODEL_MODULES: tuple[str, ...] = (
    "agents",
    "district",
    "kernel",
    "kpis",
    "mechanisms",
    "model",
    "scenario",
    "streams",
    "visits",
    "vocab",
)
"""Modules and packages that compute a run's results from its scenario (their sources are hashed).

A test checks that every ``gridsim`` module these import is listed too,
except :data:`NOT_RESULT_MODULES`.
"""

NOT_RESULT_MODULES: dict[str, str] = {
    "fileio": "reads and writes files; what it reads is hashed as scenario content",
    "fingerprint": "names the kernel's cache folder; computes nothing",
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

KEPT_KERNEL_CACHES = 3
"""Kernel cache folders kept in gridsim's own cache root (the newest; the rest are removed)."""

_FORMAT = b"gridsim fingerprint 1\0"  # bump to invalidate every stored run on purpose


def short(fingerprint: str) -> str:
    """The short form of a fingerprint (or any model version) shown to people.

    Args:
        fingerprint: A fingerprint, or an older store's version string (``0.1.0``).

    Returns:
        Its first :data:`SHORT` characters.
    """
    return str(fingerprint)[:SHORT]


def _versions(packages: Iterable[str]) -> dict[str, str]:
    out = {"python": f"{sys.implementation.name} {sys.version_info[0]}.{sys.version_info[1]}"}
    for name in packages:  # gridsim imports all of them anyway
        out[name] = str(importlib.import_module(name).__version__)
    return out


def source_files(name: str) -> list[Path]:
    """The source files of one of gridsim's modules or packages, as hashed.

    Args:
        name: A module (``"model"``: ``model.py``) or a package (``"kernel"``:
            every ``.py`` file under ``kernel/``, sorted), relative to
            :data:`PACKAGE_DIR`.

    Returns:
        The files, found now (a file added to a package is included).
    """
    folder = PACKAGE_DIR / name
    if folder.is_dir():
        return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    return [PACKAGE_DIR / f"{name}.py"]


def _hash_sources(h: Any, modules: Iterable[str]) -> None:
    for name in sorted(modules):
        for path in source_files(name):
            data = path.read_bytes()
            h.update(f"{path.relative_to(PACKAGE_DIR).as_posix()}\0{len(data)}\0".encode())
            h.update(data)


@functools.cache
def kernel_fingerprint() -> str:
    """Hash of what numba's compiled kernel depends on.

    Returns:
        SHA-256 (hex) of the sources of :data:`KERNEL_MODULES` (every file of
        the kernel package) and the numpy, numba and Python versions.
    """
    h = hashlib.sha256(_FORMAT + b"kernel\0")
    _hash_sources(h, KERNEL_MODULES)
    h.update(json.dumps(_versions(("numpy", "numba")), sort_keys=True).encode())
    return h.hexdigest()


@functools.cache
def model_fingerprint() -> str:
    """Hash of everything that determines a run's results (the key of stored runs).

    See the module docstring for what goes in. Computed once per process.

    Returns:
        SHA-256 (hex, 64 digits).
    """
    from gridsim.kpi_registry import DAILY_COLUMNS, GRID_COLUMNS
    from gridsim.scenario import Scenario

    h = hashlib.sha256(_FORMAT + b"model\0")
    _hash_sources(h, MODEL_MODULES)
    schema = Scenario.model_json_schema()
    layout = {"grids": list(GRID_COLUMNS), "daily": list(DAILY_COLUMNS)}
    for part in (schema, layout, _versions(RESULT_PACKAGES)):
        h.update(b"\0")
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _prune(root: Path, keep: Path) -> None:
    """Remove all but the newest :data:`KEPT_KERNEL_CACHES` kernel cache folders of ``root``."""
    with contextlib.suppress(OSError):
        folders = sorted(
            (p for p in root.glob("kernel-*") if p.is_dir() and p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in folders[KEPT_KERNEL_CACHES - 1 :]:
            shutil.rmtree(old, ignore_errors=True)


@functools.cache
def kernel_cache_dir() -> Path | None:
    """The folder numba caches the compiled kernel in, named by :func:`kernel_fingerprint`.

    ``<root>/kernel-<16 hex digits>``, where the root is ``$NUMBA_CACHE_DIR/gridsim``
    if the user set ``NUMBA_CACHE_DIR``, else gridsim's ``__pycache__/numba``
    folder, else the user's cache folder (``$XDG_CACHE_HOME/gridsim/numba`` or
    ``~/.cache/gridsim/numba``): the first that is writable. A new folder
    makes the older ones in gridsim's own roots beyond the newest
    :data:`KEPT_KERNEL_CACHES` go (a folder under ``NUMBA_CACHE_DIR`` is never
    pruned).

    Returns:
        The folder (created), or None if none of the roots is writable (numba
        then compiles without caching).
    """
    name = f"kernel-{kernel_fingerprint()[:16]}"
    user = os.environ.get("NUMBA_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    roots: list[tuple[Path, bool]] = []
    if user:
        roots.append((Path(user).expanduser() / "gridsim", False))
    roots.append((PACKAGE_DIR / "__pycache__" / "numba", True))
    roots.append((Path(xdg).expanduser() / "gridsim" / "numba", True))
    for root, ours in roots:
        folder = root / name
        existed = folder.is_dir()
        if _writable(folder):
            if ours and not existed:
                _prune(root, folder)
            return folder
    return None


def kernel_jit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(cache=True, **options)``, cached under :func:`kernel_cache_dir`.

    Numba picks a function's cache folder when the function is decorated
    (from ``numba.config.CACHE_DIR``), so this sets that folder for the
    decoration only and restores it afterwards: other numba code in the
    process keeps its own cache.

    Args:
        **options: Further ``numba.njit`` options (e.g. ``nogil=True``).

    Returns:
        A decorator. Without a writable cache folder it compiles without caching
        (numba's fallback folders would be keyed by the defining file alone).
    """
    import numba

    def decorate(func: F) -> F:
        folder = kernel_cache_dir()
        if folder is None:  # numba's own cache folders are not keyed by the kernel: none
            return numba.njit(cache=False, **options)(func)
        before = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = str(folder)
        try:
            return numba.njit(cache=True, **options)(func)
        finally:
            numba.config.CACHE_DIR = before

    return decorate
