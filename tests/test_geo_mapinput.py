"""Reading district maps into a BlockMap: CRS, adjacency, repairs, named problems, synthesis."""

from __future__ import annotations

import math
import time

import pytest

gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")
pytest.importorskip("pyogrio")

from shapely.geometry import LineString, Polygon, box  # noqa: E402

from gridsim.geo.blockmap import BLOCK_COLUMNS, MapError  # noqa: E402
from gridsim.geo.mapinput import read_map  # noqa: E402

LON, LAT = 112.9, 28.2  # Changsha
STEP = 0.001  # degrees: ~98 m east-west, ~111 m north-south at this latitude


def square_grid(nx: int = 4, ny: int = 3, step: float = STEP) -> gpd.GeoDataFrame:
    """A grid of square blocks: columns 0-1 community A, 2-3 community B."""
    rows = []
    for j in range(ny):
        for i in range(nx):
            x, y = LON + i * step, LAT + j * step
            rows.append(
                {
                    "id": f"b{j}{i}",
                    "households": 10 + i + j,
                    "community": "A" if i < nx // 2 else "B",
                    "street": "Yuelu",
                    "kind": "urban",
                    "barrier": 0,
                    "geometry": box(x, y, x + step, y + step),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write(gdf: gpd.GeoDataFrame, tmp_path, fmt: str = "geojson"):
    path = tmp_path / {"geojson": "map.geojson", "gpkg": "map.gpkg", "shp": "map.shp"}[fmt]
    driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}[fmt]
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def problems(excinfo) -> list[str]:
    return excinfo.value.problems


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_blocks_reprojected_to_metres_with_edges_within_communities(tmp_path, fmt):
    gdf = square_grid()
    bm = read_map(write(gdf, tmp_path, fmt))
    assert not bm.synthesised
    assert list(bm.blocks.columns) == [*BLOCK_COLUMNS, "geometry"]
    assert bm.crs == "EPSG:32649 (reprojected from EPSG:4326)"
    assert bm.blocks.crs.to_epsg() == 32649
    # ~98 m x ~111 m squares: about 1.09 ha each
    areas = bm.blocks.geometry.area
    assert areas.between(9_000, 12_000).all(), areas.describe()
    assert list(bm.blocks["block"]) == list(gdf["id"])
    assert bm.blocks["households"].tolist() == gdf["households"].tolist()
    assert bm.communities == ["A", "B"]
    comm = bm.blocks["community"].tolist()
    assert all(comm[e.a] == comm[e.b] for e in bm.edges)
    assert all(e.a < e.b for e in bm.edges)
    # each community is a 2x3 block: 3 horizontal + 4 vertical shared edges
    assert len(bm.edges) == 2 * (3 * 1 + 2 * 2)
    ew = 2 * math.pi * 6_371_000 * math.cos(math.radians(LAT + 0.0015)) * STEP / 360
    ns = 2 * math.pi * 6_371_000 * STEP / 360
    for e in bm.edges:
        ga, gb = bm.blocks.geometry.iloc[e.a], bm.blocks.geometry.iloc[e.b]
        dx, dy = abs(ga.centroid.x - gb.centroid.x), abs(ga.centroid.y - gb.centroid.y)
        expected = ew if dy > dx else ns
        assert e.length_m == pytest.approx(expected, rel=0.01)
        assert not e.barrier


def test_point_contacts_are_not_edges_and_barriers_flag_edges(tmp_path):
    gdf = square_grid(nx=2, ny=2)
    gdf["community"] = "A"
    gdf.loc[0, "barrier"] = 1
    bm = read_map(write(gdf, tmp_path))
    pairs = {(e.a, e.b): e.barrier for e in bm.edges}
    # 0 1 / 2 3 laid out as rows: 0-1, 2-3, 0-2, 1-3 share sides; 0-3 and 1-2 touch at a corner
    assert set(pairs) == {(0, 1), (2, 3), (0, 2), (1, 3)}
    assert pairs == {(0, 1): True, (0, 2): True, (1, 3): False, (2, 3): False}


def test_projected_metric_crs_kept_and_ids_made_when_not_unique(tmp_path):
    gdf = square_grid().to_crs("EPSG:32649")
    gdf["id"] = "x"
    bm = read_map(write(gdf, tmp_path, "gpkg"))
    assert bm.crs == "EPSG:32649 (as given)"
    assert bm.blocks["block"].tolist()[:3] == ["A-1", "A-2", "B-1"]


def test_bowtie_repaired_and_degenerate_refused(tmp_path):
    gdf = square_grid()
    # attach it so community B stays connected: a bowtie sharing the side of b03
    x0 = LON + 4 * STEP
    bowtie = Polygon(
        [(x0, LAT), (x0 + STEP, LAT + STEP), (x0 + STEP, LAT), (x0, LAT + STEP), (x0, LAT)]
    )
    assert not bowtie.is_valid
    gdf.loc[len(gdf)] = {
        "id": "bow",
        "households": 5,
        "community": "B",
        "street": "",
        "kind": "urban",
        "barrier": 0,
        "geometry": bowtie,
    }
    bm = read_map(write(gdf, tmp_path))
    assert len(bm.repairs) == 1
    assert "map.geojson: feature 12 (id 'bow'): invalid geometry (" in bm.repairs[0]
    assert "Self-intersection" in bm.repairs[0] and "make_valid" in bm.repairs[0]
    repaired = bm.blocks.geometry.iloc[12]
    assert repaired.is_valid and repaired.area > 0

    x, y = LON + 10 * STEP, LAT
    flat = Polygon([(x, y), (x + STEP, y), (x + 2 * STEP, y), (x, y)])  # zero area
    gdf.loc[12, "geometry"] = flat
    path = tmp_path / "flat.gpkg"
    gdf.to_file(path, driver="GPKG", engine="pyogrio")
    with pytest.raises(MapError) as exc:
        read_map(path)
    (line,) = problems(exc)
    assert "flat.gpkg" in line and "feature 12 (id 'bow')" in line and "'geometry'" in line
    assert "make_valid cannot" in line


def test_missing_column_named(tmp_path):
    gdf = square_grid().drop(columns=["households"])
    path = write(gdf, tmp_path)
    with pytest.raises(MapError) as exc:
        read_map(path)
    (line,) = problems(exc)
    assert "map.geojson" in line and "'households' missing" in line
    # a renamed column is found when named
    gdf = gdf.assign(hh=5)
    bm = read_map(write(gdf, tmp_path), households="hh")
    assert set(bm.blocks["households"]) == {5}


def test_bad_values_each_named_with_file_feature_column(tmp_path):
    gdf = square_grid()
    gdf.loc[1, "households"] = 0
    gdf.loc[4, "community"] = None
    gdf["households"] = gdf["households"].astype(float)
    gdf.loc[6, "households"] = 2.5
    gdf.loc[7, "kind"] = "town"
    with pytest.raises(MapError) as exc:
        read_map(write(gdf, tmp_path, "gpkg"))
    lines = problems(exc)
    assert len(lines) == 4, lines
    assert all("map.gpkg: feature " in line for line in lines)
    by_feature = {int(line.split("feature ")[1].split()[0]): line for line in lines}
    assert "(id 'b01')" in by_feature[1] and "'households'" in by_feature[1]
    assert "must be > 0" in by_feature[1]
    assert "'community'" in by_feature[4] and "no community" in by_feature[4]
    assert "2.5" in by_feature[6] and "whole number" in by_feature[6]
    assert "'kind'" in by_feature[7] and "town" in by_feature[7]


def test_problems_capped(tmp_path):
    gdf = square_grid(nx=6, ny=5)
    gdf["households"] = 0
    with pytest.raises(MapError) as exc:
        read_map(write(gdf, tmp_path))
    lines = problems(exc)
    assert len(lines) == 21 and lines[-1] == "and 10 more"


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs_refused_naming_file(tmp_path):
    gdf = square_grid().set_crs(None, allow_override=True)
    path = write(gdf, tmp_path, "shp")
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(MapError) as exc:
        read_map(path)
    (line,) = problems(exc)
    assert "map.shp" in line and "no CRS" in line


def test_community_in_two_parts_refused(tmp_path):
    gdf = square_grid(nx=5, ny=1)  # A A B B B -> make the middle one A: A A A B B
    gdf["community"] = ["A", "B", "A", "B", "B"]
    with pytest.raises(MapError) as exc:
        read_map(write(gdf, tmp_path))
    lines = problems(exc)
    assert len(lines) == 2, lines  # A: {0} | {2}; B: {1} | {3, 4}
    a = next(line for line in lines if "'A'" in line)
    assert "map.geojson" in a and "'community'" in a and "2 disjoint parts" in a
    assert "features 0 | 2" in a


def test_missing_file_not_a_map_no_features(tmp_path):
    with pytest.raises(MapError) as exc:
        read_map(tmp_path / "nowhere.geojson")
    assert "nowhere.geojson" in str(exc.value)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not a map")
    with pytest.raises(MapError) as exc:
        read_map(junk)
    assert "junk.geojson" in str(exc.value) and "not a map" in str(exc.value)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(MapError) as exc:
        read_map(empty)
    assert "empty.geojson" in str(exc.value) and "no features" in str(exc.value)


def test_non_polygon_and_empty_geometry_refused(tmp_path):
    gdf = square_grid(nx=2, ny=1)
    gdf["community"] = "A"
    gdf.loc[len(gdf)] = {**gdf.iloc[0].to_dict(), "id": "line"}
    gdf.loc[2, "geometry"] = LineString([(LON, LAT), (LON + STEP, LAT)])
    path = tmp_path / "lines.gpkg"
    gdf.to_file(path, driver="GPKG", engine="pyogrio")
    with pytest.raises(MapError) as exc:
        read_map(path)
    (line,) = problems(exc)
    assert "lines.gpkg: feature 2 (id 'line')" in line and "LineString" in line


def community_polygons() -> gpd.GeoDataFrame:
    x, y = LON, LAT
    a = box(x, y, x + 0.006, y + 0.004)  # ~59 ha
    # an L-shaped community beside it
    b = Polygon(
        [
            (x + 0.006, y),
            (x + 0.012, y),
            (x + 0.012, y + 0.002),
            (x + 0.008, y + 0.002),
            (x + 0.008, y + 0.004),
            (x + 0.006, y + 0.004),
        ]
    )
    return gpd.GeoDataFrame(
        {
            "name": ["Alpha", "Beta"],
            "households": [2017, 1003],
            "community": ["Alpha", "Beta"],
            "kind": ["urban", "village"],
        },
        geometry=[a, b],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("synthesise", [None, True])
def test_community_polygons_synthesise_blocks_with_exact_households(tmp_path, synthesise):
    gdf = community_polygons()
    bm = read_map(write(gdf, tmp_path), synthesise=synthesise)
    assert bm.synthesised
    sums = bm.blocks.groupby("community")["households"].sum().to_dict()
    assert sums == {"Alpha": 2017, "Beta": 1003}
    assert (bm.blocks["households"] > 0).all()
    n = bm.blocks["community"].value_counts().to_dict()
    assert 40 <= n["Alpha"] <= 60 and 20 <= n["Beta"] <= 30, n
    assert bm.blocks["households"].mean() == pytest.approx(40, rel=0.25)
    assert set(bm.blocks.loc[bm.blocks["community"] == "Beta", "kind"]) == {"village"}
    assert bm.blocks["block"].is_unique
    # the blocks tile each polygon
    metric = gdf.to_crs(bm.blocks.crs)
    for name, poly in zip(metric["community"], metric.geometry, strict=True):
        mine = bm.blocks[bm.blocks["community"] == name]
        assert mine.geometry.area.sum() == pytest.approx(poly.area, rel=1e-6)
    comm = bm.blocks["community"].tolist()
    assert bm.edges and all(comm[e.a] == comm[e.b] for e in bm.edges)


def test_block_map_not_taken_for_communities_when_told(tmp_path):
    gdf = community_polygons()
    bm = read_map(write(gdf, tmp_path), synthesise=False)
    assert not bm.synthesised and len(bm.blocks) == 2 and bm.edges == []


def test_five_thousand_blocks_adjacency_fast(tmp_path):
    gdf = square_grid(nx=100, ny=50, step=0.0005)
    gdf["community"] = [f"C{(i % 100) // 10}-{(i // 100) // 10}" for i in range(len(gdf))]
    path = write(gdf, tmp_path, "gpkg")
    start = time.perf_counter()
    bm = read_map(path)
    elapsed = time.perf_counter() - start
    assert len(bm.blocks) == 5_000
    # 50 communities of 10x10 blocks: 2 * 10 * 9 shared sides each
    assert len(bm.edges) == 50 * 180
    assert elapsed < 10, elapsed
