"""How the commands print numbers: in tables, and in JSON."""

from __future__ import annotations

import math


def json_number(x: float) -> float | None:
    """``x`` for JSON: NaN (no value) becomes ``null``."""
    return None if isinstance(x, float) and math.isnan(x) else x


def fmt(x: float) -> str:
    """``x`` for a table: thousands separated, fewer decimals the larger it is, ``—`` for NaN."""
    if math.isnan(x):
        return "—"
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def fmt_signed(x: float) -> str:
    """A difference for a table: :func:`fmt` with a ``+`` on positive values."""
    if math.isnan(x):
        return "—"
    return ("+" if x > 0 else "") + fmt(x)
