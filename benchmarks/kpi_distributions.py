"""Check that a change of random draws leaves the KPI distributions unchanged.

A pure optimisation keeps the regression seeds bit-identical
(``tests/test_regression.py``). A change that legitimately alters the draws
must instead show, before ``tests/regression.py`` rewrites the regression
values, that every KPI's mean over many replications stays within the 95 %
confidence interval of the other version's mean, and the other way round.

Usage::

    # the new code (this checkout)
    .venv/bin/python benchmarks/kpi_distributions.py run --replications 50 --json new.json
    # the old code, e.g. a worktree of the previous commit
    git worktree add /tmp/old HEAD~1
    (cd /tmp/old && /work/main/.venv/bin/python benchmarks/kpi_distributions.py \\
        run --replications 50 --json /tmp/old.json)   # PYTHONPATH=/tmp/old/src
    .venv/bin/python benchmarks/kpi_distributions.py compare /tmp/old.json new.json

The run uses the scenarios of the regression seeds (Yuelu and the small
variants) so that every mechanism is exercised.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"district.communities": 30, "district.households": 12_000}
SCENARIOS: dict[str, dict] = {
    "yuelu": {},
    "small central": {**SMALL, "assign.mode": "central"},
    "small batched, no consultation": {
        **SMALL,
        "collect.mode": "batched",
        "handle.joint_consultation": False,
    },
    "small rotation, self-assessed": {
        **SMALL,
        "cadres.posting": "rotation",
        "evaluate.third_party": False,
    },
}


def run(replications: int) -> dict[str, dict[str, list[float]]]:
    """KPIs of ``replications`` replications of every scenario."""
    import gridsim

    base = gridsim.load_scenario(ROOT / "scenarios" / "yuelu-2013.toml")
    out: dict[str, dict[str, list[float]]] = {}
    for name, changes in SCENARIOS.items():
        scenario = base.with_changes(changes)
        rows = [gridsim.run_scenario(scenario, replication=r).kpis for r in range(replications)]
        out[name] = {k: [float(row[k]) for row in rows] for k in rows[0]}
        print(f"{name}: {replications} replications", file=sys.stderr)
    return out


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    mean = float(values.mean())
    if len(values) < 2 or values.std(ddof=1) == 0:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def compare(old: dict, new: dict) -> tuple[list[str], int, list[float]]:
    """Table lines of old vs new means, how many fail the interval check, Welch p-values.

    Two independent samples from one distribution put a mean outside the
    other's 95 % interval about 16 % of the time (the difference of two means
    has sqrt(2) times one mean's standard error), so a few "outside" rows are
    expected; the Welch t-tests with Holm's correction say whether any
    difference is more than chance.
    """
    pvalues: list[float] = []
    lines = [
        "| scenario | KPI | old mean [95 % CI] | new mean [95 % CI] | |",
        "|---|---|---:|---:|---|",
    ]
    failures = 0
    for scenario, kpis in old.items():
        for kpi, values in kpis.items():
            a = np.asarray(values, dtype=float)
            b = np.asarray(new[scenario][kpi], dtype=float)
            if not (np.isfinite(a).all() and np.isfinite(b).all()):
                continue
            ma, la, ha = _interval(a)
            mb, lb, hb = _interval(b)
            ok = la <= mb <= ha and lb <= ma <= hb
            failures += not ok
            if a.std() > 0 or b.std() > 0:
                pvalues.append(float(stats.ttest_ind(a, b, equal_var=False).pvalue))
            lines.append(
                f"| {scenario} | {kpi} | {ma:.4g} [{la:.4g}, {ha:.4g}] | "
                f"{mb:.4g} [{lb:.4g}, {hb:.4g}] | {'ok' if ok else '**outside**'} |"
            )
    return lines, failures, pvalues


def main() -> int:
    """Command line: ``run`` or ``compare``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="KPIs of many replications, as JSON")
    r.add_argument("--replications", type=int, default=50)
    r.add_argument("--json", required=True)
    c = sub.add_parser("compare", help="old vs new means and 95 % intervals")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("--out", help="also write the Markdown table here")
    args = parser.parse_args()
    if args.command == "run":
        Path(args.json).write_text(json.dumps(run(args.replications)))
        return 0
    old = json.loads(Path(args.old).read_text())
    new = json.loads(Path(args.new).read_text())
    lines, failures, pvalues = compare(old, new)
    total = len(lines) - 2
    p = np.sort(np.asarray(pvalues))
    holm = np.maximum.accumulate(p * (len(p) - np.arange(len(p)))) if len(p) else p
    lines += [
        "",
        f"{total - failures} of {total} KPI means inside each other's 95 % interval "
        f"(with no change about {0.16 * total:.0f} would fall outside by chance).",
        f"Welch t-tests, {len(p)} KPIs: smallest p = {p.min() if len(p) else float('nan'):.3g}, "
        f"{int((holm < 0.05).sum())} differ at 5 % after Holm's correction.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
