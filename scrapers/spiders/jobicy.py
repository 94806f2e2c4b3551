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

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider, response_text

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
            self.start_urls = [f"{API_URL}?{urlencode({'count': COUNT, 'tag': tag})}" for tag in chosen]
        self.seen_ids: set[str] = set()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PostingItem | RejectItem]:
        body = response_text(response)
        try:
            envelope = json.loads(body)
        except ValueError as error:
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return
        jobs = envelope.get("jobs") if isinstance(envelope, dict) else None
        if not isinstance(jobs, list):
            yield self.reject(response.url, body, "expected a JSON object with a `jobs` list")
            return
        for record in jobs:
            if not isinstance(record, dict):
                yield self.reject(response.url, _dump(record), "job is not a JSON object")
                continue
            job_id = self._parse_id(record)
            if job_id is None:
                yield self.reject(response.url, _dump(record), "job has no id")
            elif job_id not in self.seen_ids:  # the same job is often under several tags
                self.seen_ids.add(job_id)
                yield self._parse_posting(record)

    def _parse_posting(self, record: dict) -> PostingItem:
        salary_min, salary_max, salary_period = self._parse_salary(record)
        has_salary = salary_min is not None or salary_max is not None
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(record),
            url=_text(record.get("url")),
            apply_url=None,  # applying starts from the Jobicy page in `url`
            title=_text(record.get("jobTitle")),
            company=_text(record.get("companyName")),
            description_html=_text(record.get("jobDescription")),
            budget_text=None,  # pay comes as numbers only
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=_text(record.get("salaryCurrency")) if has_salary else None,
            salary_period=salary_period if has_salary else None,
            tags=_strings(record.get("jobIndustry")),
            location=_text(record.get("jobGeo")),
            employment_type=", ".join(_strings(record.get("jobType"))) or _text(record.get("jobType")),
            posted_at=_text(record.get("pubDate")),
            payload=record,
        )

    def _parse_id(self, record: dict) -> str | None:
        value = record.get("id")
        if value is None or isinstance(value, (bool, dict, list)):
            return None
        return str(value).strip() or None

    def _parse_salary(self, record: dict) -> tuple[Any, Any, str | None]:
        if "annualSalaryMin" in record or "annualSalaryMax" in record:
            return (_amount(record.get("annualSalaryMin")), _amount(record.get("annualSalaryMax")),
                    _text(record.get("salaryPeriod")) or "year")
        return (_amount(record.get("salaryMin")), _amount(record.get("salaryMax")),
                _text(record.get("salaryPeriod")))


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
    """A salary figure as the API gives it (number or numeric string); 0 or blank mean unknown."""
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


def _dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)
