"""The benchmarks' own PostgreSQL: never the user's data.

``BENCH_DATABASE_URL`` points the benchmarks at another server; otherwise an embedded server
is started under ``BENCH_HOME`` (default ``.midtier/bench``), separate from ``.midtier``.
Each data size gets a fresh database of its own (``bench_<size>``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from midtier import database
from midtier.settings import PROJECT_ROOT, Settings, load_settings


def bench_home() -> Path:
    return Path(os.environ.get("BENCH_HOME") or PROJECT_ROOT / ".midtier" / "bench").resolve()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_server() -> database.EmbeddedPostgres:
    base = load_settings()
    settings = Settings(
        home=bench_home(),
        database_url=None,
        pg_port=_free_port(),
        user_agent=base.user_agent,
        contact_url=base.contact_url,
        close_after_missed_crawls=base.close_after_missed_crawls,
    )
    return database.EmbeddedPostgres(settings)


def server_url() -> tuple[str, database.EmbeddedPostgres | None]:
    """The admin URL of the benchmark server, starting the embedded one if needed."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url, None
    server = embedded_server()
    return server.start(), server


def database_url_of(admin_url: str, name: str) -> str:
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` with Midtier's raw schema; its URL."""
    with contextlib.closing(database.connect(admin_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
            cur.execute(f'create database "{name}"')
    url = database_url_of(admin_url, name)
    database.apply_schema(url)
    return url


def loaded_postings(admin_url: str, name: str) -> int | None:
    """How many raw postings database ``name`` holds; None when it or its table is missing."""
    with contextlib.closing(database.connect(admin_url)) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone() is None:
            return None
    with (
        contextlib.closing(database.connect(database_url_of(admin_url, name))) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("select to_regclass('raw.postings') is not null")
        if not cur.fetchone()[0]:
            return None
        cur.execute("select count(*) from raw.postings")
        return cur.fetchone()[0]


def report(result: dict) -> None:
    """Print a step's result for bench.run, and append it to ``BENCH_HOME/results/steps.jsonl``
    with its command line, so a long run stopped part-way keeps the steps it finished."""
    print(json.dumps(result))
    path = bench_home() / "results" / "steps.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "argv": sys.argv[1:],
        "result": result,
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
