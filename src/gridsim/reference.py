"""The scenario reference (``docs/scenarios.md``), generated from the schema.

The schema in :mod:`gridsim.scenario` is the single source of truth: every
parameter's description, unit, default and source tag live there, and this
module renders them as Markdown. A test keeps ``docs/scenarios.md`` in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gridsim.scenario import MAX_SEED, Scenario

_INTRO = """\
# Scenario files

A scenario is a TOML file describing one district design. Every key below is
optional: a missing key takes its default (the Yuelu 2013 baseline). Unknown
keys are errors, so a typo never falls back silently to a default.

- `gridsim validate FILE...` checks files; every problem is one line naming
  the file and the key, e.g.
  `scenarios/x.toml: grids.households_per_grid: must be > 0, got -5`
  (exit code 2). `gridsim validate --estimate FILE...` also prints each run's
  estimated peak memory and time; `gridsim run --dry-run FILE` prints them
  and runs nothing.
- Dependent levers are checked: `deadlines.escalation = true` needs
  `deadlines.enabled = true`; a district needs either `communities_csv` or
  both `communities` and `households`; shares (category mix, tier shares,
  kind shares) must sum to 1.
- **Source** tags: **S** — stated in the Yuelu article or a published figure
  (see `../shared/seeds/SEED-FACTS.md` and `../shared/DESIGN.md`);
  **S derived** — arithmetic on such figures; **A** — a modelling assumption
  that scenarios may change; *calibrated* — fitted by `gridsim calibrate`
  (see `docs/calibration.md`). A tag belongs to the documented default: a
  report tags a value that differs from it "set in this scenario", with the
  file that set it.

## One merge rule

Whatever sets values — a file over the defaults, a variant over the file it
`extends`, an experiment's `changes` or `[vary]`, `Scenario.with_changes` in
Python — merges **key by key at every depth**: a table sets only the keys it
names, and every other key keeps the value below it (the parent's, else the
documented default). So

```toml
[district.kinds.village]
share = 0.25            # latent_rate_multiplier stays 0.8, visit_hours_multiplier 1.4

[handle.capacity]
grid = 3                # community, street and district keep 4, 10 and 20
```

changes one value each. A value that is not a table (a number, a string)
replaces what was below it whole. Only `name` is not inherited: a variant
that does not set it is named after its file.

## Variants and the scenario root

`extends = "base.toml"` makes a variant: the parent is read first (relative
to the variant), then the variant's keys override it. `extends` and
`district.communities_csv` must lead to a file inside a **scenario root**:
the `scenarios/` tree the opened file lies in (its nearest ancestor folder
named `scenarios`, else its own folder), or a folder named with
`--scenario-root DIR` (repeatable, on `run` and `validate`) or in
`GRIDSIM_SCENARIO_ROOT` (folders separated by `:`). So a project folder
outside the clone extends the shipped baseline with

```sh
gridsim validate --scenario-root ~/gridsim/scenarios my-county.toml
```

and `extends = "../gridsim/scenarios/yuelu-2013.toml"` in `my-county.toml`.
Absolute paths, `..` that leads out of every root, symbolic links that lead
out, and anything but a regular file (a FIFO, a device) are refused (exit 2).

## Limits

gridsim refuses, before anything is allocated, what it cannot run:

- numbers must be finite (no `nan`, `inf`), `simulation.start_date` a real
  date, `simulation.seed` at most 2^63 − 1;
- every key stays in the range of the **allowed** column below. The size
  limits lie far past any real district: at most {communities:,} communities
  and streets, {households:,} households, {days:,} days ({years} years) of
  run or of any duration, {staff:g} staff of a role per grid or community,
  {rate:g} latent issues per household-year, {limit:,} working days of any
  time limit;
- a run must fit the machine: its **estimated peak memory** (a model fitted
  to measured runs, see `gridsim.estimate`; Yuelu takes ~{yuelu_mb} MB
  above the ~{base_mb} MB of gridsim itself) must not exceed the memory
  available, or `GRIDSIM_MAX_MEMORY` when set (e.g. `2GB`, `512MiB`); the
  message names the key that drives the size;
