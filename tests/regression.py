"""Regression seeds: KPIs that a pure optimisation must leave bit-identical.

Run ``python tests/regression.py`` to rewrite ``tests/data/regression.json``
— only for a change that legitimately alters the random draws, and only after
showing the KPI distributions unchanged with ``benchmarks/kpi_distributions.py``
(the last such check is ``benchmarks/draws-check.md``).

A change of the model's behaviour (a new mechanism, a recalibration) changes
the results by design: rewrite the file in the same commit, say so in its
message, and show the Yuelu bands still hold (``docs/calibration.md``). The
last such change: staffed units, work to deadlines and assessment (issue 15).
"""

from __future__ import annotations

import json
from pathlib import Path

import gridsim

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "regression.json"

SMALL = {"district.communities": 30, "district.households": 12_000}
CASES: dict[str, tuple[str, dict, int]] = {
    "yuelu r0": ("yuelu", {}, 0),
    "yuelu r1": ("yuelu", {}, 1),
    "small base": ("small", {}, 0),
    "small batched": ("small", {"collect.mode": "batched"}, 0),
    "small central": ("small", {"assign.mode": "central"}, 0),
    "small no limits": ("small", {"deadlines.enabled": False, "deadlines.escalation": False}, 0),
    "small rotation": ("small", {"cadres.posting": "rotation"}, 0),
    "small no consultation": ("small", {"handle.joint_consultation": False}, 0),
    "small self-assessed": ("small", {"evaluate.third_party": False, "reply.public": False}, 0),
}


def compute() -> dict[str, dict[str, float]]:
    """KPIs of every regression case."""
    yuelu = gridsim.load_scenario(ROOT / "scenarios" / "yuelu-2013.toml")
    small = yuelu.with_changes(SMALL)
    out = {}
    for name, (base, changes, rep) in CASES.items():
        scenario = (yuelu if base == "yuelu" else small).with_changes(changes)
        out[name] = gridsim.run_scenario(scenario, replication=rep).kpis
    return out


if __name__ == "__main__":
    DATA.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DATA}")
