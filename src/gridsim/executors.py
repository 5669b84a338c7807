"""The executors, kept at their old path: this is :mod:`gridsim.experiments.executors`.

``from gridsim.executors import make_executor`` is what the notebooks teach, so
this path stays without a warning. It is the same module object, not a copy
(replacing one of its functions here replaces it there).
"""

import sys

from gridsim.experiments import executors as _executors

sys.modules[__name__] = _executors
