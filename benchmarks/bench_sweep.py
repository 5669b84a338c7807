"""(c) Sweep speed-up on 2 workers vs 1, and (d) the driver's peak RSS over 10,000 runs.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py speedup [--variants 10] [--replications 10]
        [--repeats 5] [--workers 2] [--json FILE]
    .venv/bin/python benchmarks/bench_sweep.py driver-rss [--variants 100] [--replications 100]
        [--workers 2] [--json FILE]

``speedup`` (c): an experiment of ``--variants`` variants of the Yuelu
scenario (the baseline plus staffing and mechanism variants taken from
scenarios/compare-staffing.toml and compare-mechanisms.toml) x
``--replications``, run with ``Experiment.run(workspace, executor)`` into a
fresh temporary SQLite workspace each time (so the store writes and the final
comparison are included), with ``SerialExecutor()`` and with
``ProcessExecutor(workers)``, interleaved (S P, P S, S P, ...) so that a
busy machine slows both alike. The worker pool is started and warmed once
(one Yuelu year per worker), untimed, before the first repeat; that cold
start is reported separately. Before each repeat a probe measures how many
cores' worth of CPU ``workers`` processes get at that moment (a fixed CPU-bound
job alone vs ``workers`` copies at once): on a shared machine that, not
gridsim, may cap the speed-up.

``driver-rss`` (d): one sweep of ``--variants`` x ``--replications`` runs of a
tiny district (4 communities, 400 households, 60 days; the variants differ in
``households.latent_issues_per_year``) on ``ProcessExecutor(workers)``, writing
every run to a fresh workspace as it completes. The driver runs in a fresh
subprocess and reports its own peak RSS (VmHWM) when the executor has yielded
every run (streaming) and after ``Experiment.run`` returns (including the final
comparison, which reads every stored run back), its RSS at checkpoints, the
workers' largest RSS, the runtime and the store's size.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import BENCH, ROOT, emit, median, peak_rss_mb, rss_mb, run_child, write_json

TINY = {"district.communities": 4, "district.households": 400, "simulation.days": 60}

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("Yuelu 2013", {}),
    ("one cadre per two grids", {"staff.cadres_per_grid": 0.5}),
    ("two information officers", {"staff.information_officers_per_grid": 2.0}),
    ("no volunteers", {"staff.volunteers_per_grid": 0.0}),
    (
        "cadres rotate every 6 months",
        {"cadres.posting": "rotation", "cadres.rotation_interval_days": 180},
    ),
    ("weekly batched collection", {"collect.mode": "batched", "collect.batch_interval_days": 7}),
    ("everything to the district", {"assign.mode": "central"}),
    ("no joint consultation", {"handle.joint_consultation": False}),
    ("no time limits", {"deadlines.enabled": False, "deadlines.escalation": False}),
    ("no public replies", {"reply.public": False}),
    ("limits without escalation", {"deadlines.escalation": False}),
    ("self-assessment", {"evaluate.third_party": False}),
]


def yuelu_experiment(variants: int, replications: int, changes: dict | None = None):
    """The (c) experiment: the first ``variants`` of :data:`VARIANTS` x replications."""
    from gridsim.experiments import Experiment

    if not 1 <= variants <= len(VARIANTS):
        raise SystemExit(f"--variants: 1..{len(VARIANTS)}")
    return Experiment.from_dict(
        {
            "name": "bench-sweep",
            "base": "yuelu-2013.toml",
            "replications": replications,
            "max_replications": max(100, replications),
            "variants": [
                {"name": name, "changes": {**(changes or {}), **ch}}
                for name, ch in VARIANTS[:variants]
            ],
        },
        root=ROOT / "scenarios",
    )


def tiny_experiment(variants: int, replications: int):
    """The (d) experiment: tiny districts differing in latent issues per year."""
    from gridsim.experiments import Experiment

    step = 0.3 / max(variants - 1, 1)
    return Experiment.from_dict(
        {
            "name": "bench-driver",
            "base": "yuelu-2013.toml",
            "replications": replications,
            "max_replications": max(100, replications),
            "variants": [
                {
                    "name": f"latent {0.2 + i * step:.4f}",
                    "changes": {**TINY, "households.latent_issues_per_year": 0.2 + i * step},
                }
                for i in range(variants)
            ],
        },
        root=ROOT / "scenarios",
    )


def timed_sweep(exp, executor) -> tuple[float, float]:
    """Wall seconds of ``exp.run`` into a fresh temporary workspace, and the driver's CPU seconds.

    The CPU time is this process's (every thread: receiving results, writing the
    store, the final comparison; for the serial executor the runs too). On a
    shared machine it is a steadier measure of the driver's cost than wall time.
    """
    from gridsim.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="gridsim-bench-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        ws = Workspace("bench", store=tmp)
        try:
            exp.run(ws, executor, progress=False)
        finally:
            ws.close()
        return time.perf_counter() - t0, time.process_time() - c0


def busy() -> float:
    """A fixed CPU-bound job (pure Python and numpy, ~0.5 s alone); its wall seconds."""
    import numpy as np

    t0 = time.perf_counter()
    total = 0
    for i in range(1_500_000):
        total += i * i
    rng = np.random.default_rng(total % 7)
    for _ in range(8):
        np.sort(rng.random(1_000_000))
    return time.perf_counter() - t0


def capacity(workers: int, rounds: int = 3) -> float:
    """How many cores' worth of work ``workers`` processes get here, now.

    One :func:`busy` job alone vs ``workers`` at once, on the same loky worker
    processes, timed from the driver, ``rounds`` times each (medians):
    ``workers * alone / together``. 2.0 on an
    idle 2-core machine; about 1.0 when other jobs hold one core.
    """
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=workers, backend="loky", batch_size=1)
    alone: list[float] = []
    together: list[float] = []
    for _ in range(rounds):
        for jobs, times in ((1, alone), (workers, together)):
            t0 = time.perf_counter()
            parallel(delayed(busy)() for _ in range(jobs))
            times.append(time.perf_counter() - t0)
    return workers * median(alone) / median(together)


def stop_workers() -> None:
    """Shut the loky worker pool down now (it would otherwise idle on for minutes)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def speedup(variants: int, replications: int, repeats: int, workers: int) -> dict:
    from gridsim.experiments.executors import ProcessExecutor, SerialExecutor

    exp = yuelu_experiment(variants, replications)
    serial, parallel = SerialExecutor(), ProcessExecutor(workers=workers)
    # Untimed warm-up: start the worker pool (imports in every worker), run one Yuelu
    # year per worker (the first year in a process is slower) and warm the driver.
    warm = yuelu_experiment(min(workers, len(VARIANTS)), 1)
    pool_start, _ = timed_sweep(warm, parallel)
    timed_sweep(warm, serial)
    capacity(workers)  # warm the probe too
    s_times: list[float] = []
    p_times: list[float] = []
    p_cpu: list[float] = []
    caps: list[float] = []
    runs = variants * replications
    for i in range(repeats):
        caps.append(capacity(workers))
        print(f"  repeat {i + 1}: machine capacity {caps[-1]:.2f} cores", flush=True)
        order = [("serial", serial), ("parallel", parallel)]
        for name, ex in order if i % 2 == 0 else order[::-1]:
            t, cpu = timed_sweep(exp, ex)
            (s_times if name == "serial" else p_times).append(t)
            if name == "parallel":
                p_cpu.append(cpu)
            print(
                f"  repeat {i + 1}: {name:8s} {t:6.2f} s, driver CPU "
                f"{1e3 * cpu / runs:6.1f} ms per run",
                flush=True,
            )
    stop_workers()
    s, p = median(s_times), median(p_times)
    return {
        "variants": [name for name, _ in VARIANTS[:variants]],
        "replications": replications,
        "runs_per_sweep": variants * replications,
        "repeats": repeats,
        "workers": workers,
        "serial_s": s_times,
        "parallel_s": p_times,
        "serial_median_s": s,
        "parallel_median_s": p,
        "speedup": s / p,
        "pair_speedups": [a / b for a, b in zip(s_times, p_times, strict=True)],
        "driver_cpu_s": p_cpu,
        "driver_cpu_ms_per_run": 1e3 * median(p_cpu) / runs,
        "pool_cold_start_s": pool_start,
        "capacity": caps,
        "capacity_median": median(caps),
    }


