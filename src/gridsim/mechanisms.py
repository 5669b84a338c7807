"""The five stages 集 collect → 交 assign → 办 handle → 复 reply → 考 evaluate.

Each switchable part of the pipeline is a small policy class; a scenario
switch selects the class and :func:`mechanisms_for` builds the set a scenario
asks for. The case pipeline runs compiled (:mod:`gridsim.kernel`), so a
collect, assign, consult or supervise policy says what it does by setting the
kernel's switches and parameters in :meth:`configure`; the kernel's matching
branch is the behaviour, and the class docstring says it in words. A new
mechanism is a new small class plus its branch in the kernel. The survey
works on whole arrays between days and keeps its decision methods here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from gridsim.kernel import codes as cases
from gridsim.scenario import Scenario
from gridsim.vocab import TIERS

if TYPE_CHECKING:
    from gridsim.model import GridModel

GRID, COMMUNITY, STREET, DISTRICT = range(len(TIERS))


class Policy(Protocol):
    """A switchable stage of the compiled pipeline."""

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Set the kernel's switches and parameters (see :mod:`gridsim.kernel.codes`)."""
        ...


# 集 collect -----------------------------------------------------------------


@dataclass(frozen=True)
class SameDayCollection:
    """当日收集: officers enter what they find the same day."""

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Entered the day it is found (a batch every day)."""
        iparams[cases.ENTRY_INTERVAL] = 1


@dataclass(frozen=True)
class BatchedCollection:
    """Batched collection: found issues are entered at the next batch day.

    Batch days are the multiples of ``interval_days``.
    """

    interval_days: int

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Entered on the first batch day on or after the day found."""
        iparams[cases.ENTRY_INTERVAL] = self.interval_days


# 交 assign ------------------------------------------------------------------


@dataclass(frozen=True)
class TieredAssignment:
    """分层解决、分类交办: each case is handled at the tier its complexity calls for.

    A case's complexity is its own uniform against the cumulative
    ``assign.tier_shares`` (the same level sets its deadline in every mode).
    """

    dispatch_delay_days: int

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Tier by complexity; dispatch takes ``dispatch_delay_days``."""
        iparams[cases.CENTRAL] = 0
        iparams[cases.DISPATCH_DELAY] = self.dispatch_delay_days


@dataclass(frozen=True)
class CentralAssignment:
    """Everything to the district: each case goes to its category's department."""

    dispatch_delay_days: int

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Every case is a district case; dispatch takes ``dispatch_delay_days``."""
        iparams[cases.CENTRAL] = 1
        iparams[cases.DISPATCH_DELAY] = self.dispatch_delay_days


# 办 handle: joint consultation -------------------------------------------


@dataclass(frozen=True)
class JointConsultation:
    """部门协同、联合会商: departments meet every ``interval_days`` to settle them.

    A multi-department case enters its unit's queue at the next meeting day on
    or after it arrives.
    """

    interval_days: int
    bounces: bool = False

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Release at the next meeting; no bounce."""
        iparams[cases.JOINT_CONSULTATION] = 1
        iparams[cases.CONSULTATION_INTERVAL] = self.interval_days
        iparams[cases.BOUNCES] = int(self.bounces)


@dataclass(frozen=True)
class NoConsultation:
    """Without consultation a multi-department case bounces between offices.

    It waits an exponential time (its own draw, mean ``mean_bounce_days``) and
    is less likely to be resolved.
    """

    mean_bounce_days: float
    bounces: bool = True

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Release after the case's own exponential bounce."""
        iparams[cases.JOINT_CONSULTATION] = 0
        iparams[cases.BOUNCES] = int(self.bounces)
        fparams[cases.BOUNCE_MEAN_DAYS] = self.mean_bounce_days


# supervision: traffic lights and escalation --------------------------------


