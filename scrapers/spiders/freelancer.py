"""Freelancer.com: active projects from the public Projects API (version 0.1).

``GET https://www.freelancer.com/api/projects/0.1/projects/active/`` with ``compact=true``
(null fields left out), ``job_details=true`` (skills as ``jobs``), ``full_description=true``
(``description`` in full, not only ``preview_description``), ``limit`` and ``offset``. It answers::

    {"status": "success",
     "result": {"projects": [{"id", "title", "seo_url", "description", "preview_description",
                              "type": "fixed" | "hourly", "currency": {"code", "sign", ...},
                              "budget": {"minimum", "maximum"}, "hourly_project_info",
                              "time_submitted", "jobs": [{"id", "name", "category"}, ...],
                              "bid_stats", "upgrades", ...}, ...],
                "total_count": N},
     "request_id": "..."}

or, on failure, ``{"status": "error", "message": ..., "error_code": ..., "request_id": ...}``.
Pages are read by ``offset`` until a page is short or empty, adds no new project, or the offset
passes ``total_count``. A project's page is https://www.freelancer.com/projects/<seo_url>; the
budget is kept as the source states it (``minimum``/``maximum`` in ``currency.code``, per hour
for hourly projects, for the whole project otherwise). Descriptions are plain text.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from scrapers.fields import identifier, positive_number, text, whole_number
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider

# Freelancer's fields are read as written: any value but null is text.
_text = partial(text, not_text=())

API = "https://www.freelancer.com/api/projects/0.1/projects/active/"
PROJECT_PAGE = "https://www.freelancer.com/projects/{seo_url}"
PAGE_SIZE = 50


def page_url(offset: int, limit: int = PAGE_SIZE, query: str | None = None) -> str:
    params = {
        "compact": "true",
        "job_details": "true",
        "full_description": "true",
        "limit": limit,
        "offset": offset,
    }
    if query:
        params["query"] = query
    return f"{API}?{urlencode(params)}"


class FreelancerSpider(MidtierSpider):
    name = "freelancer"
    source = "freelancer"
    allowed_domains = ["www.freelancer.com"]
    start_urls = [page_url(0)]

    def __init__(
        self, *args: Any, query: str | None = None, limit: int | str = PAGE_SIZE, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.query = query or None
        self.limit = max(1, min(int(limit), 100))
        self.start_urls = [page_url(0, self.limit, self.query)]
        self.project_ids: set[str] = set()

    def parse(self, response: Response, offset: int = 0, **kwargs: Any) -> Iterator[Any]:
        result = yield from self._parse_result(response)
        if result is None:
            return
        projects = result["projects"]
        new_ids = yield from self.parse_records(
            response, projects, what="project", seen=self.project_ids
        )
        next_offset = offset + self.limit
        total = whole_number(result.get("total_count"))
        has_more = total is None or next_offset < total
        next_url = page_url(next_offset, self.limit, self.query) if has_more else None
        next_url = self.next_page(
            next_url, records=len(projects), page_size=self.limit, new_ids=new_ids
        )
        if next_url:
            yield self.request(next_url, callback=self.parse, cb_kwargs={"offset": next_offset})

    def _parse_result(self, response: Response) -> Iterator[RejectItem]:
        body = yield from self.parse_json(response, expect=dict)
        if body is None:
            return None
        data = body.data
        if data.get("status") != "success":
            message = data.get("message") or "no message"
            code = data.get("error_code")
            yield self.reject(
                response.url,
                body.text,
                f"API status {data.get('status')!r}: {message}" + (f" ({code})" if code else ""),
            )
            return None
        result = data.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("projects"), list):
            yield self.reject(response.url, body.text, "response has no result.projects list")
            return None
        return result

    def _parse_posting(self, project: dict) -> PostingItem:
        salary_min, salary_max = self._parse_budget(project)
        has_budget = salary_min is not None or salary_max is not None
        description = _text(project.get("description")) or _text(project.get("preview_description"))
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(project),
            url=self._parse_url(project),
            apply_url=None,  # bids are placed on the project page
            title=_text(project.get("title")),
            company=None,  # the client is a user id; names need user_details
            description_html=description,
            description_text=description,  # the API's descriptions are plain text
            budget_text=None,  # the API gives numbers only, kept below
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=self._parse_currency(project) if has_budget else None,
            salary_period=self._parse_period(project) if has_budget else None,
            tags=self._parse_tags(project),
            location=None,  # projects are remote unless ``local``; the owner's country is not the job's
            employment_type=_text(project.get("type")),
            posted_at=self._parse_posted_at(project),
            payload=project,
        )

    def _parse_id(self, project: dict) -> str | None:
        return identifier(project.get("id"))

    def _parse_url(self, project: dict) -> str | None:
        seo_url = _text(project.get("seo_url"))
        return PROJECT_PAGE.format(seo_url=seo_url.strip("/")) if seo_url else None

    def _parse_budget(self, project: dict) -> tuple[int | float | None, int | float | None]:
        budget = project.get("budget")
        if not isinstance(budget, dict):
            return None, None
        return positive_number(budget.get("minimum")), positive_number(budget.get("maximum"))

    def _parse_currency(self, project: dict) -> str | None:
        currency = project.get("currency")
        return _text(currency.get("code")) if isinstance(currency, dict) else None

    def _parse_period(self, project: dict) -> str:
        return "hour" if project.get("type") == "hourly" else "project"

    def _parse_tags(self, project: dict) -> list[str]:
        jobs = project.get("jobs")
        if not isinstance(jobs, list):
            return []
        names = [job.get("name") for job in jobs if isinstance(job, dict)]
        return [name for name in names if isinstance(name, str) and name.strip()]

    def _parse_posted_at(self, project: dict) -> int | None:
        for key in ("time_submitted", "submitdate"):
            value = whole_number(project.get(key))
            if value is not None:
                return value
        return None
