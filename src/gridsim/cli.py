"""The ``gridsim`` command line.

Exit codes everywhere: 0 ok, 2 user error (bad file, bad option), 1 internal
fault. Errors in scenario files are printed one per line, each naming the
file and the key.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from gridsim._version import __version__
from gridsim.experiments.statistics import summarise
from gridsim.fileio import InputError, display_path
from gridsim.kpis import KPI_DESCRIPTIONS
from gridsim.model import run_scenario
from gridsim.scenario import MAX_SEED, Scenario, load_scenario

app = typer.Typer(
    name="gridsim",
    help="Simulate grid-based grass-roots governance (网格化管理) and compare designs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Options shared by the commands that read or write a workspace.
TenantOption = Annotated[str, typer.Option(help="Tenant (district) the results belong to.")]
StoreOption = Annotated[
    str | None, typer.Option(help="Store: a workspace folder or a database URL.")
]
WorkersOption = Annotated[
    int | None,
    typer.Option(help="Local worker processes (1 = serial; default: all cores).", min=1),
]

USER_ERROR = 2
INTERNAL_ERROR = 1


class UserError(Exception):
    """An error in what the user asked for (exit code 2)."""


def _load(path: Path, roots: list[Path] | None = None) -> Scenario:
    return load_scenario(path, roots=roots or ())


def _is_experiment(path: Path) -> bool:
    """An experiment file names a ``base`` scenario; a scenario file never does."""
    from gridsim.scenario import read_toml

    try:
        return "base" in read_toml(path)  # bounded: a FIFO or a huge file is never read
    except InputError:
        return False  # let the scenario loader report it


ScenarioRootOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--scenario-root",
        metavar="DIR",
        help="Folder that extends, base and communities_csv may lead into, besides the "
        "file's own scenarios tree (repeatable; also GRIDSIM_SCENARIO_ROOT).",
    ),
]


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


def _local_processes(workers: int | None, dask: str | None) -> int:
    """Runs a sweep holds in this machine's memory at once (remote Dask workers: one check)."""
    if dask is not None or workers == 1:
        return 1
    return workers or os.cpu_count() or 1


