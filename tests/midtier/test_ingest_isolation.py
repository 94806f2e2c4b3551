"""One broken source never stops the others (issue 3's failure acceptance)."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest

from midtier import steps
from midtier.demo_server import serve_directory

FIXTURES = Path(__file__).parents[1] / "scrapers" / "fixtures"


class _ServerError(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404 if self.path == "/robots.txt" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ServerError)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _site(root: Path, files: dict[str, Path]) -> Path:
    for path, fixture in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture, root / path)
    return root


def _rows(db, sql):
    with db.transaction(), db.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_failing_and_truncated_sources_are_recorded_and_the_others_land(
    db, tmp_path, failing_server
):
    truncated = _site(tmp_path / "remoteok", {"api": FIXTURES / "remoteok" / "api_truncated.json"})
    good = _site(
        tmp_path / "remotive", {"api/remote-jobs": FIXTURES / "remotive" / "remote-jobs.json"}
    )
    with serve_directory(truncated) as truncated_url, serve_directory(good) as good_url:
        summaries = steps.ingest(
            ["github", "remoteok", "remotive"],
            base_urls={"github": failing_server, "remoteok": truncated_url, "remotive": good_url},
        )

    status = {summary.source: summary.status for summary in summaries}
    assert status == {"github": "failed", "remoteok": "failed", "remotive": "succeeded"}
    assert _rows(db, "select distinct source from raw.rejects order by 1") == [
        ("github",),
        ("remoteok",),
    ]
    assert _rows(db, "select count(*) > 0 from raw.postings where source = 'remotive'") == [(True,)]
    assert _rows(db, "select count(*) from raw.postings where source <> 'remotive'") == [(0,)]
