"""`midtier crawl github_evidence` against a loopback GitHub: verified logins only, idempotent,
conditional requests, rate limits waited out and recorded."""

from __future__ import annotations

import os
import time

import pytest

from tests.developers.conftest import midtier, printed, rows
from tests.developers.github_server import LOGIN, MERGED_QUERY

KINDS = "select kind, count(*) from raw.developer_evidence group by kind order by kind"
EXPECTED_KINDS = [("closed_issue", 2), ("merged_pr", 4), ("own_repo", 1), ("review", 1)]


def crawl(github, **env: str):
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return midtier("crawl", "github_evidence", "--base-url", github.url)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def unverified(url) -> str:
    """mallory-dev asked to link mallory-x but never proved it."""
    printed(midtier("developers", "add", "mallory-dev", "--github", "mallory-x"), "code")
    return "mallory-x"


def test_the_crawl_collects_each_kind_of_evidence_of_verified_logins(verified, github, url):
    result = crawl(github)
    assert result.returncode == 0, result.stderr
    assert rows(url, KINDS) == EXPECTED_KINDS
    assert rows(url, "select distinct handle, github_login from raw.developer_evidence") == [
        ("ada-dev", LOGIN)
    ]
    urls = {url for (url,) in rows(url, "select source_url from raw.developer_evidence")}
    assert "https://github.com/tidewater-oss/pgsync/pull/431" in urls
    assert "https://github.com/octo-ada/pg-backup-tool" in urls
    assert "https://github.com/octo-ada/awesome-lists" not in urls  # a fork
    assert "https://github.com/tidewater-oss/pgsync/issues/412" in urls


def test_a_merged_pr_carries_its_repository_and_files(verified, github, url):
    crawl(github)
    [(payload,)] = rows(
        url,
        "select payload from raw.developer_evidence where source_url = %s",
        ("https://github.com/tidewater-oss/pgsync/pull/431",),
    )
    assert payload["repository"]["stargazers_count"] == 1840
    assert payload["repository"]["topics"] == ["postgresql", "replication", "etl"]
    assert [f["filename"] for f in payload["files"]] == [
        "pgsync/slots.py",
        "sql/slots.sql",
        "tests/test_slots.py",
    ]


def test_the_request_log_never_names_an_unverified_login(verified, unverified, github, url):
    assert crawl(github).returncode == 0
    assert github.log, "the crawl made no request"
    assert not [entry for entry in github.log if unverified in entry[1]]
    assert any(LOGIN in path for _, path, _ in github.log)


def test_no_verified_login_means_no_request(url, unverified, github):
    result = crawl(github)
    assert result.returncode == 0, result.stderr
    assert github.log == []


def test_a_second_crawl_asks_conditionally_and_changes_nothing(verified, github, url):
    crawl(github)
    before = rows(url, "select kind, source_url, payload from raw.developer_evidence order by 2")
    github.log.clear()
    assert crawl(github).returncode == 0
    assert (
        rows(url, "select kind, source_url, payload from raw.developer_evidence order by 2")
        == before
    )
    statuses = {status for _, _, status in github.log}
    assert statuses == {304}, github.log


def test_a_primary_rate_limit_pauses_until_the_reset_and_is_recorded(verified, github, url):
    github.rate_limited_once[MERGED_QUERY] = 3
    started = time.monotonic()
    result = crawl(github)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 3
    assert rows(url, KINDS) == EXPECTED_KINDS
    [(status, kind, waited, gave_up)] = rows(
        url, "select status, kind, waited_seconds, gave_up from raw.crawl_rate_limit_pauses"
    )
    assert (status, kind, gave_up) == (403, "primary", False)
    assert 2 <= waited <= 5


def test_a_reset_beyond_the_bound_gives_the_request_up_and_is_recorded(verified, github, url):
    github.rate_limited_once[MERGED_QUERY] = 3600
    result = crawl(github, MIDTIER_GITHUB_RATE_LIMIT_WAIT_MAX="5")
    assert rows(url, "select status, gave_up from raw.crawl_rate_limit_pauses") == [(403, True)]
    assert rows(
        url,
        "select status, http_errors from raw.crawl_runs "
        "where source = 'github_evidence' order by started_at desc limit 1",
    ) == [("partial", 1)]
    assert result.returncode == 0


def test_a_secondary_rate_limit_backs_off_as_asked_and_is_recorded(verified, github, url):
    github.secondary_limited_once["/repos/tidewater-oss/pgsync"] = 2
    started = time.monotonic()
    result = crawl(github)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 2
    assert rows(url, KINDS) == EXPECTED_KINDS
    assert rows(
        url, "select status, kind, waited_seconds, gave_up from raw.crawl_rate_limit_pauses"
    ) == [(403, "secondary", 2.0, False)]
