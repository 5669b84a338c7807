"""The calibration, kept at its old path: it is :mod:`gridsim.experiments.calibration`.

``import gridsim.calibration as calibration`` is what the calibration notebook
and ``docs/calibration.md`` teach, so this path stays without a warning. It is
the same module object, not a copy: setting ``calibration.TARGETS`` here (as
the notebook does) changes what :func:`calibrate` reads.
"""

import sys

from gridsim.experiments import calibration as _calibration

sys.modules[__name__] = _calibration
