"""(a) One simulated Yuelu year, against (e) the floor of a per-household Mesa design.

Usage::

    .venv/bin/python benchmarks/bench_year.py [--repeats 7] [--floor-days 365]
        [--json FILE] [--out FILE]

(a) Medians over ``--repeats`` runs, each a fresh
``gridsim.GridModel(scenario, replication=r)`` followed by ``.run()`` (building
the district and drawing the year's latent issues is part of the cost), split
into set-up and simulation, after one untimed warm-up run.

(e) The floor of the design gridsim avoids: 191,232 plain ``mesa.Agent``
households that each draw one random number per day, ``model.agents.do("step")``
once per day, for ``--floor-days`` days (365 by default; fewer days are scaled
to 365 and say so). Agent creation is timed separately and not counted in the
floor. Both run in the same process, so their ratio is robust to a busy machine.

``--profile-years N`` only runs N years inside ``profile_target()`` (what
profile_year.py samples) and exits.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import mesa
import numpy as np

import gridsim
from common import YUELU, median, write_json


class FloorHousehold(mesa.Agent):
    """A household that does the least a per-household agent can do: one draw a day."""

    def step(self) -> None:
        self.draw = self.model.rng.random()


def floor_seconds(households: int, days: int) -> tuple[float, float]:
    """(agent creation, stepping) seconds for ``households`` agents over ``days`` days."""
    t0 = time.perf_counter()
    model = mesa.Model(rng=1)
    FloorHousehold.create_agents(model, households)
    t1 = time.perf_counter()
    for _ in range(days):
        model.agents.do("step")
    return t1 - t0, time.perf_counter() - t1


def year_seconds(scenario: gridsim.Scenario, replication: int) -> tuple[float, float, float, float]:
    """(set-up, simulation, total, CPU) seconds of one fresh replication.

    CPU is this process's CPU time over the total: well below the total means
    other jobs took the core.
    """
    c0 = time.process_time()
    t0 = time.perf_counter()
    model = gridsim.GridModel(scenario, replication=replication)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, t2 - t0, time.process_time() - c0


def profile_target(scenario: gridsim.Scenario, years: int) -> None:
    """The section profile_year.py keeps: ``years`` fresh replications."""
    for r in range(years):
        year_seconds(scenario, r)


PHASES = {
    "district": "district (communities, grids, adjacency)",
    "_build_households": "households (trust, propensity)",
    "_build_staff": "staff agents, visit plan, working-day table",
    "_build_units": "handling-unit agents",
    "_build_issues": "latent issues and case arrays",
    "_pair_visits_with_issues": "visit-issue pairs",
    "_build_pipeline": "kernel state and parameters",
    "step_day": "365 days in the compiled kernel (gridsim.pipeline)",
    "survey_wave": "survey waves (numpy, between days)",
    "compute_kpis": "KPIs, per-grid table, daily series",
}


def phase_split(scenario: gridsim.Scenario, repeats: int) -> dict[str, float]:
    """Median CPU seconds of each phase of a fresh year (set-up steps, days, surveys, KPIs).

    The compiled kernel is one native frame to a sampling profiler, so this
    split — timers around the model's own steps — says where a year goes.
    """
    import os

    import gridsim.model.gridmodel as gm
    import gridsim.model.setup as su

    spent: dict[str, list[float]] = {}
    originals = {}

    def timed(owner: object, name: str, key: str | None = None) -> None:
        original = getattr(owner, name)
        originals[(owner, name)] = original
        key = key or name

        def wrapper(*args, **kwargs):
            t0 = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent.setdefault(key, [0.0])[-1] += time.process_time() - t0

        setattr(owner, name, wrapper)

    # A fresh year: the set-up a sweep shares between designs (gridsim.model.setup) is
    # built every time here, and its draws count in their phases.
    cache = os.environ.get("GRIDSIM_SETUP_CACHE")
    os.environ["GRIDSIM_SETUP_CACHE"] = "0"
    for name in PHASES:
        if name == "district":
            timed(su, "build_district", "build_district")
        elif name == "compute_kpis":
            timed(gm, "compute_kpis")
        else:
            timed(gm.GridModel, name)
    timed(su, "draw_households", "_build_households")
    timed(su, "draw_latent_issues", "_build_issues")
    totals = []
    try:
        for r in range(repeats):
            for v in spent.values():
                v.append(0.0)
            t0 = time.process_time()
            gm.GridModel(scenario, replication=r).run()
            totals.append(time.process_time() - t0)
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
        if cache is None:
            os.environ.pop("GRIDSIM_SETUP_CACHE", None)
        else:
            os.environ["GRIDSIM_SETUP_CACHE"] = cache
    out = {
        "district" if k == "build_district" else k: median(v[1:] if len(v) > 1 else v)
        for k, v in spent.items()
    }
    out["total"] = median(totals)
    out["other"] = out["total"] - sum(v for k, v in out.items() if k != "total")
    return out


def phase_table(phases: dict[str, float]) -> list[str]:
    """Markdown rows of :func:`phase_split`."""
    total = phases["total"]
    rows = ["| phase | CPU ms | share |", "|---|---:|---:|"]
    for key, label in [*PHASES.items(), ("other", "Mesa's event loop and the rest")]:
        ms = 1000 * phases.get(key, 0.0)
        rows.append(f"| {label} | {ms:.1f} | {100 * phases.get(key, 0.0) / total:.0f}% |")
    rows.append(f"| **total** | **{1000 * total:.1f}** | |")
    return rows


def measure(scenario_path: str, repeats: int, floor_days: int) -> dict:
    scenario = gridsim.load_scenario(scenario_path)
    year_seconds(scenario, 0)  # warm imports and caches
    runs = [year_seconds(scenario, r) for r in range(repeats)]
    result: dict = {
        "scenario": str(scenario_path),
        "repeats": repeats,
        "setup_s": [r[0] for r in runs],
        "sim_s": [r[1] for r in runs],
        "total_s": [r[2] for r in runs],
        "setup_median_s": median([r[0] for r in runs]),
        "sim_median_s": median([r[1] for r in runs]),
        "total_median_s": median([r[2] for r in runs]),
        "cpu_s": [r[3] for r in runs],
        "cpu_median_s": median([r[3] for r in runs]),
        "phases": phase_split(scenario, repeats),
    }
    households = scenario.district.households or 191_232
    result["floor_households"] = households
    result["floor_days_measured"] = floor_days
    if floor_days > 0:
        create, step = floor_seconds(households, floor_days)
        result["floor_create_s"] = create
        result["floor_measured_s"] = step
        result["floor_s"] = step * 365 / floor_days
        result["floor_ratio"] = result["floor_s"] / result["total_median_s"]
    return result


def table(r: dict) -> list[str]:
    n = r["repeats"]
    lines = [
        "| measure | median (s) | runs |",
        "|---|---:|---:|",
        f"| Yuelu year: set-up (district, agents, issues) | {r['setup_median_s']:.3f} | {n} |",
        f"| Yuelu year: simulation (365 days) | {r['sim_median_s']:.3f} | {n} |",
        f"| **Yuelu year: total** | **{r['total_median_s']:.3f}** | {n} |",
    ]
    if "floor_s" in r:
        scaled = (
            ""
            if r["floor_days_measured"] == 365
            else (f" (from {r['floor_days_measured']} days, scaled)")
        )
        lines += [
            f"| per-household Mesa floor: {r['floor_households']:,} agents x 365 draws{scaled} "
            f"| {r['floor_s']:.2f} | 1 |",
            f"| floor / gridsim total | {r['floor_ratio']:.0f}x | |",
        ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed years (default 7)")
    parser.add_argument(
        "--floor-days",
        type=int,
        default=365,
        help="days of the per-household floor to measure (scaled to 365; 0 skips it)",
    )
    parser.add_argument("--scenario", default=str(YUELU))
    parser.add_argument("--json", default=None, help="write the measurements as JSON here")
    parser.add_argument("--out", default=None, help="also write the Markdown table here")
    parser.add_argument("--profile-years", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_years:
        scenario = gridsim.load_scenario(args.scenario)
        year_seconds(scenario, 0)  # warm-up, outside the profiled section
        profile_target(scenario, args.profile_years)
        return 0
    r = measure(args.scenario, args.repeats, args.floor_days)
    lines = [
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, mesa {mesa.__version__}, gridsim {gridsim.__version__}",
        "",
        *table(r),
        "",
        "Where a year's CPU time goes (medians):",
        "",
        *phase_table(r["phases"]),
        "",
        f"Reproduce: `.venv/bin/python benchmarks/bench_year.py --repeats {args.repeats}`",
    ]
    text = "\n".join(lines)
    print(text)
    write_json(args.json, r)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
