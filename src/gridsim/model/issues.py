"""Latent issues — problems that exist before anyone reports them — and the case table of a run.

Every issue a run can see is drawn up front: household issues (a Poisson
number per household over the run and a warm-up, each with an arrival day, a
lifetime and a category) and public-space issues (per grid, found by patrols).
Only issues still latent on day 0 are kept. They become the rows of the case
table, the few 2-D arrays the compiled kernel works on in place
(:mod:`gridsim.kernel.codes` names their rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridsim.kernel import codes
from gridsim.model.district import District
from gridsim.scenario import Scenario
from gridsim.vocab import CATEGORIES, KINDS

PUBLIC_CATEGORIES = np.array(
    [CATEGORIES.index(c) for c in ("environment", "infrastructure", "safety")]
)
"""Categories a public-space issue can have (drawn evenly)."""

WARMUP_LIFETIMES = 3.0
"""Warm-up before day 0, in mean issue lifetimes (at most a year): issues latent on day 0."""


@dataclass
class LatentIssues:
    """Every issue still latent on day 0: household issues first (in household order), then public.

    Attributes:
        household: Each issue's household (-1: public space).
        grid: Each issue's grid.
        arrival: Day each issue arises (negative: before the run).
        expiry: Day each issue goes away by itself if no one handles it.
        category: Category index (:data:`gridsim.vocab.CATEGORIES`).
        find_draw: Exponential(1) draw of a public issue's patrol find (0 for household issues).
        n_household: Number of household issues (the first rows).
    """

    household: np.ndarray
    grid: np.ndarray
    arrival: np.ndarray
    expiry: np.ndarray
    category: np.ndarray
    find_draw: np.ndarray
    n_household: int

    def __len__(self) -> int:
        return len(self.household)


@dataclass(frozen=True)
class HouseholdIssueDraws:
    """The household issues of a span, as drawn from the ``latent`` stream (before any is dropped).

    They depend on each household's expected number of issues, the issues'
    lifetime, categories and the days simulated, not on how households are
    grouped into grids: designs with other grid sizes over the same
    communities draw the same ones (:mod:`gridsim.model.setup` shares them).

    Attributes:
        household: Each issue's household (in household order).
        arrival: Day each issue arises (negative: in the warm-up before day 0).
        life: Each issue's lifetime in days.
        category: Category index of each issue.
    """

    household: np.ndarray
    arrival: np.ndarray
    life: np.ndarray
    category: np.ndarray


def issue_span(scenario: Scenario, days: int) -> tuple[float, float]:
    """The warm-up before day 0 and the whole span (warm-up + ``days``) issues are drawn over."""
    warmup = min(WARMUP_LIFETIMES * scenario.households.issue_lifetime_days, 365.0)
    return warmup, days + warmup


def household_issue_rates(scenario: Scenario, district: District, days: int) -> np.ndarray:
    """Expected issues per household over the span, per grid (its kind of community's rate)."""
    kind_rate = np.array(
        [getattr(scenario.district.kinds, k).latent_rate_multiplier for k in KINDS]
    )
    span = issue_span(scenario, days)[1]
    return scenario.households.latent_issues_per_year * kind_rate[district.grid_kind] * span / 365.0


def draw_household_issues(
    scenario: Scenario,
    grid_rate: np.ndarray,
    household_grid: np.ndarray,
    days: int,
    latent: np.random.Generator,
) -> HouseholdIssueDraws:
    """Draw the household issues of the span (the ``latent`` stream).

    Args:
        scenario: The scenario.
        grid_rate: Expected issues per household over the span, per grid
            (:func:`household_issue_rates`).
        household_grid: Each household's grid.
        days: Days simulated.
        latent: The ``latent`` stream.

    Returns:
        The draws: a Poisson number per household, each with an arrival day,
        a lifetime and a category.
    """
    warmup = issue_span(scenario, days)[0]
    # One rate per grid, spread to households: no per-household temporaries.
    counts = latent.poisson(grid_rate[household_grid])
    household = np.repeat(np.arange(len(household_grid), dtype=np.int64), counts)
    n_h = len(household)
    arrival = latent.uniform(-warmup, days, size=n_h)
    life = latent.exponential(scenario.households.issue_lifetime_days, size=n_h)
    cat = latent.choice(len(CATEGORIES), size=n_h, p=scenario.issues.categories.as_list())
    return HouseholdIssueDraws(household, arrival, life, cat)


def draw_latent_issues(
    scenario: Scenario,
    district: District,
    household_grid: np.ndarray,
    days: int,
    latent: np.random.Generator,
    public: np.random.Generator,
    household_draws: HouseholdIssueDraws | None = None,
) -> LatentIssues:
    """Draw the run's latent issues (streams ``latent`` and ``public``).

    Args:
        scenario: The scenario.
        district: Its district.
        household_grid: Each household's grid.
        days: Days simulated.
        latent: The ``latent`` stream (household issues).
        public: The ``public`` stream (public-space issues).
        household_draws: The household issues, if already drawn from this
            run's ``latent`` stream (:func:`draw_household_issues`); then
            ``latent`` is not drawn from.

    Returns:
        The issues latent on day 0 or later.
    """
    sc = scenario
    warmup, span = issue_span(scenario, days)
    if household_draws is None:
        rates = household_issue_rates(scenario, district, days)
        household_draws = draw_household_issues(scenario, rates, household_grid, days, latent)
    hd = household_draws
    household, arrival, life, cat = hd.household, hd.arrival, hd.life, hd.category
    lifetime = sc.households.issue_lifetime_days
    # Public-space issues, per grid.
    p_counts = public.poisson(
        sc.issues.public_issues_per_grid_year * span / 365.0, size=district.n_grids
    )
    p_grid = np.repeat(np.arange(district.n_grids, dtype=np.int64), p_counts)
    n_p = len(p_grid)
    p_arrival = public.uniform(-warmup, days, size=n_p)
    p_life = public.exponential(lifetime, size=n_p)
    p_cat = PUBLIC_CATEGORIES[public.integers(0, len(PUBLIC_CATEGORIES), size=n_p)]
    p_find = public.exponential(1.0, size=n_p)
    # Keep issues still latent at day 0.
    keep_h = arrival + life > 0
    keep_p = p_arrival + p_life > 0
    arr = np.concatenate([arrival[keep_h], p_arrival[keep_p]])
    return LatentIssues(
        household=np.concatenate([household[keep_h], np.full(keep_p.sum(), -1)]),
        grid=np.concatenate([household_grid[household[keep_h]], p_grid[keep_p]]),
        arrival=np.floor(arr).astype(np.int64),
        expiry=np.floor(arr + np.concatenate([life[keep_h], p_life[keep_p]])).astype(np.int64),
        category=np.concatenate([cat[keep_h], p_cat[keep_p]]).astype(np.int8),
        find_draw=np.concatenate([np.zeros(keep_h.sum()), p_find[keep_p]]),
        n_household=int(keep_h.sum()),
    )


@dataclass
class CaseTable:
    """The case table: one column per issue in three 2-D arrays the compiled kernel shares.

    Attributes:
        ints: int32 rows (:data:`gridsim.kernel.codes.INT_ROWS`: days, units, households...).
        i8: int8 rows (state, channel, tier, category, reworks).
        flags: bool rows (public, escalated, red, resolved...).
    """

    ints: np.ndarray
    i8: np.ndarray
    flags: np.ndarray


def case_table(issues: LatentIssues) -> CaseTable:
    """The case table of ``issues``: their own fields set, every case-state field empty.

    Args:
        issues: The run's latent issues.

    Returns:
        The table (no deadline, no unit, no day set).
    """
    n = len(issues)
    ints = np.full((codes.INT_ROWS, n), -1, dtype=np.int32)
    i8 = np.zeros((codes.I8_ROWS, n), dtype=np.int8)
    flags = np.zeros((codes.FLAG_ROWS, n), dtype=bool)
    ints[codes.ARRIVAL] = issues.arrival
    ints[codes.EXPIRY] = issues.expiry
    ints[codes.HOUSEHOLD] = issues.household
    ints[codes.ISSUE_GRID] = issues.grid
    ints[codes.DEADLINE] = np.iinfo(np.int32).max  # no deadline
    ints[codes.STAMP] = 0
    i8[codes.CATEGORY] = issues.category
    i8[codes.TIER] = -1
    flags[codes.PUBLIC] = issues.household < 0
    return CaseTable(ints=ints, i8=i8, flags=flags)


def household_offsets(household: np.ndarray, n_household: int, n_households: int) -> np.ndarray:
    """CSR offsets of household issues by household (for visits).

    Household issues come first, already in household order (drawn per
    household with ``np.repeat``), so the index needs no sort.

    Args:
        household: Each issue's household (household issues first).
        n_household: Number of household issues.
        n_households: Number of households.

    Returns:
        ``offsets`` with household ``h``'s issues at ``offsets[h]:offsets[h + 1]``.
    """
    per_household = np.bincount(household[:n_household], minlength=n_households)
    offsets = np.zeros(n_households + 1, dtype=np.int64)
    np.cumsum(per_household, out=offsets[1:])
    return offsets


def arrival_order(
    arrival: np.ndarray, n_household: int, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Household issues in order of arrival, to decide self-reports with the trust of the day.

    A stable radix sort on small integer days.

    Args:
        arrival: Each issue's arrival day.
        n_household: Number of household issues (the first rows).
        days: Days simulated.

    Returns:
        The issues' order (int32) and their arrival days in that order (day 0 for earlier ones).
    """
    day_key = np.maximum(arrival[:n_household], 0)
    if days < np.iinfo(np.int16).max:
        day_key = day_key.astype(np.int16)
    order = np.argsort(day_key, kind="stable").astype(np.int32)
    return order, np.maximum(arrival[order], 0)


__all__ = [
    "PUBLIC_CATEGORIES",
    "CaseTable",
    "HouseholdIssueDraws",
    "LatentIssues",
    "arrival_order",
    "case_table",
    "draw_household_issues",
    "draw_latent_issues",
    "household_issue_rates",
    "household_offsets",
    "issue_span",
]
