"""A throwaway PostgreSQL server for the tests: real ``initdb`` + ``pg_ctl``, no mocks.

The cluster lives in a temporary directory, listens only on 127.0.0.1 on a
free port (its unix socket sits in the temporary directory too) and requires
SCRAM passwords for every role, the superuser included, so credentials
matter. PostgreSQL refuses to run as root: when the tests run as root the
server is run as the ``postgres`` OS user through ``runuser``.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (newest Debian version first)."""

    def version(path: str) -> tuple[int, ...]:
        found = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in found.group(1).split(".")) if found else (0,)

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(on_path)
    for initdb in candidates:
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    return None


def why_unavailable() -> str | None:
    """Why a server cannot be started here, or None if it can."""
    if find_bindir() is None:
        return (
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin or on PATH; install them with "
            "'apt-get install postgresql' (.ci/run does this)"
        )
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, but 'runuser' is missing to run PostgreSQL as 'postgres'"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no 'postgres' OS user to run the server as"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a test server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """A running server; :meth:`stop` ends it and removes its files."""

    bindir: Path
    root: Path
    port: int
    password: str = field(repr=False)
    _stopped: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, user: str, password: str | None, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for ``user`` (psycopg driver)."""
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{dbname}"

    @property
    def admin_url(self) -> str:
        return self.url(SUPERUSER, self.password)

    def conninfo(self, user: str, password: str, dbname: str = "postgres") -> dict[str, object]:
        """Keyword arguments for ``psycopg.connect``."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "user": user,
            "password": password,
            "dbname": dbname,
            "connect_timeout": 10,
        }

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        _run(self.bindir / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(program: Path, *args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [*_as_postgres(), str(program), *(str(a) for a in args)]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd="/", timeout=120, check=False, env=_env()
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def start(attempts: int = 3) -> PgServer:
    """Initialise a cluster in a temporary directory and start it on a free port.

    Returns:
        The running server (also stopped at interpreter exit, as a safety net).
    """
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(why_unavailable() or "PostgreSQL not found")
    root = Path(tempfile.mkdtemp(prefix="gridsim-pg-"))
    password = secrets.token_urlsafe(18)
    (root / "socket").mkdir()
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    os.chmod(pwfile, 0o600)
    if os.geteuid() == 0:
        info = pwd.getpwnam("postgres")
        for path in (root, root / "socket", pwfile):
            os.chown(path, info.pw_uid, info.pw_gid)
    _run(
        bindir / "initdb",
        "-D",
        root / "data",
        "-U",
        SUPERUSER,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    )
    pwfile.unlink()
    error = ""
    for _ in range(attempts):
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={root / 'socket'} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c password_encryption=scram-sha-256"
        )
        done = _run(
            bindir / "pg_ctl",
            "start",
            "-D",
            root / "data",
            "-l",
            root / "server.log",
            "-w",
            "-t",
            "60",
            "-o",
            options,
            check=False,
        )
        if done.returncode == 0:
            server = PgServer(bindir=bindir, root=root, port=port, password=password)
            atexit.register(server.stop)
            return server
        error = done.stdout + done.stderr
        with contextlib.suppress(OSError):
            error += (root / "server.log").read_text()
        time.sleep(0.2)
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"could not start PostgreSQL:\n{error}")
