"""Stopping a sweep cleanly on ``SIGINT`` or ``SIGTERM``, and the exit code that follows."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import typer


class Stopped(BaseException):
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
def stop_on_signals() -> Iterator[None]:
    """While inside, ``SIGINT`` (Ctrl-C) and ``SIGTERM`` raise :class:`Stopped`.

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
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def stopped_exit(stop: Stopped, kept: str | None = None) -> typer.Exit:
    """Say what a stop by a signal kept, and the exit code for it (128 + the signal)."""
    name = signal.Signals(stop.signum).name
    if kept is None:
        kept = "runs that finished are stored; run the command again to compute the rest"
    typer.echo(f"gridsim: stopped by {name} ({kept})", err=True)
    return typer.Exit(128 + stop.signum)