- files: a scenario or experiment file is at most {toml_kib:,} KiB, nests at
  most {depth} levels and holds at most {keys:,} keys; a communities CSV is at
  most {csv_mib:,} MiB.

## A district from its own data

Instead of totals, set `district.communities_csv = "data/my-district.csv"`
(relative to the scenario file that sets it, inside a scenario root). The CSV
then defines the communities, streets and households, and
`district.communities`, `district.households` and `district.streets` are
ignored. One row per community:

```csv
name,street,households,kind
Tongzipo,Guanshaling,2450,urban
Xianjiahu,Xianjiahu,1830,village
```

`kind` is one of `urban`, `new_build` (or `new-build`), `village`; optional
`x`, `y` columns give positions (any projected coordinates) for the grid map.
Headers may be in Chinese — `名称`, `街道`, `户数`, `类型` — and kinds
`城市`/`城区`, `新建`/`新建小区`, `村`/`农村`; headers are matched in any
case and order, extra columns are ignored. Blank rows (such as the rows of
commas a spreadsheet leaves at the end) are skipped. The file is UTF-8 (in
Excel: "CSV UTF-8"). Errors name the CSV file, the line and the column; a
duplicate name cites both lines.

## Parameters
"""


def _intro() -> str:
    """The reference's prose, with the limits filled in from :mod:`gridsim.scenario`."""
    from gridsim import scenario as sc
    from gridsim.estimate import BASE_BYTES, estimate_run
    from gridsim.fileio import MAX_CSV_BYTES, MAX_TOML_BYTES

    yuelu = estimate_run(Scenario())
    return _INTRO.format(
        communities=sc.MAX_COMMUNITIES,
        households=sc.MAX_HOUSEHOLDS,
        days=sc.MAX_DAYS,
        years=sc.MAX_DAYS // 365,
        staff=sc.MAX_STAFF_PER_UNIT,
        rate=sc.MAX_ISSUES_PER_YEAR,
        limit=sc.MAX_WORKING_DAYS,
        yuelu_mb=round((yuelu.memory_bytes - BASE_BYTES) / 1e6),
        base_mb=round(BASE_BYTES / 1e6),
        toml_kib=MAX_TOML_BYTES // 1024,
        depth=sc.MAX_TOML_DEPTH,
        keys=sc.MAX_TOML_KEYS,
        csv_mib=MAX_CSV_BYTES // (1 << 20),
    )


def _fmt_default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter, with its value and documentation.

    Attributes:
        key: Dotted path, e.g. ``grids.households_per_grid``.
        section: Top-level table (``grids``), or ``""`` at the top level.
        value: Value in the scenario described.
        default: Default value.
        unit: Unit.
        source: Source tag (``S``, ``S derived``, ``A`` ... with a citation).
        description: What the parameter means.
        allowed: The values validation accepts, e.g. ``> 0, ≤ 36,500``.
    """

    key: str
    section: str
    value: Any
    default: Any
    unit: str
    source: str
    description: str
    allowed: str = ""

    @property
    def sourced(self) -> bool:
        """Whether the default comes from a published source (tag starting with S)."""
        return self.source.startswith("S")


def _walk(
    model: type[BaseModel], value: BaseModel, default: BaseModel, prefix: str, section: str
) -> list[Parameter]:
    out = []
    for name, field in model.model_fields.items():
        v, dv = getattr(value, name), getattr(default, name)
        key = f"{prefix}{name}"
        extra = _extra(field)
        if isinstance(v, BaseModel) and not extra:
            out.extend(_walk(type(v), v, dv, key + ".", section or name))
            continue
        unit, source, doc = extra.get("unit", ""), extra.get("source", ""), field.description
        if isinstance(v, BaseModel):  # a documented table of per-category/tier/role values
            for sub, sub_field in type(v).model_fields.items():
                out.append(
                    Parameter(
                        f"{key}.{sub}",
                        section,
                        getattr(v, sub),
                        getattr(dv, sub),
                        unit,
                        source,
                        doc or "",
                        _allowed(sub_field),
                    )
                )
        else:
            out.append(Parameter(key, section, v, dv, unit, source, doc or "", _allowed(field)))
    return out


def _bound(x: float) -> str:
    if x == MAX_SEED:
        return "2^63 − 1"
    if float(x).is_integer() and abs(x) >= 10_000:
        return f"{int(x):,}"
    return f"{x:g}"


def _allowed(field: FieldInfo) -> str:
    """The range a field's constraints allow, as the reference shows it."""
    parts = []
    for meta in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{sign} {_bound(bound)}")
    if field.annotation is bool:
        return "true, false"
    args = get_args(field.annotation)
    if get_origin(field.annotation) is Literal:
        return ", ".join(f'"{a}"' for a in args)
    if any(getattr(meta, "pattern", None) for meta in field.metadata):
        return "a calendar date, YYYY-MM-DD"  # simulation.start_date, the one patterned key
    return ", ".join(parts)


