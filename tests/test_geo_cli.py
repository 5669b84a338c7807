"""gridsim grids: a map in, grids with codes out; a bad map is exit 2 naming file and feature."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

gpd = pytest.importorskip("geopandas")
from shapely.geometry import box  # noqa: E402


def _blocks(path: Path, households: int = 45) -> Path:
    rows = []
    for c, x0 in enumerate((0, 1200)):
        for i in range(8):
            for j in range(8):
                rows.append(
                    {
                        "community": f"社区{c + 1}",
                        "street": "望月湖街道",
                        "households": households + (i * 7 + j * 3) % 20,
                        "geometry": box(x0 + i * 100, j * 100, x0 + (i + 1) * 100, (j + 1) * 100),
                    }
                )
    gpd.GeoDataFrame(rows, crs="EPSG:32649").to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    return path


def _grids(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridsim.cli", "grids", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_map_becomes_coded_grids(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _grids(str(_blocks(tmp_path / "blocks.geojson")), "--households-per-grid", "300",
                  "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out / "grids.geojson")
    assert {"code", "community", "households", "polsby_popper"} <= set(grids.columns)
    assert grids["code"].str.len().eq(15).all() and grids["code"].is_unique
    assert grids["code"].str.startswith("430104").all()
    assert (out / "blocks.csv").is_file() and (out / "map.png").stat().st_size > 5_000
    assert "2 communities" in done.stdout


def test_a_bad_map_is_exit_2_naming_the_file_and_feature(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    frame = gpd.read_file(_blocks(tmp_path / "blocks.geojson"))
    frame.loc[3, "households"] = 0
    frame.to_file(bad, driver="GeoJSON")
    done = _grids(str(bad), "--households-per-grid", "300", "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert "bad.geojson" in done.stderr and "households" in done.stderr and "3" in done.stderr
    assert not (tmp_path / "out").exists()


def test_bad_options_are_exit_2(tmp_path: Path) -> None:
    path = str(_blocks(tmp_path / "blocks.geojson"))
    for extra in (["--tolerance", "1.5"], ["--division", "43010"]):
        done = _grids(path, "--households-per-grid", "300", "--out", str(tmp_path / "o"), *extra)
        assert done.returncode == 2, (extra, done.stderr)


def test_the_shipped_yuelu_map_cuts_into_contiguous_balanced_coded_grids(tmp_path: Path) -> None:
    """The issue's acceptance check on scenarios/data/yuelu-blocks.gpkg at 330 households."""
    import pandas as pd

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "yuelu"
    done = _grids(str(root / "scenarios" / "data" / "yuelu-blocks.gpkg"),
                  "--households-per-grid", "330", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out / "grids.geojson")
    blocks = pd.read_csv(out / "blocks.csv", dtype=str)
    source = gpd.read_file(root / "scenarios" / "data" / "yuelu-blocks.gpkg", layer="blocks")
    assert len(source) >= 4_500 and source["community"].nunique() == 166
    assert int(source["households"].sum()) == 191_232
    assert (grids.geometry.geom_type == "Polygon").all()
    assert grids["code"].is_unique
    assert len(blocks) == len(source) and blocks["block"].is_unique
    assert set(blocks["grid_code"]) == set(grids["code"])
    assert blocks.groupby("grid_code")["community"].nunique().eq(1).all()  # one community each
    within = (grids["households"] - 330).abs() <= 0.15 * 330
    assert within.mean() >= 0.95
    assert int(grids["households"].sum()) == 191_232
