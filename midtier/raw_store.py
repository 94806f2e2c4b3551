"""The raw landing zone: idempotent upserts of postings, rejects and crawl-run bookkeeping.

Every write goes through a batch merge in one transaction: the stored content hashes sort the
batch into new, changed and unchanged postings; new ones are copied straight in, changed ones
and sightings of unchanged ones are applied set-based from session-local staging tables. A
batch is applied whole or not at all, and re-running the same crawl adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter

import psycopg
from psycopg.types.json import set_json_dumps

from midtier.database import connect

POSTING_COLUMNS = (
    "source",
    "source_posting_id",
    "url",
    "apply_url",
    "title",
    "company",
    "description_html",
    "description_text",
    "budget_text",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "tags",
    "location",
    "employment_type",
    "posted_at",
    "payload",
    "content_hash",
    "fetched_at",
    "first_seen_at",
    "last_seen_at",
    "crawl_run_id",
)
# Columns that describe the posting itself (url .. payload): replaced only when the content
# hash changes.
CONTENT_COLUMNS = POSTING_COLUMNS[
    POSTING_COLUMNS.index("url") : POSTING_COLUMNS.index("content_hash")
]
# What a sighting of an unchanged posting refreshes; its content stays as stored.
SIGHTING_COLUMNS = ("source", "source_posting_id", "fetched_at", "last_seen_at", "crawl_run_id")


@dataclass
class RunCounts:
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: RunCounts) -> None:
        for name in ("seen", "new", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RunSummary:
    crawl_run_id: str
    source: str
    status: str  # running | succeeded | partial | failed | skipped | abandoned
    counts: RunCounts = field(default_factory=RunCounts)
    http_errors: int = 0
    error: str | None = None
    duration_seconds: float = 0.0
    started_at: datetime | None = None
    closed: int = 0  # postings closed by this run (absent from the source too many times)

    def describe(self) -> str:
        c = self.counts
        text = (
            f"{self.source}: {self.status} — {c.seen} seen, {c.new} new, {c.updated} updated, "
            f"{c.unchanged} unchanged, {c.rejected} rejected, {self.closed} closed, "
            f"{self.http_errors} HTTP errors "
            f"in {self.duration_seconds:.1f}s (run {self.crawl_run_id})"
        )
        return text + (f"\n  error: {self.error}" if self.error else "")


def new_run_id(source: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{source}-{stamp}-{uuid.uuid4().hex[:8]}"


class RawStore:
    """A connection to the raw schema. Use as a context manager; it closes the connection."""

    def __init__(self, url: str | None = None):
        self.conn = connect(url)
        # Every write is its own explicit transaction block (``conn.transaction()``).
        self.conn.autocommit = True
        self._staging_ready = False

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- runs ---------------------------------------------------------------------------
    def start_run(
        self,
        source: str,
        *,
        kind: str = "crawl",
        base_url: str | None = None,
        crawl_run_id: str | None = None,
    ) -> str:
        crawl_run_id = crawl_run_id or new_run_id(source)
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                insert into raw.crawl_runs (crawl_run_id, source, kind, base_url)
                values (%s, %s, %s, %s)
                on conflict (crawl_run_id) do nothing
                """,
                (crawl_run_id, source, kind, base_url),
            )
            # This session holds the run's lock until the run's connection closes, however
            # the process ends: a run still 'running' whose lock is free was left by a crash.
            cur.execute(f"select pg_try_advisory_lock({RUN_LOCK}, hashtext(%s))", (crawl_run_id,))
            cur.execute(ABANDON_DEAD_RUNS, (source, crawl_run_id))
        return crawl_run_id

    def record_progress(self, crawl_run_id: str, counts: RunCounts) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                update raw.crawl_runs set items_seen = %s, items_new = %s, items_updated = %s,
                       items_unchanged = %s, items_rejected = %s
                where crawl_run_id = %s
                """,
                (
                    counts.seen,
                    counts.new,
                    counts.updated,
                    counts.unchanged,
                    counts.rejected,
                    crawl_run_id,
                ),
            )

    def finish_run(self, summary: RunSummary) -> None:
        c = summary.counts
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                update raw.crawl_runs
                set status = %s, finished_at = now(),
                    duration_seconds = extract(epoch from now() - started_at),
                    items_seen = %s, items_new = %s, items_updated = %s, items_unchanged = %s,
                    items_rejected = %s, items_closed = %s, http_errors = %s, error = %s
                where crawl_run_id = %s
                returning duration_seconds
                """,
                (
                    summary.status,
                    c.seen,
                    c.new,
                    c.updated,
                    c.unchanged,
                    c.rejected,
                    summary.closed,
                    summary.http_errors,
                    summary.error,
                    summary.crawl_run_id,
                ),
            )
            row = cur.fetchone()
            summary.duration_seconds = float(row[0]) if row else 0.0

    def close_missing(self, source: str, crawl_run_id: str, *, after_missed: int) -> int:
        """After a complete crawl: count a miss for every open posting it did not see, and
        close those missed ``after_missed`` times in a row. Returns how many were closed."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                update raw.postings
                set missed_crawls = missed_crawls + 1,
                    closed_at = case when missed_crawls + 1 >= %s then now() end
                where source = %s and closed_at is null and crawl_run_id <> %s
                returning closed_at is not null
                """,
                (after_missed, source, crawl_run_id),
            )
            return sum(1 for (closed,) in cur.fetchall() if closed)

    def runs_since(self, source: str, hours: float) -> int:
        """Live crawls of ``source`` (not imports, not local mirrors) in the last ``hours``."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                select count(*) from raw.crawl_runs
                where source = %s and kind = 'crawl' and base_url is null
                  and status <> 'skipped' and started_at > now() - make_interval(secs => %s)
                """,
                (source, hours * 3600),
            )
            return cur.fetchone()[0]

    def latest_runs(self) -> dict[str, RunSummary]:
        """The most recent run of every source."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("""select distinct on (source) crawl_run_id from raw.crawl_runs
                           order by source, started_at desc""")
            ids = [row[0] for row in cur.fetchall()]
        return {summary.source: summary for summary in map(self.run_summary, ids)}

    def fail_run(self, crawl_run_id: str, error: str) -> None:
        """Close a run that died before its own bookkeeping could (crashed process)."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                update raw.crawl_runs
                set status = 'failed', finished_at = now(),
                    duration_seconds = extract(epoch from now() - started_at),
                    error = coalesce(error, %s)
                where crawl_run_id = %s and status = 'running'
                """,
                (error, crawl_run_id),
            )

    def run_summary(self, crawl_run_id: str) -> RunSummary | None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                """
                select source, status, items_seen, items_new, items_updated, items_unchanged,
                       items_rejected, http_errors, error, coalesce(duration_seconds, 0), started_at, items_closed
                from raw.crawl_runs where crawl_run_id = %s
                """,
                (crawl_run_id,),
            )
            row = cur.fetchone()
        if row is None:
            return None
        return RunSummary(
            crawl_run_id=crawl_run_id,
            source=row[0],
            status=row[1],
            counts=RunCounts(*row[2:7]),
            http_errors=row[7],
            error=row[8],
            duration_seconds=float(row[9]),
            started_at=row[10],
            closed=row[11],
        )

    # -- data ---------------------------------------------------------------------------
    def add_rejects(self, crawl_run_id: str | None, rejects: list[dict]) -> None:
        if not rejects:
            return
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                "insert into raw.rejects (source, crawl_run_id, url, payload, error) "
                "values (%s, %s, %s, %s, %s)",
                [
                    (
                        _storable(r["source"]),
                        crawl_run_id,
                        _storable(r.get("url")),
                        _storable(r.get("payload")),
                        _storable(r["error"]),
                    )
                    for r in rejects
                ],
            )

    def upsert_postings(self, rows: list[dict]) -> RunCounts:
        """Merge prepared rows (dicts keyed by POSTING_COLUMNS) into raw.postings in one transaction.

        The stored content hashes of the batch's postings sort it into new, changed and
        unchanged rows. New rows are streamed with ``COPY`` straight into raw.postings (written
        once, as a plain COPY would); changed rows and the sightings of unchanged ones go
        through session-local staging tables and one set-based UPDATE each. Nothing is written
        to raw.postings unless the whole batch merges.
        """
        counts = RunCounts(seen=len(rows))
        if not rows:
            return counts
        latest = _latest_per_posting(rows)
        try:
            new, changed, unchanged = self._merge(latest)
        except (UnicodeEncodeError, psycopg.DataError):
            # Text PostgreSQL cannot hold fails the COPY before anything is written; such
            # text is rare, so it is looked for only then, and the batch merged again without it.
            if not _unwritable(latest):
                raise
            latest = [{name: _writable(value) for name, value in row.items()} for row in latest]
            new, changed, unchanged = self._merge(latest)
        counts.new, counts.updated, counts.unchanged = len(new), len(changed), len(unchanged)
        return counts

    def _merge(self, rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
        """(new, changed, unchanged) rows of the batch, merged in one transaction."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            self._create_staging(cur)
            _lock_sources(cur, {row["source"] for row in rows})
            new, changed, unchanged = _classify(rows, _stored_hashes(cur, rows))
            _copy(cur, "raw.postings", new)
            if changed:
                _copy(cur, "batch_postings", changed)
                cur.execute(REFRESH_CHANGED)
            if unchanged:
                _copy(cur, "batch_sightings", unchanged, SIGHTING_COLUMNS)
                cur.execute(MARK_SEEN)
        self._staging_ready = True  # only once a transaction that created it has committed
        return new, changed, unchanged

    def _create_staging(self, cur) -> None:
        if self._staging_ready:
            return
        # Session-local and never WAL-logged: rows vanish at commit, and the tables are
        # created once per connection (re-creating them per batch is catalog churn).
        cur.execute(
            "create temp table if not exists batch_postings "
            "(like raw.postings including defaults) on commit delete rows"
        )
        cur.execute(
            "create temp table if not exists batch_sightings on commit delete rows as "
            f"select {', '.join(SIGHTING_COLUMNS)} from raw.postings with no data"
        )


