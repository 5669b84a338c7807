"""The comparison report: one self-contained HTML page for district officials.

:func:`write_report` turns a :class:`gridsim.experiments.Comparison` into a
folder::

    DIR/index.html          summary, figures, tables, assumptions
    DIR/<figure>.png        every figure as PNG ...
    DIR/<figure>.svg        ... and as SVG (text drawn as paths)

``index.html`` needs nothing else: figures are inlined as base64 PNG, the
CSS is inline, there is no script, no web font and no external URL, so the
page opens offline, can be mailed as one file, and prints cleanly. It is
written in English or Simplified Chinese (``lang="zh"``; see
:mod:`gridsim.reports.i18n`). The figures are those registered in
:data:`gridsim.reports.figures.FIGURES`, captioned from their specs.

A report is written whole or not at all. Its files belong together (the page
links to ``<figure>.png`` and ``<figure>.svg`` beside it), so they are replaced
as a set, not one by one: every file is first written into a hidden staging
folder inside ``DIR`` (:func:`gridsim.fileio.staged_folder`), and only when
all are complete are they renamed into ``DIR``, ``index.html`` last, and the
figure files of an older report that this one no longer has deleted. A
process killed while drawing or writing (the seconds a report takes) leaves
the previous report exactly as it was, plus a hidden ``.staged.*.tmp``
folder that the next report written there removes; a stop by ``KeyboardInterrupt``
or a signal the command line turns into one lets the renames (microseconds)
finish first. The folder itself is not swapped for a new one: ``DIR`` may hold
the user's own files, and those are never touched.

From the command line::

    gridsim report scenarios/compare-grid-size.toml --out out/reports/grid-size --lang zh
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from gridsim._version import __version__
from gridsim.experiments.results import Comparison
from gridsim.fileio import atomic_write, staged_folder
from gridsim.reports.analysis import replication_count, variant_label
from gridsim.reports.drawing import save_figure
from gridsim.reports.figures import FIGURES
from gridsim.reports.findings import headline_differences
from gridsim.reports.headline import headline
from gridsim.reports.i18n import HTML_FONTS, check_lang, font_family, t
from gridsim.reports.tables import (
    _changes_html,
    _e,
    _equity_table_html,
    _kpi_table_html,
    _params_table_html,
    _run_details_html,
    _variants_table_html,
    markdown_code,
)

REPORT_PAGE = "index.html"
"""File name of the report page in the report folder."""


@dataclass(frozen=True)
class FigureFile:
    """A figure written with a report.

    Attributes:
        stem: File stem (``<stem>.png``, ``<stem>.svg``).
        title: Figure title in the report's language.
        caption: Caption in the report's language.
        png: Path of the PNG.
        svg: Path of the SVG.
    """

    stem: str
    title: str
    caption: str
    png: Path
    svg: Path


# ---------------------------------------------------------------------------
# what the report says


# ---------------------------------------------------------------------------
# HTML

_CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#d9d9de; --accent:#0b5394; --soft:#f4f6f9; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; font-family: FONT;
       font-size: 15px; line-height: 1.6; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 28px 48px; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .25rem; letter-spacing: -.01em; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .8rem; padding-bottom: .3rem;
     border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
p { margin: .5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 .6rem; font-size: 1.02rem; }
.meta { color: var(--muted); font-size: .86rem; margin: 0; }
nav { margin: 1rem 0 0; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; margin-right: 1.1rem; }
.headline { border: 1px solid var(--rule); border-top: 4px solid var(--accent);
            padding: 12px 20px 10px; margin: 1.4rem 0 0; border-radius: 2px; }
.headline h2 { border: 0; margin: 0 0 .4rem; padding: 0; font-size: 1.15rem; }
.headline p.lead { font-weight: 700; font-size: 1.06rem; margin: .2rem 0 .5rem; }
.headline ul { margin: .4rem 0 .4rem; padding-left: 1.2rem; }
.headline li { margin: .3rem 0; }
.headline .note, .summary .note { color: var(--muted); font-size: .88rem; }
.summary { background: var(--soft); border-left: 4px solid var(--accent);
           padding: 14px 20px 12px; margin: 1.4rem 0 0; border-radius: 2px; }
.summary h2 { border: 0; margin: 0 0 .4rem; padding: 0; font-size: 1.15rem; }
.summary ul { margin: .4rem 0 .2rem; padding-left: 1.2rem; }
.summary li { margin: .35rem 0; }
figure { margin: 1.6rem 0 2.2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #333; margin-top: .45rem; }
figcaption .files { color: var(--muted); white-space: nowrap; }
figcaption a, .files a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .4rem 0 1rem;
        font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-size: .9rem; color: #333;
          padding-bottom: .4rem; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top;
         text-align: left; }
thead th { background: var(--soft); border-bottom: 2px solid #9aa0a6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
thead th.num { white-space: normal; }
#table-equity { font-size: .8rem; }
#table-equity th, #table-equity td { padding: 4px 5px; }
#table-equity td:first-child { overflow-wrap: anywhere; }
tr.group th { background: #fff; border-bottom: 1px solid #9aa0a6; padding-top: 12px;
              font-size: .92rem; }
tr.base td { color: #333; background: #fafafa; }
td.sig { font-weight: 700; }
tr.changed td { background: #fff6d6; }
tr.section th { background: #fff; color: var(--muted); font-weight: 600; padding-top: 10px; }
code, td.key { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
               font-size: .86em; }
td.key { font-size: .78rem; overflow-wrap: anywhere; }
code { background: var(--soft); padding: 0 .2em; border-radius: 2px; overflow-wrap: anywhere; }
h1 code.name { font: inherit; background: none; padding: 0; }
code.file, td.key code { background: none; padding: 0; }
table.params { table-layout: fixed; }
table.params col.c-key { width: 25%; } table.params col.c-value { width: 11%; }
table.params col.c-unit { width: 13%; } table.params col.c-source { width: 20%; }
table.params th, table.params td { overflow-wrap: anywhere; }
table.params th.val, table.params td.val { text-align: right; }
table.params td.val.txt { text-align: left; }
th.gs, td.gs { border-left: 1px solid var(--rule); }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: .78rem; }
.tag.sourced { background: #e3f1e6; color: #1e5b2b; }
.tag.assumed { background: #fdeee0; color: #7a3d00; }
.tag.set { background: #e6ecf7; color: #0b3d91; }
.params td { font-size: .8rem; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px;
         font-size: .9rem; margin: .4rem 0; }
dl.run dt { color: var(--muted); }
dl.run dd { margin: 0; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .82rem;
         border-top: 1px solid var(--rule); padding-top: .6rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav, figcaption .files { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, tr { break-inside: avoid; page-break-inside: avoid; }
  .summary, .headline { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  figure img { border: 0; }
}
"""


