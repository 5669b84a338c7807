"""Calibrating to a district's own figures: the targets file, its checks, the fit, --out.

A synthetic district (20 communities, 8,000 households) run at known parameter
values gives the targets; calibrating the district as it ships to them must
find the known values again at the known detection probability, and write a
fitting set that loads and reruns to the same KPIs.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import tomllib
from pathlib import Path

import pytest

import gridsim
import gridsim.experiments.calibration as calibration
from gridsim.experiments.targets import (
    DEFAULT_FREE,
    DEFAULT_RIDGE_KEY,
    DEFAULT_RIDGE_VALUES,
    Targets,
    TargetsError,
    read_targets,
)
from gridsim.planning.spec import UncertaintySpec
from gridsim_cli import gridsim as cli

REPO = Path(__file__).resolve().parents[1]

SMALL = """\
extends = "yuelu-2013.toml"
name = "small"

[district]
communities = 20
households = 8000
"""

KNOWN = {
    "staff.hours_per_week.information_officer": 5.0,
    "households.latent_issues_per_year": 0.45,
    "collect.detect_probability": 0.5,
}
KNOWN_SCALE = 0.8  # on the shipped resolvable shares
REPLICATIONS = 10  # the small district runs in ~0.03 s; ten keep the fit's noise low
KPIS = ("households_visited", "issues_collected", "issues_resolved")

KNOWN_TARGETS = """\
name = "Synthetic district"
source = "gridsim at known values: {known}"
{targets}
[ridge]
key = "collect.detect_probability"
values = [0.3, 0.5, 0.7]
"""

TARGET = """
[[targets]]
kpi = "{kpi}"
value = {value!r}
tolerance = {tolerance}
"""


@pytest.fixture(scope="module")
def district(tmp_path_factory, yuelu_path) -> dict:
    """A project folder with the small district and targets from known parameter values."""
    root = tmp_path_factory.mktemp("district")
    (root / "scenarios").mkdir()
    shutil.copy(yuelu_path, root / "scenarios" / "yuelu-2013.toml")
    (root / "scenarios" / "small.toml").write_text(SMALL, encoding="utf-8")
    small = gridsim.load_scenario(root / "scenarios" / "small.toml")
    truth = calibration.with_resolvable_scale(
        small.with_changes(KNOWN), small.handle.resolvable_share.as_list(), KNOWN_SCALE
    )
    means = calibration.mean_kpis(truth, REPLICATIONS)
    tolerances = {"households_visited": 0.03, "issues_collected": 0.05, "issues_resolved": 0.05}
    text = KNOWN_TARGETS.format(
        known=KNOWN,
        targets="".join(
            TARGET.format(kpi=k, value=means[k], tolerance=tolerances[k]) for k in KPIS
        ),
    )
    (root / "targets").mkdir()
    (root / "targets" / "known.toml").write_text(text, encoding="utf-8")
    return {"root": root, "small": small, "means": means}


# -- the format -------------------------------------------------------------------------


def test_the_shipped_yuelu_targets_are_the_default():
    shipped = read_targets(REPO / "scenarios" / "targets" / "yuelu-2013.toml")
    assert shipped == calibration.default_targets()
    assert shipped.bands == calibration.TARGETS
    assert shipped.free == DEFAULT_FREE
    assert (shipped.ridge_key, shipped.ridge_values) == (DEFAULT_RIDGE_KEY, DEFAULT_RIDGE_VALUES)


def test_a_file_without_free_or_ridge_takes_the_defaults_for_its_targets(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(
        'name = "two"\n'
        + TARGET.format(kpi="issues_collected", value=500, tolerance=0.05)
        + TARGET.format(kpi="households_visited", value=9000, tolerance=0.03),
        encoding="utf-8",
    )
    targets = read_targets(path)
    assert targets.free == {
        "staff.hours_per_week.information_officer": "households_visited",
        "households.latent_issues_per_year": "issues_collected",
    }
    assert targets.ridge_values == DEFAULT_RIDGE_VALUES
    assert targets.bands == {
        "issues_collected": (500.0, 0.05),
        "households_visited": (9000.0, 0.03),
    }


def test_targets_built_in_python_are_checked_too():
    with pytest.raises(TargetsError, match=r"targets\[0\] \(on_time_rate\): no free parameter"):
        Targets.from_bands({"on_time_rate": (0.9, 0.05)})
    with pytest.raises(TargetsError, match=r"ridge.values\[0\]: collect.detect_probability must"):
        calibration.default_targets(detect_grid=[1.5])


def _targets_file(targets: str, rest: str = "") -> str:
    return f'name = "bad"\n{targets}\n{rest}'


COLLECTED = TARGET.format(kpi="issues_collected", value=500, tolerance=0.05)
RESOLVED = TARGET.format(kpi="issues_resolved", value=400, tolerance=0.05)

BAD_TARGETS = {
    "unknown-kpi": (
        _targets_file(TARGET.format(kpi="issues_colected", value=500, tolerance=0.05)),
        "targets[0].kpi: unknown KPI 'issues_colected' (did you mean 'issues_collected'?)",
    ),
    "tolerance": (
        _targets_file(TARGET.format(kpi="issues_collected", value=500, tolerance=5)),
        "targets[0].tolerance: must be < 1, got 5",
    ),
    "unknown-field": (
        _targets_file(COLLECTED + "tolerence = 0.1\n"),
        "targets[0].tolerence: unknown key",
    ),
    "unknown-key": (
        _targets_file(COLLECTED, '[free]\n"households.latent_issues_per_yer" = "issues_collected"'),
        "free.\"households.latent_issues_per_yer\": 'households.latent_issues_per_yer' is not a "
        "scenario key (did you mean 'latent_issues_per_year'?)",
    ),
    "not-numeric": (
        _targets_file(COLLECTED, '[free]\n"collect.mode" = "issues_collected"'),
        'free."collect.mode": is not a number',
    ),
    "whole-number": (
        _targets_file(COLLECTED, '[free]\n"district.communities" = "issues_collected"'),
        'free."district.communities": is a whole number',
    ),
    "two-for-one": (
        _targets_file(
            COLLECTED,
            '[free]\n"households.latent_issues_per_year" = "issues_collected"\n'
            '"handle.resolvable_share" = "issues_collected"',
        ),
        "free.\"handle.resolvable_share\": 'households.latent_issues_per_year' already fits "
        "issues_collected",
    ),
    "target-without-free": (
        _targets_file(
            COLLECTED + TARGET.format(kpi="on_time_rate", value=0.9, tolerance=0.05),
        ),
        "targets[1] (on_time_rate): no free parameter fits it",
    ),
    "free-for-no-target": (
        _targets_file(
            COLLECTED,
            '[free]\n"households.latent_issues_per_year" = "issues_collected"\n'
            '"handle.resolvable_share" = "issues_resolved"',
        ),
        "free.\"handle.resolvable_share\": 'issues_resolved' is not one of the targets",
    ),
    "ridge-is-free": (
        _targets_file(
            COLLECTED + RESOLVED,
            '[free]\n"collect.detect_probability" = "issues_collected"\n'
            '"handle.resolvable_share" = "issues_resolved"',
        ),
        'free."collect.detect_probability": is the ridge key too',
    ),
    "ridge-value": (
        _targets_file(
            COLLECTED, '[ridge]\nkey = "collect.detect_probability"\nvalues = [0.2, 1.5]'
        ),
        "ridge.values[1]: collect.detect_probability must be > 0, < 1, got 1.5",
    ),
    "ridge-table": (
        _targets_file(COLLECTED, '[ridge]\nkey = "handle.resolvable_share"\nvalues = [0.5]'),
        "ridge.key: 'handle.resolvable_share' is a table; the ridge holds one number",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TARGETS))
def test_a_bad_targets_file_names_file_and_key_and_exits_2(district, case):
    text, expected = BAD_TARGETS[case]
    path = district["root"] / "targets" / f"bad-{case}.toml"
    path.write_text(text, encoding="utf-8")
    proc = cli(
        "calibrate", "scenarios/small.toml", "--targets", f"targets/bad-{case}.toml",
        cwd=district["root"],
    )  # fmt: skip
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith(f"targets/bad-{case}.toml: ") for line in lines), lines
    assert any(line.startswith(f"targets/bad-{case}.toml: {expected}") for line in lines), lines
    assert proc.stdout == ""
    with pytest.raises(TargetsError):  # the same file refused in Python
        read_targets(path)


# -- the fit ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recovered(district) -> dict:
    """``gridsim calibrate --targets known.toml --json --out fitted`` on the small district."""
    proc = cli(
        "calibrate", "scenarios/small.toml", "--targets", "targets/known.toml",
        "--replications", str(REPLICATIONS), "--json", "--out", "fitted",
        cwd=district["root"],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return {"rows": json.loads(proc.stdout), "folder": district["root"] / "fitted"}


def test_calibration_recovers_the_known_values_and_writes_a_loadable_fitting_set(
    district, recovered
):
    rows = {row["detect_probability"]: row for row in recovered["rows"]}
    assert sorted(rows) == [0.3, 0.5, 0.7]
    assert all(row["within_bands"] for row in rows.values())
    at = rows[KNOWN["collect.detect_probability"]]
    # Visits involve no random draws: the hours come back to the fit's precision.
    assert at["officer_hours_per_week"] == pytest.approx(5.0, rel=0.01)
    assert at["latent_issues_per_year"] == pytest.approx(0.45, rel=0.03)
    # Resolved cases move with the resolvable scale at about a third of its rate (the
    # units' assessed effort makes up part of any change): the scale is the loosest.
    assert at["resolvable_scale"] == pytest.approx(KNOWN_SCALE, rel=0.05)
    for kpi in KPIS:
        target = district["means"][kpi]
        assert abs(at[kpi] - target) <= 0.01 * target, (kpi, at[kpi], target)
    # The ridge: the rarer residents tell, the more issues must arise.
    rates = [rows[p]["latent_issues_per_year"] for p in (0.3, 0.5, 0.7)]
    assert rates[0] > rates[1] > rates[2]

    # --out: the fitting set as full scenario files that load and rerun to the fit.
    folder = recovered["folder"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "fit.csv", "small-0.3.toml", "small-0.5.toml", "small-0.7.toml",
    ]  # fmt: skip
    assert len(folder.joinpath("fit.csv").read_text(encoding="utf-8").splitlines()) == 4
    proc = cli("validate", *(str(p) for p in sorted(folder.glob("*.toml"))), cwd=district["root"])
    assert proc.returncode == 0, proc.stderr
    text = (folder / "small-0.5.toml").read_text(encoding="utf-8")
    assert "extends" not in tomllib.loads(text)
    with (folder / "fit.csv").open(encoding="utf-8", newline="") as fh:  # JSON rounds
        written = {float(r["detect_probability"]): r for r in csv.DictReader(fh)}
    row = {k: float(v) for k, v in written[0.5].items() if k != "within_bands"}
    loaded = gridsim.load_scenario(folder / "small-0.5.toml")
    assert loaded.name == "small-0.5"
    assert loaded.collect.detect_probability == 0.5
    assert loaded.households.latent_issues_per_year == row["latent_issues_per_year"]
    assert loaded.staff.hours_per_week.information_officer == row["officer_hours_per_week"]
    small = district["small"]
    expected = calibration.with_resolvable_scale(
        small.with_changes(
            {
                "collect.detect_probability": 0.5,
                "households.latent_issues_per_year": row["latent_issues_per_year"],
                "staff.hours_per_week.information_officer": row["officer_hours_per_week"],
            }
        ),
        small.handle.resolvable_share.as_list(),
        row["resolvable_scale"],
    )
    assert loaded.content_hash() == expected.content_hash()
    rerun = calibration.mean_kpis(loaded, REPLICATIONS)
    for kpi in KPIS:
        assert rerun[kpi] == row[kpi]


UNFITTABLE = """\
name = "unfittable"
[[targets]]
kpi = "issues_collected"
value = {value!r}
tolerance = 0.05

