"""JupyterHub for a shared gridsim deployment: one notebook server per district, as its OS user.

Read by ``jupyterhub -f deploy/jupyterhub_config.py`` (as root). Settings come
from the environment, so an administrator (or ``make deploy-test``) sets them
once in the hub's service file:

``GRIDSIM_DEPLOY_PREFIX``   where ``deploy/install.sh`` installed (``/opt/gridsim``)
``GRIDSIM_HUB_STATE``       the hub's own files: database, cookie secret (root only)
``GRIDSIM_HUB_PORT``        the public port of the proxy, on 127.0.0.1 (8000)
``GRIDSIM_DISTRICTS``       the districts, comma-separated: each is a hub user, an OS
                            user of the same name and a gridsim tenant
``GRIDSIM_GATEWAY_PORT``    Dask Gateway's HTTP port on 127.0.0.1 (8001)
``GRIDSIM_GATEWAY_TCP_PORT`` its scheduler port (8786)
``GRIDSIM_GATEWAY_TOKEN``   the API token the hub and the gateway share
``GRIDSIM_ADMIN_TOKEN``     an API token for the administrator's scripts (optional)

What keeps districts apart here:

* each notebook server runs as the district's own OS user (``LocalProcessSpawner``),
  its home 0700, so one district's files (notebooks, SQLite workspaces, the
  ``~/.pgpass`` holding its database password) are unreadable to another;
* the database password is in that file, not in the server's environment
  (which other users could read through ``/proc`` if it were theirs to read;
  the spawner passes none);
* Dask Gateway runs as a hub service and starts each district's clusters as
  that district's OS user, reachable only with the district's hub token over
  TLS (the gateway's per-cluster certificates);
* the hub, the proxy and the gateway listen on 127.0.0.1 only.
"""

# ruff: noqa: F821  (``c`` is the config object JupyterHub provides)
import os
from pathlib import Path

prefix = Path(os.environ.get("GRIDSIM_DEPLOY_PREFIX", "/opt/gridsim"))
state = Path(os.environ.get("GRIDSIM_HUB_STATE", "/var/lib/gridsim-hub"))
state.mkdir(parents=True, exist_ok=True, mode=0o700)
here = Path(__file__).resolve().parent
venv = prefix / "venv"
hub_port = int(os.environ.get("GRIDSIM_HUB_PORT", "8000"))
gateway_port = int(os.environ.get("GRIDSIM_GATEWAY_PORT", "8001"))
gateway_tcp_port = int(os.environ.get("GRIDSIM_GATEWAY_TCP_PORT", "8786"))
districts = [d for d in os.environ.get("GRIDSIM_DISTRICTS", "").split(",") if d]

c = get_config()

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = hub_port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [
    str(prefix / "node" / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub_port + 1}"
c.JupyterHub.hub_port = hub_port + 2

# Districts log in with their OS accounts (PAM); only the listed ones may.
c.Authenticator.allowed_users = set(districts)
c.Authenticator.admin_users = set()

# Each district's server runs as its own OS user, from the shared venv.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(venv / "bin" / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.LocalProcessSpawner.shell_cmd = []
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL"]
c.Spawner.environment = {
    "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # a notebook's Gateway() reaches the district's own clusters through the hub
    "DASK_GATEWAY__ADDRESS": f"http://127.0.0.1:{hub_port}/services/dask-gateway",
    "DASK_GATEWAY__PROXY_ADDRESS": f"gateway://127.0.0.1:{gateway_tcp_port}",
    "DASK_GATEWAY__PUBLIC_ADDRESS": "/services/dask-gateway/",
    "DASK_GATEWAY__AUTH__TYPE": "jupyterhub",
    # gridsim's store: the URL (no password) in ~/.config/gridsim/store; libpq reads the
    # password from ~/.pgpass (0600)
    "GRIDSIM_STORE_FILE": "~/.config/gridsim/store",
}

# Dask Gateway as a hub service: the hub starts it, districts' tokens authenticate to it.
gateway_token = os.environ.get("GRIDSIM_GATEWAY_TOKEN", "")
services = []
roles = []
if gateway_token:
    services.append(
        {
            "name": "dask-gateway",
            "api_token": gateway_token,
            "url": f"http://127.0.0.1:{gateway_port}",
            "command": [
                str(venv / "bin" / "dask-gateway-server"),
                "-f",
                str(here / "dask_gateway_config.py"),
            ],
            "environment": {
                "GRIDSIM_DEPLOY_PREFIX": str(prefix),
                "GRIDSIM_GATEWAY_PORT": str(gateway_port),
                "GRIDSIM_GATEWAY_TCP_PORT": str(gateway_tcp_port),
                "GRIDSIM_GATEWAY_STATE": str(state / "gateway"),
                "GRIDSIM_GATEWAY_CLUSTERS": os.environ.get(
                    "GRIDSIM_GATEWAY_CLUSTERS", "/var/lib/gridsim-clusters"
                ),
            },
            "oauth_no_confirm": True,
        }
    )
    roles.append(
        {"name": "dask-gateway", "scopes": ["read:users:name"], "services": ["dask-gateway"]}
    )
    # districts may use the gateway service, and so may their notebook servers' tokens
    roles.append({"name": "user", "scopes": ["self", "access:services!service=dask-gateway"]})
    c.Spawner.server_token_scopes = [
        "users:activity!user",
        "access:servers!server",
        "access:services!service=dask-gateway",
    ]
admin_token = os.environ.get("GRIDSIM_ADMIN_TOKEN", "")
if admin_token:
    services.append({"name": "gridsim-admin", "api_token": admin_token})
    roles.append(
        {
            "name": "gridsim-admin",
            "scopes": ["admin:users", "admin:servers", "tokens", "read:hub"],
            "services": ["gridsim-admin"],
        }
    )
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
