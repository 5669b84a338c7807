"""Where a case goes: its complexity level and the handling unit of each tier.

Units are numbered tier by tier (``unit_base[tier]`` is a tier's first unit):
one per grid, per community, per street, and one district department per
issue category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import (
    CASE_KEY,
    CATEGORY,
    COMMUNITY,
    DISTRICT,
    GRID,
    ISSUE_GRID,
    STREET,
    U_TIER,
)
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.rng import case_draw

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["case_levels", "unit_for", "units_for"]

_jit = kernel_jit(nogil=True)


@_jit
def case_levels(p: Pipeline, ids: np.ndarray) -> np.ndarray:
    """The tier each case's complexity calls for: its own uniform against ``tier_edges``."""
    key, edges = p.iparams[CASE_KEY], p.tier_edges
    out = np.empty(len(ids), dtype=np.int64)
    for j in range(len(ids)):
        u = case_draw(key, ids[j], U_TIER)
        level = 0
        for e in edges:
            if u >= e:
                level += 1
        out[j] = level
    return out


@_jit
def unit_for(p: Pipeline, c: int, tier: int) -> int:
    """The unit of ``tier`` that case ``c`` belongs to (by its grid, or its category)."""
    g = p.ints[ISSUE_GRID, c]
    if tier == GRID:
        return p.unit_base[GRID] + g
    if tier == COMMUNITY:
        return p.unit_base[COMMUNITY] + p.grid_community[g]
    if tier == STREET:
        return p.unit_base[STREET] + p.grid_street[g]
    return p.unit_base[DISTRICT] + p.i8[CATEGORY, c]


@_jit
def units_for(p: Pipeline, ids: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """:func:`unit_for` of case ``ids[j]`` at tier ``tiers[j]``, for every ``j``."""
    issue_grid, category = p.ints[ISSUE_GRID], p.i8[CATEGORY]
    base, community, street = p.unit_base, p.grid_community, p.grid_street
    out = np.empty(len(ids), dtype=np.int64)
    for j in range(len(ids)):
        c, tier = ids[j], tiers[j]
        g = issue_grid[c]
        if tier == GRID:
            out[j] = base[GRID] + g
        elif tier == COMMUNITY:
            out[j] = base[COMMUNITY] + community[g]
        elif tier == STREET:
            out[j] = base[STREET] + street[g]
        else:
            out[j] = base[DISTRICT] + category[c]
    return out
