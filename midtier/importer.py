"""`midtier import`: postings from a JSONL or CSV file, through the same loader as crawls.

Accepted columns: source, source_posting_id, url, apply_url, title, company, description
(HTML or text), budget_text, salary_min, salary_max, salary_currency, salary_period, tags
(list, JSON array text or comma-separated), location, employment_type, posted_at. The whole
original record is kept as the payload. Unreadable lines go to raw.rejects with their line
number; the rest of the file still loads.
"""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from midtier.loading import DEFAULT_BATCH_SIZE, POSTING_FIELDS, PostingLoader, check
from midtier.raw_store import RunSummary

# File column -> posting field, where the names differ.
ALIASES = {"description": "description_html", "company_name": "company", "id": "source_posting_id"}
RECORD_FIELDS = set(POSTING_FIELDS) - {"payload"}

csv.field_size_limit(sys.maxsize)
log = logging.getLogger(__name__)


class ImportFileError(ValueError):
    pass


def _records(path: Path) -> Iterator[tuple[int, dict | None, str, str | None]]:
    """Yield (line number, record or None, raw text, error) for each record in the file."""
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, dict(row), json.dumps(row, ensure_ascii=False), None
        return
    for number, line in _lines(path):
        yield _parse_line(number, line)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line of a JSONL file."""
    if path.suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        raise ImportFileError(f"{path.name}: expected a .jsonl, .ndjson or .csv file")
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _parse_line(number: int, line: str) -> tuple[int, dict | None, str, str | None]:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as error:  # also too-long integers, deep nesting
        return number, None, line, f"line {number}: invalid JSON: {error}"
    if not isinstance(record, dict):
        return number, None, line, f"line {number}: expected a JSON object"
    return number, record, line, None


def _tags(value):
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def to_posting(record: dict, source: str) -> dict:
    """A file record as posting fields (``POSTING_FIELDS``), the whole record as payload."""
    posting = {"payload": record}
    for key, value in record.items():
        name = ALIASES.get(key, key)
        if name in RECORD_FIELDS and value not in (None, ""):
            posting[name] = _tags(value) if name == "tags" else value
    posting.setdefault("source", source)
    return posting


def import_file(
    path: Path,
    source: str,
    *,
    url: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunSummary:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    loader = PostingLoader(url, batch_size=batch_size)
    loader.open(source, kind="import", base_url=str(path.resolve()))
    error = None
    try:
        for count, checked in enumerate(
            _checked(path, source, loader.summary.crawl_run_id), start=1
        ):
            loader.add_checked(checked)
            if progress and count % 1000 == 0:
                progress(count)
    except (OSError, ImportFileError) as failure:
        error = str(failure)
    except BaseException as failure:
        # Still give the run its final status when it can be written; when it cannot (the
        # database is gone), the next run of this source marks it abandoned.
        try:
            loader.close(error=f"import stopped: {type(failure).__name__}: {failure}")
        except Exception:
            log.exception("could not close the import's run")
        raise
    summary = loader.close(error=error)
    return summary


# Checking records (JSON, cleaning, HTML to text, hashing) costs the import more than the
# merge, which runs in the database server. So a JSONL file of at least PARALLEL_MIN_BYTES is
# checked by worker processes, CHUNK_LINES lines at a time, while this process loads; at most
# CHUNKS_PER_WORKER chunks per worker are in flight (memory stays flat), taken in file order.
# Four keep the workers busy while this process waits for a merge (about two batches in
# flight): 2,700-3,200 rows/s with two, 3,550-3,800 with four, 3,700-3,900 with eight.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
CHUNK_LINES = 500
CHUNKS_PER_WORKER = 4


def _checked(path: Path, source: str, crawl_run_id: str) -> Iterator[dict | tuple]:
    """What ``check`` makes of each record of the file, in file order."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or path.suffix.lower() == ".csv" or path.stat().st_size < PARALLEL_MIN_BYTES:
        for number, record, raw, problem in _records(path):
            yield from _check_records([(number, record, raw, problem)], source, crawl_run_id)
        return
    context = multiprocessing.get_context("forkserver")  # no fork of a process with threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        for chunk in _chunks(_lines(path), CHUNK_LINES):
            pending.append(pool.submit(_check_lines, chunk, source, crawl_run_id))
            if len(pending) >= CHUNKS_PER_WORKER * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _check_lines(lines: list[tuple[int, str]], source: str, crawl_run_id: str) -> list:
    return list(
        _check_records((_parse_line(number, line) for number, line in lines), source, crawl_run_id)
    )


def _check_records(
    records: Iterable[tuple[int, dict | None, str, str | None]], source: str, crawl_run_id: str
) -> Iterator[dict | tuple]:
    for _, record, raw, problem in records:
        if problem:
            yield problem, raw, None
        else:
            yield check(to_posting(record, source), source=source, crawl_run_id=crawl_run_id)
