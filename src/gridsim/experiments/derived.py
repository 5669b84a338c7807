"""Derived levers: totals a planner holds, resolved to the scenario keys the model reads.

The model staffs grids *per grid* (``staff.information_officers_per_grid``),
but a district holds **totals**: 600 information officers, however many grids
the grid size gives; or a yuan budget it cannot exceed. Two derived keys say
so, wherever scenario changes are written (experiment variants, ``[vary]``,
plans):

* ``headcount.<role>`` — the district's total of a role (``cadre``,
  ``information_officer``, ``security_officer``, ``volunteer``: spread over
  the grids; ``administrator``, ``supervisor``: over the communities), or
  ``"base"`` for the base scenario's own total. It resolves to
  ``staff.<role>s_per_grid`` (or ``_per_community``) = total / grids.
* ``budget.yuan_per_year`` — what the district's people (grid staff, office
  staff and case handlers, :func:`gridsim.model.kpis.people_cost`) may cost per
  year, or ``"base"`` for the base's own people cost; ``budget.fill`` names
  the role whose number absorbs the budget (default ``information_officer``).
  It resolves to that role's per-grid count, so that the people cost equals
  the budget exactly (per-case handling costs come on top, as in the ``cost``
  KPI).

So "500 households per grid, same total staff" is one line::

    changes = { "grids.households_per_grid" = 500, "headcount.information_officer" = "base",
                "headcount.cadre" = "base" }

:func:`resolve` turns such changes into plain keys; a budget that cannot pay
for the other staff, or a role that is not one, is an error naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gridsim.model.district import District, build_district
from gridsim.model.households import per_grid_counts
from gridsim.model.kpis import people_cost
from gridsim.model.units import unit_table
from gridsim.scenario import Scenario, ScenarioError
from gridsim.streams import stream
from gridsim.vocab import ROLES

HEADCOUNT = "headcount."
"""Prefix of a fixed-headcount key (``headcount.<role>``)."""

BUDGET = "budget.yuan_per_year"
"""Key of a fixed budget."""

BUDGET_FILL = "budget.fill"
"""Key naming the role whose number absorbs a fixed budget."""

PER_COMMUNITY = ("administrator", "supervisor")
"""Roles counted per community; the others are counted per grid."""


def staff_key(role: str) -> str:
    """The scenario key of a role's number per grid (or per community)."""
    return f"staff.{role}s_per_community" if role in PER_COMMUNITY else f"staff.{role}s_per_grid"


def is_derived(key: str) -> bool:
    """Whether ``key`` is a derived lever rather than a scenario key."""
    return key.startswith(HEADCOUNT) or key in (BUDGET, BUDGET_FILL)


def district_of(scenario: Scenario) -> District:
    """The scenario's district as replication 0 builds it (every replication has its grids)."""
    return build_district(scenario, stream(scenario.simulation.seed, 0, "structure"))


def headcount(scenario: Scenario, district: District | None = None) -> dict[str, int]:
    """People per role the model staffs the scenario's district with.

    Args:
        scenario: The scenario.
        district: Its district, if built already.

    Returns:
        Role -> people in the district (as :attr:`GridModel.staff_by_role` counts them).
    """
    d = district if district is not None else district_of(scenario)
    out = {}
    for role in ROLES:
        per = getattr(scenario.staff, staff_key(role).removeprefix("staff."))
        n = d.n_communities if role in PER_COMMUNITY else d.n_grids
        out[role] = int(per_grid_counts(n, per, np.ones(n)).sum())
    return out


def yearly_people_cost(scenario: Scenario, district: District | None = None) -> float:
    """Yuan per year of the scenario's grid staff, office staff and case handlers."""
    d = district if district is not None else district_of(scenario)
    units = unit_table(scenario, d)
    return people_cost(scenario, headcount(scenario, d), units.handlers, units.tier)


def _role(key: str, value: Any) -> str:
    role = key.removeprefix(HEADCOUNT) if key.startswith(HEADCOUNT) else str(value)
    if role not in ROLES:
        raise ScenarioError(f"{key}: unknown role {role!r} (one of {', '.join(ROLES)})")
    return role


def resolve(base: Scenario, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes with every derived lever replaced by the plain scenario key it sets.

    Plain keys are applied first (so the grid size a headcount is spread over
    is the design's), then the headcounts, then the budget.

    Args:
        base: The scenario the changes apply to (``"base"`` values are its totals).
        changes: Dotted keys to values, derived levers included.

    Returns:
        Dotted scenario keys to values, for ``base.with_changes``.

    Raises:
        ScenarioError: An unknown role, a negative total, or a budget that does
            not pay for the staff it must keep.
    """
    plain = {k: v for k, v in changes.items() if not is_derived(k)}
    counts = {k: v for k, v in changes.items() if k.startswith(HEADCOUNT)}
    budget = changes.get(BUDGET)
    if BUDGET_FILL in changes and budget is None:
        raise ScenarioError(f"{BUDGET_FILL}: set {BUDGET} too (the budget the role fills)")
    if not counts and budget is None:
        return plain
    design = base.with_changes(plain)
    d = district_of(design)
    out = dict(plain)
    base_counts: dict[str, int] | None = None
    for key, value in counts.items():
        role = _role(key, None)
        if value == "base":
            base_counts = base_counts if base_counts is not None else headcount(base)
            total = float(base_counts[role])
        elif isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            total = float(value)
        else:
            raise ScenarioError(f"{key}: must be a number of people >= 0 or 'base', got {value!r}")
        n = d.n_communities if role in PER_COMMUNITY else d.n_grids
        out[staff_key(role)] = total / n
    if budget is not None:
        role = _role(BUDGET_FILL, changes.get(BUDGET_FILL, "information_officer"))
        if staff_key(role) in out and staff_key(role) not in plain:
            raise ScenarioError(f"{BUDGET_FILL}: {role} has a fixed headcount; fill another role")
        if budget == "base":
            amount = yearly_people_cost(base)
        elif isinstance(budget, int | float) and not isinstance(budget, bool) and budget > 0:
            amount = float(budget)
        else:
            raise ScenarioError(f"{BUDGET}: must be yuan per year > 0 or 'base', got {budget!r}")
        without = design.with_changes({**out, staff_key(role): 0.0})
        rest = yearly_people_cost(without, d)
        one = yearly_people_cost(without.with_changes({staff_key(role): 1.0}), d) - rest
        n = d.n_communities if role in PER_COMMUNITY else d.n_grids
        per_person = one / n  # one person per grid (community) costs `one` for all of them
        if amount < rest:
            raise ScenarioError(
                f"{BUDGET}: {amount:,.0f} yuan does not pay for the other staff and the "
                f"handlers ({rest:,.0f} yuan a year)"
            )
        out[staff_key(role)] = (amount - rest) / per_person / n if per_person > 0 else 0.0
    return out


__all__ = [
    "BUDGET",
    "BUDGET_FILL",
    "HEADCOUNT",
    "district_of",
    "headcount",
    "is_derived",
    "resolve",
    "staff_key",
    "yearly_people_cost",
]
