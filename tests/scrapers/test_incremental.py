"""Incremental crawls: seen again -> last_seen_at; changed -> new version; gone -> closed_at."""

from __future__ import annotations

import pytest

from midtier.loading import PostingLoader
from scrapers.items import PostingItem
from scrapers.pipelines import RawPostingPipeline


def _crawl(database_url, postings: dict[str, str], *, full_listing: bool = True):
    """One spider run's worth of items through the real pipeline (id -> title)."""
    loader = PostingLoader(database_url)
    pipeline = RawPostingPipeline(loader, crawler=None)
    loader.open("remoteok")
    loader.full_listing = full_listing
    for source_posting_id, title in postings.items():
        pipeline.process_item(
            PostingItem(
                source="remoteok",
                source_posting_id=source_posting_id,
                title=title,
                payload={"id": source_posting_id, "t": title},
            )
        )
    return loader.close()


def _postings(db):
    with db.transaction(), db.cursor() as cur:
        cur.execute(
            "select source_posting_id, title, missed_crawls, closed_at is not null "
            "from raw.postings order by 1"
        )
        return cur.fetchall()


@pytest.fixture(autouse=True)
def close_after_two(monkeypatch):
    monkeypatch.setenv("MIDTIER_CLOSE_AFTER_MISSED_CRAWLS", "2")


def test_a_posting_absent_for_the_configured_crawls_is_closed_never_deleted(db, database_url):
    _crawl(database_url, {"1": "a", "2": "b"})
    first = _crawl(database_url, {"1": "a"})
    assert first.closed == 0 and _postings(db) == [("1", "a", 0, False), ("2", "b", 1, False)]

    second = _crawl(database_url, {"1": "a"})
    assert second.closed == 1
    assert _postings(db) == [("1", "a", 0, False), ("2", "b", 2, True)]


def test_a_closed_posting_seen_again_reopens(db, database_url):
    _crawl(database_url, {"1": "a", "2": "b"})
    _crawl(database_url, {"1": "a"})
    _crawl(database_url, {"1": "a"})
    _crawl(database_url, {"1": "a", "2": "b"})
    assert _postings(db) == [("1", "a", 0, False), ("2", "b", 0, False)]


def test_a_changed_posting_keeps_the_new_version(db, database_url):
    _crawl(database_url, {"1": "a"})
    summary = _crawl(database_url, {"1": "a (updated)"})
    assert (summary.counts.updated, _postings(db)) == (1, [("1", "a (updated)", 0, False)])


def test_partial_listings_and_failed_runs_close_nothing(db, database_url):
    _crawl(database_url, {"1": "a", "2": "b"})
    for _ in range(3):
        _crawl(database_url, {"1": "a"}, full_listing=False)
        _crawl(database_url, {})  # nothing seen at all: not a listing to judge by
    assert _postings(db)[1][3] is False
