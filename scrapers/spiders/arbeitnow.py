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

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from scrapers.fields import epoch_or_text, strings, text, whole_number
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import PagedSpider

Page = dict[str, Any]


class ArbeitnowSpider(PagedSpider):
    name = "arbeitnow"
    source = "arbeitnow"
    allowed_domains = ["www.arbeitnow.com", "arbeitnow.com"]
    start_urls = ["https://www.arbeitnow.com/api/job-board-api?page=1"]

    def parse(
        self, response: Response, **kwargs: Any
    ) -> Iterator[PostingItem | RejectItem | Request]:
        page = yield from self.parse_json_listing(response, "data")
        if page is None:
            return
        self.pages_read += 1
        new_slugs = yield from self.parse_records(
            response, page["data"], what="job", no_id="job has no slug", seen=self.seen_ids
        )
        next_url = self._next_page(page, new_slugs)
        if next_url:
            yield self.follow(response, next_url, callback=self.parse)

    def _next_page(self, page: Page, new_slugs: int) -> str | None:
        """The next page's URL, or None when this page is the last one worth asking for."""
        links = page.get("links")
        meta = page.get("meta")
        return self.next_page(
            text(links.get("next")) if isinstance(links, dict) else None,
            records=len(page["data"]),
            page_size=whole_number(meta.get("per_page")) if isinstance(meta, dict) else None,
            new_ids=new_slugs,
        )

    def _parse_posting(self, record: dict) -> PostingItem:
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=text(record.get("url")),
            apply_url=None,  # applying starts from the Arbeitnow page in `url`
            title=text(record.get("title")),
            company=text(record.get("company_name")),
            description_html=text(record.get("description")),
            budget_text=None,  # the API has no pay field; pay, if any, is in the description
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=strings(record.get("tags")),
            location=text(record.get("location")),
            employment_type=", ".join(strings(record.get("job_types"))) or None,
            posted_at=epoch_or_text(record.get("created_at")),  # epoch seconds, or text if sent so
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return text(record.get("slug"))
