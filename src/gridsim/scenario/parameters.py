"""A scenario's parameters as records: key, value, default, unit, source, allowed range.

The schema's declarations (:func:`gridsim.scenario.params.P`) carry each
parameter's meaning, unit and source tag; :func:`parameters` walks any scenario
model and lists them with the values of one instance, which the reference
(:mod:`gridsim.scenario.reference`), reports and the notebook display render.
Nothing here knows the scenario's sections: it works on any model of
:class:`~gridsim.scenario.values.Section` tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gridsim.scenario.params import MAX_SEED

__all__ = ["Parameter", "format_value", "parameters", "parameters_html", "untranslated"]


def format_value(value: Any) -> str:
    """A parameter value as the reference shows it (``unset``, ``true``, ``"fixed"``, ``0.5``)."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter, with its value and documentation.

    Attributes:
        key: Dotted path, e.g. ``grids.households_per_grid``.
        section: Top-level table (``grids``), or ``""`` at the top level.
        value: Value in the scenario described.
        default: Default value.
        unit: Unit.
        source: Source tag (``S``, ``S derived``, ``A`` ... with a citation).
        description: What the parameter means.
        allowed: The values validation accepts, e.g. ``> 0, ≤ 36,500``.
    """

    key: str
    section: str
    value: Any
    default: Any
    unit: str
    source: str
    description: str
    allowed: str = ""

    @property
    def sourced(self) -> bool:
        """Whether the default comes from a published source (tag starting with S)."""
        return self.source.startswith("S")


def _walk(
    model: type[BaseModel], value: BaseModel, default: BaseModel, prefix: str, section: str
) -> list[Parameter]:
    out = []
    for name, field in model.model_fields.items():
        v, dv = getattr(value, name), getattr(default, name)
        key = f"{prefix}{name}"
        extra = _extra(field)
        if isinstance(v, BaseModel) and not extra:
            out.extend(_walk(type(v), v, dv, key + ".", section or name))
            continue
        unit, source, doc = extra.get("unit", ""), extra.get("source", ""), field.description
        if isinstance(v, BaseModel):  # a documented table of per-category/tier/role values
            for sub, sub_field in type(v).model_fields.items():
                out.append(
                    Parameter(
                        f"{key}.{sub}",
                        section,
                        getattr(v, sub),
                        getattr(dv, sub),
                        unit,
                        source,
                        doc or "",
                        _allowed(sub_field),
                    )
                )
        else:
            out.append(Parameter(key, section, v, dv, unit, source, doc or "", _allowed(field)))
    return out


def _bound(x: float) -> str:
    if x == MAX_SEED:
        return "2^63 − 1"
    if float(x).is_integer() and abs(x) >= 10_000:
        return f"{int(x):,}"
    return f"{x:g}"


def _allowed(field: FieldInfo) -> str:
    """The range a field's constraints allow, as the reference shows it."""
    parts = []
    for meta in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{sign} {_bound(bound)}")
    if field.annotation is bool:
        return "true, false"
    args = get_args(field.annotation)
    if get_origin(field.annotation) is Literal:
        return ", ".join(f'"{a}"' for a in args)
    if any(getattr(meta, "pattern", None) for meta in field.metadata):
        return "a calendar date, YYYY-MM-DD"  # simulation.start_date, the one patterned key
    return ", ".join(parts)


def parameters(value: BaseModel, default: BaseModel | None = None) -> list[Parameter]:
    """Every parameter of a scenario model, in schema order.

    Args:
        value: The scenario (or any model of sections) described.
        default: What its values are compared with (default: the model's defaults).

    Returns:
        One record per parameter; a documented table of per-category, per-tier
        or per-role values gives one record per entry.
    """
    model = type(value)
    return _walk(model, value, default if default is not None else model(), "", "")


