"""Where replications run: in this process, in local worker processes, or on Dask.

Every executor takes a list of :class:`Task` and yields ``(task, payload)``
pairs *as runs complete*, so the caller can store each one at once. A task
carries everything a run needs — the resolved scenario as JSON data, the seed
and the replication — and :func:`run_task` turns it into a payload: the plain
JSON-compatible one of :func:`simulate`, or, for a task with ``encode=True``
(what :meth:`gridsim.experiments.Experiment.run` asks for), the store's row
format, encoded in the worker so that the driver only inserts it. Seeds never
depend on the executor, the number of workers or the order of completion, so
results are bit-identical whichever runs them.

- :class:`SerialExecutor` — one run after another, here.
- :class:`ProcessExecutor` — the embedded default: joblib's loky worker
  processes. Unlike a spawn-based ``ProcessPoolExecutor``, loky also runs
  functions and objects defined in a notebook. Its workers never outlive the
  process that started them (see :func:`_follow_parent`).
- :class:`DaskExecutor` — a ``distributed.Client`` or a scheduler address
  (``tcp://HOST:8786``); needs the ``dask`` extra.
- :func:`gateway_executor` — a Dask cluster of the tenant's own, started
  through a Dask Gateway (``http(s)://GATEWAY``: authenticated, one cluster
  per user, reached only with that cluster's TLS credentials) and shut down
  when the sweep ends.

**Whose compute.** Whoever can reach a Dask scheduler can run code in its
workers (``client.run``) and so read or change the results of every run
they compute before they are stored; insert-if-absent stores never correct
such a row. A tenant of a PostgreSQL deployment therefore runs only on
compute it controls (:func:`shared_compute`): its own processes, a gateway
cluster of its own, or a scheduler that requires TLS client certificates.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from gridsim.fileio import InputError
from gridsim.kpi_registry import DAILY_COLUMNS, GRID_COLUMNS
from gridsim.model import run_scenario
from gridsim.scenario import Scenario

if TYPE_CHECKING:
    from gridsim.model.kpis import RunResult
    from gridsim.store import EncodedResult


@dataclass(frozen=True)
class Task:
    """One replication of one variant.

    Attributes:
        variant: Variant name within the experiment.
        scenario_hash: Content hash of the resolved scenario.
        replication: Replication number.
        seed: Root seed of the experiment.
        scenario: The resolved scenario as JSON data.
        encode: Return the result in the store's row format
            (:class:`~gridsim.store.EncodedResult`, JSON text made in the
            worker) rather than the plain payload; what sweeps that write to
            a store ask for.
        model: The model fingerprint the submitting process files the result
            under; a worker running another model (a Dask worker with another
            gridsim installed) refuses the task instead of computing a result
            that would be stored under the wrong key. ``None``: not checked.
    """

    variant: str
    scenario_hash: str
    replication: int
    seed: int
    scenario: dict[str, Any]
    encode: bool = False
    model: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        """``(scenario_hash, replication)``: what identifies the run's result."""
        return (self.scenario_hash, self.replication)


type Payload = dict[str, Any] | EncodedResult
"""What an executor yields for a task: :func:`simulate`'s plain payload, or
the store's row format (:class:`~gridsim.store.EncodedResult`) for a task
with ``encode=True``."""


def _clean(values: Iterable[float]) -> list[float | None]:
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in values]


def _run(task: Task) -> RunResult:
    scenario = Scenario.model_validate(task.scenario)
    return run_scenario(scenario, seed=task.seed, replication=task.replication)


