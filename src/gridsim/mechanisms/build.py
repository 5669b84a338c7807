"""The mechanism set of a scenario: one registered mechanism per stage.

:func:`mechanisms_for` reads which mechanism a scenario selects for each
stage (each stage module's ``selected``), looks it up in the registry
(:mod:`gridsim.mechanisms.registry`) and builds it from the scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gridsim.mechanisms import assign, collect, consult, supervise, survey
from gridsim.mechanisms.base import Mechanism
from gridsim.mechanisms.registry import Stage, lookup
from gridsim.mechanisms.survey import Survey

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

__all__ = ["SELECTED", "Mechanisms", "mechanisms_for"]

SELECTED: dict[Stage, Callable[[Scenario], str]] = {
    Stage.COLLECT: collect.selected,
    Stage.ASSIGN: assign.selected,
    Stage.CONSULT: consult.selected,
    Stage.SUPERVISE: supervise.selected,
    Stage.SURVEY: survey.selected,
}
"""The name of the mechanism a scenario selects, per stage."""


@dataclass(frozen=True)
class Mechanisms:
    """The mechanism set of one scenario."""

    collection: Mechanism
    assignment: Mechanism
    consultation: Mechanism
    supervision: Mechanism
    survey: Survey

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Set the kernel's switches for every compiled stage."""
        for mechanism in (self.collection, self.assignment, self.consultation, self.supervision):
            mechanism.configure(iparams, fparams)


def mechanisms_for(scenario: Scenario) -> Mechanisms:
    """Build the mechanisms a scenario's switches select.

    Args:
        scenario: A validated scenario.

    Returns:
        The mechanism set.

    Raises:
        gridsim.mechanisms.registry.UnknownMechanism: A stage's name is not
            registered (validation refuses it first; this guards scenarios
            built without validation).
    """
    built = {
        stage: lookup(stage, select(scenario)).from_scenario(scenario)
        for stage, select in SELECTED.items()
    }
    return Mechanisms(
        collection=built[Stage.COLLECT],
        assignment=built[Stage.ASSIGN],
        consultation=built[Stage.CONSULT],
        supervision=built[Stage.SUPERVISE],
        survey=built[Stage.SURVEY],
    )
