"""Where a case goes: its complexity level and the handling unit of each tier.

Units are numbered tier by tier (``unit_base[tier]`` is a tier's first unit):
one per grid, per community, per street, and one district department per
issue category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridsim.kernel.codes import CATEGORY, COMMUNITY, DISTRICT, GRID, ISSUE_GRID, STREET, U_TIER
from gridsim.kernel.jit import kernel_jit
from gridsim.kernel.rng import case_uniform

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = ["case_level", "unit_for"]

_jit = kernel_jit(nogil=True)


@_jit
def case_level(p: Pipeline, c: int) -> int:
    """The tier case ``c``'s complexity calls for: its own uniform against ``tier_edges``."""
    u = case_uniform(p, c, U_TIER)
    level = 0
    for e in p.tier_edges:
        if u >= e:
            level += 1
    return level


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
