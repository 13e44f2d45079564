"""The bundled JupyterLab: Debian's jupyterlab_server serving Atelier's JupyterLab 4 build.

Started by the Atelier service (`atelier lab`) as `python3 -m atelier_lab` with this folder on
PYTHONPATH when no JupyterLab 4 Python package is installed. The front end is built from the
official @jupyterlab/* npm packages into lab/build (see lab/rspack.config.js); prebuilt
(federated) extensions, Atelier's own among them, load from the labextensions paths.
"""
import json
import logging
import os
import re
import signal
import threading
import time

from jupyter_server.base.handlers import JupyterHandler
from jupyterlab_server import LabServerApp
from jupyterlab_server.handlers import LabHandler, NotFoundHandler
from tornado import web
from tornado.websocket import WebSocketHandler
from traitlets import Bool, default

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")


class _JSONNotFound(JupyterHandler):
    """Unknown /lab/api/* routes answer a JSON 404.

    jupyterlab_server 2.16 answers them with the HTML page and records `notFoundUrl` in the
    page config it shares between requests, so every later page load would show a
    "path not found" dialog.
    """

    def get(self, *args):
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": "Not found"}))

    post = put = patch = delete = get


class _NoNews(JupyterHandler):
    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"news": []}))


class _NoUpdate(JupyterHandler):
    """`GET /lab/api/update`: this Lab is updated with Atelier, not on its own."""

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"notification": None}))


class _Me(JupyterHandler):
    """`GET /api/me` (a jupyter_server 2 API) for the front end's user manager."""

    @web.authenticated
    def get(self):
        name = self.current_user if isinstance(self.current_user, str) else "user"
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": name,
                        "name": name,
                        "display_name": name,
                        "initials": name[:1].upper(),
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class _NoEvents(WebSocketHandler, JupyterHandler):
    """`/api/events/subscribe` (a jupyter_server 2 websocket): open, and silent."""

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return await super().get(*args, **kwargs)

    def check_origin(self, origin):
        return JupyterHandler.check_origin(self, origin)

    def on_message(self, message):
        pass


class _NoLanguageServers(JupyterHandler):
    """`GET /lsp/status`: jupyter-lsp is not installed; say so without an error."""

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"version": 2, "sessions": {}, "specs": {}}))


class _NotFound(NotFoundHandler):
    """The "path not found" page, without writing `notFoundUrl` into the page config that
    jupyterlab_server 2.16 shares between requests (every later page would show the dialog)."""

    def get_page_config(self):
        page_config = dict(LabHandler.get_page_config(self))
        page_config["notFoundUrl"] = self.request.path
        return page_config


class AtelierLabApp(LabServerApp):
    name = "atelier_lab"
    app_name = "JupyterLab"
    app_version = "4.6.4"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = True

    expose_app_in_browser = Bool(
        False, help="Set window.jupyterapp (browser tests)."
    ).tag(config=True)

    @default("static_dir")
    def _static_dir(self):
        return os.path.join(BUILD, "static")

    @default("templates_dir")
    def _templates_dir(self):
        return os.path.join(BUILD, "static")

    @default("schemas_dir")
    def _schemas_dir(self):
        return os.path.join(BUILD, "schemas")

    @default("themes_dir")
    def _themes_dir(self):
        return os.path.join(BUILD, "themes")

    @default("app_settings_dir")
    def _app_settings_dir(self):
        return os.path.join(BUILD, "settings")

    @default("static_url_prefix")
    def _static_url_prefix(self):
        return self.serverapp.base_url.rstrip("/") + "/static/lab/"

    def initialize_handlers(self):
        self.handlers.extend(
            [
                (r"/lab/api/news", _NoNews),
                (r"/lab/api/update", _NoUpdate),
                (r"/lab/api/(?!settings|workspaces|translations|themes|listings|licenses)(.*)", _JSONNotFound),
                (r"/api/me", _Me),
                (r"/api/events/subscribe", _NoEvents),
                (r"/lsp/status", _NoLanguageServers),
            ]
        )
        super().initialize_handlers()
        self.handlers = [
            (h[0], _NotFound, *h[2:]) if len(h) > 1 and h[1] is NotFoundHandler else h for h in self.handlers
        ]

    def initialize_settings(self):
        super().initialize_settings()
        scrub = _ScrubCredentials()
        for logger in (self.serverapp.log, self.log, logging.getLogger("tornado.access")):
            logger.addFilter(scrub)
        # The core extensions left out (extension and plugin managers, whose server side
        # does not exist on jupyter_server 1.x) are listed in build/settings/page_config.json.
        if self.expose_app_in_browser:
            page_config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
            page_config["exposeAppInBrowser"] = True


class _ScrubCredentials(logging.Filter):
    """jupyter_server 1.x logs the URI and Referer of every request that is not a success
    (`302 GET /?token=...`): keep tokens and XSRF values out of the log."""

    _pattern = re.compile(r"((?:token|_xsrf)=)[^&\s\"']+", re.IGNORECASE)

    def filter(self, record):
        message = record.getMessage()
        scrubbed = self._pattern.sub(r"\1[redacted]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def _stop_with_parent():
    """Stop when the Atelier service that started this server is gone (even if it was killed)."""
    parent = os.environ.get("ATELIER_PARENT_PID")
    if not parent or not parent.isdigit():
        return

    def watch():
        while os.getppid() == int(parent):
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="atelier-parent-watch", daemon=True).start()


def _jupyter_server_extension_points():
    return [{"module": "atelier_lab", "app": AtelierLabApp}]


main = launch_new_instance = AtelierLabApp.launch_instance

if __name__ == "__main__":
    # Under `python -m` this module is `__main__`; jupyter_server finds an extension by its
    # module name, so start the copy imported under its own name.
    from atelier_lab import main as _main

    _stop_with_parent()
    _main()
