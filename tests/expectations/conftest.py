"""Raw runs and mart rows for the check suites, in a database of their own.

dbt's tests own ``marts`` in the session database, so unit tests here build a small
``marts.fct_postings`` from its contract (and raw runs) in a separate database with
Midtier's schema applied.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from midtier import database
from tests.mart_contract import create_table_sql

RUN_STARTED = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)

# The mart's table as its dbt contract defines it (tests/mart_contract.py), so these tests
# cannot drift from the real mart; rows fill the columns the suites read, the rest stay null.
FCT_POSTINGS = create_table_sql()

MART_COLUMNS = (
    "posting_id",
    "source",
    "source_posting_id",
    "url",
    "title",
    "engagement_type",
    "budget_currency",
    "budget_min",
    "budget_max",
    "budget_period",
    "hourly_usd_min",
    "hourly_usd_max",
    "hourly_usd_mid",
    "fixed_usd_min",
    "fixed_usd_max",
    "skills",
    "legitimacy_score",
    "legitimacy_reasons",
    "is_score_flagged",
    "is_flagged",
    "is_publishable",
)

EMPTY_QUALITY = """
    truncate quality.validation_results, quality.posting_flags, quality.source_status,
             quality.source_run_profiles, quality.publication_log;
    truncate raw.postings, raw.rejects, raw.crawl_runs cascade;
"""


def posting(posting_id: str, **overrides) -> dict:
    """A plausible mart row; ``posting_id`` is "<source>:<source id>"."""
    source, _, source_posting_id = posting_id.partition(":")
    row = {
        "posting_id": posting_id,
        "source": source,
        "source_posting_id": source_posting_id,
        "url": f"https://example.test/jobs/{posting_id}",
        "title": "Python developer",
        "engagement_type": "hourly",
        "budget_currency": "USD",
        "budget_min": 40,
        "budget_max": 60,
        "budget_period": "hour",
        "hourly_usd_min": 40.0,
        "hourly_usd_max": 60.0,
        "hourly_usd_mid": 50.0,
        "fixed_usd_min": None,
        "fixed_usd_max": None,
        "skills": ["python"],
        "legitimacy_score": 80,
        "legitimacy_reasons": [],
        "is_score_flagged": False,
        "is_flagged": False,
        "is_publishable": True,
    }
    row.update(overrides)
    return row


GOOD_ROWS = [
    posting("remoteok:1"),
    posting(
        "remoteok:2",
        engagement_type="fixed",
        budget_period="project",
        hourly_usd_min=None,
        hourly_usd_max=None,
        hourly_usd_mid=None,
        fixed_usd_min=2000,
        fixed_usd_max=3000,
    ),
    posting(
        "remoteok:3",
        engagement_type="unknown",
        budget_currency=None,
        budget_min=None,
        budget_max=None,
        budget_period=None,
        hourly_usd_min=None,
        hourly_usd_max=None,
        hourly_usd_mid=None,
    ),
    posting(
        "remoteok:4",
        engagement_type="salary",
        budget_period="year",
        hourly_usd_min=48.0,
        hourly_usd_max=48.0,
        hourly_usd_mid=48.0,
        legitimacy_score=100,
    ),
]


class CheckDatabase:
    """Writes raw runs/postings and mart rows into the checks' own database."""

    def __init__(self, url: str):
        self.url = url

    def execute(self, sql: str, params=None) -> list[tuple]:
        with contextlib.closing(database.connect(self.url)) as conn, conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def reset(self) -> None:
        self.execute(FCT_POSTINGS + EMPTY_QUALITY)

    def load_mart(self, rows: list[dict], *, with_raw: bool = True) -> None:
        """Replace the mart with ``rows`` (and, by default, give each a raw posting)."""
        self.execute(FCT_POSTINGS)
        for row in rows:
            self.execute(
                f"insert into marts.fct_postings ({', '.join(MART_COLUMNS)}) "
                f"values ({', '.join(['%s'] * len(MART_COLUMNS))})",
                [row.get(column) for column in MART_COLUMNS],
            )
        if with_raw:
            for source in sorted({row["source"] for row in rows}):
                ids = [row["source_posting_id"] for row in rows if row["source"] == source]
                self.add_run(source, [raw_posting(i) for i in dict.fromkeys(ids)])

    def add_run(
        self,
        source: str,
        postings: list[dict],
        *,
        run_number: int | None = None,
        rejected: int = 0,
        started_at: datetime | None = None,
    ) -> str:
        """A finished run of ``source`` that saw ``postings`` (upserted like the pipeline)."""
        if run_number is None:
            run_number = (
                self.execute("select count(*) from raw.crawl_runs where source = %s", (source,))[0][
                    0
                ]
                + 1
            )
        started_at = started_at or RUN_STARTED + timedelta(days=run_number)
        run_id = f"{source}-run-{run_number}"
        self.execute(
            """
            insert into raw.crawl_runs (crawl_run_id, source, kind, status, started_at,
                finished_at, items_seen, items_new, items_rejected)
            values (%s, %s, 'import', %s, %s, %s, %s, %s, %s)
            """,
            (
                run_id,
                source,
                "partial" if rejected else "succeeded",
                started_at,
                started_at + timedelta(minutes=1),
                len(postings),
                len(postings),
                rejected,
            ),
        )
        for item in postings:
            self.execute(
                """
                insert into raw.postings (source, source_posting_id, url, title, budget_text,
                    posted_at, payload, content_hash, fetched_at, first_seen_at, last_seen_at,
                    crawl_run_id)
                values (%(source)s, %(id)s, %(url)s, %(title)s, %(budget_text)s, %(posted_at)s,
                    %(payload)s, md5(%(payload_text)s), %(at)s, %(at)s, %(at)s, %(run)s)
                on conflict (source, source_posting_id) do update set
                    url = excluded.url, title = excluded.title, posted_at = excluded.posted_at,
                    payload = excluded.payload, last_seen_at = excluded.last_seen_at,
                    crawl_run_id = excluded.crawl_run_id
                """,
                # One parameter is one type server-side: the jsonb value and the hashed text
                # are passed apart.
                {
                    **item,
                    "source": source,
                    "payload": json.dumps(item["payload"]),
                    "payload_text": json.dumps(item["payload"]),
                    "at": started_at + timedelta(seconds=30),
                    "run": run_id,
                },
            )
        return run_id


def raw_posting(
    source_posting_id: str,
    *,
    title: str | None = "Python developer",
    posted: bool = True,
    extra_keys: dict | None = None,
    drop_keys: tuple[str, ...] = (),
) -> dict:
    item = {
        "id": source_posting_id,
        "url": f"https://example.test/jobs/{source_posting_id}",
        "title": title,
        "budget_text": "$40-60/hr",
        "posted_at": RUN_STARTED.isoformat() if posted else None,
    }
    payload = {key: value for key, value in item.items() if key not in drop_keys}
    payload.update(extra_keys or {})
    return {**item, "payload": payload, "posted_at": item["posted_at"]}


@pytest.fixture(scope="module")
def checks_db(make_database) -> CheckDatabase:
    url = make_database("expectations_test")
    database.apply_schema(url)
    return CheckDatabase(url)


@pytest.fixture
def empty_checks_db(checks_db) -> CheckDatabase:
    checks_db.reset()
    return checks_db
