"""A district's published figures as calibration targets, and the fitting set a plan runs at.

The format, its reader and the fit live in the experiments layer (the
calibration there reads the same files, and must not import planning):
:mod:`gridsim.experiments.targets` and :mod:`gridsim.experiments.calibration`.
This module is the planning layer's view of them. A plan that must hold over
what the district's figures leave open runs every design at each member of
the fitting set::

    from gridsim.planning.targets import calibrate, read_targets, uncertainty_toml

    points = calibrate(scenario, targets=read_targets("scenarios/targets/yuelu-2013.toml"))
    print(uncertainty_toml(points))   # the plan file's [uncertainty] table

:func:`uncertainty_points` gives the same points as data (``[{dotted key:
value, ...}, ...]``, the form of :class:`gridsim.planning.spec.UncertaintySpec`'s
``points``); :func:`fitting_set` pairs each with its ridge value.
"""

from __future__ import annotations

from gridsim.experiments.calibration import (
    FitPoint,
    calibrate,
    fit_table,
    fitting_set,
    uncertainty_points,
    uncertainty_toml,
    write_fitting_set,
)
from gridsim.experiments.targets import Targets, TargetsError, read_targets

__all__ = [
    "FitPoint",
    "Targets",
    "TargetsError",
    "calibrate",
    "fit_table",
    "fitting_set",
    "read_targets",
    "uncertainty_points",
    "uncertainty_toml",
    "write_fitting_set",
]
