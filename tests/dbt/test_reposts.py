"""A role a company opens again months later is a new job, not a copy (var duplicate_max_days_apart)."""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, transform
from tests.dbt.conftest import insert_postings

TEXT = (
    "Saltmarsh Robotics is hiring a backend developer for its fleet telemetry service. You "
    "will own the Go ingestion workers, the PostgreSQL schema behind them and the alerting "
    "that wakes our on-call team, and work with two firmware engineers in Tartu."
)

# (source, id, posted_at, first_seen_at): a, b, c chain as re-posts at most 45 days apart;
# d comes seven months after c; e has no posting date and is compared by first seen (with d)
POSTINGS_DATED = [
    ("remoteok", "a", "2026-01-05", "2026-01-06"),
    ("jobicy", "b", "2026-01-20", "2026-01-21"),
    ("himalayas", "c", "2026-02-25", "2026-02-26"),
    ("remoteok", "d", "2026-09-01", "2026-09-02"),
    ("weworkremotely", "e", None, "2026-09-10"),
]


def _groups(url: str, table: str = "marts.fct_postings") -> dict[str, tuple[str, bool, int]]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            f"select postings.source_posting_id, grouped.duplicate_group_id,"
            f" grouped.is_canonical, grouped.duplicate_group_size"
            f" from {table} as grouped"
            f" inner join staging.stg_raw__postings as postings using (posting_id)"
        )
        return {row[0]: row[1:] for row in cur.fetchall()}


DEDUPLICATED = "intermediate.int_postings_deduplicated"


def _partition(groups: dict[str, tuple[str, bool, int]]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for posting, (group, _, _) in groups.items():
        members.setdefault(group, set()).add(posting)
    return {frozenset(group) for group in members.values()}


@pytest.fixture(scope="module")
def reposts(database_url):
    postings = [
        {
            "source": source,
            "source_posting_id": posting,
            "title": "Backend developer (Go)",
            "company": "Saltmarsh Robotics",
            "description_text": TEXT,
            "budget_text": "$80/hr",
            "tags": ["go"],
            "url": f"https://{source}.example/jobs/{posting}",
            "posted_at": posted,
        }
        for source, posting, posted, _ in POSTINGS_DATED
    ]
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
        insert_postings(conn, postings)
        with conn.transaction(), conn.cursor() as cur:
            for _, posting, _, first_seen in POSTINGS_DATED:
                cur.execute(
                    "update raw.postings set first_seen_at = %s, last_seen_at = %s"
                    " where source_posting_id = %s",
                    (first_seen, first_seen, posting),
                )
    transform.build(database_url)
    return database_url


def test_re_posts_within_the_window_chain_and_a_later_opening_is_a_new_job(reposts):
    groups = _groups(reposts)
    assert _partition(groups) == {frozenset("abc"), frozenset("de")}
    # the new opening is shown in the feed on its own, not hidden behind January's posting
    assert groups["d"][1:] == (True, 2)
    assert groups["a"][1:] == (True, 3)
    assert not groups["b"][1] and not groups["c"][1]


def test_a_moved_posting_date_regroups_incrementally_as_a_full_rebuild_would(reposts):
    with contextlib.closing(database.connect(reposts)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "update raw.postings set posted_at = '2026-08-20' where source_posting_id = 'c'"
        )
    try:
        transform.build(reposts)
        assert _partition(_groups(reposts)) == {frozenset("ab"), frozenset("cde")}
        incremental = _groups(reposts, DEDUPLICATED)
        transform.run_dbt(
            ["run", "--select", "int_postings_deduplicated", "--full-refresh"], reposts
        )
        assert _groups(reposts, DEDUPLICATED) == incremental
    finally:
        with contextlib.closing(database.connect(reposts)) as conn, conn, conn.cursor() as cur:
            cur.execute(
                "update raw.postings set posted_at = '2026-02-25' where source_posting_id = 'c'"
            )
        transform.build(reposts)


def test_big_blocks_compare_each_posting_with_its_neighbours(reposts):
    """Blocks over duplicate_block_max_size: each posting meets its window's neighbours only
    (sorted by title, text, first seen: a b c d e), so the chain still forms."""
    few = "{duplicate_block_max_size: 2, duplicate_block_window: 1}"
    try:
        transform.run_dbt(
            ["run", "--select", "int_posting_duplicate_pairs+", "--full-refresh", "--vars", few],
            reposts,
        )
        assert _partition(_groups(reposts, DEDUPLICATED)) == {frozenset("abc"), frozenset("de")}
        with contextlib.closing(database.connect(reposts)) as conn, conn.cursor() as cur:
            cur.execute(
                "select count(*) from intermediate.int_posting_duplicate_pairs"
                " where right_posting_id is not null"
            )
            assert cur.fetchone()[0] == 4  # a-b, b-c, c-d, d-e: no pair two places apart
    finally:
        transform.run_dbt(
            ["run", "--select", "int_posting_duplicate_pairs+", "--full-refresh"], reposts
        )


def _velocity(url: str) -> dict[str, int]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select source_posting_id, client_posting_velocity from marts.fct_postings")
        return dict(cur.fetchall())


def test_re_posts_found_on_one_day_in_an_archive_do_not_count_as_posting_velocity(reposts):
    """A first crawl of a monthly thread's archive sees a year of one company's re-posts at
    once: their posting dates, not that day, say how fast the client posts."""
    with contextlib.closing(database.connect(reposts)) as conn, conn, conn.cursor() as cur:
        cur.execute("update raw.postings set first_seen_at = '2026-09-10'")
        cur.execute(
            "update raw.postings set posted_at = '2026-09-10' where source_posting_id = 'e'"
        )
    try:
        transform.build(reposts)
        # a, b, c and d were posted 15 days or more apart, d and e 9 days apart
        assert _velocity(reposts) == {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    finally:
        with contextlib.closing(database.connect(reposts)) as conn, conn, conn.cursor() as cur:
            for _, posting, posted, first_seen in POSTINGS_DATED:
                cur.execute(
                    "update raw.postings set posted_at = %s, first_seen_at = %s"
                    " where source_posting_id = %s",
                    (posted, first_seen, posting),
                )
        transform.build(reposts)
