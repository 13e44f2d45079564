"""Atelier for JupyterLab: the prebuilt labextension and the Atelier service.

Installed with pip, the labextension sits where JupyterLab finds it
(share/jupyter/labextensions/jupyterlab-atelier), and jupyter-server-proxy starts the service
at {base_url}atelier/ of the notebook server (see proxy.py).
"""
import json
from pathlib import Path

HERE = Path(__file__).parent.resolve()

#: The service: one bundled JavaScript file, its resources and its package.json.
SERVICE_DIR = HERE / "service"


def _version() -> str:
    try:
        return json.loads((SERVICE_DIR / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "0.0.0"


__version__ = _version()


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-atelier"}]
