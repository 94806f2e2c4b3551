"""What crawls left on disk naming a withdrawn developer is purged (midtier.crawl_traces):
log lines replaced, cache entries and job-state files deleted, everyone else's kept. The
withdrawal itself, after a real crawl, is tested in test_developer_marts.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from midtier import crawl_traces
from midtier.settings import load_settings

PR = "https://github.com/tidewater-oss/pgsync/pull/431"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    return load_settings()


@pytest.fixture
def pattern():
    return crawl_traces.developer_pattern(["ada-dev", "octo-ada"], [PR])


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    "line",
    [
        "GET https://api.github.com/users/octo-ada/repos?type=owner",
        "GET https://api.github.com/search/issues?q=type%3Apr+author%3Aocto-ada+-user%3Aocto-ada",
        "GET https://api.github.com/users/Octo-Ada/gists",
        "stored 8 items for ada-dev",
        "GET https://api.github.com/repos/tidewater-oss/pgsync/pulls/431/files",
        f"evidence {PR}",
    ],
)
def test_the_login_handle_and_pull_requests_are_found_in_their_spellings(pattern, line):
    assert pattern.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "GET https://api.github.com/users/octo-ada-2/repos",
        "GET https://api.github.com/users/bob/repos",
        "GET https://api.github.com/repos/tidewater-oss/pgsync/pulls/4310/files",
        "stored 3 items for ada-developer",
    ],
)
def test_other_developers_are_not_taken_for_them(pattern, line):
    assert not pattern.search(line)


def test_log_lines_naming_the_developer_are_replaced_and_the_rest_kept(settings, pattern):
    crawl_log = write(
        settings.logs_dir / "crawl" / "github_evidence-1.log",
        "INFO: Spider opened\n"
        "DEBUG: Crawled (200) <GET https://api.github.com/users/octo-ada>\n"
        "DEBUG: Crawled (200) <GET https://api.github.com/users/bob>\n"
        "INFO: Closing spider (finished)",
    )
    crawl_log.chmod(0o640)
    task_log = write(
        settings.airflow_home / "logs" / "dag_id=midtier_evidence" / "attempt=1.log",
        "crawling github_evidence\npausing on /search/issues?q=author%3Aocto-ada\n",
    )
    purged = crawl_traces.purge(settings, pattern)
    assert purged.log_lines_redacted == 2
    assert crawl_log.read_text() == (
        "INFO: Spider opened\n"
        + crawl_traces.REDACTED_LINE
        + "DEBUG: Crawled (200) <GET https://api.github.com/users/bob>\n"
        "INFO: Closing spider (finished)"
    )
    assert crawl_log.stat().st_mode & 0o777 == 0o640
    assert "octo-ada" not in task_log.read_text()
    assert list(crawl_log.parent.iterdir()) == [crawl_log]  # no temporary file left


def test_cache_entries_and_job_state_naming_them_are_deleted(settings, pattern):
    cache = settings.crawl_state_dir / "httpcache" / "github_evidence"
    theirs = cache / "ab" / "ab12"
    write(theirs / "meta", "{'url': 'https://api.github.com/users/octo-ada/repos'}")
    write(theirs / "response_body", b'[{"name": "pg-backup-tool"}]')
    other = cache / "cd" / "cd34"
    write(other / "meta", "{'url': 'https://api.github.com/users/bob/repos'}")
    write(other / "response_body", b"[]")
    queued = write(
        settings.crawl_state_dir / "jobs" / "evidence" / "requests.queue" / "p0",
        b"\x80\x04url\x94https://api.github.com/users/octo-ada/gists\x94",
    )
    state = write(settings.crawl_state_dir / "jobs" / "evidence" / "spider.state", b"\x80\x04}.")
    purged = crawl_traces.purge(settings, pattern)
    assert purged.files_deleted == 3
    assert not theirs.exists() and not queued.exists()
    assert (other / "meta").exists() and (other / "response_body").exists() and state.exists()


def test_nothing_to_purge_changes_nothing(settings, pattern):
    kept = write(settings.logs_dir / "crawl" / "remoteok-1.log", "INFO: 40 postings\n")
    before = kept.stat().st_mtime_ns
    assert crawl_traces.purge(settings, pattern) == crawl_traces.Purged()
    assert kept.stat().st_mtime_ns == before


def test_a_recorded_crawl_error_keeps_only_the_lines_about_others(pattern):
    error = "crawler exited with code 1:\nHTTP 500 on /users/octo-ada/repos\nsee the log"
    assert crawl_traces.redact_text(error, pattern) == (
        "crawler exited with code 1:\n" + crawl_traces.REDACTED_LINE + "see the log"
    )
    assert crawl_traces.redact_text("all fine", pattern) == "all fine"
