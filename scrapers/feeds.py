"""Reading RSS 2.0 and Atom responses with feedparser, for the spiders that crawl feeds.

``read_feed`` hands feedparser the downloaded bytes as a stream (never text it could take for
a URL or a file name, so feedparser fetches and opens nothing itself), with the response's
Content-Type and the feed's real URL, and turns the result into plain data: every entry
becomes a JSON-ready ``dict`` with feedparser's field names (``title``, ``link``, ``id`` for the RSS guid, ``summary`` for the description,
``content``, ``published``, ``tags`` for categories, and any extension element under its own
name, e.g. ``region`` or ``media_content``). HTML is kept exactly as written: feedparser's
sanitising and relative-link rewriting are switched off.

feedparser sets ``bozo`` when a document is not quite right. ``read_feed`` raises
``UnreadableFeed`` when the response is not a feed at all (an HTML page, an empty body) or when
it is so broken that no entry could be read. A flagged feed that still has entries (say, one
unescaped ``&``) is returned with the reason in ``Feed.problem`` for the spider to log. A
truncated feed (its root element never closes) is ``Feed.truncated``: feedparser's lenient
reading still returns the last, cut-off entry, so that one is dropped and the complete entries
before it are kept.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

import feedparser
from scrapy.http import Response

from scrapers import fields

# Problems with the HTTP headers only (the XML itself read fine).
_HEADER_PROBLEMS = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
# The end tag of an RSS, Atom or RDF document, at the very end of the body.
_ROOT_CLOSED = re.compile(rb"</\s*(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*\Z")

# A feed's (or feeds file's) string as written; missing, blank, objects and lists become None.
text = partial(fields.text, not_text=fields.CONTAINERS)


class UnreadableFeed(ValueError):
    """The response holds no feed entries that can be used; the message says why."""


@dataclass(frozen=True)
class Feed:
    url: str  # the feed's real URL (not the --base-url rewrite)
    version: str  # feedparser's name for the format: "rss20", "atom10", ...
    title: str | None
    entries: list[dict] = field(default_factory=list)
    problem: str | None = None  # why feedparser flagged the document, when it did
    malformed: bool = False  # the XML itself is broken (not just a wrong HTTP header)
    truncated: bool = False  # the body ends before the feed does


def feed_url(response: Response) -> str:
    """The real URL a feed request was made for (kept in ``meta["feed_url"]``), else the URL."""
    try:
        return response.meta.get("feed_url") or response.url
    except AttributeError:  # a response built without a request (tests)
        return response.url


def read_feed(response: Response, url: str | None = None) -> Feed:
    """Parse ``response.body`` as RSS or Atom; raise ``UnreadableFeed`` if there is no feed."""
    url = url or feed_url(response)
    content_type = _header(response, "Content-Type")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        io.BytesIO(response.body),  # a stream: feedparser would open a URL or path given as text
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = _problem(parsed)
    if not parsed.get("version"):
        reason = f"response is not an RSS or Atom feed (Content-Type: {content_type or 'none'})"
        raise UnreadableFeed(f"{reason}: {problem}" if problem else reason)
    malformed = bool(problem) and not _header_problem_only(parsed)
    truncated = malformed and not _ROOT_CLOSED.search(response.body)
    entries = parsed.entries[:-1] if truncated else parsed.entries
    if not entries and malformed:
        kind = "truncated" if truncated else "malformed"
        raise UnreadableFeed(f"feed is {kind} and no complete entry could be read: {problem}")
    return Feed(
        url=url,
        version=parsed.version,
        title=text(parsed.feed.get("title")),
        entries=[plain(entry) for entry in entries],
        problem=problem,
        malformed=malformed,
        truncated=truncated,
    )


def plain(value: Any, *, top: bool = True) -> Any:
    """feedparser's result as plain JSON data.

    Dropped: the ``*_parsed`` time tuples feedparser derives from the dates (the dates stay
    as written) and the ``base`` URL it notes in nested details (the URL the feed was read
    from, not part of the entry).
    """
    if isinstance(value, dict):
        return {
            str(key): plain(item, top=False)
            for key, item in value.items()
            if not str(key).endswith("_parsed")
            and not (key == "base" and not top)
            and not isinstance(item, time.struct_time)
        }
    if isinstance(value, (list, tuple)):
        return [plain(item, top=False) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def entry_body(entry: dict) -> tuple[str | None, str | None]:
    """(html, plain text) of an entry's fullest body: Atom/RSS ``content``, else the summary."""
    candidates = [*entry.get("content", []), entry.get("summary_detail")]
    for body in candidates:
        if isinstance(body, dict) and text(body.get("value")):
            if body.get("type") == "text/plain":
                return None, body["value"]
            return body["value"], None
    summary = text(entry.get("summary"))
    return summary, None


def entry_tags(entry: dict) -> list[str]:
    """Category terms (RSS ``<category>``, Atom ``<category term>``), as written."""
    tags = []
    for tag in entry.get("tags") or []:
        term = text(tag.get("term")) if isinstance(tag, dict) else None
        if term:
            tags.append(term)
    return tags


def entry_time(entry: dict, *names: str) -> str | None:
    """The first of the named dates, as ISO-8601 text.

    RFC 822 dates (RSS ``pubDate``) are rewritten as ISO-8601 with the offset they were given
    in; ISO dates (Atom) are kept as written; anything else falls back to feedparser's reading.
    """
    for name in names or ("published", "updated"):
        raw = text(entry.get(name))
        if raw is None:
            continue
        raw = raw.strip()
        try:
            datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return raw
        except ValueError:
            pass
        try:
            return parsedate_to_datetime(raw).isoformat()
        except (TypeError, ValueError, IndexError):
            pass
        parsed = _feedparser_date(raw)
        if parsed is not None:
            return parsed
    return None


def _feedparser_date(raw: str) -> str | None:
    parsed = feedparser.datetimes._parse_date(raw)  # noqa: SLF001 - feedparser's date reader
    if parsed is None:
        return None
    return datetime(*parsed[:6], tzinfo=UTC).isoformat()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _problem(parsed) -> str | None:
    if not parsed.get("bozo"):
        return None
    error = parsed.get("bozo_exception")
    if error is None:
        return "feedparser flagged the feed"
    return f"{type(error).__name__}: {error}"


def _header_problem_only(parsed) -> bool:
    return isinstance(parsed.get("bozo_exception"), _HEADER_PROBLEMS)
