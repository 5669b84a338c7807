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


def P(default: Any, description: str, unit: str, source: str, **constraints: Any) -> Any:
    """Declare a documented scenario parameter.

    Args:
        default: Value used when the scenario does not set the key.
        description: One sentence: what the parameter means in the model.
        unit: Unit of the value ("households", "days", "share", "yuan/year"...).
        source: ``S`` (published source), ``S derived`` or ``A`` (assumption),
            optionally followed by a short citation.
        **constraints: pydantic bounds (``gt``, ``ge``, ``le``...).

    Returns:
        A pydantic ``Field``.
    """
    return Field(
        default,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
        **constraints,
    )
