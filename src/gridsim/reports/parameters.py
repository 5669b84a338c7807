"""The report's table of assumptions: every scenario parameter, its value, unit and source.

The texts come from the schema's declarations (:func:`gridsim.scenario.params.P`),
in English or in the Chinese kept beside it (``zh``, ``unit_zh``, ``source_zh``;
a section's ``title_zh``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel

from gridsim.reports.i18n import check_lang
from gridsim.scenario import Scenario, read_communities_csv


def parameter_table(scenario: Scenario, lang: str = "en") -> pd.DataFrame:
    """Every scenario parameter with its value, unit and source, from the schema.

    A source tag belongs to a parameter's documented default, so a parameter
    whose value differs from that default is not tagged with it: it is
    ``"set"`` (set in this scenario), and ``set_in`` names the file (or
    ``"<changes>"``) that set it. A district read from a CSV shows the CSV's
    counts of communities, households and streets, set by the file that names
    the CSV.

    Args:
        scenario: The scenario described.
        lang: ``"en"`` or ``"zh"``: the language of ``section``, ``unit``,
            ``source`` and ``meaning`` (the kind is read from the English tag).

    Returns:
        One row per parameter: ``section`` (the table's docstring), ``key``
        (dotted), ``value``, ``unit``, ``source`` (of the default, as tagged in
        :mod:`gridsim.scenario`), ``kind``: ``"set"`` (the value differs from
        the default), ``"sourced"`` (tag starts with S), ``"assumed"`` (A) or
        ``"other"``; ``meaning``, ``default`` and ``set_in`` (the file that set
        the value, ``None`` when unknown or not set); ``calibrated`` (the
        source says the default was calibrated).
    """
    check_lang(lang)
    rows: list[dict[str, Any]] = []
    counted = _csv_counts(scenario)

    def extra(field: Any) -> dict[str, Any]:
        e = field.json_schema_extra
        return e if isinstance(e, dict) else {}

    def add(section: str, key: str, value: Any, default: Any, ex: dict[str, Any], field: Any):
        if key in counted:
            value = counted[key]
            set_in = scenario.set_by("district.communities_csv")
        else:
            set_in = scenario.set_by(key)
        rows.append(_param_row(section, key, value, default, set_in, ex, field, lang))

    def walk(model: BaseModel, default: BaseModel, prefix: str, section: str) -> None:
        for name, field in type(model).model_fields.items():
            value, dflt = getattr(model, name), getattr(default, name)
            key = f"{prefix}{name}"
            ex = extra(field)
            if isinstance(value, BaseModel):
                if ex:  # a documented per-category / per-tier / per-role table
                    for sub in type(value).model_fields:
                        add(
                            section,
                            f"{key}.{sub}",
                            getattr(value, sub),
                            getattr(dflt, sub),
                            ex,
                            field,
                        )
                else:
                    walk(value, dflt, key + ".", section)
                continue
            add(section, key, value, dflt, ex, field)

    defaults = Scenario()
    for name, field in type(scenario).model_fields.items():
        value = getattr(scenario, name)
        if isinstance(value, BaseModel):
            doc = (type(value).__doc__ or name).strip().splitlines()[0].rstrip(".")
            title = getattr(type(value), "title_zh", "") if lang == "zh" else ""
            walk(value, getattr(defaults, name), f"{name}.", title or doc)
        elif extra(field).get("source", "-") != "-":
            add("", name, value, getattr(defaults, name), extra(field), field)
    return pd.DataFrame(
        rows,
        columns=[
            "section",
            "key",
            "value",
            "unit",
            "source",
            "kind",
            "meaning",
            "default",
            "set_in",
            "calibrated",
        ],
    )


def _csv_counts(scenario: Scenario) -> dict[str, Any]:
    """The district totals a communities CSV stands for (nothing without a CSV)."""
    path = scenario.district.communities_csv
    if path is None:
        return {}
    rows = read_communities_csv(path)
    return {
        "district.communities": len(rows),
        "district.households": sum(int(r["households"]) for r in rows),  # type: ignore[call-overload]
        "district.streets": len({r["street"] for r in rows}),
    }


def _param_row(
    section: str,
    key: str,
    value: Any,
    default: Any,
    set_in: str | None,
    ex: dict[str, Any],
    field: Any,
    lang: str,
) -> dict[str, Any]:
    source = str(ex.get("source", "") or "")
    if value != default:
        kind = "set"
    else:
        kind = (
            "sourced"
            if source.startswith("S")
            else "assumed"
            if source.startswith("A")
            else "other"
        )
    unit, meaning = str(ex.get("unit", "") or ""), field.description or ""
    shown_source = source
    zh = ex.get("zh")
    if lang == "zh" and isinstance(zh, dict):  # a gap shows the English (a test keeps none)
        unit = zh["unit"] if zh.get("unit") is not None else unit
        shown_source = zh["source"] if zh.get("source") is not None else source
        meaning = zh.get("description") or meaning
    return {
        "section": section,
        "key": key,
        "value": value,
        "unit": "" if unit == "-" else unit,
        "source": "" if shown_source == "-" else shown_source,
        "kind": kind,
        "meaning": meaning,
        "default": default,
        "set_in": set_in if kind == "set" else None,
        "calibrated": "calibrated" in source,
    }
