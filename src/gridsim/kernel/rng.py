"""Counter-based random numbers of the kernel: SplitMix64, drawn on demand.

A case's draws do not depend on the order cases are processed in: draw ``k``
of case ``c`` is output ``c * CASE_DRAW_SLOTS + k`` of the run's case key, so
two variants of a design that treat a case differently still give it the same
numbers (common random numbers). :func:`uniform` is bit for bit
:func:`gridsim.streams.uniforms`, the numpy version the model uses between
days (a test holds them equal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gridsim.kernel.codes import CASE_DRAW_SLOTS, CASE_KEY
from gridsim.kernel.jit import kernel_jit

if TYPE_CHECKING:
    from gridsim.kernel.struct import Pipeline

__all__ = [
    "case_draw",
    "case_exponential",
    "case_normal",
    "case_normal_draw",
    "case_uniform",
    "uniform",
]

_jit = kernel_jit(nogil=True)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@_jit
def uniform(key: int, counter: int) -> float:
    """SplitMix64 output ``counter + 1`` of ``key`` as a uniform in [0, 1).

    Args:
        key: The stream's key (a signed 64-bit integer, wrapped to unsigned).
        counter: Which output of the stream.

    Returns:
        The top 53 bits of the output over 2**53; bit for bit
        :func:`gridsim.streams.uniforms`.
    """
    z = np.uint64(key) + (np.uint64(counter) + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@_jit
def case_draw(key: int, c: int, slot: int) -> float:
    """Case ``c``'s own uniform number ``slot`` under the run's case key ``key``.

    :func:`case_uniform` with the key read once by the caller (a loop over
    cases then reads ``p.iparams`` once, not once per case).
    """
    return uniform(key, c * CASE_DRAW_SLOTS + slot)


@_jit
def case_uniform(p: Pipeline, c: int, slot: int) -> float:
    """Case ``c``'s own uniform number ``slot`` (see :data:`gridsim.kernel.codes.CASE_DRAWS`)."""
    return case_draw(p.iparams[CASE_KEY], c, slot)


@_jit
def case_normal_draw(key: int, c: int, slot: int, angle: int) -> float:
    """A standard normal from two of the case's uniforms (Box–Muller), under case key ``key``."""
    r = np.sqrt(-2.0 * np.log(1.0 - case_draw(key, c, slot)))
    return r * np.cos(2.0 * np.pi * case_draw(key, c, angle))


@_jit
def case_normal(p: Pipeline, c: int, slot: int, angle: int) -> float:
    """A standard normal from two of the case's uniforms (Box–Muller)."""
    return case_normal_draw(p.iparams[CASE_KEY], c, slot, angle)


@_jit
def case_exponential(p: Pipeline, c: int, slot: int) -> float:
    """A unit-mean exponential from one of the case's uniforms."""
    return -np.log(1.0 - case_uniform(p, c, slot))
