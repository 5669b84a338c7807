"""The tutorial notebooks run top to bottom, gridsim shows itself in a fresh kernel, and the
explorer computes and builds.

Every notebook is executed with ``GRIDSIM_NOTEBOOK_SMALL=1`` (small district,
few replications) in a kernel of *this* interpreter: the kernel spec is
ipykernel's built-in one (``sys.executable -m ipykernel_launcher``), found
without any registered kernel, and a last cell checks the kernel's
``sys.prefix``. Any cell error fails the test. Every kernel is shut down when
its notebook ends, passed or failed (nbclient leaves a kernel it did not start
running: the tests start it, so they stop it), and a test checks that none is
left behind.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import gridsim
from gridsim.experiments import SerialExecutor
from gridsim.jupyter import SMALL_DISTRICT, experiment_from_file, explorer_run

ROOT = Path(__file__).parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = (
    "01-quickstart.ipynb",
    "02-grid-size.ipynb",
    "03-staffing-and-mechanisms.ipynb",
    "04-calibration.ipynb",
    "05-scaling-out-with-dask.ipynb",
    "06-planning.ipynb",
)
CELL_TIMEOUT = 300
"""Seconds one cell may take (the whole small notebook takes well under a minute)."""


def test_every_notebook_is_listed_and_stored_without_outputs() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)
    for name in NOTEBOOKS:
        nb = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, name
        assert "GRIDSIM_NOTEBOOK_SMALL" in "".join(code[0]["source"]), (
            f"{name}: the small/full switch must be the first code cell"
        )
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
            f"{name}: clear the outputs before committing"
        )


def _kernel_manager() -> Any:
    """A kernel manager whose only kernel is this interpreter's ipykernel."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def _kernel_processes() -> list[int]:
    """Process ids of the ipykernels this test process started (and that are still running)."""
    import psutil

    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(
                child.cmdline()
            ):
                out.append(child.pid)
        except psutil.Error:  # ended while we looked
            continue
    return out


def execute_notebook(nb: Any, timeout: int = CELL_TIMEOUT) -> int:
    """Run every cell of ``nb`` in a fresh kernel of this interpreter, then shut the kernel down.

    nbclient shuts down only kernels whose manager it made itself; this one is
    passed in (to pin the interpreter), so it is shut down here, whether the
    notebook passed or failed.

    Returns:
        The process id the kernel had (gone when this returns).

    Raises:
        nbclient.exceptions.CellExecutionError: On the first failing cell.
    """
    import nbclient

    km = _kernel_manager()
    client = nbclient.NotebookClient(
        nb, km=km, timeout=timeout, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    pid = -1
    try:
        with client.setup_kernel():
            pid = km.provisioner.process.pid
            client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        km.cleanup_resources()
    return pid


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    monkeypatch.setenv("GRIDSIM_NOTEBOOK_SMALL", "1")
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell("import sys; print(repr((sys.executable, sys.prefix)))")
    )
    before = _kernel_processes()
    start = time.perf_counter()
    pid = execute_notebook(nb)  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    executable, prefix = ast.literal_eval(printed.strip())
    assert (executable, prefix) == (sys.executable, sys.prefix)
    assert pid not in _kernel_processes() and _kernel_processes() == before  # no leaked kernel
    print(f"{name}: {elapsed:.1f} s")


def test_a_notebook_kernel_is_shut_down_even_when_a_cell_fails() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    )
    before = _kernel_processes()
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="ZeroDivisionError"):
        execute_notebook(nb)
    assert _kernel_processes() == before


def _outputs(cell: Any) -> dict[str, Any]:
    """The data of a cell's displayed value (its ``execute_result``)."""
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1, cell.outputs
    return dict(results[0].data)


