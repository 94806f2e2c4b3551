"""Evidence to skills: crawl the loopback GitHub, `midtier transform`, read the marts; then
withdraw and find nothing left. The tests run in order on one build (module scope)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from midtier import registry
from midtier.settings import load_settings
from tests.developers.conftest import DEVELOPER_TABLES, midtier, printed, put_code_in_bio, rows
from tests.developers.github_server import LOGIN, serve

PGSYNC_PRS = {
    "https://github.com/tidewater-oss/pgsync/pull/431",
    "https://github.com/tidewater-oss/pgsync/pull/377",
}
LEDGERLINE_PR = "https://github.com/northwind-labs/ledgerline/pull/88"
OWN_REPO = "https://github.com/octo-ada/pg-backup-tool"
REVIEWED_PR = "https://github.com/kestrel-io/kestrel/pull/2210"
TINYFMT_PR = "https://github.com/solo-hacker/tinyfmt/pull/7"


@pytest.fixture(scope="module")
def built(database_url) -> dict:
    """ada-dev (floor $85) verified for octo-ada, crawled and transformed; an assessment, a
    self-declared case study and platform history recorded."""
    rows(database_url, f"truncate {', '.join(DEVELOPER_TABLES)} cascade")
    token = registry.publish(database_url, registry.validate("ada-dev", ["python"], 85, "europe"))
    with serve() as github:
        added = midtier("developers", "add", "ada-dev", "--github", LOGIN, "--token", token)
        put_code_in_bio(github, printed(added, "code"))
        verified = midtier(
            "developers", "verify", "ada-dev", "--token", token, "--base-url", github.url
        )
        assert verified.returncode == 0, verified.stderr
        # a debug log names every request, the login in most
        crawled = midtier(
            "crawl",
            "github_evidence",
            "--base-url",
            github.url,
            env={"MIDTIER_CRAWL_LOG_LEVEL": "DEBUG"},
        )
        assert crawled.returncode == 0, crawled.stderr
    reviewer_token = printed(midtier("developers", "add-reviewer", "rita-reviews"), "token")
    assessed = midtier(
        "developers",
        "assess",
        "ada-dev",
        "--reviewer-token",
        reviewer_token,
        "--skill",
        "python",
        "--outcome",
        "passed",
        "--date",
        "2026-11-30",
        "--notes",
        "Two-hour pairing session on a replication bug.",
    )
    assert assessed.returncode == 0, assessed.stderr
    declared = midtier(
        "developers",
        "declare-case-study",
        "ada-dev",
        "--token",
        token,
        "--title",
        "Billing migration",
        "--link",
        "https://ada.example.dev/billing",
        "--skills",
        "python,elixir",  # elixir: claimed, never shown by evidence
        "--outcome",
        "shipped",
    )
    assert declared.returncode == 0, declared.stderr
    declared = midtier(
        "developers",
        "declare-platform",
        "ada-dev",
        "--token",
        token,
        "--platform",
        "Upwork",
        "--projects-completed",
        "37",
    )
    assert declared.returncode == 0, declared.stderr
    transformed = midtier("transform")
    assert transformed.returncode == 0, transformed.stdout[-3000:] + transformed.stderr[-3000:]
    return {"token": token, "url": database_url}


def skills(url: str) -> dict[str, dict]:
    found = rows(
        url, "select to_jsonb(s) from marts.fct_developer_skills s where handle = 'ada-dev'"
    )
    return {row["skill_slug"]: row for (row,) in found}


def test_each_evidenced_skill_is_listed_with_the_urls_behind_it(built):
    found = skills(built["url"])
    assert {
        "python",
        "postgresql",
        "sql",
        "html",
        "django",
        "etl",
        "rust",
        "go",
        "kubernetes",
    } <= set(found)
    assert set(found["python"]["evidence_urls"]) == {*PGSYNC_PRS, LEDGERLINE_PR, OWN_REPO}
    assert set(found["sql"]["evidence_urls"]) == {
        "https://github.com/tidewater-oss/pgsync/pull/431"
    }
    assert set(found["go"]["evidence_urls"]) == {REVIEWED_PR}
    assert set(found["rust"]["evidence_urls"]) == {TINYFMT_PR}
    assert set(found["postgresql"]["evidence_urls"]) == {*PGSYNC_PRS, OWN_REPO}
    for skill in found.values():
        assert all(url.startswith("https://github.com/") for url in skill["evidence_urls"])
        assert skill["evidence_count"] >= len(skill["evidence_urls"])


def test_a_minor_language_of_an_own_repository_is_no_evidence(built):
    assert "bash" not in skills(built["url"])  # Shell: 4 % of pg-backup-tool's bytes


def test_evidence_backed_means_a_screening_criterion_is_met(built):
    found = skills(built["url"])
    # three merged PRs to pgsync (1,840 stars) and ledgerline (612): two repositories
    assert found["python"]["is_evidence_backed"]
    assert found["python"]["evidence_reasons"][0].startswith("at least 3 merged pull requests")
    # two PRs in one repository, a 12-star repository, one review: not enough
    assert not found["postgresql"]["is_evidence_backed"]
    assert not found["rust"]["is_evidence_backed"]
    assert not found["go"]["is_evidence_backed"]


def test_older_work_counts_less(built):
    found = skills(built["url"])
    assert found["python"]["evidence_count"] == 4
    assert 0 < float(found["python"]["strength"]) < 4


def test_the_profile_has_floor_tier_reasons_assessment_and_self_declared_work(built):
    [(profile,)] = rows(built["url"], "select to_jsonb(p) from marts.fct_developer_profiles p")
    assert profile["handle"] == "ada-dev" and profile["github_login"] == LOGIN
    assert profile["verified_at"] is not None
    assert float(profile["floor_usd_hourly"]) == 85
    assert profile["skills"][0] == "python"
    assert profile["tier"] == "assessed" and profile["assessed"] is True
    assert any(reason.startswith("python: at least 3 merged") for reason in profile["tier_reasons"])
    [assessment] = profile["assessments"]
    assert assessment["reviewer_handle"] == "rita-reviews" and assessment["skill_slug"] == "python"
    [case_study] = profile["self_declared_case_studies"]
    assert case_study["self_declared"] is True and case_study["title"] == "Billing migration"
    [platform] = profile["self_declared_platform_history"]
    assert platform == {
        "self_declared": True,
        "platform": "Upwork",
        "projects_completed": 37,
        "rating": None,
        "link": None,
    }


def test_a_self_declared_skill_is_never_evidence(built):
    assert "elixir" not in skills(built["url"])
    [(profile,)] = rows(built["url"], "select to_jsonb(p) from marts.fct_developer_profiles p")
    assert "elixir" not in profile["skills"] and "elixir" not in profile["evidence_backed_skills"]


def test_show_prints_the_public_profile_as_json(built):
    result = midtier("developers", "show", "ada-dev")
    assert result.returncode == 0, result.stderr
    profile = json.loads(result.stdout)
    assert profile["tier"] == "assessed"
    python = next(skill for skill in profile["skill_evidence"] if skill["skill_slug"] == "python")
    assert LEDGERLINE_PR in python["evidence_urls"]


def files_naming(home: Path, text: str) -> list[Path]:
    """Files under MIDTIER_HOME (but the database's own) whose bytes hold ``text``."""
    skipped = load_settings().postgres_dir
    return [
        path
        for path in home.rglob("*")
        if path.is_file()
        and skipped not in path.parents
        and text.encode() in path.read_bytes().lower()
    ]


def test_withdrawal_removes_every_row_and_keeps_an_audit_line_without_personal_data(built):
    url = built["url"]
    home = load_settings().home
    # what the crawl left: its log names the login; a cache entry and queued requests too
    assert files_naming(home / "logs" / "crawl", LOGIN), "the crawl logged no request for them"
    cache = load_settings().crawl_state_dir / "httpcache" / "github_evidence" / "0a" / "0a1b"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "meta").write_text(f"{{'url': 'https://api.github.com/users/{LOGIN}/repos'}}")
    (cache / "response_body").write_text('[{"name": "pg-backup-tool"}]')
    queue = load_settings().crawl_state_dir / "jobs" / "evidence" / "requests.queue"
    queue.mkdir(parents=True, exist_ok=True)
    (queue / "p0").write_bytes(f"https://api.github.com/users/{LOGIN}/gists".encode())
    result = midtier("developers", "withdraw", "ada-dev", "--token", built["token"])
    assert result.returncode == 0, result.stderr
    assert files_naming(home, LOGIN) == [] and files_naming(home, "ada-dev") == []
    assert files_naming(home, "pgsync/pull/431") == files_naming(home, "pgsync/pulls/431") == []
    assert any(path.stat().st_size for path in (home / "logs" / "crawl").iterdir())
    for table in (
        "raw.developer_evidence",
        "raw.developer_api_responses",
        "registry.developers",
        "registry.rate_floors",
        "registry.developer_assessments",
        "registry.developer_case_studies",
        "marts.fct_developer_skills",
        "marts.fct_developer_profiles",
        "intermediate.int_developer_evidence_classified",
        "intermediate.int_developer_evidence_skill_tagged",
    ):
        assert rows(url, f"select count(*) from {table} where handle = 'ada-dev'") == [(0,)], table
    [(audit,)] = rows(url, "select to_jsonb(w) from registry.developer_withdrawals w")
    assert "ada-dev" not in json.dumps(audit) and LOGIN not in json.dumps(audit)
    assert audit["rows_removed"]["raw.developer_evidence"] == 8
    assert audit["rows_removed"]["files: crawl state files deleted"] == 3
    assert audit["rows_removed"]["files: log lines redacted"] > 0
    shown = midtier("developers", "show", "ada-dev")
    assert shown.returncode == 1 and shown.stdout == ""


def test_a_transform_after_withdrawal_brings_nothing_back(built):
    transformed = midtier("transform")
    assert transformed.returncode == 0, transformed.stderr[-2000:]
    assert rows(built["url"], "select count(*) from marts.fct_developer_profiles") == [(0,)]
    assert rows(built["url"], "select count(*) from marts.fct_developer_skills") == [(0,)]