@dataclass(frozen=True)
class DeadlineSupervision:
    """亮灯警示、限时办结: earliest deadline first; red lights; optional escalation.

    Queues serve escalated cases first, then the earliest deadline. An open
    case past its deadline gets a red light and, if ``escalates``, moves to the
    unit a tier up with a fresh deadline and a short urgent handling time.
    """

    escalates: bool
    lights: bool = True

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Deadline-first queues, red lights, escalation if asked."""
        iparams[cases.LIGHTS] = int(self.lights)
        iparams[cases.ESCALATES] = int(self.escalates)
        iparams[cases.DEADLINE_FIRST] = 1


@dataclass(frozen=True)
class NoSupervision:
    """No time limits: units work first come, first served and nobody escalates."""

    escalates: bool = False
    lights: bool = False

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """First come, first served; no lights."""
        iparams[cases.LIGHTS] = 0
        iparams[cases.ESCALATES] = 0
        iparams[cases.DEADLINE_FIRST] = 0


# 考 evaluate --------------------------------------------------------------


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
    """

    third_party: bool
    share: float
    satisfied_if_resolved: float
    satisfied_if_replied: float
    late_penalty: float
    self_assessment_bias: float

    def satisfied(self, model: GridModel, cases: np.ndarray) -> np.ndarray:
        """Whether each surveyed resident says they are satisfied (own uniform)."""
        p = np.where(model.resolved[cases], self.satisfied_if_resolved, self.satisfied_if_replied)
        p = np.clip(p - self.late_penalty * model.late[cases], 0.0, 1.0)
        return model.case_uniform("satisfied", cases) < p

    def reported(self, satisfaction: float) -> float:
        """Satisfaction as reported: a third party reports it as measured."""
        if self.third_party:
            return satisfaction
        return satisfaction + self.self_assessment_bias * (1.0 - satisfaction)


@dataclass(frozen=True)
class Mechanisms:
    """The mechanism set of one scenario."""

    collection: SameDayCollection | BatchedCollection
    assignment: TieredAssignment | CentralAssignment
    consultation: JointConsultation | NoConsultation
    supervision: DeadlineSupervision | NoSupervision
    survey: Survey

    def configure(self, iparams: np.ndarray, fparams: np.ndarray) -> None:
        """Set the kernel's switches for every compiled stage."""
        for policy in (self.collection, self.assignment, self.consultation, self.supervision):
            policy.configure(iparams, fparams)


def mechanisms_for(scenario: Scenario) -> Mechanisms:
    """Build the mechanisms a scenario's switches select.

    Args:
        scenario: A validated scenario.

    Returns:
        The mechanism set.
    """
    c, a, h, dl, ev = (
        scenario.collect,
        scenario.assign,
        scenario.handle,
        scenario.deadlines,
        scenario.evaluate,
    )
    collection: SameDayCollection | BatchedCollection = (
        SameDayCollection() if c.mode == "same_day" else BatchedCollection(c.batch_interval_days)
    )
    assignment: TieredAssignment | CentralAssignment
    if a.mode == "tiered":
        assignment = TieredAssignment(int(np.ceil(a.dispatch_delay_days)))
    else:
        assignment = CentralAssignment(int(np.ceil(a.central_dispatch_delay_days)))
    consultation: JointConsultation | NoConsultation = (
        JointConsultation(h.consultation_interval_days)
        if h.joint_consultation
        else NoConsultation(h.bounce_delay_days)
    )
    supervision: DeadlineSupervision | NoSupervision = (
        DeadlineSupervision(escalates=dl.escalation) if dl.enabled else NoSupervision()
    )
    survey = Survey(
        third_party=ev.third_party,
        share=ev.survey_share,
        satisfied_if_resolved=ev.satisfied_if_resolved,
        satisfied_if_replied=ev.satisfied_if_replied,
        late_penalty=ev.late_penalty,
        self_assessment_bias=ev.self_assessment_bias,
    )
    return Mechanisms(collection, assignment, consultation, supervision, survey)
