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
