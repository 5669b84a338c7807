"""Random streams: one independent generator per random process.

Every random process in a run draws from its own ``numpy.random.Generator``,
derived from ``SeedSequence(seed, spawn_key=(replication, process))``. Because
the key names the *process*, not the order of use, a change of policy that
makes one process draw more or fewer numbers does not move any other
process: two scenarios that differ only in policy see the same latent issues
in the same households with the same seed (common random numbers).

The draws that belong to one case (is it valid, how long its service takes,
is the resident satisfied...) and the detection draws are *counter-based*:
number ``k`` of a process is SplitMix64 output ``k`` of a 64-bit key drawn
from the process's stream (:func:`process_key`, :func:`uniforms`). A value is
computed where it is used, from the case id and the slot, so a run keeps no
table of draws for the ~90 % of latent issues that never become a case, and
the same case gets the same numbers in every variant.
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
    "mesa",  # Mesa's own generator (model.rng, model.random): nothing of gridsim's draws from it
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


#: SplitMix64 constants (Steele, Lea & Flood 2014; Vigna's reference code).
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


def process_key(generator: np.random.Generator) -> int:
    """A 64-bit key for counter-based draws, the first draw of ``generator``.

    Returned as the signed int64 with the same bits, so it fits an int64
    parameter array.
    """
    key = generator.integers(0, 2**64, dtype=np.uint64, endpoint=False)
    return int(np.array([key], dtype=np.uint64).view(np.int64)[0])


def uniforms(key: int, counters: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1): SplitMix64 output number ``counter + 1`` of ``key``.

    The compiled kernel (:func:`gridsim.kernel.rng.uniform`) computes the same
    bits one value at a time.

    Args:
        key: A key from :func:`process_key`.
        counters: Non-negative integer counters.

    Returns:
        One uniform per counter (53-bit resolution).
    """
    base = np.array([key], dtype=np.int64).view(np.uint64)
    z = base + (np.asarray(counters).astype(np.uint64) + np.uint64(1)) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
