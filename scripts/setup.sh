#!/usr/bin/env bash
# Installs what Atelier needs and builds it: Debian packages (as root; otherwise prints the
# apt-get line), npm packages, a Python virtual environment (.venv) with PyPI's JupyterLab at
# pinned versions (requirements/), then the service, the extension, and the wheel, which it
# installs into .venv as a user's `pip install jupyterlab-atelier` would.
# Usage: scripts/setup.sh [--test]   (--test adds what the test suite needs: Chromium, awscli,
# Slurm, JupyterHub)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Node 20 or newer.
if ! command -v node >/dev/null 2>&1; then
  echo "atelier: Node.js 20 or newer is required (https://nodejs.org or Debian's nodejs package)." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "atelier: Node.js 20 or newer is required; this is $(node --version)." >&2
  exit 1
fi

# Debian packages: Python with venv (JupyterLab itself comes from PyPI into .venv).
debs=(python3 python3-venv)
# Tests also use Debian's Chromium, awscli as a peer client reading back what Atelier wrote,
# and a real Slurm (controller, node daemon, munge) for the Slurm executor.
[ "$want_test" = 1 ] && debs+=(chromium awscli slurm-wlm)
missing=()
for pkg in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "atelier: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "atelier: these Debian packages are missing. Install them with:" >&2
    echo "" >&2
    echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "" >&2
    exit 1
  fi
fi

# npm packages, exactly as locked; reinstalled when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "atelier: installing npm packages"
  # npm install, not npm ci: the lock cannot list optional bindings for other platforms that
  # the registry here does not serve, and npm ci refuses such a lock. The lock still pins versions.
  npm install --no-audit --no-fund --loglevel=error
fi

# pip, quieter: a machine whose pip configuration names find-links folders that do not exist
# warns once per package; those lines say nothing about Atelier.
pip_quiet() {
  .venv/bin/python -m pip "$@" --disable-pip-version-check 2> >(grep -v "^WARNING: Location '.*' is ignored" >&2)
}

# Python: a virtual environment with exactly the pinned packages; reinstalled when the pins change.
requirements=requirements/run.txt
[ "$want_test" = 1 ] && requirements=requirements/test.txt
stamp=".venv/.atelier-$(basename "$requirements" .txt)"
if [ ! -x .venv/bin/python ]; then
  echo "atelier: creating the Python environment .venv"
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ -n "$(find requirements -newer "$stamp" -print -quit)" ]; then
  echo "atelier: installing Python packages ($requirements)"
  pip_quiet install -q -r "$requirements"
  touch "$stamp"
fi

# Build only when a source changed since the last build (a stamp in .venv records it), so
# that a start on a built checkout takes seconds.
build_stamp=.venv/.atelier-build
sources=(src server/src server/resources packages/api/src style schema package.json package-lock.json pyproject.toml
  tsconfig.json server/tsconfig.json server/package.json packages/api/tsconfig.json packages/api/package.json
  scripts/build-service.js jupyterlab_atelier install.json)
outputs_missing=0
for output in server/lib/cli.js labextensions/jupyterlab-atelier/package.json jupyterlab_atelier/service/atelier.js; do
  [ -f "$output" ] || outputs_missing=1
done
if [ "$outputs_missing" = 1 ] || [ ! -f "$build_stamp" ] || \
  [ -n "$(find "${sources[@]}" -type f -newer "$build_stamp" -not -path '*/__pycache__*' -not -path 'jupyterlab_atelier/service*' -print -quit 2>/dev/null)" ] || \
  ! .venv/bin/python -c 'import jupyterlab_atelier' 2>/dev/null; then
  echo "atelier: building"
  touch "$build_stamp.next"
  # Compiled files whose source is gone (a module that became a folder) would still be found
  # first by require(): remove them before the build.
  if [ -d server/lib ]; then
    find server/lib -name '*.js' | while read -r out; do
      rel=${out#server/lib/}
      [ -f "server/src/${rel%.js}.ts" ] || rm -f "$out" "${out%.js}.d.ts" "$out.map"
    done
  fi
  npm run --silent build:package >/dev/null

  # The wheel, as users get it, installed into .venv: `jupyter lab` there has Atelier.
  rm -rf dist
  pip_quiet wheel -q --no-build-isolation --no-deps -w dist . >/dev/null
  pip_quiet install -q --no-deps --force-reinstall dist/jupyterlab_atelier-*.whl
  mv "$build_stamp.next" "$build_stamp"
else
  echo "atelier: up to date (nothing changed since the last build)"
fi