def _tables(result: RunResult) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The daily series (as integers) and per-grid columns (as floats) a run keeps."""
    # Straight from the run's columns: no data frame is built in a worker.
    daily = {c: result.column("daily", c).astype(int) for c in DAILY_COLUMNS}
    grids = {c: result.column("grids", c).astype(float) for c in GRID_COLUMNS}
    return daily, grids


def simulate(task: Task) -> dict[str, Any]:
    """Run one task and return its JSON-compatible payload.

    Args:
        task: The task.

    Returns:
        ``{"kpis", "daily", "grids", "wall_seconds"}`` with plain numbers and
        lists (NaN as ``None``).
    """
    result = _run(task)
    daily, grids = _tables(result)
    return {
        "kpis": dict(zip(result.kpis, _clean(float(v) for v in result.kpis.values()), strict=True)),
        "daily": {c: values.tolist() for c, values in daily.items()},
        "grids": {c: _clean(values.tolist()) for c, values in grids.items()},
        "wall_seconds": result.wall_seconds,
    }


def _encode(result: RunResult) -> EncodedResult:
    """A run in the store's row format, straight from its arrays (see :func:`encode_payload`)."""
    from gridsim.store import EncodedResult, json_text  # SQLAlchemy: only where runs are stored

    daily, grids = _tables(result)
    return EncodedResult(
        kpis=json_text({k: float(v) for k, v in result.kpis.items()}),
        daily=json_text({"day": np.arange(result.rows("daily")), **daily}),
        grids=json_text({"grid": np.arange(result.rows("grids")), **grids}),
        wall_seconds=float(result.wall_seconds),
    )


def encode_payload(payload: Payload) -> EncodedResult:
    """A :func:`simulate` payload in the store's row format.

    The same text a worker makes for a task with ``encode=True``: the daily
    series with a ``day`` column first, the grid table with a ``grid`` column
    first, NaN as ``null``. For executors that call :func:`simulate`
    themselves rather than :func:`run_task`.

    Args:
        payload: A payload; an :class:`~gridsim.store.EncodedResult` is returned as is.

    Returns:
        The encoded result.
    """
    from gridsim.store import EncodedResult, json_text

    if isinstance(payload, EncodedResult):
        return payload
    daily, grids = payload["daily"], payload["grids"]
    n_days = len(next(iter(daily.values()), []))
    n_grids = len(next(iter(grids.values()), []))
    return EncodedResult(
        kpis=json_text(payload["kpis"]),
        daily=json_text({"day": list(range(n_days)), **daily}),
        grids=json_text({"grid": list(range(n_grids)), **grids}),
        wall_seconds=float(payload["wall_seconds"]),
    )


def run_task(task: Task) -> Payload:
    """What executors run for a task (in a worker): :func:`simulate`, encoded if asked.

    With ``task.encode`` the worker, not the process that writes the store,
    turns the result into JSON text.

    Args:
        task: The task.

    Returns:
        The plain payload, or the store's row format if ``task.encode``.
    """
    if task.model is not None:
        from gridsim.store import current_model_version

        here = current_model_version()
        if here != task.model:
            import socket

            from gridsim.fingerprint import short

            raise ModelMismatchError(
                f"a worker on {socket.gethostname()} runs another gridsim model (fingerprint "
                f"{short(here)}, the sweep's is {short(task.model)}): install the same gridsim "
                "on the workers, or run with --workers"
            )
    if task.encode:
        return _encode(_run(task))
    return simulate(task)


class ModelMismatchError(InputError):
    """A worker's model fingerprint differs from the submitting process's (exit code 2)."""


class Executor(Protocol):
    """Runs tasks and yields results as they complete."""

    workers: int

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, Payload]]:
        """Yield ``(task, payload)`` for every task, in completion order."""
        ...


@dataclass
class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers: int = 1

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, Payload]]:
        """Yield results in task order, freeing each run's memory as it ends.

        As in the worker processes (see :func:`_simulate_in_worker`), every
        run is followed by a full garbage collection, kept cheap by freezing
        the objects that were alive before the sweep for its duration
        (:func:`gc.freeze`, undone by :func:`gc.unfreeze` at the end, which
        also thaws anything the caller had frozen).
        """
        gc.freeze()
        try:
            for task in tasks:
                payload = run_task(task)
                gc.collect()
                yield task, payload
        finally:
            gc.unfreeze()


