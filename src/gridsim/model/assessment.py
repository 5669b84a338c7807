"""考核评价 assessment: units are scored at every survey wave, and their effort answers the score.

At each survey wave (``evaluate.survey_interval_days``, monthly by default)
every handling unit gets a score in [0, 1], the mean of three parts over the
cases of the wave:

* **on time** — of the cases the unit closed since the last wave, the share
  closed by their deadline (an escalated case by the fresh deadline of the
  unit that took it over);
* **no red lights** — one minus the red lights the unit was shown per case it
  handled (a red light counts against the unit that let the case run late,
  not the one it was escalated to);
* **satisfaction** — of its cases surveyed in this wave, the share satisfied.

Each part is shrunk towards the pooled share of the unit's tier with
:data:`PSEUDO_CASES` cases (a grid unit closes one or two cases a month: its
raw shares are noise, while its tier's share is what the assessment of many
similar units says about each of them).
The score is reported as measured under a third party, inflated under
self-assessment (``s + self_assessment_bias x (1 - s)``). Each unit's effort
then moves by ``effort_response x response x (target_score - reported)``,
kept within ``[0, effort_ceiling]`` — up when the unit is below target, down
(relaxing) when above — where ``response`` is 1 under a third party and
``evaluate.self_assessment_response`` under self-assessment. Effort shortens
handling (``evaluate.effort_speedup``) and fixes some of what would only have
been explained (``evaluate.effort_fix_gain``) in the compiled kernel. Effort
starts at 0: the natural pace of a unit nobody scores.

The response parameters are assumptions (tag A), with the ranges stated in
``docs/scenarios.md``; ``docs/calibration.md`` screens them (Morris).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridsim.mechanisms.survey import Survey
from gridsim.scenario import Scenario

PSEUDO_CASES = 2.0
"""Cases at its tier's pooled share added to each part of a unit's score (shrinkage)."""


def _shrunk(hits: np.ndarray, count: np.ndarray, tier: np.ndarray) -> np.ndarray:
    """Each unit's share ``hits / count`` shrunk towards its tier's pooled share."""
    n_tiers = int(tier.max()) + 1 if len(tier) else 0
    tier_hits = np.bincount(tier, weights=hits, minlength=n_tiers)
    tier_count = np.bincount(tier, weights=count, minlength=n_tiers)
    pooled = np.divide(tier_hits, tier_count, out=np.ones(n_tiers), where=tier_count > 0)
    k = PSEUDO_CASES
    return (hits + k * pooled[tier]) / (count + k)


@dataclass
class Assessment:
    """The units' scores and effort, updated at every survey wave.

    Attributes:
        enabled: ``evaluate.assessment``: whether units are scored at all.
        target: ``evaluate.target_score``.
        response: Effort per point of score gap per wave (``effort_response``
            times the survey's ``response``).
        ceiling: ``evaluate.effort_ceiling``.
        survey: The survey mechanism (it reports the scores, inflated or not).
        effort: Each unit's effort, shared with the compiled kernel (written in place).
        tier: Each unit's tier code (scores are shrunk towards the tier's).
        red: Red lights per unit so far (the kernel's counter, read).
        handled: Cases each unit has finished so far (the kernel's counter, read).
        scores: The scores reported at the last wave (NaN before the first).
        waves: Waves assessed so far.
    """

    enabled: bool
    target: float
    response: float
    ceiling: float
    survey: Survey
    effort: np.ndarray
    tier: np.ndarray
    red: np.ndarray
    handled: np.ndarray
    scores: np.ndarray = field(init=False)
    waves: int = 0
    _red_seen: np.ndarray = field(init=False, repr=False)
    _handled_seen: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.effort)
        self.scores = np.full(n, np.nan)
        self._red_seen = np.zeros(n, dtype=np.int64)
        self._handled_seen = np.zeros(n, dtype=np.int64)

    @classmethod
    def for_units(
        cls,
        scenario: Scenario,
        survey: Survey,
        effort: np.ndarray,
        tier: np.ndarray,
        red: np.ndarray,
        handled: np.ndarray,
    ) -> Assessment:
        """The assessment ``[evaluate]`` asks for, over the kernel's unit arrays."""
        ev = scenario.evaluate
        return cls(
            enabled=ev.assessment,
            target=ev.target_score,
            response=ev.effort_response * survey.response,
            ceiling=ev.effort_ceiling,
            survey=survey,
            effort=effort,
            tier=np.asarray(tier, dtype=np.int64),
            red=red,
            handled=handled,
        )

    def assess(
        self,
        closed_unit: np.ndarray,
        closed_on_time: np.ndarray,
        surveyed_unit: np.ndarray,
        surveyed_satisfied: np.ndarray,
    ) -> None:
        """Score every unit on the wave's cases and move its effort.

        Args:
            closed_unit: The unit of each case closed since the last wave.
            closed_on_time: Whether each of them closed by its deadline.
            surveyed_unit: The unit of each case surveyed in this wave.
            surveyed_satisfied: Whether each surveyed resident was satisfied.
        """
        red = self.red - self._red_seen
        handled = self.handled - self._handled_seen
        self._red_seen = self.red.copy()
        self._handled_seen = self.handled.copy()
        if not self.enabled:
            return
        n, t, tier = len(self.effort), self.target, self.tier
        due = np.bincount(closed_unit, minlength=n)
        on_time = np.bincount(closed_unit[closed_on_time], minlength=n)
        asked = np.bincount(surveyed_unit, minlength=n)
        satisfied = np.bincount(surveyed_unit[surveyed_satisfied], minlength=n)
        parts = (
            _shrunk(on_time, due, tier),
            _shrunk(np.maximum(handled - red, 0), handled, tier),
            _shrunk(satisfied, asked, tier),
        )
        score = sum(parts) / len(parts)
        self.scores = self.survey.reported(score)
        np.clip(self.effort + self.response * (t - self.scores), 0.0, self.ceiling, out=self.effort)
        self.waves += 1


__all__ = ["PSEUDO_CASES", "Assessment"]
