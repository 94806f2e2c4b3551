"""Jobicy: remote postings for a few developer tags from the public API at jobicy.com.

``GET https://jobicy.com/api/v2/remote-jobs?count=50&tag=python`` answers one JSON object:
``apiVersion``, ``documentationUrl``, ``friendlyNotice`` (the terms), ``jobCount``, ``xRayHash``,
``clientKey``, ``lastUpdate`` and ``jobs``, each with Jobicy's field names (``id``, ``url``,
``jobSlug``, ``jobTitle``, ``companyName``, ``companyLogo``, ``jobIndustry`` (list),
``jobType`` (list), ``jobGeo``, ``jobLevel``, ``jobExcerpt``, ``jobDescription``, ``pubDate``,
and, only when the employer gave pay, ``annualSalaryMin``, ``annualSalaryMax``,
``salaryCurrency``). Jobicy is a WordPress site: titles, company names and industries arrive
HTML-escaped (``&amp;``, ``&#038;``) and are kept exactly so; amounts may be numbers or strings.

Pay: ``annualSalaryMin``/``annualSalaryMax`` are, by their names, yearly amounts, so the period
is "year". Later API versions also send ``salaryMin``/``salaryMax`` with ``salaryPeriod``; those
are read when the annual fields are absent, with the record's own period.

The API has no pagination; the spider asks once per tag (``-a tags=python,react``; Jobicy
answers HTTP 400 for tags shorter than three characters) and yields each posting once per run.
Terms (``friendlyNotice``): credit Jobicy as the source, do not pass listings on to other job
platforms, feeds are published with a slight delay, a few calls a day are enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from scrapers.fields import amount, identifier, strings, text
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider

API_URL = "https://jobicy.com/api/v2/remote-jobs"
DEFAULT_TAGS = ("python", "javascript", "devops")  # stays under the terms' 5-request budget
COUNT = 50


class JobicySpider(MidtierSpider):
    name = "jobicy"
    source = "jobicy"
    allowed_domains = ["jobicy.com"]
    start_urls = [f"{API_URL}?{urlencode({'count': COUNT, 'tag': tag})}" for tag in DEFAULT_TAGS]

    def __init__(self, *args: Any, tags: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tags is not None:
            chosen = [tag.strip() for tag in tags.split(",") if tag.strip()]
            if not chosen:
                raise ValueError("tags must name at least one tag, e.g. -a tags=python,react")
            self.start_urls = [
                f"{API_URL}?{urlencode({'count': COUNT, 'tag': tag})}" for tag in chosen
            ]
        self.seen_ids: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        envelope = yield from self.parse_json_listing(response, "jobs")
        if envelope is None:
            return
        # seen_ids: the same job is often under several tags
        yield from self.parse_records(response, envelope["jobs"], what="job", seen=self.seen_ids)

    def _parse_posting(self, record: dict) -> PostingItem:
        salary_min, salary_max, salary_period = self._parse_salary(record)
        has_salary = salary_min is not None or salary_max is not None
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=text(record.get("url")),
            apply_url=None,  # applying starts from the Jobicy page in `url`
            title=text(record.get("jobTitle")),
            company=text(record.get("companyName")),
            description_html=text(record.get("jobDescription")),
            budget_text=None,  # pay comes as numbers only
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=text(record.get("salaryCurrency")) if has_salary else None,
            salary_period=salary_period if has_salary else None,
            tags=strings(record.get("jobIndustry")),
            location=text(record.get("jobGeo")),
            employment_type=", ".join(strings(record.get("jobType")))
            or text(record.get("jobType")),
            posted_at=text(record.get("pubDate")),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        return identifier(record.get("id"))

    def _parse_salary(self, record: dict) -> tuple[Any, Any, str | None]:
        if "annualSalaryMin" in record or "annualSalaryMax" in record:
            return (
                amount(record.get("annualSalaryMin")),
                amount(record.get("annualSalaryMax")),
                text(record.get("salaryPeriod")) or "year",
            )
        return (
            amount(record.get("salaryMin")),
            amount(record.get("salaryMax")),
            text(record.get("salaryPeriod")),
        )
