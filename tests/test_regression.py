"""Pure optimisations must keep every KPI of the regression seeds bit-identical."""

import json
import math

import pytest

from regression import CASES, DATA, compute


@pytest.fixture(scope="module")
def current():
    return compute()


@pytest.mark.parametrize("case", list(CASES))
def test_kpis_bit_identical_to_recorded(case, current):
    recorded = json.loads(DATA.read_text())[case]
    got = current[case]
    assert got.keys() == recorded.keys()
    different = {
        k: (recorded[k], got[k])
        for k in recorded
        if not (got[k] == recorded[k] or (math.isnan(got[k]) and math.isnan(recorded[k])))
    }
    assert not different, f"{case}: KPIs moved (recorded, now): {different}"
