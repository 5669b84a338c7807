"""Paired comparisons over common random numbers: the behaviour tests' one yardstick.

A baseline and a variant run over the same replications; the test looks at
the paired differences of a KPI: their mean must point the expected way and
exceed two standard errors.
"""

from __future__ import annotations

import math

import numpy as np


def paired(base_runs, variant_runs, kpi: str) -> np.ndarray:
    """Variant minus baseline of ``kpi``, replication by replication."""
    assert len(base_runs) == len(variant_runs) >= 4
    for b, v in zip(base_runs, variant_runs, strict=True):
        assert b.replication == v.replication
    return np.array(
        [v.kpis[kpi] - b.kpis[kpi] for b, v in zip(base_runs, variant_runs, strict=True)]
    )


def assert_effect(diffs: np.ndarray, sign: int, what: str, at_least: float = 0.0) -> None:
    """The mean difference has ``sign``, exceeds two standard errors, and ``at_least`` in size."""
    mean = float(diffs.mean())
    se = float(diffs.std(ddof=1) / math.sqrt(len(diffs)))
    assert sign * mean > 0, f"{what}: mean paired difference {mean:.4g} has the wrong sign"
    assert abs(mean) > 2 * se, f"{what}: difference {mean:.4g} within noise (2 SE = {2 * se:.4g})"
    assert abs(mean) >= at_least, f"{what}: difference {mean:.4g} smaller than {at_least:.4g}"
