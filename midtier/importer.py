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
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from midtier.loading import DEFAULT_BATCH_SIZE, POSTING_FIELDS, PostingLoader
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
    suffix = path.suffix.lower()
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        if suffix == ".csv":
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, dict(row), json.dumps(row, ensure_ascii=False), None
            return
        if suffix not in (".jsonl", ".ndjson", ".json"):
            raise ImportFileError(f"{path.name}: expected a .jsonl, .ndjson or .csv file")
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError) as error:  # also too-long integers, deep nesting
                yield number, None, line, f"line {number}: invalid JSON: {error}"
                continue
            if not isinstance(record, dict):
                yield number, None, line, f"line {number}: expected a JSON object"
                continue
            yield number, record, line, None


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


def import_file(path: Path, source: str, *, url: str | None = None,
                progress: Callable[[int], None] | None = None,
                batch_size: int = DEFAULT_BATCH_SIZE) -> RunSummary:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    loader = PostingLoader(url, batch_size=batch_size)
    loader.open(source, kind="import", base_url=str(path.resolve()))
    error = None
    try:
        for count, (_, record, raw, problem) in enumerate(_records(path), start=1):
            if problem:
                loader.reject(problem, raw)
            else:
                loader.add(to_posting(record, source))
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
