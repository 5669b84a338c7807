"""How the store writes data: JSON text, never pickles, NaN and ±inf as ``null``.

KPIs, the daily series and the per-grid table are stored as JSON text
(a frame as column → list of values). A sweep's workers encode that text
themselves (:func:`encode_result`, :class:`EncodedRun`), so the process that
writes the store only inserts it: text marked as :class:`JsonText` is never
encoded again, by SQLite's column type or by PostgreSQL's serialiser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.types import TypeDecorator

from gridsim.model.kpis import RunResult

__all__ = [
    "EncodedResult",
    "EncodedRun",
    "JsonColumn",
    "JsonText",
    "dumps",
    "encode_result",
    "frame_from_json",
    "frame_to_json",
    "json_text",
    "jsonable",
    "kpis_from_json",
]


class JsonText(str):
    """JSON text that the store writes as is (already encoded, never re-encoded).

    Made by :func:`json_text`. A sweep's results are encoded where each run
    happened (:func:`gridsim.executors.run_task`, in a worker), so the process
    that writes the store only inserts text.
    """

    __slots__ = ()


def _number_list(array: np.ndarray) -> list[Any] | None:
    """A 1-D numeric array as a JSON list (NaN/±inf as None); None if not numeric."""
    kind = array.dtype.kind
    if array.ndim != 1 or kind not in "iubf" or array.dtype.itemsize > 8:
        return None
    out = array.tolist()
    if kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            for i in np.flatnonzero(bad).tolist():
                out[i] = None
    return out


def jsonable(value: Any) -> Any:
    """Plain JSON data: numpy scalars to Python, NaN/±inf/NA to None.

    Args:
        value: Data for a JSON column (dicts, lists, arrays, Series, numbers...).

    Returns:
        The same data as dicts, lists, strings, numbers, booleans and None.

    Raises:
        TypeError: For a value JSON cannot hold.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) or (
        isinstance(value, pd.Series) and isinstance(value.dtype, np.dtype)
    ):
        # A numeric column in one step (the same values as element by element).
        numbers = _number_list(value if isinstance(value, np.ndarray) else value.to_numpy())
        if numbers is not None:
            return numbers
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [jsonable(v) for v in list(value)]
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def dumps(value: Any) -> str:
    """JSON text of plain data, compact and strict; :class:`JsonText` is passed on as is.

    The engines' ``json_serializer``.

    Args:
        value: Plain JSON data (see :func:`jsonable`) or :class:`JsonText`.

    Returns:
        The text.
    """
    if isinstance(value, JsonText):  # encoded already: PostgreSQL's serialiser passes it on
        return str(value)
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def json_text(value: Any) -> JsonText:
    """Encode data exactly as the store encodes a JSON column.

    numpy scalars and arrays become Python numbers and lists, NaN, ±inf and
    NA become ``null``; numeric arrays and Series are converted in one step.

    Args:
        value: Data for a JSON column (dicts, lists, arrays, Series, numbers...).

    Returns:
        The JSON text, marked so that the store inserts it without encoding it again.
    """
    return value if isinstance(value, JsonText) else JsonText(dumps(jsonable(value)))


class JsonColumn(TypeDecorator[Any]):
    """JSON stored as text: ``TEXT`` in SQLite, ``json`` (order-preserving) in PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        """``json`` in PostgreSQL, ``TEXT`` elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(pg_dialect.JSON())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        """Text for SQLite; plain data (or :class:`JsonText`) for PostgreSQL's serialiser."""
        if value is None:
            return None
        if isinstance(value, JsonText):  # SQLite: the text; PostgreSQL: dumps passes it on
            return value if dialect.name == "postgresql" else str(value)
        clean = jsonable(value)
        # PostgreSQL's JSON type serialises with the engine's strict serialiser.
        return clean if dialect.name == "postgresql" else dumps(clean)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        """Decoded data (PostgreSQL's driver decodes ``json`` itself)."""
        if isinstance(value, str) and dialect.name != "postgresql":
            return json.loads(value)
        return value


def frame_to_json(frame: pd.DataFrame) -> JsonText:
    """A frame as the store keeps it: JSON text of column → list of values.

    Args:
        frame: The frame.

    Returns:
        The text.
    """
    return json_text({str(col): frame[col] for col in frame.columns})


def frame_from_json(data: Mapping[str, list[Any]]) -> pd.DataFrame:
    """A frame read back from column → list of values (all-null columns as float NaN).

    Args:
        data: Decoded JSON of :func:`frame_to_json`.

    Returns:
        The frame.
    """
    frame = pd.DataFrame({k: list(v) for k, v in data.items()})
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].isna().all():
            frame[col] = frame[col].astype(float)
    return frame


def kpis_from_json(data: Mapping[str, Any]) -> dict[str, float]:
    """KPIs read back: ``null`` as NaN.

    Args:
        data: Decoded JSON of a run's KPIs.

    Returns:
        KPI name → value.
    """
    return {k: float("nan") if v is None else v for k, v in data.items()}


class EncodedResult(NamedTuple):
    """A run's results in the store's row format: JSON text, ready to insert.

    Made where the run happened (:func:`encode_result`, or
    :func:`gridsim.executors.run_task` in a worker), so that the process
    writing the store spends no time encoding.

    Attributes:
        kpis: District KPIs (:func:`json_text` of a dict).
        daily: Daily series (:func:`json_text` of column → values).
        grids: Per-grid table (:func:`json_text` of column → values).
        wall_seconds: Wall time of the simulation.
    """

    kpis: str
    daily: str
    grids: str
    wall_seconds: float


class EncodedRun(NamedTuple):
    """One row for ``Store.write_runs``: a run's key, provenance and results.

    Attributes:
        scenario_hash: :meth:`Scenario.content_hash` of the resolved scenario.
        replication: Replication number.
        scenario_name: Scenario name.
        seed: Root seed (the scenario's ``simulation.seed``).
        scenario: :func:`json_text` of the resolved scenario (:meth:`Scenario.to_dict`).
        result: The run's encoded results.
    """

    scenario_hash: str
    replication: int
    scenario_name: str
    seed: int
    scenario: str
    result: EncodedResult


def encode_result(result: RunResult) -> EncodedResult:
    """A run's KPIs, daily series and grid table as the store writes them.

    Args:
        result: The run's result.

    Returns:
        The JSON text of each (NaN and ±inf as ``null``).
    """
    return EncodedResult(
        kpis=json_text(result.kpis),
        daily=frame_to_json(result.daily),
        grids=frame_to_json(result.grids),
        wall_seconds=float(result.wall_seconds),
    )
