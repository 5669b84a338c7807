"""A district's own communities: reading and checking the communities CSV.

A scenario may set ``district.communities_csv`` instead of totals; the CSV is
checked when the scenario is validated, so a bad row is a scenario error naming
the file, the line and the column. The district builder
(:mod:`gridsim.model.district`) reads the checked rows from here.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import stat
from pathlib import Path

from gridsim.fileio import MAX_CSV_BYTES, InputError, display_path, read_bounded
from gridsim.scenario.errors import ScenarioError
from gridsim.scenario.params import MAX_COMMUNITIES, MAX_HOUSEHOLDS
from gridsim.vocab import KINDS

__all__ = [
    "CSV_COLUMNS",
    "CSV_HEADER_ALIASES",
    "CSV_KIND_ALIASES",
    "MAX_CSV_PROBLEMS",
    "read_communities_csv",
    "read_csv_bytes",
]

CSV_COLUMNS = ("name", "street", "households", "kind")
"""Required columns of a district communities CSV; ``x`` and ``y`` are optional."""

CSV_HEADER_ALIASES: dict[str, str] = {
    "名称": "name",
    "街道": "street",
    "户数": "households",
    "类型": "kind",
}
"""Chinese column headers accepted for :data:`CSV_COLUMNS` (as a district's own sheet has them)."""

CSV_KIND_ALIASES: dict[str, str] = {
    "new-build": "new_build",
    "城市": "urban",
    "城区": "urban",
    "新建": "new_build",
    "新建小区": "new_build",
    "村": "village",
    "农村": "village",
}
"""Other spellings of :data:`gridsim.vocab.KINDS` accepted in the ``kind`` column."""

MAX_CSV_PROBLEMS = 20
"""Problems listed one per line before the rest are counted."""


def read_csv_bytes(path: Path, display: str | None = None) -> bytes:
    """The bytes of a communities CSV: a regular file of at most ``MAX_CSV_BYTES``.

    Raises:
        ScenarioError: Not a regular file, unreadable, or too large.
    """
    try:
        return read_bounded(path, MAX_CSV_BYTES, display)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None


def read_communities_csv(path: str | Path) -> list[dict[str, object]]:
    """Read and check a communities CSV.

    One header row, then one row per community. Columns ``name, street,
    households, kind`` (or 名称, 街道, 户数, 类型; any case, any order, extra
    columns ignored) and optional ``x, y`` (any projected coordinates).
    ``kind`` is ``urban``, ``new_build`` or ``village`` (also ``new-build``,
    城市/城区, 新建/新建小区, 村/农村). Blank rows, such as the rows of
    commas a spreadsheet leaves at the end, are skipped. The file is UTF-8
    (with or without a byte-order mark) and at most
    :data:`gridsim.fileio.MAX_CSV_BYTES` long.

    A file once checked is not read again while its size and modification
    time stay the same (every variant of an experiment checks it).

    Args:
        path: The CSV file.

    Returns:
        One dict per community with typed values.

    Raises:
        ScenarioError: One line per problem, naming the file, line and column.
    """
    path = Path(path).resolve()
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        read_csv_bytes(path)  # raises the right message
    assert st is not None
    rows = _read_checked(path, st.st_size, st.st_mtime_ns, display_path(path))
    return [dict(r) for r in rows]


@functools.lru_cache(maxsize=8)
def _read_checked(
    path: Path, size: int, mtime_ns: int, shown: str
) -> tuple[dict[str, object], ...]:
    data = read_csv_bytes(path, shown)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{shown}: not valid UTF-8 text (byte {exc.start}); "
            "save it as UTF-8 (in Excel: 'CSV UTF-8')"
        ) from None
    del data
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ScenarioError(f"{shown}: line 1: {exc}") from None
    if header is None or not any(cell.strip() for cell in header):
        raise ScenarioError(
            f"{shown}: empty file (expected a header row: {', '.join(CSV_COLUMNS)})"
        )
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        label = cell.strip()
        column = CSV_HEADER_ALIASES.get(label, label.lower())
        if column in columns and column:
            raise ScenarioError(f"{shown}: line 1: column {column!r} appears twice")
        columns.setdefault(column, i)
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(c.strip() for c in header if c.strip())
        raise ScenarioError(
            f"{shown}: missing column(s): {', '.join(missing)} (expected "
            f"{', '.join(CSV_COLUMNS)}[, x, y] or {', '.join(CSV_HEADER_ALIASES)}; "
            f"found: {found})"
        )
    has_xy = "x" in columns and "y" in columns
    width = max(columns.values()) + 1
    problems: list[str] = []
    out: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    total = 0
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank row, or a row of only commas
            where = f"{shown}: line {line}"
            if len(out) >= MAX_COMMUNITIES:
                raise ScenarioError(
                    f"{where}: more than {MAX_COMMUNITIES:,} communities "
                    "(a documented limit, see docs/scenarios.md)"
                )
            if any(cell.strip() for cell in row[len(header) :]):
                problems.append(
                    f"{where}: {len(row)} fields, the header has {len(header)} "
                    "(a comma inside an unquoted name?)"
                )
                continue
            row = row + [""] * (width - len(row))
            rec = _community(row, columns, has_xy, where, problems)
            name = str(rec["name"])
            if name and name in seen:
                problems.append(
                    f"{where}: name: duplicate community {name!r} (also on line {seen[name]})"
                )
            seen.setdefault(name, line)
            total += int(rec["households"])  # type: ignore[call-overload]
            out.append(rec)
    except csv.Error as exc:
        raise ScenarioError(f"{shown}: line {reader.line_num}: {exc}") from None
    if not out and not problems:
        raise ScenarioError(f"{shown}: no communities (the file has no data rows)")
    if total > MAX_HOUSEHOLDS:
        problems.append(
            f"{shown}: households: the communities add up to {total:,} households, more than "
            f"the {MAX_HOUSEHOLDS:,} of a documented limit (see docs/scenarios.md)"
        )
    if problems:
        if len(problems) > MAX_CSV_PROBLEMS:
            more = len(problems) - MAX_CSV_PROBLEMS
            problems = [*problems[:MAX_CSV_PROBLEMS], f"{shown}: ... and {more:,} more problems"]
        raise ScenarioError(problems)
    return tuple(out)


