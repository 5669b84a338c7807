"""The part of a run common random numbers make the same across designs, built once per process.

Two designs that differ only in staff, mechanisms, deadlines or costs draw the
same district, the same households (their trust and propensity) and the same
latent issues at the same replication: those come from the ``structure``,
``households``, ``latent`` and ``public`` streams, keyed by (seed,
replication) alone, and depend only on the scenario's ``district``,
``grids``, ``households``, ``issues`` sections and its number of days. A sweep
or a plan runs many such designs in each worker, so :func:`shared_setup`
builds that part once per (seed, replication, those sections) and hands every
later run a copy of what the run changes (the households' trust) and the rest
as is (read only), with the issues' indexes (by household, by arrival day)
built once too.

Designs with another grid size share less, but still most of the draws:
households' trust and propensity depend on the number of households alone,
and their issues on each household's expected number of them (its kind of
community's rate), not on how households are grouped into grids. Those two
draws are kept apart (:data:`_TRAITS`, :data:`_HOUSEHOLD_ISSUES`), keyed by
exactly what they read, so a new grid size draws only its grids and their
public-space issues: ~5 ms, not ~30 ms, for a Yuelu set-up.

Every reuse is bit for bit what a fresh build draws (``tests/test_setup_cache.py``).
``GRIDSIM_SETUP_CACHE=0`` turns it off. The most recent entries are kept per
process, at most :data:`CACHE_SIZE` of each kind, :data:`CACHE_BYTES` of
set-ups (a Yuelu set-up holds about 10 MB) and :data:`DRAW_BYTES` of each kind
of draws (about 3 MB each): a plan's designs span a few grid sizes ×
uncertainty points × replications, and each worker keeps the draws of them
all and the most recent set-ups.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gridsim.model.district import District, build_district
from gridsim.model.households import Households, draw_households, draw_traits
from gridsim.model.issues import (
    HouseholdIssueDraws,
    LatentIssues,
    arrival_order,
    draw_household_issues,
    draw_latent_issues,
    household_issue_rates,
    household_offsets,
)
from gridsim.scenario import Scenario

CACHE_SIZE = 64
"""Most entries of each kind kept per process."""

CACHE_BYTES = 128 * 2**20
"""Most bytes of whole set-ups' arrays kept per process (the oldest go first).

With :data:`DRAW_BYTES` for each of the two kinds of draws, a worker holds at
most 192 MiB: loky restarts a worker whose memory grew by 300 MB since its
first task (it takes that for a leak), which would throw every entry away
and print a warning (``tests/test_setup_cache.py`` holds the sum below it).
A set-up whose draws are kept costs ~7 ms to rebuild.
"""

DRAW_BYTES = 32 * 2**20
"""Most bytes kept of each kind of grid-independent draws (traits, household issues)."""

SECTIONS = ("district", "grids", "households", "issues")
"""Scenario sections the shared set-up depends on (with ``simulation.days``)."""


def _nbytes(*objects: Any) -> int:
    """Bytes of the numpy arrays among ``objects`` and their attributes."""
    total = 0
    for obj in objects:
        values = vars(obj).values() if hasattr(obj, "__dict__") else [obj]
        total += sum(v.nbytes for v in values if isinstance(v, np.ndarray))
    return total


class _Recent:
    """The most recent values built for a key, within a count and a byte budget."""

    def __init__(self, budget: Callable[[], int]) -> None:
        self.entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.budget = budget  # the bytes it may hold (read when it grows)

    def get(self, key: Hashable | None, build: Callable[[], Any], nbytes: Callable[[Any], int]):
        """The value for ``key``, built (and kept) if not held; ``key=None`` always builds."""
        if key is None:
            return build()
        held = self.entries.get(key)
        if held is not None:
            self.entries.move_to_end(key)
            return held[0]
        value = build()
        self.entries[key] = (value, nbytes(value))
        total = sum(size for _, size in self.entries.values())
        most = self.budget()
        while len(self.entries) > 1 and (len(self.entries) > CACHE_SIZE or total > most):
            total -= self.entries.popitem(last=False)[1][1]
        return value

    def __len__(self) -> int:
        return len(self.entries)

    def values(self) -> list[Any]:
        """The values held, oldest first."""
        return [value for value, _ in self.entries.values()]

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()


@dataclass(frozen=True)
class IssueIndex:
    """Indexes of a set-up's household issues the kernel reads (built once per set-up).

    Attributes:
        household_offsets: CSR offsets of the household issues by household.
        arrival_order: Household issues in order of arrival day (int32).
        arrival_offsets: Where each day's arrivals start in ``arrival_order`` (``days + 1``).
        arrival_household: Household of each issue, in arrival order.
        arrival_propensity: Its household's propensity to report, in arrival order.
        arrival_grid: Its household's grid, in arrival order.
    """

    household_offsets: np.ndarray
    arrival_order: np.ndarray
    arrival_offsets: np.ndarray
    arrival_household: np.ndarray
    arrival_propensity: np.ndarray
    arrival_grid: np.ndarray

    @classmethod
    def build(
        cls, issues: LatentIssues, households: Households, n_households: int, days: int
    ) -> IssueIndex:
        """The indexes of ``issues`` (household issues first) over ``days`` days."""
        from gridsim import kernel  # numba: loaded when a model is built

        n_own = issues.n_household
        household = issues.household.astype(np.int32)
        order, arrival_days = arrival_order(issues.arrival, n_own, days)
        tables = kernel.arrival_tables(order, household, households.propensity, households.grid)
        return cls(
            household_offsets=household_offsets(household, n_own, n_households),
            arrival_order=order,
            arrival_offsets=np.searchsorted(arrival_days, np.arange(days + 1), side="left").astype(
                np.int64
            ),
            **tables,
        )


@dataclass(frozen=True)
class Setup:
    """A replication's district, households and latent issues, as first drawn (never changed)."""

    district: District
    households: Households
    issues: LatentIssues
    index: IssueIndex

    @property
    def nbytes(self) -> int:
        """Bytes of its household and issue arrays and indexes (what the cache budget counts)."""
        return _nbytes(self.households, self.issues, self.index)


