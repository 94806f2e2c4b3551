"""raw.postings answers "first seen between X and Y" from a BRIN index, on new and existing databases."""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, steps

BRIN = "postings_first_seen_at_brin"
POSTINGS = 50_000  # one per minute, about five weeks of first sightings
PAGES_PER_RANGE = 128  # BRIN's default


def _one(url: str, sql: str, params=()):
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def _execute(url: str, sql: str) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql)


def _index_definition(url: str) -> str | None:
    row = _one(
        url,
        "select indexdef from pg_indexes where schemaname = 'raw' "
        "and tablename = 'postings' and indexname = %s",
        (BRIN,),
    )
    return row[0] if row else None


@pytest.fixture
def fresh_database(make_database, monkeypatch):
    url = make_database("midtier_raw_schema")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_prepare_database_creates_the_brin_index_and_adds_it_to_an_existing_database(
    fresh_database,
):
    assert steps.prepare_database() == fresh_database
    assert "USING brin (first_seen_at)" in _index_definition(fresh_database)

    # A database prepared before the index existed: its schema marker is an older hash.
    _execute(
        fresh_database, f"drop index raw.{BRIN}; comment on schema raw is 'midtier-schema:older'"
    )
    steps.prepare_database()
    assert "USING brin (first_seen_at)" in _index_definition(fresh_database)


def test_a_first_seen_range_query_reads_a_few_block_ranges_through_the_index(fresh_database):
    steps.prepare_database()
    with contextlib.closing(database.connect(fresh_database)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "insert into raw.crawl_runs (crawl_run_id, source) values ('run-1', 'remoteok')"
        )
        cur.execute(
            """
            insert into raw.postings (source, source_posting_id, payload, content_hash, fetched_at,
                                      first_seen_at, last_seen_at, crawl_run_id)
            select 'remoteok', n::text, '{}', md5(n::text), seen, seen, seen, 'run-1'
            from generate_series(1, %s) as n,
                 lateral (select timestamptz '2026-01-01' + n * interval '1 minute') as t(seen)
            """,
            (POSTINGS,),
        )
        # What autosummarize has autovacuum do shortly after ranges fill; until then a range
        # that is not summarised is read whole (slower, still correct).
        cur.execute(f"select brin_summarize_new_values('raw.{BRIN}')")
        cur.execute("analyze raw.postings")
        cur.execute("select relpages from pg_class where oid = 'raw.postings'::regclass")
        (table_blocks,) = cur.fetchone()
        cur.execute(  # one day of first sightings out of ~35
            """
            explain (analyze, format json)
            select count(*) from raw.postings
            where first_seen_at >= '2026-01-10' and first_seen_at < '2026-01-11'
            """
        )
        ((plan,),) = cur.fetchall()

    nodes = list(_walk(plan[0]["Plan"]))
    assert [
        node.get("Index Name") for node in nodes if node["Node Type"] == "Bitmap Index Scan"
    ] == [BRIN]
    [heap] = [node for node in nodes if node["Node Type"] == "Bitmap Heap Scan"]
    assert heap["Actual Rows"] == 24 * 60
    # The day lies in at most two block ranges; only those are read, not the whole table.
    blocks_read = heap["Lossy Heap Blocks"] + heap["Exact Heap Blocks"]
    assert blocks_read <= 2 * PAGES_PER_RANGE < table_blocks / 3


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)
