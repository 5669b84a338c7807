"""Random streams: one independent generator per random process.

Every random process in a run draws from its own ``numpy.random.Generator``,
derived from ``SeedSequence(seed, spawn_key=(replication, process))``. Because
the key names the *process*, not the order of use, a change of policy that
makes one process draw more or fewer numbers does not move any other
process: two scenarios that differ only in policy see the same latent issues
in the same households with the same seed (common random numbers).
"""

from __future__ import annotations

import numpy as np

PROCESSES: tuple[str, ...] = (
    "structure",  # district layout, synthesised community sizes (same in every replication)
    "households",  # initial trust, reporting propensity
    "latent",  # household issues: when, where, what, how long
    "public",  # public-space issues
    "case",  # per-issue case draws: validity, tier, service, outcome, survey
    "detection",  # whether a visited household tells the visitor
    "cadres",  # rotation partners
)
"""Names of the random processes; each gets its own stream."""


def stream(seed: int, replication: int, process: str) -> np.random.Generator:
    """The generator of one random process of one replication.

    Args:
        seed: Root seed of the run.
        replication: Replication number (0, 1, ...).
        process: One of :data:`PROCESSES`.

    Returns:
        A PCG64 generator independent of every other (process, replication).
    """
    key = PROCESSES.index(process)
    if process == "structure":
        replication = 0  # one district: replications vary events, not the map
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, key)))
    )


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """All process streams of one replication, keyed by process name."""
    return {p: stream(seed, replication, p) for p in PROCESSES}
