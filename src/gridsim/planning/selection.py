"""Selection with a guarantee: re-run the best designs and pick one, sure to 1 − α.

The search proposes designs on the replications it used; this module re-runs the best
10–20 of them on replications the search never used and picks the winner with a fully
sequential indifference-zone procedure that is valid under common random numbers (CRN:
replication ``r`` uses the same seeds for every design). The feasibility check and the
comparison run interleaved on the same observations (AK+ style, Andradóttir & Kim 2010);
every round, each design still in contention gets one more replication:

* **Feasibility** (Andradóttir & Kim 2010; several constraints as in Batur & Kim 2010).
  For a design and a constraint with threshold ``q`` and tolerance ``ε`` the margins are
  ``D_j = Y_j − q`` (``>=``) or ``q − Y_j`` (``<=``). After ``r`` observations the
  constraint is declared feasible when ``Σ D_j ≥ R`` and infeasible when ``Σ D_j ≤ −R``,
  ``R(r) = max(0, (ε/2)(h_F² S²/ε² − r))``, ``S²`` the variance of the first ``n0``
  observations. One infeasible constraint puts the design out.
* **Comparison** (KN, Kim & Nelson 2001, ``c = 1``) between every two designs in
  contention. With the objective signed so that more is better, the pair is decided
  against ``i`` the first time ``Σ_{j≤r} (X_ij − X_lj) < −W_il(r)``,
  ``W_il(r) = max(0, (δ/2)(h² S²_il/δ² − r))``, ``S²_il`` the variance of the differences
  ``X_ij − X_lj`` over the first ``n0`` replications (so the covariance CRN induces is in
  it). An exact tie once the region has closed (``W = 0``) goes to the lower index. A
  design is put out ("worse objective") once it has lost a pair to a design in contention
  that is declared feasible; a loss to a design whose feasibility is still open waits.

It ends when one design is left and it is declared feasible (the winner), or none is.
Constants, from :func:`eta_h2`: ``η = ½[(2β)^(−2/(n0−1)) − 1]`` and ``h² = 2η(n0−1)``, so
Fabian's bound ``½(1 + 2η)^(−(n0−1)/2)`` on a wrong first exit of one triangular region
equals ``β``. With ``k`` designs and ``s`` constraints α is split ``α_F = α_S = α/2`` (all
to the part that exists if there are no constraints or one design); KN uses
``β = α_S/(k−1)``, the feasibility check ``β_F = α_F/(k + s − 1)``: the best design must
pass its ``s`` checks and each clearly infeasible design must fail its violated one. The
best design is lost only through one of these wrong first exits, hence the guarantee: for
normal KPIs, if the best design meets every constraint by at least its tolerance and
beats by at least δ every other design that does not miss a constraint by more than its
tolerance, it wins with probability at least ``1 − α``. Designs within a tolerance of a
threshold may be declared either way. If ``max_replications`` is reached first, open
feasibility checks go by the sample mean, the best sample mean among the designs left
wins, and ``stopped_early`` says the guarantee no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from gridsim.experiments.statistics import mean_ci

#: ``sample(designs, replications)`` -> for each design, one KPI dict per replication.
Sampler = Callable[[list[int], list[int]], dict[int, list[dict[str, float]]]]


@dataclass(frozen=True)
class Constraint:
    """A target as a constraint on the mean of a KPI: ``mean(kpi) op value``.

    ``tolerance`` is the ε of the feasibility check, in the units of ``value``: a mean
    within ε of ``value`` may be declared either way.
    """

    kpi: str
    op: Literal[">=", "<="]
    value: float
    tolerance: float

    def __post_init__(self) -> None:
        if self.op not in (">=", "<="):
            raise ValueError(f"constraint on {self.kpi}: op must be '>=' or '<=', not {self.op!r}")
        if not self.tolerance > 0:
            raise ValueError(f"constraint on {self.kpi}: tolerance must be > 0")


@dataclass
class Selection:
    """The outcome of :func:`select`; indices refer to the designs given.

    ``feasible`` lists the designs declared feasible on every constraint (all of them when
    there are none); ``eliminated`` says why each other design lost: ``"infeasible: <kpi>,
    …"``, ``"worse objective"`` (also for a design put out before its check closed) or,
    when stopped early, ``"worse sample mean at max_replications"``. ``constants`` holds
    η and h² of the comparison and of the feasibility check (``eta_f``, ``h2_f``).
    ``pcs`` (``1 − alpha``) is the probability of correct selection the procedure was run
    at; it holds only if ``stopped_early`` is false. ``ci95`` are per-design t intervals,
    ``mean ± t(0.975, n−1)·s/√n``, over all ``replications[i]`` observations.
    """

    winner: int | None
    feasible: list[int]
    eliminated: dict[int, str]
    replications: dict[int, int]
    means: dict[int, dict[str, float]]
    ci95: dict[int, dict[str, tuple[float, float]]]
    alpha: float
    pcs: float
    delta: float
    n0: int
    stopped_early: bool = False
    constants: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The result as JSON-ready plain types (string keys, lists for intervals)."""
        out = asdict(self)
        for key in ("eliminated", "replications", "means"):
            out[key] = {str(i): v for i, v in out[key].items()}
        out["ci95"] = {
            str(i): {k: [float(lo), float(hi)] for k, (lo, hi) in ci.items()}
            for i, ci in self.ci95.items()
        }
        return out


