"""Developers tests: the CLI as a user runs it, against a loopback GitHub."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest

from midtier import database
from tests.developers.github_server import LOGIN, GithubServer, serve

DEVELOPER_TABLES = (
    "raw.developer_evidence",
    "raw.developer_api_responses",
    "raw.crawl_rate_limit_pauses",
    "registry.developer_assessments",
    "registry.developer_case_studies",
    "registry.developer_platform_history",
    "registry.developer_verification_attempts",
    "registry.developers",
    "registry.reviewers",
    "registry.rate_floors",
    "registry.developer_withdrawals",
)


def midtier(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m midtier ARGS`, as a user would run it (with ``env`` added to the
    environment)."""
    return subprocess.run(
        [sys.executable, "-m", "midtier", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def printed(result: subprocess.CompletedProcess, name: str) -> str:
    """The value of the ``name: value`` line the command printed."""
    assert result.returncode == 0, result.stderr
    [value] = [
        line.split(": ", 1)[1]
        for line in result.stdout.splitlines()
        if line.startswith(f"{name}: ")
    ]
    return value


def rows(url: str, sql: str, parameters: tuple = ()) -> list[tuple]:
    """Run ``sql`` in a transaction of its own; the rows it returns (none for a command)."""
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, parameters)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def url(database_url) -> str:
    """The session database with every developer table empty."""
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute(f"truncate {', '.join(DEVELOPER_TABLES)} cascade")
    return database_url


@pytest.fixture
def github() -> GithubServer:
    with serve() as server:
        yield server


def put_code_in_bio(server: GithubServer, code: str) -> None:
    import json

    from tests.developers.github_server import FIXTURES

    user = json.loads((FIXTURES / "users" / f"{LOGIN}.json").read_text())
    server.set_json(f"/users/{LOGIN}", {**user, "bio": f"{user['bio']} {code}"})


@pytest.fixture
def verified(url, github) -> dict:
    """ada-dev, verified for octo-ada through the bio: its edit token."""
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    put_code_in_bio(github, printed(added, "code"))
    token = printed(added, "token")
    result = midtier("developers", "verify", "ada-dev", "--token", token, "--base-url", github.url)
    assert result.returncode == 0, result.stderr
    return {"handle": "ada-dev", "token": token}
