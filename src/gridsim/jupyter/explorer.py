"""Interactive design explorer for Jupyter: change a design, rerun, compare with the baseline.

In a notebook::

    from gridsim.jupyter import explore

    explore()            # small district (fast); tick "Full Yuelu district" for 580 grids

The explorer shows sliders and switches for grid size (households per grid),
staffing (cadres, information officers and volunteers per grid, fixed posting
or rotation) and every handling mechanism of the collect → assign → handle →
reply → evaluate pipeline. *Run* simulates the baseline and the changed design
for the same replications — the same seeds, so both see the same latent
issues in the same households (common random numbers) — and draws

* a KPI table: baseline mean, variant mean and the *paired* difference (one
  difference per replication, then its mean and 95 % confidence interval);
* a grid map: every grid at its position, joined to its neighbours, coloured
  by the end-of-year backlog (or another per-grid KPI).

The computation is a plain function,
:func:`~gridsim.jupyter.runs.explorer_run`, that needs no browser (nor ``ipywidgets``)::

    table, grids = explorer_run(base, {"staff.information_officers_per_grid": 2}, 3)

Baseline runs are cached per explorer, so moving one slider reruns only the
variant. ``ipywidgets`` comes with the ``notebooks`` extra
(``pip install 'gridsim[notebooks]'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gridsim.experiments.executors import Executor, ProcessExecutor
from gridsim.jupyter.display import MAP_METRICS, plot_grid_map, style_table
from gridsim.jupyter.runs import explorer_run
from gridsim.jupyter.scenarios import SMALL_DISTRICT, yuelu_baseline
from gridsim.mechanisms.registry import Stage
from gridsim.mechanisms.registry import options as mechanism_options
from gridsim.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    import ipywidgets

CONTROL_PATHS: dict[str, str] = {
    "households_per_grid": "grids.households_per_grid",
    "cadres_per_grid": "staff.cadres_per_grid",
    "information_officers_per_grid": "staff.information_officers_per_grid",
    "volunteers_per_grid": "staff.volunteers_per_grid",
    "posting": "cadres.posting",
    "collection": "collect.mode",
    "assignment": "assign.mode",
    "joint_consultation": "handle.joint_consultation",
    "time_limits": "deadlines.enabled",
    "escalation": "deadlines.escalation",
    "public_replies": "reply.public",
    "third_party": "evaluate.third_party",
}
"""Explorer control → the scenario parameter (dotted path) it sets."""


@dataclass
class _Numeric:
    key: str
    label: str
    minimum: float
    maximum: float
    step: float


_NUMERIC: tuple[_Numeric, ...] = (
    _Numeric("households_per_grid", "Households per grid", 100, 1500, 10),
    _Numeric("cadres_per_grid", "Cadres per grid", 0, 3, 0.05),
    _Numeric("information_officers_per_grid", "Information officers / grid", 0, 4, 0.25),
    _Numeric("volunteers_per_grid", "Volunteers / grid", 0, 10, 0.5),
)

_SWITCHES: tuple[tuple[str, str], ...] = (
    ("joint_consultation", "Joint consultation (联合会商)"),
    ("time_limits", "Time limits and traffic lights"),
    ("escalation", "Escalation of red-light cases"),
    ("public_replies", "Public replies (结果公示)"),
    ("third_party", "Third-party evaluation"),
)


def _get(scenario: Scenario, path: str) -> Any:
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


class Explorer:
    """The widgets, state and callbacks behind :func:`explore`.

    Use :func:`explore` in a notebook; build an ``Explorer`` directly to drive
    it from code (set control values, call :meth:`run`, read :attr:`table`).

    Args:
        base: Baseline scenario, or a path to a scenario file; ``None`` for the
            calibrated Yuelu 2013 baseline.
        small: Start on the small district (:data:`SMALL_DISTRICT`).
        replications: Initial replications per design.
        executor: Where to run; default: in this process for the small
            district, local worker processes for the full one.

    Attributes:
        widget: The root widget to display.
        controls: Control name (see :data:`CONTROL_PATHS`) → its widget.
        table: KPI table of the last run (``None`` before the first).
        grid_values: Per-grid values of the last run.
        error: Message of the last failed run, else ``None``.
    """

    def __init__(
        self,
        base: Scenario | str | Path | None = None,
        small: bool = True,
        replications: int = 3,
        executor: Executor | None = None,
    ) -> None:
        import ipywidgets as w

        if base is None:
            self.base = yuelu_baseline()
        elif isinstance(base, Scenario):
            self.base = base
        else:
            self.base = load_scenario(base)
        self.executor = executor
        self.cache: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.table: pd.DataFrame | None = None
        self.grid_values: pd.DataFrame | None = None
        self.error: str | None = None
        self._scenarios: dict[str, Scenario] = {}
        style = {"description_width": "190px"}
        wide = w.Layout(width="420px")
        c: dict[str, Any] = {}
        for n in _NUMERIC:
            cls = w.IntSlider if float(n.step).is_integer() else w.FloatSlider
            c[n.key] = cls(
                min=n.minimum,
                max=n.maximum,
                step=n.step,
                description=n.label,
                style=style,
                layout=wide,
                continuous_update=False,
            )
        c["posting"] = w.ToggleButtons(
            options=[("fixed posting", "fixed"), ("rotation", "rotation")],
            description="Cadre posting",
            style=style,
        )
        c["collection"] = w.ToggleButtons(
            options=mechanism_options(Stage.COLLECT),
            description="Collection (集)",
            style=style,
        )
        c["assignment"] = w.ToggleButtons(
            options=mechanism_options(Stage.ASSIGN),
            description="Assignment (交)",
            style=style,
        )
        for key, label in _SWITCHES:
            c[key] = w.Checkbox(description=label, indent=False)
        self.controls = c
        c["time_limits"].observe(self._on_time_limits, names="value")
        self.replications = w.IntSlider(
            value=replications,
            min=1,
            max=20,
            description="Replications",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.full = w.Checkbox(
            value=not small,
            description="Full Yuelu district (580 grids, ~1 s per run)",
            indent=False,
        )
        self.metric = w.Dropdown(
            options=[(label, key) for key, label in MAP_METRICS.items()],
            value="backlog_end",
            description="Map colour",
            style=style,
        )
        self.metric.observe(lambda _change: self._draw_map(), names="value")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _b: self.run())
        self.reset_button = w.Button(
            description="Reset to baseline", icon="undo", layout=w.Layout(width="auto")
        )
        self.reset_button.on_click(lambda _b: self.reset())
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Runs", style=style)
        self.status = w.HTML()
        self.out_table = w.Output()
        self.out_map = w.Output()
        self.reset()
        column = w.Layout(padding="0 18px 0 0")
        grid_box = w.VBox(
            [
                w.HTML("<b>Grids and staff</b>"),
                *(c[n.key] for n in _NUMERIC),
                c["posting"],
            ],
            layout=column,
        )
        mech_box = w.VBox(
            [
                w.HTML("<b>Mechanisms</b>"),
                c["collection"],
                c["assignment"],
                *(c[k] for k, _ in _SWITCHES),
            ],
            layout=column,
        )
        run_box = w.VBox(
            [
                w.HTML("<b>Run</b>"),
                self.replications,
                self.full,
                self.metric,
                w.HBox([self.run_button, self.reset_button]),
                self.progress,
                self.status,
            ]
        )
        self.widget: ipywidgets.Widget = w.VBox(
            [
                w.HTML(
                    f"<h3>gridsim explorer — baseline <i>{self.base.name}</i></h3>"
                    "<p>Change the design, press <b>Run</b>: the baseline and your design run "
                    "with the same seeds, and the table shows the paired difference "
                    "(95 % CI; bold when it excludes zero, green when better, red when "
                    "worse).</p>"
                ),
                w.HBox([grid_box, mech_box]),
                run_box,
                self.out_table,
                self.out_map,
            ]
        )

    # -- state -------------------------------------------------------------

    def _on_time_limits(self, change: dict[str, Any]) -> None:
        escalation = self.controls["escalation"]
        if not change["new"]:
            escalation.value = False
        escalation.disabled = not change["new"]

    def current_base(self) -> Scenario:
        """The baseline at the selected size (small district unless *Full* is ticked)."""
        return self.base if self.full.value else self.base.with_changes(SMALL_DISTRICT)

    def reset(self) -> None:
        """Set every control to the baseline's value."""
        for key, path in CONTROL_PATHS.items():
            value = _get(self.base, path)
            widget = self.controls[key]
            if isinstance(value, float) and not isinstance(value, bool):
                step = next(n.step for n in _NUMERIC if n.key == key)
                value = round(value / step) * step
                value = int(value) if float(step).is_integer() else value
            widget.value = value

    def changes(self) -> dict[str, Any]:
        """The controls' values that differ from the baseline, as dotted-path changes.

        A slider counts as changed only when it is moved by at least half a
        step from the baseline's value (so 329.7 households per grid shows as
        330 without making a variant).
        """
        out: dict[str, Any] = {}
        for key, path in CONTROL_PATHS.items():
            base_value = _get(self.base, path)
            value = self.controls[key].value
            numeric = next((n for n in _NUMERIC if n.key == key), None)
            if numeric is not None:
                if abs(float(value) - float(base_value)) >= numeric.step / 2:
                    out[path] = float(value)
            elif value != base_value:
                out[path] = value
        return out

    # -- actions -----------------------------------------------------------

    def run(self) -> pd.DataFrame | None:
        """Run baseline and variant and redraw the table and the map.

        Returns:
            The KPI table, or ``None`` if the design was invalid (the reason
            is shown and kept in :attr:`error`).
        """
        base = self.current_base()
        changes = self.changes()
        executor = self.executor
        if executor is None and self.full.value:
            executor = ProcessExecutor()
        self.run_button.disabled = True
        self.error = None
        self.status.value = "running…"

        def progress(done: int, total: int) -> None:
            self.progress.max = max(total, 1)
            self.progress.value = done

        try:
            table, grids = explorer_run(
                base,
                changes,
                self.replications.value,
                executor=executor,
                progress=progress,
                cache=self.cache,
            )
        except (ScenarioError, ValueError) as exc:
            self.error = str(exc)
            self.status.value = f"<span style='color:#b42318'>{_html(self.error)}</span>"
            return None
        finally:
            self.run_button.disabled = False
        self.table, self.grid_values = table, grids
        variant = base.with_changes(changes) if changes else base
        self._scenarios = {"baseline": base, "variant": variant}
        shown = ", ".join(f"{k} = {v}" for k, v in changes.items()) or "no changes"
        self.status.value = f"done: {_html(shown)}"
        from IPython.display import display

        self.out_table.clear_output(wait=True)
        with self.out_table:
            display(style_table(table))
        self._draw_map()
        return table

    def _draw_map(self) -> None:
        if self.grid_values is None:
            return
        import matplotlib.pyplot as plt
        from IPython.display import display

        fig = plot_grid_map(self.grid_values, self._scenarios, self.metric.value)
        self.out_map.clear_output(wait=True)
        with self.out_map:
            display(fig)
        plt.close(fig)


def _html(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def explore(
    base: Scenario | str | Path | None = None,
    small: bool = True,
    replications: int = 3,
    executor: Executor | None = None,
) -> ipywidgets.Widget:
    """An interactive explorer of grid size, staffing and mechanisms (for Jupyter).

    Args:
        base: Baseline scenario or scenario file; ``None`` for the calibrated
            Yuelu 2013 baseline.
        small: Start on the small district (:data:`SMALL_DISTRICT`); a
            checkbox switches to the full size.
        replications: Initial replications per design.
        executor: Where to run (e.g. a :class:`~gridsim.executors.DaskExecutor`);
            default: in this process for the small district, local worker
            processes for the full one.

    Returns:
        The widget; display it (it is the last value of a cell) and press *Run*.
    """
    return Explorer(base, small=small, replications=replications, executor=executor).widget
