"""Helpers for the end-to-end crawl tests: `midtier crawl` in a subprocess, and reads."""

from __future__ import annotations

import os
import subprocess
import sys


def crawl(
    source: str, base_url: str, *args: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`python -m midtier crawl SOURCE ARGS --base-url BASE_URL`, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "midtier", "crawl", source, *args, "--base-url", base_url],
        capture_output=True,
        text=True,
        timeout=300,
        env=env if env is not None else os.environ.copy(),
    )


def rows(db, sql: str) -> list[tuple]:
    """Read, then end the transaction: an open one would block the next crawl's schema check."""
    with db.transaction(), db.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()
