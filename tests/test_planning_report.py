"""The plan report (gridsim.planning.report): one self-contained page, en and zh, atomic.

No search is run: a tiny plan file (its base the shipped Yuelu scenario) is read
with :meth:`Plan.from_file`, and the designs, the selection and the discovery are
built by hand, so every test knows what the report must say. The English and
Chinese reports of the feasible result are written once per module.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import warnings
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gridsim.planning import report
from gridsim.planning.plan import Discovery, Plan, PlanResult
from gridsim.planning.search import Design, SearchResult, shortfall
from gridsim.reports.i18n import MINUS, cjk_font

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

PLAN = """
name = "tiny-plan"
description = "A plan for the report's tests"
description_zh = "报告测试用的规划"
base = "{base}"
seed = 2013
replications = 2

[objective]
minimise = "cost"

[[levers]]
key = "grids.households_per_grid"
low = 250
high = 600
step = 50

[[levers]]
key = "cadres.posting"
choices = ["fixed", "rotation"]

[[levers]]
key = "handle.staff.street"
low = 1
high = 6
integer = true

[[targets]]
kpi = "on_time_rate"
op = ">="
value = 0.90
statistic = "p10"

[[targets]]
kpi = "satisfaction"
op = ">="
value = 0.85

[uncertainty]
points = [{{ "collect.detect_probability" = 0.2 }}, {{}}]

[selection]
top = 4
delta = 500_000
"""

# The headings, labels and table headers of the English report that must not appear in
# the Chinese one.
EN_HEADINGS = [
    "Plan report",
    "Recommendation",
    "Recommended changes",
    "Designs searched",
    "Lever importance",
    "Selection on fresh runs",
    "Where the design fails",
    "Assumptions and run details",
    "Every design tried",
    "Convergence of the search",
    "Rank correlation of each lever",
    "Targets of the recommended design",
    "Changes to today's design",
    "Designs compared by KN",
    "PRIM's failure box",
    "CART's leaves",
    "Uncertainty points of the plan",
    "Parameters of today's design",
    "Today's value",
    "Recommended value",
    "Trial",
    "Lever values",
    "Replications",
    "Outcome",
    "Failure rate",
    "Coverage",
    "Recommended:",
    "it meets",
    "against today's design",
    "million yuan",
    "Figure 1.",
    "Table 1.",
]


# ---------------------------------------------------------------------------
# building a result by hand


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    folder = tmp_path_factory.mktemp("plan")
    base = os.path.relpath(SCENARIOS / "yuelu-2013.toml", folder)
    path = folder / "tiny.toml"
    path.write_text(PLAN.format(base=base), encoding="utf-8")
    return Plan.from_file(path, roots=[SCENARIOS])


def make_design(
    plan: Plan, number: int, params: dict, cost: float, on_time: float, satisfaction: float
) -> Design:
    """A design whose on-time p10 and mean satisfaction are as given."""
    stats = {"on_time_rate": on_time, "satisfaction": satisfaction}
    return Design(
        number=number,
        params=params,
        changes=plan.changes(params) if params else {},
        objective=cost,
        front=None,
        statistics=stats,
        means={
            "cost": cost,
            "on_time_rate": on_time + 0.02,
            "satisfaction": satisfaction,
            "visits_per_household": 2.1,
        },
        shortfall={t.kpi: shortfall(t, stats[t.kpi]) for t in plan.spec.targets},
    )


def lever(hpg: int, posting: str, street: int) -> dict:
    return {
        "grids.households_per_grid": hpg,
        "cadres.posting": posting,
        "handle.staff.street": street,
    }


def designs(plan: Plan, feasible: bool = True) -> list[Design]:
    rows = [
        (lever(600, "fixed", 1), 50.0e6, 0.82, 0.86),
        (lever(450, "rotation", 3), 58.0e6, 0.91, 0.87),
        (lever(400, "fixed", 2), 61.0e6, 0.93, 0.88),
        (lever(550, "fixed", 2), 53.0e6, 0.88, 0.86),
        (lever(300, "rotation", 5), 70.0e6, 0.95, 0.90),
        (lever(500, "fixed", 4), 56.0e6, 0.905, 0.84),
        (lever(350, "rotation", 6), 67.0e6, 0.94, 0.89),
        (lever(600, "rotation", 2), 51.0e6, 0.84, 0.85),
        (lever(250, "fixed", 1), 74.0e6, 0.96, 0.91),
        (lever(500, "rotation", 3), 57.0e6, 0.895, 0.86),
    ]
    out = []
    for i, (params, cost, on_time, sat) in enumerate(rows):
        if not feasible:  # every design misses on-time closure
            on_time = min(on_time, 0.88) - 0.001 * i
        out.append(make_design(plan, i, params, cost, on_time, sat))
    return out


def baseline(plan: Plan) -> Design:
    return make_design(plan, -1, {}, 64.0e6, 0.89, 0.86)


def fake_selection(top: list[Design]) -> SimpleNamespace:
    """What KN returns, over the search's best feasible designs (index 0 wins)."""
    k = len(top)
    eliminated = {i: "worse objective" for i in range(1, k)}
    eliminated[k - 1] = "infeasible: on_time_rate"
    means = {
        i: {"cost": d.objective, "on_time_rate": d.statistics["on_time_rate"], "satisfaction": 0.87}
        for i, d in enumerate(top)
    }
    ci95 = {i: {kpi: (v * 0.99, v * 1.01) for kpi, v in m.items()} for i, m in means.items()}
    return SimpleNamespace(
        winner=0,
        feasible=list(range(k - 1)),
        eliminated=eliminated,
        replications={i: 12 if i == 0 else 7 for i in range(k)},
        means=means,
        ci95=ci95,
        alpha=0.05,
        pcs=0.95,
        delta=500_000.0,
        n0=5,
        stopped_early=False,
    )