def eta_h2(beta: float, n0: int) -> tuple[float, float]:
    """KN's constants for a per-region error ``beta`` and first stage ``n0`` (``c = 1``).

    ``η = ½[(2β)^(−2/(n0−1)) − 1]`` and ``h² = 2η(n0−1)``; KN uses ``β = α/(k−1)``.
    """
    eta = 0.5 * ((2.0 * beta) ** (-2.0 / (n0 - 1)) - 1.0)
    return eta, 2.0 * eta * (n0 - 1)


def select(
    sample: Sampler,
    n_designs: int,
    objective: str,
    sense: Literal["min", "max"],
    constraints: Sequence[Constraint],
    delta: float,
    alpha: float = 0.05,
    n0: int = 10,
    max_replications: int = 200,
) -> Selection:
    """Pick the best feasible design of ``n_designs`` with probability ≥ ``1 − alpha``.

    ``sample`` is called first with every design and replications ``0..n0−1``, then once
    per round with all the designs still in contention and the single next replication
    index, so a parallel executor can run a round together; each design is asked for
    replications ``0, 1, 2, …`` in order, each once, never beyond ``max_replications``.
    ``delta`` is the indifference zone of the objective, in its units. See the module
    docstring for the procedure, its constants and its guarantee.
    """
    if n_designs < 1 or n0 < 2 or max_replications < n0:
        raise ValueError("need n_designs >= 1, n0 >= 2 and max_replications >= n0")
    if not (delta > 0 and 0 < alpha < 1) or sense not in ("min", "max"):
        raise ValueError("need delta > 0, 0 < alpha < 1 and sense 'min' or 'max'")
    k, s = n_designs, len(constraints)
    sign = 1.0 if sense == "max" else -1.0
    y = np.full((k, max_replications), np.nan)  # objective, signed: more is better
    g = np.full((k, s, max_replications), np.nan)  # constraint margins: positive is good
    obs: list[list[dict[str, float]]] = [[] for _ in range(k)]
    kpis = [objective, *(c.kpi for c in constraints)]

    def draw(designs: list[int], reps: list[int]) -> None:
        got = sample(designs, reps)
        for i in designs:
            rows = got.get(i)
            if rows is None or len(rows) != len(reps):
                raise ValueError(f"sample returned no {len(reps)} rows for design {i}")
            for r, row in zip(reps, rows, strict=True):
                if not all(np.isfinite(row[key]) for key in kpis):
                    raise ValueError(f"design {i}, replication {r}: a target KPI is not finite")
                obs[i].append(row)
                y[i, r] = sign * row[objective]
                for c, con in enumerate(constraints):
                    d = row[con.kpi] - con.value
                    g[i, c, r] = d if con.op == ">=" else -d

    alpha_f = 0.0 if s == 0 else (alpha if k == 1 else alpha / 2)
    alpha_s = alpha - alpha_f
    eta, h2 = eta_h2(alpha_s / (k - 1), n0) if k > 1 else (0.0, 0.0)
    eta_f, h2_f = eta_h2(alpha_f / (k + s - 1), n0) if s else (0.0, 0.0)
    draw(list(range(k)), list(range(n0)))

    eps = np.array([c.tolerance for c in constraints])
    s2_f = np.var(g[:, :, :n0], axis=2, ddof=1)  # (k, s)
    s2 = np.var(y[:, None, :n0] - y[None, :, :n0], axis=2, ddof=1)  # (k, k), CRN inside
    status = np.zeros((k, s), dtype=int)  # 1 declared feasible, -1 infeasible, 0 open
    beats = np.zeros((k, k), dtype=bool)  # beats[l, i]: the pair (i, l) went to l
    decided = np.zeros((k, k), dtype=bool)
    alive = np.ones(k, dtype=bool)
    order = np.arange(k)
    eliminated: dict[int, str] = {}

    def step(r: int, forced: bool) -> None:
        """Decide what ``r`` observations of the designs in contention allow."""
        live = [i for i in range(k) if alive[i] and (status[i] == 0).any()]
        if live:  # feasibility checks still open
            sums = g[live, :, :r].sum(axis=2)
            bound = np.maximum(0.0, eps / 2 * (h2_f * s2_f[live] / eps**2 - r))
            bound = 0.0 * bound if forced else bound
            new = np.where(sums >= bound, 1, np.where(sums <= -bound, -1, 0))
            status[live] = np.where(status[live] == 0, new, status[live])
            for i in live:
                if (status[i] == -1).any():
                    alive[i] = False
                    bad = [constraints[c].kpi for c in range(s) if status[i, c] == -1]
                    eliminated[i] = "infeasible: " + ", ".join(bad)
        a = np.flatnonzero(alive)
        c_sum = y[a, :r].sum(axis=1)
        d = c_sum[:, None] - c_sum[None, :]
        w = np.maximum(0.0, delta / 2 * (h2 * s2[np.ix_(a, a)] / delta**2 - r))
        lose = (d < -w) | ((w == 0) & (d == 0) & (order[a, None] > order[None, a]))
        np.fill_diagonal(lose, False)
        lose &= ~decided[np.ix_(a, a)]  # only the first exit counts
        beats[np.ix_(a, a)] |= lose.T
        decided[np.ix_(a, a)] |= lose | lose.T
        while True:  # one at a time: a design put out no longer puts others out
            judge = alive & (status == 1).all(axis=1)
            out = np.flatnonzero(alive & (beats & judge[:, None]).any(axis=0))
            if not len(out):
                break
            alive[out[0]] = False
            eliminated[int(out[0])] = "worse objective"

    def done() -> bool:
        a = np.flatnonzero(alive)
        return len(a) == 0 or (len(a) == 1 and bool((status[a[0]] == 1).all()))

    r, stopped_early = n0, False
    step(r, forced=False)
    while not done():
        if r == max_replications:  # forced: sample means decide
            stopped_early = True
            step(r, forced=True)
            a = np.flatnonzero(alive)
            best = max(a, key=lambda i: (y[i, :r].sum(), -i))
            for i in a[a != best]:
                alive[i] = False
                eliminated[int(i)] = "worse sample mean at max_replications"
            break
        draw([int(i) for i in np.flatnonzero(alive)], [r])
        r += 1
        step(r, forced=False)
    a = np.flatnonzero(alive)
    winner = int(a[0]) if len(a) == 1 and (status[a[0]] == 1).all() else None
    feasible = [i for i in range(k) if (status[i] == 1).all()]

    means: dict[int, dict[str, float]] = {}
    ci95: dict[int, dict[str, tuple[float, float]]] = {}
    for i in range(k):
        means[i], ci95[i] = {}, {}
        for kpi in sorted(obs[i][0]):
            m, lo, hi = mean_ci([row[kpi] for row in obs[i]])  # Student t, as comparisons
            means[i][kpi], ci95[i][kpi] = m, (lo, hi)
    return Selection(
        winner=winner,
        feasible=feasible,
        eliminated=dict(sorted(eliminated.items())),
        replications={i: len(obs[i]) for i in range(k)},
        means=means,
        ci95=ci95,
        alpha=alpha,
        pcs=1.0 - alpha,
        delta=delta,
        n0=n0,
        stopped_early=stopped_early,
        constants={"eta": eta, "h2": h2, "eta_f": eta_f, "h2_f": h2_f},
    )
