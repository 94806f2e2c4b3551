"""GitHub evidence: the public work of verified, opted-in developers, through the REST API.

Only logins ``midtier.developers.verified_logins`` returns are ever named in a request. For
each one it collects, as ``EvidenceItem`` rows of ``raw.developer_evidence``:

* ``merged_pr``: pull requests merged into repositories the developer does not own
  (``GET /search/issues?q=type:pr is:merged author:LOGIN -user:LOGIN``), each with its
  repository (``GET /repos/{owner}/{repo}``: stars, language, topics) and the files it touched
  (``GET /repos/{owner}/{repo}/pulls/{number}/files``);
* ``closed_issue``: the issues such a PR says it closes ("Closes #12", "fixes owner/repo#3"),
  ``GET /repos/{owner}/{repo}/issues/{number}`` with their labels (dbt decides which are
  bounties);
* ``own_repo``: the developer's own repositories that are not forks
  (``GET /users/{login}/repos?type=owner``), each with ``GET /repos/{owner}/{repo}/languages``
  (bytes per language);
* ``review``: pull requests in others' repositories the developer reviewed
  (``GET /search/issues?q=type:pr reviewed-by:LOGIN -author:LOGIN -user:LOGIN``), with the
  repository.

Requests carry ``If-None-Match`` with the ETag of the last answer to the same URL for the
same developer (``raw.developer_api_responses``); a 304 reuses that answer and costs no rate
limit. Rate limits are waited out by ``scrapers.middlewares.GithubRateLimitMiddleware``.
``GITHUB_TOKEN`` (optional) is sent to api.github.com only, never to a ``base_url`` mirror.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response

from scrapers.items import ApiResponseItem, EvidenceItem
from scrapers.spiders.base import MidtierSpider, response_text

API = "https://api.github.com"
PER_PAGE = 100
# "Closes #12", "fixes owner/repo#3", "Resolved https://github.com/o/r/issues/4"
CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+"
    r"(?:https://github\.com/([\w.-]+/[\w.-]+)/issues/|([\w.-]+/[\w.-]+)?#)(\d+)",
    re.IGNORECASE,
)
MAX_CLOSED_ISSUES_PER_PR = 5


class GithubEvidenceSpider(MidtierSpider):
    name = "github_evidence"
    source = "github_evidence"
    allowed_domains = ["api.github.com"]
    start_urls = [f"{API}/"]
    is_full_listing = False  # the pipeline closes no postings after this crawl
    custom_settings = {
        "ITEM_PIPELINES": {
            "scrapers.pipelines.RawPostingPipeline": None,
            "scrapers.evidence_pipeline.DeveloperEvidencePipeline": 300,
        },
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "scrapers.middlewares.RetryAfterMiddleware": 550,
            "scrapers.middlewares.GithubRateLimitMiddleware": 560,
        },
        "ROBOTSTXT_OBEY": False,  # an API, read within its documented rate limits
        "DOWNLOAD_DELAY": 1.0,
        "CLOSESPIDER_PAGECOUNT": 4000,
    }

    def __init__(self, *args: Any, run_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_id = run_id
        self.repositories: dict[str, dict] = {}  # repository API URL -> repository, this run
        self.etags: dict[tuple[str, str], tuple[str, str]] = {}  # (handle, url) -> (etag, body)

    # -- who and what -------------------------------------------------------------------------

    def developers(self) -> list[tuple[str, str]]:
        from midtier import developers
        from midtier.database import database_url

        return developers.verified_logins(database_url())

    async def start(self) -> AsyncIterator[scrapy.Request]:
        people = self.developers()
        self.etags = self._stored_answers([handle for handle, _ in people])
        for handle, login in people:
            user = quote(login)
            searches = {
                "merged_pr": f"type:pr is:merged author:{login} -user:{login}",
                "review": f"type:pr reviewed-by:{login} -author:{login} -user:{login}",
            }
            for kind, query in searches.items():
                yield self.api(
                    handle,
                    f"{API}/search/issues?q={quote(query)}&per_page={PER_PAGE}",
                    self.parse_search,
                    developer=(handle, login),
                    kind=kind,
                )
            yield self.api(
                handle,
                f"{API}/users/{user}/repos?type=owner&sort=pushed&per_page={PER_PAGE}",
                self.parse_own_repos,
                developer=(handle, login),
            )

    def _stored_answers(self, handles: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
        from midtier import database

        if not handles:
            return {}
        conn = database.connect(database.database_url())
        try:
            with conn, conn.cursor() as cur:
                cur.execute(
                    "select handle, url, etag, body from raw.developer_api_responses "
                    "where handle = any(%s)",
                    (handles,),
                )
                return {(handle, url): (etag, body) for handle, url, etag, body in cur.fetchall()}
        finally:
            conn.close()

    # -- requests -----------------------------------------------------------------------------

    def api(self, handle: str, url: str, callback, **cb_kwargs: Any) -> scrapy.Request:
        """A GET of ``url`` (a real api.github.com URL) for ``handle``'s evidence."""
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if token and not self.base_url:  # a mirror must never receive the token
            headers["Authorization"] = f"Bearer {token}"
        stored = self.etags.get((handle, url))
        if stored:
            headers["If-None-Match"] = stored[0]
        return self.request(
            url,
            callback=self._answered,
            headers=headers,
            dont_filter=True,
            meta={"handle_httpstatus_list": [304]},
            cb_kwargs={"handle": handle, "real_url": url, "then": callback, "kwargs": cb_kwargs},
        )

    def _answered(
        self, response: Response, handle: str, real_url: str, then, kwargs: dict
    ) -> Iterator[Any]:
        """The JSON of an answer (the stored one on a 304), then the real callback."""
        if response.status == 304 and (handle, real_url) in self.etags:
            body = self.etags[(handle, real_url)][1]
        else:
            body = response_text(response)
            etag = response.headers.get("ETag")
            if etag:
                yield ApiResponseItem(
                    handle=handle, url=real_url, etag=etag.decode("latin-1"), body=body
                )
        try:
            data = json.loads(body)
        except ValueError as error:
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return
        yield from then(data, **kwargs)

    # -- merged pull requests and reviews ----------------------------------------------------

    def parse_search(self, data: Any, developer: tuple[str, str], kind: str) -> Iterator[Any]:
        for pull in self._parse_items(data):
            repository_url = pull.get("repository_url")
            if not isinstance(repository_url, str) or not isinstance(pull.get("html_url"), str):
                yield self.reject(
                    None, json.dumps(pull), "pull request without repository_url or html_url"
                )
                continue
            evidence = {"pull_request": pull}
            if kind == "merged_pr":
                yield from self._closed_issues(developer, pull)
                files_url = f"{repository_url}/pulls/{pull.get('number')}/files?per_page={PER_PAGE}"
                yield self.api(
                    developer[0],
                    files_url,
                    self.parse_files,
                    developer=developer,
                    evidence=evidence,
                    repository_url=repository_url,
                )
            else:
                yield from self._with_repository(developer, kind, evidence, repository_url)

    def parse_files(
        self, data: Any, developer, evidence: dict, repository_url: str
    ) -> Iterator[Any]:
        evidence = {**evidence, "files": data if isinstance(data, list) else []}
        yield from self._with_repository(developer, "merged_pr", evidence, repository_url)

    def _with_repository(
        self, developer, kind: str, evidence: dict, repository_url: str
    ) -> Iterator[Any]:
        known = self.repositories.get(repository_url)
        if known is not None:
            yield self._parse_evidence(developer, kind, {**evidence, "repository": known})
        else:
            yield self.api(
                developer[0],
                repository_url,
                self.parse_repository,
                developer=developer,
                kind=kind,
                evidence=evidence,
                repository_url=repository_url,
            )

    def parse_repository(
        self, data: Any, developer, kind: str, evidence: dict, repository_url: str
    ) -> Iterator[Any]:
        if isinstance(data, dict):
            self.repositories[repository_url] = data
        yield self._parse_evidence(developer, kind, {**evidence, "repository": data})

    def _closed_issues(self, developer, pull: dict) -> Iterator[scrapy.Request]:
        owner_repo = "/".join(urlsplit(pull["repository_url"]).path.strip("/").split("/")[1:3])
        numbers = []
        for full_url_repo, short_repo, number in CLOSING.findall(str(pull.get("body") or "")):
            repo = full_url_repo or short_repo or owner_repo
            if (repo, number) not in numbers:
                numbers.append((repo, number))
        for repo, number in numbers[:MAX_CLOSED_ISSUES_PER_PR]:
            yield self.api(
                developer[0],
                f"{API}/repos/{repo}/issues/{number}",
                self.parse_closed_issue,
                developer=developer,
                pull=pull,
            )

    def parse_closed_issue(self, data: Any, developer, pull: dict) -> Iterator[Any]:
        if isinstance(data, dict) and isinstance(data.get("html_url"), str):
            yield self._parse_evidence(
                developer,
                "closed_issue",
                {"issue": data, "closed_by_pull_request": pull},
                source_url=data["html_url"],
            )

    # -- own repositories -----------------------------------------------------------------------

    def parse_own_repos(self, data: Any, developer) -> Iterator[Any]:
        for repository in data if isinstance(data, list) else []:
            if not isinstance(repository, dict) or repository.get("fork"):
                continue
            url = repository.get("url")
            if not isinstance(url, str) or not isinstance(repository.get("html_url"), str):
                yield self.reject(
                    None, json.dumps(repository), "repository without url or html_url"
                )
                continue
            yield self.api(
                developer[0],
                f"{url}/languages",
                self.parse_languages,
                developer=developer,
                repository=repository,
            )

    def parse_languages(self, data: Any, developer, repository: dict) -> Iterator[Any]:
        yield self._parse_evidence(
            developer,
            "own_repo",
            {"repository": repository, "languages": data if isinstance(data, dict) else {}},
            source_url=repository["html_url"],
        )

    # -- items ------------------------------------------------------------------------------------

    def _parse_items(self, data: Any) -> list[dict]:
        items = data.get("items") if isinstance(data, dict) else None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    def _parse_evidence(
        self, developer, kind: str, payload: dict, source_url: str | None = None
    ) -> EvidenceItem:
        handle, login = developer
        return EvidenceItem(
            handle=handle,
            github_login=login,
            kind=kind,
            source_url=source_url or payload["pull_request"]["html_url"],
            payload=payload,
        )
