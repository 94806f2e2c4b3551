"""The dashboard queries keep their connections between calls and replace broken ones."""

from __future__ import annotations

import contextlib

import pytest

from dashboards import queries
from midtier import database


@pytest.fixture
def connects(monkeypatch) -> list[str]:
    """Every new connection the queries open, by URL."""
    opened: list[str] = []
    connect = queries._connect

    def counting_connect(url):
        opened.append(url)
        return connect(url)

    monkeypatch.setattr(queries, "_connect", counting_connect)
    queries.close_idle_connections()
    yield opened
    queries.close_idle_connections()


def _terminate_other_sessions(url: str) -> int:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid()")
        return cur.fetchone()[0]


def test_repeated_feed_queries_share_one_connection(mart_database_url, connects):
    first = queries.fetch_postings(mart_database_url, queries.PostingFilters())
    for _ in range(5):
        assert queries.fetch_postings(mart_database_url, queries.PostingFilters()) == first
    queries.fetch_facets(mart_database_url)

    assert first
    assert connects == [mart_database_url]


def test_a_connection_the_server_dropped_is_replaced(mart_database_url, connects):
    before = queries.fetch_postings(mart_database_url, queries.PostingFilters())
    assert _terminate_other_sessions(mart_database_url) >= 1

    assert queries.fetch_postings(mart_database_url, queries.PostingFilters()) == before
    assert len(connects) == 2


def test_a_missing_mart_leaves_the_connection_usable(empty_database_url, connects):
    for _ in range(2):
        with pytest.raises(queries.DataUnavailable, match="midtier run"):
            queries.fetch_postings(empty_database_url, queries.PostingFilters())

    assert connects == [empty_database_url]
