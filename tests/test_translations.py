"""Chinese beside the English: parameters, sections, mechanisms, KPIs, variant names, CLI tables.

The Chinese reports take every parameter's description, unit and source note,
every section heading, every mechanism's summary and every KPI's description
from the records that hold the English; these tests fail, naming what is
missing, when a record lacks its Chinese. Variant names are shown in the
report's language: a shipped experiment gives each listed variant a
``label_zh``, and names made by ``[vary]`` or ``[design]`` are spelled out again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest

from gridsim.cli.formatting import pad, width
from gridsim.experiments import Experiment
from gridsim.experiments.spec import read_experiment_data
from gridsim.kpi_registry import KPIS
from gridsim.mechanisms import registry
from gridsim.reports.analysis import label_of
from gridsim.reports.parameters import parameter_table
from gridsim.scenario import Scenario, load_scenario
from gridsim.scenario.parameters import untranslated
from gridsim.scenario.params import P
from gridsim.scenario.values import Section
from gridsim_cli import in_process
from words import english_words

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


def test_every_parameter_and_section_of_the_schema_has_its_chinese():
    gaps = untranslated(Scenario)
    assert gaps == [], "parameters or sections without Chinese:\n" + "\n".join(gaps)


class _Part(Section):
    """A toy section with one parameter of each kind of gap."""

    undescribed: float = P(1.0, "No Chinese description.", "days", "A")
    odd_unit: float = P(1.0, "An unlisted unit.", "furlongs", "A", zh="未列出的单位。")
    cited: float = P(1.0, "A cited source.", "days", "S (a study)", zh="有出处。")
    complete: float = P(
        1.0,
        "All given.",
        "furlongs",
        "S (a study)",
        zh="齐全。",
        unit_zh="浪",
        source_zh="S（研究）",
    )


class _Untitled(Section):
    """A section without title_zh."""

    part: _Part = _Part()


class _Titled(Section):
    """A section with its heading in Chinese."""

    title_zh: ClassVar[str] = "有标题"
    inner: _Untitled = _Untitled()


class _Toy(Section):
    """A toy scenario."""

    titled: _Titled = _Titled()


def test_a_missing_translation_names_the_key_the_field_and_what_to_give():
    """The completeness check can fail, and says where: key, class.field, file, argument."""
    gaps = untranslated(_Toy)
    assert len(gaps) == 5, gaps
    by_key = {line.split(" ", 1)[0]: line for line in gaps}
    assert set(by_key) == {
        "titled.inner",
        "titled.inner.part",
        "titled.inner.part.undescribed",
        "titled.inner.part.odd_unit",
        "titled.inner.part.cited",
    }
    assert "class _Untitled" in by_key["titled.inner"] and "title_zh" in by_key["titled.inner"]
    line = by_key["titled.inner.part.undescribed"]
    assert "(_Part.undescribed in " in line and "test_translations.py)" in line
    assert "zh= (the description in Chinese)" in line
    assert "unit_zh" not in line and "source_zh" not in line  # days and "A" are known
    assert "unit_zh= (unit 'furlongs'" in by_key["titled.inner.part.odd_unit"]
    assert "UNITS_ZH" in by_key["titled.inner.part.odd_unit"]
    assert "source_zh= (source 'S (a study)')" in by_key["titled.inner.part.cited"]


def test_every_mechanism_and_kpi_is_described_in_chinese():
    for stage, summaries in registry.SUMMARIES.items():
        assert set(registry.SUMMARIES_ZH[stage]) == set(summaries), stage
        assert all(registry.SUMMARIES_ZH[stage].values()), stage
    missing = [k.name for k in KPIS.values() if not k.description_zh]
    assert missing == [], f"KPIs without description_zh: {missing}"


def test_found_by_staff_is_not_glossed_as_supervisors_reports():
    """It counts what staff of every role find, not what supervisors (监督员) report."""
    k = KPIS["found_by_staff_share"]
    assert "监督员" not in k.zh + k.description + k.description_zh
    assert "网格人员" in k.zh


def test_the_chinese_parameter_table_reads_as_chinese():
    s = load_scenario(SCENARIOS / "yuelu-2013.toml")
    en, zh = parameter_table(s, "en"), parameter_table(s, "zh")
    assert list(en["key"]) == list(zh["key"]) and list(en["kind"]) == list(zh["kind"])
    row = zh.set_index("key").loc["grids.households_per_grid"]
    assert row["unit"] == "户" and row["source"].startswith("S（推算")
    assert row["section"] == "社区如何划分网格"
    assert zh.set_index("key").loc["district.communities_csv", "source"] == ""  # "-": nothing
    text = " ".join(
        re.sub(r"`[^`]*`", " ", str(x))  # keys and values in code spans are code
        for col in ("section", "unit", "source", "meaning")
        for x in zh[col]
    )
    # the file format's name, and the authors that sources cite
    assert set(english_words(text)) <= {"CSV", "Bohannon", "Koopman", "Levinson", "El", "Geneidy"}
    assert zh["calibrated"].sum() == en["calibrated"].sum() > 0


# -- variant names -------------------------------------------------------------------


def test_shipped_experiments_name_every_listed_variant_in_chinese():
    files = [*sorted(SCENARIOS.glob("compare-*.toml")), SCENARIOS / "sensitivity-handling.toml"]
    assert len(files) >= 4
    for path in files:
        data = read_experiment_data(path)
        assert data.get("description_zh"), path.name
        for v in data.get("variants", []):
            assert v.get("label_zh"), f"{path.name}: variant {v['name']!r} has no label_zh"
    exp = Experiment.from_file(SCENARIOS / "compare-mechanisms.toml")
    assert label_of(exp.baseline, "zh") == "岳麓2013年方案"
    assert label_of(exp.baseline, "en") == "Yuelu 2013"


def _experiment(data: dict) -> Experiment:
    base = {"name": "names", "base": "yuelu-2013.toml", "replications": 1}
    return Experiment.from_dict({**base, **data}, root=SCENARIOS)


def test_generated_variant_names_are_spelled_out_in_chinese():
    exp = _experiment(
        {"vary": {"grids.households_per_grid": [250, 400], "cadres.posting": ["fixed"]}}
    )
    v = exp.variants[0]
    assert v.name == "households_per_grid=250, posting=fixed"
    assert label_of(v, "en") == v.name
    assert label_of(v, "zh") == "每网格户数=250，干部驻点方式=固定"
    crossed = _experiment(
        {
            "variants": [
                {"name": "two officers", "label_zh": "两名民情员"},
                {"name": "no label"},
            ],
            "vary": {"cadres.posting": ["rotation"]},
        }
    )
    labels = [label_of(v, "zh") for v in crossed.variants]
    assert labels == ["两名民情员 · 干部驻点方式=轮岗", "no label · 干部驻点方式=轮岗"]
    sampled = _experiment(
        {
            "variants": [{"name": "base", "label_zh": "基础"}],
            "design": {
                "method": "lhs",
                "samples": 2,
                "parameters": {"households.latent_issues_per_year": [0.2, 0.4]},
            },
        }
    )
    assert [label_of(v, "zh") for v in sampled.variants] == ["基础", "抽样点000", "抽样点001"]


def test_label_zh_must_not_be_empty():
    from gridsim.experiments.spec import ExperimentError

    with pytest.raises(ExperimentError, match=r"variants\.0\.label_zh"):
        _experiment({"variants": [{"name": "a", "label_zh": ""}]})


# -- command-line tables -------------------------------------------------------------


_gridsim = in_process


def test_terminal_columns_count_wide_characters_twice():
    assert width("按期结案率") == 10 and width("on_time") == 7
    assert pad("受理量", 8) == "受理量  " and pad("ab", 4, right=True) == "  ab"


def test_gridsim_run_prints_its_table_in_chinese(tmp_path: Path):
    small = tmp_path / "scenarios" / "small.toml"
    small.parent.mkdir()
    small.write_text('name = "small"\n[district]\ncommunities = 4\nhouseholds = 1200\n')
    code, out, err = _gridsim(["run", str(small), "--lang", "zh"])
    assert code == 0, err
    lines = out.splitlines()
    assert "随机种子2013，重复1次" in lines[0]
    assert lines[1].split() == ["指标", "均值", "95%置信区间", "含义"]
    row = next(line for line in lines if line.startswith("按期结案率"))
    assert "在时限内结案数 ÷ 应结案数" in row
    # the numbers line up under their headers, whatever the width of the labels
    assert {width(line[: line.index("]") + 1]) for line in lines[2:] if "]" in line} == {
        width(lines[1][: lines[1].index("95%置信区间") + len("95%置信区间")])
    }
    assert english_words("\n".join(lines[1:])) == []
    code, _, err = _gridsim(["run", str(small), "--lang", "fr"])
    assert code == 2 and "--lang: must be one of en, zh, got 'fr'" in err
