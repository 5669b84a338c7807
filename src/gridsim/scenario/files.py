"""Reading the files a scenario names: bounded TOML, and the scenario roots they lie in.

:func:`read_toml` reads any TOML file gridsim is given (scenario, experiment,
plan) within the documented size, depth and key limits. Paths a file names
(``extends``, ``base``, a communities CSV) must lead inside a scenario root
(:func:`scenario_roots`): the ``scenarios/`` tree of the file opened, or a
folder the user names.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gridsim.fileio import MAX_TOML_BYTES, InputError, display_path, read_bounded, resolve_inside
from gridsim.scenario.errors import ScenarioError
from gridsim.scenario.params import MAX_TOML_DEPTH, MAX_TOML_KEYS

__all__ = ["SCENARIO_ROOT_ENV", "inside", "read_toml", "scenario_roots", "scenarios_root"]

SCENARIO_ROOT_ENV = "GRIDSIM_SCENARIO_ROOT"
"""Environment variable naming extra scenario roots (``os.pathsep``-separated)."""


def scenarios_root(path: Path) -> Path:
    """The scenario tree of a file: its nearest ancestor named ``scenarios``, else its folder."""
    for parent in path.parents:
        if parent.name == "scenarios":
            return parent
    return path.parent


def scenario_roots(opened: Path, extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders that paths named inside ``opened`` (``extends``, ``base``, CSVs) may lie in.

    The tree of the file opened (its nearest ancestor folder named ``scenarios``,
    else its own folder), plus any roots the user names: ``extra`` (the
    ``--scenario-root`` option) and the ``GRIDSIM_SCENARIO_ROOT`` variable. So a
    project folder outside the clone can extend the shipped baseline by naming
    the clone's ``scenarios`` folder as a root.

    Args:
        opened: The file the user opened (resolved or not).
        extra: Roots named on the command line or in Python.

    Returns:
        Resolved folders, the opened file's tree first.
    """
    roots = [scenarios_root(Path(opened).resolve())]
    env = os.environ.get(SCENARIO_ROOT_ENV, "")
    for r in [*extra, *(Path(x) for x in env.split(os.pathsep) if x.strip())]:
        resolved = Path(r).expanduser().resolve()
        if resolved not in roots:
            roots.append(resolved)
    return roots


FILE_KEYS: tuple[tuple[str, str, str], ...] = (
    ("district", "communities_csv", "communities CSV"),
    ("district", "map", "map"),
    ("grids", "drawn", "grids file"),
)
"""(section, key, what) of every scenario key that names a file: resolved relative to
the scenario file that sets it, inside a scenario root, and hashed by content."""


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> bytes:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").digest()


def file_digest(path: str | Path) -> bytes:
    """SHA-256 of a file's bytes (not read again while its size and mtime stay the same).

    Raises:
        ScenarioError: The file cannot be read.
    """
    try:
        st = os.stat(path)
        return _digest(str(path), st.st_size, st.st_mtime_ns)
    except OSError as exc:
        raise ScenarioError([f"{display_path(path)}: cannot read ({exc.strerror})"]) from None


def resolve_file_changes(
    changes: Mapping[str, Any], base_dir: Path, roots: list[Path], where: str
) -> dict[str, Any]:
    """``changes`` with every file key (:data:`FILE_KEYS`) resolved to an absolute path.

    A relative path is taken from ``base_dir`` (the folder of the file that
    wrote the changes) and must lead to an existing regular file inside
    ``roots``, as a scenario file's own paths must.

    Raises:
        ScenarioError: A path leads out of the roots, or names no file.
    """
    out = dict(changes)
    for section, key, what in FILE_KEYS:
        dotted = f"{section}.{key}"
        name = out.get(dotted)
        if not isinstance(name, str):
            continue
        resolved = inside(base_dir, name, roots, f"{where}: {dotted}", what)
        if not resolved.is_file():
            raise ScenarioError([f"{where}: {dotted}: '{name}' not found"])
        out[dotted] = str(resolved)
    return out


def inside(base_dir: Path, name: str, roots: list[Path], where: str, what: str) -> Path:
    """:func:`gridsim.fileio.resolve_inside`, its problems raised as a :class:`ScenarioError`.

    Args:
        base_dir: Folder ``name`` is relative to.
        name: The path as written in the file.
        roots: Folders the path must lead into.
        where: File and key that name the path, for messages.
        what: What the path is ("scenario file", "CSV"), for messages.

    Returns:
        The resolved path.

    Raises:
        ScenarioError: The path leads out of every root, or is absolute.
    """
    try:
        return resolve_inside(base_dir, name, roots, where=where, what=what)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None


def _shape_problem(data: dict[str, Any]) -> str | None:
    """Why a parsed TOML document is too deep or too big to read, or ``None``."""
    keys = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        keys += len(node)
        if keys > MAX_TOML_KEYS:
            return f"more than {MAX_TOML_KEYS:,} keys and values (a scenario has about 130)"
        for child in children:
            if isinstance(child, dict | list):
                if depth >= MAX_TOML_DEPTH:
                    return f"tables or arrays nested deeper than {MAX_TOML_DEPTH} levels"
                stack.append((child, depth + 1))
    return None


def read_toml(path: str | Path, display: str | None = None) -> dict[str, Any]:
    """Read a TOML file gridsim is given (scenario, experiment, plan), bounded.

    Only a regular file of at most :data:`gridsim.fileio.MAX_TOML_BYTES` is
    read (a FIFO or device is refused before it is opened), and the document
    may nest at most :data:`MAX_TOML_DEPTH` levels and hold at most
    :data:`MAX_TOML_KEYS` keys.

    Args:
        path: The file.
        display: How to name it in messages (default: relative to the working folder).

    Returns:
        The parsed document.

    Raises:
        ScenarioError: One line naming the file and what is wrong.
    """
    path = Path(path)
    name = display if display is not None else display_path(path)
    try:
        raw = read_bounded(path, MAX_TOML_BYTES, name)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name}: not valid UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        data = None
    problem = (
        f"tables or arrays nested deeper than {MAX_TOML_DEPTH} levels"
        if data is None
        else _shape_problem(data)
    )
    if problem is not None:
        raise ScenarioError(f"{name}: {problem}: not read")
    assert data is not None
    return data