@dataclass
class Metered:
    """An executor wrapper that notes the driver's RSS while results stream in."""

    inner: Any
    checkpoints: tuple[int, ...]
    workers: int = 0
    marks: list[dict] = field(default_factory=list)
    stream_peak_mb: float = 0.0
    stream_s: float = 0.0

    def __post_init__(self) -> None:
        self.workers = self.inner.workers

    def run(self, tasks: list) -> Iterator[tuple[Any, dict]]:
        t0 = time.perf_counter()
        self.marks.append({"runs": 0, "rss_mb": rss_mb(), "peak_mb": peak_rss_mb(), "s": 0.0})
        for n, item in enumerate(self.inner.run(tasks), start=1):
            yield item  # the driver stores the previous run before asking for the next
            if n in self.checkpoints:
                self.marks.append(
                    {
                        "runs": n,
                        "rss_mb": rss_mb(),
                        "peak_mb": peak_rss_mb(),
                        "s": time.perf_counter() - t0,
                    }
                )
        self.stream_s = time.perf_counter() - t0
        self.stream_peak_mb = peak_rss_mb()


class WorkerSampler(threading.Thread):
    """Samples the largest RSS of the driver's child processes (the workers)."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_mb = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(self.interval):
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.peak_mb = max(self.peak_mb, child.memory_info().rss / 1e6)


def driver_child(variants: int, replications: int, workers: int) -> None:
    """The (d) driver, in a fresh process: one sweep, then print the JSON result."""
    from gridsim.experiments.executors import ProcessExecutor
    from gridsim.workspace import Workspace

    import_peak = peak_rss_mb()
    exp = tiny_experiment(variants, replications)
    total = variants * replications
    checkpoints = tuple(sorted({1, total // 10, total // 4, total // 2, 3 * total // 4, total}))
    meter = Metered(ProcessExecutor(workers=workers), checkpoints)
    sampler = WorkerSampler()
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="gridsim-bench-") as tmp:
        t0 = time.perf_counter()
        ws = Workspace("bench", store=tmp)
        comparison = exp.run(ws, meter, progress=False)
        elapsed = time.perf_counter() - t0
        stored = len(ws.list_runs(exp.name))
        ws.close()
        store_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
    sampler.stop.set()
    sampler.join()
    stop_workers()
    emit(
        {
            "variants": variants,
            "replications": replications,
            "runs": total,
            "stored_runs": stored,
            "compared_rows": len(comparison.runs),
            "workers": workers,
            "scenario_changes": TINY,
            "runtime_s": elapsed,
            "stream_s": meter.stream_s,
            "import_peak_mb": import_peak,
            "stream_peak_mb": meter.stream_peak_mb,
            "peak_rss_mb": peak_rss_mb(),
            "marks": meter.marks,
            "worker_peak_mb": sampler.peak_mb,
            "store_mb": store_mb,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("speedup", help="(c) wall time on N workers vs serial")
    sp.add_argument("--variants", type=int, default=10)
    sp.add_argument("--replications", type=int, default=10)
    sp.add_argument("--repeats", type=int, default=5)
    sp.add_argument("--workers", type=int, default=2)
    sp.add_argument("--json", default=None, help="write the measurements as JSON here")
    dr = sub.add_parser("driver-rss", help="(d) driver peak RSS over a large tiny sweep")
    dr.add_argument("--variants", type=int, default=100)
    dr.add_argument("--replications", type=int, default=100)
    dr.add_argument("--workers", type=int, default=2)
    dr.add_argument("--json", default=None, help="write the measurements as JSON here")
    dr.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.cmd == "speedup":
        r = speedup(args.variants, args.replications, args.repeats, args.workers)
        print(
            f"{r['runs_per_sweep']} runs ({args.variants} variants x {args.replications} "
            f"replications of Yuelu), medians of {args.repeats}: serial "
            f"{r['serial_median_s']:.2f} s, {args.workers} workers "
            f"{r['parallel_median_s']:.2f} s, speed-up {r['speedup']:.2f}x "
            f"(pool cold start {r['pool_cold_start_s']:.1f} s, untimed); the machine gave "
            f"{args.workers} processes {r['capacity_median']:.2f} cores' worth meanwhile; "
            f"the driver (parent process) used {r['driver_cpu_ms_per_run']:.1f} ms of CPU "
            "per run of the parallel sweeps"
        )
        write_json(args.json, r)
        return 0

    if args.child:
        driver_child(args.variants, args.replications, args.workers)
        return 0
    r = run_child(
        [
            str(BENCH / "bench_sweep.py"),
            "driver-rss",
            "--child",
            "--variants",
            str(args.variants),
            "--replications",
            str(args.replications),
            "--workers",
            str(args.workers),
        ]
    )
    for m in r["marks"]:
        print(
            f"  after {m['runs']:6d} runs ({m['s']:6.1f} s): driver RSS {m['rss_mb']:6.0f} MB, "
            f"peak {m['peak_mb']:6.0f} MB"
        )
    print(
        f"{r['runs']:,} runs on {r['workers']} workers in {r['runtime_s']:.0f} s "
        f"(streaming {r['stream_s']:.0f} s); driver peak RSS while streaming "
        f"{r['stream_peak_mb']:.0f} MB, including the final comparison {r['peak_rss_mb']:.0f} MB; "
        f"workers' largest RSS {r['worker_peak_mb']:.0f} MB; store {r['store_mb']:.0f} MB"
    )
    write_json(args.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
