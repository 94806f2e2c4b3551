"""Re-running a step for the same interval leaves identical rows: the import and a crawl."""

from __future__ import annotations

from bench.generate import write_jsonl
from midtier import steps

SNAPSHOT = """
    select source, source_posting_id, content_hash, title, salary_min, tags, posted_at,
           first_seen_at, closed_at, missed_crawls
    from raw.postings order by source, source_posting_id
"""


def _snapshot(db):
    with db.cursor() as cur:
        cur.execute(SNAPSHOT)
        rows = cur.fetchall()
        cur.execute("select count(*) from raw.rejects")
        return rows, cur.fetchone()[0]


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write_jsonl(tmp_path / "postings.jsonl", 1200, seed=21)
    first = steps.import_postings(path, "bench")
    before = _snapshot(db)

    second = steps.import_postings(path, "bench")

    assert _snapshot(db) == before
    assert (first.counts.new, second.counts.new, second.counts.updated) == (1200, 0, 0)
    assert second.counts.unchanged == 1200


def test_crawling_the_same_responses_twice_changes_nothing(db):
    first = steps.offline_crawl("remotive")
    before = _snapshot(db)

    second = steps.offline_crawl("remotive")

    assert _snapshot(db) == before
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (
        0,
        0,
        first.counts.new,
    )