def _experiment(path: Path, roots: list[Path] | None, processes: int = 1) -> Any:
    """Load an experiment for a command that runs it.

    Its same-design warnings go to stderr, and every distinct design is checked
    to fit in memory ``processes`` runs at a time, before anything is built.
    """
    from gridsim.estimate import check_fits
    from gridsim.experiments import Experiment

    exp = Experiment.from_file(path, roots=roots or ())
    for line in exp.warnings():
        typer.echo(line, err=True)
    shown = display_path(path)
    for v in exp.distinct:
        check_fits(v.scenario, f"{shown}: variant {v.name!r}", processes)
    return exp


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
) -> None:
    """Run a scenario and print its KPIs (mean and 95 % CI over replications).

    The scenario is refused before anything is allocated when its estimated
    peak memory exceeds what the machine has (or GRIDSIM_MAX_MEMORY).
    """
    from gridsim.estimate import check_fits, format_seconds

    spec = _load(scenario, scenario_root)
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
            if _is_experiment(path):
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
                note = f" ({check_fits(_load(path, scenario_root), shown).describe()})"
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
    replications: Annotated[int, typer.Option(help="Replications per evaluation.", min=1)] = 3,
    detect: Annotated[
        str,
        typer.Option(help="Comma-separated detection probabilities along the ridge."),
    ] = "0.2,0.3,0.4,0.5,0.6,0.7,0.8",
    seed: Annotated[int | None, typer.Option(help="Root seed.", min=0, max=MAX_SEED)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Fit the Yuelu 2013 targets; print the set of parameter values that fit."""
    from gridsim.experiments.calibration import TARGETS, fit_table
    from gridsim.experiments.calibration import calibrate as run_calibration

    try:
        grid = [float(x) for x in detect.split(",") if x.strip()]
    except ValueError:
        raise UserError(f"--detect: expected numbers like 0.3,0.5, got {detect!r}") from None
    if not grid or any(not 0 < p < 1 for p in grid):
        raise UserError(f"--detect: every probability must lie in (0, 1), got {detect!r}")
    from gridsim.estimate import check_fits

    spec = _load(scenario, scenario_root)
    check_fits(spec, display_path(scenario))
    say = (lambda line: typer.echo(line, err=True)) if not as_json else None
    points = run_calibration(spec, grid, replications=replications, seed=seed, progress=say)
    table = fit_table(points)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    typer.echo("targets: " + ", ".join(f"{k} {v:,.0f} ±{t:.0%}" for k, (v, t) in TARGETS.items()))
    typer.echo(table.to_string(index=False, float_format=lambda x: f"{x:,.4f}"))


def _workspace(tenant: str, store: str | None, *, create: bool = True) -> Any:
    """The tenant's workspace; ``create=False`` for commands that only read (nothing is made).

    Store problems (a file that is not a store, a missing tenant, a damaged
    store, a malformed URL, an unreachable server) are ``StoreError``s, which
    :func:`main` reports with exit code 2.
    """
    from gridsim.workspace import Workspace

    return Workspace(tenant, store=store, create=create)


class _Stopped(BaseException):
    """A sweep stopped by a signal (a ``BaseException``, like ``KeyboardInterrupt``).

    Attributes:
        signum: The signal.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that stop a sweep cleanly: its workers are killed, finished runs stay stored."""


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """While inside, ``SIGINT`` (Ctrl-C) and ``SIGTERM`` raise :class:`_Stopped`.

    The exception unwinds the sweep: the executor aborts and kills its workers
    (see :meth:`gridsim.experiments.executors.ProcessExecutor.run`), the store keeps every
    run committed so far, an output being written is left out whole (see
    :mod:`gridsim.fileio`). A second signal while that happens ends the
    process at once (its workers follow it, see
    :func:`gridsim.experiments.executors._follow_parent`). Outside the main thread (a
    command called from a thread) signals cannot be handled, and nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave_now(signum: int, _frame: object) -> None:
        os._exit(128 + signum)

    def stop(signum: int, _frame: object) -> None:
        for s in STOP_SIGNALS:
            signal.signal(s, leave_now)
        raise _Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _close(executor: Any) -> None:
    """Close an executor that holds a connection (a Dask client gridsim opened)."""
    close = getattr(executor, "close", None)
    if close is not None:
        close()


def _stopped_exit(stop: _Stopped, kept: str | None = None) -> typer.Exit:
    """Say what a stop by a signal kept, and the exit code for it (128 + the signal)."""
    name = signal.Signals(stop.signum).name
    if kept is None:
        kept = "runs that finished are stored; run the command again to compute the rest"
    typer.echo(f"gridsim: stopped by {name} ({kept})", err=True)
    return typer.Exit(128 + stop.signum)


@app.command()
def compare(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    workers: WorkersOption = None,
    dask: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    tenant: TenantOption = "default",
    store: StoreOption = None,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Add replications until every KPI's CI half-width ≤ this × mean.", min=0.0
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Run an experiment (only what the store lacks) and print paired comparisons."""
    from gridsim.experiments.executors import make_executor

    if workers is not None and dask is not None:
        raise UserError("--workers and --dask: choose one")
    exp = _experiment(experiment, scenario_root, _local_processes(workers, dask))
    executor = make_executor(workers, dask)  # an unreachable scheduler fails before a store is made
    try:
        ws = _workspace(tenant, store)
    except BaseException:
        _close(executor)
        raise
    try:
        with _stop_on_signals():
            result = exp.run(ws, executor, precision=precision, progress=progress and not as_json)
    except _Stopped as stop:
        raise _stopped_exit(stop) from None
    finally:
        _close(executor)
    table = result.table
    n = (
        int(result.runs.groupby("variant")["replication"].nunique().min())
        if len(result.runs)
        else 0
    )
    if as_json:
        out = {
            "experiment": exp.name,
            "tenant": tenant,
            "baseline": exp.baseline.name,
            "seed": exp.spec.seed,
            "replications": n,
            "variants": [v.name for v in exp.variants],
            "comparison": [
                {k: (_json_number(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in table.to_dict(orient="records")
            ],
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{exp.name} — {len(exp.variants)} variants × {n} replications, seed {exp.spec.seed}, "
        f"baseline: {exp.baseline.name}"
    )
    for variant in [v.name for v in exp.variants]:
        rows = table[table["variant"] == variant]
        is_base = variant == exp.baseline.name
        typer.echo("")
        typer.echo(f"== {variant}" + (" (baseline)" if is_base else f" vs {exp.baseline.name}"))
        head = f"{'KPI':<22} {'mean':>12} {'95% CI':>26}"
        if not is_base:
            head += f" {'paired Δ':>12} {'95% CI of Δ':>26} {'Δ %':>8}"
        typer.echo(head)
        for _, r in rows.iterrows():
            line = (
                f"{r['kpi']:<22} {_fmt(r['mean']):>12} "
                f"{'[' + _fmt(r['ci95_lo']) + ', ' + _fmt(r['ci95_hi']) + ']':>26}"
            )
            if not is_base:
                pct = "—" if math.isnan(r["diff_pct"]) else f"{r['diff_pct']:+.1f}%"
                ci_diff = f"[{_fmt_signed(r['diff_lo'])}, {_fmt_signed(r['diff_hi'])}]"
                line += f" {_fmt_signed(r['diff']):>12} {ci_diff:>26} {pct:>8}"
            typer.echo(line)
    if exp.spec.design is not None and exp.spec.design.method in ("sobol", "morris"):
        for kpi in exp.spec.kpis:
            sens = result.sensitivity(kpi)
            if sens is not None:
                typer.echo(f"\nsensitivity of {kpi} ({exp.spec.design.method}):")
                typer.echo(sens.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


@app.command()
def report(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write index.html and the figures into.")
    ],
    lang: Annotated[
        str, typer.Option(help="Report language: en (English) or zh (简体中文).")
    ] = "en",
    tenant: TenantOption = "default",
    store: StoreOption = None,
    workers: WorkersOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scenario_root: ScenarioRootOption = None,
) -> None:
    """Run what the store lacks, then write a self-contained HTML report with figures."""
    from gridsim.experiments.executors import make_executor
    from gridsim.reports.html import write_report
    from gridsim.reports.i18n import LANGS, FontNotFoundError, font_family

    if lang not in LANGS:
        raise UserError(f"--lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    try:
        font_family(lang)  # a Chinese report without a Chinese font fails before any run
    except FontNotFoundError as exc:
        raise UserError(str(exc)) from None
    exp = _experiment(experiment, scenario_root, _local_processes(workers, None))
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} exists and is not a folder")
    ws = _workspace(tenant, store)
    executor = make_executor(workers)
    kept = None
    try:
        with _stop_on_signals():
            try:
                result = exp.run(ws, executor, progress=progress)
            finally:
                _close(executor)
            kept = f"all runs are stored; {out} is as before, or holds the whole new report"
            page = write_report(result, out, lang=lang)
    except _Stopped as stop:
        raise _stopped_exit(stop, kept) from None
    typer.echo(f"report written to {page}")


def _fmt_signed(x: float) -> str:
    if math.isnan(x):
        return "—"
    return ("+" if x > 0 else "") + _fmt(x)


experiments_app = typer.Typer(help="Experiments held in a workspace.", no_args_is_help=True)
runs_app = typer.Typer(help="Runs held in a workspace.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants (districts) of a deployment.", no_args_is_help=True)
app.add_typer(experiments_app, name="experiments")
app.add_typer(runs_app, name="runs")
app.add_typer(tenant_app, name="tenant")


@experiments_app.command("list")
def experiments_list(
    tenant: TenantOption = "default",
    store: StoreOption = None,
) -> None:
    """List the tenant's experiments."""
    frame = _workspace(tenant, store, create=False).list_experiments()
    if not len(frame):
        typer.echo("no experiments")
        return
    frame["variants"] = [len((s or {}).get("variants", [])) for s in frame["spec"]]
    frame["baseline"] = [(s or {}).get("baseline", "") for s in frame["spec"]]
    typer.echo(frame.drop(columns=["spec"]).to_string(index=False))


@runs_app.command("list")
def runs_list(
    experiment: Annotated[str | None, typer.Option(help="Only this experiment.")] = None,
    tenant: TenantOption = "default",
    store: StoreOption = None,
) -> None:
    """List the tenant's stored runs, with the model fingerprint each was computed with."""
    from gridsim.fingerprint import short
    from gridsim.store import current_model_version

    frame = _workspace(tenant, store, create=False).list_runs(experiment)
    if not len(frame):
        typer.echo("no runs")
        return
    frame["model"] = [short(v) for v in frame["model_version"]]
    shown = [
        "experiment",
        "scenario_name",
        "replication",
        "scenario_hash",
        "model",
        "seed",
        "wall_seconds",
        "created_at",
        "issues_collected",
        "issues_resolved",
    ]
    typer.echo(frame[[c for c in shown if c in frame.columns]].to_string(index=False))
    current = current_model_version()
    older = int((frame["model_version"] != current).sum())
    line = f"model now: {short(current)}"
    if older:
        line += (
            f"; {older} run(s) of another model are kept but not reused "
            "(an experiment computes them again)"
        )
    typer.echo(line)


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="Tenant name (lower case, digits, _).")],
    store: Annotated[
        str | None,
        typer.Option(help="Workspace folder, or an admin PostgreSQL URL for a shared deployment."),
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password of the tenant's database role (PostgreSQL).")
    ] = None,
) -> None:
    """Set a tenant up: its own database file (SQLite) or login role (PostgreSQL)."""
    from gridsim.workspace import create_tenant

    try:
        where = create_tenant(store, name, password=password)
    except ValueError as exc:
        if isinstance(exc, InputError):  # a StoreError: main reports it
            raise
        raise UserError(str(exc)) from None
    typer.echo(f"tenant {name} {'created' if where.created else 'ready'}: {where.store}")
    if where.password is not None and password is None:  # generated: the only time it is shown
        typer.echo(f"password of role {name} (shown this once; keep it safe): {where.password}")


