"""Scenario files: a validated, documented description of one district design.

A scenario is a TOML file. Every parameter the model uses lives here, with its
unit, its default and whether it is *sourced* (``S``: from the Yuelu article or
a published figure) or *assumed* (``A``: a modelling assumption a scenario may
change). ``docs/scenarios.md`` is generated from these definitions.

A variant names its parent with ``extends = "base.toml"``; the parent is
resolved relative to the variant and must stay inside a scenario root
(:func:`scenario_roots`). Files, parents, experiment variants and
:meth:`Scenario.with_changes` all follow one merge rule (:func:`merge_tables`):
key by key at every depth, onto the documented defaults, so a table that sets
one key keeps every other key of that table. Unknown keys are errors, so a
typo never falls back to a default. Every problem is reported as one line
naming the file and the key, e.g.
``scenarios/x.toml: grids.households_per_grid: must be > 0, got -5``.

Inputs are bounded before anything is allocated: numbers must be finite, dates
real, seeds below 2**63, and sizes within the documented limits (the ``MAX_*``
constants, listed in ``docs/scenarios.md``); files are regular files of bounded
size and nesting. Whether a valid scenario fits the machine is
:mod:`gridsim.estimate`'s question.

The package, lowest first: :mod:`~gridsim.scenario.params` (how a key is
declared, the limits) · :mod:`~gridsim.scenario.errors` (one line per problem) ·
:mod:`~gridsim.scenario.tables` (the merge rule) · :mod:`~gridsim.scenario.files`
(bounded TOML, scenario roots) · :mod:`~gridsim.scenario.communities` (the
communities CSV) · :mod:`~gridsim.scenario.values`, :mod:`~gridsim.scenario.setting`,
:mod:`~gridsim.scenario.handling` (the sections) · :mod:`~gridsim.scenario.parameters`
(parameters as records) · :mod:`~gridsim.scenario.schema` (:class:`Scenario`) ·
:mod:`~gridsim.scenario.loader` (files and ``extends``) ·
:mod:`~gridsim.scenario.reference` (``docs/scenarios.md``). It imports only
:mod:`gridsim.vocab` and :mod:`gridsim.fileio` from the rest of gridsim.
"""

from __future__ import annotations

from gridsim.scenario.communities import read_communities_csv, read_csv_bytes
from gridsim.scenario.errors import ScenarioError, describe
from gridsim.scenario.files import (
    FILE_KEYS,
    SCENARIO_ROOT_ENV,
    read_toml,
    resolve_file_changes,
    scenario_roots,
)
from gridsim.scenario.handling import Assign, Collect, Costs, Deadlines, Evaluate, Handle, Reply
from gridsim.scenario.loader import default_scenario, load_scenario
from gridsim.scenario.params import (
    HOURS_PER_WEEK,
    MAX_CAPACITY,
    MAX_COMMUNITIES,
    MAX_COST,
    MAX_DAYS,
    MAX_EXTENDS,
    MAX_HOUSEHOLDS,
    MAX_ISSUES_PER_YEAR,
    MAX_PUBLIC_ISSUES_PER_GRID_YEAR,
    MAX_SEED,
    MAX_STAFF_PER_UNIT,
    MAX_TOML_DEPTH,
    MAX_TOML_KEYS,
    MAX_WORKING_DAYS,
    P,
)
from gridsim.scenario.schema import Scenario
from gridsim.scenario.setting import (
    Cadres,
    District,
    Grids,
    Households,
    Issues,
    Kind,
    Kinds,
    Simulation,
    Staff,
    Visits,
)
from gridsim.scenario.tables import merge_tables
from gridsim.scenario.values import (
    CategoryProbabilities,
    CategoryShares,
    CategoryValues,
    RoleCosts,
    RoleHours,
    RoleValues,
    TierCosts,
    TierDays,
    TierShares,
    TierStaff,
    TierValues,
    TierWorkingDays,
)
from gridsim.vocab import CATEGORIES, KINDS, ROLES, TIERS

_describe = describe  # the old private name (gridsim.experiment imported it)

__all__ = [
    "CATEGORIES",
    "FILE_KEYS",
    "HOURS_PER_WEEK",
    "KINDS",
    "MAX_CAPACITY",
    "MAX_COMMUNITIES",
    "MAX_COST",
    "MAX_DAYS",
    "MAX_EXTENDS",
    "MAX_HOUSEHOLDS",
    "MAX_ISSUES_PER_YEAR",
    "MAX_PUBLIC_ISSUES_PER_GRID_YEAR",
    "MAX_SEED",
    "MAX_STAFF_PER_UNIT",
    "MAX_TOML_DEPTH",
    "MAX_TOML_KEYS",
    "MAX_WORKING_DAYS",
    "ROLES",
    "SCENARIO_ROOT_ENV",
    "TIERS",
    "Assign",
    "Cadres",
    "CategoryProbabilities",
    "CategoryShares",
    "CategoryValues",
    "Collect",
    "Costs",
    "Deadlines",
    "District",
    "Evaluate",
    "Grids",
    "Handle",
    "Households",
    "Issues",
    "Kind",
    "Kinds",
    "P",
    "Reply",
    "RoleCosts",
    "RoleHours",
    "RoleValues",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "Staff",
    "TierCosts",
    "TierDays",
    "TierShares",
    "TierStaff",
    "TierValues",
    "TierWorkingDays",
    "Visits",
    "default_scenario",
    "describe",
    "load_scenario",
    "merge_tables",
    "read_communities_csv",
    "read_csv_bytes",
    "read_toml",
    "resolve_file_changes",
    "scenario_roots",
]
