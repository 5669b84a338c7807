"""The part of a run common random numbers make the same across designs, built once per process.

Two designs that differ only in staff, mechanisms, deadlines or costs draw the
same district, the same households (their trust and propensity) and the same
latent issues at the same replication: those come from the ``structure``,
``households``, ``latent`` and ``public`` streams, keyed by (seed,
replication) alone, and depend only on the scenario's ``district``,
``grids``, ``households``, ``issues`` sections and its number of days. A sweep
or a plan runs many such designs in each worker, so :func:`shared_setup`
builds that part once per (seed, replication, those sections) and hands every
later run a copy of what the run changes (the households' trust) and the rest
as is (read only). About 40 % of a Yuelu run's set-up, and KPIs bit-identical
to a fresh build (``tests/test_setup_cache.py``).

``GRIDSIM_SETUP_CACHE=0`` turns it off. The most recent set-ups are kept per
process, at most :data:`CACHE_SIZE` of them and :data:`CACHE_BYTES` of their
arrays (a Yuelu set-up holds about 7 MB): a plan's designs span a few grid
sizes × uncertainty points × replications, and each worker keeps them all.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from gridsim.model.district import District, build_district
from gridsim.model.households import Households, draw_households
from gridsim.model.issues import LatentIssues, draw_latent_issues
from gridsim.scenario import Scenario

CACHE_SIZE = 64
"""Most set-ups kept per process."""

CACHE_BYTES = 256 * 2**20
"""Most bytes of set-up arrays kept per process (the oldest go first)."""

SECTIONS = ("district", "grids", "households", "issues")
"""Scenario sections the shared set-up depends on (with ``simulation.days``)."""


@dataclass(frozen=True)
class Setup:
    """A replication's district, households and latent issues, as first drawn (never changed)."""

    district: District
    households: Households
    issues: LatentIssues

    @property
    def nbytes(self) -> int:
        """Bytes of its household and issue arrays (what the cache budget counts)."""
        arrays = [*vars(self.households).values(), *vars(self.issues).values()]
        return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


_CACHE: OrderedDict[tuple[int, int, str], Setup] = OrderedDict()


def _key(scenario: Scenario, seed: int, replication: int) -> tuple[int, int, str]:
    data = scenario.to_dict()
    part = {k: data[k] for k in SECTIONS}
    part["days"] = scenario.simulation.days
    return (seed, replication, json.dumps(part, sort_keys=True, separators=(",", ":")))


def _enabled() -> bool:
    return os.environ.get("GRIDSIM_SETUP_CACHE", "1") not in ("0", "false", "no")


def clear() -> None:
    """Forget every set-up built in this process."""
    _CACHE.clear()


def shared_setup(
    scenario: Scenario, seed: int, replication: int, streams: dict[str, np.random.Generator]
) -> Setup:
    """The replication's district, households and latent issues, built or reused.

    Args:
        scenario: The scenario.
        seed: Root seed of the run.
        replication: Replication number.
        streams: The run's streams (``structure``, ``households``, ``latent``
            and ``public`` are drawn from only when the set-up is built).

    Returns:
        The set-up, with the households' trust and the grids' trust offsets
        fresh copies (the run changes them); everything else is shared and
        must be treated as read only.
    """
    key = _key(scenario, seed, replication) if _enabled() else None
    built = _CACHE.get(key) if key is not None else None
    if built is None:
        district = build_district(scenario, streams["structure"])
        households = draw_households(scenario, district, streams["households"])
        issues = draw_latent_issues(
            scenario,
            district,
            households.grid,
            scenario.simulation.days,
            streams["latent"],
            streams["public"],
        )
        built = Setup(district, households, issues)
        if key is not None:
            _CACHE[key] = built
            held = sum(entry.nbytes for entry in _CACHE.values())
            while len(_CACHE) > 1 and (len(_CACHE) > CACHE_SIZE or held > CACHE_BYTES):
                held -= _CACHE.popitem(last=False)[1].nbytes
    else:
        _CACHE.move_to_end(key)
    h = built.households
    fresh = replace(h, trust=h.trust.copy(), grid_trust_offset=np.zeros_like(h.grid_trust_offset))
    return Setup(built.district, fresh, built.issues)


__all__ = ["CACHE_BYTES", "CACHE_SIZE", "SECTIONS", "Setup", "clear", "shared_setup"]
