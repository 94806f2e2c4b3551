"""A real `scrapy crawl remoteok` (subprocess) against a loopback replay of the feed.

Item pipelines are switched off here: these tests check that the spider is wired into Scrapy
(start requests, base_url, errback, stats), not what the pipeline stores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from midtier.demo_server import serve_directory

PROJECT = Path(__file__).parents[2]
DEMO_FEED = PROJECT / "midtier" / "demo_data" / "remoteok"


def crawl(base_url: str, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "remoteok",
            "-a",
            f"base_url={base_url}",
            "-s",
            "ITEM_PIPELINES={}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "RETRY_ENABLED=False",
            "-s",
            "REMOTE_CONTROL_ENABLED=False",
            "-O",
            str(output),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_crawl_through_base_url_yields_every_demo_posting(tmp_path):
    output = tmp_path / "items.jsonl"
    with serve_directory(DEMO_FEED) as base_url:
        result = crawl(base_url, output)
    assert result.returncode == 0, result.stderr[-2000:]
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    expected = json.loads((DEMO_FEED / "api").read_text(encoding="utf-8"))[1:]
    assert [item["source_posting_id"] for item in items] == [record["id"] for record in expected]


def test_a_missing_feed_becomes_one_reject_and_one_http_error(tmp_path):
    output = tmp_path / "items.jsonl"
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve_directory(empty) as base_url:
        result = crawl(base_url, output)
    assert result.returncode == 0, result.stderr[-2000:]
    [reject] = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert reject["error"] == f"HTTP 404 for {base_url}/api"
    assert "'midtier/http_errors': 1" in result.stderr