def _community(
    row: list[str], columns: dict[str, int], has_xy: bool, where: str, problems: list[str]
) -> dict[str, object]:
    """One CSV row as a typed community record; problems are appended, not raised."""
    name = row[columns["name"]].strip()
    if not name:
        problems.append(f"{where}: name: must not be empty")
    street = row[columns["street"]].strip()
    if not street:
        problems.append(f"{where}: street: must not be empty")
    raw = row[columns["households"]].strip()
    try:
        households = int(raw)
    except ValueError:
        problems.append(f"{where}: households: must be an integer, got {raw!r}")
        households = 0
    else:
        if households <= 0:
            problems.append(f"{where}: households: must be > 0, got {households}")
            households = 0
        elif households > MAX_HOUSEHOLDS:
            problems.append(
                f"{where}: households: must be <= {MAX_HOUSEHOLDS:,} (a documented limit), "
                f"got {households:,}"
            )
            households = 0
    written = row[columns["kind"]].strip()
    kind = CSV_KIND_ALIASES.get(written, CSV_KIND_ALIASES.get(written.lower(), written.lower()))
    if kind not in KINDS:
        problems.append(
            f"{where}: kind: must be one of {', '.join(KINDS)} "
            f"(or {', '.join(CSV_KIND_ALIASES)}), got {written!r}"
        )
    rec: dict[str, object] = {
        "name": name,
        "street": street,
        "households": households,
        "kind": kind,
    }
    if has_xy:
        for axis in ("x", "y"):
            cell = row[columns[axis]].strip()
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                problems.append(f"{where}: {axis}: must be a finite number, got {cell!r}")
                value = 0.0
            rec[axis] = value
    return rec
