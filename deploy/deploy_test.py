"""``make deploy-test``: the shared deployment on 127.0.0.1 with two districts, attacked from one.

Run as root (it creates OS users and runs the hub). Steps:

1. ``deploy/install.sh`` (everything the first time; later, gridsim from this checkout);
2. a throwaway PostgreSQL server (``tests/pg_server.py``: initdb, SCRAM for every
   role, 127.0.0.1 only) and one gridsim tenant per district (``create_tenant``);
3. one OS user per district (home 0700), its store URL in ``~/.config/gridsim/store``
   and its password only in ``~/.pgpass`` (0600, the district's own);
4. JupyterHub (configurable-http-proxy from npm) with Dask Gateway as a hub service
   (``deploy/jupyterhub_config.py``, ``deploy/dask_gateway_config.py``);
5. each district's notebook server started through the hub's REST API, and code run
   in a kernel of it over the Jupyter websocket protocol, as a notebook would:
   * **own work**: a small experiment through that district's own Dask Gateway
     cluster, stored in its tenant — must succeed, in both districts;
   * **every way to reach the other district** from the first one's server: gridsim's
     API with the other tenant's name, raw SQL with its own credentials (read, count,
     delete, lock, advisory lock), the other's files (home, ``.pgpass``, store file),
     the other's notebook-server environment in ``/proc``, the other's Dask cluster
     (through the gateway, and straight at the scheduler proxy), the other's role
     with a guessed password — each must fail;
   * afterwards the other district's runs are all still there, unchanged;
6. everything stopped, the OS users' processes ended, the temporary state removed.

Prints one line per check and exits 0 only if every check holds (1 otherwise; 2 when
this machine cannot run it, e.g. not root).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT / "tests"))

import pg_server  # noqa: E402

PREFIX = Path(os.environ.get("GRIDSIM_DEPLOY_PREFIX", "/opt/gridsim"))
VENV = PREFIX / "venv"
DISTRICTS = ("yuelu", "kaifu")
TIMEOUT = 240


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(line: str) -> None:
    """One line of the test's report."""
    print(f"deploy-test: {line}", flush=True)


class Hub:
    """A running JupyterHub and the administrator's token for its REST API."""

    def __init__(self, state: Path, env: dict[str, str], port: int, token: str) -> None:
        self.state, self.port, self.token = state, port, token
        self.log = open(state / "hub.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(VENV / "bin" / "jupyterhub"), "-f", str(DEPLOY / "jupyterhub_config.py")],
            cwd=state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        """The proxy's public URL."""
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """Call the hub's REST API (as the administrator unless ``token`` is given)."""
        import requests

        r = requests.request(
            method,
            f"{self.base}/hub/api{path}",
            headers={"Authorization": f"token {token or self.token}"},
            json=body,
            timeout=30,
        )
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def wait_up(self) -> None:
        """Wait until the hub answers (raises if it exits or takes too long)."""
        import requests

        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}); see {self.log.name}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base}/hub/api", timeout=5).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError("the hub did not come up")

    def start_server(self, user: str) -> None:
        """Create ``user`` in the hub and start their notebook server; wait until ready."""
        with contextlib.suppress(RuntimeError):
            self.api("POST", f"/users/{user}")
        self.api("POST", f"/users/{user}/server")
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{user}")
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(1)
        raise RuntimeError(f"{user}'s server did not become ready")

    def stop(self) -> None:
        """Stop the hub, its proxy and its services."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def run_in_kernel(hub: Hub, user: str, token: str, code: str, timeout: float = 600) -> str:
    """Run ``code`` in a new kernel of ``user``'s server; its stdout (raises on an error)."""
    import requests
    import websocket

    api = f"{hub.base}/user/{user}/api"
    headers = {"Authorization": f"token {token}"}
    kernel = requests.post(f"{api}/kernels", headers=headers, json={}, timeout=60)
    kernel.raise_for_status()
    kid = kernel.json()["id"]
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{hub.port}/user/{user}/api/kernels/{kid}/channels",
        header=[f"Authorization: token {token}"],
        timeout=timeout,
    )
    try:
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": user,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        out: list[str] = []
        error = None
        idle = replied = False
        while not (idle and replied):
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
    finally:
        ws.close()
        requests.delete(f"{api}/kernels/{kid}", headers=headers, timeout=30)
    if error:
        raise RuntimeError(f"{user}'s kernel failed:\n{error}\n{''.join(out)}")
    return "".join(out)


