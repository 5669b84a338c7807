"""Comparison reports: files, offline HTML, Chinese without missing glyphs, a real browser.

One small experiment (16 communities, 6,000 households, 3 variants × 3
replications) is run once per test worker, and its English and Chinese
reports are written once; the tests then read them. The browser tests load
the report from a localhost server in headless Chromium and fail on any
console message or any request besides the page itself, and measure its
layout at 1280 and 800 px (``tests/browser.py``): no sideways scrolling, no
table past the column, no cell spilling into the next, no header written
over another. They are skipped when Chromium is missing, except under
``CI=true``, where that is a failure.

The shipped ``compare-mechanisms`` experiment (its variants, labels and
changes) is also reported in Chinese on a small district, and must read as
Chinese: hardly an English word outside code and file names.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import CHROMIUM_FLAGS, WIDTHS, chromium, measure_layout
from gridsim import plots
from gridsim.experiments import Comparison, Experiment, SerialExecutor
from gridsim.experiments.statistics import compare
from gridsim.reports.figures import FIGURES
from gridsim.reports.findings import headline_differences
from gridsim.reports.headline import headline
from gridsim.reports.html import write_report
from gridsim.reports.i18n import FontNotFoundError, cjk_font
from gridsim.reports.parameters import parameter_table
from gridsim.workspace import Workspace
from gridsim_cli import in_process
from words import english_words

SMALL = """
name = "small"
[district]
communities = 16
households = 6000
"""

EXPERIMENT = """
name = "report-test"
description = "Grid size and time limits on a small district"
base = "small.toml"
replications = 3
seed = 7
baseline = "base"

[[variants]]
name = "base"

[[variants]]
name = "400 households"
changes = { "grids.households_per_grid" = 400 }

[[variants]]
name = "no time limits"
changes = { "deadlines.enabled" = false, "deadlines.escalation" = false }
"""

GLYPH_MISSING = r"Glyph .* missing from font"


@dataclass
class Built:
    comparison: Comparison
    root: Path
    store: Path
    experiment_file: Path


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """One test worker at a time (pytest-xdist workers share the built reports)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: every worker builds its own
        yield
        return
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all workers of this test session share (built once, read by all)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "report-shared"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def built(shared: Path) -> Built:
    folder = shared / "scenarios"
    store = shared / "ws"
    with _exclusive(shared / "runs.lock"):
        folder.mkdir(exist_ok=True)
        (folder / "small.toml").write_text(SMALL)
        (folder / "exp.toml").write_text(EXPERIMENT)
        exp = Experiment.from_file(folder / "exp.toml")
        with Workspace("report_test", store=store) as ws:  # the first worker runs, others load
            comparison = exp.run(ws, SerialExecutor(), progress=False)
    return Built(comparison, shared, store, folder / "exp.toml")


_gridsim = in_process


def _cli_args(built: Built, out: Path) -> list[str]:
    return [
        "report",
        str(built.experiment_file),
        "--out",
        str(out),
        "--tenant",
        "report_test",
        "--store",
        str(built.store),
        "--workers",
        "1",
        "--no-progress",
    ]


@pytest.fixture(scope="session")
def en_report(built: Built) -> Path:
    """The English report, written by the command line (``gridsim report``)."""
    out = built.root / "report-en"
    with _exclusive(built.root / "en.lock"):
        if not (out / "index.html").is_file():
            code, stdout, stderr = _gridsim(_cli_args(built, out))
            assert code == 0, stderr
            assert f"report written to {out / 'index.html'}" in stdout
    return out / "index.html"


def _need_cjk_font() -> None:
    if cjk_font() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no CJK font is installed (apt-get install fonts-noto-cjk)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")


@pytest.fixture(scope="session")
def zh_report(built: Built) -> Path:
    """The Chinese report, written by :func:`write_report` with every warning an error."""
    _need_cjk_font()
    out = built.root / "report-zh"
    with _exclusive(built.root / "zh.lock"):
        if not (out / "index.html").is_file():
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # "Glyph ... missing from font" fails the build
                write_report(built.comparison, out, lang="zh")
    return out / "index.html"


