"""The KPIs of a run: one record each, read by every table, report, explorer and label.

A :class:`KPI` says what a KPI is (its name, English and Chinese label, a
one-line description), how it is measured (a count, a rate in [0, 1] or a
time in days, and its unit), which way is better, and where it is reported
(the district's KPIs of every run; per grid too, for those kept in each
stored run's grid table). Tables (``gridsim run``, :func:`gridsim.experiments.summarise`),
the reports, the explorer and the report labels read these records: a new
KPI is one :func:`register_kpi` here plus its computation in :mod:`gridsim.model.kpis`.

Also the layout of a stored run: the per-grid columns and daily series kept
with every run (:data:`GRID_COLUMNS`, :data:`DAILY_COLUMNS`), a store format
that the model fingerprint hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

type Kind = Literal["count", "rate", "days"]
"""A count (or an amount: cost, hours), a share in [0, 1], or a time in days."""

type Better = Literal["higher", "lower"] | None
"""Which way a KPI improves; ``None`` for KPIs that describe the district, not its work."""


@dataclass(frozen=True)
class KPI:
    """One KPI of a run.

    Attributes:
        name: Key in :attr:`gridsim.model.kpis.RunResult.kpis` (and a stored run's columns).
        en: English label.
        zh: Simplified Chinese label (the officials' term).
        description: One line: what is counted, divided by what.
        description_zh: The same in Chinese (``gridsim run --lang zh`` shows it).
        kind: ``"count"``, ``"rate"`` (a share: shown in %, differences in
            percentage points) or ``"days"``.
        unit: Unit of the value as the model reports it: ``""`` (a number of
            things), ``"share"``, ``"days"``, ``"yuan"``, ``"hours"``.
        better: ``"higher"``, ``"lower"`` or ``None`` (neither: it describes the district).
        per_grid: Also kept per grid with every stored run (:data:`GRID_COLUMNS`).
        headline: Reported by an experiment whose file lists no KPIs.
    """

    name: str
    en: str
    zh: str
    description: str
    description_zh: str = ""
    kind: Kind = "count"
    unit: str = ""
    better: Better = None
    per_grid: bool = False
    headline: bool = False

    def label(self, lang: str) -> str:
        """The label in a language (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en

    def describe(self, lang: str) -> str:
        """The description in a language (the English one where no Chinese is given)."""
        return (self.description_zh or self.description) if lang == "zh" else self.description

    @property
    def sign(self) -> int:
        """``1`` when higher is better, ``-1`` when lower is, ``0`` for neither."""
        return {"higher": 1, "lower": -1, None: 0}[self.better]


KPIS: dict[str, KPI] = {}
"""Every registered KPI by name, in display order."""


def format_value(name: str, value: float | None) -> str:
    """A KPI's value in English for a summary: ``9,089``, ``77.3 %``, ``6.8 days``, ``67.9 M yuan``.

    Counts of 100 and more, and whole numbers, have no decimals; shares are in
    %; cost is in million yuan, hours have thousands separators. (Reports format
    in both languages with :func:`gridsim.reports.i18n.format_kpi`.)

    Args:
        name: KPI name (an unregistered name is formatted as a count).
        value: Its value as the model reports it; ``None`` or NaN is ``—``.
    """
    if value is None or value != value:
        return "—"
    record = KPIS.get(name)
    kind, unit = (record.kind, record.unit) if record is not None else ("count", "")
    if kind == "rate":
        return f"{100 * value:.1f} %" if unit == "share" else f"{value:.2f}"
    if kind == "days":
        return f"{value:,.1f} days"
    if unit == "yuan":
        return f"{value / 1e6:,.1f} M yuan"
    if unit == "hours":
        return f"{value:,.0f} hours"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 1 else f"{value:,.1f}"


def register_kpi(kpi: KPI) -> KPI:
    """Add a KPI to the registry (after the others; a name registered again is replaced).

    Returns:
        The KPI.
    """
    KPIS[kpi.name] = kpi
    return kpi


def kpi(name: str) -> KPI | None:
    """The record of a KPI, or ``None`` for a name that is not registered."""
    return KPIS.get(name)


for _kpi in (
    KPI(
        "households_visited",
        en="Household visits",
        zh="走访户次",
        description="Household visits (走访户次) by information officers and cadres",
        description_zh="民情员和干部的入户走访户次",
        better="higher",
        headline=True,
    ),
    KPI(
        "households_reached",
        en="Households reached",
        zh="走访覆盖户数",
        description="Distinct households visited at least once",
        description_zh="至少走访过一次的不同户数",
        better="higher",
    ),
    KPI(
        "visits_per_household",
        en="Visits per household",
        zh="户均走访次数",
        description="Household visits ÷ households",
        description_zh="走访户次 ÷ 户数",
        per_grid=True,
    ),
    KPI(
        "issues_latent",
        en="Issues arising",
        zh="产生问题数",
        description="Issues that arose in households and public space during the period",
        description_zh="期间居民户和公共空间产生的问题数",
    ),
    KPI(
        "issues_collected",
        en="Issues collected",
        zh="受理量",
        description="Issues entered on the platform (受理)",
        description_zh="录入平台的问题数（受理）",
        better="higher",
        per_grid=True,
        headline=True,
    ),
    KPI(
        "issues_valid",
        en="Cases registered",
        zh="立案量",
        description="Collected issues valid after verification (立案)",
        description_zh="核实后有效的受理问题数（立案）",
    ),
    KPI(
        "issues_resolved",
        en="Issues resolved",
        zh="办结量",
        description="Cases closed as resolved (办结), spot fixes included",
        description_zh="以解决方式结案的案件数（办结），含现场处置",
        better="higher",
        per_grid=True,
        headline=True,
    ),
    KPI(
        "resolution_rate",
        en="Resolution rate",
        zh="办结率",
        description="Resolved ÷ collected",
        description_zh="办结量 ÷ 受理量",
        kind="rate",
        unit="share",
        better="higher",
        headline=True,
    ),
    KPI(
        "replied_rate",
        en="Reply rate",
        zh="答复率",
        description="Collected issues that got a reply or closure ÷ collected",
        description_zh="得到答复或结案的受理问题数 ÷ 受理量",
        kind="rate",
        unit="share",
        better="higher",
    ),
    KPI(
        "closure_rate",
        en="Closure rate",
        zh="结案率",
        description="Closed ÷ due to close (结案率)",
        description_zh="结案数 ÷ 应结案数（结案率）",
        kind="rate",
        unit="share",
        better="higher",
    ),
    KPI(
        "on_time_rate",
        en="On-time closure rate",
        zh="按期结案率",
        description="Closed within the time limit ÷ due to close (按期结案率)",
        description_zh="在时限内结案数 ÷ 应结案数（按期结案率）",
        kind="rate",
        unit="share",
        better="higher",
        per_grid=True,
        headline=True,
    ),
    KPI(
        "red_lights",
        en="Overdue cases (red lights)",
        zh="超期亮灯数",
        description="Cases that went past their deadline while open (亮灯)",
        description_zh="在办期间超过时限的案件数（亮灯）",
        better="lower",
    ),
    KPI(
        "escalations",
        en="Escalations",
        zh="升级督办数",
        description="Red-light cases escalated one tier up",
        description_zh="升级到上一层级督办的亮红灯案件数",
        better="lower",
    ),
    KPI(
        "median_days_to_close",
        en="Median days to close",
        zh="结案天数中位数",
        description="Median days from finding an issue to closing its case (valid cases)",
        description_zh="从发现问题到结案的天数中位数（有效案件）",
        kind="days",
        unit="days",
        better="lower",
        per_grid=True,
        headline=True,
    ),
    KPI(
        "p90_days_to_close",
        en="Days to close, 90th percentile",
        zh="结案天数（90%分位）",
        description="90th percentile of days from finding to closing",
        description_zh="从发现到结案天数的90%分位数",
        kind="days",
        unit="days",
        better="lower",
        headline=True,
    ),
    KPI(
        "backlog_end",
        en="Backlog at year end",
        zh="年末积案数",
        description="Valid cases still open at the end",
        description_zh="期末仍未结案的有效案件数",
        better="lower",
        per_grid=True,
        headline=True,
    ),
    KPI(
        "satisfaction",
        en="Satisfaction rate",
        zh="满意率",
        description="Satisfied ÷ surveyed (满意率)",
        description_zh="满意数 ÷ 受访数（满意率）",
        kind="rate",
        unit="share",
        better="higher",
        headline=True,
    ),
    KPI(
        "satisfaction_reported",
        en="Satisfaction rate as reported",
        zh="上报满意率",
        description="Satisfaction as reported (self-assessment inflates it)",
        description_zh="上报的满意率（自评会使其偏高）",
        kind="rate",
        unit="share",
        better="higher",
    ),
    KPI(
        "rework_rate",
        en="Rework rate",
        zh="返工率",
        description="Fixes rejected at verification or survey and reopened ÷ valid (返工率)",
        description_zh="核实或测评时被退回并重新办理的处置数 ÷ 立案量（返工率）",
        kind="rate",
        unit="share",
        better="lower",
    ),
    KPI(
        "spot_fix_rate",
        en="Fixed on the spot",
        zh="现场处置率",
        description="Collected issues fixed on the spot ÷ collected",
        description_zh="现场处置的受理问题数 ÷ 受理量",
        kind="rate",
        unit="share",
    ),
    KPI(
        "found_by_staff_share",
        en="Found by staff",
        zh="网格人员发现占比",
        description=(
            "Share of collected issues found by grid staff of any role on visits and patrols "
            "(information and security officers, cadres, volunteers), not reported by residents"
        ),
        description_zh=(
            "网格人员（民情员、治安员、干部、志愿者）走访和巡查发现的问题占受理量的比例"
        ),
        kind="rate",
        unit="share",
    ),
    KPI(
        "reported_by_public_share",
        en="Reported by residents",
        zh="公众举报占比",
        description="Share of collected issues reported by residents (公众举报)",
        description_zh="居民自行上报的问题占受理量的比例（公众举报）",
        kind="rate",
        unit="share",
    ),
    KPI(
        "staff_hours",
        en="Staff hours",
        zh="工作时数",
        description="Hours of grid work by all staff",
        description_zh="全体网格人员的网格工作时数",
        unit="hours",
        better="lower",
    ),
    KPI(
        "cost",
        en="Cost",
        zh="成本",
        description="Grid staff, case handlers and per-case handling cost (yuan)",
        description_zh="网格人员、承办人员及按件计的办理成本（元）",
        unit="yuan",
        better="lower",
        headline=True,
    ),
    KPI(
        "grids",
        en="Grids",
        zh="网格数",
        description="Grids in the district",
        description_zh="辖区内的网格数",
    ),
    KPI(
        "households",
        en="Households",
        zh="户数",
        description="Households in the district",
        description_zh="辖区内的户数",
        per_grid=True,
    ),
    KPI(
        "cadres",
        en="Stationed cadres",
        zh="驻点干部数",
        description="Stationed cadres",
        description_zh="驻点干部数",
    ),
    KPI(
        "handlers",
        en="Case handlers",
        zh="承办人员数",
        description="People who handle cases in the grid, community, street and district units",
        description_zh="网格、社区、街道和区级承办单位中办理案件的人员数",
    ),
    KPI(
        "unit_effort",
        en="Units' effort",
        zh="承办单位努力程度",
        description=(
            "Handling units' effort at the end of the run (0 = natural pace, 1 = most), "
            "weighted by cases handled; assessment raises it when scores fall short"
        ),
        description_zh=(
            "模拟结束时承办单位的努力程度（0为自然节奏，1为最大），按办理案件数加权；"
            "考核得分不达标时上升"
        ),
        kind="rate",
        unit="effort",
        better="higher",
    ),
):
    register_kpi(_kpi)

GRID_COLUMNS: tuple[str, ...] = (
    "households",
    "visits_per_household",
    "issues_collected",
    "issues_resolved",
    "backlog_end",
    "median_days_to_close",
    "on_time_rate",
)
"""Per-grid columns kept with every stored run (for maps and equity figures), in their
stored order: the KPIs with ``per_grid``. A new per-grid KPI is appended (the order is
part of the store's format and of the model fingerprint)."""

DAILY_COLUMNS: tuple[str, ...] = ("new", "closed", "open", "closed_after")
"""Daily series kept with every stored run (after a ``day`` column)."""

if {k.name for k in KPIS.values() if k.per_grid} != set(GRID_COLUMNS):  # pragma: no cover
    raise RuntimeError("gridsim.kpi_registry: GRID_COLUMNS must be the KPIs with per_grid")
