"""Interactive design explorer for Jupyter: change a design, rerun, compare with the baseline.

In a notebook::

    from gridsim.explorer import explore

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

The computation is a plain function, :func:`explorer_run`, that needs no
browser (nor ``ipywidgets``)::

    table, grids = explorer_run(base, {"staff.information_officers_per_grid": 2}, 3)

Baseline runs are cached per explorer, so moving one slider reruns only the
variant. ``ipywidgets`` comes with the ``notebooks`` extra
(``pip install 'gridsim[notebooks]'``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.district import District, build_district
from gridsim.experiments.executors import Executor, SerialExecutor, Task
from gridsim.experiments.statistics import compare
from gridsim.kpi_registry import GRID_COLUMNS, KPIS
from gridsim.kpis import KPI_DESCRIPTIONS
from gridsim.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from gridsim.streams import stream

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.figure import Figure

    from gridsim.experiments import Experiment

__all__ = [
    "BETTER",
    "CONTROL_PATHS",
    "EXPLORER_KPIS",
    "MAP_METRICS",
    "SMALL_DISTRICT",
    "Explorer",
    "experiment_from_file",
    "explore",
    "explorer_run",
    "grid_layout",
    "plot_grid_map",
    "style_table",
    "yuelu_baseline",
]

SMALL_DISTRICT: dict[str, Any] = {"district.communities": 12, "district.households": 14_000}
"""Changes that shrink the Yuelu district for quick runs.

Twelve communities of Yuelu's average size (about 1,150 households each): 42
grids at 330 households per grid, about 0.3 s per simulated year. Communities
keep their real size so that grid size still matters (a community always has
at least one grid).
"""

EXPLORER_KPIS: tuple[str, ...] = (
    "households_visited",
    "issues_latent",
    "issues_collected",
    "issues_resolved",
    "resolution_rate",
    "on_time_rate",
    "red_lights",
    "escalations",
    "median_days_to_close",
    "p90_days_to_close",
    "backlog_end",
    "satisfaction",
    "satisfaction_reported",
    "staff_hours",
    "cost",
    "grids",
)
"""KPIs shown in the explorer's table, in display order."""

BETTER: dict[str, int] = {k.name: k.sign for k in KPIS.values() if k.sign}
"""Direction of improvement of a KPI: ``1`` higher is better, ``-1`` lower is better
(from :data:`gridsim.kpi_registry.KPIS`).

KPIs not listed (latent issues, grids) describe the district, not its
performance, and are never coloured.
"""

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

MAP_METRICS: dict[str, str] = {
    "backlog_end": "Open cases at the end (backlog)",
    "issues_collected": "Issues collected",
    "visits_per_household": "Visits per household",
    "median_days_to_close": "Median days to close",
    "on_time_rate": "On-time rate",
}
"""Per-grid KPIs the map can be coloured by (column → label)."""


# ---------------------------------------------------------------------------
# scenarios


def _repo_scenarios() -> list[Path]:
    here = Path(__file__).resolve()
    starts = [Path.cwd(), *Path.cwd().parents, *here.parents]
    return [p / "scenarios" / "yuelu-2013.toml" for p in starts]


def yuelu_baseline(small: bool = False) -> Scenario:
    """The calibrated Yuelu 2013 baseline, optionally shrunk to a small district.

    Reads ``scenarios/yuelu-2013.toml`` from the working directory, one of its
    parents or the source checkout; falls back to the built-in defaults (the
    uncalibrated Yuelu values) when no scenarios folder is found.

    Args:
        small: Apply :data:`SMALL_DISTRICT`.

    Returns:
        The scenario.
    """
    path = next((p for p in _repo_scenarios() if p.is_file()), None)
    base = load_scenario(path) if path is not None else default_scenario()
    return base.with_changes(SMALL_DISTRICT) if small else base


def experiment_from_file(
    path: str | Path,
    changes: Mapping[str, Any] | None = None,
    replications: int | None = None,
    kpis: list[str] | tuple[str, ...] | None = None,
) -> Experiment:
    """Read an experiment file, adding the same changes to every variant.

    Handy for running a shipped comparison (``scenarios/compare-*.toml``) on
    a small district, or at another point of the calibration ridge, without
    writing a new file. A variant's own changes win over ``changes``.

    Args:
        path: Experiment file (TOML).
        changes: Dotted-path changes applied to every variant, e.g.
            :data:`SMALL_DISTRICT`.
        replications: Replications per variant instead of the file's.
        kpis: KPIs to compare instead of the file's (or the headline KPIs).

    Returns:
        The validated experiment.

    Raises:
        gridsim.experiment.ExperimentError: One line per problem.
    """
    from gridsim.experiments import Experiment, read_experiment_data
    from gridsim.fileio import display_path

    path = Path(path)
    data = read_experiment_data(path)
    vary = data.get("vary", {})  # the file's factors win too (a variant may not set them)
    extra = {k: v for k, v in (changes or {}).items() if k not in vary}
    if extra:
        data["variants"] = [
            {**v, "changes": {**extra, **v.get("changes", {})}} for v in data.get("variants", [])
        ]
        if not data["variants"]:  # factorial / design only: add a baseline that carries them
            data["variants"] = [{"name": "base", "changes": extra}]
    if replications is not None:
        data["replications"] = replications
        data["max_replications"] = max(replications, data.get("max_replications", 100))
    if kpis is not None:
        data["kpis"] = list(kpis)
    return Experiment.from_dict(data, root=path.resolve().parent, source=display_path(path))


# ---------------------------------------------------------------------------
# computing


@lru_cache(maxsize=32)
def _layout(hash_: str, scenario_json: str) -> District:
    scenario = Scenario.model_validate_json(scenario_json)
    return build_district(scenario, stream(scenario.simulation.seed, 0, "structure"))


def grid_layout(scenario: Scenario, seed: int | None = None) -> District:
    """The district structure of a scenario: grid positions and adjacency graph.

    The structure does not depend on the replication, so this is the layout
    every run of the scenario uses (``District.grid_xy``, ``District.graph``),
    built without simulating anything.

    Args:
        scenario: The scenario.
        seed: Root seed (defaults to the scenario's).

    Returns:
        The district.
    """
    if seed is not None:
        scenario = scenario.with_changes({"simulation.seed": int(seed)})
    return _layout(scenario.content_hash(), scenario.model_dump_json())


def _kpis(payload: Mapping[str, Any]) -> dict[str, float]:
    return {k: (math.nan if v is None else float(v)) for k, v in payload["kpis"].items()}


def _mean_grids(payloads: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-grid columns averaged over replications (NaN where no replication has a value)."""
    columns = {}
    for c in GRID_COLUMNS:
        values = np.array(
            [[np.nan if v is None else v for v in p["grids"][c]] for p in payloads], dtype=float
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN grids stay NaN
            columns[c] = np.nanmean(values, axis=0)
    return pd.DataFrame(columns)


def _progress_callback(
    progress: bool | Callable[[int, int], None], total: int
) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    if callable(progress):
        return progress, lambda: None
    if not progress:
        return (lambda _done, _total: None), lambda: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="explorer", unit="run", leave=False)

    def update(done: int, _total: int) -> None:
        bar.n = done
        bar.refresh()

    return update, bar.close


def explorer_run(
    base: Scenario,
    changes: Mapping[str, Any],
    replications: int = 3,
    *,
    kpis: tuple[str, ...] | list[str] = EXPLORER_KPIS,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | Callable[[int, int], None] = False,
    cache: MutableMapping[tuple[str, int, int], dict[str, Any]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run a baseline and a changed design with the same seeds and compare them.

    Replication ``r`` of both designs uses the same root seed and ``r``, so
    they see the same latent issues in the same households; the difference is
    taken per replication and then summarised (mean and 95 % CI), which is
    far more precise than comparing two independent means.

    Args:
        base: The baseline scenario.
        changes: Dotted-path changes that make the variant, e.g.
            ``{"staff.information_officers_per_grid": 2}``; empty for none.
        replications: Replications of each design (``0 .. replications - 1``).
        kpis: KPIs in the table.
        seed: Root seed (defaults to the baseline's).
        executor: Where to run (default: :class:`~gridsim.executors.SerialExecutor`).
        progress: ``True`` for a progress bar (a widget in a notebook), or a
            callback ``progress(done, total)``.
        cache: Payloads of earlier runs keyed by ``(scenario_hash, seed,
            replication)``; runs found there are not recomputed, new ones are
            added. The explorer keeps one so the baseline runs only once.

    Returns:
        ``(table, grid_values)``. ``table`` is indexed by KPI with columns
        ``description``, ``baseline``, ``variant`` (means), ``diff``,
        ``diff_lo``, ``diff_hi`` (paired difference variant − baseline and
        its 95 % CI), ``diff_pct`` (% of the baseline mean) and ``n_pairs``.
        ``grid_values`` has one row per grid of each design: ``design``
        (``"baseline"`` or ``"variant"``), ``grid``, ``x``, ``y`` and the
        per-grid KPIs of :data:`gridsim.executors.GRID_COLUMNS`, averaged over
        the replications.

    Raises:
        ValueError: If ``replications`` < 1.
        gridsim.ScenarioError: If a change names an unknown parameter or an
            invalid value.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    variant = base.with_changes(dict(changes)) if changes else base
    seed = base.simulation.seed if seed is None else int(seed)
    designs = {"baseline": base, "variant": variant}
    hashes = {name: s.content_hash() for name, s in designs.items()}
    store: MutableMapping[tuple[str, int, int], dict[str, Any]] = cache if cache is not None else {}
    todo: dict[tuple[str, int, int], Task] = {}
    for name, scenario in designs.items():
        for r in range(replications):
            key = (hashes[name], seed, r)
            if key not in store and key not in todo:
                todo[key] = Task(name, hashes[name], r, seed, scenario.to_dict())
    update, close = _progress_callback(progress, len(todo))
    try:
        update(0, len(todo))
        for done, (task, payload) in enumerate(
            (executor or SerialExecutor()).run(list(todo.values())), 1
        ):
            store[(task.scenario_hash, task.seed, task.replication)] = payload
            update(done, len(todo))
    finally:
        close()
    rows = []
    grid_frames = []
    for name, scenario in designs.items():
        payloads = [store[(hashes[name], seed, r)] for r in range(replications)]
        rows += [{"variant": name, "replication": r, **_kpis(p)} for r, p in enumerate(payloads)]
        grids = _mean_grids(payloads)
        xy = grid_layout(scenario, seed).grid_xy
        grids.insert(0, "y", xy[:, 1])
        grids.insert(0, "x", xy[:, 0])
        grids.insert(0, "grid", np.arange(len(grids)))
        grids.insert(0, "design", name)
        grid_frames.append(grids)
    runs = pd.DataFrame(rows)
    tidy = compare(runs, "baseline", list(kpis)).set_index(["variant", "kpi"])
    table = pd.DataFrame(
        {
            "description": [KPI_DESCRIPTIONS.get(k, "") for k in kpis],
            "baseline": tidy.loc["baseline", "mean"].reindex(kpis).to_numpy(),
            "variant": tidy.loc["variant", "mean"].reindex(kpis).to_numpy(),
        },
        index=pd.Index(list(kpis), name="kpi"),
    )
    for col in ("diff", "diff_lo", "diff_hi", "diff_pct", "n_pairs"):
        table[col] = tidy.loc["variant", col].reindex(kpis).to_numpy()
    return table, pd.concat(grid_frames, ignore_index=True)


# ---------------------------------------------------------------------------
# drawing


def style_table(table: pd.DataFrame) -> Any:
    """A pandas ``Styler`` of an :func:`explorer_run` table for display.

    Differences whose 95 % CI excludes zero are bold, and green when the
    change is an improvement (see :data:`BETTER`) or red when it is worse.

    Args:
        table: The table from :func:`explorer_run`.

    Returns:
        A ``pandas.io.formats.style.Styler``.
    """

    def fmt(v: float) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "–"
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"

    def colour(row: pd.Series) -> list[str]:
        out = [""] * len(row)
        lo, hi = row["diff_lo"], row["diff_hi"]
        if not (lo > 0 or hi < 0):
            return out
        sign = BETTER.get(str(row.name), 0) * (1 if lo > 0 else -1)
        style = "font-weight: bold"
        if sign > 0:
            style += "; color: #1a7f37"
        elif sign < 0:
            style += "; color: #b42318"
        for i, col in enumerate(row.index):
            if col in ("diff", "diff_lo", "diff_hi", "diff_pct"):
                out[i] = style
        return out

    numeric = ["baseline", "variant", "diff", "diff_lo", "diff_hi"]
    return (
        table.style.format(fmt, subset=numeric)
        .format(lambda v: "–" if pd.isna(v) else f"{v:+.1f} %", subset=["diff_pct"])
        .format("{:.0f}", subset=["n_pairs"])
        .apply(colour, axis=1)
        .set_properties(subset=["description"], **{"text-align": "left"})
    )


def _draw_map(
    ax: Any,
    layout: District,
    values: np.ndarray,
    households: np.ndarray,
    vmin: float,
    vmax: float,
    title: str,
) -> Any:
    from matplotlib.collections import LineCollection

    xy = layout.grid_xy
    edges = np.array(list(layout.graph.edges), dtype=int).reshape(-1, 2)
    if len(edges):
        ax.add_collection(LineCollection(xy[edges], colors="#c8c8c8", linewidths=0.6, zorder=1))
    size = 12 + 60 * households / max(float(np.max(households)), 1.0)
    points = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        c=values,
        s=size,
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        edgecolors="white",
        linewidths=0.4,
        zorder=2,
    )
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return points


def plot_grid_map(
    grid_values: pd.DataFrame,
    scenarios: Mapping[str, Scenario],
    metric: str = "backlog_end",
    seed: int | None = None,
) -> Figure:
    """Grid maps of :func:`explorer_run`'s ``grid_values``, one panel per design.

    Each grid is drawn at its position, sized by its households and coloured
    by ``metric`` on one colour scale shared by the panels; lines join
    adjacent grids.

    Args:
        grid_values: The per-grid frame from :func:`explorer_run`.
        scenarios: Design name (``"baseline"``, ``"variant"``) → its scenario
            (for the layout).
        metric: Per-grid column to colour by (see :data:`MAP_METRICS`).
        seed: Root seed the runs used (defaults to each scenario's).

    Returns:
        The matplotlib figure (the caller displays or closes it).
    """
    import matplotlib.pyplot as plt

    names = [n for n in scenarios if (grid_values["design"] == n).any()]
    values = grid_values[metric].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    vmin = float(finite.min()) if len(finite) else 0.0
    vmax = float(finite.max()) if len(finite) else 1.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names) + 1.0, 4.8), squeeze=False)
    points = None
    for ax, name in zip(axes[0], names, strict=True):
        frame = grid_values[grid_values["design"] == name]
        layout = grid_layout(scenarios[name], seed)
        total = np.nansum(frame[metric]) if metric in ("backlog_end", "issues_collected") else None
        extra = f", total {total:,.1f}" if total is not None else ""
        points = _draw_map(
            ax,
            layout,
            frame[metric].to_numpy(dtype=float),
            frame["households"].to_numpy(dtype=float),
            vmin,
            vmax,
            f"{name}: {layout.n_grids} grids{extra}",
        )
    if points is not None:
        fig.colorbar(
            points, ax=axes[0].tolist(), shrink=0.85, label=MAP_METRICS.get(metric, metric)
        )
    return fig


# ---------------------------------------------------------------------------
# the widget


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
            options=[("same day", "same_day"), ("weekly batch", "batched")],
            description="Collection (集)",
            style=style,
        )
        c["assignment"] = w.ToggleButtons(
            options=[("tiered", "tiered"), ("central", "central")],
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
            from gridsim.experiments.executors import ProcessExecutor

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
