"""Shared fixtures: one embedded PostgreSQL per test session, isolated MIDTIER_HOME.

Set ``MIDTIER_TEST_DATABASE_URL`` to run the suite against another server instead.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

import pytest

from midtier import database
from midtier.settings import load_settings

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
        server.stop()


@pytest.fixture
def db(database_url):
    """A connection to a database whose raw and quality tables start empty."""
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn, conn.cursor() as cur:
            cur.execute(
                "truncate raw.postings, raw.rejects, raw.crawl_runs, quality.validation_results cascade"
            )
        yield conn
