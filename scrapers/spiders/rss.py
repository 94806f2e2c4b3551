"""Generic RSS 2.0 / Atom feeds chosen by the operator: one source name, many feeds.

Which feeds: ``-a url=URL`` crawls that one feed (``midtier crawl rss --url URL``); otherwise
the ``[[feeds]]`` tables of a TOML file, ``midtier/feeds.toml`` unless ``-a feeds_file=PATH``::

    [[feeds]]
    url = "https://www.example.org/jobs/feed.rss"   # required, http(s)
    name = "Example job board"                      # optional, for people
    allows_republishing = false                     # optional; the feed's terms allow it

Each entry becomes one posting, with feedparser's reading of the entry as the payload together
with the feed it came from: ``{"feed_url", "feed_title", "feed_allows_republishing", "entry"}``.
The posting id is the entry's id (RSS guid, Atom id), else its link, else a hash of its title
(an entry with none of them is rejected); an id that is not a URI (an RSS guid such as "4471")
is made unique across feeds by prefixing the feed URL and "#".

Saved-search feeds in Upwork's format write the job's facts as labelled lines at the end of
the description HTML: ``<b>Budget</b>: $500`` or ``<b>Hourly Range</b>: $35.00-$60.00``,
``<b>Posted On</b>``, ``<b>Category</b>``, ``<b>Skills</b>:Python,     Django``,
``<b>Location Requirement</b>``, ``<b>Country</b>``. Those lines are copied as written: the pay
line into ``budget_text`` ("Budget: $500"), skills into ``tags``, the country into
``location``, and all of them into ``payload["description_fields"]``. WordPress Job Manager
feeds' ``job_listing:company``/``location``/``job_type`` fill company, location and
employment type. Nothing else is read into the text.

Feeds are single documents: no pagination is followed, so a run ends after the listed feeds.
"""

from __future__ import annotations

import hashlib
import html
import re
import tomllib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from midtier.settings import PROJECT_ROOT
from scrapers.feeds import Feed, entry_body, entry_tags, entry_time, text
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import FeedSpider

DEFAULT_FEEDS_FILE = PROJECT_ROOT / "midtier" / "feeds.toml"

# Upwork-style labelled lines: <b>Label</b>: value, up to the next tag (or the end).
_LABELLED_LINE = re.compile(r"<b>\s*([^<>]+?)\s*</b>\s*:([^<]*)", re.I)
DESCRIPTION_LABELS = (
    "Budget",
    "Hourly Range",
    "Posted On",
    "Category",
    "Skills",
    "Location Requirement",
    "Country",
)
PAY_LABELS = ("Budget", "Hourly Range")


@dataclass(frozen=True)
class ConfiguredFeed:
    url: str
    name: str | None = None
    allows_republishing: bool = False