class _Refs(HTMLParser):
    """Every tag, and every src/href/style a page holds."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.src: list[str] = []
        self.href: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "srcset", "data", "poster"):
                self.src.append(value or "")
            elif name in ("href", "xlink:href", "action"):
                self.href.append(value or "")
            elif name == "style":
                self.styles.append(value or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(page: Path) -> _Refs:
    refs = _Refs()
    refs.feed(page.read_text(encoding="utf-8"))
    return refs


# -- files ------------------------------------------------------------------------


def test_every_figure_is_written_as_png_and_svg_and_inlined(en_report: Path, built: Built):
    out = en_report.parent
    html = en_report.read_text(encoding="utf-8")
    refs = _parse(en_report)
    assert en_report.name == "index.html"
    # Every figure whose data the comparison has: all but the sensitivity indices of a
    # Sobol or Morris design (tests/test_sensitivity.py writes that report).
    drawn = [s for s, spec in FIGURES.items() if spec.available(built.comparison)]
    assert drawn == [s for s in plots.FIGURES if s != "sensitivity"]
    assert not (out / "sensitivity.png").exists() and 'id="fig-sensitivity"' not in html
    for stem in drawn:
        png, svg = out / f"{stem}.png", out / f"{stem}.svg"
        assert png.stat().st_size > 5_000, stem
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg.stat().st_size > 5_000, stem
        assert b"<svg" in svg.read_bytes()[:2_000]
        assert f'id="fig-{stem}"' in html
        assert f"{stem}.png" in refs.href and f"{stem}.svg" in refs.href
    inline = [s for s in refs.src if s.startswith("data:image/png;base64,")]
    assert len(inline) == len(drawn)
    assert all(len(s) > 5_000 for s in inline)


def test_html_needs_no_network(en_report: Path):
    refs = _parse(en_report)
    out = en_report.parent
    assert "link" not in refs.tags and "script" not in refs.tags
    assert "iframe" not in refs.tags and "object" not in refs.tags
    for value in refs.src:
        assert value.startswith("data:"), value
    for value in refs.href:
        assert not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", value, re.I), value
        assert value.startswith("#") or (out / value).is_file(), value
    css = "\n".join(refs.styles)
    assert "@import" not in css and "url(" not in css
    html = en_report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)


def test_english_report_reads_as_a_summary_then_figures_tables_assumptions(
    built: Built, en_report: Path
):
    html = en_report.read_text(encoding="utf-8")
    sections = ("headline", "summary", "figures", "tables", "assumptions")
    order = [html.index(f'id="{s}"') for s in sections]
    assert order == sorted(order)
    assert "Comparison report: report-test" in html
    assert "<b>base</b>" in html and "3 replications" in html
    for text in ("On-time closure rate", "Backlog at year end", "95 % CI", "Pareto frontier"):
        assert text in html, text
    # the summary names the largest clear differences of each variant, with their CIs;
    # one the same in every replication (fewer grids, fewer visits) without one
    lines = headline_differences(built.comparison, "en")
    assert set(lines) == {"400 households", "no time limits"}
    ci = r"[+−]\d+(\.\d)? % [a-z -]+ \(95 % CI [+−]?[\d.]+ % to [+−]?[\d.]+ %\)"
    assert any(re.search(ci, line) for line in lines["400 households"])
    assert re.fullmatch(
        r"[+−]\d+(\.\d)? % household visits \(the same in all 3 replications\)",
        lines["400 households"][0],
    )
    # assumptions: the changes, sourced and assumed parameters, seed and version
    assert "Households per grid = 400" in html
    assert "sourced" in html and "assumed" in html
    assert "grids.<wbr>households_<wbr>per_<wbr>grid" in html  # may wrap at . and _
    assert "Root seed" in html and ">7<" in html


def test_parameter_table_tags_every_parameter_sourced_or_assumed(built: Built):
    params = parameter_table(built.comparison.experiment.baseline.scenario)
    assert {"sourced", "assumed"} <= set(params["kind"])
    row = params.set_index("key").loc["grids.households_per_grid"]
    assert row["kind"] == "sourced" and row["unit"] == "households"
    assert params.set_index("key").loc["collect.detect_probability", "kind"] == "assumed"
    assert params["key"].is_unique


def test_equity_and_pareto_helpers():
    assert plots.gini([1, 1, 1, 1]) == 0
    assert plots.gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert plots.worst_decile_mean(list(range(1, 21))) == pytest.approx(19.5)
    assert plots.worst_decile_mean([0.5, 0.9, 1.0], high_is_bad=False) == 0.5
    front = plots.pareto_front([1, 2, 3, 2.5], [1, 3, 4, 2])
    assert front.tolist() == [True, True, True, False]


def test_grid_maps_use_the_runs_district(built: Built):
    c = built.comparison
    for name in plots.map_variants(c):
        district = plots.district_of(c, name)
        assert district.n_grids == len(plots.grid_means(c)[name])
        assert district.n_grids == len(c.records[name][0].grids)


def test_a_comparison_with_no_stored_runs_still_gives_a_report(built: Built, tmp_path: Path):
    exp = built.comparison.experiment
    with Workspace("report_empty", store=tmp_path / "ws") as ws:
        empty = exp.comparison(ws)
    assert empty.runs.empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = write_report(empty, tmp_path / "empty")
    assert "Comparison report: report-test" in page.read_text(encoding="utf-8")


# -- Chinese ----------------------------------------------------------------------


def test_missing_glyphs_are_caught_as_errors(tmp_path: Path):
    """The zh test is meaningful: drawing Chinese in a Latin-only font fails under the filter."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.5, 0.5, "按期结案率", family="DejaVu Sans")
    with warnings.catch_warnings(), pytest.raises(UserWarning, match=GLYPH_MISSING):
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "x.png")


