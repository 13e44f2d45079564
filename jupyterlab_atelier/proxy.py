"""The notebook-server add-on: jupyter-server-proxy finds this through the
`jupyter_serverproxy_servers` entry point and serves the Atelier service at
{base_url}atelier/ of any Jupyter server (plain `jupyter lab`, a JupyterHub single-user
server, a cloud notebook), behind Jupyter's own authentication, with no configuration."""
import sys

from . import SERVICE_DIR
from .node import node_executable


def setup_atelier() -> dict:
    """The server process jupyter-server-proxy starts on first use (a unix socket, the path kept)."""

    def command() -> list:
        return [
            node_executable(),
            str(SERVICE_DIR / "atelier.js"),
            "serve",
            "--socket",
            "{unix_socket}",
            "--base-url",
            "{base_url}",
        ]

    return {
        "command": command,
        "unix_socket": True,
        "absolute_url": True,
        "timeout": 60,
        # The Jupyter server's Python runs notebook jobs; the service's own state is per user.
        "environment": {"ATELIER_PYTHON": sys.executable},
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }
