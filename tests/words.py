"""English words a page shows outside code and file names (the Chinese reports' check).

The Chinese reports must read as Chinese: what English remains should be
names the reader types or opens (parameter keys, file names, hashes: set as
``<code>``, in ``.key`` cells, or links to files) and a few proper nouns.
:func:`english_words` lists the rest, word by word, so a test can bound it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED_TAGS = frozenset({"style", "script", "code", "kbd", "samp", "title"})
"""Elements whose text is not read: CSS, scripts, code, and the title (the h1 repeats it)."""

SKIPPED_CLASSES = frozenset({"key", "file"})
"""Classes of elements that hold code: parameter keys and hashes, file names."""

VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"})

INLINE = frozenset({"a", "b", "i", "em", "strong", "span", "code", "sub", "sup", "small", "wbr"})
"""Elements inside a line: their text runs on (``scenarios/<wbr>x.toml`` is one name)."""

PROPER_NOUNS = frozenset({"Bohannon", "Koopman", "Levinson", "El", "Geneidy", "CJ"})
"""Names a Chinese text keeps in Latin letters: authors the parameters' sources cite, and
the standard CJ/T 349-2010 (not counted as English words)."""

WORD = re.compile(r"[A-Za-z]{2,}")
"""A word: two or more Latin letters (the tags S and A, units like x, are single letters)."""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its text skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in INLINE:
            self.parts.append(" ")  # a block, a cell or a line break ends a word
        if tag in VOID:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        href = a.get("href")
        skipped = (
            tag in SKIPPED_TAGS
            or bool(classes & SKIPPED_CLASSES)
            or (tag == "a" and href is not None and not href.startswith("#"))  # a file link
            or (bool(self.stack) and self.stack[-1])
        )
        self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.parts.append(" ")
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees, less code and file names (see the module docstring)."""
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def english_words(html: str) -> list[str]:
    """Every English word of a page outside code and file names, in order."""
    text = visible_text(html)
    text = re.sub(r"\S+\.(toml|csv|png|svg|html)\b", " ", text)  # file names written as text
    return [w for w in WORD.findall(text) if w not in PROPER_NOUNS]
