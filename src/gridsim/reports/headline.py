"""The headline a comparison report opens with: which design does best, at what cost, how sure.

An official reads the first lines of a report and may read no further, so
they say in plain words, in the report's language:

* which design does best on the KPIs the experiment names (its ``kpis``, by
  default the registry's headline KPIs): the one clearly better than the
  baseline on the most of them, net of those it is clearly worse on (clearly:
  the paired 95 % CI excludes zero and the difference is material, as in
  :mod:`gridsim.reports.findings`); cost is weighed apart, not counted;
* what it costs against the baseline, in money and in %;
* what it gives up: the headline KPIs on which it is clearly worse;
* how sure: every difference with its 95 % CI, a difference that is the
  same in every replication without one;

and, when no design does better than the baseline, that plainly, with the
designs that make no difference, those that are worse and by how much, and
the cheapest design's trade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from gridsim.experiments.results import Comparison
from gridsim.experiments.statistics import compare
from gridsim.kpi_registry import KPIS
from gridsim.reports.analysis import variant_label
from gridsim.reports.findings import _base_means, _relative, diff_phrase, is_material
from gridsim.reports.i18n import check_lang, kpi_scale, plain, t

MOST_NAMED = 3
"""Most gains, losses or designs a headline sentence names (the tables have the rest)."""


@dataclass(frozen=True)
class Standing:
    """How one design compares with the baseline on the headline KPIs.

    Attributes:
        variant: The design's name.
        better: Rows of the comparison table (one per KPI) clearly better than
            the baseline, the largest (relative to the baseline) first.
        worse: Rows clearly worse, the largest first.
        cost: The cost row (``None`` without a cost KPI in the runs).
        cost_clear: Whether the cost differs clearly and materially (by 1 % or more).
    """

    variant: str
    better: list[pd.Series] = field(default_factory=list)
    worse: list[pd.Series] = field(default_factory=list)
    cost: pd.Series | None = None
    cost_clear: bool = False

    @property
    def score(self) -> int:
        """Headline KPIs clearly better, less those clearly worse."""
        return len(self.better) - len(self.worse)

    @property
    def cost_change(self) -> int:
        """``1`` clearly dearer than the baseline, ``-1`` clearly cheaper, ``0`` neither."""
        if self.cost is None or not self.cost_clear:
            return 0
        return 1 if float(self.cost["diff"]) > 0 else -1


@dataclass(frozen=True)
class Headline:
    """The opening of a comparison report.

    Attributes:
        best: The design that does best (``None``: none does better than the baseline).
        lead: The first sentence (shown in bold).
        points: What backs it, one sentence each (a list): gains, cost, losses;
            or, with no best design, the designs that make no difference, the
            worse ones, the trade-offs and the cheapest design.
        note: How sure, and the rule that picks the best design.
        standings: Every design but the baseline, by name.
        service: The headline KPIs weighed (those with a better direction, cost aside).
    """

    best: str | None
    lead: str
    points: list[str]
    note: str
    standings: dict[str, Standing]
    service: list[str]


def _cost_rows(comparison: Comparison) -> pd.DataFrame:
    """The comparison's cost rows (computed from the runs when the experiment omits cost)."""
    table = comparison.table
    rows = table[table["kpi"] == "cost"]
    if len(rows) or comparison.runs.empty or "cost" not in comparison.runs:
        return rows
    return compare(comparison.runs, comparison.experiment.baseline.name, ["cost"])


def standings(comparison: Comparison) -> tuple[dict[str, Standing], list[str]]:
    """Every design's standing against the baseline, and the headline KPIs weighed."""
    table = comparison.table
    base = comparison.experiment.baseline.name
    means = _base_means(comparison)
    cost_rows = _cost_rows(comparison)
    if len(cost_rows):
        base_cost = cost_rows[cost_rows["variant"] == base]
        if len(base_cost):
            means["cost"] = float(base_cost["mean"].iloc[0])
    named = list(dict.fromkeys(comparison.experiment.spec.kpis))
    service = [k for k in named if k != "cost" and k in KPIS and KPIS[k].better is not None]
    out: dict[str, Standing] = {}
    for v in comparison.experiment.variants:
        if v.name == base:
            continue
        rows = table[(table["variant"] == v.name) & table["kpi"].isin(service)]
        better, worse = [], []
        for _, r in rows.iterrows():
            if int(r["n_pairs"]) == 0 or math.isnan(float(r["diff"])):
                continue
            if not is_material(r, means):
                continue
            good = KPIS[str(r["kpi"])].sign * float(r["diff"]) > 0
            (better if good else worse).append(r)
        better.sort(key=lambda r: -abs(_relative(r, means)))
        worse.sort(key=lambda r: -abs(_relative(r, means)))
        found = cost_rows[cost_rows["variant"] == v.name]
        cost = found.iloc[0] if len(found) else None
        clear = cost is not None and int(cost["n_pairs"]) > 0 and is_material(cost, means)
        out[v.name] = Standing(v.name, better, worse, cost, clear)
    return out, service


def _items(rows: list[pd.Series], means: dict[str, float], lang: str) -> str:
    shown = [diff_phrase(r, means.get(str(r["kpi"]), math.nan), lang) for r in rows[:MOST_NAMED]]
    text = t("list_sep", lang).join(shown)
    if len(rows) > MOST_NAMED:
        text += t("hl_and_more", lang, n=len(rows) - MOST_NAMED)
    return text


