"""Dask Gateway for a shared gridsim deployment: each district's clusters run as its OS user.

Started by JupyterHub as the ``dask-gateway`` service (``deploy/jupyterhub_config.py``),
which passes ``JUPYTERHUB_API_TOKEN``/``JUPYTERHUB_API_URL`` and the settings below:

* ``LocalBackend`` (:class:`DistrictBackend`, with an upstream bug fixed) starts
  every cluster's scheduler and workers as the requesting district's OS user (the
  gateway runs as root for that), in a working folder of theirs (0700) holding the
  cluster's own TLS certificate and key;
* districts authenticate with their JupyterHub token (``JupyterHubAuthenticator``),
  and see, connect to and stop only their own clusters;
* the HTTP API and the scheduler proxy listen on 127.0.0.1 only; scheduler traffic
  is TLS with the cluster's certificate, so a district that guesses another's
  cluster address cannot talk to its scheduler.
"""

# ruff: noqa: F821  (``c`` is the config object dask-gateway-server provides)
import os
from pathlib import Path

from dask_gateway_server.backends.local import LocalBackend

prefix = Path(os.environ.get("GRIDSIM_DEPLOY_PREFIX", "/opt/gridsim"))
venv = prefix / "venv"
state = Path(os.environ.get("GRIDSIM_GATEWAY_STATE", "/var/lib/gridsim-hub/gateway"))
state.mkdir(parents=True, exist_ok=True, mode=0o700)
port = int(os.environ.get("GRIDSIM_GATEWAY_PORT", "8001"))
tcp_port = int(os.environ.get("GRIDSIM_GATEWAY_TCP_PORT", "8786"))


class DistrictBackend(LocalBackend):
    """``LocalBackend`` with its working-folder set-up fixed.

    dask-gateway-server 2026.3.0's ``LocalBackend.setup_working_directory`` extends
    its list of paths to hand to the cluster's user with each certificate path's
    *characters* (``paths.extend(path)``), so ``chown`` fails on a file named like
    the first character and no cluster starts. This is the same set-up with the two
    certificate files handed over as whole paths.
    """

    def setup_working_directory(self, cluster):  # pragma: no cover - runs in the gateway
        """The cluster's working folder, its certificate and key, all its user's own."""
        workdir = os.path.join(self.clusters_directory, cluster.name)
        certsdir = self.get_certs_directory(workdir)
        logsdir = self.get_logs_directory(workdir)
        paths = [workdir, certsdir, logsdir]
        for path in paths:
            os.makedirs(path, 0o700, exist_ok=True)
        cert_path, key_path = self._get_tls_paths(workdir)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        for path, data in [(cert_path, cluster.tls_cert), (key_path, cluster.tls_key)]:
            with os.fdopen(os.open(path, flags, 0o600), "wb") as f:
                f.write(data)
            paths.append(path)
        self.set_file_permissions(paths, cluster.username)
        return workdir


c = get_config()
c.DaskGateway.backend_class = DistrictBackend
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.DaskGateway.address = "127.0.0.1:0"  # the private API, reached through the proxy
c.DaskGateway.db_url = f"sqlite:///{state / 'gateway.sqlite'}"
c.Proxy.address = f"127.0.0.1:{port}"
c.Proxy.prefix = "/services/dask-gateway"  # the hub proxies that path to this service
c.Proxy.tcp_address = f"127.0.0.1:{tcp_port}"
# each cluster's working folder is its user's own (0700); their parent only lets them in
clusters = Path(os.environ.get("GRIDSIM_GATEWAY_CLUSTERS", "/var/lib/gridsim-clusters"))
clusters.mkdir(parents=True, exist_ok=True)
os.chmod(clusters, 0o711)
c.LocalBackend.clusters_directory = str(clusters)
c.LocalBackend.inherited_environment = ["LANG", "LC_ALL"]
c.LocalClusterConfig.environment = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
c.LocalClusterConfig.scheduler_cmd = [str(venv / "bin" / "dask"), "scheduler"]
c.LocalClusterConfig.worker_cmd = [str(venv / "bin" / "dask"), "worker"]
c.ClusterConfig.cluster_max_workers = 2
c.ClusterConfig.idle_timeout = 600
c.ClusterConfig.worker_cores = 1
c.ClusterConfig.worker_memory = "2 G"
