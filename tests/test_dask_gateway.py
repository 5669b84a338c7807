"""Issue 13, point 3: a tenant's runs execute only on compute that tenant controls.

Against a real ``dask-gateway-server`` (:mod:`gateway_server`, 127.0.0.1
only, per-user passwords) and a real PostgreSQL server (:mod:`pg_server`):

* a sweep through the gateway runs on a cluster of the tenant's own, which
  another authenticated user can neither see, connect to, nor reach directly
  (the scheduler's TLS port wants the cluster's certificate), and a wrong
  password is refused; the cluster is shut down when the sweep ends;
* a plain shared scheduler (``tcp://``) is refused for a PostgreSQL tenant
  before anything is written — with the issue's attack in mind: whoever can
  reach such a scheduler can ``client.run`` code in its workers and falsify
  the tenant's stored results — while an SQLite workspace may use it;
* a scheduler that requires TLS client certificates, and an in-process
  cluster, are accepted.

Without dask-gateway or PostgreSQL binaries the tests are skipped, except
under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from tests.gridsim_cli import in_process

import gateway_server
import gridsim
import pg_server
from gridsim.experiments import Experiment
from gridsim.experiments.executors import (
    DaskExecutor,
    close_gateway,
    gateway_executor,
    shared_compute,
)
from gridsim.fileio import InputError
from gridsim.store.workspace import Workspace, create_tenant

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src"

TINY = {
    "district.communities": 4,
    "district.households": 2000,
    "district.streets": 2,
    "simulation.days": 30,
}


def _need(reason: str | None) -> None:
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but this cannot run: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def gateway() -> Iterator[gateway_server.GatewayServer]:
    _need(gateway_server.why_unavailable())
    server = gateway_server.start(["alpha", "beta"], SRC)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pg() -> Iterator[pg_server.PgServer]:
    _need(pg_server.why_unavailable())
    server = pg_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def alpha_url(pg: pg_server.PgServer) -> str:
    """Tenant alpha's PostgreSQL store, with its password (Python may take it in the URL)."""
    return create_tenant(pg.admin_url, "alpha", "alpha-pw").url_with_password()


def experiment(name: str) -> Experiment:
    return Experiment.from_dict(
        {
            "name": name,
            "base": "yuelu-2013.toml",
            "replications": 2,
            "variants": [{"name": "base", "changes": dict(TINY)}],
        },
        root=ROOT / "scenarios",
    )


def test_a_sweep_runs_on_the_tenants_own_gateway_cluster(
    gateway: gateway_server.GatewayServer, alpha_url: str
) -> None:
    from dask_gateway import Gateway

    executor = gateway_executor(gateway.address, 1, auth=gateway.auth("alpha"))
    alpha = Gateway(gateway.address, auth=gateway.auth("alpha"))
    try:
        assert shared_compute(executor) is None
        assert str(executor.client.scheduler.address).startswith("gateway://127.0.0.1:")
        assert [c.name for c in alpha.list_clusters()] == [executor.cluster.name]
        with Workspace("alpha", store=alpha_url) as ws:
            result = experiment("on-gateway").run(ws, executor, progress=False)
            stored = ws.load_runs("on-gateway")
    finally:
        executor.close()
    assert sorted(r.replication for r in stored) == [0, 1]
    scenario = experiment("on-gateway").variants[0].scenario
    here = gridsim.run_scenario(scenario, replication=1)
    there = next(r for r in stored if r.replication == 1)
    assert there.kpis == pytest.approx(here.kpis, nan_ok=True)  # the same numbers anywhere
    assert len(result.runs) == 2
    assert alpha.list_clusters() == []  # shut down with the sweep
    close_gateway(alpha)


def test_other_users_cannot_reach_a_tenants_cluster(
    gateway: gateway_server.GatewayServer,
) -> None:
    import aiohttp
    from dask_gateway import Gateway
    from distributed import Client
    from distributed.security import Security

    executor = gateway_executor(gateway.address, 1, auth=gateway.auth("alpha"))
    try:
        name = executor.cluster.name
        direct = executor.client.scheduler_info()["address"]  # the scheduler's own TLS port
        assert direct.startswith("tls://127.0.0.1:")
        beta = Gateway(gateway.address, auth=gateway.auth("beta"))
        guessed = Gateway(gateway.address, auth=gateway.auth("alpha", "guessed"))
        try:
            assert beta.list_clusters() == []
            with pytest.raises(aiohttp.ClientResponseError, match="403"):
                beta.connect(name)
            with pytest.raises(aiohttp.ClientResponseError, match="401"):
                guessed.list_clusters()
        finally:
            close_gateway(beta)
            close_gateway(guessed)
        with pytest.raises(InputError, match="refused the credentials"):
            gateway_executor(gateway.address, 1, auth=gateway.auth("beta", "guessed"))
        # A raw Dask client: through the gateway's proxy, and straight to the scheduler.
        with pytest.raises((TypeError, OSError, ValueError)):
            Client(executor.client.scheduler.address, timeout=5)
        with pytest.raises(OSError):
            Client(direct, security=Security.temporary(), timeout=5)
        with pytest.raises(OSError):
            Client(direct.replace("tls://", "tcp://"), timeout=5)
        assert executor.client.run(lambda: 1)  # alpha's own client still works
    finally:
        executor.close()


def test_an_unreachable_gateway_is_a_user_error() -> None:
    with pytest.raises(InputError, match="cannot start a Dask Gateway cluster"):
        gateway_executor("http://127.0.0.1:1", 1)


