"""What a plan found: the designs, the winner, its verified targets, the answer in a sentence."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from gridsim.planning.search import Design, SearchResult
from gridsim.planning.spec import PlanSpec

REPORTED_KPIS = (
    "cost",
    "on_time_rate",
    "satisfaction",
    "visits_per_household",
    "resolution_rate",
    "p90_days_to_close",
    "households_visited",
    "issues_collected",
    "issues_resolved",
)
"""KPIs every plan result reports for its designs (besides the targets)."""


class PlanFile(Protocol):
    """What a result says of its plan (:class:`gridsim.planning.plan.Plan` is one)."""

    spec: PlanSpec
    base_path: str
    source: str


@dataclass
class PlanResult:
    """Everything a plan found, JSON-ready through :meth:`to_dict`.

    Attributes:
        plan: The plan.
        search: The search's designs and why it stopped.
        baseline: The base design (no lever changed), evaluated like the others.
        selection: KN's result over the best feasible designs (None if none).
        winner: The recommended design (None: no design met the targets).
        verified: Target KPI -> {estimate, ci95, met} from the selection's fresh runs.
        kpis: KPI -> {mean, ci95} of the winner on the fresh runs.
        compared: The designs the selection compared, in its order (its index i is compared[i]).
        discovery: Where the winner fails (PRIM, CART), or None.
    """

    plan: PlanFile
    search: SearchResult
    baseline: Design
    selection: Any = None
    winner: Design | None = None
    verified: dict[str, dict[str, Any]] = field(default_factory=dict)
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    discovery: Any = None
    compared: list[Design] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """Whether a design met every target."""
        return self.winner is not None

    def nearest(self, n: int = 3) -> list[Design]:
        """The designs that come nearest to the targets (for an infeasible plan)."""
        spec = self.plan.spec
        return self.search.ranked(spec.objective.sense, spec.targets)[:n]

    @property
    def recommendation(self) -> str:
        """The answer in one plain sentence."""
        spec = self.plan.spec
        if self.winner is None:
            near = self.nearest(1)
            binding = near[0].binding(spec.targets) if near else None
            return (
                f"No design among {len(self.search.designs)} tried meets every target; the "
                f"binding target is {binding}"
                + (f" (nearest: {_describe(near[0].params)})." if near else ".")
            )
        w = self.winner
        met = ", ".join(
            f"{t.kpi} {t.op} {t.value:g} ({v['estimate']:.3g})"
            for t in spec.targets
            for v in [self.verified.get(t.kpi, {"estimate": float("nan")})]
        )
        cost_w = self.kpis.get("cost", {}).get("mean", w.means.get("cost", float("nan")))
        cost_b = self.baseline.means.get("cost", float("nan"))
        change = (cost_w / cost_b - 1.0) * 100 if cost_b else float("nan")
        return (
            f"Recommended: {_describe(w.params)}; it meets {met or 'no stated target'} "
            f"and costs {cost_w / 1e6:,.1f} M yuan a year ({change:+.1f} % against today's "
            f"{cost_b / 1e6:,.1f} M)."
        )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON: base, levers, targets, feasible, recommended, and the rest."""
        spec = self.plan.spec
        targets = []
        for t in spec.targets:
            v = self.verified.get(t.kpi)
            est = (
                v["estimate"] if v else (self.winner.statistics.get(t.kpi) if self.winner else None)
            )
            targets.append(
                {
                    "kpi": t.kpi,
                    "op": t.op,
                    "value": t.value,
                    "statistic": t.statistic,
                    "met": bool(v["met"]) if v else False,
                    "estimate": est,
                    "ci95": v["ci95"] if v else None,
                }
            )
        recommended = None
        if self.winner is not None:
            recommended = {
                "trial": self.winner.number,
                "params": self.winner.params,
                "changes": self.winner.changes,
                "kpis": self.kpis,
            }
        return {
            "plan": spec.name,
            "base": self.plan.base_path,
            "levers": [lever.model_dump(exclude_none=True) for lever in spec.levers],
            "targets": targets,
            "objective": {"kpi": spec.objective.kpi, "sense": spec.objective.sense},
            "feasible": self.feasible,
            "recommendation": self.recommendation,
            "recommended": recommended,
            "baseline": self.baseline.to_dict(),
            "nearest": [d.to_dict() for d in self.nearest()] if not self.feasible else [],
            "search": {
                "trials": len(self.search.designs),
                "stopped": self.search.stopped,
                "seconds": self.search.seconds,
                "resumed": self.search.resumed,
                "designs": [d.to_dict() for d in self.search.designs],
            },
            "selection": self.selection.to_dict() if self.selection is not None else None,
            "compared": [d.number for d in self.compared],
            "discovery": self.discovery.to_dict() if self.discovery is not None else None,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (NaN as null)."""
        return json.dumps(_clean(self.to_dict()), ensure_ascii=False, indent=1)

    def _repr_html_(self) -> str:
        import html

        rows = []
        for t in self.to_dict()["targets"]:
            estimate = "" if t["estimate"] is None else f"{t['estimate']:.3g}"
            rows.append(
                f"<tr><td>{html.escape(t['kpi'])} {t['op']} {t['value']:g} ({t['statistic']})"
                f"</td><td>{estimate}</td><td>{'✓' if t['met'] else '✗'}</td></tr>"
            )
        rows = "".join(rows)
        return (
            f"<b>{html.escape(self.plan.spec.name)}</b>: {html.escape(self.recommendation)}"
            f"<table><tr><th>target</th><th>estimate</th><th>met</th></tr>{rows}</table>"
        )


def lever_label(key: str) -> str:
    """A lever as people read it: its key without the section.

    ``staff.street`` for ``handle.staff.street``, ``households_per_grid`` for
    ``grids.households_per_grid``.
    """
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 3 else parts[-1]


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{lever_label(k)}={_fmt(v)}" for k, v in params.items())


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if x != x or x in (float("inf"), float("-inf")) else x
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        return _clean(x.item())
    return x


__all__ = ["REPORTED_KPIS", "PlanFile", "PlanResult", "lever_label"]
