"""A throwaway Dask Gateway for the tests: the real ``dask-gateway-server``, no mocks.

It listens on 127.0.0.1 only (the API and the scheduler proxy each on a free
port), authenticates every request with HTTP Basic auth against per-user
passwords (a small authenticator defined in the generated config, reading a
0600 JSON file), and starts each user's scheduler and workers as local
processes of this interpreter (``UnsafeLocalBackend``: no switch of OS user,
which only a real deployment, as root, does). Each cluster gets its own TLS
credentials from the gateway, as in production.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pg_server import free_port

CONFIG = '''
import base64, json, sys
from dask_gateway_server.auth import SimpleAuthenticator, unauthorized
from dask_gateway_server.models import User


class PasswordsAuthenticator(SimpleAuthenticator):
    """Basic auth: each user's own password, from a JSON file (for the tests)."""

    async def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        kind, _, key = header.partition(" ")
        if kind != "Basic":
            raise unauthorized("Basic")
        user, _, password = base64.b64decode(key).decode().partition(":")
        with open({passwords!r}) as f:
            known = json.load(f)
        if not user or known.get(user) != password:
            raise unauthorized("Basic")
        return User(user)


c.DaskGateway.address = "127.0.0.1:{api_port}"
c.Proxy.address = "127.0.0.1:{proxy_port}"
c.DaskGateway.authenticator_class = PasswordsAuthenticator
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.LocalBackend.clusters_directory = {clusters!r}
c.ClusterConfig.scheduler_cmd = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
c.ClusterConfig.worker_cmd = [sys.executable, "-m", "distributed.cli.dask_worker"]
c.ClusterConfig.worker_cores = 1
c.ClusterConfig.worker_memory = "1 G"
c.ClusterConfig.scheduler_memory = "512 M"
c.ClusterConfig.cluster_max_workers = 2
c.ClusterConfig.idle_timeout = 600
c.ClusterConfig.environment = {environment!r}
'''


def why_unavailable() -> str | None:
    """Why a gateway cannot be started here, or None if it can."""
    try:
        import dask_gateway  # noqa: F401
        import dask_gateway_server  # noqa: F401
    except ImportError as exc:
        return f"dask-gateway / dask-gateway-server are not installed ({exc}): make install"
    return None


@dataclass
class GatewayServer:
    """A running gateway; :meth:`stop` ends it (and every cluster) and removes its files."""

    process: subprocess.Popen[bytes]
    root: Path
    port: int
    passwords: dict[str, str] = field(repr=False)

    @property
    def address(self) -> str:
        """The public address (the gateway's proxy: its API and the schedulers' routes)."""
        return f"http://127.0.0.1:{self.port}"

    def auth(self, user: str, password: str | None = None) -> object:
        """``dask_gateway.BasicAuth`` for a user (its own password unless one is given)."""
        from dask_gateway import BasicAuth

        return BasicAuth(user, self.passwords[user] if password is None else password)

    def log(self) -> str:
        return (self.root / "gateway.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the gateway stops its clusters
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start(users: list[str], src: Path) -> GatewayServer:
    """Start ``dask-gateway-server`` for ``users`` (each gets a random password).

    Args:
        users: The user names the gateway knows.
        src: gridsim's source folder, put on the workers' ``PYTHONPATH``.

    Returns:
        The running gateway (its API answers).
    """
    root = Path(tempfile.mkdtemp(prefix="gridsim-gateway-"))
    passwords = {user: secrets.token_urlsafe(16) for user in users}
    secrets_file = root / "passwords.json"
    secrets_file.write_text(json.dumps(passwords))
    secrets_file.chmod(0o600)
    (root / "clusters").mkdir()
    api_port, proxy_port = free_port(), free_port()
    environment = {"PYTHONPATH": os.pathsep.join([str(src), *sys.path])}
    config = root / "dask_gateway_config.py"
    config.write_text(
        CONFIG.format(
            passwords=str(secrets_file),
            api_port=api_port,
            proxy_port=proxy_port,
            clusters=str(root / "clusters"),
            environment=environment,
        )
    )
    log = (root / "gateway.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dask_gateway_server", "-f", str(config)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": environment["PYTHONPATH"]},
    )
    server = GatewayServer(process, root, proxy_port, passwords)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = server.log()
            server.stop()
            raise RuntimeError(f"dask-gateway-server exited:\n{text}")
        try:
            with urllib.request.urlopen(f"{server.address}/api/health", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    text = server.log()
    server.stop()
    raise RuntimeError(f"dask-gateway-server did not answer in 60 s:\n{text}")
