"""Fixtures for the dbt tests: raw postings seeded once per module, then one `dbt build`."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from psycopg.rows import dict_row

from midtier import database, transform
from midtier.raw_store import CONTENT_COLUMNS, POSTING_COLUMNS

CRAWL_RUN_ID = "test-run-1"
FETCHED_AT = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)

# The columns a spider writes, as the raw store names them, plus a closing date the tests set.
RAW_COLUMNS = (
    *POSTING_COLUMNS[: POSTING_COLUMNS.index("url")],
    *(column for column in CONTENT_COLUMNS if column != "payload"),
    "closed_at",
)


def insert_postings(conn, postings: list[dict]) -> None:
    """Insert raw postings (and their crawl run) the way the spiders' pipeline would."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "insert into raw.crawl_runs (crawl_run_id, source, status) values (%s, 'test', 'succeeded')"
            " on conflict do nothing",
            (CRAWL_RUN_ID,),
        )
        for posting in postings:
            row = {column: posting.get(column) for column in RAW_COLUMNS}
            row["tags"] = posting.get("tags", [])
            row["url"] = row["url"] or f"https://example.test/{row['source_posting_id']}"
            payload = json.dumps(
                {
                    **{key: value for key, value in row.items() if key != "closed_at"},
                    **posting.get("payload", {}),
                },
                default=str,
            )
            cur.execute(
                f"""
                insert into raw.postings ({", ".join(RAW_COLUMNS)}, payload, content_hash,
                    fetched_at, first_seen_at, last_seen_at, crawl_run_id)
                values ({", ".join(["%s"] * len(RAW_COLUMNS))}, %s::jsonb, md5(%s), %s, %s, %s, %s)
                """,
                [
                    *(row[column] for column in RAW_COLUMNS),
                    payload,
                    payload,
                    FETCHED_AT,
                    FETCHED_AT,
                    FETCHED_AT,
                    CRAWL_RUN_ID,
                ],
            )


def duplicate_groups(built_postings: dict[str, dict]) -> set[frozenset[str]]:
    """The duplicate groups of ``built_postings``, as sets of source_posting_ids."""
    members: dict[str, set[str]] = {}
    for posting_id, row in built_postings.items():
        members.setdefault(row["duplicate_group_id"], set()).add(posting_id)
    return {frozenset(group) for group in members.values()}


@pytest.fixture(scope="module")
def built_postings(request, database_url) -> dict[str, dict]:
    """Truncate raw, insert the module's POSTINGS, run `dbt build` once.

    Returns marts.fct_postings keyed by source_posting_id.
    """
    postings = request.module.POSTINGS
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
        insert_postings(conn, postings)
        transform.build(database_url)
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute("select * from marts.fct_postings")
            rows = cur.fetchall()
    return {row["source_posting_id"]: dict(row) for row in rows}


@pytest.fixture
def query(database_url):
    """Run one read-only query against the test database; returns all rows as dicts."""

    def run(sql: str, params=None) -> list[dict]:
        with (
            contextlib.closing(database.connect(database_url)) as conn,
            conn.cursor(row_factory=dict_row) as cur,
        ):
            cur.execute(sql, params)
            return [dict(row) for row in cur.fetchall()]

    return run
