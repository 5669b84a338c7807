"""Writes the scenario reference: ``python -m gridsim.reference > docs/scenarios.md``.

The reference is rendered from the schema by :mod:`gridsim.scenario.reference`;
this command fills in the one figure the schema does not own, the estimated
memory of a Yuelu run (:mod:`gridsim.estimate`, whose fit runs the model and so
sits above the scenario layer). ``Parameter``, ``parameters`` and
``scenario_html`` moved: importing them from here is deprecated.
"""

from __future__ import annotations

import warnings
from typing import Any

from gridsim.estimate import BASE_BYTES, estimate_run
from gridsim.scenario import Scenario
from gridsim.scenario import reference as _reference
from gridsim.scenario.parameters import Parameter

__all__ = ["scenario_reference"]


def scenario_reference() -> str:
    """Markdown reference of every scenario parameter, as ``docs/scenarios.md`` holds it."""
    yuelu = estimate_run(Scenario())
    return _reference.scenario_reference(
        run_bytes=yuelu.memory_bytes - BASE_BYTES, base_bytes=BASE_BYTES
    )


def _scenario_html(scenario: Scenario) -> str:
    return scenario._repr_html_()


_MOVED: dict[str, tuple[Any, str]] = {
    "Parameter": (Parameter, "gridsim.scenario.parameters.Parameter"),
    "parameters": (_reference.parameters, "gridsim.scenario.reference.parameters"),
    "scenario_html": (_scenario_html, "Scenario._repr_html_"),
}


def __getattr__(name: str) -> Any:
    """The names that moved, with a :class:`DeprecationWarning`."""
    if name in _MOVED:
        value, new = _MOVED[name]
        warnings.warn(
            f"gridsim.reference.{name} is deprecated: use {new}", DeprecationWarning, stacklevel=2
        )
        return value
    raise AttributeError(f"module 'gridsim.reference' has no attribute {name!r}")


if __name__ == "__main__":
    print(scenario_reference(), end="")
