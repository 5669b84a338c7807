"""考 survey: satisfaction of closed cases, asked by a third party or by the units themselves.

The survey works on whole arrays between days
(:meth:`gridsim.model.gridmodel.GridModel.survey_wave`),
not in the kernel: its decisions are methods here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

import numpy as np

from gridsim.mechanisms.registry import Survey as SurveyCode
from gridsim.mechanisms.registry import register

if TYPE_CHECKING:
    from gridsim.scenario import Scenario


T = TypeVar("T", float, np.ndarray)


class SurveyedCases(Protocol):
    """What the survey reads of a run: each case's outcome and its own random numbers.

    The model (:class:`gridsim.model.gridmodel.GridModel`) is one; the
    mechanisms sit below the model and are typed against this, not the model.
    """

    resolved: np.ndarray
    late: np.ndarray

    def case_uniform(self, draw: str, ids: np.ndarray) -> np.ndarray:
        """Each case's own uniform ``draw``."""
        ...


__all__ = ["SelfAssessment", "Survey", "SurveyedCases", "ThirdPartySurvey", "selected"]


def selected(scenario: Scenario) -> str:
    """The name of the survey mechanism a scenario selects."""
    return "third_party" if scenario.evaluate.third_party else "self"


@dataclass(frozen=True)
class Survey:
    """Satisfaction survey of closed cases (third party, or the units themselves).

    Attributes:
        third_party: An independent firm runs it; dissatisfied resolved cases
            it finds are reopened.
        share: Share of closed cases surveyed.
        satisfied_if_resolved: Probability of satisfaction when resolved.
        satisfied_if_replied: Probability of satisfaction with a reply only.
        late_penalty: Drop in that probability when the case closed late.
        self_assessment_bias: Over-statement when units assess themselves.
        response: How strongly units' effort answers their scores (1 under a
            third party; ``evaluate.self_assessment_response`` when they score
            themselves).
    """

    third_party: bool
    share: float
    satisfied_if_resolved: float
    satisfied_if_replied: float
    late_penalty: float
    self_assessment_bias: float
    response: float = 1.0

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Self:
        """The survey of ``[evaluate]``."""
        ev = scenario.evaluate
        return cls(
            third_party=ev.third_party,
            share=ev.survey_share,
            satisfied_if_resolved=ev.satisfied_if_resolved,
            satisfied_if_replied=ev.satisfied_if_replied,
            late_penalty=ev.late_penalty,
            self_assessment_bias=ev.self_assessment_bias,
            response=1.0 if ev.third_party else ev.self_assessment_response,
        )

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Nothing: the survey runs between days, outside the kernel."""

    def satisfied(self, model: SurveyedCases, cases: np.ndarray) -> np.ndarray:
        """Whether each surveyed resident says they are satisfied (own uniform)."""
        p = np.where(model.resolved[cases], self.satisfied_if_resolved, self.satisfied_if_replied)
        p = np.clip(p - self.late_penalty * model.late[cases], 0.0, 1.0)
        return model.case_uniform("satisfied", cases) < p

    def reported(self, satisfaction: T) -> T:
        """Satisfaction (or a unit's score) as reported: a third party reports it as measured.

        Units that assess themselves report ``s + self_assessment_bias x (1 - s)``.
        Works on a number or an array of them.
        """
        if self.third_party:
            return satisfaction
        return satisfaction + self.self_assessment_bias * (1.0 - satisfaction)


@register(SurveyCode.THIRD_PARTY)
@dataclass(frozen=True)
class ThirdPartySurvey(Survey):
    """第三方专业测评: an independent firm asks; dissatisfied resolved cases are reopened."""


@register(SurveyCode.SELF)
@dataclass(frozen=True)
class SelfAssessment(Survey):
    """Units assess themselves, and over-state satisfaction by ``self_assessment_bias``."""