# -- runs left behind ----------------------------------------------------------------------
RUN_LOCK = "hashtext('raw.crawl_runs')"
# Runs of the source still 'running' whose owner's lock can be taken: their process or the
# database died mid-run. The transaction-level lock taken to tell is released at commit.
ABANDON_DEAD_RUNS = f"""
    update raw.crawl_runs
    set status = 'abandoned', finished_at = now(),
        duration_seconds = extract(epoch from now() - started_at),
        error = coalesce(error, 'left running: the run ended without closing (crash or lost database)')
    where source = %s and status = 'running' and crawl_run_id <> %s
      and pg_try_advisory_xact_lock({RUN_LOCK}, hashtext(crawl_run_id))
"""


# -- merging a batch ----------------------------------------------------------------------
REFRESH_CHANGED = f"""
    update raw.postings p
    set {", ".join(f"{name} = b.{name}" for name in CONTENT_COLUMNS)},
        content_hash = b.content_hash, fetched_at = b.fetched_at,
        last_seen_at = greatest(p.last_seen_at, b.last_seen_at),
        crawl_run_id = b.crawl_run_id, closed_at = null, missed_crawls = 0
    from batch_postings b
    where p.source = b.source and p.source_posting_id = b.source_posting_id
"""

MARK_SEEN = """
    update raw.postings p
    set last_seen_at = greatest(p.last_seen_at, b.last_seen_at),
        fetched_at = b.fetched_at, crawl_run_id = b.crawl_run_id, closed_at = null,
        missed_crawls = 0
    from batch_sightings b
    where p.source = b.source and p.source_posting_id = b.source_posting_id
"""


