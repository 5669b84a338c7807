"""Deprecated: experiments moved to :mod:`gridsim.experiments`.

This module re-exports its names for one release and warns on import; use
``gridsim.Experiment`` or import from :mod:`gridsim.experiments` instead. No
notebook or document teaches this path (they use ``gridsim.Experiment``), and
its name is one letter away from the package's, hence the warning.
"""

from __future__ import annotations

import warnings

from gridsim.experiments import (
    Comparison,
    DesignSpec,
    Experiment,
    ExperimentError,
    ExperimentSpec,
    Variant,
    VariantSpec,
    payload_result,
    read_experiment_data,
)

__all__ = [
    "Comparison",
    "DesignSpec",
    "Experiment",
    "ExperimentError",
    "ExperimentSpec",
    "Variant",
    "VariantSpec",
    "payload_result",
    "read_experiment_data",
]

warnings.warn(
    "gridsim.experiment is deprecated; import from gridsim.experiments (or use "
    "gridsim.Experiment) instead",
    DeprecationWarning,
    stacklevel=2,
)
