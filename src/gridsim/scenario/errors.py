"""Scenario problems: the error type, and pydantic's errors as one line per key.

Every problem a scenario has is reported as one line naming the file and the
key, e.g. ``scenarios/x.toml: grids.households_per_grid: must be > 0, got -5``.
:func:`problems` turns a pydantic :class:`~pydantic.ValidationError` into such
lines for any model; :func:`hint` suggests the key a typo meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from gridsim.fileio import InputError

__all__ = ["ScenarioError", "describe", "hint", "problems"]


class ScenarioError(InputError):
    """A scenario (or a file it references) is invalid.

    Attributes:
        problems: One line per problem, each naming the file and the key.
    """


_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        x = int(x)
    if isinstance(x, int) and abs(x) >= 10_000:
        return f"{x:,}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def describe(err: Mapping[str, Any]) -> str:
    """One pydantic error as the message after the key, e.g. ``must be > 0, got -5``.

    Args:
        err: One item of :meth:`pydantic.ValidationError.errors`.

    Returns:
        The message, without the file and the key.
    """
    kind = err["type"]
    ctx = err.get("ctx", {})
    got = err.get("input")
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        upper = kind.startswith("less") and isinstance(limit, int | float) and limit > 1
        note = " (a documented limit, see docs/scenarios.md)" if upper else ""
        return f"must be {_BOUNDS[kind]} {_number(limit)}{note}, got {got!r}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {got!r}"
    if kind == "finite_number":
        return f"must be a finite number, got {got!r}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"


RETIRED_KEYS: dict[str, str] = {
    "handle.capacity": (
        "replaced by handle.staff (handlers per unit; capacity = staff x "
        "handle.handler_hours_per_week / handle.hours_per_case_week), so that capacity has a cost"
    ),
}
"""Keys an older scenario may still set, and what took their place."""


def hint(key: str, model: type[BaseModel]) -> str:
    """A ``(did you mean '...'?)`` for an unknown key of ``model``, or ``""``."""
    close = difflib.get_close_matches(key, list(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def problems(
    exc: ValidationError, model: type[BaseModel], origin: Mapping[str, str], display: str
) -> list[str]:
    """The errors of validating data as ``model``, one line each naming file and key.

    Args:
        exc: What :meth:`pydantic.BaseModel.model_validate` raised.
        model: The model validated (its tables give the hints for unknown keys).
        origin: Dotted key -> the file that set it.
        display: The file named for a key no file set.

    Returns:
        One line per error.
    """
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        message = describe(err)
        if message.startswith(f"{loc}") or (not loc and ":" in message):
            line = message
            key_for_origin = message.split(":", 1)[0]
        else:
            if err["type"] == "extra_forbidden":
                table = _model_at(model, err["loc"][:-1])
                if loc in RETIRED_KEYS:
                    message = f"no longer a key: {RETIRED_KEYS[loc]}"
                elif table is not None:
                    message += hint(str(err["loc"][-1]), table)
            line = f"{loc}: {message}" if loc else message
            key_for_origin = loc
        where = _origin_of(key_for_origin, origin) or display
        out.append(f"{where}: {line}")
    return out


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    node: Any = model
    for key in loc:
        field = node.model_fields.get(str(key))
        if field is None:
            return None
        node = field.annotation
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            return None
    return node


def _origin_of(loc: str, origin: Mapping[str, str]) -> str | None:
    parts = loc.split(".")
    while parts:
        key = ".".join(parts)
        if key in origin:
            return origin[key]
        parts.pop()
    return None