_CACHE = _Recent(lambda: CACHE_BYTES)
"""Whole set-ups, by (seed, replication, the scenario's set-up sections)."""

_TRAITS = _Recent(lambda: DRAW_BYTES)
"""Households' trust and propensity, by (seed, replication, number of households, their section)."""

_HOUSEHOLD_ISSUES = _Recent(lambda: DRAW_BYTES)
"""Household issues, by (seed, replication, each household's rate, lifetime, categories, days)."""


def _key(scenario: Scenario, seed: int, replication: int) -> tuple[int, int, str]:
    data = scenario.to_dict()
    part = {k: data[k] for k in SECTIONS}
    part["days"] = scenario.simulation.days
    return (seed, replication, json.dumps(part, sort_keys=True, separators=(",", ":")))


def _traits_key(scenario: Scenario, seed: int, replication: int, n: int) -> tuple[Any, ...]:
    h = scenario.households
    return (seed, replication, n, h.trust_mean, h.trust_concentration, h.self_report_propensity)


def _issues_key(
    scenario: Scenario, seed: int, replication: int, rates: np.ndarray, district: District
) -> tuple[Any, ...]:
    """What the household issues read: each household's rate (run-length coded), and more."""
    grid_households = district.grid_households.astype(np.int64)
    starts = np.flatnonzero(np.r_[True, rates[1:] != rates[:-1]])
    lengths = np.add.reduceat(grid_households, starts) if len(starts) else grid_households
    digest = hashlib.blake2b(rates[starts].tobytes() + lengths.tobytes(), digest_size=16)
    return (
        seed,
        replication,
        digest.hexdigest(),
        scenario.households.issue_lifetime_days,
        tuple(scenario.issues.categories.as_list()),
        scenario.simulation.days,
    )


def _enabled() -> bool:
    return os.environ.get("GRIDSIM_SETUP_CACHE", "1") not in ("0", "false", "no")


def clear() -> None:
    """Forget every set-up and draw kept in this process."""
    for cache in (_CACHE, _TRAITS, _HOUSEHOLD_ISSUES):
        cache.clear()


def _build(
    scenario: Scenario, seed: int, replication: int, streams: dict[str, np.random.Generator]
) -> Setup:
    """Build a set-up, reusing the grid-independent draws when allowed."""
    on = _enabled()
    days = scenario.simulation.days
    district = build_district(scenario, streams["structure"])
    n = district.n_households
    traits = _TRAITS.get(
        _traits_key(scenario, seed, replication, n) if on else None,
        lambda: draw_traits(scenario, n, streams["households"]),
        lambda value: _nbytes(*value),
    )
    households = draw_households(scenario, district, streams["households"], traits)
    rates = household_issue_rates(scenario, district, days)
    draws: HouseholdIssueDraws = _HOUSEHOLD_ISSUES.get(
        _issues_key(scenario, seed, replication, rates, district) if on else None,
        lambda: draw_household_issues(scenario, rates, households.grid, days, streams["latent"]),
        _nbytes,
    )
    issues = draw_latent_issues(
        scenario, district, households.grid, days, streams["latent"], streams["public"], draws
    )
    index = IssueIndex.build(issues, households, n, days)
    return Setup(district, households, issues, index)


def shared_setup(
    scenario: Scenario, seed: int, replication: int, streams: dict[str, np.random.Generator]
) -> Setup:
    """The replication's district, households and latent issues, built or reused.

    Args:
        scenario: The scenario.
        seed: Root seed of the run.
        replication: Replication number.
        streams: The run's streams (``structure``, ``households``, ``latent``
            and ``public`` are drawn from only when something is built).

    Returns:
        The set-up, with the households' trust and the grids' trust offsets
        fresh copies (the run changes them); everything else is shared and
        must be treated as read only.
    """
    key = _key(scenario, seed, replication) if _enabled() else None
    built: Setup = _CACHE.get(
        key, lambda: _build(scenario, seed, replication, streams), lambda s: s.nbytes
    )
    h = built.households
    fresh = replace(h, trust=h.trust.copy(), grid_trust_offset=np.zeros_like(h.grid_trust_offset))
    return Setup(built.district, fresh, built.issues, built.index)


__all__ = [
    "CACHE_BYTES",
    "CACHE_SIZE",
    "DRAW_BYTES",
    "SECTIONS",
    "IssueIndex",
    "Setup",
    "clear",
    "shared_setup",
]
