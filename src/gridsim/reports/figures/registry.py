"""The registry of report figures: one :class:`FigureSpec` each, in report order.

A figure is a function ``draw(comparison, lang) -> Figure`` registered with
its file stem, its title and caption in every report language, and the data
of the comparison it reads. The report draws every registered figure whose
required data the comparison has (:meth:`FigureSpec.available`), in the order
they were registered, and captions it from the spec; adding a figure is one
registration::

    @register_figure(
        "backlog_share",
        title={"en": "Backlog share", "zh": "积案占比"},
        caption={"en": "...", "zh": "..."},
        needs=("runs",),
    )
    def backlog_share(comparison: Comparison, lang: str = "en") -> Figure: ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from matplotlib.figure import Figure

from gridsim.experiments.results import Comparison
from gridsim.reports.i18n import LANGS

type Data = Literal["table", "runs", "daily", "closed_after", "grids", "sensitivity"]
"""What a figure reads of a comparison: the comparison table, the per-run KPIs,
the stored daily series, their days-to-close histogram, the per-grid tables, the
sensitivity indices (a Sobol or Morris design with its runs)."""

type Draw = Callable[..., Figure]
"""``draw(comparison, lang="en") -> Figure``."""


def _has(comparison: Comparison, data: Data) -> bool:
    """Whether a comparison holds ``data`` for at least one variant."""
    if data == "table":
        return len(comparison.table) > 0
    if data == "runs":
        return not comparison.runs.empty
    if data == "sensitivity":
        design = comparison.experiment.spec.design
        return (
            design is not None
            and design.method in ("sobol", "morris")
            and comparison.experiment.problem is not None
            and not comparison.runs.empty
        )
    records = [r for recs in comparison.records.values() for r in recs]
    if data == "daily":
        return any(len(r.daily) for r in records)
    if data == "closed_after":
        return any("closed_after" in r.daily.columns for r in records)
    return any(len(r.grids) for r in records)


@dataclass(frozen=True)
class FigureSpec:
    """A report figure.

    Attributes:
        stem: File stem (``<stem>.png``, ``<stem>.svg``) and registry key.
        draw: ``draw(comparison, lang)`` returns the figure.
        title: Title by language.
        caption: Caption by language (``str.format`` fields from :attr:`fields`).
        needs: The data of a comparison the figure reads (see :data:`Data`);
            without it the figure shows "not available" in its panels.
        requires: Those of :attr:`needs` without which the report leaves the
            figure out.
        fields: ``fields(comparison, lang)``: the caption's format fields.
        per_design: Draws every design (a row, a line or a point each): left out of
            a comparison of more than :data:`MAX_DRAWN_DESIGNS` designs (a Sobol or
            Morris design's hundreds of points), where it would be pages tall.
    """

    stem: str
    draw: Draw
    title: Mapping[str, str]
    caption: Mapping[str, str]
    needs: tuple[Data, ...] = ()
    requires: tuple[Data, ...] = ()
    fields: Callable[[Comparison, str], dict[str, object]] | None = field(default=None)
    per_design: bool = True

    def __post_init__(self) -> None:
        missing = [lang for lang in LANGS if lang not in self.title or lang not in self.caption]
        if missing:
            raise ValueError(f"figure {self.stem!r}: no title or caption in {missing}")
        if not set(self.requires) <= set(self.needs):
            raise ValueError(f"figure {self.stem!r}: requires must be among needs")

    def available(self, comparison: Comparison) -> bool:
        """Whether the comparison has the data the figure requires (and few enough designs)."""
        if self.per_design and len(comparison.experiment.variants) > MAX_DRAWN_DESIGNS:
            return False
        return all(_has(comparison, d) for d in self.requires)

    def title_in(self, lang: str) -> str:
        """The title in a language."""
        return self.title[lang]

    def caption_in(self, comparison: Comparison, lang: str) -> str:
        """The caption in a language, its fields filled from the comparison."""
        text = self.caption[lang]
        return text.format(**self.fields(comparison, lang)) if self.fields else text


MAX_DRAWN_DESIGNS = 40
"""Most designs a per-design figure draws (see :attr:`FigureSpec.per_design`)."""

FIGURES: dict[str, FigureSpec] = {}
"""Every registered figure by stem, in report order."""


def register_figure(
    stem: str,
    *,
    title: Mapping[str, str],
    caption: Mapping[str, str],
    needs: tuple[Data, ...] = (),
    requires: tuple[Data, ...] = (),
    fields: Callable[[Comparison, str], dict[str, object]] | None = None,
    per_design: bool = True,
) -> Callable[[Draw], Draw]:
    """Decorator: register a figure function under ``stem`` (see :class:`FigureSpec`).

    Registering a stem again replaces the figure in place (its report position stays).

    Returns:
        The decorator; it returns the function unchanged.
    """

    def decorate(draw: Draw) -> Draw:
        FIGURES[stem] = FigureSpec(stem, draw, title, caption, needs, requires, fields, per_design)
        return draw

    return decorate


def unregister_figure(stem: str) -> None:
    """Remove a registered figure (a no-op if there is none)."""
    FIGURES.pop(stem, None)