def _headline_html(comparison: Comparison, lang: str) -> str:
    """The report's opening: the design that does best, its cost, what it gives up, how sure."""
    head = headline(comparison, lang)
    points = "".join(f"<li>{_e(s)}</li>" for s in head.points)
    body = f"<ul>{points}</ul>" if points else ""
    note = f'<p class="note">{_e(head.note)}</p>' if head.note else ""
    return (
        f'<section class="headline" id="headline"><h2>{_e(t("headline", lang))}</h2>'
        f'<p class="lead">{_e(head.lead)}</p>{body}{note}</section>'
    )


def _summary_html(comparison: Comparison, lang: str, reps: int) -> str:
    exp = comparison.experiment
    scen = exp.baseline.scenario
    n_variants = len(exp.variants) - 1
    compared = t(
        "compared",
        lang,
        n_variants=n_variants,
        district=_e(scen.district.name),
        baseline=_e(variant_label(comparison, exp.baseline.name, lang)),
        days=scen.simulation.days,
        reps=reps,
        seed=exp.spec.seed,
    )
    items = []
    for variant, phrases in headline_differences(comparison, lang).items():
        v = next(x for x in exp.variants if x.name == variant)
        head = f"<b>{_e(variant_label(comparison, variant, lang))}</b>"
        if v.changes:
            changes = _changes_html(v.changes, lang)
            head += (
                f' <span class="note">({changes})</span>'
                if lang == "en"
                else f'<span class="note">（{changes}）</span>'
            )
        body = _e(t("clause_sep", lang).join(phrases))
        items.append(f"<li>{head}{_e(t('colon', lang))}{body}</li>")
    listing = f"<p>{_e(t('headline_intro', lang))}</p><ul>{''.join(items)}</ul>" if items else ""
    return (
        f'<section class="summary" id="summary"><h2>{_e(t("summary", lang))}</h2>'
        f"<p>{compared}</p>{listing}"
        f'<p class="note">{_e(t("crn_note", lang))}</p></section>'
    )


def _figure_html(n: int, fig: FigureFile, lang: str) -> str:
    data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
    return (
        f'<figure id="fig-{_e(fig.stem)}">'
        f'<img src="data:image/png;base64,{data}" alt="{_e(fig.title)}">'
        f"<figcaption><b>{_e(t('figure_n', lang, n=n))} {_e(fig.title)}{t('stop', lang)}</b> "
        f"{_e(fig.caption)} "
        f'<span class="files">{_e(t("download", lang))} '
        f'<a href="{_e(fig.png.name)}">PNG</a> · <a href="{_e(fig.svg.name)}">SVG</a></span>'
        f"</figcaption></figure>"
    )


