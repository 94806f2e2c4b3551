"""The client-legitimacy suite turns failing postings into quality.posting_flags rows."""

from __future__ import annotations

from expectations import format_summary, run_checks
from expectations.suites import CLIENT_LEGITIMACY
from tests.expectations.conftest import GOOD_ROWS, MART_COLUMNS, posting

SCAMS = [
    posting("remoteok:scam-score", legitimacy_score=20),
    posting("remoteok:scam-hourly", hourly_usd_min=800.0, hourly_usd_max=1200.0,
            hourly_usd_mid=1000.0),
    posting("remoteok:scam-fixed", engagement_type="fixed", budget_period="project",
            hourly_usd_min=None, hourly_usd_max=None, hourly_usd_mid=None,
            fixed_usd_min=50, fixed_usd_max=50),
]


def legitimacy(db):
    return run_checks(db.url, groups=[CLIENT_LEGITIMACY])


def open_flags(db) -> dict[tuple[str, str], str]:
    rows = db.execute("select posting_id, check_name, observed_value from quality.posting_flags "
                      "where cleared_at is null")
    return {(posting_id, check): observed for posting_id, check, observed in rows}


def test_failing_postings_are_flagged_with_check_and_observed_value(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])

    summary = legitimacy(empty_checks_db)

    assert open_flags(empty_checks_db) == {
        ("remoteok:scam-score", "legitimacy_score"): "legitimacy_score=20",
        ("remoteok:scam-hourly", "absurd_hourly_budget"): "hourly_usd_mid=1000",
        ("remoteok:scam-fixed", "absurd_fixed_budget"): "fixed_usd_max=50",
    }
    [(validation_id,)] = empty_checks_db.execute(
        "select distinct validation_id from quality.posting_flags")
    assert validation_id == summary.validation_id
    assert summary.flags_added == 3
    assert "posting flags: 3 added, 0 cleared" in format_summary(summary)
    assert not summary.critical_failures  # flags are not a reason to stop publishing


def test_checks_on_columns_the_mart_lacks_are_recorded_as_skipped(empty_checks_db):
    empty_checks_db.load_mart(GOOD_ROWS)

    [suite] = legitimacy(empty_checks_db).suites

    skipped = dict(suite.skipped)
    assert "pay_vs_market_ratio" in skipped["pay_vs_market"]
    assert "budget_scope_ratio" in skipped["budget_below_scope"]
    assert "client_posting_velocity" in skipped
    assert "pay_vs_market" not in {failure.check_name for failure in suite.failures}
    [(stored,)] = empty_checks_db.execute(
        "select skipped from quality.validation_results where suite_name = 'client_legitimacy'")
    assert {"check": "pay_vs_market", "reason": skipped["pay_vs_market"]} in stored


def test_issue_7_signal_columns_are_used_when_the_mart_has_them(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, posting("remoteok:telegram"), posting("remoteok:cheap"),
                               posting("remoteok:lure")])
    empty_checks_db.execute("""
        alter table marts.fct_postings add column has_off_platform_contact boolean default false,
                                       add column budget_scope_ratio numeric(12, 4),
                                       add column pay_vs_market_ratio numeric(10, 2) default 1.0,
                                       add column client_posting_velocity integer default 1;
        update marts.fct_postings set has_off_platform_contact = true
            where posting_id = 'remoteok:telegram';
        update marts.fct_postings set budget_scope_ratio = 0.002, pay_vs_market_ratio = 0.05
            where posting_id = 'remoteok:cheap';
        update marts.fct_postings set pay_vs_market_ratio = 12, client_posting_velocity = 40
            where posting_id = 'remoteok:lure';
    """)

    legitimacy(empty_checks_db)

    assert set(open_flags(empty_checks_db)) == {
        ("remoteok:telegram", "off_platform_contact"),
        ("remoteok:cheap", "budget_below_scope"),  # paying below the median is no lure
        ("remoteok:lure", "pay_vs_market"),
        ("remoteok:lure", "client_posting_velocity"),
    }


def test_rule_signals_are_read_from_the_reasons_until_the_mart_has_their_columns(empty_checks_db):
    empty_checks_db.execute("""
        create schema if not exists seeds;
        drop table if exists seeds.legitimacy_rules;
        create table seeds.legitimacy_rules (rule_id text, signal text, description text);
        insert into seeds.legitimacy_rules values
            ('off_platform_messaging', 'off_platform_contact', 'Asks to move the conversation to a messaging app'),
            ('pay_to_apply', 'pay_to_apply', 'Asks the applicant to pay a fee');
    """)
    empty_checks_db.load_mart([
        *GOOD_ROWS,
        posting("remoteok:telegram", legitimacy_score=65, legitimacy_reasons=[
            'Asks to move the conversation to a messaging app: "contact me on telegram"']),
        posting("remoteok:fee", legitimacy_score=60, legitimacy_reasons=[
            'Asks the applicant to pay a fee: "registration fee"']),
    ])
    try:
        legitimacy(empty_checks_db)
    finally:
        empty_checks_db.execute("drop schema seeds cascade")

    assert open_flags(empty_checks_db) == {
        ("remoteok:telegram", "off_platform_contact"): "has_off_platform_contact=True",
        ("remoteok:fee", "pay_to_apply"): "has_pay_to_apply=True",
    }


