"""What crawls leave on disk under ``MIDTIER_HOME`` that can name a developer, and its purge.

A withdrawn developer's GitHub login shows in the request URLs of the evidence crawl
(``/users/LOGIN/…``, ``author:LOGIN``), and their handle and work in what was logged about
them. Those lines live in logs (Scrapy's per-crawl logs, Airflow's task logs, dbt's and the
servers' logs) and, when a crawl keeps them, in Scrapy's HTTP cache and job state (replayable
requests), which ``scrapers/settings.py`` puts in ``Settings.crawl_state_dir``.

``purge`` removes them: a log line naming the developer is replaced by a marker line (the
rest of the log stays); a cached response or job-state file naming them is deleted (a cache
entry's directory whole). The database itself (``PGDATA``) is not read here: its rows are
deleted by SQL.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from midtier.settings import Settings

REDACTED_LINE = "[line removed: it named a withdrawn developer]\n"
# Scrapy's filesystem HTTP cache keeps one directory per request holding these files.
CACHE_ENTRY_FILES = ("meta", "pickled_meta")


@dataclass
class Purged:
    log_lines_redacted: int = 0
    files_deleted: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "files: log lines redacted": self.log_lines_redacted,
            "files: crawl state files deleted": self.files_deleted,
        }


def developer_pattern(names: Iterable[str], evidence_urls: Iterable[str] = ()) -> re.Pattern:
    """What names the developer in a line: their login or handle as a whole word (also right
    after a %-escape, as in ``author%3ALOGIN``), or a pull request of theirs in its web or
    API spelling (``OWNER/REPO/pull/N`` or ``OWNER/REPO/pulls/N``)."""
    words = sorted({name.lower() for name in names if name}, key=len, reverse=True)
    alternatives = [
        r"(?:(?<=%[0-9a-f]{2})|(?<![a-z0-9_-]))" + re.escape(word) + r"(?![a-z0-9_-])"
        for word in words
    ]
    for url in evidence_urls:
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) >= 4 and parts[2] == "pull" and parts[3].isdigit():
            owner_repo = re.escape("/".join(parts[:2]).lower())
            alternatives.append(rf"{owner_repo}/pulls?/{parts[3]}(?![0-9])")
    if not alternatives:
        raise ValueError("nothing to look for")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def log_dirs(settings: Settings) -> list[Path]:
    return [settings.logs_dir, settings.airflow_home / "logs", settings.dbt_log_dir]


def purge(settings: Settings, pattern: re.Pattern) -> Purged:
    """Redact every log line and delete every crawl-state file that ``pattern`` finds."""
    purged = Purged()
    for directory in log_dirs(settings):
        for path in _files(directory):
            purged.log_lines_redacted += _redact_lines(path, pattern)
    state = settings.crawl_state_dir
    for path in _files(state):
        if not path.exists() or not _names(path, pattern):
            continue  # gone with its cache entry already, or about someone else
        entry = path.parent
        if entry != state and any((entry / name).is_file() for name in CACHE_ENTRY_FILES):
            purged.files_deleted += sum(1 for _ in _files(entry))
            shutil.rmtree(entry)
        else:
            path.unlink()
            purged.files_deleted += 1
    return purged


def redact_text(text: str | None, pattern: re.Pattern) -> str | None:
    """``text`` with each line naming the developer replaced by the marker."""
    if not text or not pattern.search(text):
        return text
    return "".join(
        REDACTED_LINE if pattern.search(line) else line for line in text.splitlines(True)
    )


def _files(directory: Path):
    if directory.is_dir():
        for root, _, names in os.walk(directory):
            for name in sorted(names):
                path = Path(root) / name
                if path.is_file() and not path.is_symlink():
                    yield path


def _names(path: Path, pattern: re.Pattern) -> bool:
    """Whether the file's bytes (read as Latin-1, so any byte is a character) match."""
    with path.open("rb") as handle:
        tail = ""
        while chunk := handle.read(1 << 20):
            text = tail + chunk.decode("latin-1")
            if pattern.search(text):
                return True
            tail = text[-512:]  # a name split across two chunks
    return False


def _redact_lines(path: Path, pattern: re.Pattern) -> int:
    """Rewrite ``path`` with the lines ``pattern`` finds replaced; how many were."""
    if not _names(path, pattern):
        return 0
    redacted = 0
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with (
            path.open(encoding="utf-8", errors="surrogateescape", newline="") as source,
            os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape", newline="") as out,
        ):
            for line in source:
                if pattern.search(line):
                    out.write(REDACTED_LINE)
                    redacted += 1
                else:
                    out.write(line)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return redacted
