"""A database of its own holding a small ``marts.fct_postings``, for the dashboard tests.

The shared ``midtier`` database's marts schema belongs to the dbt tests, so the rows from
``fixtures/fct_postings.sql`` go into ``dashboards_test`` on the same server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

MART_SQL = Path(__file__).parent / "fixtures" / "fct_postings.sql"
DATABASE = "dashboards_test"


@pytest.fixture(scope="session")
def mart_database_url(make_database) -> str:
    return make_database(DATABASE, MART_SQL.read_text())


@pytest.fixture(scope="session")
def empty_database_url(make_database) -> str:
    """A database on the same server with no marts at all, as before the first `midtier run`."""
    return make_database("dashboards_empty")


@pytest.fixture
def mart_env(mart_database_url, monkeypatch) -> str:
    """DATABASE_URL pointed at the test mart for this test; returns the URL."""
    monkeypatch.setenv("DATABASE_URL", mart_database_url)
    return mart_database_url
