"""A database of its own holding a small ``marts.fct_postings``, for the dashboard tests.

The shared ``midtier`` database's marts schema belongs to the dbt tests, so the rows from
``fixtures/fct_postings.sql`` (the mart, ``marts.rpt_rate_percentiles`` and
``marts.rpt_feed_facets``) go into ``dashboards_test`` on the same server, with Midtier's own
schema (raw bookkeeping, quality results, the rate-floor registry) applied and
``fixtures/operations.sql`` loaded on top.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from midtier import database
from tests.mart_contract import create_table_sql

FIXTURES = Path(__file__).parent / "fixtures"
MART_SQL = FIXTURES / "fct_postings.sql"
OPERATIONS_SQL = FIXTURES / "operations.sql"
DATABASE = "dashboards_test"


def mart_sql() -> str:
    """The test marts: fct_postings made from its contract, then the fixture's rows and tables."""
    return create_table_sql() + MART_SQL.read_text()


def run_sql(url: str, sql: str) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql)


@pytest.fixture(scope="session")
def mart_database_url(make_database) -> str:
    url = make_database(DATABASE, mart_sql())
    database.apply_schema(url)
    run_sql(url, OPERATIONS_SQL.read_text())
    return url


@pytest.fixture(scope="session")
def empty_database_url(make_database) -> str:
    """A database on the same server with no marts at all, as before the first `midtier run`."""
    return make_database("dashboards_empty")


@pytest.fixture
def mart_env(mart_database_url, monkeypatch, tmp_path) -> str:
    """DATABASE_URL pointed at the test mart for this test, and an empty MIDTIER_HOME (no
    Data Docs, whatever other test modules built in the session's home); returns the URL."""
    monkeypatch.setenv("DATABASE_URL", mart_database_url)
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    return mart_database_url


@pytest.fixture
def registry_env(mart_env) -> str:
    """The test database with an empty rate-floor registry."""
    run_sql(mart_env, "truncate registry.rate_floors cascade")  # and its feed profiles
    return mart_env
