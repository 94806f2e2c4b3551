"""`midtier crawl remoteok --base-url` against a loopback server replaying real responses."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from midtier.demo_server import serve_directory
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "remoteok"


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("remoteok", base_url)


@pytest.fixture
def site(tmp_path):
    """A directory served at the real paths; put a fixture at `api` to serve it at /api."""

    def serve(fixture: str):
        shutil.copy(FIXTURES / fixture, tmp_path / "api")
        return serve_directory(tmp_path)

    return serve


def test_crawl_loads_every_job_and_no_legal_notice(db, site):
    jobs = [r for r in json.loads((FIXTURES / "api.json").read_text()) if "legal" not in r]
    with site("api.json") as base_url:
        result = _crawl(base_url)

    assert result.returncode == 0, result.stderr
    ids = {row[0] for row in _rows(db, "select source_posting_id from raw.postings")}
    assert ids == {str(job["id"]) for job in jobs}
    run = _rows(
        db, "select status, items_seen, items_new, items_rejected, base_url from raw.crawl_runs"
    )
    assert run == [("succeeded", len(jobs), len(jobs), 0, base_url)]


def test_second_identical_crawl_adds_nothing(db, site):
    with site("api.json") as base_url:
        _crawl(base_url)
        before = _rows(db, "select count(*) from raw.postings")
        _crawl(base_url)
    assert _rows(db, "select count(*) from raw.postings") == before
    latest = _rows(
        db, "select items_new, items_unchanged from raw.crawl_runs order by started_at desc limit 1"
    )
    assert latest == [(0, before[0][0])]


def test_malformed_response_is_kept_in_rejects_and_the_run_recorded_failed(db, site):
    with site("api_truncated.json") as base_url:
        result = _crawl(base_url)

    assert result.returncode == 1
    assert _rows(db, "select status from raw.crawl_runs") == [("failed",)]
    ((payload, error),) = _rows(db, "select payload, error from raw.rejects")
    assert "not valid JSON" in error
    assert payload == (FIXTURES / "api_truncated.json").read_text(encoding="utf-8")


class _Failing(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404 if self.path == "/robots.txt" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_server_errors_are_retried_then_recorded(db):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = _crawl(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert _rows(db, "select status, http_errors from raw.crawl_runs") == [("failed", 1)]
    assert "500" in _rows(db, "select error from raw.rejects")[0][0]
