"""The ``gridsim`` command line.

Exit codes everywhere: 0 ok, 2 user error (bad file, bad option), 1 internal
fault. Errors in scenario files are printed one per line, each naming the
file and the key.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim import __version__
from gridsim.kpis import KPI_DESCRIPTIONS
from gridsim.model import run_scenario
from gridsim.scenario import Scenario, ScenarioError, load_scenario
from gridsim.summary import summarise

app = typer.Typer(
    name="gridsim",
    help="Simulate grid-based grass-roots governance (网格化管理) and compare designs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

USER_ERROR = 2
INTERNAL_ERROR = 1


class UserError(Exception):
    """An error in what the user asked for (exit code 2)."""


def _load(path: Path) -> Scenario:
    return load_scenario(path)


def _json_number(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "—"
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gridsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Simulate grid-based grass-roots governance (网格化管理) and compare designs."""


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the scenario's).", min=0)
    ] = None,
    replications: Annotated[int, typer.Option(help="Replications to run.", min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Run a scenario and print its KPIs (mean and 95 % CI over replications)."""
    spec = _load(scenario)
    results = [run_scenario(spec, seed=seed, replication=r) for r in range(replications)]
    table = summarise(results)
    used_seed = spec.simulation.seed if seed is None else seed
    if as_json:
        out: dict[str, Any] = {
            "scenario": spec.name,
            "seed": used_seed,
            "replications": replications,
            "kpis": {
                k: {
                    "mean": _json_number(row["mean"]),
                    "ci95": [_json_number(row["ci95_lo"]), _json_number(row["ci95_hi"])],
                }
                for k, row in table.iterrows()
            },
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    wall = sum(r.wall_seconds for r in results) / len(results)
    typer.echo(
        f"{spec.name} — {spec.district.name}, seed {used_seed}, {replications} replication(s), "
        f"{wall:.2f} s per simulated run"
    )
    typer.echo(f"{'KPI':<26} {'mean':>14} {'95% CI':>27}  meaning")
    for k, row in table.iterrows():
        ci = f"[{_fmt(row['ci95_lo'])}, {_fmt(row['ci95_hi'])}]"
        typer.echo(f"{k:<26} {_fmt(row['mean']):>14} {ci:>27}  {KPI_DESCRIPTIONS.get(str(k), '')}")


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
) -> None:
    """Check scenario files: exit 0 if all are valid, 2 with one line per problem."""
    bad = 0
    for path in scenarios:
        try:
            _load(path)
            typer.echo(f"ok: {path}")
        except ScenarioError as exc:
            bad += 1
            for line in exc.problems:
                typer.echo(line, err=True)
    if bad:
        raise typer.Exit(USER_ERROR)


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="Scenario to calibrate.")] = Path(
        "scenarios/yuelu-2013.toml"
    ),
    replications: Annotated[int, typer.Option(help="Replications per evaluation.", min=1)] = 3,
    detect: Annotated[
        str,
        typer.Option(help="Comma-separated detection probabilities along the ridge."),
    ] = "0.2,0.3,0.4,0.5,0.6,0.7,0.8",
    seed: Annotated[int | None, typer.Option(help="Root seed.", min=0)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit the Yuelu 2013 targets; print the set of parameter values that fit."""
    from gridsim.calibration import TARGETS, fit_table
    from gridsim.calibration import calibrate as run_calibration

    try:
        grid = [float(x) for x in detect.split(",") if x.strip()]
    except ValueError:
        raise UserError(f"--detect: expected numbers like 0.3,0.5, got {detect!r}") from None
    if not grid or any(not 0 < p < 1 for p in grid):
        raise UserError(f"--detect: every probability must lie in (0, 1), got {detect!r}")
    spec = _load(scenario)
    say = (lambda line: typer.echo(line, err=True)) if not as_json else None
    points = run_calibration(spec, grid, replications=replications, seed=seed, progress=say)
    table = fit_table(points)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    typer.echo("targets: " + ", ".join(f"{k} {v:,.0f} ±{t:.0%}" for k, (v, t) in TARGETS.items()))
    typer.echo(table.to_string(index=False, float_format=lambda x: f"{x:,.4f}"))


def main() -> None:
    """Entry point: run the app, mapping errors to exit codes 2 (user) and 1 (internal)."""
    try:
        app(standalone_mode=False)
    except ScenarioError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        sys.exit(USER_ERROR)
    except UserError as exc:
        print(f"gridsim: {exc}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("gridsim: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        print(f"gridsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(INTERNAL_ERROR)


if __name__ == "__main__":
    main()