[free]
"collect.detect_probability" = "issues_collected"

[ridge]
key = "households.latent_issues_per_year"
values = [0.45, 0.02]
"""


def test_an_unfittable_target_exits_2_naming_it_and_keeps_the_points_that_fit(district):
    root = district["root"]
    (root / "targets" / "unfittable.toml").write_text(
        UNFITTABLE.format(value=district["means"]["issues_collected"]), encoding="utf-8"
    )
    out = root / "unfittable"
    out.mkdir()
    (out / "small-0.02.toml").write_text("# a point of an earlier fit\n", encoding="utf-8")
    proc = cli(
        "calibrate", "scenarios/small.toml", "--targets", "targets/unfittable.toml",
        "--replications", "2", "--out", "unfittable", cwd=root,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    problem = next(
        line for line in proc.stderr.splitlines() if line.startswith("targets/unfittable.toml: ")
    )
    assert problem.startswith(
        "targets/unfittable.toml: households.latent_issues_per_year = 0.02: issues_collected: "
        "the target"
    )
    assert "beyond what collect.detect_probability can reach" in problem
    assert "1 of 2 ridge values fit" in proc.stderr
    table = [line.split() for line in proc.stdout.splitlines()[3:5]]
    assert [(row[0], row[-1]) for row in table] == [("0.4500", "True"), ("0.0200", "False")]
    # The point that fits is written; the earlier file of the one that does not is gone.
    assert sorted(p.name for p in out.iterdir()) == ["fit.csv", "small-0.45.toml"]


# -- the fitting set as plan points ---------------------------------------------------------


def test_fitting_set_and_uncertainty_points_keep_the_points_that_fit():
    targets = calibration.default_targets(detect_grid=[0.2, 0.4])
    means = {k: v for k, (v, _) in targets.bands.items()}
    good = calibration.FitPoint(
        DEFAULT_RIDGE_KEY,
        0.2,
        {"households.latent_issues_per_year": 0.5},
        {DEFAULT_RIDGE_KEY: 0.2, "households.latent_issues_per_year": 0.5},
        means,
        targets,
    )
    bad = calibration.FitPoint(
        DEFAULT_RIDGE_KEY, 0.4, {}, {DEFAULT_RIDGE_KEY: 0.4}, {}, targets, ("no",)
    )
    assert calibration.fitting_set([good, bad]) == [
        {
            "ridge_value": 0.2,
            "changes": {DEFAULT_RIDGE_KEY: 0.2, "households.latent_issues_per_year": 0.5},
        }
    ]
    assert calibration.uncertainty_points([good, bad]) == [good.changes]
    text = calibration.uncertainty_toml([good, bad])
    assert text.startswith("[uncertainty]\npoints = [")
    spec = UncertaintySpec.model_validate(tomllib.loads(text)["uncertainty"])
    assert spec.points == [good.changes]
    assert good.detect_probability == 0.2 and good.latent_issues_per_year == 0.5
    with pytest.raises(AttributeError):
        _ = good.resolvable_scale


def test_solve_bisects_a_step_that_leaves_the_bracket_and_stops_at_a_bound():
    x, y = calibration._solve(lambda x: x**3, 1.0, 8.0, 1e-3)
    assert y == pytest.approx(8.0, rel=1e-3) and x == pytest.approx(2.0, rel=1e-3)
    calls = []

    def capped(x: float) -> float:
        calls.append(x)
        return min(x, 3.0)

    x, y = calibration._solve(capped, 1.0, 10.0, 1e-3, hi=5.0)
    assert x == 5.0 and y == 3.0 and len(calls) <= 3
    assert math.isfinite(x)
