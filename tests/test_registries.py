"""The KPI and figure registries: one record each, read by labels, tables and the report."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.figure import Figure

from gridsim.experiments import Comparison
from gridsim.kpi_registry import GRID_COLUMNS, KPI, KPIS, register_kpi
from gridsim.model.kpis import KPI_DESCRIPTIONS, KPI_NAMES
from gridsim.reports.figures import FIGURES, register_figure, unregister_figure
from gridsim.reports.findings import kpi_report_table
from gridsim.reports.html import write_figures
from gridsim.reports.i18n import format_kpi, kpi_label, kpi_scale


def _comparison(kpi: str) -> Comparison:
    variants = [SimpleNamespace(name="base"), SimpleNamespace(name="more")]
    experiment = SimpleNamespace(variants=variants, baseline=variants[0], spec=None)
    row = dict(ci95_lo=0.5, ci95_hi=0.7, n=3, diff_lo=0.05, diff_hi=0.15, n_pairs=3)
    table = pd.DataFrame(
        [
            {"variant": "base", "kpi": kpi, "mean": 0.6, **row, "diff": 0.0, "diff_pct": 0.0},
            {"variant": "more", "kpi": kpi, "mean": 0.7, **row, "diff": 0.1, "diff_pct": 16.7},
        ]
    )
    return Comparison(experiment, pd.DataFrame(), table)  # type: ignore[arg-type]


@pytest.fixture
def toy_kpi():
    before = dict(KPIS)
    kpi = register_kpi(
        KPI("toy_share", en="Toy share", zh="玩具占比", description="toys ÷ all", kind="rate")
    )
    yield kpi
    KPIS.clear()
    KPIS.update(before)


def test_the_registry_is_what_the_old_tables_were():
    assert tuple(KPIS) == KPI_NAMES
    assert {k.name: k.description for k in KPIS.values()} == KPI_DESCRIPTIONS
    assert {k.name for k in KPIS.values() if k.per_grid} == set(GRID_COLUMNS)
    assert all(k.en and k.zh and k.description for k in KPIS.values())


def test_a_registered_kpi_is_labelled_and_formatted_by_its_record(toy_kpi: KPI):
    assert kpi_label("toy_share", "zh") == "玩具占比"
    assert kpi_scale("toy_share", "en") == (100.0, "%")  # a rate: in %
    assert format_kpi("toy_share", 0.25, "en") == "25.0 %"
    table = kpi_report_table(_comparison("toy_share"), "en")
    assert list(table["kpi"]) == ["toy_share", "toy_share"]
    assert table["diff"].iloc[1].endswith("pp [+5.0, +15.0]")  # a rate: percentage points


def test_a_registered_figure_is_drawn_and_captioned_by_the_report(tmp_path: Path):
    shipped = dict(FIGURES)

    def toy(comparison: Comparison, lang: str = "en") -> Figure:
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([0, 1], [0, 1])
        return fig

    FIGURES.clear()
    try:
        register_figure(
            "toy",
            title={"en": "Toy", "zh": "玩具"},
            caption={"en": "{n} variants", "zh": "{n}个方案"},
            needs=("table",),
            fields=lambda comparison, lang: {"n": len(comparison.experiment.variants)},
        )(toy)
        register_figure(
            "needs_grids",
            title={"en": "Grids", "zh": "网格"},
            caption={"en": "-", "zh": "-"},
            needs=("grids",),
            requires=("grids",),
        )(toy)
        written = write_figures(_comparison("cost"), tmp_path, "zh")
        assert [(f.stem, f.title, f.caption) for f in written] == [("toy", "玩具", "2个方案")]
        assert (tmp_path / "toy.png").stat().st_size > 0 and (tmp_path / "toy.svg").exists()
    finally:
        FIGURES.clear()
        FIGURES.update(shipped)
    unregister_figure("not-there")


def test_a_figure_spec_needs_every_language():
    with pytest.raises(ValueError, match="no title or caption"):
        register_figure("half", title={"en": "Half"}, caption={"en": "-", "zh": "-"})(print)
