#!/usr/bin/env bash
# Installs what Atelier needs and builds it: Debian packages (as root; otherwise prints the
# apt-get line), npm packages, then the service, the extension and the bundled JupyterLab.
# Usage: scripts/setup.sh [--test]   (--test adds what the test suite needs: Chromium, awscli, Slurm)
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

# Debian packages: the Jupyter server the bundled Lab runs on, its kernel and terminals, and
# nbclient for notebooks run as training jobs.
debs=(python3-jupyter-server python3-jupyterlab-server python3-ipykernel python3-terminado python3-nbclient)
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

echo "atelier: building"
npm run --silent build >/dev/null
if [ "$want_test" = 1 ]; then
  npm run --silent build:galata >/dev/null
fi
