"""The model on grids drawn from a map: structure, walking time, patrol coverage, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")
from shapely.geometry import box  # noqa: E402
from tests.gridsim_cli import gridsim  # noqa: E402

from gridsim.geo.blockmap import MapError  # noqa: E402
from gridsim.geo.drawn import drawn_grids, grids_as_drawn  # noqa: E402
from gridsim.model import GridModel  # noqa: E402
from gridsim.model.district import build_district  # noqa: E402
from gridsim.model.households import visit_multipliers  # noqa: E402
from gridsim.model.terrain import patrol_coverage  # noqa: E402
from gridsim.scenario import ScenarioError, load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _map(path: Path, spacing: tuple[float, float] = (60.0, 400.0)) -> Path:
    """Two communities of 6 x 6 square blocks: a dense town and a spread-out village."""
    rows = []
    for c, (step, kind) in enumerate(zip(spacing, ("urban", "village"), strict=True)):
        x0 = 0.0 if c == 0 else 6 * spacing[0]
        for i in range(6):
            for j in range(6):
                rows.append(
                    {
                        "community": f"社区{c + 1}",
                        "street": "望月湖街道",
                        "kind": kind,
                        "households": 40 + (i * 7 + j * 3) % 15,
                        "geometry": box(
                            x0 + i * step, j * step, x0 + (i + 1) * step, (j + 1) * step
                        ),
                    }
                )
    gpd.GeoDataFrame(rows, crs="EPSG:32649").to_file(path, driver="GeoJSON")
    return path


def _scenario(tmp_path: Path, extra: str = "", households_per_grid: int = 300) -> Path:
    _map(tmp_path / "blocks.geojson")
    path = tmp_path / "drawn.toml"
    path.write_text(
        f"""