class FakeBox:
    """A box as :mod:`gridsim.planning.discovery` exports it (``to_dict``)."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def to_dict(self) -> dict:
        return self.data


class FakePrim:
    def __init__(self, data: dict) -> None:
        self.data = data

    def to_dict(self) -> dict:
        return self.data

    def describe(self) -> str:
        return "detect probability < 0.25"


def fake_discovery() -> Discovery:
    rng = np.random.default_rng(0)
    sample = pd.DataFrame(
        {
            "collect.detect_probability": rng.uniform(0.1, 0.6, 40),
            "households.latent_issues_per_year": rng.uniform(0.2, 0.6, 40),
        }
    )
    failed = (sample["collect.detect_probability"] < 0.25).to_numpy()
    full = {c: [float(sample[c].min()), float(sample[c].max())] for c in sample.columns}
    inside = int(failed.sum())
    box = {
        "restricted": ["collect.detect_probability"],
        "limits": {
            **full,
            "collect.detect_probability": [full["collect.detect_probability"][0], 0.25],
        },
        "n": inside,
        "failures": inside,
        "coverage": 1.0,
        "density": 1.0,
        "mass": inside / 40,
        "qp": {"collect.detect_probability": 1e-6},
    }
    rest = {
        "restricted": ["collect.detect_probability"],
        "limits": {
            **full,
            "collect.detect_probability": [0.25, full["collect.detect_probability"][1]],
        },
        "n": 40 - inside,
        "failures": 0,
        "coverage": 0.0,
        "density": 0.0,
        "mass": 1 - inside / 40,
    }
    prim = FakePrim({"n": 40, "failures": inside, "box": box})
    kpis = pd.DataFrame({"on_time_rate": np.where(failed, 0.85, 0.93)})
    return Discovery(sample, kpis, failed, prim, [FakeBox(box), FakeBox(rest)])


@pytest.fixture(scope="module")
def feasible(plan: Plan) -> PlanResult:
    found = SearchResult(designs(plan), "patience", 42.0)
    result = PlanResult(plan, found, baseline(plan))
    spec = plan.spec
    top = [d for d in found.ranked("min", spec.targets) if d.feasible][: spec.selection.top]
    result.selection = fake_selection(top)
    result.winner = top[0]
    result.verified = {
        "on_time_rate": {
            "estimate": 0.912,
            "ci95": [0.905, 0.919],
            "met": True,
            "replications": 12,
        },
        "satisfaction": {
            "estimate": 0.871,
            "ci95": [0.866, 0.876],
            "met": True,
            "replications": 12,
        },
    }
    result.kpis = {
        "cost": {"mean": 58.2e6, "ci95": [58.1e6, 58.3e6]},
        "on_time_rate": {"mean": 0.93, "ci95": [0.925, 0.935]},
        "households_visited": {"mean": 812_345.0, "ci95": [810_000.0, 814_000.0]},
    }
    result.discovery = fake_discovery()
    return result


@pytest.fixture(scope="module")
def infeasible(plan: Plan) -> PlanResult:
    return PlanResult(
        plan, SearchResult(designs(plan, feasible=False), "trials", 10.0), baseline(plan)
    )


@pytest.fixture(scope="module")
def en_report(feasible: PlanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.write_plan_report(feasible, tmp_path_factory.mktemp("en"), lang="en")


@pytest.fixture(scope="module")
def zh_report(feasible: PlanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if cjk_font() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no CJK font is installed (apt-get install fonts-noto-cjk)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        return report.write_plan_report(feasible, tmp_path_factory.mktemp("zh"), lang="zh")


class Page(HTMLParser):
    """Tags and attributes of a page, and its text by element."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self.verdicts: list[str] = []
        self._open: list[str] = []
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("h1", "h2", "h3", "th", "caption") or a.get("class") == "verdict":
            self._open.append(tag if a.get("class") != "verdict" else "verdict")
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._open and (self._open[-1] == tag or (self._open[-1] == "verdict" and tag == "p")):
            kind = self._open.pop()
            text = "".join(self._text).strip()
            (self.verdicts if kind == "verdict" else self.headings).append(text)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)


