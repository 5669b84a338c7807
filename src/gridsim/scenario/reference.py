"""The scenario reference (``docs/scenarios.md``), generated from the schema.

The schema is the single source of truth: every parameter's description, unit,
default, bounds and source tag live in its declarations, and this module renders
them as Markdown, with the documented limits filled in. The reference also states
what a Yuelu run costs in memory, which is :mod:`gridsim.estimate`'s figure, not
the schema's: it is passed in (``python -m gridsim.reference`` passes it and
writes the file; a test keeps ``docs/scenarios.md`` in step).
"""

from __future__ import annotations

from gridsim.fileio import MAX_CSV_BYTES, MAX_TOML_BYTES
from gridsim.scenario.parameters import Parameter, format_value
from gridsim.scenario.parameters import parameters as _parameters
from gridsim.scenario.params import (
    MAX_COMMUNITIES,
    MAX_DAYS,
    MAX_HOUSEHOLDS,
    MAX_ISSUES_PER_YEAR,
    MAX_STAFF_PER_UNIT,
    MAX_TOML_DEPTH,
    MAX_TOML_KEYS,
    MAX_WORKING_DAYS,
)
from gridsim.scenario.schema import Scenario

__all__ = ["parameters", "scenario_reference"]

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
  `deadlines.enabled = true`; a district needs a `map`, a `communities_csv`
  or both `communities` and `households` (not a map and a CSV);
  `grids.drawn` needs `district.map`; shares (category mix, tier shares,
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

[handle.staff]
grid = 2                # community, street and district keep 2, 5 and 10
```

changes one value each. A value that is not a table (a number, a string)
replaces what was below it whole. Only `name` is not inherited: a variant
that does not set it is named after its file.

## Variants and the scenario root

`extends = "base.toml"` makes a variant: the parent is read first (relative
to the variant), then the variant's keys override it. `extends`,
`district.communities_csv`, `district.map` and `grids.drawn` must lead to a
file inside a **scenario root**:
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

## A district on its own map

Set `district.map = "data/my-blocks.gpkg"` (GeoJSON, GeoPackage or
Shapefile; relative to the scenario file, inside a scenario root) to simulate
grids drawn on the district's map: residential blocks with `households` and
`community` (optionally `street`, `kind`, `barrier`), or community polygons
with `households`, inside which blocks are synthesised. The map then defines
the communities, streets, kinds (a map without `kind` is all `urban`) and
households; `district.communities`, `households` and `streets` are ignored.
Each community is cut into contiguous grids of about
`grids.households_per_grid` households, within `grids.tolerance` of the
community's ideal (the same partition as `gridsim grids`, seeded by
`grids.partition_seed`), or, with `grids.drawn = "out/blocks.csv"`, the grids
a `gridsim grids` run wrote are simulated as they are. Grid neighbours are
the grids that share a boundary. Two things follow the map instead of the
kind of community: a visit takes `visits.officer_hours_per_visit` plus the
walk from the grid's station (the block nearest its household-weighted
centre) to the household and back, at `visits.walking_speed_km_per_h` times
`visits.route_factor`, shared by `visits.households_per_trip` visits; and
patrols find public issues at `issues.public_find_rate_per_patrol_hour` times
`issues.patrol_reference_area_km2` / the grid's area. `scenarios/yuelu-drawn-grids.toml`
runs Yuelu on `scenarios/data/yuelu-blocks.gpkg`. Map errors name the file,
the feature and the column (exit 2).

## Parameters
"""


def _intro(run_bytes: float, base_bytes: float) -> str:
    """The reference's prose, with the documented limits filled in."""
    return _INTRO.format(
        communities=MAX_COMMUNITIES,
        households=MAX_HOUSEHOLDS,
        days=MAX_DAYS,
        years=MAX_DAYS // 365,
        staff=MAX_STAFF_PER_UNIT,
        rate=MAX_ISSUES_PER_YEAR,
        limit=MAX_WORKING_DAYS,
        yuelu_mb=round(run_bytes / 1e6),
        base_mb=round(base_bytes / 1e6),
        toml_kib=MAX_TOML_BYTES // 1024,
        depth=MAX_TOML_DEPTH,
        keys=MAX_TOML_KEYS,
        csv_mib=MAX_CSV_BYTES // (1 << 20),
    )


def parameters(scenario: Scenario | None = None) -> list[Parameter]:
    """Every parameter of a scenario (default: the defaults), in schema order."""
    return _parameters(scenario or Scenario(), Scenario())


def scenario_reference(*, run_bytes: float, base_bytes: float) -> str:
    """Markdown reference of every scenario parameter (``docs/scenarios.md``).

    Args:
        run_bytes: Estimated peak memory of the Yuelu baseline above ``base_bytes``
            (:func:`gridsim.estimate.estimate_run`).
        base_bytes: Memory of gridsim itself (:data:`gridsim.estimate.BASE_BYTES`).

    Returns:
        The reference, as ``docs/scenarios.md`` holds it.
    """
    header = "| key | default | unit | allowed | source | meaning |\n|---|---|---|---|---|---|"
    parts = [_intro(run_bytes, base_bytes)]
    by_section: dict[str, list[str]] = {}
    for p in parameters():
        by_section.setdefault(p.section, []).append(
            f"| `{p.key}` | {format_value(p.default)} | {p.unit} | {p.allowed} | {p.source} "
            f"| {p.description} |"
        )
    parts.append("### Top level\n\n" + header + "\n" + "\n".join(by_section.pop("")) + "\n")
    for section, rows in by_section.items():
        model = type(getattr(Scenario(), section))
        doc = (model.__doc__ or "").strip().splitlines()[0]
        parts.append(f"### `[{section}]` — {doc}\n\n{header}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)
