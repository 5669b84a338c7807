"""numba's ``njit`` for the kernel, cached in a folder named by a hash of the kernel's sources.

Numba's on-disk cache checks the source of the file that defines a compiled
function, not the constants that file imports (the codes in
:mod:`gridsim.kernel.codes`) nor the other modules whose compiled functions it
calls: a changed code or callee would be served stale machine code.
:func:`kernel_jit` therefore caches the kernel in a folder named by
:func:`kernel_fingerprint` — every source file of :data:`KERNEL_MODULES` and
the numpy, numba and Python versions — so any change there compiles afresh
into a new folder (older folders beyond the last few are removed), and an
unchanged kernel loads from the cache in any later process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from gridsim.sources import FORMAT, PACKAGE_DIR, hash_sources, versions

__all__ = [
    "KEPT_KERNEL_CACHES",
    "KERNEL_MODULES",
    "kernel_cache_dir",
    "kernel_fingerprint",
    "kernel_jit",
]

F = TypeVar("F", bound=Callable[..., Any])

KERNEL_MODULES: tuple[str, ...] = ("kernel", "mechanisms/registry")
"""Modules whose code numba compiles, or whose globals the compiled code reads as constants.

``kernel`` is the :mod:`gridsim.kernel` package: all its files;
``mechanisms/registry`` the one module of a package the kernel imports (the
mechanisms' codes). Every module-level ``gridsim`` import of a compiled module
must be listed (a test checks it): numba freezes imported constants into the
machine code.
"""

KEPT_KERNEL_CACHES = 3
"""Kernel cache folders kept in gridsim's own cache root (the newest; the rest are removed)."""


@functools.cache
def kernel_fingerprint() -> str:
    """Hash of what numba's compiled kernel depends on.

    Returns:
        SHA-256 (hex) of the sources of :data:`KERNEL_MODULES` (every file of
        the kernel package) and the numpy, numba and Python versions.
    """
    h = hashlib.sha256(FORMAT + b"kernel\0")
    hash_sources(h, KERNEL_MODULES)
    h.update(json.dumps(versions(("numpy", "numba")), sort_keys=True).encode())
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
