"""Residents and the people of each grid: trust, propensity to report, staff spread over grids.

Households are numpy arrays, not agents (there are hundreds of thousands).
Each household has a trust in the grid system (Beta around
``households.trust_mean``) and a propensity to report an issue itself (Beta
around ``households.self_report_propensity``); each grid a trust offset that
replies to its residents move, and a visit-time multiplier
(:func:`visit_multipliers`): its kind of community's, or, for grids drawn on
a map, from its walking distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.model.district import District
from gridsim.model.terrain import walking_hours_per_visit
from gridsim.scenario import Scenario
from gridsim.vocab import KINDS

PROPENSITY_CONCENTRATION = 10.0
"""Concentration (alpha + beta) of the Beta distribution of households' propensity to report."""


def per_grid_counts(n_grids: int, per_grid: float, weights: np.ndarray) -> np.ndarray:
    """Integer people per grid summing to ``round(n_grids * per_grid)``; larger weights first.

    Args:
        n_grids: Number of grids (or communities).
        per_grid: Average number per grid (may be fractional).
        weights: One weight per grid (households): the remainder goes to the
            heaviest grids, ties by index.

    Returns:
        Counts per grid (int64).
    """
    total = round(n_grids * per_grid)
    if total == 0:
        return np.zeros(n_grids, dtype=np.int64)
    base = np.full(n_grids, total // n_grids, dtype=np.int64)
    extra = total - int(base.sum())
    if extra:
        base[np.argsort(-weights, kind="stable")[:extra]] += 1
    return base


@dataclass
class Households:
    """The district's households as arrays (one entry per household, or per grid).

    Attributes:
        grid: Each household's grid.
        trust: Each household's trust in the grid system, in [0, 1].
        propensity: Each household's propensity to report an issue itself.
        grid_trust_offset: Per grid, the trust its replies have added (starts at 0).

    The visit-hours multiplier of each grid is not drawn: :func:`visit_multipliers`
    (it depends on the ``visits`` section, which the shared set-up does not key on).
    """

    grid: np.ndarray
    trust: np.ndarray
    propensity: np.ndarray
    grid_trust_offset: np.ndarray


def draw_traits(
    scenario: Scenario, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` households' trust and propensity to report (the ``households`` stream).

    They depend on the number of households and the ``households`` section
    only, not on the grids: :mod:`gridsim.model.setup` shares them across
    grid sizes.

    Args:
        scenario: The scenario.
        n: Number of households.
        rng: The ``households`` stream.

    Returns:
        ``(trust, propensity)``, one entry per household.
    """
    s = scenario.households
    k = s.trust_concentration
    trust = rng.beta(s.trust_mean * k, (1 - s.trust_mean) * k, size=n)
    p = max(min(s.self_report_propensity, 1 - 1e-9), 1e-9)
    conc = PROPENSITY_CONCENTRATION
    propensity = rng.beta(p * conc, (1 - p) * conc, size=n) if p > 1e-9 else np.zeros(n)
    return trust, propensity


def draw_households(
    scenario: Scenario,
    district: District,
    rng: np.random.Generator,
    traits: tuple[np.ndarray, np.ndarray] | None = None,
) -> Households:
    """Draw every household's trust and propensity (the ``households`` stream).

    Args:
        scenario: The scenario.
        district: Its district.
        rng: The ``households`` stream.
        traits: ``(trust, propensity)`` if already drawn from this run's
            stream (:func:`draw_traits`); then ``rng`` is not drawn from.

    Returns:
        The households (``trust`` is the array given: copy it before changing it).
    """
    trust, propensity = traits or draw_traits(scenario, district.n_households, rng)
    return Households(
        grid=district.household_grid(),
        trust=trust,
        propensity=propensity,
        grid_trust_offset=np.zeros(district.n_grids),
    )


def visit_multipliers(scenario: Scenario, district: District) -> np.ndarray:
    """Per grid, the multiplier on hours per visit (officers' and cadres').

    Synthesised grids take their kind of community's
    ``visit_hours_multiplier``. Grids drawn on a map take their walking time
    instead: ``1 + walking hours per visit / visits.officer_hours_per_visit``
    (the visit itself is ``officer_hours_per_visit``; cadres' visits scale by
    the same factor).
    """
    if district.drawn:
        walk = walking_hours_per_visit(scenario, district)
        return 1.0 + walk / scenario.visits.officer_hours_per_visit
    kind_mult = np.array(
        [getattr(scenario.district.kinds, k).visit_hours_multiplier for k in KINDS]
    )
    return kind_mult[district.grid_kind]


__all__ = [
    "PROPENSITY_CONCENTRATION",
    "Households",
    "draw_households",
    "draw_traits",
    "per_grid_counts",
    "visit_multipliers",
]