def test_flags_clear_when_a_later_validation_passes_and_reopen_when_it_fails_again(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    legitimacy(empty_checks_db)
    [(first_flagged_at,)] = empty_checks_db.execute(
        "select flagged_at from quality.posting_flags where posting_id = 'remoteok:scam-hourly'")

    # The score is fixed upstream; the hourly scam is still there with a new observed value.
    empty_checks_db.load_mart([*GOOD_ROWS, SCAMS[1] | {"hourly_usd_mid": 1100.0}, SCAMS[2]])
    second = legitimacy(empty_checks_db)

    assert (second.flags_added, second.flags_cleared) == (0, 1)
    assert set(open_flags(empty_checks_db)) == {
        ("remoteok:scam-hourly", "absurd_hourly_budget"), ("remoteok:scam-fixed", "absurd_fixed_budget")}
    [(cleared_at, validation_id)] = empty_checks_db.execute(
        "select cleared_at, validation_id from quality.posting_flags "
        "where posting_id = 'remoteok:scam-score'")
    assert cleared_at is not None and validation_id == second.validation_id
    [(observed, flagged_at)] = empty_checks_db.execute(
        "select observed_value, flagged_at from quality.posting_flags "
        "where posting_id = 'remoteok:scam-hourly'")
    assert (observed, flagged_at) == ("hourly_usd_mid=1100", first_flagged_at)

    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    third = legitimacy(empty_checks_db)

    assert third.flags_added == 1
    assert ("remoteok:scam-score", "legitimacy_score") in open_flags(empty_checks_db)


def test_more_failing_postings_than_the_default_gx_cap_are_all_flagged(empty_checks_db):
    many = [posting(f"remoteok:cheap-{n}", legitimacy_score=10) for n in range(60)]
    empty_checks_db.load_mart([*GOOD_ROWS, *many], with_raw=False)

    legitimacy(empty_checks_db)

    assert len(open_flags(empty_checks_db)) == 60


def test_a_suite_whose_checks_raise_is_recorded_as_error_and_clears_no_flag(empty_checks_db):
    empty_checks_db.load_mart([*GOOD_ROWS, *SCAMS])
    legitimacy(empty_checks_db)
    flagged = set(open_flags(empty_checks_db))
    # The scams are gone, but reading hourly_usd_mid now overflows a cast, as one absurd rate
    # did to the mart's numeric(10,2) ratio: the checks on it raise inside GX, not fail.
    empty_checks_db.load_mart(GOOD_ROWS)
    columns = [column for column in MART_COLUMNS if column != "hourly_usd_mid"]
    empty_checks_db.execute(
        "alter table marts.fct_postings rename to fct_postings_stored;"
        f"create view marts.fct_postings as select {', '.join(columns)},"
        " (hourly_usd_mid * 1e12)::numeric(10, 2) as hourly_usd_mid"
        " from marts.fct_postings_stored")

    try:
        summary = legitimacy(empty_checks_db)
    finally:
        empty_checks_db.execute("drop view marts.fct_postings;"
                                "alter table marts.fct_postings_stored rename to fct_postings")

    [suite] = summary.suites
    assert suite.status == "error"
    assert any("numeric field overflow" in (failure.error or "") for failure in suite.failures)
    assert set(open_flags(empty_checks_db)) == flagged  # every earlier flag still open
    assert summary.flags_cleared == 0
    [(status, success)] = empty_checks_db.execute(
        "select status, success from quality.validation_results where validation_id = %s",
        (summary.validation_id,))
    assert (status, success) == ("error", False)
    report = format_summary(summary)
    assert "ERROR  client_legitimacy" in report and "no flag cleared" in report


def test_pay_dbt_found_implausible_is_flagged_though_its_figures_are_gone(empty_checks_db):
    absurd = posting("remoteok:absurd", hourly_usd_min=None, hourly_usd_max=None, hourly_usd_mid=None,
                     budget_min=None, budget_max=None)
    empty_checks_db.load_mart([*GOOD_ROWS, absurd])
    empty_checks_db.execute(
        "alter table marts.fct_postings add column pay_is_plausible boolean not null default true;"
        "update marts.fct_postings set pay_is_plausible = false where posting_id = 'remoteok:absurd'")

    legitimacy(empty_checks_db)

    assert open_flags(empty_checks_db) == {
        ("remoteok:absurd", "implausible_pay"): "pay_is_plausible=False"}
