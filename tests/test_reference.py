from pathlib import Path

from pydantic import BaseModel

from gridsim.reference import scenario_reference
from gridsim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def test_docs_scenarios_md_is_generated_from_the_schema():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert text == scenario_reference(), "docs/scenarios.md is stale: run `make docs`"


def test_every_parameter_has_unit_source_and_description():
    def walk(model, prefix=""):
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            extra = field.json_schema_extra or {}
            if isinstance(value, BaseModel) and not extra:
                yield from walk(value, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", field, extra

    missing = [
        key
        for key, field, extra in walk(Scenario())
        if key not in ("name", "description")
        and not (field.description and extra.get("unit") and extra.get("source"))
    ]
    assert not missing, f"parameters without unit/source/description: {missing}"


def test_reference_lists_sourced_and_assumed_tags():
    text = scenario_reference()
    assert "| `grids.households_per_grid` | 329.7 |" in text
    assert "S derived" in text
    assert "| A |" in text


def test_scenario_html_marks_what_differs_from_the_defaults():
    scenario = Scenario().with_changes(
        {"cadres.posting": "rotation", "grids.households_per_grid": 500}
    )
    html = scenario._repr_html_()
    assert "2 of" in html and "differ from the defaults" in html
    assert "<code>cadres.posting</code></td><td>&quot;rotation&quot;" in html
    assert "<code>grids.households_per_grid</code></td><td>500</td><td>329.7</td>" in html
