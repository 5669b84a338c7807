"""Parameters and limits: how a scenario key is declared, and the bounds every input keeps.

:func:`P` declares one documented parameter (default, meaning, unit, source
tag, bounds); ``docs/scenarios.md`` is generated from these declarations. The
``MAX_*`` constants are the documented limits: far past any real district,
short of what breaks a run. Every number is checked finite by the sections'
configuration (``allow_inf_nan=False``, :class:`gridsim.scenario.values.Section`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

MAX_DAYS = 36_500
"""Longest run, and longest duration any parameter may name: 100 years."""

MAX_WORKING_DAYS = 2_500
"""Longest time limit or verification delay: about ten years of working days."""

MAX_COMMUNITIES = 100_000
"""Most communities (or streets) in one district (Yuelu has 166; all China ~600,000)."""

MAX_HOUSEHOLDS = 50_000_000
"""Most households in one district (Yuelu has 191,232; Chongqing ~12 million)."""

MAX_STAFF_PER_UNIT = 1_000.0
"""Most staff of one role per grid or per community (the 1+4+X model has a few)."""

MAX_ISSUES_PER_YEAR = 365.0
"""Most latent issues per household-year: one a day."""

MAX_PUBLIC_ISSUES_PER_GRID_YEAR = 36_500.0
"""Most public-space issues per grid-year: a hundred a day."""

MAX_CAPACITY = 1_000_000.0
"""Most cases one handling unit works on at once."""

MAX_COST = 1e9
"""Largest unit cost, in yuan."""

MAX_SEED = 2**63 - 1
"""Largest root seed: the store keeps seeds as signed 64-bit integers."""

HOURS_PER_WEEK = 168.0
"""Hours in a week: the most any person can spend on grid work."""

MAX_TOML_DEPTH = 16
"""Deepest nesting of tables and arrays read from a TOML file (the schema needs 4)."""

MAX_TOML_KEYS = 10_000
"""Most keys and array items read from one TOML file (the schema has ~130)."""

MAX_EXTENDS = 32
"""Longest chain of ``extends``."""


UNITS_ZH: dict[str, str] = {
    "-": "",
    "0..1": "0–1",
    "1/patrol-hour": "1/巡查小时",
    "cadres/grid": "人/网格",
    "communities": "个社区",
    "date": "日期",
    "days": "天",
    "effort": "努力程度",
    "effort/score": "努力程度/分",
    "hours": "小时",
    "hours/week": "小时/周",
    "households": "户",
    "issues/grid-year": "件/网格·年",
    "issues/household-year": "件/户·年",
    "log-odds": "对数几率",
    "officers/grid": "人/网格",
    "path": "路径",
    "people": "人",
    "probability": "概率",
    "score": "分值",
    "share": "比例",
    "staff/community": "人/社区",
    "streets": "个街道",
    "trust": "信任度",
    "volunteers/grid": "人/网格",
    "working days": "工作日",
    "x": "倍",
    "years": "年",
    "yuan/case": "元/件",
    "yuan/person-year": "元/人·年",
}
"""The units of the parameters in Chinese (a unit not listed needs ``unit_zh=`` in :func:`P`)."""

SOURCE_TAGS_ZH: dict[str, str] = {
    "-": "",
    "A": "A",
    "S": "S",
    "S derived": "S（推算）",
    "S/A": "S/A",
}
"""Bare source tags in Chinese; a source with a citation needs its own ``source_zh``."""


def P(
    default: Any,
    description: str,
    unit: str,
    source: str,
    *,
    zh: str | None = None,
    unit_zh: str | None = None,
    source_zh: str | None = None,
    **constraints: Any,
) -> Any:
    """Declare a documented scenario parameter, in English and Chinese.

    Args:
        default: Value used when the scenario does not set the key.
        description: One sentence: what the parameter means in the model
            (Markdown: a key or value in backticks is shown as code).
        unit: Unit of the value ("households", "days", "share", "yuan/year"...).
        source: ``S`` (published source), ``S derived`` or ``A`` (assumption),
            optionally followed by a short citation.
        zh: The description in Simplified Chinese (the Chinese reports show it).
        unit_zh: The unit in Chinese (default: from :data:`UNITS_ZH`).
        source_zh: The source in Chinese, tag first (default: a bare tag from
            :data:`SOURCE_TAGS_ZH`; a source with a citation needs its own).
        **constraints: pydantic bounds (``gt``, ``ge``, ``le``...).

    Returns:
        A pydantic ``Field``. Its ``json_schema_extra`` holds ``unit``,
        ``source`` and ``zh`` (``description``, ``unit``, ``source`` in
        Chinese; ``None`` where none was given: see
        :func:`gridsim.scenario.parameters.untranslated`).
    """
    return Field(
        default,
        description=description,
        json_schema_extra={
            "unit": unit,
            "source": source,
            "zh": {
                "description": zh,
                "unit": unit_zh if unit_zh is not None else UNITS_ZH.get(unit),
                "source": source_zh if source_zh is not None else SOURCE_TAGS_ZH.get(source),
            },
        },
        **constraints,
    )
