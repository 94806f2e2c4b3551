"""Himalayas: the newest remote postings from the public jobs API at himalayas.app.

``GET https://himalayas.app/jobs/api?limit=20&offset=0`` answers one JSON object: ``comments``
(Himalayas' notes to API users), ``updatedAt``, ``offset``, ``limit`` (20 at most), ``totalCount``,
``nextCursor`` (newer responses) and ``jobs``, each with Himalayas' field names (``title``,
``excerpt``, ``companyName``, ``companySlug``, ``companyLogo``, ``employmentType``,
``minSalary``, ``maxSalary``, ``salaryPeriod``, ``currency``, ``seniority``,
``locationRestrictions``, ``timezoneRestrictions``, ``categories``, ``parentCategories``,
``description`` (sanitised HTML), ``pubDate``, ``expiryDate`` (epoch), ``applicationLink``,
``guid``). ``guid`` is the job's URL on himalayas.app: it is both the stable id and the link back
that the terms ask for ("link back to the URL found on Himalayas AND mention Himalayas").

Pay: ``minSalary``/``maxSalary`` are numbers (or null) in ``currency``. Himalayas' data dictionary
(himalayas.app/docs/data-dictionary) calls them the *annual* salary; newer responses also carry
``salaryPeriod`` ("annual" in every recorded sample). So the period is the record's own
``salaryPeriod`` when present, else "annual" as the docs state -- never converted.

Paging: Himalayas prefers its opaque ``nextCursor`` (offset still works but is deprecated);
the spider follows the cursor when the response has one and otherwise steps ``offset`` by the
page size. It stops at the first of: no cursor and no jobs left per ``totalCount``, an empty
or short page, a page that adds no ``guid`` not already seen in this run, or ``max_pages``
pages (``-a max_pages=N``, default 10; the feed holds 100k+ postings, newest first). The request
budget from the source terms stays the last safety net.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from scrapers.fields import amount, epoch_or_text, strings, text, whole_number
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import PagedSpider

API_URL = "https://himalayas.app/jobs/api"
PAGE_SIZE = 20  # the API's maximum since 2025-03


class HimalayasSpider(PagedSpider):
    name = "himalayas"
    source = "himalayas"
    allowed_domains = ["himalayas.app"]
    start_urls = [f"{API_URL}?{urlencode({'limit': PAGE_SIZE, 'offset': 0})}"]

    # The docs define minSalary/maxSalary as annual amounts; used when a record has no salaryPeriod.
    documented_salary_period = "annual"

    def parse(
        self, response: Response, **kwargs: Any
    ) -> Iterator[PostingItem | RejectItem | Request]:
        page = yield from self.parse_json_listing(response, "jobs")
        if page is None:
            return
        self.pages_read += 1
        new_ids = yield from self.parse_records(
            response, page["jobs"], what="job", no_id="job has no guid", seen=self.seen_ids
        )
        next_url = self._next_page(page, new_ids)
        if next_url:
            yield self.request(next_url, callback=self.parse)

    def _next_page(self, page: dict, new_ids: int) -> str | None:
        """The next page's real URL, or None when this page is the last one worth asking for."""
        limit = _count(page.get("limit")) or PAGE_SIZE
        return self.next_page(
            self._parse_next_url(page, limit),
            records=len(page["jobs"]),
            page_size=limit,
            new_ids=new_ids,
        )

    def _parse_next_url(self, page: dict, limit: int) -> str | None:
        """The page after this one: by ``nextCursor`` when given, else by ``offset`` if jobs remain."""
        if "nextCursor" in page:
            cursor = text(page.get("nextCursor"))
            return f"{API_URL}?{urlencode({'limit': limit, 'cursor': cursor})}" if cursor else None
        offset = (_count(page.get("offset")) or 0) + len(page["jobs"])
        total = _count(page.get("totalCount"))
        if total is not None and offset >= total:
            return None
        return f"{API_URL}?{urlencode({'limit': limit, 'offset': offset})}"

    def _parse_posting(self, record: dict) -> PostingItem:
        salary_min, salary_max = amount(record.get("minSalary")), amount(record.get("maxSalary"))
        has_salary = salary_min is not None or salary_max is not None
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=self._parse_id(record),
            apply_url=text(record.get("applicationLink")),
            title=text(record.get("title")),
            company=text(record.get("companyName")),
            description_html=text(record.get("description")),
            budget_text=None,  # pay comes as numbers only
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=self._parse_currency(record) if has_salary else None,
            salary_period=self._parse_salary_period(record) if has_salary else None,
            tags=strings(record.get("categories")),
            location=self._parse_location(record),
            employment_type=text(record.get("employmentType")),
            # pubDate as given: epoch seconds (the docs say milliseconds; the pipeline takes both)
            posted_at=epoch_or_text(record.get("pubDate"), fractional=True),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return text(record.get("guid"))

    def _parse_currency(self, record: dict) -> str | None:
        return text(record.get("currency")) or text(record.get("salaryCurrency"))

    def _parse_salary_period(self, record: dict) -> str:
        return text(record.get("salaryPeriod")) or self.documented_salary_period

    def _parse_location(self, record: dict) -> str | None:
        """``locationRestrictions`` joined: country names, or ``name`` of {alpha2, name} objects."""
        restrictions = record.get("locationRestrictions")
        if not isinstance(restrictions, list):
            return text(restrictions)
        names = [
            text(place.get("name")) if isinstance(place, dict) else text(place)
            for place in restrictions
        ]
        return ", ".join(name for name in names if name) or None


def _count(value: Any) -> int | None:
    value = whole_number(value)
    return value if value is not None and value >= 0 else None
