"""Scenario files: validation, error lines, ``extends``, changes, hashing, CSV districts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import gridsim
from gridsim.model.district import build_district
from gridsim.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from gridsim.streams import stream
from gridsim.vocab import CATEGORIES


def problems_of(path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        gridsim.load_scenario(path)
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    for line in problems:
        assert "\n" not in line, f"problem is not one line: {line!r}"
    assert str(info.value) == "\n".join(problems)
    return problems


# -- valid scenarios ----------------------------------------------------------


def test_defaults_validate():
    s = default_scenario()
    assert isinstance(s, Scenario)
    assert s.name == "yuelu-2013"
    assert s.district.communities == 166
    assert s.district.households == 191_232
    # The embedded defaults round-trip through validation unchanged.
    assert Scenario.model_validate(s.to_dict()) == s
    assert Scenario().grids.households_per_grid == pytest.approx(329.7)


def test_yuelu_file_validates(yuelu):
    assert yuelu.name == "yuelu-2013"
    assert yuelu.district.communities == 166
    assert yuelu.district.households == 191_232
    assert yuelu.grids.households_per_grid == pytest.approx(329.7)
    assert yuelu.cadres.posting == "fixed"
    assert yuelu.collect.mode == "same_day"
    assert yuelu.assign.mode == "tiered"
    assert yuelu.deadlines.enabled and yuelu.deadlines.escalation
    assert yuelu.handle.joint_consultation and yuelu.reply.public and yuelu.evaluate.third_party


def test_name_defaults_to_file_stem(write):
    path = write("quiet-district.toml", "[grids]\nhouseholds_per_grid = 400\n")
    s = gridsim.load_scenario(path)
    assert s.name == "quiet-district"
    assert s.grids.households_per_grid == 400


# -- one line per problem, naming file and key -----------------------------------


def test_unknown_key_names_file_and_dotted_key(write):
    path = write("typo.toml", "[grids]\nhousholds_per_grid = 300\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/typo.toml: grids.housholds_per_grid: unknown key")
    assert "households_per_grid" in problems[0].split("unknown key", 1)[1]  # the hint


def test_unknown_section_is_an_error(write):
    path = write("typo-section.toml", "[grid]\nhouseholds_per_grid = 300\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/typo-section.toml: grid: unknown key")


def test_every_problem_is_reported(write):
    path = write(
        "many.toml",
        "[grids]\nhouseholds_per_grid = -5\n[simulation]\ndays = 0\nsed = 1\n",
    )
    problems = problems_of(path)
    assert len(problems) == 3
    keys = sorted(line.split(": ")[1] for line in problems)
    assert keys == ["grids.households_per_grid", "simulation.days", "simulation.sed"]
    assert all(line.startswith("scenarios/many.toml: ") for line in problems)


def test_negative_count_is_one_line(write):
    path = write("neg.toml", "[grids]\nhouseholds_per_grid = -5\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/neg.toml: grids.households_per_grid: must be > ")
    assert problems[0].endswith(", got -5")


def test_negative_count_message_matches_documented_format(write):
    path = write("neg.toml", "[grids]\nhouseholds_per_grid = -5\n")
    assert problems_of(path) == [
        "scenarios/neg.toml: grids.households_per_grid: must be > 0, got -5"
    ]


def test_negative_int_count_exact_message(write):
    path = write("neg-days.toml", "[simulation]\ndays = -5\n")
    assert problems_of(path) == ["scenarios/neg-days.toml: simulation.days: must be > 0, got -5"]


def test_wrong_type_is_one_line(write):
    path = write("type.toml", '[grids]\nhouseholds_per_grid = "many"\n')
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/type.toml: grids.households_per_grid: ")
    assert "'many'" in problems[0]


def test_wrong_enum_value(write):
    path = write("enum.toml", '[assign]\nmode = "regional"\n')
    problems = problems_of(path)
    assert len(problems) == 1
    line = problems[0]
    assert line.startswith("scenarios/enum.toml: assign.mode: must be one of ")
    assert "'tiered'" in line and "'central'" in line
    assert line.endswith("got 'regional'")


def test_category_shares_must_sum_to_one(write):
    path = write(
        "shares.toml",
        "[issues.categories]\nenvironment = 0.5\ninfrastructure = 0.2\ndisputes = 0.15\n"
        "livelihood = 0.15\nsafety = 0.1\npolicy = 0.1\n",
    )
    problems = problems_of(path)
    assert problems == ["scenarios/shares.toml: issues.categories: shares must sum to 1, got 1.2"]


def test_kind_shares_must_sum_to_one(write):
    path = write("kinds.toml", "[district.kinds.urban]\nshare = 0.9\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/kinds.toml: district.kinds: ")
    assert "sum to 1" in problems[0]
    assert "1.35" in problems[0]


def test_escalation_without_deadlines_is_an_error(write):
    path = write("esc.toml", "[deadlines]\nenabled = false\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/esc.toml: deadlines.escalation: ")
    assert "time limits" in problems[0]
    # Switching both off is a valid design.
    ok = write("no-limits.toml", "[deadlines]\nenabled = false\nescalation = false\n")
    s = gridsim.load_scenario(ok)
    assert not s.deadlines.enabled and not s.deadlines.escalation


def test_invalid_toml_names_the_file(write):
    path = write("broken.toml", "[grids\nhouseholds_per_grid = 300\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/broken.toml: not valid TOML")


def test_missing_file_is_a_scenario_error(scenarios_dir):
    problems = problems_of(scenarios_dir / "absent.toml")
    assert problems == ["scenarios/absent.toml: file not found"]


def test_fewer_households_than_communities_is_a_validation_error(write):
    path = write("few.toml", "[district]\ncommunities = 100\nhouseholds = 50\n")
    problems = problems_of(path)
    assert problems[0].startswith("scenarios/few.toml: district.households: ")


# -- extends --------------------------------------------------------------------


@pytest.fixture
def base_copy(scenarios_dir, yuelu_path):
    """A copy of yuelu-2013.toml inside the temporary scenarios folder."""
    return shutil.copy(yuelu_path, scenarios_dir / "yuelu-2013.toml")


def test_extends_overrides_one_key_and_inherits_the_rest(write, base_copy):
    child = write(
        "big-grids.toml",
        'extends = "yuelu-2013.toml"\nname = "big-grids"\n'
        "[grids]\nhouseholds_per_grid = 500\n[staff.hours_per_week]\ncadre = 4.0\n",
    )
    parent = gridsim.load_scenario(base_copy)
    s = gridsim.load_scenario(child)
    assert s.name == "big-grids"
    assert s.grids.households_per_grid == 500
    # Deep merge: one key of a nested table changes, its siblings are inherited.
    assert s.staff.hours_per_week.cadre == 4.0
    assert (
        s.staff.hours_per_week.information_officer
        == parent.staff.hours_per_week.information_officer
    )
    expected = parent.with_changes(
        {"name": "big-grids", "grids.households_per_grid": 500, "staff.hours_per_week.cadre": 4.0}
    )
    assert s.to_dict() == expected.to_dict()


def test_extends_chain_from_a_subfolder(write, base_copy):
    write("mid.toml", 'extends = "yuelu-2013.toml"\n[cadres]\nposting = "rotation"\n')
    leaf = write("variants/leaf.toml", 'extends = "../mid.toml"\n[collect]\nmode = "batched"\n')
    s = gridsim.load_scenario(leaf)
    assert s.cadres.posting == "rotation"
    assert s.collect.mode == "batched"
    assert s.district.households == 191_232


def test_extends_outside_scenarios_folder_is_refused(write, scenarios_dir):
    outside = scenarios_dir.parent / "outside.toml"
    outside.write_text('name = "outside"\n', encoding="utf-8")
    path = write("escape.toml", 'extends = "../outside.toml"\n')
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith(
        "scenarios/escape.toml: extends: '../outside.toml' leads outside the scenario root"
    )


def test_extends_cycle_is_refused(write):
    write("a.toml", 'extends = "b.toml"\n')
    write("b.toml", 'extends = "a.toml"\n')
    problems = problems_of("scenarios/a.toml")
    assert len(problems) == 1
    assert "extends: cycle" in problems[0]
    assert problems[0].startswith("scenarios/b.toml: ")


def test_extends_itself_is_refused(write):
    path = write("self.toml", 'extends = "self.toml"\n')
    problems = problems_of(path)
    assert problems == ["scenarios/self.toml: extends: cycle through 'self.toml'"]


def test_extends_missing_parent(write):
    path = write("orphan.toml", 'extends = "nope.toml"\n')
    assert problems_of(path) == ["scenarios/orphan.toml: extends: 'nope.toml' not found"]


def test_extends_must_be_a_file_name(write):
    path = write("weird.toml", "extends = 3\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/weird.toml: extends: must be a file name")


def test_bad_key_in_parent_names_the_parent(write):
    write("parent.toml", "[staff]\ncadres_per_grd = 1\n")
    child = write("child.toml", 'extends = "parent.toml"\n[grids]\nhouseholds_per_grid = 300\n')
    problems = problems_of(child)
    assert len(problems) == 1
    assert problems[0].startswith("scenarios/parent.toml: staff.cadres_per_grd: unknown key")


def test_bad_value_in_parent_names_the_parent_and_child_errors_name_the_child(write):
    write("parent.toml", "[staff]\ncadres_per_grid = -1\n")
    child = write(
        "child.toml",
        'extends = "parent.toml"\n[staff]\nvolunteers_per_grid = -2\n',
    )
    problems = sorted(problems_of(child))
    assert len(problems) == 2
    assert problems[0].startswith("scenarios/child.toml: staff.volunteers_per_grid: must be >= ")
    assert problems[1].startswith("scenarios/parent.toml: staff.cadres_per_grid: must be >= ")


# -- with_changes and content_hash ----------------------------------------------


def test_with_changes_returns_a_validated_copy(yuelu):
    before = yuelu.to_dict()
    s = yuelu.with_changes({"grids.households_per_grid": 500, "assign.mode": "central"})
    assert s.grids.households_per_grid == 500
    assert s.assign.mode == "central"
    assert yuelu.to_dict() == before  # the original is untouched
    assert s.staff == yuelu.staff


@pytest.mark.parametrize(
    "path",
    ["grids.households_per_grd", "nosuch", "staff.hours_per_week.janitor", "grid.households"],
)
def test_with_changes_unknown_path_raises(yuelu, path):
    with pytest.raises(ScenarioError) as info:
        yuelu.with_changes({path: 1})
    assert len(info.value.problems) == 1
    assert path.split(".")[0] in info.value.problems[0]
    assert "unknown key" in info.value.problems[0]


@pytest.mark.parametrize(
    "changes",
    [
        {"grids.households_per_grid": -1},
        {"collect.detect_probability": 1.5},
        {"cadres.posting": "sometimes"},
        {"deadlines.enabled": False},  # escalation still on
    ],
)
def test_with_changes_invalid_value_raises(yuelu, changes):
    with pytest.raises(ScenarioError) as info:
        yuelu.with_changes(changes)
    assert len(info.value.problems) == 1
    assert next(iter(changes)).split(".")[0] in info.value.problems[0]


def test_content_hash_is_stable_and_tracks_values(yuelu, yuelu_path):
    h = yuelu.content_hash()
    assert len(h) == 16
    int(h, 16)  # hex
    assert gridsim.load_scenario(yuelu_path).content_hash() == h
    assert yuelu.with_changes({}).content_hash() == h
    changed = yuelu.with_changes({"grids.households_per_grid": 330.0})
    assert changed.content_hash() != h
    back = changed.with_changes({"grids.households_per_grid": yuelu.grids.households_per_grid})
    assert back.content_hash() == h
    assert yuelu.with_changes({"deadlines.yellow_fraction": 0.5}).content_hash() != h


# -- communities CSV ---------------------------------------------------------------

CSV_HEADER = "name,street,households,kind\n"
CSV_ROWS = "Xinmin,Juzizhou,1200,urban\nHexi,Juzizhou,800,new-build\nLugu,Lugu,500,village\n"


def csv_scenario(write, rows: str = CSV_ROWS) -> Path:
    write("communities.csv", CSV_HEADER + rows)
    return write(
        "real.toml",
        '[district]\nname = "Test district"\ncommunities_csv = "communities.csv"\n'
        "[grids]\nhouseholds_per_grid = 300\n",
    )


def test_csv_district_uses_its_communities(write):
    s = gridsim.load_scenario(csv_scenario(write))
    d = build_district(s, stream(s.simulation.seed, 0, "structure"))
    assert d.name == "Test district"
    assert d.community_names == ["Xinmin", "Hexi", "Lugu"]
    assert d.community_households.tolist() == [1200, 800, 500]
    assert d.n_households == 2500
    assert d.street_names == ["Juzizhou", "Lugu"]
    assert d.community_street.tolist() == [0, 0, 1]
    assert d.community_kind.tolist() == [0, 1, 2]  # urban, new_build ("new-build"), village
    per_comm = np.bincount(d.grid_community, weights=d.grid_households, minlength=3)
    assert per_comm.tolist() == [1200, 800, 500]
    assert d.n_grids == round(2500 / 300)


def test_csv_path_is_relative_to_the_file_that_sets_it(write):
    parent = csv_scenario(write)
    child = write(
        "variants/child.toml", 'extends = "../real.toml"\n[cadres]\nposting = "rotation"\n'
    )
    s = gridsim.load_scenario(child)
    assert s.district.communities_csv == str(parent.parent.resolve() / "communities.csv")
    d = build_district(s, stream(s.simulation.seed, 0, "structure"))
    assert d.n_households == 2500


def test_csv_content_changes_the_hash(write):
    path = csv_scenario(write)
    h = gridsim.load_scenario(path).content_hash()
    write("communities.csv", CSV_HEADER + CSV_ROWS.replace("1200", "1300"))
    assert gridsim.load_scenario(path).content_hash() != h


@pytest.mark.parametrize(
    ("rows", "column", "value"),
    [
        ("Xinmin,Juzizhou,1200,urban\nHexi,Juzizhou,-800,urban\n", "households", "-800"),
        ("Xinmin,Juzizhou,1200,urban\nHexi,Juzizhou,800,suburb\n", "kind", "'suburb'"),
        ("Xinmin,Juzizhou,1200,urban\nHexi,Juzizhou,lots,urban\n", "households", "'lots'"),
        ("Xinmin,Juzizhou,1200,urban\nXinmin,Juzizhou,800,urban\n", "name", "'Xinmin'"),
    ],
)
def test_bad_csv_row_names_file_line_and_column(write, rows, column, value):
    problems = problems_of(csv_scenario(write, rows))
    assert len(problems) == 1
    line = problems[0]
    assert "communities.csv: line 3: " in line
    assert f": line 3: {column}: " in line
    assert value in line


def test_bad_csv_reports_every_row(write):
    rows = "A,S,0,urban\nB,S,10,town\nC,S,10,village\n"
    problems = problems_of(csv_scenario(write, rows))
    assert len(problems) == 2
    assert ": line 2: households: " in problems[0]
    assert ": line 3: kind: " in problems[1]


def test_csv_missing_column(write):
    write("communities.csv", "name,street,households\nA,S,10\n")
    path = write("real.toml", '[district]\ncommunities_csv = "communities.csv"\n')
    problems = problems_of(path)
    assert len(problems) == 1
    assert "communities.csv: missing column(s): kind" in problems[0]


def test_csv_not_found(write):
    path = write("real.toml", '[district]\ncommunities_csv = "nowhere.csv"\n')
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0] == "scenarios/real.toml: district.communities_csv: 'nowhere.csv' not found"


def test_categories_order_is_fixed():
    # Per-category arrays everywhere rely on this order.
    assert CATEGORIES == (
        "environment",
        "infrastructure",
        "disputes",
        "livelihood",
        "safety",
        "policy",
    )


def test_variant_without_a_name_takes_its_file_stem(write):
    write("base.toml", 'name = "the-base"\n')
    child = write("child.toml", 'extends = "base.toml"\n')
    assert load_scenario(child).name == "child"
    assert load_scenario(write("named.toml", 'extends = "base.toml"\nname = "x"\n')).name == "x"


def test_csv_errors_name_the_csv_relative_to_the_working_directory(write):
    write("data/bad.csv", "name,street,households,kind\nA,S1,-3,urban\n")
    path = write("csv.toml", '[district]\ncommunities_csv = "data/bad.csv"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems == [
        "scenarios/data/bad.csv: line 2: households: must be > 0, got -3"
    ]
