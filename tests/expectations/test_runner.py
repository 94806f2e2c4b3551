"""The fct_postings suite against a real PostgreSQL table.

dbt's tests own ``marts`` in the ``midtier`` database, so these tests use their own
database on the same server with a hand-made ``marts.fct_postings``.
"""

from __future__ import annotations

import contextlib
import json
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from expectations import format_summary, run_checks
from expectations.runner import DATABASE_URL_VARIABLE
from midtier import database

TEST_DATABASE = "expectations_test"

FCT_POSTINGS = """
    create schema if not exists marts;
    drop table if exists marts.fct_postings;
    create table marts.fct_postings (
        posting_id          text,
        source              text,
        source_posting_id   text,
        url                 text,
        title               text,
        company_name        text,
        description_text    text,
        posted_at           timestamptz,
        engagement_type     text,
        budget_currency     text,
        budget_min          numeric,
        budget_max          numeric,
        budget_period       text,
        hourly_usd_min      double precision,
        hourly_usd_max      double precision,
        hourly_usd_mid      double precision,
        skills              text[],
        legitimacy_score    integer,
        legitimacy_reasons  text[],
        is_flagged          boolean
    );
"""

COLUMNS = (
    "posting_id", "source", "source_posting_id", "url", "title", "engagement_type",
    "budget_currency", "budget_min", "budget_max", "budget_period",
    "hourly_usd_min", "hourly_usd_max", "hourly_usd_mid", "skills", "legitimacy_score",
    "is_flagged",
)


def posting(posting_id: str, **overrides) -> dict:
    row = {
        "posting_id": posting_id,
        "source": "remoteok",
        "source_posting_id": posting_id.split(":")[-1],
        "url": f"https://example.test/jobs/{posting_id}",
        "title": "Python developer",
        "engagement_type": "hourly",
        "budget_currency": "USD",
        "budget_min": 40,
        "budget_max": 60,
        "budget_period": "hour",
        "hourly_usd_min": 40.0,
        "hourly_usd_max": 60.0,
        "hourly_usd_mid": 50.0,
        "skills": ["python"],
        "legitimacy_score": 80,
        "is_flagged": False,
    }
    row.update(overrides)
    return row


GOOD_ROWS = [
    posting("remoteok:1"),
    posting("remoteok:2", engagement_type="fixed", budget_period="project",
            hourly_usd_min=None, hourly_usd_max=None, hourly_usd_mid=None),
    posting("remoteok:3", engagement_type="unknown", budget_currency=None, budget_min=None,
            budget_max=None, budget_period=None, hourly_usd_min=None, hourly_usd_max=None,
            hourly_usd_mid=None, legitimacy_score=0, is_flagged=True),
    posting("remoteok:4", engagement_type="salary", budget_period="year",
            hourly_usd_min=48.0, hourly_usd_max=48.0, hourly_usd_mid=48.0, legitimacy_score=100),
]


@pytest.fixture(scope="module")
def checks_url(database_url) -> str:
    """A separate database with Midtier's schema and an empty marts.fct_postings."""
    parts = urlsplit(database_url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with contextlib.closing(admin), admin.cursor() as cur:
        cur.execute(f"drop database if exists {TEST_DATABASE} with (force)")
        cur.execute(f"create database {TEST_DATABASE}")
    url = urlunsplit(parts._replace(path=f"/{TEST_DATABASE}"))
    database.apply_schema(url)
    return url


@pytest.fixture
def load_postings(checks_url):
    def load(rows: list[dict]) -> None:
        with contextlib.closing(database.connect(checks_url)) as conn, conn, conn.cursor() as cur:
            cur.execute(FCT_POSTINGS)
            cur.execute("truncate quality.validation_results")
            for row in rows:
                cur.execute(
                    f"insert into marts.fct_postings ({', '.join(COLUMNS)}) "
                    f"values ({', '.join(['%s'] * len(COLUMNS))})",
                    [row[column] for column in COLUMNS],
                )

    return load


def stored_results(url: str) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select validation_id, suite_name, success, evaluated, failed, result "
            "from quality.validation_results"
        )
        return cur.fetchall()


def test_good_postings_pass_and_are_recorded(checks_url, load_postings):
    load_postings(GOOD_ROWS)

    summary = run_checks(checks_url)

    assert summary.success
    [suite] = summary.suites
    assert (suite.name, suite.success, suite.critical, suite.failed) == (
        "fct_postings_integrity", True, True, 0,
    )
    assert suite.evaluated == 12
    [(validation_id, suite_name, success, evaluated, failed, result)] = stored_results(checks_url)
    assert (validation_id, suite_name, success, evaluated, failed) == (
        summary.validation_id, "fct_postings_integrity", True, 12, 0,
    )
    assert result["success"] is True


def test_bad_postings_fail_with_their_posting_ids(checks_url, load_postings):
    load_postings([
        *GOOD_ROWS,
        posting("remoteok:5", legitimacy_score=150),
        posting("remoteok:1", title="Duplicate of the first posting"),
        posting("remoteok:6", engagement_type="retainer"),
    ])

    summary = run_checks(checks_url)

    [suite] = summary.suites
    assert not suite.success and summary.critical_failures == [suite]
    failures = {failure.expectation: failure for failure in suite.failures}
    assert failures["expect_column_values_to_be_between"].row_keys == ["remoteok:5"]
    assert failures["expect_column_values_to_be_unique"].row_keys == ["remoteok:1"]
    assert failures["expect_column_values_to_be_in_set"].row_keys == ["remoteok:6"]
    assert suite.failed == 3
    [(_, _, success, _, failed, _)] = stored_results(checks_url)
    assert (success, failed) == (False, 3)


def test_hourly_rates_out_of_order_or_band_fail(checks_url, load_postings):
    load_postings([
        *GOOD_ROWS,
        posting("remoteok:7", hourly_usd_min=90.0, hourly_usd_max=30.0, hourly_usd_mid=60.0),
        posting("remoteok:8", hourly_usd_min=5000.0, hourly_usd_max=5000.0, hourly_usd_mid=5000.0),
    ])

    [suite] = run_checks(checks_url).suites

    failures = {(failure.expectation, failure.column): failure for failure in suite.failures}
    pair = failures[("expect_column_pair_values_a_to_be_greater_than_b", "hourly_usd_max, hourly_usd_min")]
    assert pair.row_keys == ["remoteok:7"]
    assert failures[("expect_column_values_to_be_between", "hourly_usd_mid")].row_keys == ["remoteok:8"]


def test_empty_mart_fails(checks_url, load_postings):
    load_postings([])

    [suite] = run_checks(checks_url).suites

    assert [failure.expectation for failure in suite.failures] == [
        "expect_table_row_count_to_be_between"
    ]


def test_database_url_reaches_gx_only_through_the_environment(checks_url, load_postings, monkeypatch):
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    load_postings(GOOD_ROWS)

    assert run_checks(checks_url).success

    [(_, _, _, _, _, result)] = stored_results(checks_url)
    assert f"127.0.0.1:{urlsplit(checks_url).port}" not in json.dumps(result)
    assert DATABASE_URL_VARIABLE not in os.environ


def test_format_summary_names_each_suite_and_failing_rows(checks_url, load_postings):
    load_postings([*GOOD_ROWS, posting("remoteok:5", legitimacy_score=150)])

    text = format_summary(run_checks(checks_url))

    assert "FAIL  fct_postings_integrity (critical): 11/12 expectations met" in text
    assert "expect_column_values_to_be_between(legitimacy_score): 1 unexpected: remoteok:5" in text
    assert "exports are blocked" in text
