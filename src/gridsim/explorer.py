"""The design explorer, kept at its old path: see :mod:`gridsim.jupyter`.

``from gridsim.explorer import explore`` is what the README and the notebooks
teach, so this path stays without a warning; new code may import from
:mod:`gridsim.jupyter`.
"""

from gridsim import jupyter as _jupyter
from gridsim.jupyter import *  # noqa: F403  (the old path re-exports the package's names)

__all__ = list(_jupyter.__all__)
