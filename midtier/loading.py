"""Loading postings into raw: the one way they reach the database.

``PostingLoader`` checks each posting, adds provenance (content hash, fetch time, run id),
batches postings into idempotent upserts and keeps everything it cannot use in
``raw.rejects`` with the reason, so a bad record never stops a run and is never lost.
`midtier import` uses it directly; the Scrapy pipeline (``scrapers.pipelines``) adapts
spiders' items to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import psycopg

from midtier import database
from midtier.html_text import html_to_text
from midtier.raw_store import POSTING_COLUMNS, RawStore, RunSummary
from midtier.settings import load_settings

log = logging.getLogger(__name__)

# What a posting arrives with, from a spider or an import file. Every field is the source's
# own value (raw budget text, raw tags, the source's employment-type label); meaning is given
# later, in dbt.
POSTING_FIELDS = {
    "source": "midtier source name, e.g. remoteok",
    "source_posting_id": "the source's own id, as text (required)",
    "url": "",
    "apply_url": "",
    "title": "",
    "company": "",
    "description_html": "",
    "description_text": "filled from description_html when absent",
    "budget_text": "free-text pay, exactly as posted",
    "salary_min": "structured pay fields, when the source has them",
    "salary_max": "",
    "salary_currency": "",
    "salary_period": "",
    "tags": "list of strings as the source tags them",
    "location": "",
    "employment_type": "",
    "posted_at": "ISO-8601 text, epoch seconds, or datetime",
    "payload": "the whole original record (dict), untouched",
}

TEXT_FIELDS = (
    "url",
    "apply_url",
    "title",
    "company",
    "description_html",
    "description_text",
    "budget_text",
    "salary_currency",
    "salary_period",
    "location",
    "employment_type",
)


MAX_AMOUNT_DIGITS = 1000

# The longest value each field may hold, in characters (README, "Limits"). A record over a
# limit is rejected whole, with the reason: a 4,000-character id exceeded the primary key's
# index entry size and failed the whole batch; the others bound what one row may cost.
FIELD_LIMITS = {
    "source": 100,
    "source_posting_id": 512,
    "url": 4_096,
    "apply_url": 4_096,
    "title": 1_000,
    "company": 1_000,
    "location": 2_000,
    "budget_text": 10_000,
    "salary_currency": 200,
    "salary_period": 200,
    "employment_type": 1_000,
    "description_html": 2_000_000,
    "description_text": 2_000_000,
}
MAX_TAGS = 200
MAX_TAG_LENGTH = 200


class InvalidPosting(ValueError):
    """The item cannot become a raw posting; the message says why."""


def _clean_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _clean_payload(value):
    """PostgreSQL's jsonb cannot hold NUL characters; drop them, keep everything else."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean_payload(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_payload(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _amount(value, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as error:
        raise InvalidPosting(f"{name} is not a number: {value!r}") from error
    if not amount.is_finite():
        raise InvalidPosting(f"{name} is not a finite number: {str(value)[:40]!r}")
    if amount < 0:
        raise InvalidPosting(f"{name} is negative: {str(value)[:40]!r}")
    if amount and not -MAX_AMOUNT_DIGITS < amount.adjusted() < MAX_AMOUNT_DIGITS:
        # PostgreSQL's numeric would refuse it and fail the whole batch with it.
        raise InvalidPosting(f"{name} is out of range: {str(value)[:40]!r}")
    return amount