def _simulate_pair(task: Task) -> tuple[Task, Payload]:
    return task, run_task(task)


_heap_frozen = False
"""Whether this (worker) process has moved its long-lived objects out of the GC's way."""


def _simulate_in_worker(task: Task) -> tuple[Task, Payload]:
    """:func:`run_task` in a local worker process, then free the run's memory at once.

    A run leaves reference cycles (the Mesa model and its agents) that only the
    cyclic garbage collector frees. Left to its thresholds, a worker held two
    or three years' worth of arrays (RSS ~640 MB instead of ~340 MB for
    Yuelu), its heap fragmented, and loky's leak check (RSS more than 300 MB
    above the worker's size after its first task, after a collection)
    restarted it: a cold start of several seconds in the middle of a sweep. So
    each task ends with a full collection; after the first, every object then
    alive (imports, compiled code) is frozen out of the collector's way
    (:func:`gc.freeze`), which makes that collection ~5 ms instead of ~150 ms.
    """
    global _heap_frozen
    try:
        return task, run_task(task)
    finally:
        gc.collect()
        if not _heap_frozen:
            gc.freeze()
            _heap_frozen = True


PARENT_POLL_SECONDS = 0.25
"""How often a worker checks that its parent lives, where it cannot wait for it (no pidfd)."""


def _wait_for_parent_exit(parent_pid: int) -> None:
    """Return once process ``parent_pid``, this process's parent, has ended.

    On Linux a pidfd of the parent becomes readable when it ends: the thread
    sleeps in ``select`` and wakes only then. Elsewhere (or if the pidfd cannot
    be had) the parent pid is polled every :data:`PARENT_POLL_SECONDS`: an
    orphan is adopted by another process, so ``os.getppid()`` changes.
    """
    pidfd = None
    with contextlib.suppress(AttributeError, OSError):  # no pidfd_open: not Linux >= 5.3
        pidfd = os.pidfd_open(parent_pid)
    try:
        # Checked after opening the pidfd: a parent that ended before could have
        # had its pid reused, and the pidfd would then watch another process.
        if pidfd is not None and os.getppid() == parent_pid:
            select.select([pidfd], [], [])
            return
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _watch_parent(parent_pid: int) -> None:
    _wait_for_parent_exit(parent_pid)
    os._exit(1)  # at once, even in the middle of a run: nobody is left to take its result


_followed_parent: int | None = None
"""The driver this worker follows (set by its first task; see :func:`_follow_parent`)."""


def _in_worker(
    simulate: Callable[[Task], tuple[Task, Payload]], task: Task, parent_pid: int
) -> tuple[Task, Payload]:
    """What a loky worker runs per task: follow the driver (once), then ``simulate(task)``.

    Following the driver from the first task rather than from a pool
    ``initializer`` keeps loky's reusable pool reusable: a pool is restarted
    whenever a call names another initializer, so every other joblib call in the
    same process (a notebook's, a benchmark's probe) would cost the next sweep a
    cold start of its workers (~2 s). The check costs one comparison per task.
    """
    if _followed_parent != parent_pid:
        _follow_parent(parent_pid)
    return simulate(task)