def _is_store_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a ``gridsim.store.StoreError`` (without importing SQLAlchemy)."""
    store = sys.modules.get("gridsim.store")
    return store is not None and isinstance(exc, store.StoreError)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _os_error_message(exc: OSError) -> str | None:
    """One line for an operating-system error the user can fix (disk full, no permission).

    Returns:
        The line, or None for any other ``OSError`` (reported as an internal error).
    """
    where = f": {exc.filename}" if exc.filename else ""
    if exc.errno in _DISK_FULL:
        return (
            f"no space left on the disk{where}; free space and run again "
            "(runs already stored are kept)"
        )
    if exc.errno in _NOT_ALLOWED:
        return f"{exc.strerror or 'not allowed'}{where}; check the permissions"
    return None


def main() -> None:
    """Entry point: run the app, mapping errors to exit codes 2 (user) and 1 (internal)."""
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit
        if isinstance(code, int) and code:
            sys.exit(code)
    except InputError as exc:  # ScenarioError, every refused file, every StoreError
        prefix = "gridsim: " if _is_store_error(exc) else ""
        for line in exc.problems:
            print(f"{prefix}{line}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except UserError as exc:
        print(f"gridsim: {exc}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except OSError as exc:
        message = _os_error_message(exc)
        if message is None:
            print(f"gridsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            sys.exit(INTERNAL_ERROR)
        print(f"gridsim: {message}", file=sys.stderr)
        sys.exit(USER_ERROR)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("gridsim: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error (typer's bundled click): message and exit code 2
            sys.exit(exc.exit_code)
        print(f"gridsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(INTERNAL_ERROR)


if __name__ == "__main__":
    main()
