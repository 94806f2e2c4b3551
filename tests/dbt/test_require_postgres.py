"""dbt's on-run-start stops a run on a server older than the models need, naming its version."""

from __future__ import annotations

import contextlib

import psycopg
import pytest

from midtier import database, transform


def _hook_sql(url: str, call: str) -> str:
    """The SQL the hook macro renders (the same text on-run-start executes)."""
    result = transform.run_dbt(["compile", "--inline", "{{ " + call + " }}"], url)
    return result.results[0].node.compiled_code


def _execute(url: str, sql: str) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql)


def test_this_server_is_new_enough(database_url):
    _execute(database_url, _hook_sql(database_url, "require_postgres()"))


def test_an_older_server_stops_the_run_naming_its_version(database_url):
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("show server_version")
        version = cur.fetchone()[0]
    with pytest.raises(psycopg.errors.RaiseException) as raised:
        _execute(database_url, _hook_sql(database_url, "require_postgres(990000)"))
    assert f"Midtier needs PostgreSQL 99 or later; this server runs {version}" in str(raised.value)
