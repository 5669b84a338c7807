"""What an experiment file says: its schema (validated by pydantic) and how it is read.

An experiment file (TOML) names a base scenario and the designs to compare; see
:mod:`gridsim.experiments` for the format. :class:`ExperimentSpec` is its
contents, validated; :func:`read_experiment_data` reads the file as gridsim
reads every input file (a bounded regular file, UTF-8 TOML).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridsim.fileio import MAX_TOML_BYTES, InputError, display_path, read_bounded
from gridsim.kpi_registry import KPIS
from gridsim.scenario import ScenarioError

HEADLINE_KPIS: tuple[str, ...] = tuple(k.name for k in KPIS.values() if k.headline)
"""KPIs an experiment reports unless its file lists others."""

Value = float | int | bool | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantSpec(_Strict):
    """One explicitly listed variant (``label_zh``: its name in Chinese reports)."""

    name: str = Field(min_length=1)
    label_zh: str | None = Field(None, min_length=1)
    changes: dict[str, Value] = Field(default_factory=dict)


class DesignSpec(_Strict):
    """A sampling design over parameter ranges."""

    method: Literal["lhs", "sobol", "morris"]
    samples: int = Field(gt=0, description="LHS points, Sobol base N, or Morris trajectories.")
    parameters: dict[str, tuple[float, float]] = Field(min_length=1)
    levels: int = Field(4, gt=1, description="Morris grid levels.")

    @model_validator(mode="after")
    def _bounds(self) -> DesignSpec:
        for key, (lo, hi) in self.parameters.items():
            if not lo < hi:
                raise ValueError(f"parameters.{key}: lower bound must be < upper, got [{lo}, {hi}]")
        return self


class ExperimentSpec(_Strict):
    """The contents of an experiment file."""

    name: str = Field(min_length=1)
    description: str = ""
    description_zh: str = ""
    base: str = Field(min_length=1)
    replications: int = Field(10, gt=0)
    max_replications: int = Field(100, gt=0)
    seed: int = Field(2013, ge=0)
    baseline: str | None = None
    variants: list[VariantSpec] = Field(default_factory=list)
    vary: dict[str, list[Value]] = Field(default_factory=dict)
    design: DesignSpec | None = None
    kpis: list[str] = Field(default_factory=lambda: list(HEADLINE_KPIS))

    @model_validator(mode="after")
    def _checks(self) -> ExperimentSpec:
        for key, values in self.vary.items():
            if not values:
                raise ValueError(f"vary.{key}: must list at least one value")
        if not self.variants and not self.vary and self.design is None:
            raise ValueError("variants: give at least one of [[variants]], [vary] or [design]")
        if self.max_replications < self.replications:
            raise ValueError(
                f"max_replications: must be >= replications ({self.replications}), "
                f"got {self.max_replications}"
            )
        return self


class ExperimentError(ScenarioError):
    """An experiment file is invalid (one line per problem, naming file and key)."""


def read_experiment_data(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of an experiment file, read as gridsim reads every input file.

    Args:
        path: The file: a regular file (a FIFO or device is refused, never
            opened) of at most :data:`gridsim.fileio.MAX_TOML_BYTES`.

    Returns:
        The TOML's data, not yet validated (see :meth:`Experiment.from_dict`).

    Raises:
        ExperimentError: One line naming the file.
    """
    path = Path(path)
    display = display_path(path)
    try:
        data = tomllib.loads(read_bounded(path, MAX_TOML_BYTES, display).decode("utf-8"))
    except InputError as exc:
        raise ExperimentError(exc.problems) from None
    except UnicodeDecodeError:
        raise ExperimentError([f"{display}: not valid UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError([f"{display}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ExperimentError([f"{display}: arrays or tables nested too deeply to read"]) from None
    return data