@pytest.mark.slow
def test_a_fresh_kernel_shows_figures_as_images_and_a_comparison_as_a_table() -> None:
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    new = nbformat.v4.new_code_cell
    experiment = ROOT / "scenarios" / "compare-grid-size.toml"
    cells = [
        new(
            "import tempfile\n"
            "from gridsim.experiments import SerialExecutor\n"
            "from gridsim.jupyter import SMALL_DISTRICT, experiment_from_file\n"
            "from gridsim.store import Workspace\n"
            "workspace = Workspace('fresh', store=tempfile.mkdtemp())\n"
            f"experiment = experiment_from_file({str(experiment)!r}, SMALL_DISTRICT, 2)\n"
            "comparison = experiment.run(workspace, SerialExecutor(), progress=False)"
        ),
        new("comparison"),
        new("from gridsim import plots\nplots.kpi_differences(comparison)"),
        new("comparison.plot('kpi_means')"),
        new("experiment"),
        new(
            "from gridsim.jupyter import explore\n"
            "explorer = explore(replications=1, executor=SerialExecutor())\n"
            "explorer.controls['collection'].value = 'batched'\n"
            "explorer.start()  # what Run does: in the background\n"
            "assert explorer.wait(120)\n"
            "explorer"
        ),
        new("explorer.status.value[:8], len(explorer.comparison.experiment.variants)"),
        new("import sys\n'matplotlib.pyplot' in sys.modules"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert not any("%matplotlib" in c.source or "pyplot" in c.source for c in cells[:-1])
    execute_notebook(nb)
    table = _outputs(nb.cells[1])["text/html"]
    assert table.count("<table") == 1 and "to_html" not in table
    rows = re.findall(r"<tr[ >]", table)
    assert len(rows) == 1 + 4  # a header, then the four designs of compare-grid-size
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    assert "Cost (million yuan)" in headers and "On-time closure rate (%)" in headers
    assert "330 households (baseline)" in table
    assert "nan" not in table and ".000" not in table and "e+0" not in table
    assert re.search(r"[+\u2212]\d+ %\*", table)  # differences in %, marked when sure
    assert "#1a7f37" in table and "#b42318" in table  # better and worse, coloured
    for cell in (nb.cells[2], nb.cells[3]):
        png = base64.b64decode(_outputs(cell)["image/png"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "Changes to the base scenario" in _outputs(nb.cells[4])["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in _outputs(nb.cells[5])
    assert _outputs(nb.cells[6])["text/plain"] == "('Done in ', 2)"  # ran in a thread
    assert _outputs(nb.cells[7])["text/plain"] == "False"  # no pyplot was needed


# -- the explorer --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_base() -> gridsim.Scenario:
    yuelu = gridsim.load_scenario(ROOT / "scenarios" / "yuelu-2013.toml")
    return yuelu.with_changes(SMALL_DISTRICT)


class CountingExecutor(SerialExecutor):
    """A serial executor that counts the tasks it ran."""

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[tuple[str, int]] = []

    def run(self, tasks: list[Any]) -> Any:
        for task in tasks:
            self.ran.append((task.variant, task.replication))
        yield from super().run(tasks)


def test_more_information_officers_collect_more_issues(small_base: gridsim.Scenario) -> None:
    # Four pairs: with two, the t interval (1 degree of freedom, t = 12.7) can
    # include zero even for this +40 % effect.
    table, grids = explorer_run(small_base, {"staff.information_officers_per_grid": 2.0}, 4)
    collected = table.loc["issues_collected"]
    assert collected["n_pairs"] == 4
    assert collected["variant"] > collected["baseline"]
    assert collected["diff_lo"] > 0  # the paired 95 % CI excludes zero
    assert collected["diff"] == pytest.approx(collected["variant"] - collected["baseline"])
    assert table.loc["households_visited", "diff"] > 0
    assert table.loc["issues_latent", "diff"] == 0  # common random numbers: same latent issues
    assert set(grids["design"]) == {"baseline", "variant"}
    n_grids = int(table.loc["grids", "baseline"])
    assert (grids["design"] == "baseline").sum() == n_grids
    assert {"x", "y", "backlog_end", "visits_per_household"} <= set(grids.columns)


def test_explorer_run_reuses_cached_runs(small_base: gridsim.Scenario) -> None:
    cache: dict[tuple[str, int, int], dict[str, Any]] = {}
    first = CountingExecutor()
    explorer_run(small_base, {"reply.public": False}, 2, executor=first, cache=cache)
    assert sorted(first.ran) == [("baseline", 0), ("baseline", 1), ("variant", 0), ("variant", 1)]
    second = CountingExecutor()
    table, _ = explorer_run(
        small_base, {"collect.mode": "batched"}, 2, executor=second, cache=cache
    )
    assert sorted(second.ran) == [("variant", 0), ("variant", 1)]  # the baseline is cached
    assert table.loc["median_days_to_close", "diff"] > 0


def test_explorer_run_without_changes_has_zero_differences(small_base: gridsim.Scenario) -> None:
    runner = CountingExecutor()
    table, _ = explorer_run(small_base, {}, 1, executor=runner)
    assert runner.ran == [("baseline", 0)]  # identical designs run once
    assert (table["diff"].dropna() == 0).all()


def test_explorer_run_rejects_bad_input(small_base: gridsim.Scenario) -> None:
    with pytest.raises(gridsim.ScenarioError, match="households_per_grd"):
        explorer_run(small_base, {"grids.households_per_grd": 500}, 1)
    with pytest.raises(ValueError, match="replications"):
        explorer_run(small_base, {}, 0)


def test_experiment_from_file_adds_changes_to_every_variant() -> None:
    exp = experiment_from_file(
        ROOT / "scenarios" / "compare-staffing.toml", SMALL_DISTRICT, 2, kpis=["cost"]
    )
    assert exp.spec.replications == 2
    assert exp.spec.kpis == ["cost"]
    assert all(v.scenario.district.households == 14_000 for v in exp.variants)
    officers = {v.name: v.scenario.staff.information_officers_per_grid for v in exp.variants}
    assert officers["two information officers"] == 2.0


def _widgets(root: Any) -> list[Any]:
    seen: list[Any] = []
    stack = [root]
    while stack:  # every control is somewhere in the widget tree
        w = stack.pop()
        seen.append(w)
        stack.extend(getattr(w, "children", ()))
    return seen


def test_explore_returns_an_explorer_that_shows_its_widgets() -> None:
    widgets = pytest.importorskip("ipywidgets")
    from gridsim.jupyter import CONTROL_PATHS, Explorer, explore

    explorer = explore()
    assert isinstance(explorer, Explorer) and explorer.comparison is None
    assert isinstance(explorer.widget, widgets.Widget)
    bundle = explorer._repr_mimebundle_()  # a cell's value: displayed as the widget
    assert "application/vnd.jupyter.widget-view+json" in bundle
    seen = _widgets(explorer.widget)
    buttons = {w.description for w in seen if isinstance(w, widgets.Button)}
    assert {"Run", "Cancel", "Reset to baseline", "Compare pinned", "Export this design"} <= buttons
    assert len([w for w in seen if isinstance(w, widgets.Checkbox)]) >= 6
    assert len(CONTROL_PATHS) == 12
    assert "~1 s" not in explorer.full.description  # no promise; the estimate says
    assert "166 communities, 191,232 households" in explorer.full.description
    assert explorer.estimate.value.startswith("Next run: 3 runs of the small district (42 grids,")


class CancellingExecutor(CountingExecutor):
    """Asks the explorer to cancel once the first run is done, and sees what it shows."""

    def __init__(self, explorer: Any = None) -> None:
        super().__init__()
        self.explorer = explorer
        self.greyed: list[bool] = []

    def run(self, tasks: list[Any]) -> Any:
        for task, payload in super().run(tasks):
            self.greyed.append("gridsim-stale" in self.explorer.results._dom_classes)
            if self.explorer.cancel_on_first:
                self.explorer.cancel()
            yield task, payload


def test_explorer_controls_drive_a_run() -> None:
    pytest.importorskip("ipywidgets")
    from gridsim.experiments import Comparison
    from gridsim.jupyter import Explorer

    executor = CancellingExecutor()
    explorer = Explorer(replications=1, executor=executor)
    executor.explorer, explorer.cancel_on_first = explorer, False
    assert explorer.changes() == {}  # controls start at the baseline (329.7 shows as 330)
    explorer.controls["information_officers_per_grid"].value = 2.0
    explorer.controls["time_limits"].value = False
    assert explorer.controls["escalation"].value is False
    assert explorer.controls["escalation"].disabled
    assert explorer.changes() == {
        "staff.information_officers_per_grid": 2.0,
        "deadlines.enabled": False,
        "deadlines.escalation": False,
    }
    assert "Next run: 2 runs of the small district (42 grids, 14,000 households)" in (
        explorer.estimate.value
    )
    assert "estimated from the district's size" in explorer.estimate.value
    explorer.run_button.click()  # what pressing "Run" does: runs in the background
    assert explorer.wait(120)
    table = explorer.table
    assert table is not None and explorer.error is None
    assert table.loc["issues_collected", "diff"] > 0
    assert explorer.grid_values is not None
    assert isinstance(explorer.comparison, Comparison)  # the last result, for code
    assert explorer.comparison.experiment.baseline.name == "baseline"
    status = explorer.status.value
    assert (
        status.startswith("Done in ") and " s: 2 runs, on the small district (42 grids," in status
    )
    assert "1 replication, seed 2013" in status
    assert executor.greyed == [True, True]  # the old result greyed while the runs went
    assert "gridsim-stale" not in explorer.results._dom_classes
    assert "<table" in explorer.table_view.value and "Issues collected" in explorer.table_view.value
    assert explorer.map_view.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "every run is done already" in explorer.estimate.value
    explorer.controls["households_per_grid"].value = 500
    assert explorer.changes()["grids.households_per_grid"] == 500
    assert type(explorer.changes()["grids.households_per_grid"]) is int  # not 500.0
    assert "as measured on this explorer's last runs" in explorer.estimate.value
    explorer.controls["cadres_per_grid"].value = 0.0
    explorer.reset()
    assert explorer.changes() == {}


def test_explorer_cancels_between_runs_and_keeps_what_is_done() -> None:
    pytest.importorskip("ipywidgets")
    from gridsim.jupyter import Explorer

    executor = CancellingExecutor()
    explorer = Explorer(replications=2, executor=executor)
    executor.explorer, explorer.cancel_on_first = explorer, True
    explorer.controls["collection"].value = "batched"
    assert explorer.run() is None  # cancelled after the first of four runs
    assert len(executor.ran) == 4 and len(executor.greyed) == 1  # four asked, one done
    assert explorer.status.value.startswith("Cancelled after 1 of 4 runs")
    assert explorer.history == [] and explorer.comparison is None and len(explorer.cache) == 1
    assert not explorer.run_button.disabled and explorer.cancel_button.disabled
    explorer.cancel_on_first = False
    executor.ran.clear()
    assert explorer.run() is not None
    assert len(executor.ran) == 3  # only what the cancelled run had not done
    assert ("baseline", 0) not in executor.ran


def test_explorer_history_pins_compares_and_exports_designs() -> None:
    pytest.importorskip("ipywidgets")
    import tomllib

    from gridsim.experiments import Experiment
    from gridsim.jupyter import Explorer

    explorer = Explorer(replications=1, executor=SerialExecutor())
    explorer.controls["households_per_grid"].value = 500
    explorer.run()
    explorer.reset()
    explorer.controls["collection"].value = "batched"
    explorer.controls["information_officers_per_grid"].value = 1.5
    explorer.run()
    assert [t.number for t in explorer.history] == [1, 2]
    assert explorer.history[0].changes == {"grids.households_per_grid": 500}
    assert explorer.history[0].name == "#1 households_per_grid=500"
    assert "small district, 1 replication" in explorer.history[1].label()
    assert len(explorer.history_view.children) == 2
    assert explorer.compare_pinned() is None and "Pin designs" in explorer.status.value
    explorer.history_view.children[0].children[0].value = True  # tick the newest (#2)
    explorer.pin(1)
    assert [t.pinned for t in explorer.history] == [True, True]
    side_by_side = explorer.compare_pinned()
    assert side_by_side is not None and explorer.comparison is side_by_side
    names = [v.name for v in side_by_side.experiment.variants]
    assert names == ["baseline", explorer.history[0].name, explorer.history[1].name]
    assert explorer.table_view.value.count("#1 households_per_grid=500") == 1
    assert "#2 " in explorer.table_view.value and "gridsim-overview" in explorer.table_view.value

    toml = explorer.export_toml(2)
    variant = tomllib.loads(toml)["variants"][0]
    assert variant["name"] == explorer.history[1].name
    assert variant["changes"] == {
        "staff.information_officers_per_grid": 1.5,
        "collect.mode": "batched",
    }
    assert explorer.export_changes(2) == variant["changes"]
    assert tomllib.loads(explorer.export_toml(1))["variants"][0]["changes"] == {
        "grids.households_per_grid": 500
    }
    experiment = Experiment.from_dict(
        {"name": "exported", "base": "yuelu-2013.toml", "variants": [variant]},
        root=ROOT / "scenarios",
    )
    scenario = experiment.variants[0].scenario
    assert scenario.collect.mode == "batched"
    assert scenario.staff.information_officers_per_grid == 1.5
    explorer.export_button.click()
    assert (
        "[[variants]]" in explorer.export_view.value and "changes = {" in explorer.export_view.value
    )
