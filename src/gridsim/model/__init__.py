"""The model layer: one district's grids, staff, units and cases, simulated day by day.

Modules, lowest first (each imports only those below it in this list, and the
layers under the model: scenario, mechanisms, kernel, streams, vocab):

* :mod:`~gridsim.model.district` — communities, streets and grids with their
  households and adjacency (:class:`District`, :func:`build_district`);
* :mod:`~gridsim.model.households` — residents' trust and propensity to
  report, staff spread over grids (:func:`per_grid_counts`);
* :mod:`~gridsim.model.units` — the handling units of each tier;
* :mod:`~gridsim.model.issues` — latent issues and the case table the kernel
  works on;
* :mod:`~gridsim.model.visits` — the plan of household visits;
* :mod:`~gridsim.model.postings` — cadre rotations, drawn at set-up;
* :mod:`~gridsim.model.setup` — the set-up common random numbers share
  across designs (district, households, latent issues), built once per process;
* :mod:`~gridsim.model.agents` — cadres, grid teams, community offices and
  handling units as Mesa agents;
* :mod:`~gridsim.model.kpis` — what a run reports (:class:`RunResult`,
  :func:`compute_kpis`), typed against :class:`~gridsim.model.kpis.FinishedRun`,
  not the model class;
* :mod:`~gridsim.model.gridmodel` — :class:`GridModel` (the ``mesa.Model``) and
  :func:`run_scenario`.

``python -m gridsim.model`` compiles and caches the kernel (``make warm``).
Importing this package is cheap: the names below load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridsim.kernel.codes import CHANNEL_NAMES, STATE_NAMES
    from gridsim.model.district import District, build_district
    from gridsim.model.gridmodel import GridModel, run_scenario
    from gridsim.model.kpis import KPI_DESCRIPTIONS, KPI_NAMES, RunResult, compute_kpis
    from gridsim.vocab import TIERS

_WHERE = {
    "CHANNEL_NAMES": "gridsim.kernel.codes",
    "STATE_NAMES": "gridsim.kernel.codes",
    "TIERS": "gridsim.vocab",
    "District": "gridsim.model.district",
    "build_district": "gridsim.model.district",
    "GridModel": "gridsim.model.gridmodel",
    "run_scenario": "gridsim.model.gridmodel",
    "KPI_DESCRIPTIONS": "gridsim.model.kpis",
    "KPI_NAMES": "gridsim.model.kpis",
    "RunResult": "gridsim.model.kpis",
    "compute_kpis": "gridsim.model.kpis",
}

__all__ = [
    "CHANNEL_NAMES",
    "KPI_DESCRIPTIONS",
    "KPI_NAMES",
    "STATE_NAMES",
    "TIERS",
    "District",
    "GridModel",
    "RunResult",
    "build_district",
    "compute_kpis",
    "run_scenario",
]


def __getattr__(name: str) -> Any:
    """Load a public name on first use (the model's modules import mesa, scipy, numba)."""
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gridsim.model' has no attribute {name!r}")