def render_html(
    comparison: Comparison,
    figures: list[FigureFile],
    lang: str = "en",
    now: dt.datetime | None = None,
) -> str:
    """The report page as one HTML string (figures inlined from their PNG files).

    Args:
        comparison: The comparison.
        figures: Figures already written (see :func:`write_figures`).
        lang: ``"en"`` or ``"zh"``.
        now: Report time (default: now, local time).

    Returns:
        The HTML document.
    """
    check_lang(lang)
    exp = comparison.experiment
    now = now or dt.datetime.now().astimezone()
    reps = replication_count(comparison)
    title = t("report_title", lang, name=exp.name)
    # The experiment's name is its identifier (the file's stem, the key of its runs): code.
    title_html = _e(t("report_title", lang, name="\0")).replace(
        "\0", f'<code class="name">{_e(exp.name)}</code>'
    )
    base = exp.baseline.name
    meta = " · ".join(
        [
            exp.baseline.scenario.district.name,
            t("baseline", lang) + t("colon", lang) + variant_label(comparison, base, lang),
            t("designs_runs", lang, designs=len(exp.variants), reps=reps),
            f"{now:%Y-%m-%d}",
        ]
    )
    nav = "".join(
        f'<a href="#{a}">{_e(t(k, lang))}</a>'
        for a, k in (
            ("headline", "headline"),
            ("summary", "summary"),
            ("figures", "figures"),
            ("tables", "tables"),
            ("assumptions", "assumptions"),
        )
    )
    figs = "".join(_figure_html(i, f, lang) for i, f in enumerate(figures, start=1))
    tables = _kpi_table_html(comparison, lang, 1) + _equity_table_html(comparison, lang, 2)
    assumptions = (
        _variants_table_html(comparison, lang, 3)
        + _params_table_html(comparison, lang, 4)
        + _run_details_html(comparison, lang, now)
    )
    css = _CSS.replace("FONT", HTML_FONTS[lang])
    html_lang = "zh-Hans" if lang == "zh" else "en"
    text = (exp.spec.description_zh if lang == "zh" else "") or exp.spec.description
    description = f'<p class="subtitle">{markdown_code(text)}</p>' if text else ""
    footer = t("generated", lang, version=__version__, date=f"{now:%Y-%m-%d %H:%M}")
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{title_html}</h1>{description}<p class='meta'>{_e(meta)}</p>"
        f"<nav>{nav}</nav></header>\n"
        f"{_headline_html(comparison, lang)}\n"
        f"{_summary_html(comparison, lang, reps)}\n"
        f'<section id="figures"><h2>{_e(t("figures", lang))}</h2>{figs}</section>\n'
        f'<section id="tables"><h2>{_e(t("tables", lang))}</h2>{tables}</section>\n'
        f'<section id="assumptions"><h2>{_e(t("assumptions", lang))}</h2>{assumptions}</section>\n'
        f"<footer>{_e(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )


def write_figures(
    comparison: Comparison, out_dir: str | Path, lang: str = "en"
) -> list[FigureFile]:
    """Draw every report figure and write it as PNG and SVG into ``out_dir``.

    Returns:
        The figures written, in report order: every registered figure
        whose required data the comparison has (the days-to-close figure is
        left out when the stored runs carry no ``closed_after`` histogram).
    """
    check_lang(lang)
    out = Path(out_dir)
    written = []
    for spec in FIGURES.values():
        if not spec.available(comparison):
            continue
        png, svg = save_figure(spec.draw(comparison, lang), out, spec.stem)
        title, caption = spec.title_in(lang), spec.caption_in(comparison, lang)
        written.append(FigureFile(spec.stem, title, caption, png, svg))
    return written


def write_report(comparison: Comparison, out_dir: str | Path, lang: str = "en") -> Path:
    """Write the comparison report: ``index.html`` plus every figure as PNG and SVG.

    The files replace those of an earlier report in ``out_dir`` together,
    once all are written (see the module docstring); figure files of the
    earlier report that this one does not have are deleted; other files in
    ``out_dir`` are left alone.

    Args:
        comparison: What :meth:`gridsim.experiments.Experiment.run` returned.
        out_dir: Folder to write into (created if missing).
        lang: ``"en"`` (English) or ``"zh"`` (Simplified Chinese).

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: For an unknown language.
        FontNotFoundError: For ``"zh"`` when no font with Chinese glyphs is
            installed.
    """
    check_lang(lang)
    font_family(lang)  # fail before drawing anything if a Chinese font is missing
    out = Path(out_dir)
    own = [f"{stem}.{ext}" for stem in FIGURES for ext in ("png", "svg")]
    with staged_folder(out, last=[REPORT_PAGE], remove=own) as stage:
        figures = write_figures(comparison, stage, lang)
        atomic_write(stage / REPORT_PAGE, render_html(comparison, figures, lang))
    return out / REPORT_PAGE
