"""gridsim's own source files, read and hashed: what the model and kernel fingerprints are made of.

Two hashes key what gridsim keeps: :func:`gridsim.fingerprint.model_fingerprint`
(stored runs) and :func:`gridsim.kernel.jit.kernel_fingerprint` (numba's cache
folder). Both are SHA-256 over some of gridsim's modules, byte for byte; this
module finds those files and feeds them to a hash. It computes nothing of a
run and imports nothing of gridsim.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
"""The folder of gridsim's modules."""

FORMAT = b"gridsim fingerprint 1\0"
"""Prefix of every fingerprint: bump to invalidate every stored run and kernel cache on purpose."""


def source_files(name: str) -> list[Path]:
    """The source files of one of gridsim's modules or packages, as hashed.

    Args:
        name: A module (``"streams"``: ``streams.py``) or a package (``"kernel"``:
            every ``.py`` file under ``kernel/``, sorted), relative to
            :data:`PACKAGE_DIR`; ``"mechanisms/registry"`` names one module of a
            package.

    Returns:
        The files, found now (a file added to a package is included).
    """
    folder = PACKAGE_DIR / name
    if folder.is_dir():
        return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    return [PACKAGE_DIR / f"{name}.py"]


def hash_sources(h: Any, modules: Iterable[str]) -> None:
    """Feed the named modules' files to the hash ``h`` (path, length, bytes; sorted by name).

    Args:
        h: A ``hashlib`` hash object.
        modules: Names as :func:`source_files` takes them.
    """
    for name in sorted(modules):
        for path in source_files(name):
            data = path.read_bytes()
            h.update(f"{path.relative_to(PACKAGE_DIR).as_posix()}\0{len(data)}\0".encode())
            h.update(data)


def versions(packages: Iterable[str]) -> dict[str, str]:
    """The Python version (major.minor) and the versions of ``packages``, as hashed.

    Args:
        packages: Importable package names with a ``__version__``.

    Returns:
        ``{"python": "cpython 3.13", "numpy": "2.2.6", ...}``.
    """
    out = {"python": f"{sys.implementation.name} {sys.version_info[0]}.{sys.version_info[1]}"}
    for name in packages:  # gridsim imports all of them anyway
        out[name] = str(importlib.import_module(name).__version__)
    return out


__all__ = ["FORMAT", "PACKAGE_DIR", "hash_sources", "source_files", "versions"]
