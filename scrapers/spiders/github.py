"""GitHub: open issues that carry a bounty label, through the REST API at api.github.com.

Two listings, both answering with GitHub's issue objects (``id``, ``node_id``, ``number``,
``html_url``, ``repository_url``, ``title``, ``body`` in Markdown, ``labels`` as objects with a
``name``, ``created_at`` in ISO-8601 ...):

* ``GET /search/issues?q=<query>&per_page=50``: ``{"total_count", "incomplete_results",
  "items": [...]}``. The queries are configurable (``-a queries='label:bounty state:open;...'``,
  separated by ``;``); the defaults find the plain ``bounty`` label and Algora's ``💎 Bounty``.
* ``GET /repos/{owner}/{repo}/issues?labels=bounty&state=open&per_page=50``: a bare JSON array,
  for the repositories given with ``-a repos=owner/name,owner/name``.

Pull requests are issues to this API too (they carry a ``pull_request`` key): skipped. Pages are
followed through the ``Link: <...>; rel="next"`` header until there is none, a page adds no new
issue, or a page is short. The API states its budget in ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset``: when nothing remains the spider stops at once (recording the reset time in
the crawl stats) rather than sleeping until the reset.

Set ``GITHUB_TOKEN`` to search with a token (30 instead of 10 search requests a minute). It is
sent as ``Authorization: Bearer`` to api.github.com only — never to a ``base_url`` mirror — and
is never logged or stored.

Bounty amounts are extracted verbatim, not parsed: label names that state an amount ("$100",
"bounty-$250"), else the first body line stating one next to a bounty word ("/bounty $100",
"Bounty: $500", "Price: 450 USD"), else the title when it states one ("Bounty: $2000 ...").
What states an amount is read with dbt's currency and multiplier seeds (scrapers/amounts.py):
the spider keeps no currency list of its own, and dbt judges the text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from scrapers.amounts import states_amount
from scrapers.fields import identifier, text
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider

API = "https://api.github.com"
PER_PAGE = 50
DEFAULT_QUERIES = (
    "label:bounty state:open type:issue",
    'label:"💎 Bounty" state:open type:issue',
)
RATE_LIMITED_STAT = "github/rate_limit_reset"

NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
BOUNTY_WORD = re.compile(
    r"bounty|reward|price|budget|payout|prize|compensation|\b(?:pay|paid|earn)\b", re.IGNORECASE
)

# GitHub's fields are read as written: any value but null is text.
_text = partial(text, not_text=())


class GithubSpider(MidtierSpider):
    name = "github"
    source = "github"
    allowed_domains = ["api.github.com"]
    start_urls = [
        f"{API}/search/issues?q={quote(query)}&per_page={PER_PAGE}" for query in DEFAULT_QUERIES
    ]

    def __init__(
        self, *args: Any, queries: str | None = None, repos: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        searches = (
            [query.strip() for query in queries.split(";")] if queries else list(DEFAULT_QUERIES)
        )
        self.start_urls = [
            f"{API}/search/issues?q={quote(query)}&per_page={PER_PAGE}"
            for query in searches
            if query
        ]
        for repo in (repos or "").split(","):
            if repo.strip():
                self.start_urls.append(
                    f"{API}/repos/{repo.strip()}/issues?labels=bounty&state=open&per_page={PER_PAGE}"
                )
        self.issue_ids: set[str] = set()  # every issue yielded in this run

    # -- requests -----------------------------------------------------------------------------

    def request(self, url: str, callback=None, **kwargs: Any) -> scrapy.Request:
        kwargs.setdefault("headers", self._headers())
        kwargs.setdefault("cb_kwargs", {}).setdefault("seen", set())
        return super().request(url, callback=callback, **kwargs)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if token and not self.base_url:  # a mirror must never receive the token
            headers["Authorization"] = f"Bearer {token}"
        return headers

    # -- listings -----------------------------------------------------------------------------

    def parse(
        self, response: Response, seen: set[str] | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        seen = set() if seen is None else seen  # ids met in this listing, page after page
        issues = yield from self._parse_page(response)
        new_ids = 0
        for issue in issues:
            reject = self.reject_unusable(response, issue, what="issue")
            if reject is not None:
                yield reject
                continue
            issue_id = self._parse_id(issue)
            if issue_id not in seen:
                seen.add(issue_id)
                new_ids += 1
            if "pull_request" in issue or issue_id in self.issue_ids:
                continue
            self.issue_ids.add(issue_id)
            yield self._parse_posting(issue)
        if self._rate_limit_exhausted(response):
            raise CloseSpider("github rate limit exhausted")
        next_url = self.next_page(
            self._parse_next_url(response), records=len(issues), page_size=PER_PAGE, new_ids=new_ids
        )
        if next_url:
            yield self.request(next_url, callback=self.parse, cb_kwargs={"seen": seen})

    def _parse_page(self, response: Response) -> Iterator[RejectItem]:
        body = yield from self.parse_json(response)
        if body is None:
            return []
        data = body.data
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return data["items"]  # /search/issues
        if isinstance(data, list):
            return data  # /repos/{owner}/{repo}/issues
        message = data.get("message") if isinstance(data, dict) else None
        yield self.reject(
            response.url, body.text, f"expected a list of issues{f': {message}' if message else ''}"
        )
        return []

    def _parse_next_url(self, response: Response) -> str | None:
        link = response.headers.get("Link")
        if not link:
            return None
        match = NEXT_LINK.search(link.decode("latin-1"))
        return match.group(1) if match else None

    # -- rate limit -----------------------------------------------------------------------------

    def _rate_limit_exhausted(self, response: Response | None) -> bool:
        if response is None:
            return False
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None or remaining.strip() != b"0":
            return False
        reset = (response.headers.get("X-RateLimit-Reset") or b"").decode("latin-1") or None
        self.logger.warning("github: rate limit exhausted, resets at epoch %s; stopping", reset)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.set_value(RATE_LIMITED_STAT, reset)
        return True

    def on_error(self, failure: Failure) -> Iterator[RejectItem]:
        """A failed request is a reject; a 403/429 with no budget left also ends the run."""
        yield from super().on_error(failure)
        response = getattr(failure.value, "response", None)
        if self._rate_limit_exhausted(response):
            raise CloseSpider("github rate limit exhausted")

    # -- one issue --------------------------------------------------------------------------------

    def _parse_posting(self, issue: dict) -> PostingItem:
        body = _text(issue.get("body"))
        tags = self._parse_tags(issue)
        return PostingItem(
            source=self.source,
            source_posting_id=self._parse_id(issue),
            url=_text(issue.get("html_url")),
            apply_url=None,
            title=_text(issue.get("title")),
            company=self._parse_owner(issue),
            description_html=body,
            description_text=body,  # Markdown is already plain text
            budget_text=self._parse_budget(tags, body, _text(issue.get("title"))),
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=tags,
            location=None,
            employment_type=None,
            posted_at=_text(issue.get("created_at")),
            payload=issue,
        )

    def _parse_id(self, issue: dict) -> str | None:
        for key in ("id", "node_id"):
            value = issue.get(key)
            issue_id = identifier(value) if isinstance(value, (int, str)) else None
            if issue_id is not None:
                return issue_id
        return None

    def _parse_owner(self, issue: dict) -> str | None:
        """The repository owner's login, from ``repository_url`` (else from ``html_url``)."""
        repository_url = issue.get("repository_url")
        if isinstance(repository_url, str):
            parts = urlsplit(repository_url).path.strip("/").split("/")
            if len(parts) >= 3 and parts[0] == "repos":
                return parts[1]
        html_url = issue.get("html_url")
        if isinstance(html_url, str):
            parts = urlsplit(html_url).path.strip("/").split("/")
            if parts and parts[0]:
                return parts[0]
        return None

    def _parse_tags(self, issue: dict) -> list[str]:
        labels = issue.get("labels")
        if not isinstance(labels, list):
            return []
        names = [label.get("name") if isinstance(label, dict) else label for label in labels]
        return [name for name in names if isinstance(name, str) and name.strip()]

    def _parse_budget(self, tags: list[str], body: str | None, title: str | None) -> str | None:
        in_labels = [tag for tag in tags if states_amount(tag)]
        if in_labels:
            return " | ".join(in_labels)
        for line in (body or "").splitlines():
            if states_amount(line) and BOUNTY_WORD.search(line):
                return line.strip()
        if title and states_amount(title) and BOUNTY_WORD.search(title):
            return title
        return None