def _follow_parent(parent_pid: int) -> None:
    """The worker ends when the process that started it ends (called on its first task).

    A worker busy with a run when its driver is killed (``SIGKILL``, a crash, a
    ``SIGTERM`` outside the command line) would otherwise finish that run, and
    then wait for the next one for ever: it holds both ends of one of loky's
    queue pipes, so it never reads the end of the file that tells an idle
    worker its driver is gone (found alive 11 minutes after the kill), and
    loky's resource trackers wait for it. A daemon thread waits for the parent
    to end (:func:`_wait_for_parent_exit`) and then ends the worker at once
    (within 0.1-0.2 s of a ``SIGKILL``, measured mid-run). It costs nothing
    per task. ``prctl(PR_SET_PDEATHSIG)`` would be simpler
    but fires when the *thread* that started the worker ends, and loky starts
    replacement workers from its manager thread (or from whichever thread
    called it), not the process's main thread.

    ``SIGINT`` is ignored: a Ctrl-C in a terminal reaches the whole process
    group, and it is the driver that stops the sweep and ends its workers (see
    :meth:`ProcessExecutor.run`); a worker would only report a run that failed
    with ``KeyboardInterrupt``.

    Args:
        parent_pid: Process id of the driver, which loky makes the worker's parent.
    """
    global _followed_parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent_pid:  # the driver ended before this worker started
        os._exit(1)
    _followed_parent = parent_pid
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="gridsim-follow-parent", daemon=True
    ).start()


@dataclass
class ProcessExecutor:
    """Runs tasks in local worker processes (joblib / loky).

    Workers are loky's reusable pool, kept between sweeps of one process. They
    never outlive it: each ends as soon as the process that started it has
    ended, however it ended (see :func:`_follow_parent`), and a sweep that stops
    early (an exception, ``KeyboardInterrupt``, the caller leaving the loop)
    kills the workers at once rather than letting them finish queued runs.

    Attributes:
        workers: Worker processes (default: the machine's cores).
    """

    workers: int = 0

    def __post_init__(self) -> None:
        if self.workers <= 0:
            self.workers = os.cpu_count() or 1

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, Payload]]:
        """Yield results as the workers finish them.

        If the iteration stops before the end (an exception here or in the
        caller, a signal turned into one, the generator closed), joblib aborts:
        the workers are killed, and the next sweep starts new ones.
        """
        if not tasks:
            return
        from joblib import Parallel, delayed

        parallel = Parallel(
            n_jobs=self.workers,
            backend="loky",
            return_as="generator_unordered",
            batch_size=1,
        )
        driver = os.getpid()
        outputs = parallel(delayed(_in_worker)(_simulate_in_worker, t, driver) for t in tasks)
        try:
            yield from outputs
        finally:
            outputs.close()  # stopped early: joblib kills the workers (a no-op once finished)


@dataclass
class DaskExecutor:
    """Runs tasks on a Dask cluster.

    Attributes:
        client: A ``distributed.Client``, or a scheduler address such as
            ``tcp://127.0.0.1:8786``.
    """

    client: Any
    workers: int = 0
    cluster: Any = None
    """A Dask Gateway cluster this executor started, shut down by :meth:`close`."""
    gateway: Any = None
    """The ``dask_gateway.Gateway`` that started :attr:`cluster`, closed by :meth:`close`."""

    def __post_init__(self) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("Dask is not installed: pip install 'gridsim[dask]'") from exc
        self._owns_client = isinstance(self.client, str)
        if self._owns_client:
            address = self.client
            try:
                self.client = Client(address, timeout="20s")
            except ValueError as exc:  # malformed: no port, a port that is no number, a scheme
                why = "the port must be a number" if "invalid literal" in str(exc) else str(exc)
                raise InputError(
                    f"--dask: scheduler address {address!r} is malformed ({why}); write it as "
                    "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
                ) from None
            except OSError as exc:  # refused, unreachable, timed out (TimeoutError is one)
                raise InputError(
                    f"--dask: cannot reach the Dask scheduler at {address} ({exc}); start it "
                    "(dask scheduler) or check the address"
                ) from None
        info = self.client.scheduler_info(n_workers=-1)
        self.workers = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, Payload]]:
        """Yield results as the cluster finishes them."""
        if not tasks:
            return
        from distributed import as_completed

        futures = self.client.map(_simulate_pair, tasks, pure=False)
        for future in as_completed(futures, loop=self.client.loop):
            yield future.result()
            future.release()

    def close(self) -> None:
        """Close the client if this executor opened it, and shut its gateway cluster down."""
        if self._owns_client or self.cluster is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.shutdown()
            self.cluster.close()  # closes the cluster's own Gateway client too
            _forget_loop(getattr(self.cluster, "gateway", None))
            self.cluster = None
        if self.gateway is not None:
            close_gateway(self.gateway)
            self.gateway = None


