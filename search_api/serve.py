"""`sitesearch serve`: the search API and page, by gunicorn (or Flask's server with --dev)."""

from __future__ import annotations

import errno
import os
import socket
import time
from pathlib import Path
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
    ensure_free(host, port)
    if dev:
        from search_api import create_app

        warn(f"development server on http://{host}:{port}/ (not for production)")
        app = create_app(settings)
        warm_app(app)
        app.run(host=host, port=port, debug=False, use_reloader=False)
        return
    warn(f"serving on http://{host}:{port}/ with gunicorn: {settings.workers} worker(s) x "
         f"{settings.threads} thread(s), {settings.backend} engine")
    note = migration_note(settings)
    if note:
        warn(note)
    SearchApplication(settings, host, port).run()


def ensure_free(host: str, port: int) -> None:
    """Exit with a clear message when something already listens on host:port.

    gunicorn would retry for five seconds and then say it cannot connect; and with
    `reuse_port` its workers bind with SO_REUSEPORT, which succeeds beside another server of
    the same user that did the same, the two then sharing the port's connections unnoticed.
    A plain bind (SO_REUSEADDR only, so that connections of a server just stopped, still in
    TIME_WAIT, do not count) fails whenever anything listens there.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            hint = " (is another server running there?)" if exc.errno == errno.EADDRINUSE else ""
            raise click.ClickException(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}{hint}"
            ) from None


MIGRATE_REQ = Path("/proc/sys/net/ipv4/tcp_migrate_req")


def migration_note(settings: Settings, switch: Path = MIGRATE_REQ) -> str | None:
    """With a listening socket per worker (reuse_port), a stopping worker (a reload, a
    restarted worker) resets connections that reach its socket between its last accept and
    its close, unless the kernel hands them to another worker (Linux 5.14+,
    net.ipv4.tcp_migrate_req=1). The note says so when the switch is off; None when it is on,
    absent or not needed."""
    if not settings.reuse_port or settings.workers < 2:
        return None
    try:
        if switch.read_text(encoding="ascii").strip() != "0":
            return None
    except OSError:
        return None  # not Linux, or no such switch: nothing to advise
    return ("note: each worker listens on its own socket (reuse_port); a stopping worker may "
            "reset a connection that reaches its socket as it closes unless "
            "net.ipv4.tcp_migrate_req=1 (sysctl), or set reuse_port=false")


def warm_app(app: Any) -> bool:
    """Warm the search service of a Flask app built by `create_app` (see its `warm_up`)."""
    from search_api.service import SearchService

    service = app.extensions.get("sitesearch")
    return isinstance(service, SearchService) and service.warm_up()


def _gunicorn_base() -> type[Any]:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    base: type[Any] = BaseApplication
    return base


class SearchApplication(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn running `create_app(settings)` in each worker (search_api/worker.py's
    BufferingWorker), reloaded on SIGHUP without a gap (search_api/reload.py).

    The app (and with it the engine) is built in each worker after the fork, never in the
    master: preload_app stays off. Each worker warms its engine before taking requests.
    """

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        from search_api.config import ApiConfig
        from search_api.reload import WarmSignal

        self.settings = settings
        self.api_config = ApiConfig.from_settings(settings)  # read by BufferingWorker
        self.bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.warm_signal = WarmSignal()
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", [self.bind])
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("threads", self.settings.threads)
        self.cfg.set("worker_class", "search_api.worker.BufferingWorker")
        self.cfg.set("preload_app", False)
        self.cfg.set("post_worker_init", self.warm_worker)
        self.cfg.set("proc_name", "sitesearch")
        self.cfg.set("accesslog", None)
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", "info")
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("keepalive", 5)
        # gunicorn's largest request line (a query of 500 characters, percent-encoded, with
        # filters); longer is a 414, more or larger headers a 431, in the API's error shape.
        self.cfg.set("limit_request_line", 8190)
        self.cfg.set("limit_request_fields", 100)
        self.cfg.set("limit_request_field_size", 8190)
        # Each worker its own listening socket: the kernel spreads new connections evenly
        # over them (from one shared socket, whichever worker is awake accepts a burst).
        self.cfg.set("reuse_port", self.settings.reuse_port)
        # No control socket in the user's home directory: nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from search_api import create_app

        return create_app(self.settings)

    def warm_worker(self, worker: Any) -> None:
        """gunicorn's post_worker_init hook: the worker's app is loaded, no request taken yet.

        Opening the engine and building its vocabulary here spares the worker's first visitor
        that wait; then the worker tells the master it is warm (a reload stops the old workers
        only then). Failure to warm is logged, never fatal.
        """
        started = time.perf_counter()
        try:
            if warm_app(worker.wsgi):
                worker.log.info("search engine warmed up in %.2f s",
                                time.perf_counter() - started)
        finally:
            self.warm_signal.send(os.getpid())

    def run(self) -> None:
        from search_api.reload import WarmReloadArbiter

        try:
            WarmReloadArbiter(self, self.warm_signal).run()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
