"""RawStore.upsert_postings: new rows are COPYed straight into raw.postings, so loaders of
the same source must take turns; exact counts and one row per posting either way."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from midtier.loading import prepare_posting
from midtier.raw_store import RawStore

FETCHED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _rows(run_id: str, numbers: range, *, title: str = "Backend engineer") -> list[dict]:
    return [
        prepare_posting(
            {
                "source": "remoteok",
                "source_posting_id": f"job-{number}",
                "title": title,
                "url": f"https://remoteok.example/job-{number}",
                "description_text": "Python work.",
            },
            source="remoteok",
            crawl_run_id=run_id,
            fetched_at=FETCHED_AT,
        )
        for number in numbers
    ]


def test_new_changed_and_unchanged_rows_are_counted_exactly(db, database_url):
    with RawStore(database_url) as store:
        run_id = store.start_run("remoteok")
        first = store.upsert_postings(_rows(run_id, range(0, 10)))
        second = store.upsert_postings(
            _rows(run_id, range(5, 10))
            + _rows(run_id, range(10, 12), title="Changed?")
            + _rows(run_id, range(0, 2), title="Edited title")
        )
    assert (first.new, first.updated, first.unchanged) == (10, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (2, 2, 5)
    with db.cursor() as cur:
        cur.execute(
            "select count(*), count(*) filter (where title = 'Edited title') from raw.postings"
        )
        assert cur.fetchone() == (12, 2)


def test_concurrent_loaders_of_one_source_load_each_posting_once(db, database_url):
    """Overlapping batches from four loaders at once: no key violation, no lost posting."""
    with RawStore(database_url) as store:
        run_id = store.start_run("remoteok")
    batches = [_rows(run_id, range(start, start + 400)) for start in (0, 100, 200, 300)]
    errors: list[BaseException] = []
    news: list[int] = []

    def load(rows: list[dict]) -> None:
        try:
            with RawStore(database_url) as store:
                news.append(store.upsert_postings(rows).new)
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=load, args=(rows,)) for rows in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(news) == 700
    with db.cursor() as cur:
        cur.execute("select count(*), count(distinct source_posting_id) from raw.postings")
        assert cur.fetchone() == (700, 700)


def test_text_arrays_amounts_and_payload_are_stored_exactly_as_prepared(db, database_url):
    awkward = 'tab\there, newline\nand \\backslash, "quotes", {braces}, emoji 🚀, RTL مطور'
    (row,) = [
        prepare_posting(
            {
                "source": "remoteok",
                "source_posting_id": "awkward",
                "title": awkward,
                "url": "https://remoteok.example/awkward",
                "description_html": f"<p>{awkward}</p>",
                "tags": ["c++", 'say "hi"', "back\\slash", "NULL", "a,b", "{x}"],
                "salary_min": "12345.678",
                "payload": {"title": awkward, "n": [1, None]},
            },
            source="remoteok",
            crawl_run_id=run_id,
            fetched_at=FETCHED_AT,
        )
        for run_id in [_start_run(database_url)]
    ]
    with RawStore(database_url) as store:
        assert store.upsert_postings([row]).new == 1
    with db.cursor() as cur:
        cur.execute(
            "select title, description_text, tags, salary_min, payload, content_hash,"
            " fetched_at from raw.postings"
        )
        assert cur.fetchone() == (
            row["title"],
            row["description_text"],
            row["tags"],
            row["salary_min"],
            {"title": awkward, "n": [1, None]},
            row["content_hash"],
            FETCHED_AT,
        )


def test_nul_and_lone_surrogates_outside_the_payload_are_kept_without_them(db, database_url):
    """What PostgreSQL's text cannot hold fails psycopg's COPY; the batch is merged again
    with NUL dropped and lone surrogates as '?', and no row of it is lost."""
    run_id = _start_run(database_url)
    rows = _rows(run_id, range(3))
    rows[1]["title"] = "Back\x00end \ud800engineer"
    rows[2]["tags"] = ["py\x00thon", "go\udfff"]
    with RawStore(database_url) as store:
        assert store.upsert_postings(rows).new == 3
    with db.cursor() as cur:
        cur.execute("select source_posting_id, title, tags from raw.postings order by 1")
        assert cur.fetchall() == [
            ("job-0", "Backend engineer", []),
            ("job-1", "Backend ?engineer", []),
            ("job-2", "Backend engineer", ["python", "go?"]),
        ]


def _start_run(database_url: str) -> str:
    with RawStore(database_url) as store:
        return store.start_run("remoteok")
