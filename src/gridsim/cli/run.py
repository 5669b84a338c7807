"""``gridsim run``, ``gridsim validate`` and ``gridsim calibrate``: commands on one scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim.cli.app import app
from gridsim.cli.errors import USER_ERROR, UserError
from gridsim.cli.formatting import check_lang_option, fmt, json_number, pad, width
from gridsim.cli.loading import ScenarioRootOption, is_experiment, load_scenario_file
from gridsim.experiments.statistics import summarise
from gridsim.fileio import InputError, display_path
from gridsim.kpi_registry import kpi
from gridsim.model import run_scenario
from gridsim.reports.i18n import kpi_label
from gridsim.scenario import MAX_SEED


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    seed: Annotated[
        int | None,
        typer.Option(help="Root seed (default: the scenario's).", min=0, max=MAX_SEED),
    ] = None,
    replications: Annotated[int, typer.Option(help="Replications to run.", min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    scenario_root: ScenarioRootOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check the scenario and print the estimate; run nothing."),
    ] = False,
    lang: Annotated[
        str, typer.Option(help="Language of the table: en (English) or zh (简体中文).")
    ] = "en",
) -> None:
    """Run a scenario and print its KPIs (mean and 95 % CI over replications).

    The scenario is refused before anything is allocated when its estimated
    peak memory exceeds what the machine has (or GRIDSIM_MAX_MEMORY).
    """
    from gridsim.estimate import check_fits, format_seconds

    check_lang_option(lang)
    spec = load_scenario_file(scenario, scenario_root)
    est = check_fits(spec, display_path(scenario))
    if dry_run:
        total = format_seconds(est.seconds * replications)
        typer.echo(
            f"{display_path(scenario)}: {est.describe()}; {replications} replication(s) ≈ {total}"
        )
        return
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
                    "mean": json_number(row["mean"]),
                    "ci95": [json_number(row["ci95_lo"]), json_number(row["ci95_hi"])],
                }
                for k, row in table.iterrows()
            },
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    wall = sum(r.wall_seconds for r in results) / len(results)
    if lang == "zh":
        typer.echo(
            f"{spec.name} — {spec.district.name}，随机种子{used_seed}，重复{replications}次，"
            f"每次模拟运行{wall:.2f}秒"
        )
    else:
        typer.echo(
            f"{spec.name} — {spec.district.name}, seed {used_seed}, "
            f"{replications} replication(s), {wall:.2f} s per simulated run"
        )
    names = {k: kpi_label(str(k), lang) if lang == "zh" else str(k) for k in table.index}
    first = max([26, *(width(n) + 1 for n in names.values())])
    head = (
        ("指标", "均值", "95%置信区间", "含义")
        if lang == "zh"
        else ("KPI", "mean", "95% CI", "meaning")
    )
    typer.echo(
        f"{pad(head[0], first)} {pad(head[1], 14, True)} {pad(head[2], 27, True)}  {head[3]}"
    )
    for k, row in table.iterrows():
        ci = f"[{fmt(row['ci95_lo'])}, {fmt(row['ci95_hi'])}]"
        record = kpi(str(k))
        meaning = record.describe(lang) if record is not None else ""
        typer.echo(f"{pad(names[k], first)} {fmt(row['mean']):>14} {ci:>27}  {meaning}")


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario or experiment TOML files.")],
    estimate: Annotated[
        bool,
        typer.Option("--estimate", help="Also print each run's estimated peak memory and time."),
    ] = False,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Check scenario and experiment files: exit 0 if all are valid, 2 with one line per problem.

    Besides the schema, a file is refused when a run of it (of any of an
    experiment's designs) would not fit in memory: its estimated peak memory
    exceeds what the machine has available, or GRIDSIM_MAX_MEMORY.
    """
    from gridsim.estimate import check_fits, format_bytes, format_seconds

    bad = 0
    for path in scenarios:
        shown = display_path(path)
        try:
            if is_experiment(path):
                from gridsim.experiments import Experiment

                exp = Experiment.from_file(path, roots=scenario_root or ())
                for line in exp.warnings():  # accepted, but worth a word
                    typer.echo(line, err=True)
                ests = [  # same designs run once: count each once
                    check_fits(v.scenario, f"{shown}: variant {v.name!r}") for v in exp.distinct
                ]
                largest = max(ests, key=lambda e: e.memory_bytes)
                runs = len(ests) * exp.spec.replications
                seconds = sum(e.seconds for e in ests) * exp.spec.replications
                note = (
                    f" ({len(ests)} designs × {exp.spec.replications} replications: largest run "
                    f"{format_bytes(largest.memory_bytes)}, {runs} runs ≈ "
                    f"{format_seconds(seconds)} on one core)"
                )
            else:
                note = f" ({check_fits(load_scenario_file(path, scenario_root), shown).describe()})"
            typer.echo(f"ok: {path}" + (note if estimate else ""))
        except InputError as exc:
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
    targets_file: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Targets file (TOML): the district's figures, the free parameters and the "
            "ridge (default: Yuelu 2013, scenarios/targets/yuelu-2013.toml).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write the fitting set to: one full scenario file per ridge value "
            "that fits, and fit.csv.",
        ),
    ] = None,
    replications: Annotated[int, typer.Option(help="Replications per evaluation.", min=1)] = 3,
    detect: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated detection probabilities along the ridge "
            "(default: the targets file's ridge, else 0.2,0.3,0.4,0.5,0.6,0.7,0.8)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed.", min=0, max=MAX_SEED)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Fit a district's published figures; print the set of parameter values that fit.

    Without --targets the figures are Yuelu 2013's. Exit code 2 when a ridge
    value cannot be fitted (the lines on stderr say which target and why);
    the points that fit are still printed and written.
    """
    from gridsim.experiments.calibration import (
        DEFAULT_RIDGE_KEY,
        default_targets,
        fit_table,
        read_targets,
        write_fitting_set,
    )
    from gridsim.experiments.calibration import calibrate as run_calibration

    grid: list[float] | None = None
    if detect is not None:
        try:
            grid = [float(x) for x in detect.split(",") if x.strip()]
        except ValueError:
            raise UserError(f"--detect: expected numbers like 0.3,0.5, got {detect!r}") from None
        if not grid or any(not 0 < p < 1 for p in grid):
            raise UserError(f"--detect: every probability must lie in (0, 1), got {detect!r}")
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out: {display_path(out)} is a file, not a folder")
    targets = read_targets(targets_file) if targets_file is not None else default_targets()
    if grid is not None:
        if targets.ridge_key != DEFAULT_RIDGE_KEY:
            raise UserError(
                f"--detect: the ridge of {display_path(targets_file or '')} holds "
                f"{targets.ridge_key}, not {DEFAULT_RIDGE_KEY}; set its [ridge] values instead"
            )
        targets = targets.with_ridge_values(grid)
    from gridsim.estimate import check_fits

    spec = load_scenario_file(scenario, scenario_root)
    check_fits(spec, display_path(scenario))
    say = (lambda line: typer.echo(line, err=True)) if not as_json else None
    points = run_calibration(
        spec, replications=replications, seed=seed, progress=say, targets=targets
    )
    table = fit_table(points)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
    else:
        if targets_file is not None:
            source = f" ({targets.source})" if targets.source else ""
            typer.echo(f"{targets.name}{source}")
        typer.echo("targets: " + targets.describe())
        shown = table.drop(columns=["problem"], errors="ignore")  # on stderr, line by line
        typer.echo(shown.to_string(index=False, float_format=lambda x: f"{x:,.4f}"))
    if out is not None:
        written = write_fitting_set(points, spec, out, table)
        if not as_json:
            typer.echo(f"wrote {len(written)} scenario file(s) and fit.csv to {display_path(out)}")
    where = display_path(targets_file) if targets_file is not None else "gridsim: calibrate"
    failed = [
        f"{where}: {targets.ridge_key} = {p.ridge_value:g}: {problem}"
        for p in points
        if not p.fits
        for problem in (p.problems or ("not every target lies within its band",))
    ]
    if failed:
        fitting = sum(p.fits for p in points)
        raise InputError(
            [
                *failed,
                f"{where}: {fitting} of {len(points)} ridge values fit"
                + ("; the others are not in the fitting set" if fitting else ""),
            ]
        )
