"""The Feed's filter choices come from dbt's marts.rpt_feed_facets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboards import queries
from tests.dashboards.conftest import mart_sql

FIXTURE_FACETS = {
    "skills": [
        "python",
        "airflow",
        "django",
        "go",
        "node.js",
        "php",
        "postgresql",
        "react",
        "sql",
        "typescript",
    ],
    "engagement_types": ["daily", "fixed", "hourly", "salary"],
    "regions": ["europe", "north_america", "worldwide"],
}


@pytest.fixture(scope="module")
def facets_only_url(make_database) -> str:
    """The fixture mart with rpt_feed_facets counting differently from the mart's rows."""
    return make_database(
        "dashboards_facets_table",
        mart_sql()
        + """
        update marts.rpt_feed_facets set postings = 9 where facet = 'skill' and value = 'php';
        insert into marts.rpt_feed_facets values ('region', 'asia_pacific', 1);
    """,
    )


def test_facets_of_the_fixture_mart(mart_database_url):
    facets = queries.fetch_facets(mart_database_url)

    assert {key: facets[key] for key in FIXTURE_FACETS} == FIXTURE_FACETS
    assert facets["as_of"] == datetime(2025, 6, 5, 11, tzinfo=UTC)


def test_facets_are_read_from_the_facets_table(facets_only_url):
    facets = queries.fetch_facets(facets_only_url)

    assert facets["skills"][:2] == ["php", "python"]  # ordered by the table's counts
    assert facets["regions"] == ["asia_pacific", "europe", "north_america", "worldwide"]
    assert facets["engagement_types"] == FIXTURE_FACETS["engagement_types"]


def test_without_any_mart_the_error_names_the_mart(empty_database_url):
    with pytest.raises(queries.DataUnavailable, match="`marts.rpt_feed_facets` does not exist yet"):
        queries.fetch_facets(empty_database_url)