class RssSpider(FeedSpider):
    name = "rss"
    source = "rss"

    def __init__(
        self, *args: Any, url: str | None = None, feeds_file: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if url:
            self.feeds = [ConfiguredFeed(url=_check_url(url, "url"))]
        else:
            self.feeds = read_feeds_file(
                Path(feeds_file) if feeds_file else DEFAULT_FEEDS_FILE,
                required=feeds_file is not None,
            )
        self.feeds_by_url = {feed.url: feed for feed in self.feeds}
        self.start_urls = list(self.feeds_by_url)
        self.seen_ids: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.start_urls:
            self.logger.warning(
                "rss: no feeds configured: add [[feeds]] to %s, pass "
                "-a feeds_file=PATH or -a url=URL",
                DEFAULT_FEEDS_FILE,
            )
        async for request in super().start():
            yield request

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        feed = yield from self.parse_feed(response)
        if feed is None:
            return
        for entry in feed.entries:
            posting_id = self._parse_id(entry, feed.url)
            if posting_id is None:
                yield self.reject(response.url, entry, "entry has no id, link or title")
            elif posting_id not in self.seen_ids:
                self.seen_ids.add(posting_id)
                yield self._parse_posting(entry, posting_id, feed)

    def _parse_posting(self, entry: dict, posting_id: str, feed: Feed) -> PostingItem:
        fields = self._parse_description_fields(entry)
        description_html, description_text = entry_body(entry)
        posting = PostingItem(
            source=self.source,
            source_posting_id=posting_id,
            url=text(entry.get("link")),
            apply_url=None,  # feeds link to the posting; its page has the way to apply
            title=text(entry.get("title")),
            company=text(entry.get("job_listing_company")),
            description_html=description_html,
            budget_text=self._parse_budget_text(fields),
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=self._parse_tags(entry, fields),
            location=fields.get("Country") or text(entry.get("job_listing_location")),
            employment_type=text(entry.get("job_listing_job_type")),
            posted_at=entry_time(entry, "published", "updated"),
            payload=self._parse_payload(entry, feed, fields),
        )
        if description_text is not None:  # only when the feed gives plain text
            posting["description_text"] = description_text
        return posting

    def _parse_id(self, entry: dict, url: str) -> str | None:
        """The entry's id, else its link, else a hash of its title (feed-qualified)."""
        entry_id = text(entry.get("id"))
        if entry_id is not None:
            entry_id = entry_id.strip()
            return entry_id if ":" in entry_id else f"{url}#{entry_id}"
        link = text(entry.get("link"))
        if link is not None:
            return link.strip()
        title = text(entry.get("title"))
        if title is None:
            return None
        return f"{url}#sha256:{hashlib.sha256(title.encode('utf-8')).hexdigest()}"

    def _parse_description_fields(self, entry: dict) -> dict[str, str]:
        """Upwork-style ``<b>Label</b>: value`` lines of the description, as written.

        The last line with a label wins: the feed's own block ends the description, after
        whatever the client wrote.
        """
        html_text = entry_body(entry)[0] or ""
        fields = {}
        for label, value in _LABELLED_LINE.findall(html_text):
            if label in DESCRIPTION_LABELS:
                fields[label] = html.unescape(value).strip()
        return {label: value for label, value in fields.items() if value}

    def _parse_budget_text(self, fields: dict[str, str]) -> str | None:
        lines = [f"{label}: {fields[label]}" for label in PAY_LABELS if label in fields]
        return "; ".join(lines) or None

    def _parse_tags(self, entry: dict, fields: dict[str, str]) -> list[str]:
        skills = [skill.strip() for skill in fields.get("Skills", "").split(",")]
        return [*entry_tags(entry), *(skill for skill in skills if skill)]

    def _parse_payload(self, entry: dict, feed: Feed, fields: dict[str, str]) -> dict:
        configured = self.feeds_by_url.get(feed.url)
        payload = {
            "feed_url": feed.url,
            "feed_title": feed.title,
            "feed_allows_republishing": bool(configured and configured.allows_republishing),
            "entry": entry,
        }
        if fields:
            payload["description_fields"] = fields
        return payload


def read_feeds_file(path: Path, *, required: bool = True) -> list[ConfiguredFeed]:
    """The ``[[feeds]]`` of a TOML file; a missing default file means no feeds."""
    if not path.exists():
        if required:
            raise ValueError(f"feeds file {path} does not exist")
        return []
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"feeds file {path} is not valid TOML: {error}") from error
    tables = config.get("feeds", [])
    if not isinstance(tables, list):
        raise ValueError(f"{path}: `feeds` must be an array of tables ([[feeds]])")
    feeds = []
    for number, table in enumerate(tables, start=1):
        where = f"{path}: feed {number}"
        if not isinstance(table, dict) or "url" not in table:
            raise ValueError(f"{where} needs a url")
        republishing = table.get("allows_republishing", False)
        if not isinstance(republishing, bool):
            raise ValueError(f"{where}: allows_republishing must be true or false")
        feeds.append(
            ConfiguredFeed(
                url=_check_url(table["url"], where),
                name=text(table.get("name")),
                allows_republishing=republishing,
            )
        )
    return feeds


def _check_url(url: Any, where: str) -> str:
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{where}: feed url must be an http(s) URL, got {url!r}")
    return str(url).strip()
