"""Bad input through every spider and `midtier import`: nothing crashes, nothing is lost.

Each hostile body goes through the spider's own callback, and everything it yields goes
through the real pipeline into the database. Count in = count out: every item is either a
posting in raw.postings or a row in raw.rejects.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse, XmlResponse

from midtier.importer import import_file
from midtier.loading import FIELD_LIMITS, PostingLoader
from midtier.raw_store import RawStore
from scrapers.items import PostingItem, RejectItem
from scrapers.pipelines import RawPostingPipeline
from scrapers.spiders.arbeitnow import ArbeitnowSpider
from scrapers.spiders.freelancer import FreelancerSpider
from scrapers.spiders.github import GithubSpider
from scrapers.spiders.hackernews import HackerNewsSpider
from scrapers.spiders.himalayas import HimalayasSpider
from scrapers.spiders.jobicy import JobicySpider
from scrapers.spiders.remoteok import RemoteOkSpider
from scrapers.spiders.remotive import RemotiveSpider
from scrapers.spiders.rss import RssSpider
from scrapers.spiders.weworkremotely import WeWorkRemotelySpider
from tests.resilience.corpus import (
    NOT_JSON_BODIES,
    bad_jsonl_lines,
    poisoned_json_bodies,
    poisoned_xml_bodies,
)

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "midtier" / "demo_data"
FIXTURES = ROOT / "tests" / "scrapers" / "fixtures"
HN_THREAD = {
    "id": 51432810,
    "title": "Ask HN: Who is hiring? (November 2026)",
    "time": 1793635241,
    "kind": "who-is-hiring",
}
RSS_FEED = "https://www.upwork.com/ab/feed/jobs/rss?q=python"
WWR_FEED = "https://weworkremotely.com/categories/remote-back-end-programming-jobs.rss"


@dataclass(frozen=True)
class Reader:
    """How to feed one recorded body to one spider."""

    spider: Callable[[], scrapy.Spider]
    url: str
    good: Path
    xml: bool = False
    call: Callable | None = None  # (spider, response) -> items; default spider.parse

    def items(self, body: bytes) -> list:
        spider = self.spider()
        if self.xml:
            response = XmlResponse(
                url=self.url,
                body=body,
                request=scrapy.Request(self.url, meta={"feed_url": self.url}),
                headers={"Content-Type": b"application/rss+xml"},
            )
        else:
            response = TextResponse(
                url=self.url,
                body=body,
                encoding="utf-8",
                headers={"Content-Type": b"application/json"},
            )
        produced = (self.call or (lambda s, r: s.parse(r)))(spider, response)
        return [item for item in produced if not isinstance(item, scrapy.Request)]


READERS = {
    "remoteok": Reader(
        RemoteOkSpider, "https://remoteok.com/api", FIXTURES / "remoteok" / "api.json"
    ),
    "remotive": Reader(
        RemotiveSpider,
        "https://remotive.com/api/remote-jobs",
        DEMO / "remotive" / "api" / "remote-jobs",
    ),
    "arbeitnow": Reader(
        ArbeitnowSpider,
        "https://www.arbeitnow.com/api/job-board-api?page=1",
        DEMO / "arbeitnow" / "api" / "job-board-api",
    ),
    "himalayas": Reader(
        HimalayasSpider,
        "https://himalayas.app/jobs/api?limit=20&offset=0",
        DEMO / "himalayas" / "jobs" / "api",
    ),
    "jobicy": Reader(
        JobicySpider,
        "https://jobicy.com/api/v2/remote-jobs?count=50&tag=python",
        DEMO / "jobicy" / "api" / "v2" / "remote-jobs",
    ),
    "freelancer": Reader(
        FreelancerSpider,
        "https://www.freelancer.com/api/projects/0.1/projects/active",
        DEMO / "freelancer" / "api" / "projects" / "0.1" / "projects" / "active" / "index.html",
    ),
    "github": Reader(
        GithubSpider,
        "https://api.github.com/search/issues?q=label%3Apaid",
        DEMO / "github" / "search" / "issues",
    ),
    "hackernews": Reader(
        HackerNewsSpider,
        "https://hacker-news.firebaseio.com/v0/item/51433012.json",
        FIXTURES / "hackernews" / "v0" / "item" / "51433012.json",
        call=lambda s, r: s.parse_comment(r, thread=dict(HN_THREAD)),
    ),
    "rss": Reader(
        lambda: RssSpider(url=RSS_FEED), RSS_FEED, FIXTURES / "rss" / "upwork.rss", xml=True
    ),
    "weworkremotely": Reader(
        WeWorkRemotelySpider, WWR_FEED, FIXTURES / "weworkremotely" / "remote-jobs.rss", xml=True
    ),
}


def _bodies(reader: Reader) -> dict[str, bytes]:
    good = reader.good.read_bytes()
    if reader.xml:
        bodies = poisoned_xml_bodies(good)
        bodies.update(
            {name: body for name, body in NOT_JSON_BODIES.items() if name != "deep_nesting"}
        )
        bodies["json_instead_of_xml"] = b'{"jobs": []}'
    else:
        bodies = {**poisoned_json_bodies(good), **NOT_JSON_BODIES}
    return bodies


def _load(items: Iterable, url: str, source: str):
    """Everything a spider yielded, through the real pipeline; the run's summary."""
    loader = PostingLoader(url)
    pipeline = RawPostingPipeline(loader, crawler=None)
    loader.open(source, kind="crawl")
    for item in items:
        pipeline.process_item(item)
    return loader.close()


