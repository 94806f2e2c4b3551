"""A database of its own with a hand-made ``marts.fct_postings`` (from the mart's contract),
for the API, personal-feed and delivery tests; each test loads the postings it needs."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from midtier import database
from tests.mart_contract import create_table_sql

DATABASE = "serving_test"
NEWEST = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RATES_SQL = """
create table marts.rpt_rate_percentiles (
    skill text, engagement_type text, region text, month date, rate_unit text, n integer,
    p10 numeric(14, 2), p25 numeric(14, 2), p50 numeric(14, 2), p75 numeric(14, 2),
    p90 numeric(14, 2));
insert into marts.rpt_rate_percentiles values
    ('django', 'hourly', 'all', '2026-11-01', 'usd_per_hour', 12, 40, 55, 70, 85, 110),
    ('react', 'hourly', 'all', '2026-11-01', 'usd_per_hour', 3, null, null, null, null, null);
"""


def posting(number: int, **overrides) -> dict:
    """A mart row; every value can be overridden. Postings are an hour apart, newest first."""
    row = {
        "posting_id": f"p{number:03d}",
        "source": "remoteok",
        "source_posting_id": str(number),
        "url": f"https://example.org/jobs/{number}",
        "title": f"Posting {number}",
        "company_name": f"Client {number}",
        "description_text": f"Work on project {number}.",
        "posted_at": NEWEST - timedelta(hours=number),
        "first_seen_at": NEWEST - timedelta(hours=number),
        "last_seen_at": NEWEST,
        "closed_at": None,
        "engagement_type": "hourly",
        "hourly_usd_min": 60,
        "hourly_usd_max": 80,
        "skills": ["django", "python"],
        "primary_skill": "django",
        "legitimacy_score": 80,
        "legitimacy_reasons": [],
        "is_flagged": False,
        "is_republishable": True,
        "source_name": "Remote OK",
        "source_attribution": "via Remote OK",
        "is_canonical": True,
        "duplicate_group_size": 1,
        "region": "worldwide",
        "is_mid_market": True,
        "pay_is_plausible": True,
    }
    row.update(overrides)
    return row


@pytest.fixture(scope="session")
def serving_database_url(make_database) -> str:
    url = make_database(DATABASE, create_table_sql() + RATES_SQL)
    database.apply_schema(url)
    return url


@pytest.fixture
def load_mart(serving_database_url):
    """``load_mart(rows, replace=True)``: put these postings in the test mart."""

    def load(rows: list[dict], replace: bool = True) -> None:
        with (
            contextlib.closing(database.connect(serving_database_url)) as conn,
            conn,
            conn.cursor() as cur,
        ):
            if replace:
                cur.execute("truncate marts.fct_postings")
            for row in rows:
                names = ", ".join(row)
                marks = ", ".join(["%s"] * len(row))
                cur.execute(
                    f"insert into marts.fct_postings ({names}) values ({marks})", list(row.values())
                )

    return load


@pytest.fixture
def serving_env(serving_database_url, monkeypatch, tmp_path) -> str:
    """DATABASE_URL on the test mart, a fresh MIDTIER_HOME and empty registry and delivery
    tables; returns the URL."""
    monkeypatch.setenv("DATABASE_URL", serving_database_url)
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    with (
        contextlib.closing(database.connect(serving_database_url)) as conn,
        conn,
        conn.cursor() as cur,
    ):
        cur.execute(
            "truncate registry.rate_floors, registry.feed_profiles, "
            "delivery.channels, delivery.log cascade"
        )
    return serving_database_url
