"""The experiments layer: designs × replications, run anywhere, stored, compared in pairs.

An experiment file (TOML) names a base scenario and the variants to compare::

    name = "compare-staffing"
    base = "yuelu-2013.toml"          # relative to this file, inside the scenario root
    replications = 10
    seed = 2013

    [[variants]]
    name = "Yuelu 2013"

    [[variants]]
    name = "two officers"
    changes = { "staff.information_officers_per_grid" = 2 }

    [vary]                            # crossed with every variant (a full factorial)
    "grids.households_per_grid" = [330, 500]

Modules, lowest first:

- :mod:`~gridsim.experiments.spec` — the file's schema and how it is read;
- :mod:`~gridsim.experiments.designs` — variants, factorials, sampled points;
- :mod:`~gridsim.experiments.statistics` — means, CIs, paired differences;
- :mod:`~gridsim.experiments.executors` — where runs run (here, local
  processes, Dask);
- :mod:`~gridsim.experiments.results` — :class:`Comparison`, sensitivity;
- :mod:`~gridsim.experiments.experiment` — :class:`Experiment`: run what the
  store lacks, then compare;
- :mod:`~gridsim.experiments.calibration` — the fit to Yuelu's 2013 figures.

This layer imports the store, the model and the scenario layers, never the
reports: :meth:`Comparison.report` calls the writer that :mod:`gridsim.reports`
registers (see :func:`~gridsim.experiments.results.register_report_writer`).
"""

from gridsim.experiments.designs import CROSS, MAX_DESIGNS, Variant, design_points
from gridsim.experiments.executors import (
    DaskExecutor,
    Executor,
    ModelMismatchError,
    Payload,
    ProcessExecutor,
    SerialExecutor,
    Task,
    encode_payload,
    make_executor,
    run_task,
    simulate,
)
from gridsim.experiments.experiment import Experiment, payload_result
from gridsim.experiments.results import Comparison, register_report_writer, sensitivity
from gridsim.experiments.spec import (
    HEADLINE_KPIS,
    DesignSpec,
    ExperimentError,
    ExperimentSpec,
    VariantSpec,
    read_experiment_data,
)
from gridsim.experiments.statistics import (
    compare,
    kpi_table,
    mean_ci,
    precision_met,
    relative_half_widths,
    summarise,
)

__all__ = [
    "CROSS",
    "HEADLINE_KPIS",
    "MAX_DESIGNS",
    "Comparison",
    "DaskExecutor",
    "DesignSpec",
    "Executor",
    "Experiment",
    "ExperimentError",
    "ExperimentSpec",
    "ModelMismatchError",
    "Payload",
    "ProcessExecutor",
    "SerialExecutor",
    "Task",
    "Variant",
    "VariantSpec",
    "compare",
    "design_points",
    "encode_payload",
    "kpi_table",
    "make_executor",
    "mean_ci",
    "payload_result",
    "precision_met",
    "read_experiment_data",
    "register_report_writer",
    "relative_half_widths",
    "run_task",
    "sensitivity",
    "simulate",
    "summarise",
]
