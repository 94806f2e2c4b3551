"""The critical mart-integrity suites against a hand-made marts.fct_postings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from expectations import format_summary, run_checks
from expectations.runner import DATABASE_URL_VARIABLE
from expectations.suites import MART_INTEGRITY
from tests.expectations.conftest import GOOD_ROWS, posting


def integrity(db):
    return run_checks(db.url, groups=[MART_INTEGRITY])


def failures_by_check(summary, suite_name="fct_postings_integrity"):
    [suite] = [suite for suite in summary.suites if suite.name == suite_name]
    return {failure.check_name: failure for failure in suite.failures}


def test_good_postings_pass_and_are_recorded_with_data_docs(empty_checks_db):
    empty_checks_db.load_mart(GOOD_ROWS)

    summary = integrity(empty_checks_db)

    assert summary.success and not summary.critical_failures
    assert [(suite.name, suite.critical) for suite in summary.suites] == [
        ("fct_postings_integrity", True),
        ("fct_postings_coverage", True),
        ("fct_postings_budgets", False),
    ]
    stored = empty_checks_db.execute(
        "select validation_id, suite_name, success, critical, suite_group, data_docs_path, result "
        "from quality.validation_results order by suite_name"
    )
    assert [row[:5] for row in stored] == [
        (summary.validation_id, "fct_postings_budgets", True, False, "mart_integrity"),
        (summary.validation_id, "fct_postings_coverage", True, True, "mart_integrity"),
        (summary.validation_id, "fct_postings_integrity", True, True, "mart_integrity"),
    ]
    assert stored[0][6]["success"] is True
    docs = Path(stored[0][5])
    assert docs.name == "index.html" and docs.is_file() and summary.data_docs_path == str(docs)


def test_bad_postings_fail_with_their_posting_ids(empty_checks_db):
    empty_checks_db.load_mart(
        [
            *GOOD_ROWS,
            posting("remoteok:5", legitimacy_score=150),
            posting("remoteok:1", title="Duplicate of the first posting"),
            posting("remoteok:6", engagement_type="retainer"),
        ]
    )

    summary = integrity(empty_checks_db)

    failures = failures_by_check(summary)
    assert failures["legitimacy_score_range"].row_keys == ["remoteok:5"]
    assert failures["posting_id_unique"].row_keys == ["remoteok:1"]
    assert failures["engagement_type_known"].row_keys == ["remoteok:6"]
    assert [suite.name for suite in summary.critical_failures] == ["fct_postings_integrity"]
    [(success, failed)] = empty_checks_db.execute(
        "select success, failed from quality.validation_results "
        "where suite_name = 'fct_postings_integrity'"
    )
    assert (success, failed) == (False, 3)


def test_hourly_rates_out_of_order_or_outside_their_currency_bounds_fail(empty_checks_db):
    empty_checks_db.load_mart(
        [
            *GOOD_ROWS,
            posting("remoteok:7", hourly_usd_min=90.0, hourly_usd_max=30.0, hourly_usd_mid=60.0),
            posting(
                "remoteok:8", hourly_usd_min=5000.0, hourly_usd_max=5000.0, hourly_usd_mid=5000.0
            ),
            # 900 USD an hour is possible in USD, not from a posting in rupees (an FX error).
            posting("remoteok:9", hourly_usd_mid=900.0, hourly_usd_max=900.0),
            posting(
                "remoteok:10", budget_currency="INR", hourly_usd_mid=900.0, hourly_usd_max=900.0
            ),
        ]
    )

    failures = failures_by_check(integrity(empty_checks_db))

    assert failures["hourly_usd_order"].row_keys == ["remoteok:7"]
    assert failures["hourly_usd_bounds_USD"].row_keys == ["remoteok:8"]
    assert failures["hourly_usd_bounds_INR"].row_keys == ["remoteok:10"]
    assert failures["hourly_usd_bounds_INR"].observed == {"remoteok:10": "hourly_usd_mid=900"}


def test_empty_mart_fails(empty_checks_db):
    empty_checks_db.load_mart([])

    assert list(failures_by_check(integrity(empty_checks_db))) == ["row_count"]


def test_missing_mart_fails_both_critical_suites(empty_checks_db):
    empty_checks_db.execute("drop table marts.fct_postings")

    summary = integrity(empty_checks_db)

    assert [suite.name for suite in summary.critical_failures] == [
        "fct_postings_integrity",
        "fct_postings_coverage",
    ]
    assert "does not exist" in summary.critical_failures[0].reason()


def test_mart_missing_raw_postings_fails_coverage_for_that_source(empty_checks_db):
    empty_checks_db.load_mart(GOOD_ROWS)
    from tests.expectations.conftest import raw_posting

    empty_checks_db.add_run("remoteok", [raw_posting(f"new-{n}") for n in range(4)])

    summary = integrity(empty_checks_db)

    failure = failures_by_check(summary, "fct_postings_coverage")["mart_rows_vs_raw"]
    assert failure.row_keys == ["remoteok"]
    assert failure.observed["remoteok"] == "mart_to_raw_ratio=0.5"


def test_unread_budgets_per_source_are_reported_without_blocking_publication(empty_checks_db):
    unread = [
        posting(
            f"wwr:{n}",
            engagement_type="unknown",
            budget_currency=None,
            budget_period=None,
            hourly_usd_min=None,
            hourly_usd_max=None,
            hourly_usd_mid=None,
        )
        for n in range(3)
    ]
    empty_checks_db.load_mart([*GOOD_ROWS, *unread])  # raw says "$40-60/hr" for each

    summary = integrity(empty_checks_db)

    failure = failures_by_check(summary, "fct_postings_budgets")["unread_budget_share"]
    assert failure.row_keys == ["wwr"]
    assert not summary.critical_failures


def test_flagged_postings_and_degraded_sources_cannot_block_publication(empty_checks_db):
    empty_checks_db.load_mart(
        [
            *GOOD_ROWS,
            # the mart's view reads the open flag below: flagged, so not publishable
            posting(
                "remoteok:8",
                hourly_usd_mid=5000.0,
                hourly_usd_max=5000.0,
                is_flagged=True,
                is_publishable=False,
            ),
            posting("broken:1", title=None, engagement_type="retainer"),
        ]
    )
    empty_checks_db.execute(
        "insert into quality.posting_flags (posting_id, check_name, validation_id) "
        "values ('remoteok:8', 'absurd_hourly_budget', 'earlier')"
    )
    empty_checks_db.execute(
        "insert into quality.source_status (source, status, reason, validation_id) "
        "values ('broken', 'degraded', 'title_missing', 'earlier')"
    )

    assert integrity(empty_checks_db).success


def test_database_url_reaches_gx_only_through_the_environment(empty_checks_db, monkeypatch):
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    empty_checks_db.load_mart(GOOD_ROWS)

    assert integrity(empty_checks_db).success

    stored = empty_checks_db.execute("select result from quality.validation_results")
    port = urlsplit(empty_checks_db.url).port
    assert all(f"127.0.0.1:{port}" not in json.dumps(result) for (result,) in stored)
    assert DATABASE_URL_VARIABLE not in os.environ


def test_format_summary_names_each_suite_and_failing_rows(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, posting("remoteok:5", legitimacy_score=150)])

    text = format_summary(integrity(empty_checks_db))

    assert "FAIL  fct_postings_integrity (critical)" in text
    assert "PASS  fct_postings_coverage (critical)" in text
    assert (
        "legitimacy_score_range expect_column_values_to_be_between(legitimacy_score): "
        "1 unexpected (20%): remoteok:5"
    ) in text
    assert "exports are blocked" in text
