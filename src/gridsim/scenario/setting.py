"""The sections that describe the district: run, district, grids, staff, residents, issues.

``[simulation]``, ``[district]`` (with its community ``kinds``), ``[grids]``,
``[staff]``, ``[visits]``, ``[cadres]``, ``[households]`` and ``[issues]``:
what the district is and who lives and works in it. How its cases are handled
is :mod:`gridsim.scenario.handling`.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import field_validator, model_validator

from gridsim.scenario.params import (
    HOURS_PER_WEEK,
    MAX_COMMUNITIES,
    MAX_DAYS,
    MAX_HOUSEHOLDS,
    MAX_ISSUES_PER_YEAR,
    MAX_PUBLIC_ISSUES_PER_GRID_YEAR,
    MAX_SEED,
    MAX_STAFF_PER_UNIT,
    P,
)
from gridsim.scenario.values import CategoryShares, RoleHours, Section

__all__ = [
    "Cadres",
    "District",
    "Grids",
    "Households",
    "Issues",
    "Kind",
    "Kinds",
    "Simulation",
    "Staff",
    "Visits",
]


class Simulation(Section):
    """Run length and seed."""

    title_zh: ClassVar[str] = "运行时长与随机种子"
    """The heading in Chinese."""

    days: int = P(
        365,
        "Simulated calendar days, starting on `start_date`.",
        "days",
        "A",
        zh="模拟的自然日天数，从 `start_date` 开始。",
        gt=0,
        le=MAX_DAYS,
    )
    start_date: str = P(
        "2013-01-01",
        "First simulated day (ISO date); weekends are non-working days.",
        "date",
        "S (the article reports 2013)",
        zh="模拟的第一天（格式为年-月-日）；周末为非工作日。",
        source_zh="S（文章报告的是2013年）",
        pattern=r"^\d{4}-\d{2}-\d{2}$",
    )
    seed: int = P(
        2013,
        "Root seed; replication r uses the stream keyed (seed, r).",
        "-",
        "A",
        zh="随机种子；第 r 次重复使用以（随机种子, r）为键的随机数流。",
        ge=0,
        le=MAX_SEED,
    )

    @field_validator("start_date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a calendar date ({exc}), got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _ends_in_calendar(self) -> Simulation:
        start = dt.date.fromisoformat(self.start_date)
        if (dt.date.max - start).days < self.days:
            raise ValueError(
                f"simulation.days: a run of {self.days} days from {self.start_date} "
                "ends after 9999-12-31"
            )
        return self


class Kind(Section):
    """How one kind of community differs from the district average."""

    title_zh: ClassVar[str] = "一类社区与辖区平均水平的差异"
    """The heading in Chinese."""

    share: float = P(
        1 / 3,
        "Share of synthesised communities of this kind.",
        "share",
        "A",
        zh="合成的社区中此类社区所占的比例。",
        ge=0,
    )
    latent_rate_multiplier: float = P(
        1.0,
        "Multiplier on latent issues per household-year.",
        "x",
        "A",
        zh="每户每年潜在问题数的倍数。",
        gt=0,
        le=100,
    )
    visit_hours_multiplier: float = P(
        1.0,
        "Multiplier on hours per household visit (travel, dispersion).",
        "x",
        "A",
        zh="每次入户走访所需时数的倍数（路程、居住分散程度）。",
        gt=0,
        le=100,
    )


class Kinds(Section):
    """Community kinds: urban, new-build estates, villages."""

    title_zh: ClassVar[str] = "社区类型：城市社区、新建小区、村"
    """The heading in Chinese."""

    urban: Kind = Kind(share=0.55, latent_rate_multiplier=1.0, visit_hours_multiplier=1.0)
    new_build: Kind = Kind(share=0.2, latent_rate_multiplier=1.25, visit_hours_multiplier=0.9)
    village: Kind = Kind(share=0.25, latent_rate_multiplier=0.8, visit_hours_multiplier=1.4)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Kinds:
        total = self.urban.share + self.new_build.share + self.village.share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"kind shares must sum to 1, got {total:g}")
        return self


class District(Section):
    """The district: synthesised from totals, read from a communities CSV, or drawn on a map."""

    title_zh: ClassVar[str] = "辖区：按总数合成，或从社区CSV文件读取"
    """The heading in Chinese."""

    name: str = P(
        "Yuelu District", "District name shown in reports.", "-", "S", zh="报告中显示的辖区名称。"
    )
    communities: int | None = P(
        166,
        "Communities (社区/村) to synthesise; unset when `communities_csv` is given.",
        "communities",
        "S (Yuelu 2013: 166)",
        zh="要合成的社区（社区/村）数；给出 `communities_csv` 时不设此项。",
        source_zh="S（岳麓区2013年：166个）",
        gt=0,
        le=MAX_COMMUNITIES,
    )
    households: int | None = P(
        191_232,
        "Households to synthesise across the communities.",
        "households",
        "S derived (191,232 households visited in 2013)",
        zh="在各社区间合成的总户数。",
        source_zh="S（推算：2013年走访191,232户）",
        gt=0,
        le=MAX_HOUSEHOLDS,
    )
    streets: int | None = P(
        12,
        "Street offices / towns (街道/乡镇) the communities belong to.",
        "streets",
        "A",
        zh="社区所属的街道办事处/乡镇（街道/乡镇）数。",
        gt=0,
        le=MAX_COMMUNITIES,
    )
    communities_csv: str | None = P(
        None,
        "CSV of real communities (columns name, street, households, kind[, x, y]); "
        "path relative to the scenario file that sets it.",
        "path",
        "-",
        zh="真实社区的CSV文件（列：`name`、`street`、`households`、`kind`[、`x`、`y`]）；路径相对于设定它的情景文件。",
    )
    map: str | None = P(
        None,
        "Map of the district's blocks (households, community[, street, kind, barrier]) or "
        "community polygons (GeoJSON, GeoPackage, Shapefile): communities, households and "
        "grids come from it (the totals above are then not used); path relative to the "
        "scenario file that sets it.",
        "path",
        "-",
        zh="辖区地图：住宅小区（户数、所属社区，可选街道、类型、道路河流边界）或社区多边形"
        "（`GeoJSON`、`GeoPackage`、`Shapefile`）；社区、户数和网格都按地图得出（上面的总数不再使用）；"
        "路径相对于设置它的情景文件。",
    )
    community_size_sigma: float = P(
        0.45,
        "Log-scale spread of synthesised community sizes.",
        "-",
        "A",
        zh="合成社区规模的对数尺度离散程度。",
        ge=0,
        le=5,
    )
    kinds: Kinds = Kinds()


class Grids(Section):
    """How communities are cut into grids."""

    title_zh: ClassVar[str] = "社区如何划分网格"
    """The heading in Chinese."""

    households_per_grid: float = P(
        329.7,
        "Target households per grid; each community gets at least one grid.",
        "households",
        "S derived (191,232 / 580 = 329.7)",
        zh="每个网格的目标户数；每个社区至少划为一个网格。",
        source_zh="S（推算：191,232 / 580 = 329.7）",
        gt=0,
        le=MAX_HOUSEHOLDS,
    )
    tolerance: float = P(
        0.15,
        "On a map: every drawn grid's households within ± this share of its community's "
        "ideal (households / grids).",
        "share",
        "A (CJ/T 349-2010 leaves grid size to the district)",
        zh="按地图划分时：每个网格的户数须在其社区理想户数（户数 ÷ 网格数）的 ± 此比例以内。",
        source_zh="A（CJ/T 349-2010 未规定网格规模，由各区自定）",
        gt=0,
        lt=1,
    )
    partition_seed: int = P(
        0,
        "On a map: seed of the partition's random choices (spanning trees, ReCom).",
        "-",
        "-",
        zh="按地图划分时：划分算法随机选择（生成树、`ReCom`）的种子。",
        ge=0,
    )
    drawn: str | None = P(
        None,
        "On a map: blocks.csv written by `gridsim grids` (block -> grid_code): simulate "
        "those grids as drawn instead of cutting the map at households_per_grid; path "
        "relative to the scenario file that sets it.",
        "path",
        "-",
        zh="按地图划分时：`gridsim grids` 写出的 `blocks.csv`（小区 → 网格编码），按其中已划定的"
        "网格模拟，而不按 `households_per_grid` 重新划分；路径相对于设置它的情景文件。",
    )


class Staff(Section):
    """Staffing per grid (the four roles + cadres + the 'X' volunteers)."""

    title_zh: ClassVar[str] = "每个网格的人员配置（四员、驻点干部与“X”志愿者）"
    """The heading in Chinese."""

    cadres_per_grid: float = P(
        623 / 580,
        "Stationed cadres (联驻干部) per grid; totals are rounded.",
        "cadres/grid",
        "S (623 / 580)",
        zh="每个网格的驻点干部（联驻干部）数；总人数四舍五入取整。",
        source_zh="S（623 / 580）",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    information_officers_per_grid: float = P(
        1.0,
        "Information officers (民情员) per grid.",
        "officers/grid",
        "S (1+4+X model)",
        zh="每个网格的民情员数。",
        source_zh="S（1+4+X模式）",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    security_officers_per_grid: float = P(
        1.0,
        "Security officers (治安员) per grid.",
        "officers/grid",
        "S (1+4+X model)",
        zh="每个网格的治安员数。",
        source_zh="S（1+4+X模式）",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    volunteers_per_grid: float = P(
        3.0,
        "Volunteers and building heads ('X') per grid.",
        "volunteers/grid",
        "A",
        zh="每个网格的志愿者和楼栋长（“X”）数。",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    administrators_per_community: float = P(
        1.0,
        "Administrators (管理员) per community; they verify reports.",
        "staff/community",
        "S (1+4+X model)",
        zh="每个社区的管理员数；负责核实上报的问题。",
        source_zh="S（1+4+X模式）",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    supervisors_per_community: float = P(
        1.0,
        "Supervisors (监督员) per community; they watch deadlines.",
        "staff/community",
        "S (1+4+X model)",
        zh="每个社区的监督员数；负责监督办理时限。",
        source_zh="S（1+4+X模式）",
        ge=0,
        le=MAX_STAFF_PER_UNIT,
    )
    hours_per_week: RoleHours = P(
        RoleHours(
            cadre=2.0,
            information_officer=3.4,
            security_officer=10.0,
            volunteer=2.0,
            administrator=10.0,
            supervisor=5.0,
        ),
        "Hours per week each person spends on grid work (visits, patrols, verification).",
        "hours/week",
        "A (information_officer calibrated)",
        zh="每人每周用于网格工作（走访、巡查、核实）的时数。",
        source_zh="A（民情员时数经校准）",
    )


class Visits(Section):
    """Household visits by information officers and cadres."""

    title_zh: ClassVar[str] = "民情员和干部入户走访"
    """The heading in Chinese."""

    officer_hours_per_visit: float = P(
        0.75,
        "Hours per household visit by an information officer, travel included.",
        "hours",
        "A",
        zh="民情员每次入户走访所用时数，含路程。",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    cadre_hours_per_visit: float = P(
        1.0,
        "Hours per household visit by a cadre.",
        "hours",
        "A",
        zh="干部每次入户走访所用时数。",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    contact_trust_gain: float = P(
        0.01,
        "Trust gained by a household from being visited.",
        "trust",
        "A",
        zh="一户因受到走访而增加的信任度。",
        ge=0,
        le=1,
    )
    walking_speed_km_per_h: float = P(
        4.8,
        "On a map: walking speed between a grid's station and its blocks.",
        "km/h",
        "S (Bohannon 1997, Age and Ageing 26:15-19: comfortable gait of adults 1.3-1.5 m/s)",
        zh="按地图划分时：从网格工作站步行到各小区的速度。",
        unit_zh="千米/小时",
        source_zh="S（Bohannon 1997：成人舒适步速 1.3–1.5 米/秒）",
        gt=0,
        le=50,
    )
    route_factor: float = P(
        1.3,
        "On a map: walking route length over straight-line distance (streets, stairs).",
        "-",
        "A (street-network circuity is about 1.2-1.4: Levinson & El-Geneidy 2009)",
        zh="按地图划分时：步行路线长度与直线距离之比（街巷、楼梯）。",
        source_zh="A（街道网络绕行系数约 1.2–1.4：Levinson 与 El-Geneidy 2009）",
        ge=1,
        le=5,
    )
    households_per_trip: float = P(
        2.0,
        "On a map: household visits made per round trip from the grid's station; the "
        "walk there and back is shared by them.",
        "visits",
        "A",
        zh="按地图划分时：从网格工作站出发一趟走访的户数；往返步行时间由这几户分摊。",
        unit_zh="次走访",
        ge=1,
        le=100,
    )


class Cadres(Section):
    """Posting of stationed cadres: fixed for years, or rotated."""

    title_zh: ClassVar[str] = "驻点干部的派驻方式：多年固定或轮岗"
    """The heading in Chinese."""

    posting: Literal["fixed", "rotation"] = P(
        "fixed",
        "'fixed' keeps a cadre in one grid (一定三年); 'rotation' moves cadres.",
        "-",
        "S (fixed three years)",
        zh="`fixed`（固定）使干部长期驻守一个网格（一定三年）；`rotation`（轮岗）定期调换干部。",
        source_zh="S（固定三年）",
    )
    rotation_interval_days: int = P(
        180,
        "Days between rotations when posting = 'rotation'.",
        "days",
        "A",
        zh="`posting` 为 `rotation` 时两次轮岗之间的天数。",
        gt=0,
        le=MAX_DAYS,
    )
    initial_tenure_years: float = P(
        1.0,
        "Years each cadre has already served in the grid at the start.",
        "years",
        "A",
        zh="模拟开始时每名干部已在该网格任职的年数。",
        ge=0,
        le=100,
    )
    familiarity_years: float = P(
        1.0,
        "Time constant of familiarity: f = 1 - exp(-tenure / this).",
        "years",
        "A",
        zh="熟悉程度的时间常数：熟悉程度 = 1 − e^(−任职年限 / 此值)。",
        gt=0,
        le=100,
    )
    familiarity_effect: float = P(
        1.2,
        "Log-odds added to telling a cadre about an issue at full familiarity.",
        "log-odds",
        "A",
        zh="完全熟悉时，居民向干部反映问题的对数几率增加值。",
        ge=0,
        le=100,
    )


class Households(Section):
    """Residents: latent issues, willingness to report, trust."""

    title_zh: ClassVar[str] = "居民：潜在问题、上报意愿与信任"
    """The heading in Chinese."""

    latent_issues_per_year: float = P(
        0.3,
        "Latent issues arising per household-year (before any detection).",
        "issues/household-year",
        "A (scaled from hotline demand; calibrated)",
        zh="每户每年产生的潜在问题数（被发现之前）。",
        source_zh="A（按热线需求量折算；经校准）",
        gt=0,
        le=MAX_ISSUES_PER_YEAR,
    )
    issue_lifetime_days: float = P(
        90.0,
        "Mean days an unreported issue stays open before it lapses (exponential).",
        "days",
        "A",
        zh="未上报的问题在自行消失前平均存续的天数（指数分布）。",
        gt=0,
        le=MAX_DAYS,
    )
    self_report_propensity: float = P(
        0.006,
        "Mean probability a household reports an issue itself (at trust 0.5).",
        "probability",
        "S (residents' own reports 2–7 %)",
        zh="一户自行上报问题的平均概率（信任度为0.5时）。",
        source_zh="S（居民自行上报占2–7%）",
        ge=0,
        le=1,
    )
    self_report_delay_days: float = P(
        7.0,
        "Mean days before a household's own report (exponential).",
        "days",
        "A",
        zh="居民自行上报前平均经过的天数（指数分布）。",
        gt=0,
        le=MAX_DAYS,
    )
    trust_mean: float = P(
        0.5,
        "Mean initial trust in the grid system.",
        "0..1",
        "A",
        zh="居民对网格体系的初始平均信任度。",
        gt=0,
        lt=1,
    )
    trust_concentration: float = P(
        10.0,
        "Beta concentration of initial trust (higher = less spread).",
        "-",
        "A",
        zh="初始信任度贝塔分布的集中度（越大越集中）。",
        gt=0,
        le=1e6,
    )
    trust_effect: float = P(
        2.0,
        "Log-odds added to telling per unit of trust above 0.5.",
        "log-odds",
        "A",
        zh="信任度每高出0.5一个单位，居民反映问题的对数几率增加值。",
        ge=0,
        le=100,
    )
    trust_gain_resolved: float = P(
        0.10,
        "Trust gained when one's issue is resolved on time.",
        "trust",
        "A",
        zh="本户问题按期解决时增加的信任度。",
        ge=0,
        le=1,
    )
    trust_loss_late: float = P(
        0.05,
        "Trust lost when one's case closes after its deadline.",
        "trust",
        "A",
        zh="本户案件超期结案时减少的信任度。",
        ge=0,
        le=1,
    )
    trust_loss_unresolved: float = P(
        0.10,
        "Trust lost when one's issue gets a reply but no fix.",
        "trust",
        "A",
        zh="本户问题只得到答复而未解决时减少的信任度。",
        ge=0,
        le=1,
    )
    neighbour_weight: float = P(
        0.3,
        "Share of a household's trust change felt by each neighbour.",
        "share",
        "A",
        zh="一户信任度的变化传导给每户邻居的比例。",
        ge=0,
        le=1,
    )
    neighbours: int = P(
        2,
        "Neighbours on each side within the grid (building/lane neighbours).",
        "households",
        "A",
        zh="网格内每侧的邻居户数（同楼栋、同巷的邻居）。",
        ge=0,
        le=1000,
    )


class Issues(Section):
    """What kinds of issues arise and where."""

    title_zh: ClassVar[str] = "问题的类别与来源"
    """The heading in Chinese."""

    categories: CategoryShares = P(
        CategoryShares(
            environment=0.30,
            infrastructure=0.20,
            disputes=0.15,
            livelihood=0.15,
            safety=0.10,
            policy=0.10,
        ),
        "Category mix of household issues.",
        "share",
        "A",
        zh="居民问题的类别构成。",
    )
    public_issues_per_grid_year: float = P(
        4.0,
        "Public-space issues (environment, infrastructure, safety) per grid-year.",
        "issues/grid-year",
        "A",
        zh="每个网格每年的公共空间问题数（环境、基础设施、安全）。",
        ge=0,
        le=MAX_PUBLIC_ISSUES_PER_GRID_YEAR,
    )
    public_find_rate_per_patrol_hour: float = P(
        0.01,
        "Daily hazard of a pending public issue being found, per patrol hour per day.",
        "1/patrol-hour",
        "A",
        zh="待发现的公共问题每天被发现的风险率，按每天每巡查小时计。",
        ge=0,
        le=1000,
    )
    patrol_reference_area_km2: float = P(
        1.0,
        "On a map: grid area at which the find rate above holds; a grid of area A finds "
        "public issues at that rate times this area / A (random search: Koopman 1946).",
        "km2",
        "A (Yuelu's mean grid area, 544 km2 / 580 grids, rounded)",
        zh="按地图划分时：上面的发现率所对应的网格面积；面积为 A 的网格，发现率为该率乘以"
        "此面积 / A（随机搜索：Koopman 1946）。",
        unit_zh="平方千米",
        source_zh="A（岳麓区网格平均面积 544 平方千米 / 580 个网格，取整）",
        gt=0,
        le=10_000,
    )
