"""How much memory and time one run of a scenario will take, before anything is allocated.

A run's cost grows with what it holds and does, not with households × days:
the households, the grids and the staff agents, the latent issues drawn over
the run and its warm-up (the largest arrays), and the planned visits. So the
estimate is a linear model in those sizes (:class:`RunSizes`, computed from
the scenario alone, in microseconds):

    peak RSS = base + Σ coefficient × size,   seconds = Σ coefficient × size

The coefficients were fitted by non-negative least squares to runs measured
on this code (``python -m gridsim.estimate`` measures them again and prints
the fit): each run in a fresh process, after a small warm-up run has loaded
the compiled kernel; peak memory is the peak RSS of the run (``VmHWM``
after resetting it, else ``ru_maxrss``) above the RSS after the warm-up
(:data:`BASE_BYTES`, ~340 MB), time the fastest of three wall times of
:func:`gridsim.run_scenario` (build and run). The fit runs
(:data:`FIT_RUNS`) are Yuelu (191,232 households, 0.09 s and 21 MB above
the base), x2 and x5 households, x5 latent issues, five years, five officers
per grid, 60 households per grid and 50 cadres per grid; on the runs not
fitted (:data:`CHECK_RUNS`: x3 households at twice the issue rate for two
years, x10 households, 300 cadres per grid, 30 households per grid at three
times the issue rate) measured memory was 0.87–1.05 of the estimate
(:data:`FIT_CHECK`). Time is a rough guide: on the shared two-core machine of
the fit, the same run's time varied by up to 2x between measurements, and
the checks ran 1.2–1.5x the estimate. Two memory terms are set from the code
rather than fitted, because the fit runs barely exercise them: the
working-day table (``days × (longest limit + 1)`` int64 cells, three arrays
of it at once) and the visit–issue pairs.

The estimate is for one run in one process; a sweep's workers each hold one.
:func:`check_fits` refuses a scenario whose estimate exceeds the memory the
machine has available (``MemAvailable``), or ``GRIDSIM_MAX_MEMORY`` when set
(``"2GB"``, ``"512MiB"``, ``"1.5G"`` or bytes).
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridsim.scenario import Scenario, ScenarioError
from gridsim.vocab import KINDS

MAX_MEMORY_ENV = "GRIDSIM_MAX_MEMORY"
"""Environment variable capping the memory a run may be estimated to need."""

# -- the fitted model (python -m gridsim.estimate) -----------------------------

BASE_BYTES = 336e6
"""Resident memory of a process that has imported gridsim and run a small warm-up."""

MEMORY_BYTES: dict[str, float] = {
    "households": 32.8,
    "grids": 1208.0,
    "issues": 109.8,
    "visits": 12.9,
    "cadres": 277.8,
    "pairs": 16.0,  # from the code: an int32 issue id, an int8 visitor, and their temporaries
    "calendar_cells": 24.0,  # from the code: int64 cells, three arrays of them at once
}
"""Bytes of peak RSS per unit of each size (see :class:`RunSizes`)."""

SECONDS: dict[str, float] = {
    "run": 0.0271,
    "households": 3.85e-8,
    "grids": 1.73e-5,
    "issues": 3.66e-7,
    "visits": 8.08e-8,
    "cadres": 0.0,
    "pairs": 0.0,
    "calendar_cells": 0.0,
}
"""Seconds per unit of each size (``run``: a fixed cost per run)."""

FIT_CHECK: dict[str, float] = {
    "x3 households, x2 issues, two years": 1.05,
    "x10 households": 1.05,
    "300 cadres per grid": 1.01,
    "30 households per grid, x3 issues": 0.87,
}
"""Measured / estimated peak memory above the base on the runs not fitted (the last fit)."""

# Which scenario keys drive each size, for messages (the most changed one is named).
_DRIVERS: dict[str, tuple[str, ...]] = {
    "households": ("district.households", "district.communities_csv"),
    "grids": ("grids.households_per_grid", "district.households", "district.communities"),
    "issues": (
        "households.latent_issues_per_year",
        "district.households",
        "simulation.days",
        "households.issue_lifetime_days",
        "issues.public_issues_per_grid_year",
        "district.kinds",
    ),
    "visits": (
        "staff.information_officers_per_grid",
        "staff.cadres_per_grid",
        "staff.hours_per_week",
        "visits.officer_hours_per_visit",
        "visits.cadre_hours_per_visit",
        "simulation.days",
        "district.households",
    ),
    "cadres": ("staff.cadres_per_grid", "district.households"),
    "pairs": ("households.issue_lifetime_days", "staff.information_officers_per_grid"),
    "calendar_cells": ("simulation.days", "deadlines.limit_working_days"),
}


@dataclass(frozen=True)
class RunSizes:
    """What one run holds and does, computed from the scenario alone.

    Attributes:
        households: Households in the district.
        grids: Grids the communities are cut into.
        issues: Latent issues drawn (household and public, warm-up included).
        visits: Household visits planned (officers and cadres).
        cadres: Stationed cadres (one agent each).
        pairs: Expected visit–pending-issue pairs.
        calendar_cells: Cells of the working-day table (days × longest limit).
    """

    households: float
    grids: float
    issues: float
    visits: float
    cadres: float
    pairs: float
    calendar_cells: float

    def as_dict(self) -> dict[str, float]:
        """Sizes by name."""
        return {k: float(getattr(self, k)) for k in MEMORY_BYTES}


def run_sizes(scenario: Scenario) -> RunSizes:
    """The sizes of one run of ``scenario`` (no district is built).

    Args:
        scenario: A validated scenario.

    Returns:
        Its sizes; a district from a CSV counts the CSV's households.
    """
    d, s = scenario.district, scenario
    if d.communities_csv is not None:
        from gridsim.scenario import read_communities_csv

        rows = read_communities_csv(d.communities_csv)
        per_kind = dict.fromkeys(KINDS, 0.0)
        for r in rows:
            per_kind[str(r["kind"])] += float(r["households"])  # type: ignore[arg-type]
        households = sum(per_kind.values())
        communities = float(len(rows))
        weight = {k: v / households for k, v in per_kind.items()}
    else:
        assert d.communities is not None and d.households is not None
        households, communities = float(d.households), float(d.communities)
        weight = {k: getattr(d.kinds, k).share for k in KINDS}
    kinds = {k: getattr(d.kinds, k) for k in KINDS}
    grids = min(households, max(communities, round(households / s.grids.households_per_grid)))
    hh = s.households
    days = s.simulation.days
    span = days + min(3.0 * hh.issue_lifetime_days, 365.0)
    latent_mult = sum(weight[k] * kinds[k].latent_rate_multiplier for k in KINDS)
    rate = hh.latent_issues_per_year * latent_mult
    issues = (households * rate + grids * s.issues.public_issues_per_grid_year) * span / 365.0
    start = np.datetime64(s.simulation.start_date, "D")
    working = float(np.busday_count(start, start + np.timedelta64(days, "D")))
    inv_visit_mult = sum(weight[k] / kinds[k].visit_hours_multiplier for k in KINDS)
    st, v = s.staff, s.visits
    officers = round(grids * st.information_officers_per_grid)
    cadres = round(grids * st.cadres_per_grid)
    per_day = (
        officers * st.hours_per_week.information_officer / 5.0 / v.officer_hours_per_visit
        + cadres * st.hours_per_week.cadre / 5.0 / v.cadre_hours_per_visit
    ) * inv_visit_mult
    visits = working * per_day
    pending = rate * min(hh.issue_lifetime_days, span) / 365.0  # open issues per household
    longest = max(
        *s.deadlines.limit_working_days.as_list(), float(s.collect.verification_delay_days)
    )
    return RunSizes(
        households=households,
        grids=float(grids),
        issues=issues,
        visits=visits,
        cadres=float(cadres),
        pairs=visits * pending,
        calendar_cells=days * (int(longest) + 1.0),
    )


@dataclass(frozen=True)
class RunEstimate:
    """Estimated peak memory and time of one run.

    Attributes:
        memory_bytes: Peak resident memory of the process running it.
        seconds: Wall time to build and run it (on the machine the model was fitted on).
        sizes: The sizes it follows from.
        memory_terms: Bytes by size, the base excluded.
    """

    memory_bytes: float
    seconds: float
    sizes: RunSizes
    memory_terms: dict[str, float]

    @property
    def largest(self) -> str:
        """The size that takes the most memory."""
        return max(self.memory_terms, key=self.memory_terms.__getitem__)

    def describe(self) -> str:
        """One line: memory (and what most of it is for) and time."""
        top = self.largest
        return (
            f"estimated peak memory {format_bytes(self.memory_bytes)} "
            f"({format_bytes(BASE_BYTES)} for gridsim itself, "
            f"{format_bytes(self.memory_bytes - BASE_BYTES)} for the run, "
            f"most for {top.replace('_', ' ')}), about {format_seconds(self.seconds)} per run"
        )


def estimate_run(scenario: Scenario) -> RunEstimate:
    """Estimate the peak memory and time of one run of ``scenario``.

    Args:
        scenario: A validated scenario.

    Returns:
        The estimate (fitted model, see the module docstring).
    """
    sizes = run_sizes(scenario)
    values = sizes.as_dict()
    terms = {k: MEMORY_BYTES[k] * values[k] for k in values}
    seconds = SECONDS["run"] + sum(SECONDS[k] * values[k] for k in values)
    return RunEstimate(
        memory_bytes=BASE_BYTES + sum(terms.values()),
        seconds=seconds,
        sizes=sizes,
        memory_terms=terms,
    )


def driving_key(scenario: Scenario, size: str) -> str:
    """The scenario key behind a size: of the keys it grows with, the furthest from its default.

    Args:
        scenario: A validated scenario.
        size: A field of :class:`RunSizes`.

    Returns:
        A dotted key, e.g. ``district.households``.
    """
    default = Scenario().to_dict()
    data = scenario.to_dict()

    def leaves(key: str, node: Any, ref: Any) -> list[tuple[str, Any, Any]]:
        if isinstance(node, dict):
            return [x for k in node for x in leaves(f"{key}.{k}", node[k], ref.get(k))]
        return [(key, node, ref)]

    best, best_ratio = _DRIVERS[size][0], 1.0
    for key in _DRIVERS[size]:
        node, ref = data, default
        for part in key.split("."):
            node, ref = node[part], ref[part]
        for leaf, value, dflt in leaves(key, node, ref):
            if value == dflt:
                continue
            if isinstance(value, int | float) and isinstance(dflt, int | float) and value and dflt:
                ratio = max(abs(value / dflt), abs(dflt / value))
            else:
                ratio = math.inf  # a CSV instead of totals, say
            if ratio > best_ratio:
                best, best_ratio = leaf, ratio
    return best


# -- the machine -----------------------------------------------------------------

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
    "tb": 1000**4,
}


def parse_size(text: str) -> int:
    """Bytes in a size such as ``"2GB"``, ``"512MiB"``, ``"1.5G"`` or ``"3000000"``.

    ``KB``/``MB``/``GB``/``TB`` are powers of 1000; ``KiB``... and the bare
    ``K``/``M``/``G``/``T`` are powers of 1024.

    Raises:
        ValueError: Not a positive size.
    """
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS or not float(m.group(1)) > 0:
        raise ValueError(f"expected a size like 2GB, 512MiB or 3000000000, got {text!r}")
    value = float(m.group(1)) * _UNITS[unit]
    if not math.isfinite(value):
        raise ValueError(f"expected a size like 2GB, 512MiB or 3000000000, got {text!r}")
    return int(value)


def available_memory() -> tuple[int, str]:
    """Memory a run may use, and where the figure comes from.

    Returns:
        ``(bytes, source)``: ``GRIDSIM_MAX_MEMORY`` when set, else the
        memory the system has available (``MemAvailable`` of
        ``/proc/meminfo``, or psutil's figure, or physical memory).

    Raises:
        ScenarioError: ``GRIDSIM_MAX_MEMORY`` is not a size.
    """
    env = os.environ.get(MAX_MEMORY_ENV, "").strip()
    if env:
        try:
            return parse_size(env), MAX_MEMORY_ENV
        except ValueError as exc:
            raise ScenarioError(f"{MAX_MEMORY_ENV}: {exc}") from None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024, "available memory"
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available), "available memory"
    except ImportError:  # pragma: no cover - psutil is a test dependency, not a runtime one
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return int(pages * size), "physical memory"


def check_fits(scenario: Scenario, where: str, processes: int = 1) -> RunEstimate:
    """Refuse a scenario whose run would not fit in memory; else return its estimate.

    Args:
        scenario: A validated scenario.
        where: Prefix of the message: the file (and variant) it came from.
        processes: Runs held in memory at once (the local worker processes of
            a sweep, each with its own copy of gridsim): the limit applies to
            ``processes`` × one run's estimate.

    Returns:
        The estimate of one run.

    Raises:
        ScenarioError: One line naming the key that drives the size, the
            estimate and the memory available.
    """
    est = estimate_run(scenario)
    limit, source = available_memory()
    processes = max(1, int(processes))
    if est.memory_bytes * processes > limit:
        top = est.largest
        size = getattr(est.sizes, top)
        key = driving_key(scenario, top)
        together = format_bytes(est.memory_bytes * processes)
        total = f"; {processes} worker processes at once need {together}" if processes > 1 else ""
        raise ScenarioError(
            f"{where}: {key}: a run needs an estimated {format_bytes(est.memory_bytes)} "
            f"({_count(size)} {top.replace('_', ' ')}){total}, more than the "
            f"{format_bytes(limit)} of {source}; make the district or run smaller"
            + (", or use fewer --workers" if processes > 1 else "")
            + (f", or raise {MAX_MEMORY_ENV}" if source == MAX_MEMORY_ENV else "")
        )
    return est


def format_bytes(n: float) -> str:
    """``1.2 GB``, ``310 MB``... (powers of 1000)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{n:.0f} B"


def format_seconds(s: float) -> str:
    """``0.17 s``, ``12 min``, ``3.1 h``, ``40 days``."""
    if s < 60:
        return f"{s:.2g} s" if s < 10 else f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    if s < 86400 * 2:
        return f"{s / 3600:.2g} h"
    return f"{s / 86400:,.0f} days"


def _count(x: float) -> str:
    for word, scale in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if x >= scale:
            return f"{x / scale:,.3g} {word}"
    return f"{x:,.0f}"


# -- measuring and fitting ---------------------------------------------------------

YUELU = Path(__file__).resolve().parents[2] / "scenarios" / "yuelu-2013.toml"

FIT_RUNS: dict[str, dict[str, Any]] = {
    "yuelu": {},
    "x2 households": {"district.communities": 332, "district.households": 382_464},
    "x5 households": {"district.communities": 830, "district.households": 956_160},
    "x5 issues": {"households.latent_issues_per_year": 1.53},
    "five years": {"simulation.days": 1825},
    "five officers": {"staff.information_officers_per_grid": 5.0},
    "60 households per grid": {"grids.households_per_grid": 60.0},
    "50 cadres per grid": {"staff.cadres_per_grid": 50.0},
}
"""Runs the model is fitted to: changes to the Yuelu baseline."""

CHECK_RUNS: dict[str, dict[str, Any]] = {
    "x3 households, x2 issues, two years": {
        "district.communities": 498,
        "district.households": 573_696,
        "households.latent_issues_per_year": 0.6,
        "simulation.days": 730,
    },
    "x10 households": {"district.communities": 1660, "district.households": 1_912_320},
    "300 cadres per grid": {"staff.cadres_per_grid": 300.0},
    "30 households per grid, x3 issues": {
        "grids.households_per_grid": 30.0,
        "households.latent_issues_per_year": 0.9,
    },
}
"""Runs the fit is checked on (not fitted)."""

_WARM = {"district.communities": 10, "district.households": 2000, "simulation.days": 30}


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS count (Linux ``clear_refs``); whether it could."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak(reset: bool) -> int:
    """Peak RSS since :func:`_reset_peak` (``VmHWM``), else since the process began."""
    if reset:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(changes: dict[str, Any]) -> dict[str, float]:
    """Measure one run of the Yuelu baseline with ``changes``, in a fresh process.

    Returns:
        ``base`` (RSS after import and a warm-up run), ``peak`` (bytes above
        it, in the first run) and ``seconds`` (build and run, the fastest of three).
    """
    code = (
        "import json, sys; from gridsim.estimate import _measure_here; "
        "print(json.dumps(_measure_here(json.loads(sys.argv[1]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(changes)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_here(changes: dict[str, Any]) -> dict[str, float]:
    import gc

    from gridsim.model.gridmodel import run_scenario
    from gridsim.scenario import load_scenario

    yuelu = load_scenario(YUELU)
    run_scenario(yuelu.with_changes(_WARM))
    gc.collect()
    base = _rss()
    reset = _reset_peak()  # else a compile in the warm-up (a fresh kernel cache) would count
    scenario = yuelu.with_changes(changes)
    seconds = []
    for _ in range(3):  # the fastest of three: other processes only ever slow a run down
        t0 = time.perf_counter()
        run_scenario(scenario)
        seconds.append(time.perf_counter() - t0)
        if len(seconds) == 1:
            peak = _peak(reset)
    return {"base": base, "peak": max(0, peak - base), "seconds": min(seconds)}


def fit() -> str:
    """Measure :data:`FIT_RUNS` and :data:`CHECK_RUNS`, fit the model, report it.

    Returns:
        A report: the coefficients (to paste into this module) and the
        measured / estimated ratios on every run.
    """
    from scipy.optimize import nnls

    from gridsim.scenario import load_scenario

    yuelu = load_scenario(YUELU)
    fixed = {"pairs", "calendar_cells"}
    free = [k for k in MEMORY_BYTES if k not in fixed]
    rows, mem, sec, bases = [], [], [], []
    measured: dict[str, dict[str, float]] = {}
    for name, changes in {**FIT_RUNS, **CHECK_RUNS}.items():
        measured[name] = measure(changes)
        print(f"measured {name}: {measured[name]}", file=sys.stderr)
    for name in FIT_RUNS:
        sizes = run_sizes(yuelu.with_changes(FIT_RUNS[name])).as_dict()
        m = measured[name]
        rows.append([sizes[k] for k in free])
        mem.append(m["peak"] - sum(MEMORY_BYTES[k] * sizes[k] for k in fixed))
        sec.append(m["seconds"])
        bases.append(m["base"])
    # Relative least squares (each row divided by its measurement): a small run's
    # error counts as much as a large one's.
    a, y_mem, y_sec = np.array(rows), np.array(mem), np.array(sec)
    mem_coef, _ = nnls(a / y_mem[:, None], np.ones(len(rows)))
    time_rows = np.column_stack([np.ones(len(rows)), a])
    time_coef, _ = nnls(time_rows / y_sec[:, None], np.ones(len(rows)))
    lines = [f"BASE_BYTES = {float(np.median(bases)):.3g}", "MEMORY_BYTES:"]
    lines += [f"  {k}: {c:.4g}" for k, c in zip(free, mem_coef, strict=True)]
    lines += ["SECONDS:", f"  run: {time_coef[0]:.4g}"]
    lines += [f"  {k}: {c:.4g}" for k, c in zip(free, time_coef[1:], strict=True)]
    lines.append("measured / estimated (peak above base; seconds):")
    for name, changes in {**FIT_RUNS, **CHECK_RUNS}.items():
        sizes = run_sizes(yuelu.with_changes(changes)).as_dict()
        est_mem = sum(c * sizes[k] for k, c in zip(free, mem_coef, strict=True)) + sum(
            MEMORY_BYTES[k] * sizes[k] for k in fixed
        )
        est_sec = time_coef[0] + sum(c * sizes[k] for k, c in zip(free, time_coef[1:], strict=True))
        m = measured[name]
        tag = "check" if name in CHECK_RUNS else "fit"
        lines.append(
            f"  [{tag}] {name}: memory {m['peak'] / 1e6:.0f} / {est_mem / 1e6:.0f} MB "
            f"= {m['peak'] / est_mem:.2f}; time {m['seconds']:.2f} / {est_sec:.2f} s "
            f"= {m['seconds'] / est_sec:.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(fit())
