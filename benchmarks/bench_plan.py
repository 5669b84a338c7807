"""(f) A whole plan on 2 workers, and (g) the sweep throughput a plan's search gets.

Usage::

    .venv/bin/python benchmarks/bench_plan.py plan [--plan scenarios/plan-yuelu.toml]
        [--workers 2] [--json FILE]
    .venv/bin/python benchmarks/bench_plan.py throughput [--designs 40] [--replications 2]
        [--repeats 3] [--workers 2] [--json FILE]

``plan`` (f): ``gridsim plan PLAN --workers 2 --store FRESH --json`` in a fresh
process, on a fresh temporary store (no run and no trial to resume), timed from
start to exit: search, the selection (the best designs re-run with seeds the
search never used, KN), the verification of the winner's targets on those fresh
runs, and discovery. Reports the wall time, the runs the store holds afterwards,
the recommendation and whether every target was met on the fresh runs.

``throughput`` (g): ``--designs`` distinct Yuelu-size designs (random values of
the levers of scenarios/plan-yuelu.toml, at the base point: the full district,
one year) x ``--replications``, through ``make_executor(workers)`` with the
worker pool started and warmed (two other designs, untimed) first. Two ways,
alternating, each on designs of its own (so no design is ever run twice):

* **executor**: the runs as the plan's runner submits them (one task per run,
  results encoded in the worker), only consumed by the driver;
* **plan runner**: the same through :class:`gridsim.planning.runner.Runner`,
  which also writes every run to a fresh SQLite workspace as it arrives and
  summarises each design, as a plan's search does.

Before each repeat the probe of ``bench_sweep.py`` measures how many cores'
worth of CPU the workers get at that moment. Runs per second are runs / wall
time of a pass; the figures are medians over the repeats.

Then, as a figure other jobs on the machine move less than wall time, the
CPU time of one run in one process: ``--designs`` more distinct designs x
``--replications`` run one after another in this process as a worker runs
them (:class:`~gridsim.experiments.executors.SerialExecutor`: the set-up cache,
the store's row format, a collection after each run), after one untimed
run; the median over the runs (the first runs of each grid size also build
their set-up) and the mean.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_sweep import capacity, stop_workers
from common import PYTHON, ROOT, median, write_json

PLAN = ROOT / "scenarios" / "plan-yuelu.toml"


def gridsim_command() -> list[str]:
    """The ``gridsim`` command of this interpreter's environment."""
    script = Path(PYTHON).with_name("gridsim")
    return [str(script)] if script.exists() else [PYTHON, "-m", "gridsim.cli"]


