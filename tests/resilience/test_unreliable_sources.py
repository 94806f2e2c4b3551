"""Sources that hang, throttle (429 + Retry-After) or redirect in a loop: bounded retries, the
failure recorded in raw.crawl_runs and raw.rejects, other sources and earlier data unaffected.

Crawls run as `midtier crawl` subprocesses against loopback servers.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from midtier.demo_server import serve_directory

ROOT = Path(__file__).parents[2]
REMOTEOK_API = ROOT / "tests" / "scrapers" / "fixtures" / "remoteok" / "api.json"
DOWNLOAD_TIMEOUT = 2
RETRY_TIMES = 2  # scrapers/settings.py


def _crawl(source: str, base_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "midtier", "crawl", source, "--base-url", base_url],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MIDTIER_DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT)},
    )


class Misbehaving(http.server.BaseHTTPRequestHandler):
    mode = "hang"
    hits: list[str]

    def do_GET(self):
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        self.hits.append(self.path)
        if self.mode == "hang":
            time.sleep(DOWNLOAD_TIMEOUT * 3)  # never answers in time
            return
        if self.mode == "throttle":
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(b"slow down")
            return
        if self.mode == "redirect_loop":
            self.send_response(302)
            self.send_header("Location", "/api?again" if self.path == "/api" else "/api")
            self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def misbehaving(mode: str):
    handler = type(f"{mode}_handler", (Misbehaving,), {"mode": mode, "hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()


def _rows(db, sql, params=()):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.fixture
def loaded(db, tmp_path):
    """Remote OK crawled once successfully: the postings a failing crawl must leave alone."""
    (tmp_path / "api").write_bytes(REMOTEOK_API.read_bytes())
    with serve_directory(tmp_path) as base_url:
        assert _crawl("remoteok", base_url).returncode == 0
    return _rows(
        db,
        "select source_posting_id, content_hash, closed_at, missed_crawls from raw.postings order by 1",
    )


def _last_run(db):
    return _rows(
        db,
        "select crawl_run_id, status, http_errors, items_rejected from raw.crawl_runs "
        "order by started_at desc limit 1",
    )[0]


@pytest.mark.parametrize(
    "mode, attempts, error",
    [
        pytest.param("hang", 1 + RETRY_TIMES, "TimeoutError", marks=pytest.mark.slow),
        ("throttle", 1 + RETRY_TIMES, "HTTP 429"),
        ("redirect_loop", 1, "redirect"),
    ],
)
def test_a_misbehaving_source_fails_after_bounded_retries_and_is_recorded(
    db, loaded, mode, attempts, error
):
    with misbehaving(mode) as (base_url, hits):
        started = time.monotonic()
        result = _crawl("remoteok", base_url)
        elapsed = time.monotonic() - started

    assert result.returncode != 0
    run_id, status, http_errors, rejected = _last_run(db)
    assert (status, http_errors, rejected) == ("failed", 1, 1)
    ((message,),) = _rows(db, "select error from raw.rejects where crawl_run_id = %s", (run_id,))
    assert error.lower() in message.lower()
    if mode == "redirect_loop":
        assert 1 < len(hits) <= 6  # the first request + REDIRECT_MAX_TIMES (5)
    else:
        assert len(hits) == attempts
    assert elapsed < 120  # bounded: no endless retrying
    # The failed crawl closed nothing and changed nothing it had loaded before.
    assert (
        _rows(
            db,
            "select source_posting_id, content_hash, closed_at, missed_crawls "
            "from raw.postings order by 1",
        )
        == loaded
    )


@pytest.mark.slow
def test_other_sources_still_load_after_one_hangs(db):
    from midtier import steps

    with misbehaving("hang") as (base_url, _):
        assert _crawl("remoteok", base_url).returncode != 0
    summary = steps.offline_crawl("remotive")
    assert summary.status == "succeeded" and summary.counts.new > 0
    statuses = dict(_rows(db, "select source, status from raw.crawl_runs"))
    assert statuses == {"remoteok": "failed", "remotive": "succeeded"}