@pytest.fixture
def plain_scheduler() -> Iterator[Any]:
    """A shared Dask scheduler with no TLS: tcp://127.0.0.1:PORT, one worker thread."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
            protocol="tcp://",
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_a_plain_scheduler_is_refused_for_a_postgres_tenant(
    plain_scheduler: Any, alpha_url: str, tmp_path: Path
) -> None:
    executor = DaskExecutor(plain_scheduler)
    assert "plain (tcp) scheduler" in (shared_compute(executor) or "")
    with Workspace("alpha", store=alpha_url) as ws:
        with pytest.raises(InputError, match="runs only on compute it controls") as caught:
            experiment("on-plain").run(ws, executor, progress=False)
        assert "client certificates" in str(caught.value) and "Gateway" in str(caught.value)
        assert ws.get_experiment("on-plain") is None  # nothing written
    # An SQLite workspace is its OS user's own: that user may choose any compute.
    with Workspace("alpha", store=tmp_path / "ws") as ws:
        experiment("on-plain").run(ws, executor, progress=False)
        assert len(ws.list_runs("on-plain")) == 2


def _alpha_service_and_experiment(
    tmp_path: Path, alpha_url: str, name: str, replications: int
) -> tuple[Path, Path]:
    """Alpha's 0600 libpq service file, and a tiny experiment on the shipped baseline."""
    url = make_url(alpha_url)
    service = tmp_path / "pg_service.conf"
    service.write_text(
        f"[gridsim_alpha]\nhost={url.host}\nport={url.port}\ndbname={url.database}\n"
        f"user={url.username}\npassword={url.password}\n"
    )
    service.chmod(0o600)
    exp_file = tmp_path / "scenarios" / "tiny.toml"
    exp_file.parent.mkdir()
    (exp_file.parent / "yuelu-2013.toml").write_text(
        (ROOT / "scenarios" / "yuelu-2013.toml").read_text()
    )
    exp_file.write_text(
        f'name = "{name}"\nbase = "yuelu-2013.toml"\nreplications = {replications}\n'
        '[[variants]]\nname = "base"\n[variants.changes]\n'
        + "".join(f'"{k}" = {v}\n' for k, v in TINY.items())
    )
    return service, exp_file


def test_the_command_line_refuses_a_plain_scheduler_for_a_postgres_tenant(
    plain_scheduler: Any, alpha_url: str, tmp_path: Path
) -> None:
    service, exp_file = _alpha_service_and_experiment(tmp_path, alpha_url, "cli-plain", 1)
    address = plain_scheduler.scheduler.address
    code, err = run_cli(
        "compare", str(exp_file), "--dask", address, "--tenant", "alpha",
        "--store", "postgresql:///?service=gridsim_alpha", "--no-progress",
        env={"PGSERVICEFILE": str(service)},
    )  # fmt: skip
    assert code == 2, err
    assert f"--dask: {address} is a plain (tcp) scheduler" in err and err.count("\n") == 1


def test_tls_with_client_certificates_and_in_process_clusters_are_accepted(
    alpha_url: str,
) -> None:
    from distributed import Client, LocalCluster
    from distributed.security import Security

    security = Security.temporary()  # a CA, and a certificate for scheduler, workers, client
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, protocol="tls://",
            host="127.0.0.1", security=security,
        ) as cluster,
        Client(cluster, security=security) as client,
        Workspace("alpha", store=alpha_url) as ws,
    ):  # fmt: skip
        executor = DaskExecutor(client)
        assert shared_compute(executor) is None
        experiment("on-tls").run(ws, executor, progress=False)
        assert len(ws.list_runs("on-tls")) == 2
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        assert str(client.scheduler.address).startswith("inproc://")
        assert shared_compute(DaskExecutor(client)) is None


def test_the_command_line_runs_on_a_gateway(
    gateway: gateway_server.GatewayServer, alpha_url: str, tmp_path: Path
) -> None:
    """``gridsim compare --dask http://GATEWAY``: credentials from the Dask configuration."""
    import dask.config

    config = tmp_path / "dask"
    config.mkdir(mode=0o700)
    gateway_yaml = config / "gateway.yaml"
    gateway_yaml.write_text(
        "gateway:\n  auth:\n    type: basic\n    kwargs:\n"
        f"      username: alpha\n      password: {gateway.passwords['alpha']}\n"
    )
    gateway_yaml.chmod(0o600)
    service, exp_file = _alpha_service_and_experiment(tmp_path, alpha_url, "cli-gateway", 2)
    env = {"DASK_CONFIG": str(config), "PGSERVICEFILE": str(service)}
    try:
        code, err = run_cli(
            "compare", str(exp_file), "--dask", gateway.address, "--workers", "1",
            "--tenant", "alpha", "--store", "postgresql:///?service=gridsim_alpha",
            "--no-progress", env=env, refresh_dask=True,
        )  # fmt: skip
    finally:
        dask.config.refresh()
    assert code == 0, err
    with Workspace("alpha", store=alpha_url) as ws:
        assert len(ws.list_runs("cli-gateway")) == 2


def run_cli(*args: str, env: dict[str, str], refresh_dask: bool = False) -> tuple[int, str]:
    """``gridsim ARGS`` in-process with ``env`` set: (exit code, stderr)."""
    if refresh_dask:  # read DASK_CONFIG as a new process would (it is read at import)
        import dask.config

        dask.config.refresh(paths=[*dask.config.paths, env["DASK_CONFIG"]])
    code, _, err = in_process(list(args), env=env)
    assert "Traceback" not in err, err
    return code, err
