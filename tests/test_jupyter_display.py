"""What gridsim shows in Jupyter: figures as images, a comparison at a glance, summaries.

These build comparisons from made-up runs (no simulation), so every number shown is
known: a count that rises, a rate that falls, a backlog that grows, a KPI that never
moves. ``tests/test_notebooks.py`` checks the same displays in a real kernel.
"""

from __future__ import annotations

import html
import io
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridsim
from gridsim import plots
from gridsim.experiments import Comparison, Experiment, SerialExecutor, compare
from gridsim.reports.drawing import ReportFigure
from gridsim.reports.overview import BAD, GOOD, UNCLEAR, overview
from gridsim.store import Workspace

ROOT = Path(__file__).parents[1]
KPIS = ["issues_collected", "on_time_rate", "backlog_end", "cost", "grids", "median_days_to_close"]


def _experiment(data: dict) -> Experiment:
    base = {"name": "shown", "base": "yuelu-2013.toml", "replications": 4, "kpis": KPIS}
    return Experiment.from_dict({**base, **data}, root=ROOT / "scenarios")


def _comparison() -> Comparison:
    """Three designs × four replications whose differences are known exactly."""
    experiment = _experiment(
        {
            "variants": [
                {"name": "today"},
                {"name": "more officers", "changes": {"staff.information_officers_per_grid": 2}},
                {"name": "batched", "changes": {"collect.mode": "batched"}},
            ]
        }
    )
    rng = np.random.default_rng(1)
    rows = []
    for r in range(4):
        base = {
            "issues_collected": 9154.7 + 30 * r,
            "on_time_rate": 0.895 + 0.002 * r,
            "backlog_end": 131.0 + 2 * r,
            "cost": 67_889_800.0,
            "grids": 580.0,
            "median_days_to_close": 4.0,
        }
        rows.append({"variant": "today", "replication": r, **base})
        rows.append(
            {
                "variant": "more officers",
                "replication": r,
                **base,
                "issues_collected": base["issues_collected"] * 1.4,  # better: green
                "backlog_end": base["backlog_end"] * 1.6,  # worse: red
                "cost": base["cost"] * 1.22,  # worse: red
                "on_time_rate": base["on_time_rate"] + rng.normal(0, 0.01),  # unclear: grey
            }
        )
        rows.append(
            {
                "variant": "batched",
                "replication": r,
                **base,
                "median_days_to_close": 8.0,  # +4 days, exactly: worse
                "on_time_rate": base["on_time_rate"] + 0.004,  # +0.4 pp, exactly: better
            }
        )
    runs = pd.DataFrame(rows)
    return Comparison(experiment, runs, compare(runs, "today", KPIS))


