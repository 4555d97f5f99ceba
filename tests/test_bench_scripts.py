"""The benchmark scripts' own logic: the production command they serve with, how they read wrk's report,
the route mix of bench/load_mix.lua (with real wrk against a small HTTP server) and the sitemap file
they measure."""
from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load_mix import ROUTES, parse_wrk  # noqa: E402
from bench.production import documented_command, production_argv  # noqa: E402
from bench.routes import cell, sitemap_part  # noqa: E402
from bench.wrk import parse  # noqa: E402

WRK_REPORT = """Running 5s test @ http://127.0.0.1:1/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.20ms  45.00ms   90.00%
    Req/Sec     1.90k   100.00     2.10k    70.00%
  Latency Distribution
     50%    1.80ms
     75%    2.40ms
     90%    3.10ms
     99%   12.50ms
  18900 requests in 5.00s, 2.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3780.00
Transfer/sec:    400.00KB
"""


def test_the_production_command_is_the_readmes(tmp_path):
    command = documented_command()
    assert command in (ROOT / "README.md").read_text()
    argv = production_argv("127.0.0.1", 18899)
    assert "127.0.0.1:18899" in " ".join(argv) or argv[-2:] == ["--port", "18899"]
    readme = tmp_path / "README.md"
    readme.write_text("Production (x):\n\n```sh\n.venv/bin/granian --interface wsgi app:x   # note\n```\n")
    argv = production_argv("127.0.0.1", 18899, documented_command(readme))
    assert argv[1:5] == ["--host", "127.0.0.1", "--port", "18899"] and argv[-1] == "app:x"
    with pytest.raises(RuntimeError, match="does not know"):
        production_argv("127.0.0.1", 1, "uwsgi --http :1")


def test_a_wrk_report_is_read_with_its_errors():
    report = parse(WRK_REPORT)
    assert report["rps"] == 3780.0 and report["requests"] == 18900
    assert (report["p50_ms"], report["p99_ms"], report["max_ms"]) == (1.8, 12.5, 45.0)
    assert report["errors"] == 7 and report["error_kinds"]["non_2xx"] == 4


def test_the_mix_reports_slow_requests_and_errors():
    out = ("STATUS 200 90\nSTATUS 500 2\nSTATUS 303 8\nLATENCY_US p50=1000 p90=2000 p99=1500000 max=2500000 "
           "mean=3000\nSLOW_OVER_1S 3\nERRORS connect=0 read=1 write=0 status=2 timeout=0\n"
           "TOTAL requests=100 seconds=10.00\n")
    result = parse_wrk(out)
    assert result["over_1s"] == 3 and result["latency_ms"]["max"] == 2500
    assert result["errors"] == 3  # two 500s (counted once, not again as wrk's status errors) and a read error
    assert result["rps"] == 10


def test_the_sitemap_file_measured_is_the_first_one_the_index_names():
    index = b"<sitemapindex><sitemap><loc>https://lod.example/sitemaps/1.xml.gz</loc></sitemap></sitemapindex>"
    assert sitemap_part({"second": {"status": 200, "body": index}}) == "/sitemaps/1.xml.gz"
    assert sitemap_part({"second": {"status": 200, "body": b"<urlset></urlset>"}}) == "/sitemap.xml?page=1"
    assert sitemap_part({"second": {"status": 500, "body": b""}}) is None


def test_a_route_too_slow_to_load_says_so():
    slow = {"path": "/", "first": {"status": 200, "s": 12.0, "bytes": 16_000_000},
            "second": {"status": 200, "s": 11.0, "bytes": 16_000_000}, "load": None}
    assert cell(slow) == "12.0 s / 11.0 s · 16.0 MB · not loaded"


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_the_routes_mix_requests_the_issues_routes_only():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        out = subprocess.run(["wrk", "-t1", "-c2", "-d1s", "-s", str(ROOT / "bench" / "load_mix.lua"), url, "--",
                              "routes"], capture_output=True, text=True, timeout=60).stdout
    finally:
        server.shutdown()
    assert set(Recorder.seen) == set(ROUTES)
    assert parse_wrk(out)["over_1s"] == 0 and parse_wrk(out)["errors"] == 0