GATEWAY_WORKERS = 2
"""Workers of a gateway cluster when ``--workers`` does not say."""


def is_gateway_address(address: Any) -> bool:
    """Whether ``--dask`` names a Dask Gateway (``http(s)://``) rather than a scheduler."""
    return isinstance(address, str) and address.startswith(("http://", "https://"))


def close_gateway(gateway: Any) -> None:
    """Close a ``dask_gateway.Gateway`` once and for all.

    dask-gateway's ``Gateway.__del__`` closes it again, which fails once its
    event loop has stopped ("Accessing the loop property while the loop is
    not running"); it skips a gateway without a loop runner, so the closed
    gateway's is dropped.

    Args:
        gateway: The gateway client.
    """
    try:
        gateway.close()
    finally:
        _forget_loop(gateway)


def _forget_loop(gateway: Any) -> None:
    """Drop a closed gateway client's loop runner, so that its ``__del__`` does nothing."""
    with contextlib.suppress(AttributeError):
        del gateway._loop_runner


def _collect_failed_clusters() -> None:
    """Finalise a failed ``GatewayCluster`` now, while no Dask event loop is starting.

    A cluster that failed to start keeps its own ``Gateway`` in a reference
    cycle with the exception's frames; left to the garbage collector, that
    gateway's ``__del__`` (which stops an event loop) can run inside a later
    ``distributed.Client`` start in the same thread and deadlock on the loop
    runner's lock (seen in tests/test_dask_gateway.py). Collected here, after
    the exception is gone, it closes harmlessly.
    """
    import gc

    gc.collect()


def gateway_executor(
    address: str, workers: int | None = None, *, auth: Any = None, timeout: float = 120.0
) -> DaskExecutor:
    """Start a Dask cluster of one's own through a Dask Gateway, and run on it.

    The gateway authenticates the user (``auth``, else the ``gateway.auth``
    section of the Dask configuration, e.g. ``~/.config/dask/gateway.yaml``:
    never a command line), starts a scheduler and workers for that user
    alone and gives only this client the cluster's TLS credentials. The
    cluster is shut down by :meth:`DaskExecutor.close`.

    Args:
        address: The gateway, e.g. ``http://127.0.0.1:8000``.
        workers: Workers to start (default :data:`GATEWAY_WORKERS`).
        auth: A ``dask_gateway`` auth object (``BasicAuth``, ``JupyterHubAuth``,
            ...) or its name; None for the Dask configuration's.
        timeout: Seconds to wait for the first worker.

    Returns:
        The executor.

    Raises:
        InputError: If dask-gateway is missing, the gateway cannot be reached,
            refuses the credentials, or starts no worker in time.
    """
    try:
        from dask_gateway import Gateway
        from dask_gateway.client import GatewayClusterError, GatewayServerError
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError(
            f"--dask {address}: a Dask Gateway needs dask-gateway: pip install 'gridsim[dask]'"
        ) from None
    size = workers or GATEWAY_WORKERS
    from aiohttp import ClientError

    gateway = None
    failure: str | None = None
    try:
        gateway = Gateway(address, auth=auth)
        cluster = gateway.new_cluster()
    except (OSError, ValueError, ClientError, GatewayServerError, GatewayClusterError) as exc:
        if gateway is not None:
            close_gateway(gateway)
        text = str(exc).strip() or type(exc).__name__
        why = (
            "the gateway refused the credentials (configure gateway.auth in the Dask "
            "configuration, e.g. ~/.config/dask/gateway.yaml)"
            if any(k in text for k in ("401", "403", "Unauthorized", "Forbidden"))
            else text.splitlines()[0]
        )
        failure = f"--dask {address}: cannot start a Dask Gateway cluster: {why}"
    if failure is not None:
        _collect_failed_clusters()
        raise InputError(failure)
    try:
        cluster.scale(size)
        client = cluster.get_client(set_as_default=False)
        client.wait_for_workers(1, timeout=timeout)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            cluster.shutdown()
        close_gateway(gateway)
        if not isinstance(exc, (OSError, TimeoutError, GatewayClusterError)):
            raise
        failure = (
            f"--dask {address}: the gateway cluster started no worker in {timeout:.0f} s "
            f"({exc}); check the gateway's logs and limits"
        )
    if failure is not None:
        _collect_failed_clusters()
        raise InputError(failure)
    return DaskExecutor(client, cluster=cluster, gateway=gateway)


