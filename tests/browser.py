"""Headless Chromium for the report tests: find it, and measure a page's layout.

:func:`measure_layout` loads a copy of a page with a small script added at
the end of its body, at a given window width, in headless Chromium
(``--dump-dom``); on the page's ``load`` event the script measures the
layout and writes it into the DOM as JSON, which Chromium prints:

* ``scrollWidth`` against ``innerWidth``: the page scrolls sideways;
* ``outside``: tables, figures and other blocks that reach past the main
  column's content box (past the right margin), though the page may not scroll;
* ``spills``: table cells whose content is wider than the cell (a long value
  running into the next column);
* ``overlaps``: table header cells whose text leaves the cell or runs into
  another header's text ("Baseline value" and "Unit" written over each other).

Chromium is required under ``CI=true`` (a failure, never a skip); elsewhere
a test that needs it is skipped when it is missing.
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)

WIDTHS = (1280, 800)
"""Window widths the layout test loads a report at: a desktop and a narrow laptop or tablet."""


def chromium() -> str:
    """The Chromium executable; skips the test (fails it under ``CI=true``) without one."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but Chromium is not installed (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


MEASURE_JS = r"""
window.addEventListener('load', function () {
  var TOL = 1;
  function name(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.className && typeof el.className === 'string') {
      s += '.' + el.className.split(' ').join('.');
    }
    var t = el.closest('table');
    if (t && t !== el && t.id) s = 'table#' + t.id + ' ' + s;
    var text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 50);
    return s + ' "' + text + '"';
  }
  function textBox(el) {
    var r = document.createRange();
    r.selectNodeContents(el);
    var rects = Array.prototype.filter.call(r.getClientRects(), function (b) {
      return b.width > 0 && b.height > 0;
    });
    if (!rects.length) return null;
    var box = {left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity};
    rects.forEach(function (b) {
      box.left = Math.min(box.left, b.left); box.right = Math.max(box.right, b.right);
      box.top = Math.min(box.top, b.top); box.bottom = Math.max(box.bottom, b.bottom);
    });
    return box;
  }
  var out = {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    outside: [], spills: [], overlaps: [], tables: 0, headers: 0
  };
  var main = document.querySelector('main') || document.body;
  var style = getComputedStyle(main), mr = main.getBoundingClientRect();
  var left = mr.left + parseFloat(style.paddingLeft);
  var right = mr.right - parseFloat(style.paddingRight);
  var blocks = 'table, figure, img, dl, pre, ul, p, h1, h2, h3, nav, section';
  main.querySelectorAll(blocks).forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > right + TOL || r.left < left - TOL)) {
      out.outside.push(name(el) + ' spans ' + Math.round(r.left) + '–' + Math.round(r.right) +
                       ', column ' + Math.round(left) + '–' + Math.round(right));
    }
  });
  var tables = document.querySelectorAll('table');
  out.tables = tables.length;
  tables.forEach(function (table) {
    table.querySelectorAll('th, td').forEach(function (cell) {
      if (cell.scrollWidth > cell.clientWidth + TOL) {
        out.spills.push(name(cell) + ' needs ' + cell.scrollWidth + ' px, has ' + cell.clientWidth);
      }
    });
    var heads = Array.prototype.slice.call(table.querySelectorAll('thead th'));
    out.headers += heads.length;
    var boxes = heads.map(function (th) {
      var b = textBox(th), c = th.getBoundingClientRect();
      if (b && (b.left < c.left - TOL || b.right > c.right + TOL)) {
        out.overlaps.push(name(th) + ': text ' + Math.round(b.left) + '–' + Math.round(b.right) +
                          ' leaves its cell ' + Math.round(c.left) + '–' + Math.round(c.right));
      }
      return b;
    });
    for (var i = 0; i < heads.length; i++) {
      for (var j = i + 1; j < heads.length; j++) {
        var a = boxes[i], b = boxes[j];
        if (a && b && Math.min(a.right, b.right) - Math.max(a.left, b.left) > TOL &&
            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > TOL) {
          out.overlaps.push(name(heads[i]) + ' overlaps ' + name(heads[j]));
        }
      }
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'gridsim-layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
"""
"""The measuring script (added to a copy of the page, never to the report itself)."""


@dataclass(frozen=True)
class Layout:
    """What :data:`MEASURE_JS` found on a page at one window width."""

    width: int
    inner_width: int
    scroll_width: int
    outside: list[str]
    spills: list[str]
    overlaps: list[str]
    tables: int
    headers: int

    def problems(self) -> list[str]:
        """Every layout defect found, one line each (empty: the layout is sound)."""
        lines = []
        if self.scroll_width > self.inner_width:
            lines.append(
                f"the page scrolls sideways: scrollWidth {self.scroll_width} > "
                f"innerWidth {self.inner_width}"
            )
        lines += [f"past the column: {x}" for x in self.outside]
        lines += [f"spills: {x}" for x in self.spills]
        lines += [f"header overlap: {x}" for x in self.overlaps]
        return lines


def measure_layout(page: Path, width: int, work: Path) -> Layout:
    """Load a copy of ``page`` in headless Chromium at ``width`` px and measure its layout.

    Args:
        page: An HTML file (its folder's other files are not needed: a report
            inlines everything).
        width: Window width in CSS pixels.
        work: A scratch folder (the copy and Chromium's profile go there).

    Returns:
        The measurements.
    """
    work.mkdir(parents=True, exist_ok=True)
    html = page.read_text(encoding="utf-8")
    assert "</body>" in html, page
    copy = work / f"measure-{width}-{page.parent.name}.html"
    copy.write_text(
        html.replace("</body>", f"<script>{MEASURE_JS}</script></body>", 1), encoding="utf-8"
    )
    run = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / f'profile-{width}'}",
            f"--window-size={width},1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="gridsim-layout">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the measuring script wrote nothing; stderr: {run.stderr[-2000:]}"
    data = json.loads(html_module.unescape(found.group(1)))
    assert data["innerWidth"] == width, data  # the window is the width asked for
    return Layout(
        width,
        data["innerWidth"],
        data["scrollWidth"],
        data["outside"],
        data["spills"],
        data["overlaps"],
        data["tables"],
        data["headers"],
    )
