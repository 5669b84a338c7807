"""gridsim: agent-based simulation of grid-based grass-roots governance (网格化管理).

Compare grid sizes, staffing and handling mechanisms before rollout::

    import gridsim
    scenario = gridsim.load_scenario("scenarios/yuelu-2013.toml")
    result = gridsim.run_scenario(scenario, replication=0)
    result.kpis["issues_collected"]

and propose the cheapest design that meets a district's targets::

    plan = gridsim.Plan.from_file("scenarios/plan-yuelu.toml")
    result = plan.run()
    result.recommendation
"""

# Registers the report writer of Comparison.report (the experiments layer never imports
# the reports layer); light: matplotlib comes with the first figure.
import gridsim.reports  # noqa: F401
from gridsim._version import __version__
from gridsim.experiments import Comparison, Experiment
from gridsim.model import GridModel, run_scenario
from gridsim.model.kpis import KPI_NAMES, RunResult
from gridsim.scenario import Scenario, ScenarioError, default_scenario, load_scenario

__all__ = [
    "KPI_NAMES",
    "Comparison",
    "Experiment",
    "GridModel",
    "Plan",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Workspace",
    "__version__",
    "default_scenario",
    "load_scenario",
    "run_scenario",
]


def __getattr__(name: str) -> object:
    """Lazy access to the workspace (it imports SQLAlchemy) and the plan (optuna)."""
    if name == "Workspace":
        from gridsim.store import Workspace

        return Workspace
    if name == "Plan":
        from gridsim.planning.plan import Plan

        return Plan
    raise AttributeError(f"module 'gridsim' has no attribute {name!r}")
