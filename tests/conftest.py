"""Shared fixtures: one embedded PostgreSQL per test session, isolated MIDTIER_HOME.

Set ``MIDTIER_TEST_DATABASE_URL`` to run the suite against another server instead.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from pathlib import Path

import pytest

from midtier import database
from midtier.settings import load_settings

# Airflow reads its configuration once, at first import: point it at a private home first.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="midtier-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("SCARF_ANALYTICS", "false")

FIXTURES = Path(__file__).parent / "fixtures"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def midtier_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("midtier_home")
    os.environ["MIDTIER_HOME"] = str(home)
    os.environ["MIDTIER_PG_PORT"] = str(_free_port())
    return home


@pytest.fixture(scope="session")
def database_url(midtier_home) -> str:
    """A running PostgreSQL with Midtier's raw schema; exported as DATABASE_URL for subprocesses."""
    url = os.environ.get("MIDTIER_TEST_DATABASE_URL")
    server = None
    if not url:
        os.environ.pop("DATABASE_URL", None)
        server = database.EmbeddedPostgres(load_settings())
        url = server.start()
    os.environ["DATABASE_URL"] = url
    database.apply_schema(url)
    yield url
    if server is not None:
        server.remove()


@pytest.fixture
def db(database_url):
    """A connection to a database whose raw and quality tables start empty."""
    with contextlib.closing(database.connect(database_url)) as conn:
        # Reads in a test then hold no transaction open, and ``db.transaction()`` commits.
        conn.autocommit = True
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "truncate raw.postings, raw.rejects, raw.crawl_runs, quality.validation_results cascade"
            )
        yield conn


@pytest.fixture(scope="session")
def make_database(database_url):
    """Create (or recreate) a separate database on the test server, run ``sql`` in it; its URL."""
    from urllib.parse import urlsplit, urlunsplit

    def make(name: str, sql: str | None = None) -> str:
        parts = urlsplit(database_url)
        with contextlib.closing(database.connect(database_url)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'drop database if exists "{name}" with (force)')
                cur.execute(f'create database "{name}"')
        url = urlunsplit(parts._replace(path=f"/{name}"))
        if sql:
            with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
                cur.execute(sql)
        return url

    return make


# Modules that take minutes start first: xdist's --dist loadfile hands out modules in
# collection order, and one of these started last would run alone at the end of the run.
LONG_MODULES = (
    "tests/midtier/test_airflow_local.py",
    "tests/test_end_to_end.py",
    "tests/dashboards/test_feed_screenshot.py",
    "tests/dbt/test_watermarks.py",
    "tests/resilience/test_hostile_pipeline.py",
    "tests/dbt/test_batched_build.py",
)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONG_MODULES)
