"""Load benchmark: Midtier's loader against PostgreSQL COPY and naive per-row INSERTs.

Each step runs in its own process (``python -m bench.load STEP ...``) so its peak RSS is its
own, and prints one JSON object. The steps, on the same generated rows:

- ``prepare``: JSONL -> items -> ``prepare_posting`` rows (timed: validation alone) -> a
  COPY text file written by PostgreSQL (``COPY ... TO``): the baselines' input.
- ``copy``: ``COPY`` of that file into a table shaped like raw.postings (same keys, indexes
  and foreign key): the ceiling. ``copy_light``: the same file into a lighter table (the
  columns, defaults and NOT NULLs only), the independent baseline.
- ``store``: ``RawStore.upsert_postings`` on the same prepared rows, batch by batch (only
  those calls are timed, psycopg's row encoding included): the loader's own cost against COPY's.
- ``import``: ``midtier import`` end to end (read JSONL, validate, hash, merge) into an empty
  raw.postings; ``reimport``: the same file again, every posting unchanged.
- ``insert``: one INSERT per row, each committed (what a naive item pipeline does), on the
  first ``--rows`` rows.

Nothing keeps more than one batch of postings in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path

from bench import server
from midtier import database
from midtier.importer import _records, to_posting
from midtier.loading import prepare_posting
from midtier.raw_store import POSTING_COLUMNS, RawStore

RUN_ID = "bench-load"
FETCHED_AT = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepared_rows(jsonl: Path, crawl_run_id: str = RUN_ID) -> Iterator[dict]:
    """The rows Midtier's pipeline would write for each record of ``jsonl``, streamed."""
    for _, record, _, problem in _records(jsonl):
        if problem:
            continue
        yield prepare_posting(
            to_posting(record, record.get("source", "bench")),
            source="bench",
            crawl_run_id=crawl_run_id,
            fetched_at=FETCHED_AT,
        )


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while batch := list(islice(rows, size)):
        yield batch


def _ensure_run(url: str, crawl_run_id: str = RUN_ID) -> None:
    with RawStore(url) as store:
        store.start_run("bench", kind="import", crawl_run_id=crawl_run_id)


def _target_table(url: str, name: str, *, light: bool = False) -> None:
    """An empty table shaped like raw.postings, with its primary key, indexes and foreign key;
    ``light``: its columns, defaults and NOT NULLs only."""
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute("create schema if not exists bench")
        cur.execute(f"drop table if exists bench.{name}")
        if light:
            cur.execute(f"create table bench.{name} (like raw.postings including defaults)")
            return
        cur.execute(f"create table bench.{name} (like raw.postings including all)")
        # The same foreign key as raw.postings (LIKE copies keys and indexes, not references).
        cur.execute(
            f"alter table bench.{name} add foreign key (crawl_run_id) "
            "references raw.crawl_runs (crawl_run_id)"
        )


def step_prepare(args) -> dict:
    """Validation alone (only ``prepare_posting`` and reading the file are timed); the rows
    then reach the COPY file through PostgreSQL's own ``COPY ... TO``, so the COPY baselines
    read PostgreSQL's encoding, not Midtier's."""
    _target_table(args.url, "prepared", light=True)
    columns = ", ".join(POSTING_COLUMNS)
    values = itemgetter(*POSTING_COLUMNS)
    postings = prepared_rows(args.jsonl)
    rows, seconds = 0, 0.0
    with contextlib.closing(database.connect(args.url)) as conn:
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(f"copy bench.prepared ({columns}) from stdin") as copy,
        ):
            while True:
                started = time.perf_counter()
                row = next(postings, None)
                seconds += time.perf_counter() - started
                if row is None:
                    break
                copy.write_row(values(row))
                rows += 1
        with conn.transaction(), conn.cursor() as cur, open(args.copy_file, "wb") as handle:
            with cur.copy(f"copy bench.prepared ({columns}) to stdout") as copy:
                for data in copy:
                    handle.write(data)
            cur.execute("drop table bench.prepared")
    return {"rows": rows, "seconds": seconds}


def step_copy(args) -> dict:
    """COPY of the file into a table like raw.postings (``copy``) or into a lighter one with
    no keys or indexes (``copy_light``)."""
    _ensure_run(args.url)
    table = "light_target" if args.step == "copy_light" else "copy_target"
    _target_table(args.url, table, light=args.step == "copy_light")
    columns = ", ".join(POSTING_COLUMNS)
    with contextlib.closing(database.connect(args.url)) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, open(args.copy_file, "rb") as handle:
            with cur.copy(f"copy bench.{table} ({columns}) from stdin") as copy:
                while data := handle.read(256 * 1024):
                    copy.write(data)
            rows = cur.rowcount
        seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds}


def step_store(args) -> dict:
    _ensure_run(args.url)
    _truncate(args.url)
    seconds, rows, new = 0.0, 0, 0
    with RawStore(args.url) as store:
        for batch in _batches(prepared_rows(args.jsonl), args.batch_size):
            started = time.perf_counter()
            counts = store.upsert_postings(batch)
            seconds += time.perf_counter() - started
            rows += len(batch)
            new += counts.new
    return {"rows": rows, "new": new, "seconds": seconds, "batch_size": args.batch_size}


def step_import(args) -> dict:
    from midtier import importer

    if args.step == "import":
        _truncate(args.url)
    started = time.perf_counter()
    summary = importer.import_file(args.jsonl, "bench", url=args.url, batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    counts = summary.counts
    return {
        "rows": counts.seen,
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": counts.rejected,
        "status": summary.status,
        "seconds": seconds,
        "batch_size": args.batch_size,
    }


def step_insert(args) -> dict:
    _ensure_run(args.url)
    _target_table(args.url, "insert_target")
    columns = ", ".join(POSTING_COLUMNS)
    placeholders = ", ".join(["%s"] * len(POSTING_COLUMNS))
    sql = f"insert into bench.insert_target ({columns}) values ({placeholders})"
    from psycopg.types.json import Jsonb

    def value(item):
        return Jsonb(item) if isinstance(item, dict) else item

    rows = 0
    with contextlib.closing(database.connect(args.url)) as conn:
        conn.autocommit = True
        started = time.perf_counter()
        with conn.cursor() as cur:
            for row in islice(prepared_rows(args.jsonl), args.rows):
                cur.execute(sql, [value(row[name]) for name in POSTING_COLUMNS])
                rows += 1
        seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds}


def _truncate(url: str) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute("truncate raw.postings")


STEPS = {
    "prepare": step_prepare,
    "copy": step_copy,
    "copy_light": step_copy,
    "store": step_store,
    "import": step_import,
    "reimport": step_import,
    "insert": step_insert,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one step of the load benchmark")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--jsonl", type=Path, required=True)
    parser.add_argument("--copy-file", type=Path)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rows", type=int, default=10_000, help="rows for the per-row INSERT step")
    args = parser.parse_args(argv)
    result = STEPS[args.step](args)
    result.update(
        step=args.step,
        peak_rss_mb=round(_peak_rss_mb(), 1),
        load_average=round(os.getloadavg()[0], 1),
    )
    if result.get("seconds"):
        result["rows_per_second"] = round(result["rows"] / result["seconds"], 1)
    server.report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
