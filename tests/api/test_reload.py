"""A reload (SIGHUP) of `sitesearch serve` under load: no failed request, no second silent.

Before: gunicorn stopped the old workers at once and the new ones warmed up (seconds of CPU)
before accepting, so nothing was answered meanwhile, and connections waiting on the stopped
workers' sockets were reset (tcp_migrate_req is off on this machine, as by default).
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.api.conftest import ingest_seeds, serve_env, serving

CLIENTS = 4
QUERIES = ["magnesium", "adhd", "depressie", "magnesuim tekrot", "slaap", "concentratie"]


def client_loop(port: int, stop: threading.Event, answers: list[tuple[float, str]],
                number: int) -> None:
    """Keep-alive requests back to back until `stop`: (when answered, "ok" or what failed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    sent = 0
    while not stop.is_set():
        query = QUERIES[(number + sent) % len(QUERIES)]
        sent += 1
        try:
            path = f"/api/search?q={query.replace(' ', '+')}&size={sent % 5 + 1}"
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            outcome = "ok" if response.status == 200 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            outcome = type(exc).__name__
            connection.close()
        answers.append((time.monotonic(), outcome))
    connection.close()


def workers_of(master: psutil.Process) -> set[int]:
    return {child.pid for child in master.children()}


@pytest.mark.slow
def test_a_reload_under_load_fails_no_request_and_leaves_no_second_without_answers(
    tmp_path: Path,
) -> None:
    env = serve_env(tmp_path / "data")
    ingest_seeds(env)
    log = tmp_path / "gunicorn.log"
    with serving(env, log) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        master = psutil.Process(process.pid)
        old_workers = workers_of(master)
        stop = threading.Event()
        answers: list[tuple[float, str]] = []
        clients = [threading.Thread(target=client_loop, args=(port, stop, answers, n))
                   for n in range(CLIENTS)]
        started = time.monotonic()
        for client in clients:
            client.start()
        try:
            time.sleep(2)
            process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 120  # a bound on waiting, not an assertion on time
            while time.monotonic() < deadline:
                current = workers_of(master)
                if len(current) == 2 and not current & old_workers:
                    break
                time.sleep(0.1)
            replaced = workers_of(master)
            time.sleep(3)  # the new workers alone
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
        ended = time.monotonic()
    assert len(replaced) == 2 and not replaced & old_workers, "the reload did not happen"
    failed = [outcome for _when, outcome in answers if outcome != "ok"]
    assert failed == []
    answered_seconds = {int(when - started) for when, _outcome in answers}
    silent = sorted(set(range(int(ended - started))) - answered_seconds)
    assert silent == [], f"seconds without any answer: {silent}"
    assert log.read_text(errors="replace").count("search engine warmed up in") == 4
