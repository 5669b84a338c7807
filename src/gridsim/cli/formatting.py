"""How the commands print numbers and tables: in English or Chinese, and in JSON."""

from __future__ import annotations

import math
import unicodedata


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


def width(text: str) -> int:
    """Columns a string takes in a terminal: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (left- or right-aligned).

    Python's ``f"{x:<10}"`` counts characters, so a Chinese label would push
    the columns after it; this counts what the terminal shows.
    """
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def check_lang_option(lang: str) -> str:
    """The ``--lang`` option's value, or a user error naming the choices (exit 2)."""
    from gridsim.cli.errors import UserError
    from gridsim.reports.i18n import LANGS

    if lang not in LANGS:
        raise UserError(f"--lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang
