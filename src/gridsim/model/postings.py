"""Cadre postings under rotation: who rotates when, and with whom, drawn at set-up.

Under ``cadres.posting = "rotation"`` each cadre's posting ends every
``cadres.rotation_interval_days``, the first time part-way through (the
tenure drawn at set-up), and the cadre swaps grids with a random other
cadre. None of that depends on what happens in the run, so the whole year's
rotations are laid out here, in time order, with their partners drawn from
the ``cadres`` stream in that order — the numbers one draw per rotation
would give. The compiled day applies them (:mod:`gridsim.kernel.postings`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rotations:
    """A run's rotations in time order (arrays of one entry per rotation, but ``upto``).

    Attributes:
        time: When each rotation happens (fractional days).
        slot: The cadre whose posting ends.
        partner: The cadre it swaps grids with (itself if it is the only cadre).
        upto: Per day ``d``, how many rotations happen before ``d``.
    """

    time: np.ndarray
    slot: np.ndarray
    partner: np.ndarray
    upto: np.ndarray

    @classmethod
    def none(cls, days: int) -> Rotations:
        """No rotations (fixed postings)."""
        empty = np.empty(0, dtype=np.int64)
        return cls(np.empty(0), empty, empty.copy(), np.zeros(days, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.time)


def rotation_times(
    first: np.ndarray, interval: int, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every rotation up to ``horizon``: cadre ``slot`` at ``first[slot]``, then each ``interval``.

    Times are summed as Mesa sums a recurring event's (the last time plus the
    interval), so they are the same floating-point numbers.

    Returns:
        ``(time, slot)``, sorted by time, then slot.
    """
    times, slots = [], []
    t = np.asarray(first, dtype=float)
    slot = np.arange(len(t), dtype=np.int64)
    while len(t):
        keep = t <= horizon
        t, slot = t[keep], slot[keep]
        times.append(t)
        slots.append(slot)
        t = t + interval
    time, slot = np.concatenate(times), np.concatenate(slots)
    order = np.lexsort((slot, time))
    return time[order], slot[order]


def rotations_tie(times: np.ndarray) -> bool:
    """Whether two rotations fall at the same time, or one on a whole day (another event's)."""
    times = np.asarray(times, dtype=float)
    return bool(len(np.unique(times)) < len(times) or np.any(times == np.trunc(times)))


def draw_rotations(
    time: np.ndarray, slot: np.ndarray, n_cadres: int, days: int, rng: np.random.Generator
) -> Rotations:
    """The partners of rotations in time order, one draw each from ``rng`` (the ``cadres`` stream).

    A cadre that draws itself swaps with the next cadre; a lone cadre draws
    nothing and only starts over.
    """
    if n_cadres < 2:
        partner = slot.copy()
    else:
        drawn = rng.integers(0, n_cadres, size=len(slot))
        partner = np.where(drawn == slot, (slot + 1) % n_cadres, drawn).astype(np.int64)
    upto = np.searchsorted(time, np.arange(days), side="left").astype(np.int64)
    return Rotations(time=time, slot=slot, partner=partner, upto=upto)


__all__ = ["Rotations", "draw_rotations", "rotation_times", "rotations_tie"]
