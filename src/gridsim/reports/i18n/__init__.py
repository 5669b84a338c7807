"""The reports' languages: the catalogue of words, the fonts, the numbers.

- :mod:`~gridsim.reports.i18n.catalogue` — every string a report shows, in
  English and Simplified Chinese, by key (:func:`t`), with the names of KPIs,
  parameters and values;
- :mod:`~gridsim.reports.i18n.fonts` — the CJK font Chinese figures need;
- :mod:`~gridsim.reports.i18n.numbers` — values and differences in the units
  an official reads them in.
"""

from gridsim.reports.i18n.catalogue import (
    KPI_LABELS,
    LANGS,
    MONTHS,
    PARAM_LABELS,
    TEXT,
    VALUE_LABELS,
    Lang,
    check_lang,
    kpi_label,
    param_label,
    t,
    value_label,
)
from gridsim.reports.i18n.fonts import (
    CJK_FONT_CANDIDATES,
    CJK_FONT_ENV,
    FONT_INSTALL_HINT,
    HTML_FONTS,
    FontNotFoundError,
    cjk_font,
    find_cjk_font_file,
    font_family,
)
from gridsim.reports.i18n.numbers import (
    DAY_KPIS,
    LOWER_IS_BETTER,
    MINUS,
    RATE_KPIS,
    UNIT_SCALES,
    diff_parts,
    format_diff,
    format_kpi,
    kind_of,
    kpi_axis_label,
    kpi_scale,
    plain,
    signed,
)

__all__ = [
    "CJK_FONT_CANDIDATES",
    "CJK_FONT_ENV",
    "DAY_KPIS",
    "FONT_INSTALL_HINT",
    "HTML_FONTS",
    "KPI_LABELS",
    "LANGS",
    "LOWER_IS_BETTER",
    "MINUS",
    "MONTHS",
    "PARAM_LABELS",
    "RATE_KPIS",
    "TEXT",
    "UNIT_SCALES",
    "VALUE_LABELS",
    "FontNotFoundError",
    "Lang",
    "check_lang",
    "cjk_font",
    "diff_parts",
    "find_cjk_font_file",
    "font_family",
    "format_diff",
    "format_kpi",
    "kind_of",
    "kpi_axis_label",
    "kpi_label",
    "kpi_scale",
    "param_label",
    "plain",
    "signed",
    "t",
    "value_label",
]
