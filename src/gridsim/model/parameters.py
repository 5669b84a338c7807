"""The compiled kernel's scalar parameters, packed from a scenario into two arrays.

The kernel reads its floats from ``fparams`` and its integers from
``iparams``, at the slots :mod:`gridsim.kernel.codes` names; the mechanisms
write their own codes and parameters into the same arrays
(:meth:`gridsim.mechanisms.build.Mechanisms.configure`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit

from gridsim.kernel import codes
from gridsim.mechanisms.build import Mechanisms
from gridsim.scenario import Scenario


def kernel_parameters(
    scenario: Scenario, case_key: int, detection_key: int, mechanisms: Mechanisms
) -> tuple[np.ndarray, np.ndarray]:
    """Pack the scenario's numbers for the kernel.

    Args:
        scenario: The scenario.
        case_key: Key of the cases' own draws (:func:`gridsim.streams.process_key`).
        detection_key: Key of the visits' detection draws.
        mechanisms: The scenario's mechanisms (they add their codes).

    Returns:
        ``(iparams, fparams)``: int64 and float64 arrays of
        :data:`~gridsim.kernel.codes.IPARAMS` and :data:`~gridsim.kernel.codes.FPARAMS` slots.
    """
    s = scenario
    h, hh, r = s.handle, s.households, s.reply
    f = np.zeros(codes.FPARAMS)
    f[codes.DETECT_LOGIT] = logit(s.collect.detect_probability)
    f[codes.TRUST_EFFECT] = hh.trust_effect
    f[codes.FAMILIARITY_EFFECT] = s.cadres.familiarity_effect
    f[codes.FAMILIARITY_DAYS] = 365.0 * s.cadres.familiarity_years
    f[codes.CONTACT_GAIN] = s.visits.contact_trust_gain
    f[codes.SPOT_SHARE] = s.collect.spot_fix_share
    f[codes.VALID_SHARE] = s.collect.valid_share
    f[codes.MULTI_SHARE] = h.multi_department_share
    f[codes.SERVICE_SIGMA] = h.service_sigma
    f[codes.CONGESTION_SLOWDOWN] = h.congestion_slowdown
    f[codes.SAME_DAY_SHARE] = h.same_day_share
    f[codes.ESCALATED_MEDIAN_DAYS] = s.deadlines.escalated_median_days
    f[codes.BOUNCE_RESOLVABLE_FACTOR] = h.bounce_resolvable_factor
    f[codes.REWORK_SHARE] = s.evaluate.rework_share
    f[codes.SELF_REPORT_DELAY_DAYS] = hh.self_report_delay_days
    f[codes.TRUST_GAIN_RESOLVED] = hh.trust_gain_resolved
    f[codes.TRUST_LOSS_UNRESOLVED] = hh.trust_loss_unresolved
    f[codes.TRUST_LOSS_LATE] = hh.trust_loss_late
    f[codes.NEIGHBOUR_WEIGHT] = hh.neighbour_weight
    f[codes.PUBLIC_WEIGHT] = r.public_weight
    f[codes.ADJACENT_GRID_WEIGHT] = r.adjacent_grid_weight
    dl, ev = s.deadlines, s.evaluate
    f[codes.COMPLIANCE] = dl.compliance
    f[codes.COMPLIANCE_LOAD_DROP] = dl.compliance_load_drop
    f[codes.YELLOW_COMPLIANCE] = dl.yellow_compliance
    f[codes.YELLOW_FRACTION] = dl.yellow_fraction
    f[codes.EFFORT_SPEEDUP] = ev.effort_speedup
    f[codes.EFFORT_FIX_GAIN] = ev.effort_fix_gain
    i = np.zeros(codes.IPARAMS, dtype=np.int64)
    i[codes.DAYS] = s.simulation.days
    i[codes.VERIFICATION_DELAY] = s.collect.verification_delay_days
    i[codes.REPLY_DELAY] = r.delay_days
    i[codes.NEIGHBOURS] = hh.neighbours
    i[codes.PUBLIC_REPLY] = int(r.public)
    i[codes.CASE_KEY] = case_key
    i[codes.DETECTION_KEY] = detection_key
    mechanisms.configure(i, f)
    return i, f


__all__ = ["kernel_parameters"]
