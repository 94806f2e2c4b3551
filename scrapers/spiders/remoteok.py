"""Remote OK: every current posting from the public JSON feed at https://remoteok.com/api.

The feed is one JSON array. Its first element is the terms-of-use notice (``legal``,
``last_updated``) and not a posting; every other element is one posting with the source's own
field names (``id``, ``slug``, ``epoch``, ``date``, ``company``, ``position``, ``tags``,
``description``, ``location``, ``salary_min``, ``salary_max``, ``apply_url``, ``url`` ...).
Remote OK's terms ask for a link back to the posting's Remote OK URL; ``url`` is kept for that.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from scrapy.http import Response

from scrapers.fields import amount, identifier, strings, text, whole_number_or_digits
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider

# Remote OK's fields are read as written: any value but null is text.
_text = partial(text, not_text=())


class RemoteOkSpider(MidtierSpider):
    name = "remoteok"
    source = "remoteok"
    allowed_domains = ["remoteok.com"]
    start_urls = ["https://remoteok.com/api"]

    # Remote OK states salaries as yearly US dollar amounts; 0 means "not given".
    salary_currency = "USD"
    salary_period = "year"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        body = yield from self.parse_json(response, expect=list)
        if body is None:
            return
        records = [record for record in body.data if not _is_legal_notice(record)]
        yield from self.parse_records(response, records, what="element", no_id="posting has no id")

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
            tags=strings(record.get("tags"), not_text=()),
            location=_text(record.get("location")),
            employment_type=None,  # the feed does not label it
            posted_at=self._parse_posted_at(record),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return identifier(record.get("id"))

    def _parse_salary(self, record: dict) -> tuple[int | float | None, int | float | None]:
        return amount(record.get("salary_min")), amount(record.get("salary_max"))

    def _parse_posted_at(self, record: dict) -> str | int | None:
        return _text(record.get("date")) or whole_number_or_digits(record.get("epoch"))


def _is_legal_notice(record: Any) -> bool:
    return isinstance(record, dict) and "legal" in record and "id" not in record
