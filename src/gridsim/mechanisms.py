"""The five stages 集 collect → 交 assign → 办 handle → 复 reply → 考 evaluate.

Each switchable part of the pipeline is a small policy class with one
decision method, working on arrays of case ids (many cases at once). A
scenario switch selects the class; :func:`mechanisms_for` builds the set a
scenario asks for. A new mechanism is a new small class, not a new ``if`` in
the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from gridsim.scenario import TIERS, Scenario

if TYPE_CHECKING:
    from gridsim.model import GridModel

GRID, COMMUNITY, STREET, DISTRICT = range(len(TIERS))


# 集 collect -----------------------------------------------------------------


class Collection(Protocol):
    """When a found issue is entered on the district platform."""

    def entry_day(self, found_day: int) -> int:
        """Day the issues found on ``found_day`` reach the platform."""
        ...


@dataclass(frozen=True)
class SameDayCollection:
    """当日收集: officers enter what they find the same day."""

    def entry_day(self, found_day: int) -> int:
        """Entered the day it is found."""
        return found_day


@dataclass(frozen=True)
class BatchedCollection:
    """Batched collection: found issues are entered at the next batch day."""

    interval_days: int

    def entry_day(self, found_day: int) -> int:
        """The first batch day on or after ``found_day`` (batch days are multiples)."""
        return -(-found_day // self.interval_days) * self.interval_days


# 交 assign ------------------------------------------------------------------


class Assignment(Protocol):
    """Which unit handles a verified case, and how long dispatch takes."""

    dispatch_delay_days: int

    def tiers(self, model: GridModel, cases: np.ndarray) -> np.ndarray:
        """Tier index of each case."""
        ...


@dataclass(frozen=True)
class TieredAssignment:
    """分层解决、分类交办: most cases stay low; the rest go up by a fixed mix."""

    shares: tuple[float, float, float, float]
    dispatch_delay_days: int

    def tiers(self, model: GridModel, cases: np.ndarray) -> np.ndarray:
        """Each case is handled at the tier its complexity calls for."""
        return model.case_level(cases)


@dataclass(frozen=True)
class CentralAssignment:
    """Everything to the district: each case goes to its category's department."""

    dispatch_delay_days: int

    def tiers(self, model: GridModel, cases: np.ndarray) -> np.ndarray:
        """Every case is a district case."""
        return np.full(len(cases), DISTRICT, dtype=np.int8)


# 办 handle: joint consultation -------------------------------------------


class Consultation(Protocol):
    """How multi-department cases get to a unit's queue."""

    bounces: bool

    def release_day(self, model: GridModel, cases: np.ndarray, day: int) -> np.ndarray:
        """Day each multi-department case can enter the queue."""
        ...


@dataclass(frozen=True)
class JointConsultation:
    """部门协同、联合会商: departments meet every ``interval_days`` to settle them."""

    interval_days: int
    bounces: bool = False

    def release_day(self, model: GridModel, cases: np.ndarray, day: int) -> np.ndarray:
        """The next meeting day on or after ``day``."""
        meeting = -(-day // self.interval_days) * self.interval_days
        return np.full(len(cases), meeting, dtype=np.int64)


@dataclass(frozen=True)
class NoConsultation:
    """Without consultation a multi-department case bounces between offices."""

    mean_bounce_days: float
    bounces: bool = True

    def release_day(self, model: GridModel, cases: np.ndarray, day: int) -> np.ndarray:
        """``day`` plus an exponential bounce (the case's own draw)."""
        extra = np.ceil(model.case_u["bounce"][cases] * self.mean_bounce_days)
        return day + extra.astype(np.int64)


# supervision: traffic lights and escalation --------------------------------


class Supervision(Protocol):
    """What happens when a case passes its deadline while still open."""

    lights: bool
    escalates: bool

    def queue_keys(self, model: GridModel, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sort keys (primary, secondary) for a unit's queue; smaller goes first."""
        ...


@dataclass(frozen=True)
class DeadlineSupervision:
    """亮灯警示、限时办结: earliest deadline first; red lights; optional escalation."""

    escalates: bool
    lights: bool = True

    def queue_keys(self, model: GridModel, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Escalated cases first, then the earliest deadline."""
        return (~model.escalated[cases]).astype(np.int8), model.deadline[cases]


@dataclass(frozen=True)
class NoSupervision:
    """No time limits: units work first come, first served and nobody escalates."""

    escalates: bool = False
    lights: bool = False

    def queue_keys(self, model: GridModel, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First come, first served."""
        return np.zeros(len(cases), dtype=np.int8), model.queued_day[cases]


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
        return model.case_u["satisfied"][cases] < p

    def reported(self, satisfaction: float) -> float:
        """Satisfaction as reported: a third party reports it as measured."""
        if self.third_party:
            return satisfaction
        return satisfaction + self.self_assessment_bias * (1.0 - satisfaction)


@dataclass(frozen=True)
class Mechanisms:
    """The mechanism set of one scenario."""

    collection: Collection
    assignment: Assignment
    consultation: Consultation
    supervision: Supervision
    survey: Survey


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
    collection: Collection = (
        SameDayCollection() if c.mode == "same_day" else BatchedCollection(c.batch_interval_days)
    )
    assignment: Assignment
    if a.mode == "tiered":
        shares = tuple(a.tier_shares.as_list())
        assignment = TieredAssignment(shares, int(np.ceil(a.dispatch_delay_days)))  # type: ignore[arg-type]
    else:
        assignment = CentralAssignment(int(np.ceil(a.central_dispatch_delay_days)))
    consultation: Consultation = (
        JointConsultation(h.consultation_interval_days)
        if h.joint_consultation
        else NoConsultation(h.bounce_delay_days)
    )
    supervision: Supervision = (
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
