"""What a plan file says: base, levers, targets as constraints, objective, uncertainty, stop rule.

A plan file (TOML) asks *what is the cheapest design that meets these targets,
and how sure are we?*::

    name = "plan-yuelu"
    base = "yuelu-2013.toml"
    seed = 2013
    replications = 3                 # per design and uncertainty point, in the search

    [objective]
    minimise = "cost"                # or maximise = "on_time_rate" (with a budget lever)

    [search]
    sampler = "tpe"                  # tpe | nsga2 (with front = KPI) | random | grid
    trials = 60
    batch = 4                        # trials asked at once (run in parallel)
    minutes = 4.0                    # wall-clock budget of the search
    patience = 30                    # stop after this many trials without a better design

    [[levers]]
    key = "grids.households_per_grid"
    low = 250
    high = 600
    step = 50

    [[levers]]
    key = "cadres.posting"
    choices = ["fixed", "rotation"]

    [[targets]]
    kpi = "on_time_rate"
    op = ">="
    value = 0.90
    statistic = "p10"                # over uncertainty points x replications

    [uncertainty]                    # the fitting set (gridsim calibrate --targets) ...
    points = [{ "collect.detect_probability" = 0.2, "households.latent_issues_per_year" = 0.52 }]

    [selection]                      # KN with fresh seeds over the best designs
    top = 10
    delta = 1_000_000                # indifference zone, in the objective's units

    [discovery]                      # where the winner fails: LHS of the assumed parameters
    samples = 64

Levers may be any scenario key or a derived lever
(:mod:`gridsim.experiments.derived`: ``headcount.<role>``, ``budget.yuan_per_year``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridsim.experiments.spec import read_experiment_data
from gridsim.fileio import InputError, display_path
from gridsim.kpi_registry import KPIS
from gridsim.scenario.errors import describe

Statistic = Literal["mean", "median", "p25", "p10", "p5", "min", "max", "p90", "p75"]
"""How a target's KPI is summarised over uncertainty points x replications."""

QUANTILES: dict[str, float] = {
    "median": 0.5,
    "p25": 0.25,
    "p10": 0.10,
    "p5": 0.05,
    "min": 0.0,
    "max": 1.0,
    "p75": 0.75,
    "p90": 0.90,
}
"""The quantile each order statistic stands for."""