def _signed(x: float) -> str:
    text = f"{abs(x):,.1f}"
    return ("+" if x > 0 else MINUS) + text


# ---------------------------------------------------------------------------
# the page


def test_report_is_one_self_contained_page(en_report: Path):
    assert en_report.name == "index.html" and en_report.is_file()
    html = en_report.read_text(encoding="utf-8")
    page = Page(html)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"(?i)\s*(https?:)?//", value), f"external {name}: {value}"
    assert not re.search(r"(?i)url\(|@import", html)  # nothing fetched from the CSS either
    images = [a["src"] for tag, a in page.tags if tag == "img"]
    assert len(images) == len(report.PLAN_FIGURES)
    assert all(str(src).startswith("data:image/png;base64,") for src in images)
    for stem in report.PLAN_FIGURES:  # the files the page offers for download are there
        assert (en_report.parent / f"{stem}.png").stat().st_size > 5_000
        assert (en_report.parent / f"{stem}.svg").stat().st_size > 5_000
    assert not list(en_report.parent.glob(".staged.*"))


def test_recommendation_comes_first_names_the_levers_and_the_cost_change(
    en_report: Path, feasible: PlanResult
):
    html = en_report.read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.verdicts) == 1
    sentence = page.verdicts[0]
    # first: before every figure and every table
    at = html.index("class='verdict'")
    assert at < html.index("<figure") and at < html.index("<table")
    assert html.index("id='recommendation'") < html.index("id='changes'")
    winner = feasible.winner
    assert winner is not None and winner.params["grids.households_per_grid"] == 450
    assert sentence.startswith("Recommended:")
    assert "Households per grid = 450" in sentence
    assert "Cadre posting = rotation" in sentence
    assert "Handlers per street office = 3" in sentence
    assert "On-time closure rate (10th percentile) ≥ 90.0 % (91.2 %)" in sentence
    cost_w, cost_b = 58.2e6, feasible.baseline.means["cost"]
    assert f"58.2 million yuan a year, {_signed((cost_w / cost_b - 1) * 100)} %" in sentence
    assert f"({_signed((cost_w - cost_b) / 1e6)} million yuan)" in sentence
    assert "against today's design (64.0 million yuan)" in sentence
    assert re.sub(r"\w\.\w", "", sentence).count(".") == 1  # one sentence (decimals aside)
    assert sentence.endswith(".")