def _one(db, sql, params=()):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_the_good_recordings_yield_postings():
    """The corpus starts from recordings each spider really reads (else the test proves nothing)."""
    for name, reader in READERS.items():
        assert any(
            isinstance(item, PostingItem) for item in reader.items(reader.good.read_bytes())
        ), name


@pytest.mark.parametrize("source", sorted(READERS))
def test_every_bad_body_is_loaded_or_rejected(db, database_url, source):
    reader = READERS[source]
    for name, body in _bodies(reader).items():
        items = reader.items(body)  # must not raise
        postings = [item for item in items if isinstance(item, PostingItem)]
        rejects = [item for item in items if isinstance(item, RejectItem)]
        assert len(postings) + len(rejects) == len(items), name
        if not items:
            continue  # e.g. an empty listing: nothing in, nothing out
        summary = _load(items, database_url, source)
        run = summary.crawl_run_id
        assert summary.counts.seen + summary.counts.rejected == len(items), name
        stored = _one(db, "select count(*) from raw.postings where crawl_run_id = %s", (run,))
        rejected = _one(db, "select count(*) from raw.rejects where crawl_run_id = %s", (run,))
        assert rejected == summary.counts.rejected, name
        # Every distinct posting seen (new, changed or unchanged) now carries this run's id.
        c = summary.counts
        assert stored == c.new + c.updated + c.unchanged <= c.seen, name


def test_a_bad_body_never_hides_the_postings_of_a_good_one(db, database_url):
    reader = READERS["remoteok"]
    good = [
        item for item in reader.items(reader.good.read_bytes()) if isinstance(item, PostingItem)
    ]
    bad = reader.items(NOT_JSON_BODIES["garbage"])
    summary = _load([*bad, *good], database_url, "remoteok")
    assert (summary.counts.new, summary.counts.rejected) == (len(good), len(bad))


def test_the_importer_loads_or_rejects_every_line(db, database_url, tmp_path):
    lines = bad_jsonl_lines()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    summary = import_file(path, "community", url=database_url)

    assert summary.counts.seen + summary.counts.rejected == len(lines)
    run = summary.crawl_run_id
    assert (
        _one(db, "select count(*) from raw.rejects where crawl_run_id = %s", (run,))
        == summary.counts.rejected
    )
    # dup-1 twice in one batch: one row, the later copy.
    distinct = summary.counts.seen - 1
    assert _one(db, "select count(*) from raw.postings where crawl_run_id = %s", (run,)) == distinct
    assert _one(db, "select title from raw.postings where source_posting_id = 'dup-1'") == "second"


