"""Security drills: SQL metacharacters are data, secrets stay out of git, servers stay local."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
from pathlib import Path

import pytest

from midtier import dashboard_server, orchestration
from midtier.cli import build_parser
from midtier.importer import import_file
from midtier.settings import load_settings

ROOT = Path(__file__).parents[2]
METACHARACTERS = (
    "'; drop table raw.postings; --",
    '" or 1=1 --',
    "%s %(x)s %%",
    "\\'; \\\\",
    "$$; select pg_sleep(5); $$",
    "_%",
    "/* */ union select * from raw.crawl_runs",
)


def test_sql_metacharacters_through_import_are_stored_literally(db, database_url, tmp_path):
    records = [
        {"source": text, "id": text, "title": text, "company": text, "tags": [text]}
        for text in METACHARACTERS
    ]
    path = tmp_path / "meta.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n")

    summary = import_file(path, "community", url=database_url)

    assert (summary.status, summary.counts.new) == ("succeeded", len(METACHARACTERS))
    with db.cursor() as cur:
        cur.execute("select source, source_posting_id, title, company, tags from raw.postings")
        stored = sorted(cur.fetchall())
    assert stored == sorted((text, text, text, text, [text]) for text in METACHARACTERS)


def test_sql_metacharacters_through_dashboard_filters_are_parameters(make_database):
    from dashboards import queries
    from tests.dashboards.conftest import mart_sql

    url = make_database("resilience_filters", mart_sql())
    with_rows = queries.fetch_postings(
        url, queries.PostingFilters(open_only=False, show_flagged=True)
    )
    for text in METACHARACTERS:
        filters = queries.PostingFilters(
            skills=(text,),
            engagement_types=(text,),
            search=text,
            open_only=False,
            show_flagged=True,
        )
        assert queries.fetch_postings(url, filters) == []
    # The table is still there and unchanged.
    assert (
        queries.fetch_postings(url, queries.PostingFilters(open_only=False, show_flagged=True))
        == with_rows
    )


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "password in a URL": re.compile(r"://[^/\s:@'\"]+:(?!\$\{|\*\*\*|<|%|\{)[^@\s/'\"]{3,}@"),
    "password literal": re.compile(
        r"(?i)\b(?:password|passwd|secret|api_key|token)\b\s*[:=]\s*['\"](?!\$\{|<|\{\{)[^'\"\s]{6,}['\"]"
    ),
}
# Test-only or documentation placeholders that look like secrets on purpose.
ALLOWED = re.compile(
    r"(?i)example|placeholder|dummy|changeme|not-a-secret|midtier@|airflow:airflow|"
    r"postgres:postgres|user:pass@|test-token|fake"
)


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def test_no_secret_is_tracked_in_git():
    found = []
    for path in _tracked_files():
        # This file plants fake secrets to prove the scan catches them.
        if path.resolve() == Path(__file__).resolve():
            continue
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for kind, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text[text.rfind("\n", 0, match.start()) + 1 : text.find("\n", match.end())]
                if not ALLOWED.search(line):
                    found.append(f"{path.relative_to(ROOT)}: {kind}: {line.strip()[:120]}")
    assert not found, "\n".join(found)


def test_the_secret_scan_catches_a_planted_key():
    planted = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    assert SECRET_PATTERNS["private key"].search(planted)
    assert SECRET_PATTERNS["password literal"].search('password = "hunter2hunter2"')
    assert SECRET_PATTERNS["password in a URL"].search("postgresql://app:s3cretpw@db:5432/x")
    assert not SECRET_PATTERNS["password in a URL"].search("postgresql://app:${PG_PASSWORD}@db/x")


def test_the_dashboard_binds_to_loopback_by_default():
    assert inspect.signature(dashboard_server.serve).parameters["address"].default == "127.0.0.1"
    args = build_parser().parse_args(["dashboard"])
    assert args.address == "127.0.0.1"


def test_airflow_binds_to_loopback_by_default(monkeypatch):
    monkeypatch.delenv("AIRFLOW__API__HOST", raising=False)
    monkeypatch.delenv("AIRFLOW__WEBSERVER__WEB_SERVER_HOST", raising=False)
    environment = orchestration.airflow_environment(load_settings())
    assert environment["AIRFLOW__API__HOST"] == "127.0.0.1"


def test_registry_edit_tokens_are_stored_hashed():
    from midtier import registry

    token = registry.new_token()
    assert registry.token_hash(token) != token
    assert len(registry.token_hash(token)) == 64