[simulation]
days = 120
seed = 7
[district]
map = "blocks.geojson"
[grids]
households_per_grid = {households_per_grid}
{extra}
""",
        encoding="utf-8",
    )
    return path


def test_district_comes_from_the_map(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    d = build_district(scenario, np.random.default_rng(0))
    households = gpd.read_file(tmp_path / "blocks.geojson")["households"]
    assert d.drawn and d.map_source is not None
    assert d.n_households == int(households.sum())
    assert d.community_names == ["社区1", "社区2"] and d.street_names == ["望月湖街道"]
    assert [int(k) for k in d.community_kind] == [0, 2]  # urban, village
    assert d.n_grids == sum(max(1, round(h / 300)) for h in d.community_households)
    assert np.all(np.diff(d.grid_community) >= 0)  # grids community by community
    assert d.grid_start[-1] + d.grid_households[-1] == d.n_households
    # the two communities touch: some grid of one neighbours a grid of the other
    comm = d.grid_community
    assert any(comm[u] != comm[v] for u, v in d.grid_edges)
    assert np.all(d.grid_edges[:, 0] < d.grid_edges[:, 1])
    # the village's grids are larger and farther to walk
    area = d.grid_area_km2
    assert area[comm == 1].min() > 10 * area[comm == 0].max()
    assert np.isclose(area.sum(), 36 * (0.06**2 + 0.4**2))
    assert d.grid_station_km[comm == 1].mean() > 3 * d.grid_station_km[comm == 0].mean()


def test_walking_time_and_patrol_coverage_follow_the_map(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    d = build_district(scenario, np.random.default_rng(0))
    v = scenario.visits
    mult = visit_multipliers(scenario, d)
    walk = 2 * v.route_factor * d.grid_station_km / v.walking_speed_km_per_h / v.households_per_trip
    assert np.allclose(mult, 1 + walk / v.officer_hours_per_visit)
    assert mult[d.grid_community == 1].min() > mult[d.grid_community == 0].max() > 1.0
    faster = scenario.with_changes({"visits.walking_speed_km_per_h": 2 * v.walking_speed_km_per_h})
    assert np.allclose(visit_multipliers(faster, d) - 1, (mult - 1) / 2)
    cover = patrol_coverage(scenario, d)
    assert np.allclose(cover * d.grid_area_km2, scenario.issues.patrol_reference_area_km2)


def test_a_drawn_district_runs_and_walking_costs_visits(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    scenario = load_scenario(path)
    first = GridModel(scenario, replication=0).run().kpis
    again = GridModel(scenario, replication=0).run().kpis
    assert first == again
    assert first["grids"] == build_district(scenario, np.random.default_rng(0)).n_grids
    slow = scenario.with_changes({"visits.walking_speed_km_per_h": 1.0})
    slow_kpis = GridModel(slow, replication=0).run().kpis
    assert slow_kpis["households_visited"] < 0.9 * first["households_visited"]


def test_the_map_content_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    before = load_scenario(path).content_hash()
    frame = gpd.read_file(tmp_path / "blocks.geojson")
    frame.loc[0, "households"] += 1
    frame.to_file(tmp_path / "blocks.geojson", driver="GeoJSON")
    assert load_scenario(path).content_hash() != before


def test_grids_as_drawn_by_gridsim_grids(tmp_path: Path) -> None:
    blocks = _map(tmp_path / "blocks.geojson")
    done = gridsim(
        "grids", str(blocks), "--households-per-grid", "300", "--out", "out", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    as_drawn = grids_as_drawn(blocks, tmp_path / "out" / "blocks.csv")
    cut = drawn_grids(blocks, 300)
    assert np.array_equal(np.sort(as_drawn.grid_households), np.sort(cut.grid_households))
    assert as_drawn.n_grids == cut.n_grids
    path = _scenario(tmp_path, extra='drawn = "out/blocks.csv"', households_per_grid=999)
    kpis = GridModel(load_scenario(path), replication=0).run().kpis
    assert kpis["grids"] == cut.n_grids  # the drawn grids, not 999 households each


def test_a_bad_blocks_csv_names_file_line_and_column(tmp_path: Path) -> None:
    blocks = _map(tmp_path / "blocks.geojson")
    gridsim("grids", str(blocks), "--households-per-grid", "300", "--out", "out", cwd=tmp_path)
    csv = tmp_path / "out" / "blocks.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    first_other = next(r for r in rows if "社区2" in r)
    code_2 = first_other.rsplit(",", 1)[1]
    bad = [header, "B9999,社区1," + rows[0].rsplit(",", 1)[1], *rows[2:]]
    bad[2] = bad[2].rsplit(",", 1)[0] + "," + code_2  # a 社区1 block in a 社区2 grid
    csv.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(MapError) as info:
        grids_as_drawn(blocks, csv)
    text = "\n".join(info.value.problems)
    assert "line 2, column block: block 'B9999' is not in" in text
    assert "in no grid:" in text
    assert "spans communities" in text
    path = _scenario(tmp_path, extra='drawn = "out/blocks.csv"')
    done = gridsim("run", str(path), "--replications", "1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "blocks.csv" in done.stderr and "internal error" not in done.stderr


def test_bad_map_keys_are_named(tmp_path: Path) -> None:
    path = _scenario(tmp_path, extra='drawn = "missing.csv"')
    with pytest.raises(ScenarioError, match=r"grids\.drawn: 'missing.csv' not found"):
        load_scenario(path)
    both = tmp_path / "both.toml"
    (tmp_path / "c.csv").write_text("name,street,households,kind\nA,S,100,urban\n")
    both.write_text('[district]\nmap = "blocks.geojson"\ncommunities_csv = "c.csv"\n')
    with pytest.raises(ScenarioError, match="either map or communities_csv"):
        load_scenario(both)
    alone = tmp_path / "alone.toml"
    alone.write_text('[grids]\ndrawn = "c.csv"\n')
    with pytest.raises(ScenarioError, match="need the map they were drawn on"):
        load_scenario(alone)
    outside = tmp_path / "outside.toml"
    outside.write_text('[district]\nmap = "../../elsewhere.gpkg"\n')
    with pytest.raises(ScenarioError, match=r"district\.map"):
        load_scenario(outside)


def test_a_map_that_cannot_be_read_is_exit_2(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    (tmp_path / "blocks.geojson").write_text("{not json", encoding="utf-8")
    done = gridsim("run", str(path), "--replications", "1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "blocks.geojson" in done.stderr and "internal error" not in done.stderr


def test_shipped_drawn_scenario_loads() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "yuelu-drawn-grids.toml")
    assert scenario.district.map is not None and scenario.district.map.endswith("yuelu-blocks.gpkg")


def test_cuts_are_cached_on_disk_and_keyed_by_the_map(tmp_path: Path, monkeypatch) -> None:
    from gridsim.geo import drawn as drawn_module
    from gridsim.geo import partition as partition_module

    monkeypatch.setenv("GRIDSIM_PARTITION_CACHE", str(tmp_path / "cache"))
    blocks = _map(tmp_path / "blocks.geojson")
    drawn_module._drawn.cache_clear()
    first = drawn_grids(blocks, 300)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    drawn_module._drawn.cache_clear()

    def no_cut(*args, **kwargs):
        raise AssertionError("cut again although cached")

    monkeypatch.setattr(partition_module, "partition", no_cut)
    again = drawn_grids(blocks, 300)
    assert np.array_equal(again.grid_households, first.grid_households)
    assert np.array_equal(again.grid_edges, first.grid_edges)
    assert again.community_names == first.community_names
    with pytest.raises(AssertionError, match="cut again"):  # another size is another cut
        drawn_grids(blocks, 250)
    monkeypatch.setenv("GRIDSIM_PARTITION_CACHE", "0")
    assert drawn_module.partition_cache_dir() is None


def test_a_plan_searches_grid_sizes_on_the_map(tmp_path: Path) -> None:
    """The households-per-grid lever re-cuts the map: each design runs on its own drawn grids."""
    from gridsim.experiments.executors import SerialExecutor
    from gridsim.planning.plan import Plan
    from gridsim.store import Workspace

    _scenario(tmp_path)  # blocks.geojson and drawn.toml
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        """
name = "drawn sizes"
base = "drawn.toml"
seed = 3
replications = 1
[objective]
minimise = "cost"
[search]
sampler = "grid"
trials = 3
batch = 3
minutes = 5.0
[[levers]]
key = "grids.households_per_grid"
choices = [150, 300, 600]
[[targets]]
kpi = "visits_per_household"
op = ">="
value = 0.05
statistic = "min"
[selection]
top = 2
n0 = 3
max_replications = 4
[discovery]
samples = 0
""",
        encoding="utf-8",
    )
    plan = Plan.from_file(plan_file)
    with Workspace("default", tmp_path / "store") as ws:
        result = plan.run(ws, SerialExecutor(), progress=False, journal=tmp_path / "j.journal")
    blocks = tmp_path / "blocks.geojson"
    grids = {d.params["grids.households_per_grid"]: d.means["grids"] for d in result.search.designs}
    assert grids == {n: drawn_grids(blocks, n).n_grids for n in (150, 300, 600)}
    assert len(set(grids.values())) == 3


def test_an_experiment_compares_drawn_and_uniform_grids_and_maps_shapes(tmp_path: Path) -> None:
    """Variants name the map relative to the experiment file; the grid map draws polygons."""
    from matplotlib.collections import PatchCollection

    from gridsim.experiments import Experiment, SerialExecutor
    from gridsim.reports.figures.maps import grid_maps
    from gridsim.store import Workspace

    _map(tmp_path / "blocks.geojson")
    (tmp_path / "base.toml").write_text(
        "[simulation]\ndays = 90\n[district]\ncommunities = 2\nhouseholds = 3300\n",
        encoding="utf-8",
    )
    (tmp_path / "exp.toml").write_text(
        """
