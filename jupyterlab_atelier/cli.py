"""The `atelier` command of the Python package: runs the service (server/src/cli.ts, bundled)
on Node.js, with this Python as the one that runs JupyterLab and notebook jobs."""
import os
import sys

from . import SERVICE_DIR
from .node import node_executable


def main() -> None:
    try:
        node = node_executable()
    except RuntimeError as error:
        sys.stderr.write(f"atelier: {error}\n")
        sys.exit(1)
    env = dict(os.environ)
    # The JupyterLab this package was installed beside, unless the user chose another.
    env.setdefault("ATELIER_PYTHON", sys.executable)
    script = str(SERVICE_DIR / "atelier.js")
    os.execve(node, [node, script, *sys.argv[1:]], env)


if __name__ == "__main__":
    main()
