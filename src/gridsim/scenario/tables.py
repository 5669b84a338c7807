"""The one merge rule, and dotted keys into nested tables.

Files, parents, experiment variants and :meth:`Scenario.with_changes
<gridsim.scenario.Scenario.with_changes>` all follow :func:`merge_tables`: key
by key at every depth, so a table that sets one key keeps every other key of
the table below it. :func:`set_path` writes a dotted key (``handle.capacity``)
into nested tables, checking each part against the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from gridsim.scenario.errors import ScenarioError, hint

__all__ = ["flatten", "merge_tables", "set_path"]


def merge_tables(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """The one merge rule: ``top`` over ``base``, key by key at every depth.

    A key of ``top`` whose value is a table and whose ``base`` value is a table
    merges into it; any other value replaces the ``base`` value whole. Files
    merge onto the documented defaults this way, a variant onto the file it
    ``extends``, and :meth:`Scenario.with_changes` onto the scenario, so
    ``[district.kinds.village]`` with only ``share`` keeps the village's
    documented multipliers.

    Args:
        base: Lower table (not modified).
        top: Upper table (not modified).

    Returns:
        A new table; its sub-tables are new too, never shared with the inputs.
    """
    out = {k: merge_tables(v, {}) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in top.items():
        lower = out.get(key)
        if isinstance(value, Mapping):
            out[key] = merge_tables(lower if isinstance(lower, Mapping) else {}, value)
        else:
            out[key] = value
    return out


def set_path(
    data: dict[str, Any], path: str, value: Any, origin: str, model: type[BaseModel]
) -> None:
    """Set a dotted key in nested tables; a table value merges into the table it names.

    Args:
        data: Nested tables, changed in place.
        path: Dotted key, e.g. ``handle.capacity.grid``.
        value: The value (a mapping merges by :func:`merge_tables`).
        origin: Where the change comes from, for messages.
        model: The schema ``data`` follows; each part of ``path`` must be a key of it.

    Raises:
        ScenarioError: If a part of ``path`` is not a key of the schema.
    """
    keys = path.split(".")
    node: Any = data
    table: type[BaseModel] | None = model
    for i, key in enumerate(keys):
        if table is not None and key not in table.model_fields:
            raise ScenarioError(
                [f"{origin}: {'.'.join(keys[: i + 1])}: unknown key{hint(key, table)}"]
            )
        if i == len(keys) - 1:
            lower = node.get(key)
            both_tables = isinstance(value, Mapping) and isinstance(lower, dict)
            node[key] = merge_tables(lower, value) if both_tables else value
            return
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
        ann = table.model_fields[key].annotation if table is not None else None
        table = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every key of nested tables as a dotted key, tables included.

    Args:
        data: Nested tables.
        prefix: Prepended to every key.

    Returns:
        Dotted key -> value, e.g. ``{"grids": {...}, "grids.households_per_grid": 500}``.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted + "."))
        out[dotted] = value
    return out
