"""PostgreSQL stopped in the middle of a load: the run fails cleanly, a re-run loads
everything exactly once.

Uses a PostgreSQL of its own (own MIDTIER_HOME), so stopping it disturbs no other test.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import psycopg
import pytest

from bench.generate import write_jsonl
from midtier import database
from midtier.importer import import_file
from midtier.settings import Settings, load_settings

RECORDS = 5000
BATCH = 500  # RawPostingPipeline's default


@pytest.fixture
def server(tmp_path):
    base = load_settings()
    home = tmp_path / "outage_home"
    settings = Settings(
        home=home,
        database_url=None,
        pg_port=database._free_port(),
        user_agent=base.user_agent,
        contact_url=base.contact_url,
        close_after_missed_crawls=base.close_after_missed_crawls,
    )
    server = database.EmbeddedPostgres(settings)
    url = server.start()
    database.apply_schema(url)
    yield server, url
    server.remove()


def _one(url, sql):
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()


def test_a_load_cut_by_a_database_stop_fails_then_reruns_exactly_once(server, tmp_path):
    pg, url = server
    path = write_jsonl(tmp_path / "postings.jsonl", RECORDS, seed=11)

    def stop_midway(records_read: int) -> None:
        if records_read == 2000:
            pg.stop()

    with pytest.raises((psycopg.Error, database.DatabaseError)):
        import_file(path, "bench", url=url, progress=stop_midway)

    pg.start()
    # Whole batches only: the four flushed before the stop, nothing of the one cut short.
    assert _one(url, "select count(*) from raw.postings")[0] == 2000
    assert _one(url, "select count(*) % 500 from raw.postings")[0] == 0
    assert (
        _one(url, "select status from raw.crawl_runs order by started_at limit 1")[0] != "succeeded"
    )

    summary = import_file(path, "bench", url=url)

    assert summary.status == "succeeded"
    assert (summary.counts.new, summary.counts.unchanged) == (RECORDS - 2000, 2000)
    # the run the stop cut short could not close itself: the next run of its source did
    assert (
        _one(url, "select status from raw.crawl_runs order by started_at limit 1")[0] == "abandoned"
    )
    assert _one(url, "select count(*) from raw.crawl_runs where status = 'running'")[0] == 0
    assert _one(
        url, "select count(*), count(distinct (source, source_posting_id)) from raw.postings"
    ) == (RECORDS, RECORDS)


def test_the_cli_reports_an_unreachable_database_in_one_line(server, tmp_path):
    pg, url = server
    path = write_jsonl(tmp_path / "postings.jsonl", 10, seed=12)
    pg.stop()
    result = subprocess.run(
        [sys.executable, "-m", "midtier", "import", str(path), "--source", "bench"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "cannot connect" in (result.stderr + result.stdout).lower()
