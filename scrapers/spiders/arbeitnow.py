"""Arbeitnow: the free public job-board API at www.arbeitnow.com, page by page.

``GET https://www.arbeitnow.com/api/job-board-api?page=N`` answers a Laravel-style page:
``data`` (postings with ``slug``, ``company_name``, ``title``, ``description`` (HTML),
``remote``, ``url``, ``tags``, ``job_types``, ``location``, ``created_at`` in epoch seconds),
``links`` (``first``, ``last``, ``prev``, ``next``: absolute URLs or null) and ``meta``
(``current_page``, ``from``, ``to``, ``per_page``, ``path``, ``terms``, ``info``). Postings
are newest first; the board refreshes hourly. ``slug`` is the stable posting id.

The terms travel in ``meta.terms``: "free public API for jobs, please do not abuse. I would
appreciate linking back to the site" -- ``url`` (the job's Arbeitnow page) is kept for that.

Paging follows ``links.next`` and stops at the first of: no next link, an empty or short page
(fewer postings than ``meta.per_page``), a page that adds no slug not already seen in this run,
or ``max_pages`` pages (``-a max_pages=N``, default 10). The request budget from the source terms
stays the last safety net.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider, response_text

Page = dict[str, Any]


class ArbeitnowSpider(MidtierSpider):
    name = "arbeitnow"
    source = "arbeitnow"
    allowed_domains = ["www.arbeitnow.com", "arbeitnow.com"]
    start_urls = ["https://www.arbeitnow.com/api/job-board-api?page=1"]

    def __init__(self, *args: Any, max_pages: int | str = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)
        self.pages_read = 0
        self.seen_slugs: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem | Request]:
        body = response_text(response)
        try:
            page = json.loads(body)
        except ValueError as error:
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            yield self.reject(response.url, body, "expected a JSON object with a `data` list")
            return
        self.pages_read += 1
        new_slugs = 0
        for record in page["data"]:
            if not isinstance(record, dict):
                yield self.reject(response.url, _dump(record), "job is not a JSON object")
                continue
            slug = self._parse_id(record)
            if slug is None:
                yield self.reject(response.url, _dump(record), "job has no slug")
            elif slug not in self.seen_slugs:
                self.seen_slugs.add(slug)
                new_slugs += 1
                yield self._parse_posting(record)
        next_url = self._next_page(page, new_slugs)
        if next_url:
            yield self.follow(response, next_url, callback=self.parse)

    def _next_page(self, page: Page, new_slugs: int) -> str | None:
        """The next page's URL, or None when this page is the last one worth asking for."""
        links = page.get("links")
        next_url = _text(links.get("next")) if isinstance(links, dict) else None
        if next_url is None or new_slugs == 0 or self.pages_read >= self.max_pages:
            return None
        meta = page.get("meta")
        per_page = meta.get("per_page") if isinstance(meta, dict) else None
        if isinstance(per_page, int) and not isinstance(per_page, bool) and len(page["data"]) < per_page:
            return None
        return next_url

    def _parse_posting(self, record: dict) -> PostingItem:
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=_text(record.get("url")),
            apply_url=None,  # applying starts from the Arbeitnow page in `url`
            title=_text(record.get("title")),
            company=_text(record.get("company_name")),
            description_html=_text(record.get("description")),
            budget_text=None,  # the API has no pay field; pay, if any, is in the description
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=_strings(record.get("tags")),
            location=_text(record.get("location")),
            employment_type=", ".join(_strings(record.get("job_types"))) or None,
            posted_at=_epoch(record.get("created_at")),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return _text(record.get("slug"))


def _text(value: Any) -> str | None:
    """The source's string as written; missing or blank becomes None."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [str(value) for value in values
            if value is not None and not isinstance(value, (dict, list)) and str(value).strip()]


def _epoch(value: Any) -> int | str | None:
    """``created_at`` as given: epoch seconds (int), or the text if the API sends text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return _text(value)


def _dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)
