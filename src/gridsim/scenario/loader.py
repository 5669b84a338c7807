"""Loading a scenario file: its ``extends`` chain, merged onto the defaults, validated.

A variant names its parent with ``extends = "base.toml"``; the parent is
resolved relative to the variant and must stay inside a scenario root
(:func:`~gridsim.scenario.files.scenario_roots`). Every file of the chain is
merged by the one merge rule (:func:`~gridsim.scenario.tables.merge_tables`),
the variant over its parent and the result over the documented defaults, and
the scenario remembers which file set each key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridsim.fileio import InputError, check_regular_file, display_path
from gridsim.scenario.errors import ScenarioError
from gridsim.scenario.files import FILE_KEYS, inside, read_toml, scenario_roots
from gridsim.scenario.params import MAX_EXTENDS
from gridsim.scenario.schema import Scenario, validate
from gridsim.scenario.tables import flatten, merge_tables

__all__ = ["default_scenario", "load_scenario"]


@functools.cache
def _defaults() -> dict[str, Any]:
    """The documented defaults as data (every table of the schema, filled)."""
    return Scenario().to_dict()


@dataclass(frozen=True)
class _Loaded:
    data: dict[str, Any]
    origin: dict[str, str]  # dotted key -> file that set it


def _load_chain(path: Path, display: str, roots: list[Path], seen: tuple[Path, ...]) -> _Loaded:
    raw = read_toml(path, display)
    parent_name = raw.pop("extends", None)
    origin = dict.fromkeys(flatten(raw), display)
    if parent_name is None:
        base = _Loaded({}, {})
    else:
        where = f"{display}: extends"
        if not isinstance(parent_name, str) or not parent_name:
            raise ScenarioError([f"{where}: must be a file name, got {parent_name!r}"])
        parent = inside(path.parent, parent_name, roots, where, "scenario file")
        if parent in seen:
            raise ScenarioError([f"{where}: cycle through '{parent_name}'"])
        if len(seen) >= MAX_EXTENDS:
            raise ScenarioError([f"{where}: more than {MAX_EXTENDS} files extend each other"])
        if not parent.exists():
            raise ScenarioError([f"{where}: '{parent_name}' not found"])
        base = _load_chain(parent, display_path(parent), roots, (*seen, parent))
    for section, key, what in FILE_KEYS:
        table = raw.get(section)
        name = table.get(key) if isinstance(table, dict) else None
        if not isinstance(name, str):
            continue
        where = f"{display}: {section}.{key}"
        resolved = inside(path.parent, name, roots, where, what)
        if not resolved.exists():
            raise ScenarioError([f"{where}: '{name}' not found"])
        try:
            check_regular_file(resolved, f"'{name}'")
        except InputError as exc:
            raise ScenarioError([f"{where}: {line}" for line in exc.problems]) from None
        table[key] = str(resolved)
    return _Loaded(merge_tables(base.data, raw), {**base.origin, **origin})


def load_scenario(path: str | Path, roots: Iterable[str | Path] = ()) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Every file of the ``extends`` chain is merged with :func:`merge_tables`,
    the variant over its parent, and the result over the documented defaults.
    A variant does not inherit its parent's ``name``: unset, it is the file's
    stem (the ``description`` is inherited, like any other key).

    Args:
        path: The TOML file.
        roots: Further folders that ``extends`` and ``district.communities_csv``
            may lead into, besides the file's own scenario tree and the
            ``GRIDSIM_SCENARIO_ROOT`` folders (see :func:`scenario_roots`).

    Returns:
        The validated scenario; :meth:`Scenario.set_by` tells which file set
        each key.

    Raises:
        ScenarioError: With one line per problem, each naming file and key.
    """
    path = Path(path)
    resolved = path.resolve()
    allowed = scenario_roots(resolved, tuple(roots))
    display = display_path(path)
    loaded = _load_chain(resolved, display, allowed, (resolved,))
    data = merge_tables(_defaults(), loaded.data)
    origin = dict(loaded.origin)
    if origin.get("name") != display:  # a variant does not inherit its parent's name
        data["name"] = path.stem
        origin.pop("name", None)
    return validate(data, origin, display)


def default_scenario() -> Scenario:
    """The embedded defaults: the Yuelu 2013 baseline without any file."""
    return Scenario(name="yuelu-2013")
