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

* a KPI table: baseline mean, the design's mean and the *paired* difference (one
  difference per replication, then its mean and 95 % confidence interval);
* a grid map: every grid at its position, joined to its neighbours, coloured
  by the end-of-year backlog (or another per-grid KPI).

Before a run it says how many runs it will take and about how long (measured
on this explorer's earlier runs of that size, else estimated from the
district's size); while it runs the previous result is greyed and *Cancel*
stops it between two runs; afterwards the status names the district's size,
the replications and the time taken. Every design tried is kept in a history:
pin some and *Compare pinned* shows them side by side against the baseline;
*Export* writes the design as an experiment file's ``[[variants]]`` entry and
as a ``changes`` dict. :func:`explore` returns the :class:`Explorer`, so the
last result is at hand in code::

    ex = explore()          # shows the widgets; press Run
    ex.comparison           # the last result: a gridsim Comparison (overview(), plot())
    ex.history[0].changes   # the designs tried

The computation is plain functions,
:func:`~gridsim.jupyter.runs.explorer_run` and
:func:`~gridsim.jupyter.runs.explorer_designs`, that need no browser (nor ``ipywidgets``)::

    table, grids = explorer_run(base, {"staff.information_officers_per_grid": 2}, 3)

Runs are cached per explorer, so moving one slider reruns only the design,
never the baseline. ``ipywidgets`` comes with the ``notebooks`` extra
(``pip install 'gridsim[notebooks]'``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gridsim.estimate import estimate_run, format_seconds, run_sizes
from gridsim.experiments import Comparison
from gridsim.experiments.executors import Executor, ProcessExecutor
from gridsim.jupyter.display import MAP_METRICS, plot_grid_map, style_table
from gridsim.jupyter.runs import (
    BASELINE,
    Cancelled,
    ExplorerRuns,
    explorer_designs,
    explorer_table,
)
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


COMPARE_KPIS: tuple[str, ...] = (
    "households_visited",
    "issues_collected",
    "issues_resolved",
    "on_time_rate",
    "median_days_to_close",
    "backlog_end",
    "satisfaction",
    "cost",
)
"""KPIs of the side-by-side table of pinned designs."""

_STALE = "gridsim-stale"
"""CSS class of the results while a new run goes (greyed)."""

_CSS = (
    f"<style>.{_STALE} {{opacity: 0.4; filter: grayscale(70%); transition: opacity 0.2s}}"
    ".gridsim-results table td, .gridsim-results table th {padding: 2px 7px}</style>"
)


def _get(scenario: Scenario, path: str) -> Any:
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _short_key(key: str) -> str:
    """``households_per_grid`` for ``grids.households_per_grid``; ``collect.mode`` stays whole.

    The last part of a key when it says what it is (it has a ``_``), else the
    last two (``mode``, ``enabled``, ``posting`` alone could be any stage's).
    """
    parts = key.split(".")
    return parts[-1] if "_" in parts[-1] else ".".join(parts[-2:])


def _short(changes: dict[str, Any]) -> str:
    """``households_per_grid=500, collect.mode=batched``."""
    if not changes:
        return "no changes"
    return ", ".join(f"{_short_key(k)}={_value_text(v)}" for k, v in changes.items())


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


@dataclass
class Trial:
    """One design tried in the explorer.

    Attributes:
        number: Its place in the history (from 1).
        changes: The design as dotted-path changes of the baseline.
        full: Run on the full district (else the small one).
        replications: Replications per design.
        runs: The baseline and this design compared (see :class:`ExplorerRuns`).
        pinned: Shown side by side with the other pinned designs by
            :meth:`Explorer.compare_pinned`.
    """

    number: int
    changes: dict[str, Any]
    full: bool
    replications: int
    runs: ExplorerRuns = field(repr=False)
    pinned: bool = False

    @property
    def name(self) -> str:
        """``#3 households_per_grid=500`` (unique in the history)."""
        return f"#{self.number} {_short(self.changes)}"

    @property
    def comparison(self) -> Comparison:
        """The baseline and this design compared in pairs."""
        return self.runs.comparison

    @property
    def seconds(self) -> float:
        """Wall time the trial took."""
        return self.runs.seconds

    def label(self) -> str:
        """One line for the history: the design, its size, replications and time."""
        size = "full district" if self.full else "small district"
        return (
            f"{self.name} — {size}, {self.replications} replication"
            f"{'' if self.replications == 1 else 's'}, {self.seconds:.1f} s"
        )


class Explorer:
    """The widgets, state and callbacks behind :func:`explore`.

    :func:`explore` returns one; it shows its widgets when it is a cell's value.
    Drive it from code by setting control values and calling :meth:`run` (which
    waits) or :meth:`start` (which does not; *Run* does that), and read
    :attr:`comparison`, :attr:`table` and :attr:`history`.

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
        history: Every design tried (:class:`Trial`), oldest first.
        table: KPI table of the last run (``None`` before the first): one row
            per KPI, as :func:`~gridsim.jupyter.runs.explorer_run` returns it.
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
        self.history: list[Trial] = []
        self.table: pd.DataFrame | None = None
        self.grid_values: pd.DataFrame | None = None
        self.error: str | None = None
        self._shown: ExplorerRuns | None = None
        self._seconds_per_run: dict[bool, float] = {}  # full? → measured here
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
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
        d = self.base.district
        full_size = (
            f"{d.communities} communities, {d.households:,} households"
            if d.communities is not None and d.households is not None
            else "its own communities"
        )
        self.full = w.Checkbox(
            value=not small, description=f"Full district ({full_size})", indent=False
        )
        self.metric = w.Dropdown(
            options=[(label, key) for key, label in MAP_METRICS.items()],
            value="backlog_end",
            description="Map colour",
            style=style,
        )
        self.metric.observe(lambda _change: self._draw_map(), names="value")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _b: self.start())
        self.cancel_button = w.Button(
            description="Cancel", icon="stop", disabled=True, layout=w.Layout(width="auto")
        )
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.reset_button = w.Button(
            description="Reset to baseline", icon="undo", layout=w.Layout(width="auto")
        )
        self.reset_button.on_click(lambda _b: self.reset())
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Runs", style=style)
        self.estimate = w.HTML()
        self.status = w.HTML()
        self.table_view = w.HTML()
        self.map_view = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.results = w.VBox([self.table_view, self.map_view])
        self.results.add_class("gridsim-results")
        self.history_view = w.VBox()
        self.compare_button = w.Button(
            description="Compare pinned", icon="columns", layout=w.Layout(width="auto")
        )
        self.compare_button.on_click(lambda _b: self.start(compare=True))
        self.export_button = w.Button(
            description="Export this design", icon="download", layout=w.Layout(width="auto")
        )
        self.export_button.on_click(lambda _b: self._show_export())
        self.export_view = w.Textarea(
            layout=w.Layout(width="100%", height="9em", display="none"), disabled=False
        )
        self.reset()
        for widget in [*c.values(), self.replications, self.full]:
            widget.observe(lambda _change: self._update_estimate(), names="value")
        self._update_estimate()
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
                w.HBox([self.run_button, self.cancel_button, self.reset_button]),
                self.estimate,
                self.progress,
                self.status,
            ]
        )
        history_box = w.VBox(
            [
                w.HTML("<b>Designs tried</b> (tick to pin, then compare side by side)"),
                self.history_view,
                w.HBox([self.compare_button, self.export_button]),
                self.export_view,
            ]
        )
        self.widget: ipywidgets.Widget = w.VBox(
            [
                w.HTML(
                    f"{_CSS}<h3>gridsim explorer — baseline <i>{_html(self.base.name)}</i></h3>"
                    "<p>Change the design, press <b>Run</b>: the baseline and your design run "
                    "with the same seeds, and the table shows the paired difference "
                    "(95 % CI; bold and * when it excludes zero, green when better, red when "
                    "worse).</p>"
                ),
                w.HBox([grid_box, mech_box]),
                run_box,
                self.results,
                history_box,
            ]
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Shown as its widgets (what :func:`explore` returns is displayed as the widget)."""
        return self.widget._repr_mimebundle_(**kwargs)

    # -- state -------------------------------------------------------------

    @property
    def comparison(self) -> Comparison | None:
        """The last result (a run, or pinned designs compared): a gridsim Comparison."""
        return self._shown.comparison if self._shown is not None else None

    @property
    def running(self) -> bool:
        """Whether a run started with :meth:`start` is still going."""
        return self._thread is not None and self._thread.is_alive()

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
        330 without making a variant). Whole-number sliders give integers.
        """
        out: dict[str, Any] = {}
        for key, path in CONTROL_PATHS.items():
            base_value = _get(self.base, path)
            value = self.controls[key].value
            numeric = next((n for n in _NUMERIC if n.key == key), None)
            if numeric is not None:
                if abs(float(value) - float(base_value)) >= numeric.step / 2:
                    out[path] = int(value) if float(numeric.step).is_integer() else float(value)
            elif value != base_value:
                out[path] = value
        return out

    def _size_text(self, scenario: Scenario, full: bool) -> str:
        sizes = run_sizes(scenario)
        which = "full district" if full else "small district"
        return f"the {which} ({sizes.grids:,.0f} grids, {sizes.households:,.0f} households)"

    def _update_estimate(self) -> None:
        """Say how many runs the next *Run* takes, and about how long."""
        try:
            base = self.current_base()
            variant = base.with_changes(self.changes())
        except ScenarioError as exc:
            self.estimate.value = f"<span style='color:#b42318'>{_html(str(exc))}</span>"
            return
        reps = self.replications.value
        seed = base.simulation.seed
        keys = {(s.content_hash(), seed, r) for s in (base, variant) for r in range(reps)}
        todo = sum(k not in self.cache for k in keys)
        full = bool(self.full.value)
        if not todo:
            self.estimate.value = "Next run: every run is done already (instant)."
            return
        measured = self._seconds_per_run.get(full)
        if measured is not None:
            per, how = measured, "as measured on this explorer's last runs of that size"
        else:
            per = estimate_run(variant).seconds
            how = "estimated from the district's size; the first run also starts the model"
        self.estimate.value = (
            f"Next run: {todo} run{'' if todo == 1 else 's'} of {self._size_text(base, full)}, "
            f"about {format_seconds(per * todo)} ({format_seconds(per)} a run, {how})."
        )

    # -- actions -----------------------------------------------------------

    def run(self) -> pd.DataFrame | None:
        """Run the baseline and the design of the controls, wait, and show the result.

        Returns:
            The KPI table, or ``None`` if the design was invalid (the reason is
            shown and kept in :attr:`error`) or the run was cancelled.
        """
        base = self.current_base()
        changes = self.changes()
        full = bool(self.full.value)
        reps = int(self.replications.value)
        trial_number = len(self.history) + 1
        name = f"#{trial_number} {_short(changes)}"
        runs = self._execute(base, {name: changes}, reps, full)
        if runs is None:
            return None
        trial = Trial(trial_number, changes, full, reps, runs)
        self.history.append(trial)
        self._show(runs, [name])
        self.table = explorer_table(runs.comparison, name)
        self._finish(runs, full, reps, f"changes: {_short(changes)}")
        self._draw_history()
        return self.table

    def compare_pinned(self) -> Comparison | None:
        """The pinned designs side by side against the baseline, at the selected size.

        Runs what is missing at the selected size and replications (designs
        tried at another size or with fewer replications are run again there).

        Returns:
            The comparison (also shown, and :attr:`comparison`), or ``None``
            when nothing is pinned, the run failed or it was cancelled.
        """
        pinned = [t for t in self.history if t.pinned]
        if not pinned:
            self.status.value = "Pin designs in the history first (tick them)."
            return None
        full = bool(self.full.value)
        reps = int(self.replications.value)
        runs = self._execute(self.current_base(), {t.name: t.changes for t in pinned}, reps, full)
        if runs is None:
            return None
        self._show(runs, [t.name for t in pinned], compare=True)
        self._finish(runs, full, reps, f"{len(pinned)} pinned designs compared")
        return runs.comparison

    def start(self, compare: bool = False) -> threading.Thread | None:
        """Start :meth:`run` (or :meth:`compare_pinned`) in the background; *Run* calls this.

        The notebook stays responsive, so *Cancel* can stop it; :meth:`wait`
        waits for it.

        Returns:
            The thread, or ``None`` if a run is going already.
        """
        if self.running:
            return None
        self._thread = threading.Thread(
            target=self.compare_pinned if compare else self.run, name="gridsim-explorer"
        )
        self._thread.start()
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a run started with :meth:`start`.

        Returns:
            Whether it has finished.
        """
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def cancel(self) -> None:
        """Stop the run that is going after its current simulation (the runs done are kept)."""
        self._cancel.set()

    def _execute(
        self, base: Scenario, designs: dict[str, dict[str, Any]], reps: int, full: bool
    ) -> ExplorerRuns | None:
        executor = self.executor
        if executor is None and full:
            executor = ProcessExecutor()
        self._cancel.clear()
        self.error = None
        self.run_button.disabled = True
        self.compare_button.disabled = True
        self.cancel_button.disabled = False
        self.results.add_class(_STALE)
        previous = " (greyed: the table below is the previous result)" if self._shown else ""
        self.status.value = f"running {self._size_text(base, full)}…{previous}"
        total = [0]

        def progress(done: int, n: int) -> None:
            total[0] = n
            self.progress.max = max(n, 1)
            self.progress.value = done
            if self._cancel.is_set():
                raise Cancelled

        try:
            return explorer_designs(
                base,
                designs,
                reps,
                executor=executor,
                progress=progress,
                cache=self.cache,
            )
        except (ScenarioError, ValueError) as exc:
            self.error = str(exc)
            self.status.value = f"<span style='color:#b42318'>{_html(self.error)}</span>"
            return None
        except Cancelled:
            done = self.progress.value
            self.status.value = (
                f"Cancelled after {done} of {total[0]} runs; the runs done are kept, so "
                "running this design again only computes the rest."
            )
            return None
        finally:
            self.results.remove_class(_STALE)
            self.run_button.disabled = False
            self.compare_button.disabled = False
            self.cancel_button.disabled = True
            self._update_estimate()

    def _finish(self, runs: ExplorerRuns, full: bool, reps: int, what: str) -> None:
        if runs.ran:
            self._seconds_per_run[full] = runs.seconds / runs.ran
        total = len(runs.comparison.runs)
        cached = total - runs.ran
        if not runs.ran:
            ran = f"all {total} runs were done already"
        elif cached > 0:
            ran = f"{runs.ran} new runs and {cached} done already"
        else:
            ran = f"{runs.ran} run{'' if runs.ran == 1 else 's'}"
        designs = len(runs.scenarios)
        self.status.value = (
            f"Done in {runs.seconds:.1f} s: {ran}, on "
            f"{self._size_text(runs.scenarios[BASELINE], full)}; {designs} designs × {reps} "
            f"replication{'' if reps == 1 else 's'}, seed "
            f"{runs.scenarios[BASELINE].simulation.seed}; {_html(what)}."
        )
        self._update_estimate()

    def _show(self, runs: ExplorerRuns, names: list[str], compare: bool = False) -> None:
        self._shown = runs
        self.grid_values = runs.grid_values
        if compare:
            self.table_view.value = runs.comparison.overview(kpis=list(COMPARE_KPIS))._repr_html_()
        else:
            self.table_view.value = style_table(explorer_table(runs.comparison, names[0])).to_html()
        self._draw_map()

    def _draw_map(self) -> None:
        if self._shown is None or self.grid_values is None:
            return
        scenarios = dict(list(self._shown.scenarios.items())[:4])  # the baseline and three more
        fig = plot_grid_map(self.grid_values, scenarios, self.metric.value)
        self.map_view.value = fig._repr_png_()[0]

    def _draw_history(self) -> None:
        import ipywidgets as w

        rows = []
        for trial in reversed(self.history):
            box = w.Checkbox(value=trial.pinned, indent=False, layout=w.Layout(width="28px"))

            def pin(change: dict[str, Any], trial: Trial = trial) -> None:
                trial.pinned = bool(change["new"])

            box.observe(pin, names="value")
            rows.append(w.HBox([box, w.HTML(_html(trial.label()))]))
        self.history_view.children = rows

    def pin(self, *numbers: int) -> None:
        """Pin the designs with these history numbers (what ticking them does)."""
        for trial in self.history:
            if trial.number in numbers:
                trial.pinned = True
        self._draw_history()

    # -- export --------------------------------------------------------------

    def export_changes(self, number: int | None = None) -> dict[str, Any]:
        """A design as the ``changes`` of an experiment variant (or of ``with_changes``).

        Args:
            number: The design's number in the history; default: the controls' design.

        Returns:
            Dotted path → value.
        """
        if number is None:
            return self.changes()
        return dict(next(t for t in self.history if t.number == number).changes)

    def export_toml(self, number: int | None = None, name: str | None = None) -> str:
        """A design as an experiment file's ``[[variants]]`` entry (TOML).

        Args:
            number: The design's number in the history; default: the controls' design.
            name: The variant's name (default: the design's in the history).

        Returns:
            TOML text to paste into an experiment file (``scenarios/compare-*.toml``).
        """
        changes = self.export_changes(number)
        if name is None:
            name = (
                next(t.name for t in self.history if t.number == number)
                if number is not None
                else f"explorer: {_short(changes)}"
            )
        inline = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in changes.items())
        lines = [
            "# Made in the gridsim explorer; the district is the experiment's base scenario's",
            "# (the explorer's small district is not part of the design).",
            "[[variants]]",
            f"name = {json.dumps(name, ensure_ascii=False)}",
            f"changes = {{ {inline} }}" if inline else "changes = {}",
        ]
        return "\n".join(lines) + "\n"

    def _show_export(self) -> None:
        changes = self.export_changes()
        self.export_view.value = (
            self.export_toml() + "\n# In Python:\n" + f"changes = {changes!r}\n"
        )
        self.export_view.layout.display = ""


def _html(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def explore(
    base: Scenario | str | Path | None = None,
    small: bool = True,
    replications: int = 3,
    executor: Executor | None = None,
) -> Explorer:
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
        The :class:`Explorer`: displayed as its widgets when it is the last value of a
        cell; afterwards ``.comparison`` is the last result and ``.history`` the
        designs tried.
    """
    return Explorer(base, small=small, replications=replications, executor=executor)