def _lock_sources(cur, sources: set[str]) -> None:
    """Serialise loaders of the same source until commit: a posting judged new must still be
    absent when it is copied in (COPY has no ON CONFLICT). Sorted, so two loaders never wait
    on each other crosswise."""
    for source in sorted(sources):
        cur.execute(
            "select pg_advisory_xact_lock(hashtext('raw.postings'), hashtext(%s))", (source,)
        )


def _stored_hashes(cur, rows: list[dict]) -> dict[tuple[str, str], str]:
    """The content hash raw.postings holds for each posting of the batch it already has."""
    cur.execute(
        """
        select p.source, p.source_posting_id, p.content_hash
        from unnest(%s::text[], %s::text[]) as batch (source, source_posting_id)
        join raw.postings p using (source, source_posting_id)
        """,
        ([row["source"] for row in rows], [row["source_posting_id"] for row in rows]),
    )
    return {(source, posting_id): stored for source, posting_id, stored in cur.fetchall()}


def _classify(rows: list[dict], stored: dict[tuple[str, str], str]):
    """(new, changed, unchanged) rows against the stored content hashes."""
    new, changed, unchanged = [], [], []
    for row in rows:
        stored_hash = stored.get((row["source"], row["source_posting_id"]))
        if stored_hash is None:
            new.append(row)
        elif stored_hash != row["content_hash"]:
            changed.append(row)
        else:
            unchanged.append(row)
    return new, changed, unchanged


