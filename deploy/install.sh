#!/usr/bin/env bash
# Install a shared gridsim deployment on this machine (run as root):
#   - a Python >= 3.12 that every district's OS user can execute (/opt/gridsim/python);
#   - /opt/gridsim/venv with gridsim, JupyterHub, Dask Gateway and the notebook server;
#   - configurable-http-proxy (npm) in /opt/gridsim/node.
# Idempotent: a second run only reinstalls gridsim from this checkout.
#
#   sudo deploy/install.sh [PYTHON]     # PYTHON: an interpreter >= 3.12 (default: found)
#
# Why a copy of Python: the districts' notebook servers run as their own OS users, who
# must be able to execute the interpreter. A pyenv install under /root (as on the CI
# machines) is not reachable by them, so its tree is copied to /opt and its library
# search path made relative (patchelf). A system-wide Python (/usr/bin/python3.12) is
# used as it is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
prefix=${GRIDSIM_DEPLOY_PREFIX:-/opt/gridsim}

[[ $(id -u) -eq 0 ]] || { echo "deploy/install.sh: run as root (it installs into $prefix)" >&2; exit 2; }

find_python() {
  for p in "$@" python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 \
    "$HOME"/.pyenv/versions/3.12*/bin/python3.12; do
    if command -v "$p" >/dev/null 2>&1 &&
      "$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$p"
      return
    fi
  done
  return 1
}

py=$(find_python "${1:-}") || { echo "deploy/install.sh: no Python >= 3.12 found" >&2; exit 2; }
py_prefix=$("$py" -c 'import sys; print(sys.base_prefix)')

# Can an unprivileged user execute it? (nobody exists on every Debian system)
if runuser -u nobody -- "$py" -c 'pass' 2>/dev/null; then
  shared_py=$py
else
  shared_py=$prefix/python/bin/$(basename "$py")
  if [[ ! -x $shared_py ]]; then
    echo "deploy: $py is not executable by other users; copying $py_prefix to $prefix/python"
    command -v patchelf >/dev/null || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null
    }
    mkdir -p "$prefix"
    rm -rf "$prefix/python.tmp"
    cp -a "$py_prefix" "$prefix/python.tmp"
    # every ELF file whose library path names the old prefix: make it relative ($ORIGIN)
    "$py" - "$py_prefix" "$prefix/python.tmp" <<'PY'
import os, subprocess, sys
old, new = sys.argv[1], sys.argv[2]
for folder, _, files in os.walk(new):
    for name in files:
        path = os.path.join(folder, name)
        if os.path.islink(path):
            continue
        with open(path, "rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        rpath = subprocess.run(["patchelf", "--print-rpath", path], capture_output=True,
                               text=True).stdout.strip()
        if old not in rpath:
            continue
        parts = []
        for entry in rpath.split(":"):
            if entry.startswith(old):
                target = new + entry[len(old):]
                entry = "$ORIGIN/" + os.path.relpath(target, folder)
            parts.append(entry)
        subprocess.run(["patchelf", "--set-rpath", ":".join(parts), path], check=True)
PY
    chmod -R a+rX "$prefix/python.tmp"
    mv "$prefix/python.tmp" "$prefix/python"
  fi
  runuser -u nobody -- "$shared_py" -c 'pass' ||
    { echo "deploy: $shared_py still not executable by other users" >&2; exit 1; }
fi

if [[ ! -x $prefix/venv/bin/python ]]; then
  "$shared_py" -m venv "$prefix/venv"
  "$prefix/venv/bin/python" -m pip install -q --upgrade pip
fi
# gridsim itself (not editable: the servers must not read the checkout) and the services
"$prefix/venv/bin/python" -m pip install -q "$repo[dask,notebooks,deploy]" 2>&1 |
  { grep -v "^WARNING: Location 'file:" || true; } >&2
# the same version number from a changed checkout: replace gridsim itself
"$prefix/venv/bin/python" -m pip install -q --no-deps --force-reinstall "$repo" 2>&1 |
  { grep -v "^WARNING: Location 'file:" || true; } >&2
chmod -R a+rX "$prefix/venv"
# the shipped scenarios, read-only for the districts (their own files go in their homes)
rm -rf "$prefix/scenarios"
cp -r "$repo/scenarios" "$prefix/scenarios"
chmod -R a+rX,go-w "$prefix/scenarios"

if [[ ! -x $prefix/node/node_modules/.bin/configurable-http-proxy ]]; then
  mkdir -p "$prefix/node"
  cp "$here/package.json" "$here/package-lock.json" "$prefix/node/"
  (cd "$prefix/node" && npm ci --no-audit --no-fund --silent)
fi
echo "deploy: installed in $prefix (python $("$prefix/venv/bin/python" -c 'import platform; print(platform.python_version())'))"