name = "drawn vs uniform"
base = "base.toml"
replications = 1
baseline = "uniform"
[[variants]]
name = "uniform"
[[variants]]
name = "drawn"
changes = { "district.map" = "blocks.geojson", "grids.households_per_grid" = 300 }
""",
        encoding="utf-8",
    )
    exp = Experiment.from_file(tmp_path / "exp.toml")
    drawn = next(v for v in exp.variants if v.name == "drawn").scenario
    assert drawn.district.map == str((tmp_path / "blocks.geojson").resolve())
    with Workspace("default", tmp_path / "store") as ws:
        comparison = exp.run(ws, SerialExecutor(), progress=False)
    fig = grid_maps(comparison)
    kinds = [
        any(isinstance(c, PatchCollection) for c in ax.collections)
        for ax in fig.axes
        if ax.get_title()
    ]
    assert kinds == [False, True]  # uniform: dots; drawn: shapes
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (tmp_path / "exp.toml").read_text().replace("blocks.geojson", "nowhere.gpkg"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"district\.map: 'nowhere.gpkg' not found"):
        Experiment.from_file(bad)


def test_the_explorer_map_draws_drawn_grids_as_polygons(tmp_path: Path) -> None:
    from matplotlib.collections import PatchCollection

    from gridsim.jupyter.display import plot_grid_map
    from gridsim.model.district import build_district

    scenario = load_scenario(_scenario(tmp_path))
    d = build_district(scenario, np.random.default_rng(0))
    import pandas as pd

    frame = pd.DataFrame(
        {
            "design": "baseline",
            "grid": np.arange(d.n_grids),
            "backlog_end": np.linspace(0, 3, d.n_grids),
            "households": d.grid_households,
        }
    )
    fig = plot_grid_map(frame, {"baseline": scenario})
    assert any(isinstance(c, PatchCollection) for c in fig.axes[0].collections)
    png = fig._repr_png_()
    png = png[0] if isinstance(png, tuple) else png  # (data, metadata) in Jupyter
    assert png[:4] == b"\x89PNG"
