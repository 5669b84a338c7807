"""(b) The Yuelu district x10 (1.9 M households, 5,800 grids): time and peak RSS.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--repeats 5] [--scale 10] [--json FILE]

Every measurement runs in a fresh subprocess, which imports gridsim, runs one
untimed warm-up year of a tiny district (4 communities, 400 households, 60
days: warms code paths without touching much memory), then times one fresh
``GridModel(scenario, replication=r)`` + ``.run()`` and reads its own peak RSS
(VmHWM). The child's ``ru_maxrss`` from ``wait4`` is kept as a cross-check.

Each repeat measures the Yuelu year (x1) and the scaled district (x``--scale``)
back to back, in the same kind of fresh process, so their ratio compares like
with like on a busy machine. ``--scale 10`` is
``{"district.communities": 1660, "district.households": 1_912_320}``.
"""

from __future__ import annotations

import argparse
import sys
import time

from common import BENCH, YUELU, emit, median, peak_rss_mb, run_child, write_json

TINY = {"district.communities": 4, "district.households": 400, "simulation.days": 60}


def scaled_changes(scenario, scale: int) -> dict:
    """Dotted changes that multiply the district's communities and households."""
    if scale == 1:
        return {}
    d = scenario.district
    return {
        "district.communities": d.communities * scale,
        "district.households": d.households * scale,
    }


def child(scenario_path: str, scale: int, replication: int) -> None:
    """One measurement in this (fresh) process; prints its JSON result."""
    import gridsim

    base = gridsim.load_scenario(scenario_path)
    gridsim.GridModel(base.with_changes(TINY), replication=0).run()  # warm-up
    baseline_mb = peak_rss_mb()
    scenario = base.with_changes(scaled_changes(base, scale))
    c0 = time.process_time()
    t0 = time.perf_counter()
    model = gridsim.GridModel(scenario, replication=replication)
    t1 = time.perf_counter()
    result = model.run()
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    emit(
        {
            "scale": scale,
            "replication": replication,
            "communities": int(model.district.n_communities),
            "households": int(model.district.grid_households.sum()),
            "grids": len(model.district.grid_households),
            "issues_collected": float(result.kpis.get("issues_collected", float("nan"))),
            "setup_s": t1 - t0,
            "sim_s": t2 - t1,
            "total_s": t2 - t0,
            "cpu_s": cpu,
            "baseline_rss_mb": baseline_mb,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def phase_child(scenario_path: str, scale: int) -> None:
    """Where a fresh year's CPU goes at this size (timers on the model's steps); prints JSON."""
    import gridsim
    from bench_year import phase_split

    base = gridsim.load_scenario(scenario_path)
    gridsim.GridModel(base.with_changes(TINY), replication=0).run()  # warm-up
    emit({"scale": scale, "phases": phase_split(base.with_changes(scaled_changes(base, scale)), 1)})


def summarize(runs: list[dict]) -> dict:
    first = runs[0]
    return {
        "runs": runs,
        "repeats": len(runs),
        "communities": first["communities"],
        "households": first["households"],
        "grids": first["grids"],
        "setup_median_s": median([r["setup_s"] for r in runs]),
        "sim_median_s": median([r["sim_s"] for r in runs]),
        "total_median_s": median([r["total_s"] for r in runs]),
        "cpu_median_s": median([r["cpu_s"] for r in runs]),
        "peak_rss_median_mb": median([r["peak_rss_mb"] for r in runs]),
        "peak_rss_max_mb": max(r["peak_rss_mb"] for r in runs),
        "ru_maxrss_max_mb": max(r["ru_maxrss_mb"] for r in runs),
        "baseline_rss_median_mb": median([r["baseline_rss_mb"] for r in runs]),
    }


def measure(scenario_path: str, repeats: int, scale: int, verbose: bool = True) -> dict:
    small: list[dict] = []
    big: list[dict] = []
    script = str(BENCH / "bench_scale.py")
    for r in range(repeats):
        for size, runs in ((1, small), (scale, big)):
            res = run_child([script, "--scenario", scenario_path, "--child", str(size), str(r)])
            runs.append(res)
            if verbose:
                print(
                    f"  x{size} r={r}: set-up {res['setup_s']:.2f} s, simulation "
                    f"{res['sim_s']:.2f} s, total {res['total_s']:.2f} s, "
                    f"peak RSS {res['peak_rss_mb']:.0f} MB",
                    flush=True,
                )
    s, b = summarize(small), summarize(big)
    # One more fresh process per size, instrumented (so not in the timings above).
    for size, summary in ((1, s), (scale, b)):
        res = run_child([script, "--scenario", scenario_path, "--phase-child", str(size)])
        summary["phases"] = res["phases"]
    return {
        "scenario": scenario_path,
        "scale": scale,
        "x1": s,
        "scaled": b,
        "ratio_total": b["total_median_s"] / s["total_median_s"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per size")
    parser.add_argument("--scale", type=int, default=10, help="multiply the district (10)")
    parser.add_argument("--scenario", default=str(YUELU))
    parser.add_argument("--json", default=None, help="write the measurements as JSON here")
    parser.add_argument(
        "--child", nargs=2, type=int, metavar=("SCALE", "REP"), help=argparse.SUPPRESS
    )
    parser.add_argument("--phase-child", type=int, metavar="SCALE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase_child:
        phase_child(args.scenario, args.phase_child)
        return 0
    if args.child:
        child(args.scenario, *args.child)
        return 0
    r = measure(args.scenario, args.repeats, args.scale)
    s, b = r["x1"], r["scaled"]
    print(
        f"x1:  {s['households']:,} households, {s['grids']:,} grids: total "
        f"{s['total_median_s']:.2f} s (set-up {s['setup_median_s']:.2f}, simulation "
        f"{s['sim_median_s']:.2f}), peak RSS {s['peak_rss_median_mb']:.0f} MB\n"
        f"x{args.scale}: {b['households']:,} households, {b['grids']:,} grids: total "
        f"{b['total_median_s']:.2f} s (set-up {b['setup_median_s']:.2f}, simulation "
        f"{b['sim_median_s']:.2f}), peak RSS {b['peak_rss_median_mb']:.0f} MB "
        f"(max {b['peak_rss_max_mb']:.0f})\n"
        f"ratio of totals: {r['ratio_total']:.1f}  (medians of {args.repeats})"
    )
    write_json(args.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
