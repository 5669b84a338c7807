"""The ``gridsim`` command in a subprocess, as a user runs it (exit codes and streams)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def gridsim(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gridsim.cli ARGS`` in ``cwd`` with ``env`` added to this environment."""
    return subprocess.run(
        [sys.executable, "-m", "gridsim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def in_process(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run the ``gridsim`` entry point in this process: exit code, stdout, stderr.

    ``env`` is added to the environment, ``cwd`` is the working folder and
    ``stdin`` the standard input for the call; all are restored after it. A
    ``SystemExit`` with a message (not a number) counts as exit code 1.
    """
    import io
    from contextlib import redirect_stderr, redirect_stdout

    import pytest

    from gridsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out), redirect_stderr(err):
        mp.setattr(sys, "argv", ["gridsim", *args])
        mp.setattr(sys, "stdin", io.StringIO(stdin))
        for key, value in (env or {}).items():
            mp.setenv(key, value)
        if cwd is not None:
            mp.chdir(cwd)
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()