def test_chinese_report_has_chinese_labels_and_no_missing_glyph(zh_report: Path):
    html = zh_report.read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html
    for term in ("方案比较报告", "受理量", "按期结案率", "年末积案数", "满意率", "网格", "摘要"):
        assert term in html, term
    assert "95%置信区间" in html
    assert "每网格户数 = 400" in html
    assert "Comparison report" not in html and "Figure 1" not in html
    for stem in [s for s in plots.FIGURES if s != "sensitivity"]:  # not a Sobol/Morris design
        assert (zh_report.parent / f"{stem}.png").stat().st_size > 5_000
        assert (zh_report.parent / f"{stem}.svg").stat().st_size > 5_000
    # figures are drawn with the CJK font first
    family = plots.rc_params("zh")["font.family"]
    assert "CJK" in family[0] or "Hei" in family[0] or "Han" in family[0] or "PingFang" in family[0]


def test_chinese_report_without_a_cjk_font_fails_clearly(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GRIDSIM_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        write_report(built.comparison, tmp_path / "zh", lang="zh")
    assert not (tmp_path / "zh" / "index.html").exists()


def test_cli_report_rejects_bad_input_and_reuses_stored_runs(
    built: Built, en_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "cli-report"
    code, _, err = _gridsim([*_cli_args(built, out), "--lang", "fr"])
    assert code == 2 and "--lang: must be one of en, zh, got 'fr'" in err
    monkeypatch.setenv("GRIDSIM_CJK_FONT", str(tmp_path / "missing.ttc"))
    code, _, err = _gridsim([*_cli_args(built, out), "--lang", "zh"])
    assert code == 2 and "fonts-noto-cjk" in err
    assert not out.exists()
    # the English report came from the command line, from the runs already stored
    assert en_report.stat().st_size > 50_000
    with Workspace("report_test", store=built.store) as ws:
        assert len(ws.list_runs("report-test")) == 9  # 3 variants × 3 replications, once


# -- a real browser ---------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:
        self.requested.append(self.path)


@pytest.fixture
def serve() -> Iterator[object]:
    servers = []

    def start(folder: Path) -> tuple[str, list[str]]:
        requested: list[str] = []
        handler = type(
            "H",
            (_Handler,),
            {"requested": requested, "__init__": _handler_init(folder)},
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", requested

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _handler_init(folder: Path):
    def init(self, *args, **kwargs):
        http.server.SimpleHTTPRequestHandler.__init__(self, *args, directory=str(folder), **kwargs)

    return init


def _screenshot(url: str, shot: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _console(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "net::ERR" in line
    ]


def test_browser_check_catches_console_errors_and_extra_requests(serve, tmp_path: Path):
    """The browser test is meaningful: a broken page shows up in its checks."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.html").write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="gone.css"></head>'
        "<body><h1>x</h1><script>undefined_fn()</script></body></html>"
    )
    url, requested = serve(bad)
    run = _screenshot(f"{url}/index.html", tmp_path / "bad.png", tmp_path / "profile")
    assert run.returncode == 0, run.stderr
    assert any("Uncaught" in line for line in _console(run.stderr))
    assert "/gone.css" in requested


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_in_headless_chromium(
    lang: str, request: pytest.FixtureRequest, serve, tmp_path: Path
):
    page: Path = request.getfixturevalue(f"{lang}_report")
    url, requested = serve(page.parent)
    shot = tmp_path / f"report-{lang}.png"
    run = _screenshot(f"{url}/index.html", shot, tmp_path / "profile")
    assert run.returncode == 0, run.stderr
    assert _console(run.stderr) == []
    assert [p for p in requested if p != "/favicon.ico"] == ["/index.html"]
    assert shot.stat().st_size > 20_000
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert pixels.shape[:2] == (2000, 1280)
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    assert len(np.unique(packed)) > 500  # text, colours, figures: not a blank page
    # the first figure was decoded and drawn: its variant colour (#0072B2) is on screen
    blue = np.array([0x00, 0x72, 0xB2])
    assert (np.abs(pixels - blue).sum(axis=2) < 30).sum() > 50
    keep = os.environ.get("GRIDSIM_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


def test_chinese_bold_headings_find_a_bold_face(caplog: pytest.LogCaptureFixture) -> None:
    """A bold title in a Chinese figure uses the CJK bold face, with no findfont warning."""
    import logging

    import matplotlib.pyplot as plt

    _need_cjk_font()
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with plt.rc_context(plots.rc_params("zh")):
        fig, ax = plt.subplots()
        ax.set_title("按期结案率", fontweight="bold")
        fig.canvas.draw()
        plt.close(fig)
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


# -- the headline -----------------------------------------------------------------


def _opening(html: str) -> str:
    """What follows the page's header: the first section of the report."""
    after = html[html.index("</header>") + len("</header>") :].lstrip()
    return after[: after.index("</section>")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_report_opens_with_the_headline(lang: str, request: pytest.FixtureRequest):
    page: Path = request.getfixturevalue(f"{lang}_report")
    html = page.read_text(encoding="utf-8")
    opening = _opening(html)
    assert opening.startswith('<section class="headline" id="headline">')
    lead = headline(request.getfixturevalue("built").comparison, lang).lead
    assert f'<p class="lead">{lead}</p>'.replace("'", "&#x27;") in opening
    assert ("95%置信区间" if lang == "zh" else "95 % CI") in opening


def _synthetic(built: Built, effects: dict[str, dict[str, float]]) -> Comparison:
    """The small experiment's designs with made-up runs: the baseline plus chosen effects.

    ``effects``: variant → KPI → change (a factor for counts and days, added to
    rates); a change of ``"cost"`` is the same in every replication, the others
    vary a little.
    """
    exp = built.comparison.experiment
    rng = np.random.default_rng(0)
    base = {
        "households_visited": 20_000.0,
        "issues_collected": 900.0,
        "issues_resolved": 720.0,
        "resolution_rate": 0.8,
        "on_time_rate": 0.85,
        "median_days_to_close": 5.0,
        "p90_days_to_close": 14.0,
        "backlog_end": 40.0,
        "satisfaction": 0.87,
        "cost": 5e6,
    }
    rows = []
    for r in range(5):
        noise = {k: (0.0 if k == "cost" else rng.normal(0, 0.003)) for k in base}
        for v in exp.variants:
            row: dict[str, object] = {"variant": v.name, "replication": r}
            for k, x in base.items():
                change = effects.get(v.name, {}).get(k)
                rate = k in ("resolution_rate", "on_time_rate", "satisfaction")
                value = x + noise[k] if rate else x * (1 + noise[k])
                if change is not None:  # an effect differs a little between replications
                    jitter = 0.0 if k == "cost" else rng.normal(0, 0.002)
                    value = value + change + jitter if rate else value * (change + jitter)
                row[k] = value
            rows.append(row)
    runs = pd.DataFrame(rows)
    table = compare(runs, exp.baseline.name, exp.spec.kpis)
    return Comparison(exp, runs, table, _records={})


def test_the_headline_names_the_best_design_its_cost_and_what_it_gives_up(built: Built):
    c = _synthetic(
        built,
        {
            "400 households": {
                "on_time_rate": 0.05,
                "backlog_end": 0.7,
                "satisfaction": -0.02,
                "cost": 1.1,
            },
            "no time limits": {"on_time_rate": -0.2, "backlog_end": 3.0},
        },
    )
    head = headline(c, "en")
    assert head.best == "400 households"
    assert head.lead == "Best on the headline indicators: 400 households."
    gains, cost, gives_up = head.points[:3]
    assert gains.startswith("Against the baseline (base) it is clearly better on 2 of 9: ")
    assert re.search(
        r"\+[45]\.\d pp on-time closure rate \(95 % CI \+[\d.]+ to \+[\d.]+ pp\)", gains
    )
    assert re.search(r"−30 % backlog at year end \(95 % CI −3\d % to −\d\d %\)", gains)
    # a cost the same in every replication is printed without an interval
    assert cost == "It costs 0.5 million yuan more a year (+10 %, the same in all 5 replications)."
    assert re.match(r"It gives up: −[12]\.\d pp satisfaction rate \(95 % CI ", gives_up)
    assert "5 replications" in head.note
    zh = headline(c, "zh")
    assert zh.lead == "在主要指标上表现最好的方案是400 households。"
    assert zh.points[1] == "其成本每年增加50.0万元（+10%，5次重复结果相同）。"
    assert re.match(r"代价是：满意率 −[12]\.\d个百分点（95%置信区间 ", zh.points[2])


def test_the_headline_says_plainly_when_no_design_beats_the_baseline(built: Built):
    c = _synthetic(
        built,
        {
            "400 households": {"cost": 0.8, "backlog_end": 1.5, "households_visited": 0.9},
            "no time limits": {},
        },
    )
    head = headline(c, "en")
    assert head.best is None
    assert head.lead == (
        "No design does clearly better than the baseline (base) on any headline indicator."
    )
    assert head.points[0] == "No clear difference from it: no time limits."
    assert head.points[1].startswith("1 designs are clearly worse, most of all 400 households: ")
    assert head.points[2].startswith(
        "The cheapest design, 400 households, costs 1.0 million yuan less a year (−20 %, "
        "the same in all 5 replications). It gives up: +50 % backlog at year end"
    )
    assert headline(c, "zh").lead == "没有方案在任何主要指标上明显优于基准（base）。"


# -- Chinese through and through --------------------------------------------------


@pytest.fixture(scope="session")
def mechanisms_zh(shared: Path) -> tuple[Comparison, Path]:
    """The shipped compare-mechanisms experiment on a small district, reported in Chinese."""
    _need_cjk_font()
    folder = shared / "mechanisms" / "scenarios"
    out = shared / "mechanisms" / "report-zh"
    with _exclusive(shared / "mechanisms.lock"):
        folder.mkdir(parents=True, exist_ok=True)
        shipped = Path(__file__).resolve().parents[1] / "scenarios"
        shutil.copy(shipped / "yuelu-2013.toml", folder / "yuelu-2013.toml")
        (folder / "small.toml").write_text(
            'extends = "yuelu-2013.toml"\n[district]\ncommunities = 16\nhouseholds = 6000\n'
        )
        text = (shipped / "compare-mechanisms.toml").read_text(encoding="utf-8")
        text = text.replace('base = "yuelu-2013.toml"', 'base = "small.toml"')
        text = re.sub(r"^replications = \d+", "replications = 2", text, flags=re.M)
        (folder / "compare-mechanisms.toml").write_text(text, encoding="utf-8")
        exp = Experiment.from_file(folder / "compare-mechanisms.toml")
        assert len(exp.variants) == 11 and exp.spec.replications == 2
        with Workspace("report_mechanisms", store=shared / "mechanisms" / "ws") as ws:
            comparison = exp.run(ws, SerialExecutor(), progress=False)
        comparison.records  # noqa: B018  (loaded now, while the workspace is open)
        if not (out / "index.html").is_file():
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                write_report(comparison, out, lang="zh")
    return comparison, out / "index.html"


def test_chinese_report_of_compare_mechanisms_has_hardly_an_english_word(mechanisms_zh):
    """Outside code and file names only names remain: the district's, gridsim, CSV, UTC."""
    from collections import Counter

    comparison, page = mechanisms_zh
    html = page.read_text(encoding="utf-8")
    words = english_words(html)
    assert len(words) <= 36, Counter(words).most_common()
    assert set(words) <= {"Yuelu", "District", "gridsim", "CSV", "UTC", "KN"}, set(words)
    # the variants are named by their label_zh, the parameter table is Chinese
    for label in ("岳麓2013年方案（基准）", "全部交区级部门", "以自评代替第三方测评"):
        assert label in html, label
    assert "社区如何划分网格" in html and "每个网格的目标户数" in html
    # and so are the figures: every text a figure draws (titles, ticks, legends)
    from matplotlib.text import Text

    for stem, spec in FIGURES.items():
        fig = spec.draw(comparison, "zh")
        drawn = " ".join(t.get_text() for t in fig.findobj(Text) if t.get_visible())
        assert english_words(drawn) == [], (stem, english_words(drawn))


# -- layout in a real browser -----------------------------------------------------


def test_layout_check_catches_overflow_spills_and_overlapping_headers(tmp_path: Path):
    """The layout test is meaningful: each defect it looks for is caught on a bad page."""
    bad = tmp_path / "bad" / "index.html"
    bad.parent.mkdir()
    bad.write_text(
        "<!DOCTYPE html><html><body><main style='max-width:600px;padding:0 20px'>"
        "<table style='table-layout:fixed;width:300px'><thead><tr>"
        "<th style='width:40px;white-space:nowrap'>Baseline value</th>"
        "<th style='text-align:left'>Unit</th></tr>"
        "</thead><tbody><tr><td style='white-space:nowrap'>Yuelu District 岳麓区</td>"
        "<td>x</td></tr></tbody></table>"
        "<table style='width:1000px'><tr><td>wide</td></tr></table>"
        "</main></body></html>",
        encoding="utf-8",
    )
    layout = measure_layout(bad, 800, tmp_path / "work")
    problems = "\n".join(layout.problems())
    assert "scrolls sideways: scrollWidth" in problems
    assert "past the column: table" in problems
    assert 'spills: td "Yuelu District 岳麓区"' in problems
    assert 'th "Baseline value" overlaps th "Unit"' in problems
    assert 'th "Baseline value": text' in problems and "leaves its cell" in problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_layout_holds_at_desktop_and_narrow_widths(
    lang: str, width: int, request: pytest.FixtureRequest, tmp_path: Path
):
    page: Path = request.getfixturevalue(f"{lang}_report")
    layout = measure_layout(page, width, tmp_path)
    assert layout.tables == 4 and layout.headers > 20
    assert layout.problems() == []
    html = page.read_text(encoding="utf-8")
    assert ">nan<" not in html and "`" not in re.sub(r"<style>.*?</style>", "", html, flags=re.S)


@pytest.mark.parametrize("width", WIDTHS)
def test_eleven_designs_with_long_chinese_names_fit_too(width: int, mechanisms_zh, tmp_path: Path):
    _, page = mechanisms_zh
    assert measure_layout(page, width, tmp_path).problems() == []


_NO_BOLD_FACE = """
import logging, sys
import matplotlib
matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib.figure import Figure
from gridsim.reports.i18n import fonts

# A machine whose CJK font has no bold face: only the regular file is known.
font_manager.fontManager.ttflist = [
    f for f in font_manager.fontManager.ttflist if "CJK" not in f.name
]
if sys.argv[1] == "unfixed":
    fonts._regular_as_bold = lambda path: None
seen = []
handler = logging.Handler()
handler.emit = lambda record: seen.append(record.getMessage())
logging.getLogger("matplotlib.font_manager").addHandler(handler)
name = fonts.cjk_font(required=True)
fig = Figure()
title = fig.add_subplot().set_title("按期结案率", fontweight="bold", family=[name])
fig.savefig(sys.argv[2])
print(font_manager.findfont(title.get_fontproperties()))
print("\\n".join(m for m in seen if "findfont" in m and "weight" in m))
"""


def test_a_cjk_font_without_a_bold_face_draws_bold_text_without_a_warning(tmp_path: Path):
    """No "findfont: Failed to find font weight bold" (a red box in notebooks): the regular
    face stands in for bold, silently; without that, matplotlib warns (the control)."""
    _need_cjk_font()
    from gridsim.reports.i18n import find_cjk_font_file

    font = find_cjk_font_file()
    assert font is not None
    lone = tmp_path / font.name  # the regular file alone: no bold sibling beside it
    lone.symlink_to(font)
    env = {**os.environ, "GRIDSIM_CJK_FONT": str(lone), "PYTHONPATH": os.pathsep.join(sys.path)}

    def draw(mode: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", _NO_BOLD_FACE, mode, str(tmp_path / f"{mode}.png")],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return [line for line in run.stdout.splitlines() if line]

    used, *warned = draw("fixed")
    assert Path(used).resolve() == font.resolve() and warned == []  # the regular face
    _, *warned = draw("unfixed")
    assert any("Failed to find font weight bold" in line for line in warned)