def shared_compute(executor: Executor) -> str | None:
    """Why others might reach the workers of ``executor``, or None if only its user can.

    This process, its local worker processes, an in-process Dask cluster
    (``inproc://``) and a client holding TLS client credentials for a
    ``tls://`` or gateway scheduler are private; any other Dask scheduler
    (``tcp://``, ``ws://``, or TLS without a client certificate) is one that
    anyone who can reach its address may also use.

    Args:
        executor: The executor.

    Returns:
        The scheduler address and what is missing, or None.
    """
    if not isinstance(executor, DaskExecutor):
        return None
    address = str(getattr(executor.client.scheduler, "address", "") or "")
    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme == "inproc":
        return None
    security = getattr(executor.client, "security", None)
    client_cert = getattr(security, "tls_client_cert", None) or getattr(security, "tls_cert", None)
    if scheme in ("tls", "gateway") and client_cert:
        return None
    if scheme in ("tls", "gateway"):
        return f"{address} is reached over TLS without a client certificate"
    return f"{address} is a plain ({scheme}) scheduler: no TLS, no client certificate"


def refuse_shared_compute(workspace: Any, executor: Executor) -> None:
    """Refuse to run a PostgreSQL tenant's sweep on compute others may reach.

    An SQLite workspace is its OS user's own, so it may use any compute its
    user chooses; a PostgreSQL tenant's runs must be computed where only the
    tenant can reach (:func:`shared_compute`).

    Args:
        workspace: The tenant's workspace (a :class:`gridsim.store.Workspace`).
        executor: Where the runs would be computed.

    Raises:
        InputError: If the workspace is PostgreSQL's and :func:`shared_compute`
            finds a reason.
    """
    if getattr(getattr(workspace, "store", None), "dialect", None) != "postgresql":
        return
    reason = shared_compute(executor)
    if reason is None:
        return
    tenant = workspace.tenant
    raise InputError(
        f"--dask: {reason}; anyone who can reach such a scheduler can run code in its workers "
        f"and change or read tenant {tenant!r}'s results before they are stored, so a "
        "PostgreSQL tenant runs only on compute it controls: use a Dask Gateway "
        "(--dask http(s)://GATEWAY: a cluster of the tenant's own), a scheduler that requires "
        "TLS client certificates (distributed.security.Security with tls_client_cert and "
        "tls_client_key, a tls:// address), or local workers (--workers N)"
    )


def make_executor(workers: int | None = None, dask: Any = None) -> Executor:
    """The executor for a ``--workers`` / ``--dask`` choice.

    Args:
        workers: ``1`` for serial, ``N > 1`` for N local processes,
            ``None`` for one process per core; with a Dask Gateway, the
            cluster's workers.
        dask: A ``distributed.Client``, a scheduler address, or a Dask Gateway
            (``http(s)://``, see :func:`gateway_executor`); wins over ``workers``.

    Returns:
        An executor.
    """
    if is_gateway_address(dask):
        return gateway_executor(dask, workers)
    if dask is not None:
        return DaskExecutor(dask)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers or 0)
