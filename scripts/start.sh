#!/usr/bin/env bash
# Starts Atelier: JupyterLab with every feature on the local platform, after installing and
# building what is missing. Arguments go to `atelier lab` (e.g. --port 9999 --workspace DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/setup.sh"
# The environment's JupyterLab runs the notebook server and notebook jobs.
export PATH="$here/.venv/bin:$PATH"
exec node "$here/server/lib/cli.js" lab "$@"
