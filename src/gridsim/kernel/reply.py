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
from gridsim.kernel.moves import close_each

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["reply", "update_trust"]

_jit = kernel_jit(nogil=True)


@_jit
def reply(p: Pipeline, ids: np.ndarray, day: int) -> None:
    """复: the resident hears back; the case is closed."""
    close_each(p, ids, day)


@_jit
def update_trust(p: Pipeline) -> None:
    """Closed cases move their household's, neighbours' and grid's trust."""
    counters = p.counters
    n = counters[N_CLOSED]
    if n == 0:
        return
    ids = p.closed[:n]
    f = p.fparams
    gain, loss_u, loss_late = (
        f[TRUST_GAIN_RESOLVED],
        f[TRUST_LOSS_UNRESOLVED],
        f[TRUST_LOSS_LATE],
    )
    # Arrays read once into locals (each ``p.<field>`` read costs a reference-count pair).
    late_flag, resolved, public = p.flags[LATE], p.flags[RESOLVED], p.flags[PUBLIC]
    household, issue_grid = p.ints[HOUSEHOLD], p.ints[ISSUE_GRID]
    trust, household_grid = p.trust, p.household_grid
    grid_start, grid_households = p.grid_start, p.grid_households
    signal = np.empty(n)
    for j in range(n):
        c = ids[j]
        late = late_flag[c]
        s = (0.5 * gain if late else gain) if resolved[c] else -loss_u
        signal[j] = s - (loss_late if late else 0.0)
    weight = f[NEIGHBOUR_WEIGHT]
    neighbours = p.iparams[NEIGHBOURS]
    # Same order of additions as before: own households, then each ring.
    for j in range(n):
        if not public[ids[j]]:
            trust[household[ids[j]]] += signal[j]
    for k in range(1, neighbours + 1):
        for side in (-k, k):
            for j in range(n):
                c = ids[j]
                if public[c]:
                    continue
                h = household[c]
                g = household_grid[h]
                nb = h + side
                if nb >= grid_start[g] and nb < grid_start[g] + grid_households[g]:
                    trust[nb] += weight * signal[j]
    for j in range(n):
        c = ids[j]
        if public[c]:
            continue
        h = household[c]
        g = household_grid[h]
        for side in range(-neighbours, neighbours + 1):
            nb = h + side
            if nb >= grid_start[g] and nb < grid_start[g] + grid_households[g]:
                trust[nb] = min(max(trust[nb], 0.0), 1.0)
    if p.iparams[PUBLIC_REPLY]:
        offset = p.grid_trust_offset
        n_grids = len(offset)
        delta = np.zeros(n_grids)
        pw = f[PUBLIC_WEIGHT]
        for j in range(n):
            delta[issue_grid[ids[j]]] += pw * signal[j]
        aw = f[ADJACENT_GRID_WEIGHT]
        indptr, indices, data = p.adj_indptr, p.adj_indices, p.adj_data
        for g in range(n_grids):
            s = 0.0
            for jj in range(indptr[g], indptr[g + 1]):
                s += data[jj] * delta[indices[jj]]
            offset[g] += delta[g] + aw * s
    counters[N_CLOSED] = 0
