"""复 reply: the resident hears back; closed cases move trust.

A case closed today (replied to, spot-fixed or closed after handling) sends
its household a signal — a gain if resolved (halved if late), a loss if not,
a further loss if late — that spreads to neighbours along the grid's
households and, with public replies, to the grid and the grids next to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    ADJACENT_GRID_WEIGHT,
    HOUSEHOLD,
    ISSUE_GRID,
    LATE,
    N_CLOSED,
    NEIGHBOUR_WEIGHT,
    NEIGHBOURS,
    PUBLIC,
    PUBLIC_REPLY,
    PUBLIC_WEIGHT,
    RESOLVED,
    TRUST_GAIN_RESOLVED,
    TRUST_LOSS_LATE,
    TRUST_LOSS_UNRESOLVED,
)
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.moves import close

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["reply", "update_trust"]

_jit = kernel_jit(nogil=True)


@_jit
def reply(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """复: the resident hears back; the case is closed."""
    for c in ids:
        close(p, c, day)


@_jit
def update_trust(p: Pipeline) -> None:
    """Closed cases move their household's, neighbours' and grid's trust."""
    n = p.counters[N_CLOSED]
    if n == 0:
        return
    ids = p.closed[:n]
    f = p.fparams
    gain, loss_u, loss_late = (
        f[TRUST_GAIN_RESOLVED],
        f[TRUST_LOSS_UNRESOLVED],
        f[TRUST_LOSS_LATE],
    )
    signal = np.empty(n)
    for j in range(n):
        c = ids[j]
        late = p.flags[LATE, c]
        s = (0.5 * gain if late else gain) if p.flags[RESOLVED, c] else -loss_u
        signal[j] = s - (loss_late if late else 0.0)
    weight = f[NEIGHBOUR_WEIGHT]
    neighbours = p.iparams[NEIGHBOURS]
    # Same order of additions as before: own households, then each ring.
    for j in range(n):
        if not p.flags[PUBLIC, ids[j]]:
            p.trust[p.ints[HOUSEHOLD, ids[j]]] += signal[j]
    for k in range(1, neighbours + 1):
        for side in (-k, k):
            for j in range(n):
                c = ids[j]
                if p.flags[PUBLIC, c]:
                    continue
                h = p.ints[HOUSEHOLD, c]
                g = p.household_grid[h]
                nb = h + side
                if nb >= p.grid_start[g] and nb < p.grid_start[g] + p.grid_households[g]:
                    p.trust[nb] += weight * signal[j]
    for j in range(n):
        c = ids[j]
        if p.flags[PUBLIC, c]:
            continue
        h = p.ints[HOUSEHOLD, c]
        g = p.household_grid[h]
        for side in range(-neighbours, neighbours + 1):
            nb = h + side
            if nb >= p.grid_start[g] and nb < p.grid_start[g] + p.grid_households[g]:
                p.trust[nb] = min(max(p.trust[nb], 0.0), 1.0)
    if p.iparams[PUBLIC_REPLY]:
        n_grids = len(p.grid_trust_offset)
        delta = np.zeros(n_grids)
        pw = f[PUBLIC_WEIGHT]
        for j in range(n):
            delta[p.ints[ISSUE_GRID, ids[j]]] += pw * signal[j]
        aw = f[ADJACENT_GRID_WEIGHT]
        for g in range(n_grids):
            s = 0.0
            for jj in range(p.adj_indptr[g], p.adj_indptr[g + 1]):
                s += p.adj_data[jj] * delta[p.adj_indices[jj]]
            p.grid_trust_offset[g] += delta[g] + aw * s
    p.counters[N_CLOSED] = 0
