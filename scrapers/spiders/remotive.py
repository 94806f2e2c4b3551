"""Remotive: current software-development postings from the public API at remotive.com.

``GET https://remotive.com/api/remote-jobs?category=software-dev`` answers one JSON object:
``00-warning`` and ``0-legal-notice`` (the terms), ``job-count`` / ``total-job-count`` and
``jobs``, a list of postings with Remotive's field names (``id``, ``url``, ``title``,
``company_name``, ``company_logo``, ``category``, ``tags``, ``job_type``, ``publication_date``,
``candidate_required_location``, ``salary``, ``description``). The API has no pagination: one
call returns every active posting of the category.

Remotive's terms (github.com/remotive-com/remote-jobs-api): link back to the job's Remotive URL
and name Remotive as the source; listings are delayed 24 hours; call a few times a day at most
(max. 4), more than 2 calls a minute are blocked. So a run is exactly one request.
``salary`` is free text as the employer wrote it ("$45-$120/Hour", "$100k - $140k", often
empty): it is kept verbatim as ``budget_text``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from scrapy.http import Response

from scrapers.fields import CONTAINERS, identifier, strings, text
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider

# Remotive's strings are read as written, true/false included; objects and lists are no text.
_text = partial(text, not_text=CONTAINERS)


class RemotiveSpider(MidtierSpider):
    name = "remotive"
    source = "remotive"
    allowed_domains = ["remotive.com"]
    start_urls = ["https://remotive.com/api/remote-jobs?category=software-dev"]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        envelope = yield from self.parse_json_listing(response, "jobs")
        if envelope is None:
            return
        yield from self.parse_records(response, envelope["jobs"], what="job")

    def _parse_posting(self, record: dict) -> PostingItem:
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=_text(record.get("url")),
            apply_url=None,  # applying goes through the Remotive page in `url`
            title=_text(record.get("title")),
            company=_text(record.get("company_name")),
            description_html=_text(record.get("description")),
            budget_text=_text(record.get("salary")),
            salary_min=None,  # Remotive publishes pay as free text only
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=strings(record.get("tags"), not_text=()),
            location=_text(record.get("candidate_required_location")),
            employment_type=_text(record.get("job_type")),
            posted_at=_text(record.get("publication_date")),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return identifier(record.get("id"))
