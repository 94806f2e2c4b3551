"""We Work Remotely: current postings from the public RSS feeds at weworkremotely.com.

WWR publishes RSS 2.0 only (no public JSON API): ``GET /remote-jobs.rss`` for the newest jobs of
every category and ``GET /categories/<slug>.rss`` per category. Each ``<item>`` carries
``<title>`` as "Company: Position", ``<region>`` (e.g. "Anywhere in the World", "USA Only"),
``<country>`` (flag emoji and names, "A, B, and C"), ``<state>``, ``<skills>`` ("A, B, and C"),
``<category>`` (e.g. "Full-Stack Programming"), ``<type>`` ("Full-Time", "Contract" ...),
``<description>`` (escaped HTML starting with the logo and headquarters), ``<pubDate>`` and
``<expires_at>`` (RFC 822), ``<guid>`` and ``<link>`` (the same posting URL), and a
``<media:content>`` logo; any of them may be missing or empty. The feeds carry no pay field,
so ``budget_text`` stays empty (pay written in the description is left to dbt).

A job is listed in the main feed and in its category feeds: it is yielded once per run. The
feeds have no pagination, so the run ends after the listed feeds.

Terms (https://weworkremotely.com/api-terms-and-guidelines, /remote-job-rss-feed): anyone may
use the feed with links attributed back to We Work Remotely; applying must go through
weworkremotely.com (``url`` is the posting's page there); nothing that replaces WWR as a job
search destination.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from scrapers.feeds import entry_body, entry_tags, entry_time, text
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import FeedSpider

SITE = "https://weworkremotely.com"
CATEGORY_SLUGS = (
    "remote-programming-jobs",
    "remote-full-stack-programming-jobs",
    "remote-front-end-programming-jobs",
    "remote-back-end-programming-jobs",
    "remote-devops-sysadmin-jobs",
    "remote-design-jobs",
)


class WeWorkRemotelySpider(FeedSpider):
    name = "weworkremotely"
    source = "weworkremotely"
    allowed_domains = ["weworkremotely.com"]
    start_urls = [
        f"{SITE}/remote-jobs.rss",
        *(f"{SITE}/categories/{slug}.rss" for slug in CATEGORY_SLUGS),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_ids: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        feed = yield from self.parse_feed(response)
        if feed is None:
            return
        for entry in feed.entries:
            posting_id = self._parse_id(entry)
            if posting_id is None:
                yield self.reject(response.url, entry, "item has neither a guid nor a link")
            elif posting_id not in self.seen_ids:
                self.seen_ids.add(posting_id)
                yield self._parse_posting(entry, posting_id)

    def _parse_posting(self, entry: dict, posting_id: str) -> PostingItem:
        company, title = self._parse_title(entry)
        description_html, description_text = entry_body(entry)
        posting = PostingItem(
            source=self.source,
            source_posting_id=posting_id,
            url=self._parse_url(entry),
            apply_url=None,  # applying goes through the posting's page on WWR (``url``)
            title=title,
            company=company,
            description_html=description_html,
            budget_text=None,  # the feed has no pay field
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=self._parse_tags(entry),
            location=self._parse_location(entry),
            employment_type=text(entry.get("type")),
            posted_at=entry_time(entry, "published"),
            payload=entry,
        )
        if description_text is not None:  # only when the feed gives plain text
            posting["description_text"] = description_text
        return posting

    def _parse_id(self, entry: dict) -> str | None:
        """The posting's slug from its guid (or link): /remote-jobs/<slug>."""
        value = text(entry.get("id")) or text(entry.get("link"))
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.path.strip("/"):
            return parts.path.rstrip("/").rsplit("/", 1)[-1]
        return value

    def _parse_url(self, entry: dict) -> str | None:
        link = text(entry.get("link"))
        if link is None and entry.get("guidislink"):
            link = text(entry.get("id"))
        return link.strip() if link else None

    def _parse_title(self, entry: dict) -> tuple[str | None, str | None]:
        """(company, position) from "Company: Position", split at the first ": "."""
        raw = text(entry.get("title"))
        if raw is None:
            return None, None
        company, separator, position = raw.partition(": ")
        if not separator:
            return None, raw.strip()
        return text(company.strip()), text(position.strip())

    def _parse_tags(self, entry: dict) -> list[str]:
        return [*entry_tags(entry), *_sentence_list(text(entry.get("skills")))]

    def _parse_location(self, entry: dict) -> str | None:
        return text(entry.get("region")) or text(entry.get("country"))


def _sentence_list(value: str | None) -> list[str]:
    """Items of a list WWR writes as "A, B, and C" (a list without commas stays one item)."""
    if value is None:
        return []
    items = [item.strip() for item in value.split(",")]
    if len(items) > 1 and items[-1].startswith("and "):
        items[-1] = items[-1][len("and ") :].strip()
    return [item for item in items if item]
