"""Time one simulated Yuelu year, against the floor of a per-household Mesa design.

Usage::

    .venv/bin/python benchmarks/bench_year.py [--repeats 7] [--floor-days 365] [--out FILE]

Reports medians over ``--repeats`` runs (a fresh model each time: building the
district and drawing the year's latent issues is part of the cost), split into
set-up and simulation, and the floor of the design gridsim avoids: 191,232
plain ``mesa.Agent`` households that each draw one random number per day.
Both run in the same process, so their ratio is robust to a busy machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import mesa
import numpy as np

import gridsim

ROOT = Path(__file__).resolve().parents[1]


class FloorHousehold(mesa.Agent):
    """A household that does the least a per-household agent can do: one draw a day."""

    def step(self) -> None:
        self.draw = self.model.rng.random()


def floor_seconds(households: int, days: int) -> float:
    """Seconds for ``households`` plain Mesa agents to draw one number per day."""
    model = mesa.Model(rng=1)
    FloorHousehold.create_agents(model, households)
    t0 = time.perf_counter()
    for _ in range(days):
        model.agents.do("step")
    return time.perf_counter() - t0


def year_seconds(scenario: gridsim.Scenario, replication: int) -> tuple[float, float, float]:
    """(set-up, simulation, total) seconds of one replication."""
    t0 = time.perf_counter()
    model = gridsim.GridModel(scenario, replication=replication)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, t2 - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--floor-days", type=int, default=365)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "yuelu-2013.toml"))
    parser.add_argument("--out", default=None, help="Also write the table to this file.")
    args = parser.parse_args()
    scenario = gridsim.load_scenario(args.scenario)
    year_seconds(scenario, 0)  # warm imports and caches
    runs = [year_seconds(scenario, r) for r in range(args.repeats)]
    setup = statistics.median(r[0] for r in runs)
    sim = statistics.median(r[1] for r in runs)
    total = statistics.median(r[2] for r in runs)
    households = scenario.district.households or 191_232
    floor = floor_seconds(households, args.floor_days) * 365 / args.floor_days
    lines = [
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}, "
        f"gridsim {gridsim.__version__}",
        "",
        "| measure | median (s) | runs |",
        "|---|---:|---:|",
        f"| Yuelu year: set-up (district, agents, latent issues) | {setup:.3f} | {args.repeats} |",
        f"| Yuelu year: simulation (365 days) | {sim:.3f} | {args.repeats} |",
        f"| **Yuelu year: total** | **{total:.3f}** | {args.repeats} |",
        f"| per-household Mesa floor: {households:,} agents x 365 draws"
        f"{'' if args.floor_days == 365 else f' (from {args.floor_days} days, scaled)'} "
        f"| {floor:.2f} | 1 |",
        f"| floor / gridsim total | {floor / total:.0f}x | |",
        "",
        f"Reproduce: `.venv/bin/python benchmarks/bench_year.py --repeats {args.repeats}`",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