def whole_plan(plan_file: Path, workers: int) -> dict[str, Any]:
    """Run a plan from scratch in a fresh process; its wall time and what it recommended."""
    from gridsim.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="gridsim-bench-plan-"))
    try:
        store = tmp / "store"
        cmd = [
            *gridsim_command(),
            "plan",
            str(plan_file),
            "--workers",
            str(workers),
            "--store",
            str(store),
            "--json",
            "--no-progress",
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
        out = json.loads(proc.stdout)
        ws = Workspace("default", store=str(store))
        try:
            runs = len(ws.existing_keys(f"plan {out['plan']}"))
        finally:
            ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    selection = out.get("selection") or {}
    targets = out["targets"]
    search = out["search"]
    return {
        "plan": str(plan_file.relative_to(ROOT))
        if plan_file.is_relative_to(ROOT)
        else str(plan_file),
        "workers": workers,
        "wall_s": wall,
        "runs": runs,
        "runs_per_s": runs / wall,
        "trials": search["trials"],
        "search_stopped": search["stopped"],
        "search_s": search["seconds"],
        "feasible": out["feasible"],
        "recommendation": out["recommendation"],
        "targets": targets,
        "verified": bool(out["feasible"]) and all(t["met"] for t in targets),
        "selection_designs": len(selection.get("replications", {})),
        "selection_replications": selection.get("replications", {}),
        "selection_pcs": selection.get("pcs"),
        "selection_stopped_early": selection.get("stopped_early"),
        "discovery": {
            k: (out.get("discovery") or {}).get(k) for k in ("runs", "failed", "failure_rate")
        },
    }


def sample_designs(plan: Any, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` distinct random designs from the plan's levers (each on its step grid)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    grids = []
    for lever in plan.spec.levers:
        if lever.choices is not None:
            grids.append(list(lever.choices))
            continue
        step = lever.step or (lever.high - lever.low) / 10
        values = np.arange(lever.low, lever.high + step / 2, step)
        grids.append(
            [int(v) for v in values] if lever.kind == "int" else [float(v) for v in values]
        )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(out) < n:
        params = {
            lever.key: values[rng.integers(len(values))]
            for lever, values in zip(plan.spec.levers, grids, strict=True)
        }
        key = json.dumps(params, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(params)
    return out


def executor_pass(plan: Any, executor: Any, designs: list[dict[str, Any]], reps: int) -> float:
    """Wall seconds to run the designs x replications through the executor alone."""
    from gridsim.experiments.executors import Task
    from gridsim.store import current_model_version

    model = current_model_version()
    t0 = time.perf_counter()
    tasks = []
    for params in designs:
        s = plan.scenario(params)
        data, h = s.to_dict(), s.content_hash()
        tasks += [Task(s.name, h, r, s.simulation.seed, data, True, model) for r in range(reps)]
    done = sum(1 for _ in executor.run(tasks))
    assert done == len(tasks)
    return time.perf_counter() - t0


def runner_pass(plan: Any, executor: Any, designs: list[dict[str, Any]], reps: int) -> float:
    """Wall seconds to run them through the plan's runner into a fresh SQLite workspace."""
    from gridsim.planning.runner import Runner
    from gridsim.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="gridsim-bench-") as tmp:
        t0 = time.perf_counter()
        ws = Workspace("bench", store=tmp)
        try:
            evaluated = Runner(plan, ws, executor).designs(designs, range(reps))
            assert len(evaluated) == len(designs)
            stored = len(ws.existing_keys(plan.experiment))
        finally:
            ws.close()
        elapsed = time.perf_counter() - t0
    assert stored == len(designs) * reps, stored
    return elapsed


def serial_cpu(plan: Any, designs: list[dict[str, Any]], reps: int) -> list[float]:
    """CPU seconds of each run of ``designs`` x ``reps``, one after another in this process."""
    from gridsim.experiments.executors import SerialExecutor, Task
    from gridsim.store import current_model_version

    model = current_model_version()
    tasks = []
    for params in designs:
        s = plan.scenario(params)
        data, h = s.to_dict(), s.content_hash()
        tasks += [Task(s.name, h, r, s.simulation.seed, data, True, model) for r in range(reps)]
    cpu: list[float] = []
    t0 = time.process_time()
    for _ in SerialExecutor().run(tasks):
        now = time.process_time()
        cpu.append(now - t0)
        t0 = now
    return cpu


def throughput(designs: int, replications: int, repeats: int, workers: int) -> dict[str, Any]:
    """(g): runs per second of distinct Yuelu designs on ``workers`` warm workers."""
    from gridsim.experiments.executors import make_executor
    from gridsim.planning.plan import Plan
    from gridsim.planning.spec import UncertaintySpec

    full = Plan.from_file(PLAN)
    # The plan's levers at the base point only: one run per design and replication.
    plan = Plan(
        full.spec.model_copy(update={"uncertainty": UncertaintySpec()}),
        full.base,
        full.base_path,
        full.source,
    )
    assert plan.points == [{}]
    pool = sample_designs(plan, 2 + (2 * repeats + 1) * designs, seed=2013)
    warm, pool = pool[:2], pool[2:]
    executor = make_executor(workers)
    t0 = time.perf_counter()
    executor_pass(plan, executor, warm, 1)  # start the pool, a first year in every worker
    cold = time.perf_counter() - t0
    capacity(workers)  # warm the probe
    runs = designs * replications
    ex_s: list[float] = []
    rn_s: list[float] = []
    caps: list[float] = []
    for i in range(repeats):
        caps.append(capacity(workers))
        batch_ex = pool[(2 * i) * designs : (2 * i + 1) * designs]
        batch_rn = pool[(2 * i + 1) * designs : (2 * i + 2) * designs]
        order = [("executor", batch_ex), ("runner", batch_rn)]
        for name, batch in order if i % 2 == 0 else order[::-1]:
            if name == "executor":
                ex_s.append(executor_pass(plan, executor, batch, replications))
            else:
                rn_s.append(runner_pass(plan, executor, batch, replications))
        print(
            f"  repeat {i + 1}: capacity {caps[-1]:.2f} cores; executor "
            f"{runs / ex_s[-1]:5.1f} runs/s, plan runner {runs / rn_s[-1]:5.1f} runs/s",
            flush=True,
        )
    stop_workers()
    serial_cpu(plan, warm[:1], 1)  # a first run in this process: the compiled kernel loaded
    cpu = serial_cpu(plan, pool[2 * repeats * designs :], replications)
    print(
        f"  one process: CPU {1e3 * median(cpu):.1f} ms per run (median of {len(cpu)}; "
        f"mean {1e3 * sum(cpu) / len(cpu):.1f} ms)",
        flush=True,
    )
    return {
        "designs": designs,
        "replications": replications,
        "runs_per_pass": runs,
        "repeats": repeats,
        "workers": workers,
        "levers": [lever.key for lever in plan.spec.levers],
        "executor_s": ex_s,
        "runner_s": rn_s,
        "executor_runs_per_s": runs / median(ex_s),
        "runner_runs_per_s": runs / median(rn_s),
        "executor_runs_per_s_each": [runs / s for s in ex_s],
        "runner_runs_per_s_each": [runs / s for s in rn_s],
        "pool_cold_start_s": cold,
        "capacity": caps,
        "capacity_median": median(caps),
        "serial_cpu_ms_median": 1e3 * median(cpu),
        "serial_cpu_ms_mean": 1e3 * sum(cpu) / len(cpu),
        "serial_runs": len(cpu),
    }


def main() -> int:
    """Run one of the two measurements and print (and optionally write) its result."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan", help="(f) a whole plan from scratch, wall time")
    pl.add_argument("--plan", default=str(PLAN), help="plan file (scenarios/plan-yuelu.toml)")
    pl.add_argument("--workers", type=int, default=2)
    pl.add_argument("--json", default=None, help="write the measurements as JSON here")
    tp = sub.add_parser("throughput", help="(g) runs/s of distinct Yuelu designs, warm pool")
    tp.add_argument("--designs", type=int, default=40)
    tp.add_argument("--replications", type=int, default=2)
    tp.add_argument("--repeats", type=int, default=3)
    tp.add_argument("--workers", type=int, default=2)
    tp.add_argument("--json", default=None, help="write the measurements as JSON here")
    args = parser.parse_args()

    if args.cmd == "plan":
        r = whole_plan(Path(args.plan).resolve(), args.workers)
        print(
            f"{r['plan']} on {r['workers']} workers, fresh store: {r['wall_s']:.0f} s, "
            f"{r['runs']} runs ({r['runs_per_s']:.1f} runs/s); {r['trials']} trials "
            f"(stopped: {r['search_stopped']}); every target met on the fresh runs: "
            f"{r['verified']}"
        )
        print(r["recommendation"])
        write_json(args.json, r)
        return 0
    r = throughput(args.designs, args.replications, args.repeats, args.workers)
    print(
        f"{r['runs_per_pass']} runs ({args.designs} distinct designs x {args.replications} "
        f"replications of Yuelu) on {args.workers} warm workers, medians of {args.repeats}: "
        f"executor {r['executor_runs_per_s']:.1f} runs/s, plan runner (store writes "
        f"included) {r['runner_runs_per_s']:.1f} runs/s; the machine gave {args.workers} "
        f"processes {r['capacity_median']:.2f} cores' worth meanwhile"
    )
    write_json(args.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