def _cells(page: str) -> list[list[str]]:
    """The table's rows, each a list of its cells' text (tags removed)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    out = []
    for row in rows:
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        out.append(
            [html.unescape(re.sub(r"<br>", " | ", re.sub(r"<(?!br)[^>]+>", "", c))) for c in cells]
        )
    return out


def test_a_comparison_shows_designs_by_kpis_in_reading_units():
    comparison = _comparison()
    page = comparison._repr_html_()
    assert page == comparison.overview().html
    head, base, more, batched = _cells(page)
    assert head == [
        "Design",
        "Issues collected",
        "On-time closure rate (%)",
        "Backlog at year end",
        "Cost (million yuan)",
        "Grids",
        "Median days to close",
    ]
    # The baseline's means: counts without decimals, rates in %, cost in million yuan.
    assert base == ["today (baseline)", "9,200", "89.8", "134", "67.9", "580", "4.0"]
    # The others: the paired difference (marked * when its CI excludes zero) above the mean.
    assert more[1] == "+40 %* | 12,880" and more[3] == "+60 %* | 214"
    assert more[4] == "+22 %* | 82.8" and more[5] == "0 % | 580"
    assert batched[2] == "+0.4 pp* | 90.2" and batched[6] == "+4.0 days* | 8.0"
    assert "nan" not in page and ".000" not in page and "e+0" not in page
    assert "9154.7" not in page and "67,889,800" not in page


def test_a_comparison_colours_a_difference_by_whether_it_is_better():
    shown = overview(_comparison())
    colour = {
        (d, k): re.search(r"color:(#[0-9a-f]{6})", cell).group(1)
        for d, k, cell in _coloured_cells(shown.html)
    }
    assert colour[("more officers", "issues_collected")] == GOOD  # more collected: better
    assert colour[("more officers", "backlog_end")] == BAD  # the same sign, worse
    assert colour[("more officers", "cost")] == BAD
    assert colour[("more officers", "on_time_rate")] == UNCLEAR  # the CI includes zero
    assert colour[("batched", "on_time_rate")] == GOOD
    assert colour[("batched", "median_days_to_close")] == BAD
    assert colour[("more officers", "grids")] == UNCLEAR  # no change
    assert shown.verdicts.loc["more officers", "issues_collected"] == 1
    assert shown.verdicts.loc["more officers", "backlog_end"] == -1
    assert shown.verdicts.loc["more officers", "grids"] == 0
    assert shown.differences.loc["more officers", "issues_collected"] == pytest.approx(40.0)
    assert shown.differences.loc["batched", "on_time_rate"] == pytest.approx(0.4)  # in pp


def _coloured_cells(page: str) -> list[tuple[str, str, str]]:
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)[1:]:
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        design = re.sub(r"<[^>]+>", "", cells[0])
        for kpi, cell in zip(KPIS, cells[1:], strict=True):
            if "color:" in cell:
                out.append((design, kpi, cell))
    return out


def test_a_comparison_lists_at_most_a_dozen_designs_and_reads_chinese():
    comparison = _comparison()
    page = overview(comparison, max_designs=2).html
    assert len(_cells(page)) == 1 + 2 + 1  # the header, two designs, "… and 1 more"
    assert "… and 1 more designs" in page
    zh = overview(comparison, lang="zh").html
    assert "受理量" in zh and "成本（万元）" in zh and "6,789" in zh  # 万元
    assert "个百分点" in zh and "today（基准）" in zh
    assert repr(comparison) == (
        "<Comparison 'shown': 3 designs × 4 replications, 6 KPIs, baseline 'today'>"
    )


def test_figures_show_as_images_and_still_save(tmp_path: Path):
    fig = _comparison().plot()  # the paired differences
    assert isinstance(fig, ReportFigure)
    png, meta = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert meta == {"width": round(width * 100 / 150), "height": round(height * 100 / 150)}
    assert isinstance(plots.kpi_means(_comparison()), ReportFigure)
    fig.savefig(tmp_path / "script.png")  # in a script: an ordinary figure
    assert (tmp_path / "script.png").read_bytes()[:4] == b"\x89PNG"
    png_path, svg_path = plots.save_figure(fig, tmp_path, "report")  # and in a report
    assert png_path.stat().st_size > 5_000 and b"<svg" in svg_path.read_bytes()[:2_000]
    with pytest.raises(ValueError, match="unknown figure 'nope'"):
        _comparison().plot("nope")


def test_an_experiment_shows_its_designs_without_hashes_or_raw_floats():
    experiment = _experiment(
        {
            "variants": [
                {"name": "today"},
                {"name": "scaled", "changes": {"staff.cadres_per_grid": 1.0741 * 800 / 329.7}},
            ],
            "design": {
                "method": "morris",
                "samples": 4,
                "parameters": {"deadlines.compliance": [0.5, 0.95]},
            },
        }
    )
    page = experiment._repr_html_()
    assert experiment.variants[1].scenario_hash not in page
    assert "staff.cadres_per_grid = 2.606" in page  # not 2.6062...
    assert "today (baseline)" in page and "(the base scenario)" in page
    assert "[design] 4 Morris trajectories over deadlines.compliance 0.5…0.95" in page
    listed = re.findall(r"<td[^>]*>(morris \d{3})</td>", page)
    assert listed == ["morris 000", "morris 001", "morris 002"]  # three sampled points listed
    assert "… and 5 more designs" in page
    assert repr(experiment) == (
        "<Experiment 'shown': 10 designs × 4 replications, seed 2013, baseline 'today'>"
    )


def test_a_run_and_a_workspace_show_summaries(tmp_path: Path):
    scenario = gridsim.load_scenario(ROOT / "scenarios" / "yuelu-2013.toml").with_changes(
        {"district.communities": 3, "district.households": 3_000, "simulation.days": 60}
    )
    page = gridsim.run_scenario(scenario)._repr_html_()
    cells = dict(
        (c[0], c[1])
        for c in _cells(page)
        if len(c) == 3 and c[0] in ("Grids", "Cost", "Satisfaction rate")
    )
    assert re.fullmatch(r"\d+", cells["Grids"])
    assert re.fullmatch(r"\d+\.\d M yuan", cells["Cost"])
    assert re.fullmatch(r"\d+\.\d %", cells["Satisfaction rate"])
    assert "<code>issues_collected</code>" in page and "replication 0 of seed 2013" in page

    experiment = Experiment.from_dict(
        {
            "name": "tiny",
            "base": "yuelu-2013.toml",
            "replications": 1,
            "variants": [
                {
                    "name": "tiny",
                    "changes": {
                        "district.communities": 3,
                        "district.households": 3_000,
                        "simulation.days": 30,
                    },
                }
            ],
        },
        root=ROOT / "scenarios",
    )
    with Workspace("shown", store=tmp_path) as ws:
        assert "0 experiments, 0 stored runs" in ws._repr_html_()
        experiment.run(ws, SerialExecutor(), progress=False)
        page = ws._repr_html_()
        assert "1 experiment, 1 stored run</p>" in page and ">tiny<" in page
        from gridsim import fingerprint

        real = fingerprint.model_fingerprint
        try:  # the model changes: the stored run is of an older model
            fingerprint.model_fingerprint = lambda: "f" * 64  # type: ignore[assignment]
            stale = ws._repr_html_()
        finally:
            fingerprint.model_fingerprint = real  # type: ignore[assignment]
        assert "1 of them of an older model" in stale and "not used" in stale


# -- sensitivity ----------------------------------------------------------------------


def _screening(method: str, samples: int | None = None) -> Comparison:
    """A Sobol or Morris design whose KPI depends on one parameter only."""
    experiment = _experiment(
        {
            "replications": 1,
            "kpis": ["on_time_rate"],
            "variants": [{"name": "today"}],
            "design": {
                "method": method,
                "samples": samples or (64 if method == "sobol" else 10),
                "parameters": {
                    "deadlines.compliance": [0.5, 0.95],
                    "deadlines.yellow_compliance": [0.8, 1.0],
                },
            },
        }
    )
    rows = []
    for v in experiment.variants:
        c = v.scenario.deadlines.compliance  # on-time follows compliance alone
        rows.append({"variant": v.name, "replication": 0, "on_time_rate": 0.5 + 0.4 * c})
    runs = pd.DataFrame(rows)
    return Comparison(experiment, runs, compare(runs, "today", ["on_time_rate"]))


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sensitivity_indices_are_plotted_for_the_parameter_that_matters(method: str):
    from gridsim.reports.figures import FIGURES

    comparison = _screening(method)
    indices = comparison.sensitivity("on_time_rate").set_index("parameter")
    if method == "morris":
        assert indices.loc["deadlines.compliance", "mu_star"] == pytest.approx(0.4 * 0.45)
        assert indices.loc["deadlines.yellow_compliance", "mu_star"] == pytest.approx(0.0)
    else:
        assert indices.loc["deadlines.compliance", "ST"] > 0.8
        assert abs(indices.loc["deadlines.yellow_compliance", "ST"]) < 0.05
    assert FIGURES["sensitivity"].available(comparison)
    assert not FIGURES["sensitivity"].available(_comparison())  # variants only: left out
    fig = comparison.plot()  # a Sobol or Morris design: the indices by default
    assert isinstance(fig, ReportFigure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Units work to the time limit", "Yellow-light cases worked to the limit"]
    bars = sorted(ax.patches, key=lambda p: -p.get_y())  # top first: compliance, then yellow
    first = [p.get_width() for p in bars[::2]]  # S1 or mu* of each parameter
    if method == "morris":
        assert first == pytest.approx([100 * 0.4 * 0.45, 0.0])  # in percentage points
    else:
        assert first[0] > 0.8 and abs(first[1]) < 0.05
    assert len(ax.lines) + len(ax.collections) > 0  # the CIs drawn as error bars
    png = io.BytesIO()
    fig.savefig(png, format="png")
    caption = FIGURES["sensitivity"].caption_in(comparison, "en")
    assert ("Morris" if method == "morris" else "Sobol") in caption
    assert FIGURES["sensitivity"].caption_in(comparison, "zh").startswith("各指标对设计")


def test_the_report_of_a_morris_design_opens_with_its_indices(tmp_path: Path):
    comparison = _screening("morris")  # 31 designs: the per-design figures follow
    page = comparison.report(tmp_path / "few").read_text(encoding="utf-8")
    figures = re.findall(r'id="fig-([a-z_]+)"', page)
    assert figures[0] == "sensitivity" and "kpi_differences" in figures
    assert (tmp_path / "few" / "sensitivity.png").stat().st_size > 5_000
    assert "Morris screening" in page
    many = _screening("morris", samples=20)  # 61 designs: one row each would be pages tall
    assert len(many.experiment.variants) == 61
    page = many.report(tmp_path / "many").read_text(encoding="utf-8")
    assert re.findall(r'id="fig-([a-z_]+)"', page) == ["sensitivity"]
    assert "morris 059" in page  # the tables keep every design


def test_an_exported_design_reads_back_as_the_same_changes():
    pytest.importorskip("ipywidgets")
    from gridsim.jupyter import Explorer

    explorer = Explorer(replications=1, executor=SerialExecutor())
    explorer.controls["households_per_grid"].value = 500
    explorer.controls["posting"].value = "rotation"
    explorer.controls["public_replies"].value = False
    text = explorer.export_toml(name="bigger grids, 名字")
    variant = tomllib.loads(text)["variants"][0]
    assert variant == {
        "name": "bigger grids, 名字",
        "changes": {
            "grids.households_per_grid": 500,
            "cadres.posting": "rotation",
            "reply.public": False,
        },
    }
    assert type(variant["changes"]["grids.households_per_grid"]) is int


def test_sobol_indices_read_the_points_in_the_samplers_order_past_999():
    comparison = _screening("sobol", samples=256)  # 1,024 points: "sobol 1000" < "sobol 101"
    assert comparison.experiment.variants[-1].name == "sobol 1023"
    indices = comparison.sensitivity("on_time_rate").set_index("parameter")
    # Read in name order the estimates come out at S1 0.94 and 0.02 for a parameter the
    # KPI does not depend on; in the sampler's order they are exact.
    assert indices.loc["deadlines.compliance", "S1"] == pytest.approx(1.0, abs=1e-3)
    assert indices.loc["deadlines.compliance", "ST"] == pytest.approx(1.0, abs=1e-3)
    assert indices.loc["deadlines.yellow_compliance", "ST"] == pytest.approx(0.0, abs=1e-9)
