"""The scenario reference (``docs/scenarios.md``), generated from the schema.

The schema in :mod:`gridsim.scenario` is the single source of truth: every
parameter's description, unit, default and source tag live there, and this
module renders them as Markdown. A test keeps ``docs/scenarios.md`` in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gridsim.scenario import Scenario

_INTRO = """\
# Scenario files

A scenario is a TOML file describing one district design. Every key below is
optional: a missing key takes its default (the Yuelu 2013 baseline). Unknown
keys are errors, so a typo never falls back silently to a default.

- `extends = "base.toml"` makes a variant: the parent is read first (relative
  to the variant, and only inside the `scenarios/` folder tree), then the
  variant's keys override it, table by table.
- `gridsim validate FILE...` checks files; every problem is one line naming
  the file and the key, e.g.
  `scenarios/x.toml: grids.households_per_grid: must be > 0, got -5`
  (exit code 2).
- Dependent levers are checked: `deadlines.escalation = true` needs
  `deadlines.enabled = true`; a district needs either `communities_csv` or
  both `communities` and `households`.
- **Source** tags: **S** — stated in the Yuelu article or a published figure
  (see `../shared/seeds/SEED-FACTS.md` and `../shared/DESIGN.md`);
  **S derived** — arithmetic on such figures; **A** — a modelling assumption
  that scenarios may change; *calibrated* — fitted by `gridsim calibrate`
  (see `docs/calibration.md`).

## A district from its own data

Instead of totals, set `district.communities_csv = "data/my-district.csv"`
(relative to the scenario file that sets it). The CSV then defines the
communities, streets and households, and `district.communities`,
`district.households` and `district.streets` are ignored. One row per
community:

```csv
name,street,households,kind
Tongzipo,Guanshaling,2450,urban
Xianjiahu,Xianjiahu,1830,village
```

`kind` is one of `urban`, `new_build`, `village`; optional `x`, `y` columns
give positions (any projected coordinates) for the grid map. Errors name the
CSV file, the line and the column.

## Parameters
"""


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
    """

    key: str
    section: str
    value: Any
    default: Any
    unit: str
    source: str
    description: str

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
            for sub in type(v).model_fields:
                out.append(
                    Parameter(
                        f"{key}.{sub}",
                        section,
                        getattr(v, sub),
                        getattr(dv, sub),
                        unit,
                        source,
                        doc or "",
                    )
                )
        else:
            out.append(Parameter(key, section, v, dv, unit, source, doc or ""))
    return out


def parameters(scenario: Scenario | None = None) -> list[Parameter]:
    """Every parameter of a scenario (default: the defaults), in schema order."""
    default = Scenario()
    return _walk(Scenario, scenario or default, default, "", "")


def scenario_reference() -> str:
    """Markdown reference of every scenario parameter (``docs/scenarios.md``)."""
    header = "| key | default | unit | source | meaning |\n|---|---|---|---|---|"
    parts = [_INTRO]
    by_section: dict[str, list[str]] = {}
    for p in parameters():
        by_section.setdefault(p.section, []).append(
            f"| `{p.key}` | {_fmt_default(p.default)} | {p.unit} | {p.source} | {p.description} |"
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
