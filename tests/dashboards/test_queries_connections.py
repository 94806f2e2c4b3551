"""The dashboard queries keep their connections between calls and replace broken ones."""

from __future__ import annotations

import contextlib

import pytest

from dashboards import queries
from midtier import database


@pytest.fixture
def pool_stats():
    """The counters of the queries' pool for a URL, from a fresh start."""
    queries.close_idle_connections()
    yield lambda url: queries._pool(url).get_stats()
    queries.close_idle_connections()


def _terminate_other_sessions(url: str) -> int:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity "
            "where datname = current_database() and pid <> pg_backend_pid()"
        )
        return cur.fetchone()[0]


def test_repeated_feed_queries_share_one_connection(mart_database_url, pool_stats):
    first = queries.fetch_postings(mart_database_url, queries.PostingFilters())
    for _ in range(5):
        assert queries.fetch_postings(mart_database_url, queries.PostingFilters()) == first
    queries.fetch_facets(mart_database_url)

    assert first
    assert pool_stats(mart_database_url)["connections_num"] == 1


def test_a_connection_the_server_dropped_is_replaced(mart_database_url, pool_stats):
    before = queries.fetch_postings(mart_database_url, queries.PostingFilters())
    assert _terminate_other_sessions(mart_database_url) >= 1

    assert queries.fetch_postings(mart_database_url, queries.PostingFilters()) == before
    assert pool_stats(mart_database_url).get("connections_lost") == 1


def test_a_missing_mart_leaves_the_connection_usable(empty_database_url, pool_stats):
    for _ in range(2):
        with pytest.raises(queries.DataUnavailable, match="midtier run"):
            queries.fetch_postings(empty_database_url, queries.PostingFilters())

    assert pool_stats(empty_database_url)["connections_num"] == 1
