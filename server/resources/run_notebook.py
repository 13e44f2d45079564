"""Executes a notebook headless for an Atelier training job.

Usage: run_notebook.py SOURCE.ipynb OUTPUT.ipynb

Hyperparameters arrive as JSON in ATELIER_PARAMETERS ({"name": "value"}); like papermill,
they are set in a cell inserted after the cell tagged "parameters" (or first). Output of the
cells goes to stdout/stderr as it is produced, so the job's log follows the notebook live.
The executed notebook is written to OUTPUT.ipynb, also when a cell fails.
"""
import ast
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def literal(value):
    """The value as Python source: numbers, booleans and None as such, anything else a string."""
    try:
        parsed = ast.literal_eval(value)
        if isinstance(parsed, (int, float, bool, type(None))):
            return repr(parsed)
    except (ValueError, SyntaxError):
        pass
    return repr(value)


def inject(nb, params):
    names = [n for n in params if n.isidentifier()]
    if not names:
        return
    source = "# Parameters from the Atelier training job\n" + "\n".join(
        f"{name} = {literal(params[name])}" for name in names
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    index = 0
    for i, existing in enumerate(nb.cells):
        if "parameters" in existing.get("metadata", {}).get("tags", []):
            index = i + 1
            break
    nb.cells.insert(index, cell)


class StreamingClient(NotebookClient):
    """Writes each cell's stream output and errors to the log as they arrive."""

    def output(self, outs, msg, display_id, cell_index):
        kind = msg["msg_type"]
        content = msg.get("content", {})
        if kind == "stream":
            target = sys.stderr if content.get("name") == "stderr" else sys.stdout
            target.write(content.get("text", ""))
            target.flush()
        elif kind == "error":
            sys.stderr.write("\n".join(content.get("traceback", [])) + "\n")
            sys.stderr.flush()
        return super().output(outs, msg, display_id, cell_index)


def main():
    source, target = sys.argv[1], sys.argv[2]
    # The kernel's debugger warns about frozen modules on every start: not the job's output.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(source, as_version=4)
    inject(nb, json.loads(os.environ.get("ATELIER_PARAMETERS") or "{}"))
    client = StreamingClient(
        nb,
        timeout=None,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": os.getcwd()}},
    )
    status = 0
    try:
        client.execute()
    except CellExecutionError:
        status = 1
    finally:
        nbformat.write(nb, target)
    print(f"[atelier] executed notebook saved as {os.path.basename(target)}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
