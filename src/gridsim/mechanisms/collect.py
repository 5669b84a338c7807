"""集 collect: when a found issue is entered on the platform (``[collect] mode``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np

from gridsim.kernel import codes
from gridsim.mechanisms.registry import Collect, register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["BatchedCollection", "SameDayCollection", "selected"]


def selected(scenario: Scenario) -> str:
    """The name of the collect mechanism a scenario selects."""
    return scenario.collect.mode


@register(Collect.SAME_DAY)
@dataclass(frozen=True)
class SameDayCollection:
    """当日收集: officers enter what they find the same day."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Same-day collection has no parameters."""
        return cls()

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Entered the day it is found (a batch every day)."""
        iparams[codes.COLLECT_MODE] = self.code
        iparams[codes.ENTRY_INTERVAL] = 1


@register(Collect.BATCHED)
@dataclass(frozen=True)
class BatchedCollection:
    """Batched collection: found issues are entered at the next batch day.

    Batch days are the multiples of ``interval_days``.
    """

    interval_days: int

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """Batches every ``collect.batch_interval_days``."""
        return cls(scenario.collect.batch_interval_days)

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Entered on the first batch day on or after the day found."""
        iparams[codes.COLLECT_MODE] = self.code
        iparams[codes.ENTRY_INTERVAL] = self.interval_days
