"""The scenario reference (``docs/scenarios.md``), generated from the schema.

The schema in :mod:`gridsim.scenario` is the single source of truth: every
parameter's description, unit, default and source tag live there, and this
module renders them as Markdown. A test keeps ``docs/scenarios.md`` in step.
"""

from __future__ import annotations

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


def _rows(model: type[BaseModel], instance: BaseModel, prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        value = getattr(instance, name)
        key = f"{prefix}{name}"
        extra = _extra(field)
        if isinstance(value, BaseModel):
            sub_fields = type(value).model_fields
            if extra:  # a documented table of per-category / per-tier / per-role values
                for sub in sub_fields:
                    rows.append(
                        f"| `{key}.{sub}` | {_fmt_default(getattr(value, sub))} | "
                        f"{extra.get('unit', '')} | {extra.get('source', '')} | "
                        f"{field.description or ''} |"
                    )
            else:
                rows.extend(_rows(type(value), value, key + "."))
            continue
        rows.append(
            f"| `{key}` | {_fmt_default(value)} | {extra.get('unit', '')} | "
            f"{extra.get('source', '')} | {field.description or ''} |"
        )
    return rows


def scenario_reference() -> str:
    """Markdown reference of every scenario parameter (``docs/scenarios.md``)."""
    default = Scenario()
    parts = [_INTRO]
    top = [
        f"| `{n}` | {_fmt_default(getattr(default, n))} | {_extra(f).get('unit', '')} | "
        f"{_extra(f).get('source', '')} | {f.description or ''} |"
        for n, f in Scenario.model_fields.items()
        if not isinstance(getattr(default, n), BaseModel)
    ]
    header = "| key | default | unit | source | meaning |\n|---|---|---|---|---|"
    parts.append("### Top level\n\n" + header + "\n" + "\n".join(top) + "\n")
    for name in Scenario.model_fields:
        value = getattr(default, name)
        if not isinstance(value, BaseModel):
            continue
        doc = (type(value).__doc__ or "").strip().splitlines()[0]
        rows = _rows(type(value), value, f"{name}.")
        parts.append(f"### `[{name}]` — {doc}\n\n{header}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(scenario_reference(), end="")
