"""Remote OK: every current posting from the public JSON feed at https://remoteok.com/api.

The feed is one JSON array. Its first element is the terms-of-use notice (``legal``,
``last_updated``) and not a posting; every other element is one posting with the source's own
field names (``id``, ``slug``, ``epoch``, ``date``, ``company``, ``position``, ``tags``,
``description``, ``location``, ``salary_min``, ``salary_max``, ``apply_url``, ``url`` ...).
Remote OK's terms ask for a link back to the posting's Remote OK URL; ``url`` is kept for that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider, response_text


class RemoteOkSpider(MidtierSpider):
    name = "remoteok"
    source = "remoteok"
    allowed_domains = ["remoteok.com"]
    start_urls = ["https://remoteok.com/api"]

    # Remote OK states salaries as yearly US dollar amounts; 0 means "not given".
    salary_currency = "USD"
    salary_period = "year"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        body = response_text(response)
        try:
            records = json.loads(body)
        except ValueError as error:
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return
        if not isinstance(records, list):
            yield self.reject(
                response.url, body, f"expected a JSON array, got {type(records).__name__}"
            )
            return
        for record in records:
            if _is_legal_notice(record):
                continue
            if not isinstance(record, dict):
                yield self.reject(response.url, _dump(record), "element is not a JSON object")
            elif self._parse_id(record) is None:
                yield self.reject(response.url, _dump(record), "posting has no id")
            else:
                yield self._parse_posting(record)

    def _parse_posting(self, record: dict) -> PostingItem:
        salary_min, salary_max = self._parse_salary(record)
        has_salary = salary_min is not None or salary_max is not None
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=_text(record.get("url")),
            apply_url=_text(record.get("apply_url")),
            title=_text(record.get("position")),
            company=_text(record.get("company")),
            description_html=_text(record.get("description")),
            budget_text=None,  # the feed has no free-text pay, only the numbers below
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=self.salary_currency if has_salary else None,
            salary_period=self.salary_period if has_salary else None,
            tags=self._parse_tags(record),
            location=_text(record.get("location")),
            employment_type=None,  # the feed does not label it
            posted_at=self._parse_posted_at(record),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        value = record.get("id")
        if value is None or isinstance(value, (bool, dict, list)):
            return None
        return str(value).strip() or None

    def _parse_salary(self, record: dict) -> tuple[int | float | None, int | float | None]:
        return _amount(record.get("salary_min")), _amount(record.get("salary_max"))

    def _parse_tags(self, record: dict) -> list[str]:
        tags = record.get("tags")
        if not isinstance(tags, list):
            return []
        return [str(tag) for tag in tags if tag is not None and str(tag).strip()]

    def _parse_posted_at(self, record: dict) -> str | int | None:
        return _text(record.get("date")) or _epoch(record.get("epoch"))


def _is_legal_notice(record: Any) -> bool:
    return isinstance(record, dict) and "legal" in record and "id" not in record


def _text(value: Any) -> str | None:
    """The source's string as written; missing or blank becomes None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _amount(value: Any) -> int | float | None:
    """A salary figure as the feed gives it; 0, blank or non-numbers mean unknown."""
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


def _epoch(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)
