"""Cadre postings: the rotations of the night before a day, applied as the day starts.

A rotation falls between two days (its time is fractional) and nothing else
that reads postings happens between two days, so the rotations due since
the last day are applied first thing in :func:`gridsim.kernel.step_day`:
the same swaps at the same times in the same order as one event per
rotation, without a Python call per rotation. Who rotates when, and with
whom, is drawn at set-up (:mod:`gridsim.model.postings`); only the grids
swapped depend on the rotations before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridsim.kernel.jit import kernel_jit

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["rotate"]

_jit = kernel_jit(nogil=True)


@_jit
def rotate(p: Pipeline, day: int) -> None:
    """Apply the rotations of the night before ``day`` (those at times in ``(day - 1, day)``).

    Rotation ``j`` swaps the grids of cadres ``rotation_slot[j]`` and
    ``rotation_partner[j]``; both postings start over at ``rotation_time[j]``.
    A lone cadre (its own partner) only starts over.
    """
    if day == 0:
        return
    upto = p.rotation_upto
    lo, hi = upto[day - 1], upto[day]
    if lo == hi:
        return
    slot, partner, when = p.rotation_slot, p.rotation_partner, p.rotation_time
    grid, posted_on, postings = p.cadre_grid, p.cadre_posted_on, p.cadre_postings
    for j in range(lo, hi):
        a, b, t = slot[j], partner[j], when[j]
        if a == b:
            posted_on[a] = t
            continue
        grid[a], grid[b] = grid[b], grid[a]
        posted_on[a] = t
        posted_on[b] = t
        postings[a] += 1
        postings[b] += 1
