"""Helpers shared by the benchmark scripts: machine facts, peak RSS, child processes.

Memory is reported in MB (10^6 bytes). Peak RSS is the kernel's high-water
mark of a process's resident set (``VmHWM`` in ``/proc/<pid>/status``), read
by the process itself at the end of the measurement, so every figure is the
peak of one fresh process and never mixes two measurements.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
YUELU = ROOT / "scenarios" / "yuelu-2013.toml"
PYTHON = sys.executable

RESULT_PREFIX = "BENCH-RESULT "
"""A child process prints its result as one JSON line starting with this."""


def status_kb(field: str, pid: int | str = "self") -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmHWM``, ``VmRSS``), 0 if absent."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def kb_to_mb(kb: float) -> float:
    """KiB (as the kernel reports them) to MB (10^6 bytes)."""
    return kb * 1024 / 1e6


def peak_rss_mb() -> float:
    """This process's peak resident set so far (VmHWM), in MB."""
    return kb_to_mb(status_kb("VmHWM"))


def rss_mb(pid: int | str = "self") -> float:
    """A process's current resident set (VmRSS), in MB."""
    return kb_to_mb(status_kb("VmRSS", pid))


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    return float(statistics.median(values))


def emit(result: dict[str, Any]) -> None:
    """Print a child's result as one JSON line for :func:`run_child`."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_child(args: Sequence[str]) -> dict[str, Any]:
    """Run ``python ARGS`` in a fresh process; return its emitted JSON result.

    The child's own ``ru_maxrss`` (from ``wait4``, in MB) is added as
    ``"ru_maxrss_mb"``: a cross-check of the VmHWM the child reports itself.
    It covers the child and any grandchildren it reaped (for a driver with
    worker processes, use the child's own VmHWM instead).
    """
    proc = subprocess.Popen(
        [PYTHON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stderr is not None
    err_chunks: list[str] = []
    stderr = proc.stderr
    reader = threading.Thread(target=lambda: err_chunks.append(stderr.read()), daemon=True)
    reader.start()
    out = proc.stdout.read()
    reader.join()
    # Reap the child ourselves: wait4 returns its resource usage (Popen.wait would not).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = "".join(err_chunks)
    if proc.returncode != 0:
        raise RuntimeError(
            f"child failed with exit code {proc.returncode}: {' '.join(args)}\n{err[-4000:]}"
        )
    lines = [ln for ln in out.splitlines() if ln.startswith(RESULT_PREFIX)]
    if not lines:
        raise RuntimeError(f"child printed no result: {' '.join(args)}\n{out[-2000:]}")
    result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["ru_maxrss_mb"] = kb_to_mb(usage.ru_maxrss)
    return result


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def src_digests() -> dict[str, str]:
    """A short hash of each of gridsim's source files (to notice edits during a run)."""
    import hashlib

    src = ROOT / "src" / "gridsim"
    return {
        str(f.relative_to(src)): hashlib.sha256(f.read_bytes()).hexdigest()[:12]
        for f in sorted(src.rglob("*.py"))
    }


def code_version() -> str:
    """The commit, and whether gridsim's source differs from it."""
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "src"))
    return commit + (" + uncommitted src/ edits" if dirty else "")


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, RAM, versions, date, load."""
    import mesa
    import numpy as np

    import gridsim

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": kb_to_mb(status_kb_meminfo("MemTotal")) / 1000,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "gridsim": gridsim.__version__,
        "commit": code_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg(),
    }


def status_kb_meminfo(field: str) -> int:
    """A ``kB`` field of ``/proc/meminfo``."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def write_json(path: str | os.PathLike[str] | None, data: dict[str, Any]) -> None:
    """Write a script's results as JSON (for run_all.py), if a path is given."""
    if path:
        Path(path).write_text(json.dumps(data, indent=2) + "\n")