def parameters_html(params: list[Parameter]) -> str:
    """How many parameters differ from the defaults, then every parameter (an HTML fragment).

    Args:
        params: From :func:`parameters`.

    Returns:
        A paragraph and a collapsed table, the differing parameters first, in bold.
    """
    changed = [p for p in params if p.value != p.default]

    def row(p: Parameter) -> str:
        style = " style='font-weight:bold'" if p.value != p.default else ""
        return (
            f"<tr{style}><td><code>{escape(p.key)}</code></td><td>{escape(format_value(p.value))}"
            f"</td><td>{escape(format_value(p.default))}</td><td>{escape(p.unit)}</td>"
            f"<td>{escape(p.source)}</td></tr>"
        )

    head = "<tr><th>parameter</th><th>value</th><th>default</th><th>unit</th><th>source</th></tr>"
    return (
        f"<p>{len(changed)} of {len(params)} parameters differ from the defaults (bold).</p>"
        f"<details><summary>all parameters</summary><table>{head}"
        + "".join(row(p) for p in changed)
        + "".join(row(p) for p in params if p not in changed)
        + "</table></details>"
    )


def _missing_zh(field: FieldInfo) -> list[str]:
    """What a declared parameter lacks in Chinese, as the argument of ``P`` to give."""
    extra = _extra(field)
    if "source" not in extra:  # not declared with P: nothing to translate
        return []
    zh = extra.get("zh") if isinstance(extra.get("zh"), dict) else {}
    out = []
    if not zh.get("description"):  # type: ignore[union-attr]
        out.append("zh= (the description in Chinese)")
    if zh.get("unit") is None:  # type: ignore[union-attr]
        out.append(
            f"unit_zh= (unit {extra.get('unit')!r}; or add it to gridsim.scenario.params.UNITS_ZH)"
        )
    if zh.get("source") is None:  # type: ignore[union-attr]
        out.append(f"source_zh= (source {extra.get('source')!r})")
    return out


def untranslated(model: type[BaseModel]) -> list[str]:
    """Every parameter text and section heading of the scenario schema that has no Chinese.

    The Chinese reports show each parameter's description, unit and source
    note and each section's heading in Chinese, from the schema's
    declarations (:func:`gridsim.scenario.params.P`'s ``zh``, ``unit_zh``,
    ``source_zh``; a section's ``title_zh``). A test keeps this list empty.

    Args:
        model: The model to check: :class:`gridsim.scenario.Scenario`, or any
            model of :class:`~gridsim.scenario.values.Section` tables.

    Returns:
        One line per gap, naming the dotted key, the class and field that
        declare it, and what to add, e.g. ``"map.walking_speed (Map.walking_speed
        in gridsim/scenario/setting.py): give P(..., zh=...)"``.
    """
    import inspect

    lines: list[str] = []
    seen: set[tuple[type, str]] = set()

    def where(cls: type) -> str:
        path = inspect.getsourcefile(cls) or cls.__module__
        return path[path.rfind("gridsim/") :] if "gridsim/" in path else path

    def walk(cls: type[BaseModel], prefix: str) -> None:
        for name, field in cls.model_fields.items():
            key = f"{prefix}{name}"
            annotation = field.annotation
            sub = annotation if isinstance(annotation, type) else None
            if (cls, name) not in seen:
                seen.add((cls, name))
                gaps = _missing_zh(field)
                if gaps:
                    lines.append(
                        f"{key} ({cls.__name__}.{name} in {where(cls)}): give P(..., "
                        + ", ".join(gaps)
                        + ")"
                    )
            if sub is not None and issubclass(sub, BaseModel) and not _extra(field):
                if not getattr(sub, "title_zh", "") and (sub, "") not in seen:
                    seen.add((sub, ""))
                    heading = (sub.__doc__ or "").strip().splitlines()[0] if sub.__doc__ else ""
                    lines.append(
                        f"{key} (class {sub.__name__} in {where(sub)}): give the section a "
                        f"title_zh (its heading: {heading!r})"
                    )
                walk(sub, key + ".")

    walk(model, "")
    return lines
