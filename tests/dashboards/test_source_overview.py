"""The Sources page's per-source counts come from dbt's marts.rpt_source_overview, with the
postings flagged by data-quality checks since the build added at read time; while a mart built
before that table existed is in place, fetch_source_overview aggregates the mart as it used to."""

from __future__ import annotations

import pytest

from dashboards import queries
from midtier import database
from tests.dashboards.conftest import mart_sql, run_sql

FIXTURE_COUNTS = {
    "remoteok": (3, 3, 1),
    "weworkremotely": (3, 2, 0),
    "himalayas": (1, 1, 0),
}


def _counts(url: str) -> dict[str, tuple]:
    return {
        row["source"]: (row["postings"], row["open_postings"], row["flagged"])
        for row in queries.fetch_source_overview(url)
    }


@pytest.fixture
def overview_url(make_database) -> str:
    """The fixture mart and Midtier's schema (quality.posting_flags), no check flags yet."""
    url = make_database("dashboards_source_overview", mart_sql())
    database.apply_schema(url)
    return url


def test_counts_of_the_fixture_mart(overview_url):
    assert _counts(overview_url) == FIXTURE_COUNTS


def test_counts_are_read_from_the_overview_table(overview_url):
    run_sql(
        overview_url,
        "update marts.rpt_source_overview set postings = 40, open_postings = 30, "
        "score_flagged_postings = 7 where source = 'himalayas'",
    )
    assert _counts(overview_url)["himalayas"] == (40, 30, 7)


def test_open_check_flags_add_the_postings_their_score_did_not_flag(overview_url):
    run_sql(
        overview_url,
        """
        insert into quality.posting_flags (posting_id, check_name, validation_id, cleared_at) values
            -- scored 85: flagged only by the checks, counted once for its two flags
            ('remoteok:1001', 'scam_phrases', 'v1', null),
            ('remoteok:1001', 'contact_off_platform', 'v1', null),
            -- scored 15: already counted by its score
            ('remoteok:1003', 'scam_phrases', 'v1', null),
            -- cleared by a later validation: no longer flags
            ('weworkremotely:go-9', 'scam_phrases', 'v1', now())
    """,
    )
    counts = _counts(overview_url)
    assert counts["remoteok"] == (3, 3, 2)
    assert counts["weworkremotely"] == FIXTURE_COUNTS["weworkremotely"]
