"""The benchmark harness finds a size's database already loaded (`bench.run --reuse-database`)."""

from __future__ import annotations

import contextlib

from bench import server
from midtier import database


def test_loaded_postings_counts_a_database_raw_postings(database_url):
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("select current_database(), count(*) from raw.postings")
        name, count = cur.fetchone()
    assert server.loaded_postings(database_url, name) == count
    assert server.loaded_postings(database_url, "no_such_bench_database") is None
    assert server.database_url_of(database_url, name).rsplit("/", 1)[1] == name