def test_hostile_text_is_stored_as_written(db, database_url, tmp_path):
    path = tmp_path / "nasty.jsonl"
    path.write_bytes(b"\n".join(bad_jsonl_lines()[:7]) + b"\n")
    import_file(path, "community", url=database_url)
    with db.cursor() as cur:
        cur.execute(
            "select source_posting_id, title, length(description_html) from raw.postings order by 1"
        )
        rows = {row[0]: row[1:] for row in cur.fetchall()}
    assert rows["nasty-0"][0].startswith("<script>alert('x')</script>")
    assert rows["nasty-1"][0].startswith("Robert'); DROP TABLE raw.postings;--")
    assert "مطور بايثون" in rows["nasty-2"][0] and "🚀" in rows["nasty-2"][0]
    assert rows["nasty-3"][0] == "NULinsidetext"  # PostgreSQL text cannot hold NUL
    assert rows["nasty-5"][0] == 'tab\tnewline\nreturn\rbackslash\\ quote" brace{ comma, }'
    # a megabyte title is over its limit: the record is rejected, not stored cut
    assert "nasty-6" not in rows
    assert (
        _one(db, "select count(*) from raw.rejects where payload like %s", ('%"id": "nasty-6"%',))
        == 1
    )
    assert _one(db, "select tags from raw.postings where source_posting_id = 'nasty-5'") == [
        'tab\tnewline\nreturn\rbackslash\\ quote" brace{ comma, }',
        "python",
    ]


def test_a_run_left_running_by_a_crash_is_abandoned_by_the_next_run_of_its_source(
    db, database_url, tmp_path
):
    crashed = RawStore(database_url)
    crashed_run = crashed.start_run("community", kind="import")
    crashed.close()  # the process died: its connection (and the run's lock) went with it
    alive = RawStore(database_url)
    alive_run = alive.start_run("community", kind="import")  # still loading, connection open
    other = RawStore(database_url)
    other_run = other.start_run("elsewhere", kind="import")
    other.close()
    path = tmp_path / "next.jsonl"
    path.write_text('{"id": "next-1", "title": "Python developer"}\n')
    try:
        summary = import_file(path, "community", url=database_url)
    finally:
        alive.close()
    with db.cursor() as cur:
        cur.execute("select crawl_run_id, status, error from raw.crawl_runs")
        runs = {run_id: (status, error) for run_id, status, error in cur.fetchall()}
    assert runs[crashed_run][0] == "abandoned" and "left running" in runs[crashed_run][1]
    assert runs[alive_run][0] == "running"  # another loader's live run is not taken for dead
    assert runs[other_run][0] == "running"  # another source's run waits for its own next run
    assert runs[summary.crawl_run_id][0] == "succeeded"


def test_a_record_the_database_refuses_is_rejected_and_the_rest_land(
    db, database_url, tmp_path, monkeypatch
):
    # Without the written limit, a 4,000-character id overflows the primary key's index entry.
    monkeypatch.setitem(FIELD_LIMITS, "source_posting_id", 10_000)
    records = [{"id": f"ok-{n}", "title": "Python developer"} for n in range(5)]
    # random characters: a repeated one would compress below the limit
    overlong = base64.b64encode(random.Random(4000).randbytes(3000)).decode()
    records.insert(2, {"id": overlong, "title": "Overlong"})
    path = tmp_path / "overlong.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))

    summary = import_file(path, "community", url=database_url)

    assert (summary.counts.new, summary.counts.rejected, summary.status) == (5, 1, "partial")
    assert _one(db, "select count(*) from raw.postings") == 5
    assert "refused by the database" in _one(db, "select error from raw.rejects")


def test_an_overlong_id_is_rejected_by_its_written_limit(db, database_url, tmp_path):
    path = tmp_path / "overlong.jsonl"
    path.write_text(
        json.dumps({"id": "z" * 600, "title": "x"})
        + "\n"
        + json.dumps({"id": "fine", "title": "x"})
        + "\n"
    )
    summary = import_file(path, "community", url=database_url)
    assert (summary.counts.new, summary.counts.rejected) == (1, 1)
    assert "source_posting_id is 600 characters long, at most 512" in _one(
        db, "select error from raw.rejects"
    )
