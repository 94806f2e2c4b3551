"""The Feed's filter choices come from dbt's marts.rpt_feed_facets; while a mart built before
that table existed is in place, fetch_facets scans the mart as it used to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboards import queries
from tests.dashboards.conftest import mart_sql

FIXTURE_FACETS = {
    "skills": ["python", "airflow", "django", "go", "node.js", "php", "postgresql", "react", "sql",
               "typescript"],
    "engagement_types": ["daily", "fixed", "hourly", "salary"],
    "regions": ["europe", "north_america", "worldwide"],
}


@pytest.fixture(scope="module")
def facets_only_url(make_database) -> str:
    """The fixture mart with rpt_feed_facets counting differently from the mart's rows."""
    return make_database("dashboards_facets_table", mart_sql() + """
        update marts.rpt_feed_facets set postings = 9 where facet = 'skill' and value = 'php';
        insert into marts.rpt_feed_facets values ('region', 'asia_pacific', 1);
    """)


@pytest.fixture(scope="module")
def legacy_mart_url(make_database) -> str:
    """The fixture mart as built before rpt_feed_facets existed."""
    return make_database("dashboards_facets_legacy",
                         mart_sql() + "drop table marts.rpt_feed_facets;")


def test_facets_of_the_fixture_mart(mart_database_url):
    facets = queries.fetch_facets(mart_database_url)

    assert {key: facets[key] for key in FIXTURE_FACETS} == FIXTURE_FACETS
    assert {"skills", "region", "is_canonical"} <= set(facets["columns"])
    assert facets["as_of"] == datetime(2025, 6, 5, 11, tzinfo=UTC)


def test_facets_are_read_from_the_facets_table(facets_only_url):
    facets = queries.fetch_facets(facets_only_url)

    assert facets["skills"][:2] == ["php", "python"]  # ordered by the table's counts
    assert facets["regions"] == ["asia_pacific", "europe", "north_america", "worldwide"]
    assert facets["engagement_types"] == FIXTURE_FACETS["engagement_types"]


def test_without_the_facets_table_the_mart_is_scanned(legacy_mart_url, mart_database_url):
    facets = queries.fetch_facets(legacy_mart_url)

    assert {key: facets[key] for key in FIXTURE_FACETS} == FIXTURE_FACETS
    assert facets == queries.fetch_facets(mart_database_url)


def test_without_any_mart_the_error_names_the_mart(empty_database_url):
    with pytest.raises(queries.DataUnavailable, match="`marts.fct_postings` does not exist yet"):
        queries.fetch_facets(empty_database_url)