def _timestamp(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise InvalidPosting(f"posted_at is out of range: {value!r}") from error
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as error:
            raise InvalidPosting(f"posted_at is not an ISO-8601 time: {value!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+14:00
        raise InvalidPosting(f"posted_at is out of range: {value!r}") from error


def _tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    tags = [_clean_text(tag) for tag in value if not isinstance(tag, (dict, list))]
    tags = [tag for tag in tags if tag]
    if len(tags) > MAX_TAGS:
        raise InvalidPosting(f"tags: {len(tags)} tags, at most {MAX_TAGS}")
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidPosting(f"tags: a tag longer than {MAX_TAG_LENGTH} characters")
    return tags


def _check_limits(row: dict) -> None:
    for name, limit in FIELD_LIMITS.items():
        value = row.get(name)
        if value is not None and len(value) > limit:
            raise InvalidPosting(f"{name} is {len(value):,} characters long, at most {limit:,}")


def canonical_json(payload) -> str:
    """The payload's one serialisation: hashed for change detection and stored as is (jsonb
    does not keep key order, so sorting the keys costs the stored value nothing)."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)


def content_hash(payload_json: str) -> str:
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()


def prepare_posting(fields: dict, *, source: str, crawl_run_id: str, fetched_at: datetime) -> dict:
    """Turn a posting's fields (names from ``POSTING_FIELDS``) into a raw.postings row, or
    raise InvalidPosting.

    The row's ``payload`` is JSON text (see ``canonical_json``), ready for the jsonb column.
    """
    source_posting_id = _clean_text(fields.get("source_posting_id"))
    if not source_posting_id:
        raise InvalidPosting("source_posting_id is missing")
    row = {name: _clean_text(fields.get(name)) for name in TEXT_FIELDS}
    if row["description_text"] is None:
        row["description_text"] = html_to_text(row["description_html"])
    payload = fields.get("payload")
    if payload is None:
        payload = {k: v for k, v in fields.items() if k != "payload"}
    payload_json = canonical_json(
        _clean_payload(payload if isinstance(payload, dict) else {"value": payload})
    )
    row.update(
        source=_clean_text(fields.get("source")) or source,
        source_posting_id=source_posting_id,
        salary_min=_amount(fields.get("salary_min"), "salary_min"),
        salary_max=_amount(fields.get("salary_max"), "salary_max"),
        tags=_tags(fields.get("tags")),
        posted_at=_timestamp(fields.get("posted_at")),
        payload=payload_json,
        content_hash=content_hash(payload_json),
        fetched_at=fetched_at,
        first_seen_at=fetched_at,
        last_seen_at=fetched_at,
        crawl_run_id=crawl_run_id,
    )
    _check_limits(row)
    return {name: row[name] for name in POSTING_COLUMNS}


def check(fields: dict, *, source: str, crawl_run_id: str) -> dict | tuple:
    """The raw.postings row for a posting, or (error, payload, url) for raw.rejects."""
    try:
        return prepare_posting(
            fields, source=source, crawl_run_id=crawl_run_id, fetched_at=datetime.now(UTC)
        )
    except (InvalidPosting, ArithmeticError, TypeError, UnicodeError) as error:
        # Anything a field can do to the conversions rejects the posting, never the run.
        return str(error), fields.get("payload") or fields, fields.get("url")


def _payload_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value.replace("\x00", "\\u0000")


# Postings per merge; measured best in bench/load.py (BENCHMARKS.md).
DEFAULT_BATCH_SIZE = 2000


class PostingLoader:
    """Batching writer for one run of one source."""

    def __init__(self, database_url: str | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE):
        self.database_url = database_url
        self.batch_size = batch_size
        self.store: RawStore | None = None
        self.summary: RunSummary | None = None
        self._postings: list[dict] = []
        self._rejects: list[dict] = []
        # A run over the whole listing can tell which postings disappeared; a partial one
        # (e.g. one feed of a spider given with -a url=) cannot.
        self.full_listing = False

    # -- the run ------------------------------------------------------------------------
    def open(
        self,
        source: str,
        *,
        kind: str = "crawl",
        base_url: str | None = None,
        crawl_run_id: str | None = None,
    ) -> str:
        if self.store is None:
            self.store = RawStore(self.database_url or database.database_url())
        crawl_run_id = self.store.start_run(
            source, kind=kind, base_url=base_url, crawl_run_id=crawl_run_id
        )
        self.summary = RunSummary(crawl_run_id=crawl_run_id, source=source, status="running")
        log.info("run %s started for %s", crawl_run_id, source)
        return crawl_run_id

    def add(self, fields: dict) -> None:
        """Queue one posting (names from ``POSTING_FIELDS``); one that cannot be a raw
        posting goes to raw.rejects with the reason instead."""
        self.add_checked(
            check(fields, source=self.summary.source, crawl_run_id=self.summary.crawl_run_id)
        )

    def add_checked(self, checked: dict | tuple) -> None:
        """Queue what ``check`` made of a posting (possibly in another process)."""
        if isinstance(checked, tuple):
            self.reject(*checked)
            return
        self._postings.append(checked)
        if len(self._postings) >= self.batch_size:
            self.flush()

    def reject(self, error: str, payload=None, url: str | None = None) -> None:
        log.warning("%s: rejected %s: %s", self.summary.source, (url or "record")[:200], error)
        self._rejects.append(
            {
                "source": self.summary.source,
                "url": url,
                "payload": _payload_text(payload),
                "error": str(error),
            }
        )
        self.summary.counts.rejected += 1
        if len(self._rejects) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self._rejects:
            self.store.add_rejects(self.summary.crawl_run_id, self._rejects)
            self._rejects = []
        if self._postings:
            postings, self._postings = self._postings, []
            self._upsert(postings)
        self.store.record_progress(self.summary.crawl_run_id, self.summary.counts)

    def _upsert(self, rows: list[dict]) -> None:
        """Merge a batch; a batch the database refuses is halved until the rows it refuses
        are found, and each of those goes to raw.rejects: one record never stops a run. A
        lost connection is no record's fault and fails the run."""
        try:
            self.summary.counts.add(self.store.upsert_postings(rows))
            return
        except psycopg.Error as error:
            if self.store.conn.closed:
                raise
            if len(rows) == 1:
                row = rows[0]
                self._rejects.append(
                    {
                        "source": self.summary.source,
                        "url": row.get("url"),
                        "payload": row.get("payload"),
                        "error": f"refused by the database: {error}".strip(),
                    }
                )
                self.summary.counts.rejected += 1
                self.store.add_rejects(self.summary.crawl_run_id, self._rejects)
                self._rejects = []
                return
        middle = len(rows) // 2
        self._upsert(rows[:middle])
        self._upsert(rows[middle:])

    def close(self, *, http_errors: int = 0, error: str | None = None) -> RunSummary:
        summary = self.summary
        try:
            self.flush()
            summary.http_errors = http_errors
            summary.error = error
            summary.status = _status(summary)
            # Only a clean run that saw the listing can say what left it: an empty or
            # partly failed response must not close every posting of the source.
            if self.full_listing and summary.status == "succeeded" and summary.counts.seen:
                summary.closed = self.store.close_missing(
                    summary.source,
                    summary.crawl_run_id,
                    after_missed=load_settings().close_after_missed_crawls,
                )
            self.store.finish_run(summary)
            log.info("%s", summary.describe())
        finally:
            self.store.close()
            self.store = None
        return summary


def _status(summary: RunSummary) -> str:
    counts = summary.counts
    if summary.error or (counts.seen == 0 and (counts.rejected or summary.http_errors)):
        return "failed"
    if counts.rejected or summary.http_errors:
        return "partial"
    return "succeeded"
