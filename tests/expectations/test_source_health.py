"""Source-health suites: each source's latest run against its own recent runs."""

from __future__ import annotations

from datetime import timedelta

from expectations import format_summary, run_checks
from expectations.suites import SOURCE_HEALTH
from tests.expectations.conftest import RUN_STARTED, raw_posting


def health(db, **kwargs):
    return run_checks(db.url, groups=[SOURCE_HEALTH], **kwargs)


def statuses(db) -> dict[str, tuple[str, str | None]]:
    return {
        source: (status, reason)
        for source, status, reason in db.execute(
            "select source, status, reason from quality.source_status"
        )
    }


def usual_runs(db, source: str, count: int = 20, runs: int = 2) -> None:
    for _ in range(runs):
        db.add_run(source, [raw_posting(f"{source}-{n}") for n in range(count)])


def suite_for(summary, source):
    [suite] = [suite for suite in summary.suites if suite.source == source]
    return suite


def test_half_the_usual_volume_with_empty_titles_degrades_only_that_source(empty_checks_db):
    usual_runs(empty_checks_db, "remoteok")
    usual_runs(empty_checks_db, "remotive")
    empty_checks_db.add_run(
        "remoteok", [raw_posting(f"remoteok-{n}", title="  ") for n in range(10)]
    )
    empty_checks_db.add_run("remotive", [raw_posting(f"remotive-{n}") for n in range(20)])

    summary = health(empty_checks_db)

    remoteok = suite_for(summary, "remoteok")
    assert not remoteok.success and not remoteok.critical
    assert {failure.check_name for failure in remoteok.failures} == {"volume", "title_missing"}
    assert suite_for(summary, "remotive").success
    status = statuses(empty_checks_db)
    assert status["remotive"] == ("healthy", None)
    assert status["remoteok"][0] == "degraded"
    assert "volume: observed 10" in status["remoteok"][1]
    assert "title_missing" in status["remoteok"][1]
    assert list(summary.degraded_sources) == ["remoteok"]
    assert "source remoteok degraded: volume: observed 10" in format_summary(summary)
    assert not summary.critical_failures


def test_a_source_that_recovers_is_healthy_again(empty_checks_db):
    usual_runs(empty_checks_db, "remoteok")
    empty_checks_db.add_run(
        "remoteok", [raw_posting(f"remoteok-{n}", title=None) for n in range(20)]
    )
    health(empty_checks_db)
    empty_checks_db.add_run("remoteok", [raw_posting(f"remoteok-{n}") for n in range(20)])

    health(empty_checks_db)

    assert statuses(empty_checks_db)["remoteok"] == ("healthy", None)


def test_first_run_has_nothing_to_compare_with_and_says_so(empty_checks_db):
    empty_checks_db.add_run("himalayas", [raw_posting(f"h-{n}") for n in range(3)])

    suite = suite_for(health(empty_checks_db), "himalayas")

    assert suite.success
    assert {name for name, _ in suite.skipped} == {
        "volume",
        "posted_at_missing",
        "unknown_payload_keys",
        "missing_payload_keys",
    }
    [(skipped,)] = empty_checks_db.execute(
        "select skipped from quality.validation_results where suite_name = 'source_health.himalayas'"
    )
    assert {entry["check"] for entry in skipped} == {name for name, _ in suite.skipped}


def test_unknown_and_missing_payload_keys_are_schema_drift(empty_checks_db):
    empty_checks_db.add_run("jobicy", [raw_posting(f"j-{n}") for n in range(10)])
    health(empty_checks_db)  # profiles the first run: the drift baseline
    empty_checks_db.add_run(
        "jobicy",
        [
            raw_posting(f"j-{n}", extra_keys={"jobTitle": "renamed"}, drop_keys=("title",))
            for n in range(10)
        ],
    )

    suite = suite_for(health(empty_checks_db), "jobicy")

    failures = {failure.check_name: failure for failure in suite.failures}
    assert set(failures) == {"unknown_payload_keys", "missing_payload_keys"}
    assert failures["unknown_payload_keys"].observed["j-0"] == "unknown_payload_keys=jobTitle"
    assert failures["missing_payload_keys"].observed["j-0"] == "missing_payload_keys=title"


def test_many_rejects_degrade_the_source(empty_checks_db):
    empty_checks_db.add_run("github", [raw_posting(f"g-{n}") for n in range(10)], rejected=10)

    suite = suite_for(health(empty_checks_db), "github")

    assert [failure.check_name for failure in suite.failures] == ["reject_share"]


def test_a_source_without_new_postings_for_a_week_is_stale(empty_checks_db):
    empty_checks_db.add_run("hackernews", [raw_posting(f"hn-{n}") for n in range(5)])
    # The same listing again, eight days later: nothing new.
    empty_checks_db.add_run(
        "hackernews",
        [raw_posting(f"hn-{n}") for n in range(5)],
        started_at=RUN_STARTED + timedelta(days=9),
    )
    empty_checks_db.execute("update raw.postings set first_seen_at = %s", (RUN_STARTED,))

    suite = suite_for(health(empty_checks_db), "hackernews")

    assert [failure.check_name for failure in suite.failures] == ["freshness"]


def test_a_source_that_never_gives_posting_times_stays_healthy(empty_checks_db):
    empty_checks_db.add_run("rss", [raw_posting(f"r-{n}", posted=False) for n in range(10)])
    empty_checks_db.add_run("rss", [raw_posting(f"r-{n}", posted=False) for n in range(10, 20)])

    assert suite_for(health(empty_checks_db), "rss").success


def test_posting_times_going_missing_degrade_the_source(empty_checks_db):
    empty_checks_db.add_run("arbeitnow", [raw_posting(f"a-{n}") for n in range(10)])
    empty_checks_db.add_run(
        "arbeitnow", [raw_posting(f"a-{n}", posted=False) for n in range(10, 20)]
    )

    suite = suite_for(health(empty_checks_db), "arbeitnow")

    assert [failure.check_name for failure in suite.failures] == ["posted_at_missing"]


def test_sources_can_be_checked_one_at_a_time(empty_checks_db):
    usual_runs(empty_checks_db, "remoteok", runs=1)
    usual_runs(empty_checks_db, "remotive", runs=1)

    summary = health(empty_checks_db, sources=["remotive"])

    assert [suite.name for suite in summary.suites] == ["source_health.remotive"]
    assert set(statuses(empty_checks_db)) == {"remotive"}
