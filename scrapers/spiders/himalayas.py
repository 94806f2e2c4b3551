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

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider, response_text

API_URL = "https://himalayas.app/jobs/api"
PAGE_SIZE = 20  # the API's maximum since 2025-03


class HimalayasSpider(MidtierSpider):
    name = "himalayas"
    source = "himalayas"
    allowed_domains = ["himalayas.app"]
    start_urls = [f"{API_URL}?{urlencode({'limit': PAGE_SIZE, 'offset': 0})}"]

    # The docs define minSalary/maxSalary as annual amounts; used when a record has no salaryPeriod.
    documented_salary_period = "annual"

    def __init__(self, *args: Any, max_pages: int | str = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)
        self.pages_read = 0
        self.seen_ids: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem | Request]:
        body = response_text(response)
        try:
            page = json.loads(body)
        except ValueError as error:
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return
        if not isinstance(page, dict) or not isinstance(page.get("jobs"), list):
            yield self.reject(response.url, body, "expected a JSON object with a `jobs` list")
            return
        self.pages_read += 1
        new_ids = 0
        for record in page["jobs"]:
            if not isinstance(record, dict):
                yield self.reject(response.url, _dump(record), "job is not a JSON object")
                continue
            guid = self._parse_id(record)
            if guid is None:
                yield self.reject(response.url, _dump(record), "job has no guid")
            elif guid not in self.seen_ids:
                self.seen_ids.add(guid)
                new_ids += 1
                yield self._parse_posting(record)
        next_url = self._next_page(page, new_ids)
        if next_url:
            yield self.request(next_url, callback=self.parse)

    def _next_page(self, page: dict, new_ids: int) -> str | None:
        """The next page's real URL, or None when this page is the last one worth asking for."""
        jobs = page["jobs"]
        limit = _count(page.get("limit")) or PAGE_SIZE
        if new_ids == 0 or len(jobs) < limit or self.pages_read >= self.max_pages:
            return None
        if "nextCursor" in page:
            cursor = _text(page.get("nextCursor"))
            return f"{API_URL}?{urlencode({'limit': limit, 'cursor': cursor})}" if cursor else None
        offset = (_count(page.get("offset")) or 0) + len(jobs)
        total = _count(page.get("totalCount"))
        if total is not None and offset >= total:
            return None
        return f"{API_URL}?{urlencode({'limit': limit, 'offset': offset})}"

    def _parse_posting(self, record: dict) -> PostingItem:
        salary_min, salary_max = _amount(record.get("minSalary")), _amount(record.get("maxSalary"))
        has_salary = salary_min is not None or salary_max is not None
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=self._parse_id(record),
            apply_url=_text(record.get("applicationLink")),
            title=_text(record.get("title")),
            company=_text(record.get("companyName")),
            description_html=_text(record.get("description")),
            budget_text=None,  # pay comes as numbers only
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=self._parse_currency(record) if has_salary else None,
            salary_period=self._parse_salary_period(record) if has_salary else None,
            tags=_strings(record.get("categories")),
            location=self._parse_location(record),
            employment_type=_text(record.get("employmentType")),
            posted_at=_epoch(record.get("pubDate")),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return _text(record.get("guid"))

    def _parse_currency(self, record: dict) -> str | None:
        return _text(record.get("currency")) or _text(record.get("salaryCurrency"))

    def _parse_salary_period(self, record: dict) -> str:
        return _text(record.get("salaryPeriod")) or self.documented_salary_period

    def _parse_location(self, record: dict) -> str | None:
        """``locationRestrictions`` joined: country names, or ``name`` of {alpha2, name} objects."""
        restrictions = record.get("locationRestrictions")
        if not isinstance(restrictions, list):
            return _text(restrictions)
        names = [_text(place.get("name")) if isinstance(place, dict) else _text(place)
                 for place in restrictions]
        return ", ".join(name for name in names if name) or None


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


def _amount(value: Any) -> int | float | None:
    """A salary figure as the API gives it; null, 0, blank or non-numbers mean unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
        return value
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _epoch(value: Any) -> int | float | str | None:
    """``pubDate`` as given (epoch seconds; the docs say milliseconds -- the pipeline takes both)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return _text(value)


def _dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)
