"""A source that answers 429/503 with Retry-After: the crawl waits that long, then retries; a
wait above MIDTIER_RETRY_AFTER_MAX gives the request up at once, recorded like any failure.

Crawls run as `midtier crawl` subprocesses against a loopback server; waits are 1 s.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path

import pytest

from midtier.settings import load_settings
from scrapers.middlewares import retry_after_seconds
from tests.scrapers.crawling import crawl, rows

REMOTEOK_API = Path(__file__).parent / "fixtures" / "remoteok" / "api.json"
LISTING_IDS = sorted(str(record["id"]) for record in json.loads(REMOTEOK_API.read_text())[1:])
SERVER_TIME = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT


# -- reading the header ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, seconds",
    [
        (b"120", 120.0),
        (" 0 ", 0.0),
        (b"Sun, 06 Nov 1994 08:50:07 GMT", 30.0),  # IMF-fixdate
        (b"Sunday, 06-Nov-94 08:50:07 GMT", 30.0),  # obsolete RFC 850 form
        (b"Sun Nov  6 08:50:07 1994", 30.0),  # obsolete asctime form
        (b"Sun, 06 Nov 1994 08:49:07 GMT", 0.0),  # already past: no wait
    ],
)
def test_retry_after_reads_delta_seconds_and_every_http_date_form(value, seconds):
    assert retry_after_seconds(value, now=SERVER_TIME) == seconds


@pytest.mark.parametrize(
    "value", [None, b"", b"soon", b"-5", b"1.5", b"Sun, 06 Foo 1994 08:50:07 GMT"]
)
def test_an_absent_or_unreadable_retry_after_asks_for_nothing(value):
    assert retry_after_seconds(value, now=SERVER_TIME) is None


def test_an_http_date_is_measured_from_the_server_date_not_our_clock():
    our_clock = SERVER_TIME + 3600  # an hour ahead of the server
    assert (
        retry_after_seconds(
            b"Sun, 06 Nov 1994 08:50:07 GMT",
            now=our_clock,
            server_date=b"Sun, 06 Nov 1994 08:49:37 GMT",
        )
        == 30.0
    )


# -- a crawl against a throttling source -----------------------------------------------------


class Throttling(http.server.BaseHTTPRequestHandler):
    """Answers GET /api with ``status`` + Retry-After ``throttled`` times, then the listing.
    ``retry_after`` is "date:N" for an HTTP-date N seconds after the response's Date."""

    status = 429
    retry_after = "1"
    throttled = 1
    hits: list[float]

    def do_GET(self):
        if self.path != "/api":
            self.send_error(404)
            return
        self.hits.append(time.monotonic())
        now = time.time()
        if len(self.hits) <= self.throttled:
            self.send_response_only(self.status)
            self.send_header("Date", formatdate(now, usegmt=True))
            value = self.retry_after
            if value.startswith("date:"):
                value = formatdate(now + int(value.removeprefix("date:")), usegmt=True)
            self.send_header("Retry-After", value)
            self.end_headers()
            self.wfile.write(b"slow down")
            return
        body = REMOTEOK_API.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def throttling(**behaviour):
    handler = type("handler", (Throttling,), {**behaviour, "hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()


def _last_run(db):
    return rows(
        db,
        "select crawl_run_id, status, http_errors, items_rejected from raw.crawl_runs "
        "order by started_at desc limit 1",
    )[0]


def _crawl_log(run_id: str) -> str:
    return (load_settings().logs_dir / "crawl" / f"{run_id}.log").read_text()


@pytest.mark.parametrize(
    "status, retry_after",
    [
        (429, "1"),
        (503, "date:1"),
    ],
)
def test_a_throttled_listing_is_retried_after_the_wait_it_asks_for(db, status, retry_after):
    with throttling(status=status, retry_after=retry_after) as (base_url, hits):
        result = crawl("remoteok", base_url)

    assert result.returncode == 0, result.stderr[-2000:]
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 1.0
    run_id, status_, http_errors, rejected = _last_run(db)
    assert (status_, http_errors, rejected) == ("succeeded", 0, 0)
    assert [
        posting_id
        for (posting_id,) in rows(db, "select source_posting_id from raw.postings order by 1")
    ] == LISTING_IDS
    assert f"HTTP {status} for {base_url}/api: waiting 1.0 s" in _crawl_log(run_id)


@pytest.mark.parametrize(
    "status, retry_after, retry_after_max",
    [
        (429, "3600", None),  # the default maximum (120 s)
        (503, "1", "0.5"),  # a lower maximum from the environment
    ],
)
def test_a_wait_above_the_maximum_gives_up_at_once_and_is_recorded(
    db, status, retry_after, retry_after_max
):
    env = os.environ.copy()
    if retry_after_max is not None:
        env["MIDTIER_RETRY_AFTER_MAX"] = retry_after_max
    with throttling(status=status, retry_after=retry_after, throttled=99) as (base_url, hits):
        started = time.monotonic()
        result = crawl("remoteok", base_url, env=env)
        elapsed = time.monotonic() - started

    assert result.returncode != 0
    assert len(hits) == 1  # no retry, no sleep: the request was given up
    assert elapsed < 60  # an hour-long Retry-After did not stall the run
    run_id, status_, http_errors, rejected = _last_run(db)
    assert (status_, http_errors, rejected) == ("failed", 1, 1)
    ((error,),) = rows(db, f"select error from raw.rejects where crawl_run_id = '{run_id}'")
    assert error == f"HTTP {status} for {base_url}/api"
    assert "more than MIDTIER_RETRY_AFTER_MAX" in _crawl_log(run_id)