class PlanError(InputError):
    """A plan file is invalid: one line per problem, naming the file and key (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeverSpec(_Strict):
    """A lever: a scenario key (or derived lever) with a range and step, or choices."""

    key: str = Field(min_length=1)
    low: float | None = None
    high: float | None = None
    step: float | None = Field(None, gt=0)
    integer: bool = False
    choices: list[float | int | bool | str] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> LeverSpec:
        ranged = self.low is not None or self.high is not None
        if self.choices is not None and ranged:
            raise ValueError("give either low/high (a range) or choices, not both")
        if self.choices is None:
            if self.low is None or self.high is None:
                raise ValueError("a range needs low and high (or give choices)")
            if not self.low < self.high:
                raise ValueError(f"low must be < high, got [{self.low}, {self.high}]")
            if self.step is not None and self.step > self.high - self.low:
                raise ValueError(f"step {self.step} is wider than the range")
        return self

    @property
    def kind(self) -> Literal["int", "float", "choice"]:
        """``int`` for an integer range, ``float``, or ``choice``."""
        if self.choices is not None:
            return "choice"
        return "int" if self.integer else "float"


class TargetSpec(_Strict):
    """A target as a constraint: KPI, comparison, value and the statistic that must meet it."""

    kpi: str
    op: Literal[">=", "<="]
    value: float
    statistic: Statistic = "mean"
    tolerance: float | None = Field(
        None, gt=0, description="Feasibility tolerance of the selection (default 1 % of value)."
    )

    @model_validator(mode="after")
    def _known(self) -> TargetSpec:
        if self.kpi not in KPIS:
            raise ValueError(f"unknown KPI {self.kpi!r}")
        return self


class ObjectiveSpec(_Strict):
    """Minimise one KPI or maximise one (exactly one of the two)."""

    minimise: str | None = None
    maximise: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ObjectiveSpec:
        if (self.minimise is None) == (self.maximise is None):
            raise ValueError("give exactly one of minimise or maximise")
        if self.kpi not in KPIS:
            raise ValueError(f"unknown KPI {self.kpi!r}")
        return self

    @property
    def kpi(self) -> str:
        """The KPI optimised."""
        return self.minimise if self.minimise is not None else str(self.maximise)

    @property
    def sense(self) -> Literal["min", "max"]:
        """``min`` or ``max``."""
        return "min" if self.minimise is not None else "max"


class SearchSpec(_Strict):
    """The search and its stop rule (whichever comes first)."""

    sampler: Literal["tpe", "nsga2", "random", "grid"] = "tpe"
    front: str | None = Field(None, description="NSGA-II: the service KPI maximised against cost.")
    trials: int = Field(40, gt=0, le=10_000)
    batch: int = Field(4, gt=0, le=256)
    minutes: float = Field(10.0, gt=0)
    patience: int | None = Field(None, gt=0)
    seed: int = 0

    @model_validator(mode="after")
    def _front(self) -> SearchSpec:  # the grid sampler's steps are checked with the levers
        if self.sampler == "nsga2" and self.front is None:
            raise ValueError("sampler 'nsga2' needs front = KPI (the service side of the front)")
        if self.front is not None and self.front not in KPIS:
            raise ValueError(f"front: unknown KPI {self.front!r}")
        return self


class UncertaintySpec(_Strict):
    """What the design must be robust over: fitting-set points and/or ranges of assumptions."""

    points: list[dict[str, float | int | bool | str]] = Field(default_factory=list)
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)
    samples: int = Field(0, ge=0, le=1000, description="LHS points over ranges.")

    @model_validator(mode="after")
    def _ranges(self) -> UncertaintySpec:
        for key, (lo, hi) in self.ranges.items():
            if not lo < hi:
                raise ValueError(f"ranges.{key}: lower bound must be < upper, got [{lo}, {hi}]")
        if self.ranges and self.samples == 0:
            raise ValueError("ranges need samples > 0 (the Latin hypercube points)")
        return self


class SelectionSpec(_Strict):
    """Selection with a guarantee among the best feasible designs (KN, fresh seeds)."""

    top: int = Field(10, ge=1, le=50)
    delta: float | None = Field(None, gt=0, description="Indifference zone (objective units).")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    n0: int = Field(5, ge=2, le=100)
    max_replications: int = Field(30, ge=2, le=1000)


class DiscoverySpec(_Strict):
    """Where the winner fails: a Latin hypercube of assumed parameters, PRIM and CART."""

    samples: int = Field(64, ge=0, le=5000)
    keys: list[str] = Field(default_factory=list, description="Default: every assumption.")
    spread: float = Field(0.3, gt=0, lt=1)


class PlanSpec(_Strict):
    """The contents of a plan file."""

    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    description_zh: str = ""
    base: str
    seed: int = 2013
    replications: int = Field(3, gt=0, le=100)
    objective: ObjectiveSpec
    search: SearchSpec = SearchSpec()
    levers: list[LeverSpec] = Field(min_length=1)
    targets: list[TargetSpec] = Field(default_factory=list)
    uncertainty: UncertaintySpec = UncertaintySpec()
    selection: SelectionSpec = SelectionSpec()
    discovery: DiscoverySpec = DiscoverySpec()

    @model_validator(mode="after")
    def _distinct(self) -> PlanSpec:
        keys = [lever.key for lever in self.levers]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise ValueError(f"levers[{i}].key: {key!r} is already a lever")
        if self.search.sampler == "grid":
            for i, lever in enumerate(self.levers):
                if lever.kind == "float" and lever.step is None:
                    raise ValueError(f"levers[{i}]: sampler 'grid' needs a step or choices")
        return self


def read_plan_spec(path: str | Path) -> PlanSpec:
    """Read and validate a plan file.

    Args:
        path: The plan TOML file.

    Returns:
        Its validated contents.

    Raises:
        PlanError: One line per problem, naming the file (and line/column or key).
    """
    display = display_path(path)
    try:
        data = read_experiment_data(path)  # bounded, UTF-8 TOML, every problem named
    except InputError as exc:
        raise PlanError(exc.problems) from None
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(
                f"{display}: {loc}: {describe(err)}" if loc else f"{display}: {describe(err)}"
            )
        raise PlanError(lines) from None


__all__ = [
    "QUANTILES",
    "DiscoverySpec",
    "LeverSpec",
    "ObjectiveSpec",
    "PlanError",
    "PlanSpec",
    "SearchSpec",
    "SelectionSpec",
    "TargetSpec",
    "UncertaintySpec",
    "read_plan_spec",
]