def parameters(scenario: Scenario | None = None) -> list[Parameter]:
    """Every parameter of a scenario (default: the defaults), in schema order."""
    default = Scenario()
    return _walk(Scenario, scenario or default, default, "", "")


def scenario_reference() -> str:
    """Markdown reference of every scenario parameter (``docs/scenarios.md``)."""
    header = "| key | default | unit | allowed | source | meaning |\n|---|---|---|---|---|---|"
    parts = [_intro()]
    by_section: dict[str, list[str]] = {}
    for p in parameters():
        by_section.setdefault(p.section, []).append(
            f"| `{p.key}` | {_fmt_default(p.default)} | {p.unit} | {p.allowed} | {p.source} "
            f"| {p.description} |"
        )
    parts.append("### Top level\n\n" + header + "\n" + "\n".join(by_section.pop("")) + "\n")
    for section, rows in by_section.items():
        model = type(getattr(Scenario(), section))
        doc = (model.__doc__ or "").strip().splitlines()[0]
        parts.append(f"### `[{section}]` — {doc}\n\n{header}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def scenario_html(scenario: Scenario) -> str:
    """An HTML summary of a scenario: what differs from the defaults, then every parameter."""
    from html import escape

    params = parameters(scenario)
    changed = [p for p in params if p.value != p.default]

    def row(p: Parameter) -> str:
        style = " style='font-weight:bold'" if p.value != p.default else ""
        return (
            f"<tr{style}><td><code>{escape(p.key)}</code></td><td>{escape(_fmt_default(p.value))}"
            f"</td><td>{escape(_fmt_default(p.default))}</td><td>{escape(p.unit)}</td>"
            f"<td>{escape(p.source)}</td></tr>"
        )

    head = "<tr><th>parameter</th><th>value</th><th>default</th><th>unit</th><th>source</th></tr>"
    d = scenario.district
    where = (
        f"{d.communities:,} communities, {d.households:,} households"
        if d.communities_csv is None
        else f"communities from {escape(d.communities_csv)}"
    )
    return (
        f"<div><b>{escape(scenario.name)}</b> — {escape(d.name)}: {where}, "
        f"{scenario.grids.households_per_grid:g} households per grid, "
        f"{scenario.simulation.days} days, seed {scenario.simulation.seed}"
        f"<br><i>{escape(scenario.description)}</i>"
        f"<p>{len(changed)} of {len(params)} parameters differ from the defaults (bold).</p>"
        f"<details><summary>all parameters</summary><table>{head}"
        + "".join(row(p) for p in changed)
        + "".join(row(p) for p in params if p not in changed)
        + "</table></details></div>"
    )


if __name__ == "__main__":
    print(scenario_reference(), end="")
