"""Scenario loading that is never silently wrong and cannot take the machine down (issue 9).

1. one merge rule, key by key at every depth, for files, ``extends``,
   ``with_changes`` and experiment variants, over every nested table of the schema;
4. bounded inputs: finite numbers, real dates, seeds in range, documented size
   limits, an estimated peak memory that fits, regular files of bounded size and nesting;
5. paths named in a file stay inside the scenario root (or a root the user names);
10. a value that differs from its documented default is tagged "set in this scenario";
11. communities CSVs as spreadsheets write them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

# New names are imported where they are used, so that on the code before this
# issue each test fails by itself rather than the whole module at import.
from gridsim import scenario as sc
from gridsim.cli import main
from gridsim.reports.parameters import parameter_table
from gridsim.reports.tables import _params_table_html
from gridsim.scenario import Scenario, ScenarioError, load_scenario, read_communities_csv

LARGEST_SEED = 2**63 - 1
"""The store keeps seeds as signed 64-bit integers."""

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios"
YUELU = SHIPPED / "yuelu-2013.toml"


def problems_of(path: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    for line in info.value.problems:
        assert "\n" not in line
    return info.value.problems


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``gridsim ARGS`` in this process, as the entry point does: (exit code, out, err)."""
    argv = sys.argv
    sys.argv = ["gridsim", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


# -- 1. one merge rule -------------------------------------------------------------


def _tables(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """Every nested table of the schema, from the schema: (dotted path, model)."""
    out = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.append((f"{prefix}{name}", ann))
            out.extend(_tables(ann, f"{prefix}{name}."))
    return out


def _leaves() -> list[tuple[str, str]]:
    """(table, key) for every scalar key of every nested table."""
    out = []
    for table, model in _tables(Scenario):
        for key, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                continue
            if f"{table}.{key}" == "district.communities_csv":
                continue  # a path, not a value; its own tests are below
            out.append((table, key))
    return out


LEAVES = _leaves()


def _get(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _nudged(value: Any) -> Any:
    """Another valid-looking value of the same type (validity is checked by the oracle)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.5 if value else 0.5
    return None


def test_the_tables_are_enumerated_from_the_schema():
    tables = dict(_tables(Scenario))
    # A few known ones, as a check on the enumeration (it is not the list used).
    for path in ("district.kinds.village", "handle.staff", "deadlines.limit_working_days"):
        assert path in tables
    assert len(LEAVES) > 100


def test_partial_village_table_keeps_the_documented_multipliers(write):
    path = write("county.toml", "[district.kinds.village]\nshare = 0.25\n")
    village = load_scenario(path).district.kinds.village
    assert (village.latent_rate_multiplier, village.visit_hours_multiplier) == (0.8, 1.4)


@pytest.mark.parametrize(
    ("table", "text", "check"),
    [
        ("handle.staff", "grid = 3", lambda s: s.handle.staff.as_list() == [3, 0.5, 2, 3]),
        (
            "deadlines.limit_working_days",
            "street = 10",
            lambda s: s.deadlines.limit_working_days.as_list() == [3, 5, 10, 15],
        ),
    ],
)
def test_one_key_of_a_tier_table_is_merged_not_refused(write, scenarios_dir, table, text, check):
    shutil.copy(YUELU, scenarios_dir / "yuelu-2013.toml")
    alone = load_scenario(write("alone.toml", f"[{table}]\n{text}\n"))
    variant = load_scenario(
        write("variant.toml", f'extends = "yuelu-2013.toml"\n[{table}]\n{text}\n')
    )
    assert check(alone) and check(variant)
    assert variant.households.latent_issues_per_year == 0.3058  # the rest is Yuelu's


@pytest.mark.parametrize(("table", "key"), LEAVES, ids=[f"{t}.{k}" for t, k in LEAVES])
def test_every_table_merges_key_by_key(write, scenarios_dir, yuelu, table, key):
    """One key of any table, written alone, changes that key and nothing else.

    The oracle is a dotted change on the complete scenario, which never loses
    sibling keys; the file, the variant of Yuelu and a table-valued change must
    give the same scenario.
    """
    defaults = Scenario()
    dotted = f"{table}.{key}"
    shutil.copy(YUELU, scenarios_dir / "yuelu-2013.toml")
    for base, value in ((defaults, _get(defaults.to_dict(), dotted)), (yuelu, None)):
        value = _get(base.to_dict(), dotted) if value is None else value
        for v in {repr(value): value, repr(_nudged(value)): _nudged(value)}.values():
            if v is None:
                continue
            try:
                expected = base.with_changes({dotted: v})
            except ScenarioError:
                continue  # e.g. one share alone no longer sums to 1
            head = 'extends = "yuelu-2013.toml"\n' if base is yuelu else ""
            path = write("one.toml", f"{head}[{table}]\n{key} = {_toml_value(v)}\n")
            loaded = load_scenario(path)
            assert loaded.model_copy(update={"name": base.name}) == expected
            assert loaded.set_by(dotted) == "scenarios/one.toml"
            nested: dict[str, Any] = {key: v}
            changed = base.with_changes({table: nested})
            assert changed == expected


def test_experiment_variants_merge_the_same_way(write):
    from gridsim.experiments import Experiment

    write(
        "county.toml",
        "[district]\ncommunities = 12\nhouseholds = 4000\n[district.kinds.village]\nshare = 0.25\n",
    )
    exp = Experiment.from_dict(
        {
            "name": "t",
            "base": "county.toml",
            "replications": 1,
            "variants": [
                {"name": "base"},
                {"name": "big grid teams", "changes": {"handle.staff.grid": 3}},
            ],
        },
        root="scenarios",
    )
    for v in exp.variants:
        village = v.scenario.district.kinds.village
        assert (village.latent_rate_multiplier, village.visit_hours_multiplier) == (0.8, 1.4)
    assert exp.variants[1].scenario.handle.staff.as_list() == [3, 0.5, 2, 3]


# -- 4. bounded inputs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[staff]\nvolunteers_per_grid = inf\n", "staff.volunteers_per_grid", "finite"),
        ("[grids]\nhouseholds_per_grid = inf\n", "grids.households_per_grid", "finite"),
        ("[households]\ntrust_effect = nan\n", "households.trust_effect", "finite"),
        ('[simulation]\nstart_date = "9999-99-99"\n', "simulation.start_date", "calendar date"),
        ('[simulation]\nstart_date = "2013-02-30"\n', "simulation.start_date", "calendar date"),
        ('[simulation]\nstart_date = "9999-12-01"\n', "simulation.days", "9999-12-31"),
        (f"[simulation]\nseed = {LARGEST_SEED + 1}\n", "simulation.seed", "<="),
        ("[district]\nhouseholds = 1e12\n", "district.households", "documented limit"),
        ("[simulation]\ndays = 1e9\n", "simulation.days", "documented limit"),
        ("[staff]\ncadres_per_grid = 1e9\n", "staff.cadres_per_grid", "documented limit"),
        (
            "[households]\nlatent_issues_per_year = 1e6\n",
            "households.latent_issues_per_year",
            "documented limit",
        ),
        ("[handle.staff]\ngrid = 1e300\n", "handle.staff.grid", "documented limit"),
        ("[households]\nneighbours = 1000000\n", "households.neighbours", "documented limit"),
        ("[reply]\ndelay_days = 1000000000000\n", "reply.delay_days", "documented limit"),
    ],
)
def test_what_cannot_run_is_refused_naming_file_and_key(write, text, key, words):
    problems = problems_of(write("bad.toml", text))
    assert len(problems) == 1
    assert problems[0].startswith(f"scenarios/bad.toml: {key}: ")
    assert words in problems[0]


def test_the_largest_seed_is_accepted(write):
    s = load_scenario(write("seed.toml", f"[simulation]\nseed = {LARGEST_SEED}\n"))
    assert s.simulation.seed == 2**63 - 1
    from gridsim.streams import stream

    stream(s.simulation.seed, 0, "latent").random()  # numpy takes it


def test_limits_are_documented():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert f"{sc.MAX_HOUSEHOLDS:,} households" in text
    assert f"{sc.MAX_DAYS:,} days" in text
    assert "| `district.households` | 191232 | households | > 0, ≤ 50,000,000 |" in text
    assert "GRIDSIM_MAX_MEMORY" in text and "One merge rule" in text


def test_validate_refuses_sizes_past_the_limits(write, capsys):
    path = write("huge.toml", "[district]\nhouseholds = 1e12\n[simulation]\ndays = 1e9\n")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    assert sorted(err.splitlines()) == [
        "scenarios/huge.toml: district.households: must be <= 50,000,000 (a documented limit, "
        "see docs/scenarios.md), got 1000000000000.0",
        "scenarios/huge.toml: simulation.days: must be <= 36,500 (a documented limit, "
        "see docs/scenarios.md), got 1000000000.0",
    ]


def test_a_run_that_does_not_fit_in_memory_is_refused(write, capsys, monkeypatch):
    path = write("big.toml", "[district]\ncommunities = 2000\nhouseholds = 20000000\n")
    monkeypatch.setenv("GRIDSIM_MAX_MEMORY", "2GB")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith("scenarios/big.toml: district.households: a run needs an estimated ")
    assert "GB" in line and "more than the 2 GB of GRIDSIM_MAX_MEMORY" in line
    # run refuses it the same way, before building anything
    code, _, err = cli(capsys, "run", str(path))
    assert code == 2 and err.strip() == line
    monkeypatch.setenv("GRIDSIM_MAX_MEMORY", "plenty")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2 and err.startswith("GRIDSIM_MAX_MEMORY: expected a size")


def test_available_memory_is_the_machines_without_the_variable(monkeypatch):
    from gridsim import estimate

    monkeypatch.delenv("GRIDSIM_MAX_MEMORY", raising=False)
    psutil = pytest.importorskip("psutil")
    have, source = estimate.available_memory()
    assert source == "available memory"
    assert 0.5 < have / psutil.virtual_memory().available < 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2GB", 2e9), ("512MiB", 512 * 2**20), ("1.5G", 1.5 * 2**30), ("3000000", 3e6)],
)
def test_memory_sizes_parse(text, expected):
    from gridsim import estimate

    assert estimate.parse_size(text) == int(expected)


def test_estimate_follows_the_sizes(yuelu):
    from gridsim import estimate

    one = estimate.estimate_run(yuelu)
    assert one.sizes.households == 191_232 and one.sizes.grids == 580
    five = estimate.estimate_run(
        yuelu.with_changes({"district.communities": 830, "district.households": 956_160})
    )
    above = (five.memory_bytes - estimate.BASE_BYTES) / (one.memory_bytes - estimate.BASE_BYTES)
    assert 4 < above < 6
    assert 3 < five.seconds / one.seconds < 7


def test_memory_estimate_is_within_30_percent_on_a_size_not_fitted(yuelu):
    """A measured run (fresh process) against the model; the size is in no fit run."""
    from gridsim import estimate

    changes = {
        "district.communities": 400,
        "district.households": 460_000,
        "households.latent_issues_per_year": 0.45,
        "simulation.days": 500,
    }
    assert changes not in [*estimate.FIT_RUNS.values(), *estimate.CHECK_RUNS.values()]
    measured = estimate.measure(changes)
    est = estimate.estimate_run(yuelu.with_changes(changes))
    ratio = measured["peak"] / (est.memory_bytes - estimate.BASE_BYTES)
    assert 0.7 < ratio < 1.3, (measured, est)
    assert 0.5 < measured["base"] / estimate.BASE_BYTES < 1.5


def test_validate_estimate_and_run_dry_run_print_the_estimate(capsys):
    code, out, _ = cli(capsys, "validate", "--estimate", str(YUELU))
    assert code == 0
    assert "estimated peak memory" in out and "per run" in out and "MB" in out
    code, out, _ = cli(capsys, "run", "--dry-run", "--replications", "4", str(YUELU))
    assert code == 0
    assert "estimated peak memory" in out and "4 replication(s)" in out
    assert "KPI" not in out  # nothing ran


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "gridsim.cli", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr and "Traceback" not in proc.stderr


def test_oversized_files_are_refused_before_reading(write):
    from gridsim.fileio import MAX_CSV_BYTES, MAX_TOML_BYTES

    big = write("big.toml", "")
    with big.open("r+b") as fh:
        fh.truncate(MAX_TOML_BYTES + 1)  # sparse: nothing is written
    (line,) = problems_of(big)
    assert line.startswith("scenarios/big.toml: ") and "larger than" in line
    write("huge.csv", "")
    with (big.parent / "huge.csv").open("r+b") as fh:
        fh.truncate(MAX_CSV_BYTES + 1)
    path = write("csv.toml", '[district]\ncommunities_csv = "huge.csv"\n')
    (line,) = problems_of(path)
    assert "huge.csv" in line and "larger than" in line


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000 + "\n",
        "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
        "[" + ".".join(["t"] * 40) + "]\nx = 1\n",
    ],
    ids=["arrays", "inline tables", "dotted table"],
)
def test_deeply_nested_toml_is_a_clear_refusal(write, text):
    (line,) = problems_of(write("deep.toml", text))
    assert line.startswith("scenarios/deep.toml: ") and "nested deeper" in line


def test_too_many_keys_are_refused(write):
    text = "".join(f"k{i} = {i}\n" for i in range(sc.MAX_TOML_KEYS + 1))
    (line,) = problems_of(write("keys.toml", text))
    assert line.startswith("scenarios/keys.toml: ") and "keys" in line


# -- 5. confined paths ------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder outside any scenarios tree, extending the shipped baseline."""
    folder = tmp_path / "my-county"
    folder.mkdir()
    rel = os.path.relpath(YUELU, folder)
    (folder / "county.toml").write_text(
        f'extends = "{rel}"\n[district]\ncommunities = 20\nhouseholds = 9000\n', encoding="utf-8"
    )
    return folder / "county.toml"


def test_a_project_outside_the_tree_extends_the_baseline_with_a_root(project, capsys, monkeypatch):
    monkeypatch.delenv("GRIDSIM_SCENARIO_ROOT", raising=False)
    code, _, err = cli(capsys, "validate", str(project))
    assert code == 2 and "extends" in err and "leads outside the scenario root" in err
    code, out, _ = cli(capsys, "validate", "--scenario-root", str(SHIPPED), str(project))
    assert code == 0 and out.startswith("ok: ")
    s = load_scenario(project, roots=[SHIPPED])
    assert s.district.households == 9000 and s.households.latent_issues_per_year == 0.3058
    assert s.set_by("households.latent_issues_per_year").endswith("yuelu-2013.toml")
    monkeypatch.setenv("GRIDSIM_SCENARIO_ROOT", str(SHIPPED))
    code, _, _ = cli(capsys, "run", "--dry-run", str(project))
    assert code == 0


def _escape_cases(root: Path) -> dict[str, str]:
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "base.toml").write_text('name = "elsewhere"\n', encoding="utf-8")
    (outside / "c.csv").write_text("name,street,households,kind\nA,S,10,urban\n", encoding="utf-8")
    (root / "link.toml").symlink_to(outside / "base.toml")
    (root / "link.csv").symlink_to(outside / "c.csv")
    (root / "zero.csv").symlink_to("/dev/zero")
    return {
        "dotdot": 'extends = "../outside/base.toml"\n',
        "absolute": f'extends = "{outside / "base.toml"}"\n',
        "symlink": 'extends = "link.toml"\n',
        "csv dotdot": '[district]\ncommunities_csv = "../outside/c.csv"\n',
        "csv absolute": f'[district]\ncommunities_csv = "{outside / "c.csv"}"\n',
        "csv symlink": '[district]\ncommunities_csv = "link.csv"\n',
        "csv dev zero": '[district]\ncommunities_csv = "/dev/zero"\n',
        "csv link to dev zero": '[district]\ncommunities_csv = "zero.csv"\n',
    }


def test_escapes_are_refused_with_exit_2(scenarios_dir, capsys, monkeypatch):
    monkeypatch.delenv("GRIDSIM_SCENARIO_ROOT", raising=False)
    for case, text in _escape_cases(scenarios_dir).items():
        path = scenarios_dir / f"{case.replace(' ', '-')}.toml"
        path.write_text(text, encoding="utf-8")
        code, _, err = cli(capsys, "validate", str(path))
        assert code == 2, case
        (line,) = err.splitlines()
        key = "district.communities_csv" if case.startswith("csv") else "extends"
        assert line.startswith(f"scenarios/{path.name}: {key}: "), line
        assert "outside the scenario root" in line or "absolute path" in line, line
        code, _, err = cli(capsys, "run", str(path))
        assert code == 2 and err.strip() == line, case


def test_a_device_inside_the_root_is_refused(scenarios_dir):
    (scenarios_dir / "zero.csv").symlink_to("/dev/zero")
    path = scenarios_dir / "dev.toml"
    path.write_text('[district]\ncommunities_csv = "zero.csv"\n', encoding="utf-8")
    # the root itself may be named: the link then stays inside it, but is still no file
    (line,) = problems_of(path, roots=[Path("/dev")])
    assert line.startswith("scenarios/dev.toml: district.communities_csv: ")
    assert "not a regular file" in line


# -- 10. honest tags -----------------------------------------------------------------------


def _params_html(scenario: Scenario, lang: str = "en") -> str:
    baseline = SimpleNamespace(scenario=scenario, changes={}, name="base")
    exp = SimpleNamespace(baseline=baseline, variants=[baseline])
    return _params_table_html(SimpleNamespace(experiment=exp), lang, 1)


def _row(html: str, key: str) -> str:
    start = html.index(f"<td class='key'>{key}")
    return html[start : html.index("</tr>", start)]


def test_a_changed_value_is_not_tagged_with_the_defaults_source(write):
    path = write("small.toml", "[district]\ncommunities = 40\nhouseholds = 20000\n")
    s = load_scenario(path)
    row = parameter_table(s).set_index("key").loc["district.communities"]
    assert row["kind"] == "set" and row["set_in"] == "scenarios/small.toml"
    assert row["value"] == 40 and row["default"] == 166
    untouched = parameter_table(s).set_index("key").loc["grids.households_per_grid"]
    assert untouched["kind"] == "sourced" and pd.isna(untouched["set_in"])
    html = _params_html(s)
    cell = _row(html, "district.<wbr>communities").replace("<wbr>", "")  # file names may wrap
    assert "set in this scenario" in cell and "scenarios/small.toml" in cell
    assert "tag sourced" not in cell and "default 166" in cell
    assert "本情景设定" in _row(_params_html(s, "zh"), "district.<wbr>communities")


def test_changes_are_tagged_with_their_origin(yuelu):
    s = yuelu.with_changes({"district.communities": 40})
    assert s.set_by("district.communities") == "<changes>"
    assert s.set_by("grids.households_per_grid").endswith("yuelu-2013.toml")
    assert s.set_by("grids") is not None and s.set_by("reply.public_weight") is None
    assert s == Scenario.model_validate(s.to_dict())  # provenance is not content
    assert "Changes to the base scenario" in _row(_params_html(s), "district.<wbr>communities")


def test_a_csv_district_shows_the_csvs_counts(write):
    write("c.csv", "name,street,households,kind\nA,S1,100,urban\nB,S2,50,village\n")
    s = load_scenario(write("csv.toml", '[district]\ncommunities_csv = "c.csv"\n'))
    table = parameter_table(s).set_index("key")
    assert table.loc["district.communities", "value"] == 2
    assert table.loc["district.households", "value"] == 150
    assert table.loc["district.communities", "kind"] == "set"
    assert table.loc["district.communities", "set_in"] == "scenarios/csv.toml"


# -- 11. CSV niceties ------------------------------------------------------------------------


def test_trailing_blank_rows_are_skipped(write):
    write(
        "c.csv",
        "\ufeffname,street,households,kind\r\nA,S,10,urban\r\nB,S,20,village\r\n,,,\r\n\r\n,,,\r\n",
    )
    assert [r["name"] for r in read_communities_csv("scenarios/c.csv")] == ["A", "B"]


def test_a_duplicate_name_cites_both_lines(write):
    write("c.csv", "name,street,households,kind\nA,S,10,urban\nB,S,5,urban\nA,T,20,village\n")
    with pytest.raises(ScenarioError) as info:
        read_communities_csv("scenarios/c.csv")
    assert info.value.problems == [
        "scenarios/c.csv: line 4: name: duplicate community 'A' (also on line 2)"
    ]


def test_chinese_headers_and_kinds_are_accepted(write):
    write(
        "c.csv",
        "名称,街道,户数,类型\n桃子湖,桔子洲,1200,城市\n咸嘉湖,咸嘉湖,800,新建\n莲花,莲花镇,600,村\n",
    )
    rows = read_communities_csv("scenarios/c.csv")
    assert [(r["name"], r["households"], r["kind"]) for r in rows] == [
        ("桃子湖", 1200, "urban"),
        ("咸嘉湖", 800, "new_build"),
        ("莲花", 600, "village"),
    ]


def test_unknown_headers_show_the_expected_names(write):
    write("c.csv", "community,street,homes,kind\nA,S,10,urban\n")
    with pytest.raises(ScenarioError) as info:
        read_communities_csv("scenarios/c.csv")
    (line,) = info.value.problems
    assert line.startswith("scenarios/c.csv: missing column(s): name, households")
    assert "名称, 街道, 户数, 类型" in line and "found: community, street, homes, kind" in line


def test_csv_coordinates_must_be_finite(write):
    write("c.csv", "name,street,households,kind,x,y\nA,S,10,urban,1,nan\n")
    with pytest.raises(ScenarioError) as info:
        read_communities_csv("scenarios/c.csv")
    assert info.value.problems == ["scenarios/c.csv: line 2: y: must be a finite number, got 'nan'"]
