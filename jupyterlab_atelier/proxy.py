"""The notebook-server add-on: jupyter-server-proxy finds this through the
`jupyter_serverproxy_servers` entry point and serves the Atelier service at
{base_url}atelier/ of any Jupyter server (plain `jupyter lab`, a JupyterHub single-user
server, a cloud notebook), behind Jupyter's own authentication, with no configuration."""
import os
import sys

from . import SERVICE_DIR
from .node import node_executable


def _root_dir() -> str:
    """The Jupyter server's root directory: Atelier's workspace is the one the file browser shows."""
    try:
        from jupyter_server.serverapp import ServerApp

        if ServerApp.initialized():
            return os.path.abspath(os.path.expanduser(ServerApp.instance().root_dir))
    except ImportError:
        pass
    return os.getcwd()


def setup_atelier() -> dict:
    """The server process jupyter-server-proxy starts on first use (a unix socket, the path kept)."""

    def command() -> list:
        # Called when the first request arrives, once the Jupyter server is configured.
        return [
            node_executable(),
            str(SERVICE_DIR / "atelier.js"),
            "serve",
            "--socket",
            "{unix_socket}",
            "--base-url",
            "{base_url}",
            "--workspace",
            _root_dir().replace("{", "{{").replace("}", "}}"),
        ]

    return {
        "command": command,
        "unix_socket": True,
        "absolute_url": True,
        "timeout": 60,
        # This runs inside the Jupyter server: its Python runs notebook jobs, and its process
        # (with the kernels under it) is what the usage figures measure.
        "environment": {
            "ATELIER_PYTHON": sys.executable,
            "ATELIER_JUPYTER_PID": str(os.getpid()),
            # The service tells the front end what this proxy lets through (responses up to 100 MiB).
            "ATELIER_PROXY": "jupyter-server-proxy",
        },
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }
