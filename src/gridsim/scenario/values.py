"""Tables of one value per issue category, handling tier or staff role, and the section base.

:class:`Section` is the base of every scenario table: unknown keys are errors,
assignments are validated and numbers must be finite. The value tables hold one
number per name of :mod:`gridsim.vocab`, read back in its order with
``as_list()``; their subclasses add the bounds of what they hold (days, costs,
shares that sum to one...).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridsim.scenario.params import (
    HOURS_PER_WEEK,
    MAX_CAPACITY,
    MAX_COST,
    MAX_DAYS,
    MAX_WORKING_DAYS,
)
from gridsim.vocab import CATEGORIES, TIERS


class Section(BaseModel):
    """Base of every scenario table: strict keys, validated on assignment."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False
    )

    title_zh: ClassVar[str] = ""
    """The table's heading in Chinese, beside its docstring's first line (the English one):
    every section of a scenario gives one (:func:`gridsim.scenario.parameters.untranslated`)."""


class CategoryValues(Section):
    """One value per issue category."""

    environment: float = Field(ge=0)
    infrastructure: float = Field(ge=0)
    disputes: float = Field(ge=0)
    livelihood: float = Field(ge=0)
    safety: float = Field(ge=0)
    policy: float = Field(ge=0)

    def as_list(self) -> list[float]:
        """Values in :data:`CATEGORIES` order."""
        return [getattr(self, c) for c in CATEGORIES]


class CategoryShares(CategoryValues):
    """A share per issue category; the shares must sum to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> CategoryShares:
        total = sum(self.as_list())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return self


class CategoryProbabilities(CategoryValues):
    """A probability per issue category."""

    @model_validator(mode="after")
    def _at_most_one(self) -> CategoryProbabilities:
        for c in CATEGORIES:
            if getattr(self, c) > 1:
                raise ValueError(f"{c}: must be <= 1, got {getattr(self, c)}")
        return self


class TierValues(Section):
    """One positive value per handling tier."""

    grid: float = Field(gt=0)
    community: float = Field(gt=0)
    street: float = Field(gt=0)
    district: float = Field(gt=0)

    def as_list(self) -> list[float]:
        """Values in :data:`TIERS` order."""
        return [getattr(self, t) for t in TIERS]


class TierStaff(TierValues):
    """People per handling unit of each tier (fractions are shares of a person's time)."""

    grid: float = Field(gt=0, le=MAX_CAPACITY)
    community: float = Field(gt=0, le=MAX_CAPACITY)
    street: float = Field(gt=0, le=MAX_CAPACITY)
    district: float = Field(gt=0, le=MAX_CAPACITY)


class TierDays(TierValues):
    """Days per handling tier."""

    grid: float = Field(gt=0, le=MAX_DAYS)
    community: float = Field(gt=0, le=MAX_DAYS)
    street: float = Field(gt=0, le=MAX_DAYS)
    district: float = Field(gt=0, le=MAX_DAYS)


class TierWorkingDays(TierValues):
    """Working days per handling tier."""

    grid: float = Field(gt=0, le=MAX_WORKING_DAYS)
    community: float = Field(gt=0, le=MAX_WORKING_DAYS)
    street: float = Field(gt=0, le=MAX_WORKING_DAYS)
    district: float = Field(gt=0, le=MAX_WORKING_DAYS)


class TierCosts(TierValues):
    """A cost per handling tier."""

    grid: float = Field(gt=0, le=MAX_COST)
    community: float = Field(gt=0, le=MAX_COST)
    street: float = Field(gt=0, le=MAX_COST)
    district: float = Field(gt=0, le=MAX_COST)


class TierShares(Section):
    """A share per handling tier; the shares must sum to 1."""

    grid: float = Field(ge=0, le=1)
    community: float = Field(ge=0, le=1)
    street: float = Field(ge=0, le=1)
    district: float = Field(ge=0, le=1)

    def as_list(self) -> list[float]:
        """Values in :data:`TIERS` order."""
        return [getattr(self, t) for t in TIERS]

    @model_validator(mode="after")
    def _sum_to_one(self) -> TierShares:
        total = sum(self.as_list())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return self


class RoleValues(Section):
    """One non-negative value per staff role."""

    cadre: float = Field(ge=0)
    information_officer: float = Field(ge=0)
    security_officer: float = Field(ge=0)
    volunteer: float = Field(ge=0)
    administrator: float = Field(ge=0)
    supervisor: float = Field(ge=0)


class RoleHours(RoleValues):
    """Hours per week per staff role (at most the 168 hours of a week)."""

    cadre: float = Field(ge=0, le=HOURS_PER_WEEK)
    information_officer: float = Field(ge=0, le=HOURS_PER_WEEK)
    security_officer: float = Field(ge=0, le=HOURS_PER_WEEK)
    volunteer: float = Field(ge=0, le=HOURS_PER_WEEK)
    administrator: float = Field(ge=0, le=HOURS_PER_WEEK)
    supervisor: float = Field(ge=0, le=HOURS_PER_WEEK)


class RoleCosts(RoleValues):
    """A cost per staff role."""

    cadre: float = Field(ge=0, le=MAX_COST)
    information_officer: float = Field(ge=0, le=MAX_COST)
    security_officer: float = Field(ge=0, le=MAX_COST)
    volunteer: float = Field(ge=0, le=MAX_COST)
    administrator: float = Field(ge=0, le=MAX_COST)
    supervisor: float = Field(ge=0, le=MAX_COST)
