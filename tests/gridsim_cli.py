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


def in_process(args: list[str]) -> tuple[int, str, str]:
    """Run the ``gridsim`` entry point in this process: exit code, stdout, stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    import pytest

    from gridsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out), redirect_stderr(err):
        mp.setattr(sys, "argv", ["gridsim", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
