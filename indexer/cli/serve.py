"""`sitesearch serve`: the search API and page, by gunicorn (or Flask's server with --dev)."""

from __future__ import annotations

from typing import Any

import click

from indexer.cli.common import settings_or_exit, warn
from indexer.settings import Settings


@click.command()
@click.option("--host", default=None, help="Address to bind (default: setting `host`).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to bind (default: setting `port`).")
@click.option("--dev", is_flag=True,
              help="Flask's development server (reloader, debugger off) instead of gunicorn.")
def serve(host: str | None, port: int | None, dev: bool) -> None:
    """Serve the API under /api and the search page at / (workers/threads from settings)."""
    settings = settings_or_exit()
    host = host or settings.host
    port = port or settings.port
    if dev:
        from search_api import create_app

        warn(f"development server on http://{host}:{port}/ (not for production)")
        create_app(settings).run(host=host, port=port, debug=False, use_reloader=False)
        return
    warn(f"serving on http://{host}:{port}/ with gunicorn: {settings.workers} worker(s) x "
         f"{settings.threads} thread(s), {settings.backend} engine")
    SearchApplication(settings, host, port).run()


def _gunicorn_base() -> type[Any]:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    base: type[Any] = BaseApplication
    return base


class SearchApplication(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn running `create_app(settings)` in each worker.

    The app (and with it the engine, opened lazily on the first request) is built in each
    worker after the fork, never in the master: preload_app stays off.
    """

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self.settings = settings
        self.bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", [self.bind])
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("threads", self.settings.threads)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("preload_app", False)
        self.cfg.set("proc_name", "sitesearch")
        self.cfg.set("accesslog", None)
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", "info")
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("keepalive", 5)
        # No control socket in the user's home directory: nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from search_api import create_app

        return create_app(self.settings)
