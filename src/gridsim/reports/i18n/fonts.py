"""The fonts of the reports: a CJK font for Chinese figures, the HTML font stacks.

Chinese figures need a font with CJK glyphs. :func:`cjk_font` finds one on
the machine (Noto Sans CJK SC from Debian's ``fonts-noto-cjk`` first),
registers it with matplotlib's font manager *by file path* (so it works even
when matplotlib's font cache predates the font), and :func:`font_family`
returns the concrete family names to draw with. Without such a font a
Chinese report fails with :class:`FontNotFoundError`, never with boxes in
place of characters.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from gridsim.reports.i18n.catalogue import check_lang

CJK_FONT_ENV = "GRIDSIM_CJK_FONT"
"""Environment variable naming a CJK font file to use instead of searching."""

CJK_FONT_CANDIDATES: tuple[str, ...] = (
    # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    # Fedora / Arch / Alpine
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    # Source Han Sans, WenQuanYi
    "/usr/share/fonts/opentype/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    # macOS, Windows
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
"""Font files tried, in order, before asking fontconfig for a Chinese font."""

FONT_INSTALL_HINT = (
    "install one, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
    "`dnf install google-noto-sans-cjk-fonts` (Fedora), or set "
    f"{CJK_FONT_ENV}=/path/to/font.ttc"
)

HTML_FONTS: dict[str, str] = {
    "en": (
        'system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, '
        '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
    ),
    "zh": (
        '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
        '"WenQuanYi Micro Hei", system-ui, sans-serif'
    ),
}
"""CSS font stacks of the HTML report (local fonts only; nothing is downloaded)."""


class FontNotFoundError(RuntimeError):
    """No font with Chinese glyphs was found for a Chinese report."""


def _fontconfig_chinese() -> list[str]:
    """Font files fontconfig says cover Chinese (empty without ``fc-list``)."""
    fc = shutil.which("fc-list")
    if fc is None:
        return []
    try:
        out = subprocess.run(
            [fc, ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.strip().rstrip(":") for line in out.splitlines() if line.strip()]
    # Sans before serif, Noto/Source Han first: they cover Latin well too.
    return sorted(files, key=lambda f: ("Serif" in f, "Noto" not in f and "Han" not in f, f))


def find_cjk_font_file() -> Path | None:
    """The file of a font with Chinese glyphs on this machine, if any.

    Looks at ``$GRIDSIM_CJK_FONT``, then :data:`CJK_FONT_CANDIDATES`, then
    asks fontconfig.

    Returns:
        The font file, or ``None``.
    """
    env = os.environ.get(CJK_FONT_ENV) or None
    if env not in _FOUND:  # only hits are remembered: a font installed later is found
        found = _find_font(env)
        if found is None:
            return None
        _FOUND[env] = found
    return _FOUND[env]


_FOUND: dict[str | None, Path] = {}


def _find_font(env: str | None) -> Path | None:
    if env:
        return Path(env) if Path(env).is_file() else None
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    for candidate in _fontconfig_chinese():
        if Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.cache
def _register(path: str) -> str | None:
    """Add a font file to matplotlib's font manager; return its best family name."""
    from matplotlib import font_manager

    before = {id(f) for f in font_manager.fontManager.ttflist}
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError):
        return None
    entries = [
        f
        for f in font_manager.fontManager.ttflist
        if f.fname == path or (id(f) not in before and Path(f.fname) == Path(path))
    ]
    if not entries:
        return None
    names = [f.name for f in entries]
    # A collection holds JP/KR/SC/TC faces: pick the Simplified Chinese one.
    for pred in (
        lambda n: n.endswith(" SC") and "Mono" not in n,
        lambda n: "SC" in n and "Mono" not in n,
        lambda n: "Mono" not in n,
    ):
        picked = [n for n in names if pred(n)]
        if picked:
            return picked[0]
    return names[0]


def bold_sibling(path: Path) -> Path | None:
    """The bold face beside a regular font file (``NotoSansCJK-Regular.ttc`` → ``-Bold``)."""
    if "Regular" not in path.name:
        return None
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    return bold if bold.is_file() else None


@functools.cache
def _regular_as_bold(path: str) -> None:
    """Let matplotlib use a font file's faces for bold too (for a font without a bold face).

    Matplotlib finds the nearest weight anyway, but logs "findfont: Failed to
    find font weight bold" (a red box in notebooks) each time; an entry of
    weight 700 for the same file (as matplotlib adds for a font's alternative
    names) makes the match exact, so bold text is drawn in the regular face
    without a message.
    """
    import dataclasses

    from matplotlib import font_manager

    fm = font_manager.fontManager
    faces = [f for f in fm.ttflist if Path(f.fname).resolve() == Path(path).resolve()]
    if any(f.weight in (700, "bold") for f in faces):
        return
    for face in faces:
        fm.ttflist.append(dataclasses.replace(face, weight=700))
    fm._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def cjk_font(required: bool = False) -> str | None:
    """Register a CJK font with matplotlib and return its family name.

    Args:
        required: Raise instead of returning ``None`` when there is none.

    Returns:
        The family name (e.g. ``"Noto Sans CJK SC"``), or ``None``.

    Raises:
        FontNotFoundError: If ``required`` and no usable font is found.
    """
    path = find_cjk_font_file()
    name = _register(str(path)) if path is not None else None
    if name is not None and path is not None:
        bold = bold_sibling(path)
        # Headings in bold find a bold face, not a findfont warning: the font's own, or,
        # when it has none, its regular face standing in for bold (drawn regular, silently).
        if bold is None or _register(str(bold)) is None:
            _regular_as_bold(str(path))
    if name is None and required:
        env = os.environ.get(CJK_FONT_ENV)
        where = f" ({CJK_FONT_ENV}={env!r} is not a usable font)" if env else ""
        raise FontNotFoundError(
            f"a Chinese report needs a font with Chinese glyphs, and none was found{where}: "
            + FONT_INSTALL_HINT
        )
    return name


def font_family(lang: str) -> list[str]:
    """Concrete font family names to draw a report's figures with.

    Concrete names (not ``"sans-serif"``) are stored in every text artist, so
    a figure draws with the same fonts whenever and wherever it is saved or
    shown. Matplotlib falls back glyph by glyph along the list.

    Args:
        lang: ``"zh"`` puts a CJK font first and requires one; ``"en"`` uses
            DejaVu Sans, with a CJK font (if any) as fallback for Chinese
            variant names.

    Returns:
        Family names, first choice first.

    Raises:
        FontNotFoundError: For ``"zh"`` when no CJK font is installed.
    """
    check_lang(lang)
    cjk = cjk_font(required=lang == "zh")
    if lang == "zh":
        assert cjk is not None
        return [cjk, "DejaVu Sans"]
    return ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