def test_changes_table_lists_today_and_recommended_values(en_report: Path):
    html = en_report.read_text(encoding="utf-8")
    table = html[html.index("id='table-changes'") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr( class=changed)?>(.*?)</tr>", table)
    cells = {re.sub("<[^>]+>", "", r[1]).split("grids.")[0]: r for r in rows}
    assert "Households per grid " in cells
    hpg = cells["Households per grid "]
    assert hpg[0] and ">329.7<" in hpg[1] and ">450<" in hpg[1]


def test_selection_and_failure_sections(en_report: Path, feasible: PlanResult):
    html = en_report.read_text(encoding="utf-8")
    sel = html[html.index("id='selection'") : html.index("id='failures'")]
    assert "P(correct selection) ≥ 95 %" in sel and "δ = 0.5 million yuan" in sel
    assert f"The winner is trial {feasible.winner.number}." in sel
    assert "out: misses On-time closure rate" in sel and "out: worse Cost" in sel
    fails = html[html.index("id='failures'") : html.index("id='assumptions'")]
    n_failed = int(feasible.discovery.failed.sum())
    assert f"{n_failed} of them ({100 * n_failed / 40:.1f} %) missed a target" in fails
    assert "Detection probability &lt; 0.25" in fails  # PRIM's box, by the parameter's label
    assert "Detection probability &gt; 0.25" in fails  # a CART leaf
    assumptions = html[html.index("id='assumptions'") :]
    assert "id='table-points'" in assumptions and "id='table-params'" in assumptions
    assert "Detection probability = 0.2" in assumptions  # the plan's uncertainty points


def test_chinese_report_has_no_english_headings(en_report: Path, zh_report: Path):
    en = unescape(en_report.read_text(encoding="utf-8"))
    zh = unescape(zh_report.read_text(encoding="utf-8"))
    assert '<html lang="zh-Hans">' in zh
    for heading in EN_HEADINGS:
        assert heading in en, heading  # the list is of the English report's words
        assert heading not in zh, heading
    # no heading, caption or table header of the English page is among the Chinese page's
    # (the parameter table's sections and meanings are the schema's docstrings, English in
    # both, as in the comparison report)
    params = re.compile(r"<table class='params' id='table-params'>.*?</table>", re.S)
    zh_text = "\n".join(Page(params.sub("", zh)).headings)
    for heading in Page(params.sub("", en)).headings:
        words = re.sub(r"[\d.,%\[\]()−+≥≤=:–—-]", " ", heading).split()
        english = [w for w in words if re.fullmatch(r"[A-Za-z']{4,}", w)]
        if english and not any(ch in heading for ch in "._"):  # not a parameter key
            assert heading not in zh_text, heading
    page = Page(zh)
    assert page.verdicts[0].startswith("建议方案：")
    assert "每网格户数 = 450" in page.verdicts[0] and "干部驻点方式 = 轮岗" in page.verdicts[0]
    assert "按期结案率（10%分位数）≥90.0%（91.2%）" in page.verdicts[0]
    assert "万元" in page.verdicts[0]


def test_infeasible_result_says_so_and_names_the_binding_target(
    infeasible: PlanResult, tmp_path: Path
):
    index = report.write_plan_report(infeasible, tmp_path / "out", lang="en")
    html = index.read_text(encoding="utf-8")
    sentence = Page(html).verdicts[0]
    near = infeasible.nearest()
    assert sentence.startswith(f"No design meets every target: none of the {10} designs tried")
    assert "the binding target is On-time closure rate (10th percentile) ≥ 90.0 %" in sentence
    assert f"trial {near[0].number}" in sentence
    assert "Recommended" not in sentence and "million yuan a year" not in sentence
    assert "summary infeasible" in html
    table = html[html.index("id='table-nearest'") :]
    table = table[: table.index("</table>")]
    shown = [int(n) for n in re.findall(r"<tr><td class=\"num\">(\d+)</td>", table)]
    assert shown == [d.number for d in near]
    assert "No selection was run" in html and "id='changes'" not in html
    zh = report.recommendation(infeasible, "zh")
    assert zh.startswith("没有方案能同时满足全部目标") and "按期结案率" in zh


def test_selection_that_confirms_nothing_is_infeasible_too(feasible: PlanResult):
    result = PlanResult(feasible.plan, feasible.search, feasible.baseline)
    top = [d for d in feasible.search.ranked("min", feasible.plan.spec.targets) if d.feasible]
    sel = fake_selection(top[:3])
    sel.winner, sel.feasible = None, []
    sel.eliminated = {i: "infeasible: satisfaction" for i in range(3)}
    result.selection = sel
    sentence = report.recommendation(result, "en")
    assert "seemed to, but none was confirmed on fresh runs" in sentence
    assert "the binding target is Satisfaction rate ≥ 85.0 %" in sentence


def test_a_failed_write_leaves_the_old_report(
    en_report: Path,
    feasible: PlanResult,
    infeasible: PlanResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    out = tmp_path / "report"
    shutil.copytree(en_report.parent, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(result: PlanResult, lang: str = "en"):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(report, "convergence_figure", boom)
    with pytest.raises(RuntimeError, match="figure failed"):  # the front is drawn before it
        report.write_plan_report(infeasible, out, lang="en")
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # nothing half-written, no staging folder left
    monkeypatch.undo()

    (out / "plan_levers.svg").write_bytes(b"stale")
    report.write_plan_report(feasible, out, lang="en")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "plan_levers.svg").read_bytes() != b"stale"
    assert not list(out.glob(".staged.*"))


def test_lever_importance_is_a_rank_correlation(feasible: PlanResult):
    imp = report.lever_importance(feasible).set_index("lever")
    hpg = [d.params["grids.households_per_grid"] for d in feasible.search.designs]
    cost = [d.objective for d in feasible.search.designs]
    expected = pd.Series(hpg).rank().corr(pd.Series(cost).rank())
    assert imp.loc["grids.households_per_grid", "rho_objective"] == pytest.approx(expected)
    assert imp.loc["grids.households_per_grid", "rho_objective"] < -0.9  # bigger grids, cheaper
    # every design misses: feasibility does not vary, no correlation to show
    same = PlanResult(
        feasible.plan, SearchResult(designs(feasible.plan, False), "trials", 1.0), feasible.baseline
    )
    assert report.lever_importance(same)["rho_feasible"].isna().all()


def test_every_word_is_in_both_languages():
    for key, words in report.PLAN_TEXT.items():
        assert set(words) == {"en", "zh"}, key
        en_fields = set(re.findall(r"\{(\w+)\}", words["en"]))
        assert en_fields == set(re.findall(r"\{(\w+)\}", words["zh"])), key
        plain_zh = re.sub(r"\{\w+\}", "", words["zh"])
        if re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", words["en"])):
            assert re.search(r"[\u4e00-\u9fff]", plain_zh) or plain_zh.strip() in ("", "。"), key


def test_real_discovery_boxes_are_read(feasible: PlanResult):
    discovery = pytest.importorskip("gridsim.planning.discovery")
    disc = feasible.discovery
    prim = discovery.prim(disc.sample, disc.failed)
    cart = discovery.cart_boxes(disc.sample, disc.failed)
    result = PlanResult(feasible.plan, feasible.search, feasible.baseline)
    result.__dict__.update({k: v for k, v in feasible.__dict__.items() if k != "discovery"})
    result.discovery = Discovery(disc.sample, disc.kpis, disc.failed, prim, cart)
    html = report.render_plan_html(result, [], "en")
    fails = html[html.index("id='failures'") : html.index("id='assumptions'")]
    assert "id='table-prim'" in fails and "id='table-cart'" in fails
    assert "Detection probability" in fails
    assert not math.isnan(float(prim.to_dict()["box"]["coverage"]))


# ---------------------------------------------------------------------------
# Chinese through and through, and a layout that holds in a browser


def test_chinese_plan_report_has_hardly_an_english_word(zh_report: Path):
    """Outside code and file names, only names remain (the district, gridsim, UTC)."""
    from collections import Counter

    from words import english_words

    words = english_words(zh_report.read_text(encoding="utf-8"))
    assert len(words) <= 30, Counter(words).most_common()


@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plan_report_layout_holds_at_desktop_and_narrow_widths(
    lang: str, width: int, request: pytest.FixtureRequest, tmp_path: Path
):
    from browser import measure_layout

    page: Path = request.getfixturevalue(f"{lang}_report")
    layout = measure_layout(page, width, tmp_path)
    assert layout.tables >= 5 and layout.headers > 20
    assert layout.problems() == []
