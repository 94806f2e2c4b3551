"""The client-legitimacy suite records what dbt decided as quality.posting_flags rows.

dbt owns "flagged" (fct_postings.is_score_flagged, from the legitimacy weights and the var
flag_score_threshold); the suite holds no threshold or signal of its own.
"""

from __future__ import annotations

import csv

from expectations import format_summary, run_checks
from expectations.suites import CLIENT_LEGITIMACY, client_legitimacy
from midtier.settings import PROJECT_ROOT
from tests.expectations.conftest import GOOD_ROWS, MART_COLUMNS, posting

SCAMS = [
    posting("remoteok:scam-telegram", legitimacy_score=20, is_score_flagged=True),
    posting("remoteok:scam-fee", legitimacy_score=41, is_score_flagged=True),
]


def legitimacy(db):
    return run_checks(db.url, groups=[CLIENT_LEGITIMACY])


def open_flags(db) -> dict[tuple[str, str], str]:
    rows = db.execute(
        "select posting_id, check_name, observed_value from quality.posting_flags "
        "where cleared_at is null"
    )
    return {(posting_id, check): observed for posting_id, check, observed in rows}


def test_postings_dbt_flagged_are_recorded_with_their_score(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])

    summary = legitimacy(empty_checks_db)

    assert open_flags(empty_checks_db) == {
        ("remoteok:scam-telegram", "legitimacy_score"): "legitimacy_score=20",
        ("remoteok:scam-fee", "legitimacy_score"): "legitimacy_score=41",
    }
    [(validation_id,)] = empty_checks_db.execute(
        "select distinct validation_id from quality.posting_flags"
    )
    assert validation_id == summary.validation_id
    assert summary.flags_added == 2
    assert "posting flags: 2 added, 0 cleared" in format_summary(summary)
    assert not summary.critical_failures  # flags are not a reason to stop publishing


def test_the_suite_has_no_threshold_of_its_own(empty_checks_db):
    # a low score dbt did not flag (another threshold), and absurd pay dbt weighed and let
    # pass: the suite follows dbt's verdict, not a second set of rules
    empty_checks_db.load_mart(
        [
            *GOOD_ROWS,
            posting("remoteok:low", legitimacy_score=5),
            posting(
                "remoteok:absurd", hourly_usd_min=900.0, hourly_usd_max=900.0, hourly_usd_mid=900.0
            ),
        ]
    )

    legitimacy(empty_checks_db)

    assert open_flags(empty_checks_db) == {}


def test_flags_clear_when_dbt_no_longer_flags_and_reopen_when_it_does_again(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    legitimacy(empty_checks_db)
    [(first_flagged_at,)] = empty_checks_db.execute(
        "select flagged_at from quality.posting_flags where posting_id = 'remoteok:scam-fee'"
    )

    # new weights: the telegram posting is no longer flagged, the fee one scores lower
    empty_checks_db.load_mart(
        [
            *GOOD_ROWS,
            SCAMS[0] | {"legitimacy_score": 70, "is_score_flagged": False},
            SCAMS[1] | {"legitimacy_score": 30},
        ]
    )
    second = legitimacy(empty_checks_db)

    assert (second.flags_added, second.flags_cleared) == (0, 1)
    assert set(open_flags(empty_checks_db)) == {("remoteok:scam-fee", "legitimacy_score")}
    [(cleared_at, validation_id)] = empty_checks_db.execute(
        "select cleared_at, validation_id from quality.posting_flags "
        "where posting_id = 'remoteok:scam-telegram'"
    )
    assert cleared_at is not None and validation_id == second.validation_id
    [(observed, flagged_at)] = empty_checks_db.execute(
        "select observed_value, flagged_at from quality.posting_flags "
        "where posting_id = 'remoteok:scam-fee'"
    )
    assert (observed, flagged_at) == ("legitimacy_score=30", first_flagged_at)

    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    third = legitimacy(empty_checks_db)

    assert third.flags_added == 1
    assert ("remoteok:scam-telegram", "legitimacy_score") in open_flags(empty_checks_db)


def test_more_failing_postings_than_the_default_gx_cap_are_all_flagged(empty_checks_db):
    many = [
        posting(f"remoteok:cheap-{n}", legitimacy_score=10, is_score_flagged=True)
        for n in range(60)
    ]
    empty_checks_db.load_mart([*GOOD_ROWS, *many], with_raw=False)

    legitimacy(empty_checks_db)

    assert len(open_flags(empty_checks_db)) == 60


def test_a_suite_whose_checks_raise_is_recorded_as_error_and_clears_no_flag(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    legitimacy(empty_checks_db)
    flagged = set(open_flags(empty_checks_db))
    # The scams are gone, but reading dbt's verdict now overflows a cast, as one absurd rate
    # did to the mart's numeric(10,2) ratio: the check on it raises inside GX, not fails.
    empty_checks_db.load_mart(GOOD_ROWS)
    columns = [column for column in MART_COLUMNS if column != "is_score_flagged"]
    empty_checks_db.execute(
        "alter table marts.fct_postings rename to fct_postings_stored;"
        f"create view marts.fct_postings as select {', '.join(columns)},"
        " (legitimacy_score * 1e12)::numeric(10, 2) < 0 as is_score_flagged"
        " from marts.fct_postings_stored"
    )

    try:
        summary = legitimacy(empty_checks_db)
    finally:
        empty_checks_db.execute(
            "drop view marts.fct_postings;"
            "alter table marts.fct_postings_stored rename to fct_postings"
        )

    [suite] = summary.suites
    assert suite.status == "error"
    assert any("numeric field overflow" in (failure.error or "") for failure in suite.failures)
    assert set(open_flags(empty_checks_db)) == flagged  # every earlier flag still open
    assert summary.flags_cleared == 0
    [(status, success)] = empty_checks_db.execute(
        "select status, success from quality.validation_results where validation_id = %s",
        (summary.validation_id,),
    )
    assert (status, success) == ("error", False)
    report = format_summary(summary)
    assert "ERROR  client_legitimacy" in report and "no flag cleared" in report


def test_every_check_that_flags_postings_has_a_plain_words_reason():
    seed = PROJECT_ROOT / "dbt" / "seeds" / "quality_check_reasons.csv"
    with open(seed, encoding="utf-8", newline="") as handle:
        reasons = {row["check_name"]: row["reason"] for row in csv.DictReader(handle)}
    checks = {check.name for check in client_legitimacy().checks}
    assert checks and checks <= set(reasons)
    assert not any("_" in reasons[check] for check in checks)  # words, not identifiers
