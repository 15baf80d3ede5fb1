"""bench/load.py, the API benchmark's load generators (no timing asserted here)."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask

from bench.load import lua_string, parse_wrk, wrk_load, wrk_script
from tests.conftest import served

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:45785
  2 threads and 16 connections
  Latency Distribution
     50%   28.83ms
     99%  102.29ms
  1770 requests in 3.04s, 7.63MB read
Requests/sec:    582.30
sitesearch-figures requests=1770 duration_us=3039629 p50_us=28830.0 p99_us=102290.0 \
connect=0 read=2 write=0 timeout=1 status=5
"""


def test_wrk_figures_come_from_the_scripts_done_hook() -> None:
    figures = parse_wrk(WRK_OUTPUT)
    assert figures.requests == 1770 and figures.seconds == pytest.approx(3.039629)
    assert figures.p50_ms == pytest.approx(28.83) and figures.p99_ms == pytest.approx(102.29)
    assert figures.requests_per_s == pytest.approx(582.3, abs=0.1)
    assert dict(figures.errors) == {"socket read": 2, "socket timeout": 1, "HTTP >= 400": 5}
    assert figures.report.startswith("Running 3s test") and "sitesearch" not in figures.report
    with pytest.raises(RuntimeError):
        parse_wrk("wrk: connection refused")


def test_the_lua_script_lists_every_path_as_a_lua_string() -> None:
    paths = ["/api/search?q=magnesium", "/api/search?q=caf%C3%A9"]
    script = wrk_script(paths, seed=7)
    assert all(lua_string(path) in script for path in paths)
    assert "local seed = 7" in script
    assert lua_string('a"b\\c é') == '"a\\034b\\092c \\195\\169"'


@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (make bench-data)")
def test_wrk_draws_the_mix_and_counts_refused_requests_as_errors(app: Flask) -> None:
    # the third path is refused (400: unknown parameter); drawn 1/3 as often as the first
    paths = ["/api/search?q=magnesium", "/api/search?q=adhd", "/api/search?unknown=1"]
    with served(app) as url:
        port = int(url.rsplit(":", 1)[1])
        figures = wrk_load(port, paths, clients=2, seconds=1, warm_up_s=1)
    assert figures.requests > 10 and figures.generator.startswith("wrk")
    refused = figures.errors["HTTP >= 400"]
    assert set(figures.errors) == {"HTTP >= 400"}
    assert 0.05 * figures.requests < refused < 0.4 * figures.requests