def os_user(name: str) -> pwd.struct_passwd:
    """The district's OS user (created if missing), home 0700."""
    try:
        info = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        info = pwd.getpwnam(name)
    os.chmod(info.pw_dir, 0o700)
    return info


def private_file(user: pwd.struct_passwd, path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as ``user``'s own 0600 file (folders 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in [path.parent, *path.parent.parents]:
        if folder == Path(user.pw_dir) or Path(user.pw_dir) not in folder.parents:
            break
        os.chown(folder, user.pw_uid, user.pw_gid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(path, user.pw_uid, user.pw_gid)


OWN_WORK = textwrap.dedent(
    """
    import json, os, pathlib
    from dask_gateway import Gateway
    from gridsim.experiments import DaskExecutor, Experiment
    from gridsim.store import Workspace

    url = pathlib.Path(os.path.expanduser(os.environ["GRIDSIM_STORE_FILE"])).read_text().strip()
    tenant = {tenant!r}
    exp = Experiment.from_dict(
        {{
            "name": "deploy check",
            "base": "yuelu-2013.toml",
            "replications": 2,
            "seed": 11,
            "variants": [
                {{"name": "base", "changes": {{"district.communities": 8,
                  "district.households": 2400, "simulation.days": 60}}}},
                {{"name": "bigger grids", "changes": {{"district.communities": 8,
                  "district.households": 2400, "simulation.days": 60,
                  "grids.households_per_grid": 500}}}},
            ],
        }},
        root={scenarios!r},
    )
    gateway = Gateway()
    cluster = gateway.new_cluster()
    cluster.scale(1)
    client = cluster.get_client()
    client.wait_for_workers(1, timeout=300)
    with Workspace(tenant, store=url) as ws:
        comparison = exp.run(ws, DaskExecutor(client), progress=False)
        runs = len(ws.list_runs()) if hasattr(ws, "list_runs") else None
    print(json.dumps({{"cluster": cluster.name, "variants": len(comparison.records),
                      "runs": runs, "clusters": [c.name for c in gateway.list_clusters()]}}))
    """
)

ATTACKS = textwrap.dedent(
    """
    import json, os, pathlib, traceback
    other, other_home, other_pid = {other!r}, {other_home!r}, {other_pid}
    other_cluster = {other_cluster!r}
    other_role, other_db = {other_role!r}, {other_db!r}
    tcp = {tcp!r}
    url = pathlib.Path(os.path.expanduser(os.environ["GRIDSIM_STORE_FILE"])).read_text().strip()
    results = {{}}

    def attempt(name, fn):
        try:
            outcome = fn()
        except Exception as exc:  # the attack failed: that is the point
            why = str(exc).splitlines()[0][:160] if str(exc) else ""
            results[name] = ("refused", f"{{type(exc).__name__}}: {{why}}")
        else:
            results[name] = ("ALLOWED", repr(outcome)[:200])

    def gridsim_other_tenant():
        from gridsim.store import Workspace
        with Workspace(other, store=url, create=False) as ws:
            found = ws.list_experiments()
        if not found:
            raise PermissionError("sees nothing of the other tenant")
        return found
    attempt("gridsim API as the other tenant", gridsim_other_tenant)

    import psycopg
    conninfo = "service=gridsim_" + {me!r}  # this district's own role, from its service file

    def sql(statement, want_rows=True):
        def run():
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
                cur = conn.execute(statement)
                rows = cur.fetchall() if want_rows else cur.rowcount
            if want_rows and (not rows or rows == [(0,)]):
                raise PermissionError(f"no rows: {{rows}}")
            if not want_rows and rows in (0, -1):
                raise PermissionError("touched no row")
            return rows
        return run

    attempt("SQL: read the other tenant's runs",
            sql(f"SELECT count(*) FROM gridsim.runs WHERE tenant_id = '{{other}}'"))
    attempt("SQL: delete runs", sql("DELETE FROM gridsim.runs", want_rows=False))
    def other_database():
        with psycopg.connect(f"{{conninfo}} dbname={{other_db}}", connect_timeout=10) as conn:
            return conn.execute("SELECT 1").fetchall()
    attempt("SQL: connect to the other tenant's database with its own role", other_database)
    def lock_table():
        with psycopg.connect(conninfo, connect_timeout=10) as conn:  # in a transaction
            conn.execute("SET lock_timeout = '5s'")
            conn.execute("LOCK TABLE gridsim.runs IN ACCESS EXCLUSIVE MODE")
            return "locked"
    attempt("SQL: lock the runs table (blocks every district)", lock_table)

    def advisory_lock():
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            got = conn.execute("SELECT pg_try_advisory_lock({lock_key})").fetchone()[0]
        if not got:
            raise PermissionError("not granted")
        return got
    attempt("SQL: take an advisory lock (could block other sessions)", advisory_lock)
    attempt("SQL: list the other tenants' login roles",
            sql(f"SELECT rolname FROM pg_roles WHERE rolname = '{{other_role}}'"))
    attempt("SQL: the other tenant's database in the catalogue",
            sql(f"SELECT datname FROM pg_database WHERE datname = '{{other_db}}'"))
    attempt("files: list the other district's home", lambda: os.listdir(other_home))
    attempt("files: read the other district's service file (its password)",
            lambda: pathlib.Path(other_home, ".pg_service.conf").read_text())
    attempt("files: read the other district's store file",
            lambda: pathlib.Path(other_home, ".config/gridsim/store").read_text())
    attempt("/proc: read the other notebook server's environment",
            lambda: pathlib.Path(f"/proc/{{other_pid}}/environ").read_bytes())

    def connect_other_cluster():
        from dask_gateway import Gateway
        return Gateway().connect(other_cluster)
    attempt("Dask Gateway: connect to the other district's cluster", connect_other_cluster)

    def list_other_clusters():
        from dask_gateway import Gateway
        names = [c.name for c in Gateway().list_clusters()]
        if other_cluster not in names:
            raise PermissionError(f"lists only its own: {{names}}")
        return names
    attempt("Dask Gateway: list the other district's clusters", list_other_clusters)

    def scheduler_direct():
        # with this district's own cluster's TLS credentials, straight at the proxy,
        # naming the other district's cluster
        from dask_gateway import Gateway
        from distributed import Client
        mine = Gateway().new_cluster()
        try:
            client = Client(f"gateway://{{tcp}}/{{other_cluster}}", security=mine.security,
                            timeout="15s")
            return client.scheduler_info()
        finally:
            mine.shutdown()
    attempt("Dask: the other scheduler, straight at the proxy with its own certificate",
            scheduler_direct)

    def other_role_guess():
        guess = f"{{conninfo}} user={{other_role}} password={{other}} dbname={{other_db}}"
        with psycopg.connect(guess, connect_timeout=10) as conn:
            return conn.execute("SELECT 1").fetchall()
    attempt("SQL: log in as the other district's role", other_role_guess)
    print(json.dumps(results))
    """
)


def main() -> int:
    """Start the deployment, run the checks, stop everything; 0 if every check held."""
    if os.geteuid() != 0:
        print("deploy-test: run as root (it creates OS users and runs JupyterHub)", file=sys.stderr)
        return 2
    why = pg_server.why_unavailable()
    if why:
        print(f"deploy-test: {why}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    # always: a first run installs everything, a later one reinstalls gridsim from this
    # checkout (so the servers run the code under test) and keeps the rest
    log(f"installing into {PREFIX} (deploy/install.sh)")
    subprocess.run(["bash", str(DEPLOY / "install.sh")], check=True)
    state = Path(tempfile.mkdtemp(prefix="gridsim-deploy-"))
    os.chmod(state, 0o711)  # the clusters' folders below are their users' own
    clusters = state / "clusters"
    pg = pg_server.start()
    hub: Hub | None = None
    failures: list[str] = []
    try:
        # 2-3. tenants, OS users, credentials
        from gridsim.store.credentials import service_url, write_service_file
        from gridsim.store.workspace import create_tenant

        users = {}
        for d in DISTRICTS:
            info = os_user(d)
            users[d] = info
            where = create_tenant(pg.admin_url, d)  # a database and an opaque role of its own
            # the role's password only in the district's own libpq service file (0600)
            staged = state / f"{d}.pg_service.conf"
            write_service_file(staged, d, where.store, where.password)
            service = Path(info.pw_dir) / ".pg_service.conf"
            private_file(info, service, staged.read_text(encoding="utf-8"))
            staged.unlink()
            private_file(
                info, Path(info.pw_dir) / ".config" / "gridsim" / "store", service_url(d) + "\n"
            )
            log(f"district {d}: OS user {info.pw_uid}, own database and role, service file 0600")
        # 4. the hub and the gateway
        hub_port = free_port()
        gateway_port, gateway_tcp = free_port(), free_port()
        admin_token = secrets.token_hex(32)
        env = {
            "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "GRIDSIM_DEPLOY_PREFIX": str(PREFIX),
            "GRIDSIM_HUB_STATE": str(state / "hub"),
            "GRIDSIM_HUB_PORT": str(hub_port),
            "GRIDSIM_DISTRICTS": ",".join(DISTRICTS),
            "GRIDSIM_GATEWAY_PORT": str(gateway_port),
            "GRIDSIM_GATEWAY_TCP_PORT": str(gateway_tcp),
            "GRIDSIM_GATEWAY_TOKEN": secrets.token_hex(32),
            "GRIDSIM_ADMIN_TOKEN": admin_token,
            "GRIDSIM_GATEWAY_CLUSTERS": str(clusters),
        }
        hub = Hub(state, env, hub_port, admin_token)
        hub.wait_up()
        log(f"hub up on 127.0.0.1:{hub_port} ({time.monotonic() - t0:.0f} s)")
        tokens = {}
        for d in DISTRICTS:
            hub.start_server(d)
            tokens[d] = hub.api("POST", f"/users/{d}/tokens", {"note": "deploy-test"})["token"]
            log(f"{d}'s notebook server ready")
        exposed = listening_elsewhere(hub.proc.pid, DISTRICTS)
        if exposed:
            failures.append(f"listening beyond loopback: {exposed}")
        log("every socket of the hub, proxy, gateway and servers listens on 127.0.0.1 only")
        # 5a. own work in each district, through its own Gateway cluster
        own: dict[str, dict[str, Any]] = {}
        for d in DISTRICTS:
            code = OWN_WORK.format(tenant=d, scenarios=str(PREFIX / "scenarios"))
            out = run_in_kernel(hub, d, tokens[d], code)
            own[d] = json.loads(out.strip().splitlines()[-1])
            log(f"{d}: own experiment on its own cluster {own[d]['cluster']}: {own[d]}")
            if own[d]["variants"] != 2:
                failures.append(f"{d}: own experiment did not finish")
        registry = tenants(pg)
        counts_before = count_runs(pg, registry)
        # 5b. from the first district, every way to the second
        a, b = DISTRICTS
        pid = server_pid(b)
        code = ATTACKS.format(
            other=b,
            other_home=users[b].pw_dir,
            other_pid=pid,
            me=a,
            other_role=registry[b][0],
            other_db=registry[b][1],
            other_cluster=own[b]["cluster"],
            tcp=f"127.0.0.1:{gateway_tcp}",
            lock_key=0x67726964,  # any key: tenants may take no advisory lock
        )
        results = json.loads(run_in_kernel(hub, a, tokens[a], code).strip().splitlines()[-1])
        for name, (verdict, detail) in results.items():
            log(f"{a} -> {b}: {name}: {verdict} ({detail})")
            if verdict != "refused":
                failures.append(f"{a} -> {b}: {name} was allowed: {detail}")
        counts_after = count_runs(pg, registry)
        if counts_after != counts_before:
            failures.append(f"runs changed by the attacks: {counts_before} -> {counts_after}")
        log(f"runs per tenant before and after the attacks: {counts_before} / {counts_after}")
        # 5c. and the second district's own work still succeeds
        code = OWN_WORK.format(tenant=b, scenarios=str(PREFIX / "scenarios"))
        out = run_in_kernel(hub, b, tokens[b], code)
        again = json.loads(out.strip().splitlines()[-1])
        log(f"{b}: own experiment again after the attacks: {again}")
        exposed = listening_elsewhere(hub.proc.pid, DISTRICTS)  # the clusters are up now too
        if exposed:
            failures.append(f"listening beyond loopback: {exposed}")
        for d in DISTRICTS:
            hub.api("DELETE", f"/users/{d}/server")
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
        if hub is not None:
            with contextlib.suppress(OSError):
                print((state / "hub.log").read_text()[-6000:], file=sys.stderr)
    finally:
        if hub is not None:
            hub.stop()
        for d in DISTRICTS:  # nothing of a district keeps running
            subprocess.run(["pkill", "-KILL", "-u", d], check=False)
        pg.stop()
        shutil.rmtree(state, ignore_errors=True)
        left = [p.pid for p in _processes(hub.proc.pid if hub else -1, DISTRICTS) if p.is_running()]
        if left:
            failures.append(f"processes still running after the stop: {left}")
    took = time.monotonic() - t0
    if failures:
        for line in failures:
            print(f"deploy-test: FAIL: {line}", file=sys.stderr)
        return 1
    log(f"every check held ({took:.0f} s); everything stopped")
    return 0


def _processes(root_pid: int, users: tuple[str, ...]) -> list[Any]:
    """The hub's process tree and every process of the districts' OS users."""
    import psutil

    found: dict[int, Any] = {}
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(root_pid)
        found[root.pid] = root
        for child in root.children(recursive=True):
            found[child.pid] = child
    for proc in psutil.process_iter(["username"]):
        if proc.info["username"] in users:
            found[proc.pid] = proc
    return list(found.values())


def listening_elsewhere(root_pid: int, users: tuple[str, ...]) -> list[str]:
    """Listening sockets of the deployment's processes not bound to 127.0.0.1."""
    import psutil

    pids = {p.pid for p in _processes(root_pid, users)}
    return [
        f"{c.laddr.ip}:{c.laddr.port} (pid {c.pid})"
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids and c.laddr.ip != "127.0.0.1"
    ]


def server_pid(user: str) -> int:
    """The pid of ``user``'s notebook server (jupyterhub-singleuser)."""
    done = subprocess.run(
        ["pgrep", "-u", user, "-f", "jupyterhub-singleuser"], capture_output=True, text=True
    )
    pids = [int(p) for p in done.stdout.split()]
    if not pids:
        raise RuntimeError(f"no notebook server of {user} running")
    return pids[0]


def tenants(pg: Any) -> dict[str, tuple[str, str]]:
    """Tenant -> (role, database), from gridsim's registry (as the superuser)."""
    import psycopg

    with psycopg.connect(**pg.conninfo("postgres", pg.password)) as conn:
        rows = conn.execute("SELECT tenant, role, database FROM gridsim_admin.tenants").fetchall()
    return {str(t): (str(r), str(d)) for t, r, d in rows}


def count_runs(pg: Any, registry: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Runs per tenant, read as the superuser in each tenant's database."""
    import psycopg

    out = {}
    for tenant, (_, database) in sorted(registry.items()):
        with psycopg.connect(**pg.conninfo("postgres", pg.password, database)) as conn:
            out[tenant] = int(conn.execute("SELECT count(*) FROM gridsim.runs").fetchone()[0])
    return out


if __name__ == "__main__":
    sys.exit(main())