def _copy(cur, table: str, rows: list[dict], columns: tuple[str, ...] = POSTING_COLUMNS) -> None:
    """Stream ``rows`` into ``table`` with binary COPY: psycopg encodes each value for its
    column's type, at half the client's CPU of text COPY, and the server parses no text
    (BENCHMARKS.md, `midtier import`)."""
    if not rows:
        return
    cur.execute(
        """
        select atttypid::int from pg_attribute
        where attrelid = %s::regclass and attname = any(%s)
        order by array_position(%s, attname::text)
        """,
        (table, list(columns), list(columns)),
    )
    types = [oid for (oid,) in cur.fetchall()]
    values = itemgetter(*columns)
    with cur.connection.cursor() as copy_cursor:
        # The payload is JSON text already (``loading.canonical_json``): sent as it is.
        set_json_dumps(_as_is, context=copy_cursor)
        statement = f"copy {table} ({', '.join(columns)}) from stdin (format binary)"
        with copy_cursor.copy(statement) as copy:
            copy.set_types(types)
            write_row = copy.write_row
            for row in rows:
                write_row(values(row))


def _as_is(text: str) -> str:
    return text


def _unwritable(rows: list[dict]) -> bool:
    """Whether a text value holds what PostgreSQL's text cannot: NUL, or a lone surrogate
    (from a ``\\ud800`` escape) that has no UTF-8 form."""
    return any(_unwritable_text(value) for row in rows for value in row.values())


def _unwritable_text(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value or (not value.isascii() and not _encodes(value))
    if isinstance(value, list):
        return any(_unwritable_text(item) for item in value)
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _writable(value):
    """The value with NUL dropped and lone surrogates as ``?``: what is kept of such text."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_writable(item) for item in value]
    return value


def _storable(text: str | None) -> str | None:
    """Text PostgreSQL will take: a reject must be kept even when it holds NUL characters or
    lone surrogates (the very things that made it a reject)."""
    if text is None:
        return None
    text = str(text).replace("\x00", "\\u0000")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _latest_per_posting(rows: list[dict]) -> list[dict]:
    """The same posting twice in one batch: keep the last fetched copy (later wins a tie)."""
    latest: dict[tuple, dict] = {}
    for row in rows:
        key = (row["source"], row["source_posting_id"])
        kept = latest.get(key)
        if kept is None or row["fetched_at"] >= kept["fetched_at"]:
            latest[key] = row
    return list(latest.values())