def _cost_sentence(
    comparison: Comparison, standing: Standing, base_cost: float, lang: str, who: str | None
) -> str:
    """What a design costs against the baseline: the best (``who=None``) or the cheapest."""
    row = standing.cost
    if row is None:
        return ""
    if standing.cost_change == 0:
        return t("hl_cost_same", lang)
    factor, unit = kpi_scale("cost", lang)
    amount = abs(float(row["diff"])) * factor
    money = plain(amount, 1 if amount < 100 else 0) + (" " if lang == "en" else "") + unit
    days = comparison.experiment.baseline.scenario.simulation.days
    period = t("hl_a_year", lang) if days == 365 else t("hl_over_days", lang, days=days)
    phrase = diff_phrase(row, base_cost, lang, label=False)
    if who is not None:
        return t("hl_cheapest", lang, who=who, money=money, period=period, phrase=phrase)
    key = "hl_cost_more" if standing.cost_change > 0 else "hl_cost_less"
    return t(key, lang, money=money, period=period, phrase=phrase)


def headline(comparison: Comparison, lang: str = "en") -> Headline:
    """The headline of a comparison report, in a language (see the module docstring).

    Args:
        comparison: The comparison.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The headline: the design that does best (or ``None``) and the sentences.
    """
    check_lang(lang)
    exp = comparison.experiment
    base = exp.baseline.name
    base_label = variant_label(comparison, base, lang)
    means = _base_means(comparison)
    board, service = standings(comparison)
    cost_rows = _cost_rows(comparison)
    base_cost_rows = cost_rows[cost_rows["variant"] == base] if len(cost_rows) else cost_rows
    base_cost = float(base_cost_rows["mean"].iloc[0]) if len(base_cost_rows) else math.nan
    runs = comparison.runs
    reps = int(runs.groupby("variant")["replication"].nunique().min()) if len(runs) else 0
    table = comparison.table
    paired = set(table.loc[table["n_pairs"] > 0, "variant"]) if len(table) else set()
    compared = [s for s in board.values() if s.variant in paired]  # designs with runs
    if not compared or not service:
        lead = t("hl_no_runs", lang) if comparison.runs.empty else t("hl_no_service", lang)
        return Headline(None, lead, [], "", board, service)

    def rank(s: Standing) -> tuple[float, ...]:
        cost = float(s.cost["diff"]) if s.cost is not None else 0.0
        return (s.score, len(s.better), -s.cost_change, -cost)

    ranked = sorted(compared, key=rank, reverse=True)
    top = ranked[0]
    points: list[str] = []
    if top.score > 0:
        best: str | None = top.variant
        lead = t("hl_best", lang, best=variant_label(comparison, top.variant, lang))
        points.append(
            t(
                "hl_gains",
                lang,
                baseline=base_label,
                n=len(top.better),
                total=len(service),
                items=_items(top.better, means, lang),
            )
        )
        cost = _cost_sentence(comparison, top, base_cost, lang, None)
        if cost:
            points.append(cost)
        if top.worse:
            points.append(t("hl_gives_up", lang, items=_items(top.worse, means, lang)))
        else:
            points.append(t("hl_gives_nothing", lang))
        if len(ranked) > 1 and ranked[1].score > 0:
            second = ranked[1]
            points.append(
                t(
                    "hl_runner_up",
                    lang,
                    name=variant_label(comparison, second.variant, lang),
                    better=len(second.better),
                    worse=len(second.worse),
                )
            )
    else:
        best = None
        gains = [s for s in compared if s.better]
        lead = t("hl_none_net" if gains else "hl_none_better", lang, baseline=base_label)
        same = [s for s in compared if not s.better and not s.worse]
        if same:
            names = t("list_sep", lang).join(
                variant_label(comparison, s.variant, lang) for s in same
            )
            points.append(t("hl_no_difference", lang, names=names))
        worse = [s for s in compared if s.worse and not s.better]
        worse.sort(key=lambda s: -abs(_relative(s.worse[0], means)))
        if worse:
            items = t("clause_sep", lang).join(
                f"{variant_label(comparison, s.variant, lang)}{t('colon', lang)}"
                + diff_phrase(s.worse[0], means.get(str(s.worse[0]["kpi"]), math.nan), lang)
                for s in worse[:MOST_NAMED]
            )
            if len(worse) > MOST_NAMED:
                items += t("hl_and_more_designs", lang, n=len(worse) - MOST_NAMED)
            points.append(t("hl_worse", lang, n=len(worse), items=items))
        for s in sorted(gains, key=lambda s: (-len(s.better), s.variant))[:MOST_NAMED]:
            cost = (
                diff_phrase(s.cost, base_cost, lang)
                if s.cost is not None and s.cost_change
                else t("hl_cost_unclear", lang)
            )
            points.append(
                t(
                    "hl_trade",
                    lang,
                    name=variant_label(comparison, s.variant, lang),
                    n_gains=len(s.better),
                    gains=_items(s.better, means, lang),
                    n_losses=len(s.worse),
                    losses=_items(s.worse, means, lang),
                    cost=cost,
                )
            )
        cheaper = [s for s in compared if s.cost_change < 0 and not s.better]
        if cheaper:
            cheapest = min(cheaper, key=lambda s: float(s.cost["diff"]))  # type: ignore[index]
            who = variant_label(comparison, cheapest.variant, lang)
            sentence = _cost_sentence(comparison, cheapest, base_cost, lang, who)
            if cheapest.worse:
                sentence += t("sentence_sep", lang) + t(
                    "hl_gives_up", lang, items=_items(cheapest.worse, means, lang)
                )
            points.append(sentence)
    return Headline(best, lead, points, t("hl_how_sure", lang, reps=reps), board, service)
