"""GithubSpider on recorded REST API responses (the demo's, midtier/demo_data/github/, plus
the test-only ones in tests/scrapers/fixtures/github/)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.github import GithubSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows
from tests.scrapers.recordings import replay_tree

FIXTURES = replay_tree("github")  # the demo recordings and the test-only ones
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "github"
SEARCH_URL = "https://api.github.com/search/issues?q=label%3Abounty%20state%3Aopen%20type%3Aissue&per_page=50"
REPO_URL = (
    "https://api.github.com/repos/tidewater-oss/pgsync/issues?labels=bounty&state=open&per_page=50"
)
SEARCH = DEMO / "search" / "issues"
ISSUES = [
    "3615529001",
    "3618830412",
    "3620014877",
    "3622190345",
    "3624405512",
    "3625001122",
    "3626110099",
    "3627650021",
    "3628100733",
]  # the recorded page minus its pull request


def recorded(
    path: Path = SEARCH,
    url: str = SEARCH_URL,
    headers: dict | None = None,
    body: bytes | None = None,
) -> TextResponse:
    return TextResponse(
        url=url,
        body=path.read_bytes() if body is None else body,
        encoding="utf-8",
        headers=headers or {},
    )


def start_requests(spider: GithubSpider) -> list[scrapy.Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


@pytest.fixture
def spider() -> GithubSpider:
    return GithubSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded()))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items}


def test_start_urls_are_the_real_search_queries():
    assert GithubSpider().start_urls == [
        SEARCH_URL,
        "https://api.github.com/search/issues?q=label%3A%22%F0%9F%92%8E%20Bounty%22%20state%3Aopen%20type%3Aissue&per_page=50",
    ]


def test_queries_and_repos_are_configurable():
    spider = GithubSpider(queries="label:bounty language:rust", repos="tidewater-oss/pgsync")
    assert spider.start_urls == [
        "https://api.github.com/search/issues?q=label%3Abounty%20language%3Arust&per_page=50",
        REPO_URL,
    ]


def test_every_issue_becomes_one_posting_and_pull_requests_are_skipped(items):
    assert [item["source_posting_id"] for item in items] == ISSUES
    assert all(isinstance(item, PostingItem) for item in items)
    assert "3627004411" not in {item["source_posting_id"] for item in items}


def test_a_posting_carries_the_issue_fields(postings):
    posting = postings["3615529001"]
    assert posting["source"] == "github"
    assert posting["url"] == "https://github.com/tidewater-oss/pgsync/issues/412"
    assert posting["title"] == "Support logical replication slots on PostgreSQL 17"
    assert posting["company"] == "tidewater-oss"
    assert posting["tags"] == ["💎 Bounty", "$250", "enhancement"]
    assert posting["posted_at"] == "2026-11-18T09:14:22Z"
    assert posting["location"] is None and posting["employment_type"] is None


def test_the_markdown_body_is_both_description_fields(postings):
    posting = postings["3618830412"]
    assert posting["description_html"] == posting["description_text"]
    assert posting["description_text"].startswith("We'd like technicians to subscribe")


def test_an_amount_label_is_the_budget_text(postings):
    assert postings["3615529001"]["budget_text"] == "$250"
    assert postings["3622190345"]["budget_text"] == "bounty-$300"


@pytest.mark.parametrize(
    "issue_id, budget_text",
    [
        ("3618830412", "**Bounty: $500** (paid via GitHub Sponsors once merged)"),
        ("3620014877", "## 💎 $150 bounty • OpenMeter"),
        ("3624405512", "Price: 450 USD, paid on merge. Hardware can be shipped to you (EU only)."),
        ("3625001122", "Reward: €200 via Open Collective."),
        (
            "3627650021",
            "This is a paid task: $75/hour, estimated 6–8 hours. Reach out in the issue before starting.",
        ),
    ],
)
def test_a_bounty_line_in_the_body_is_the_budget_text(postings, issue_id, budget_text):
    assert postings[issue_id]["budget_text"] == budget_text


def test_an_issue_without_body_or_amount_has_no_budget_text(postings):
    posting = postings["3628100733"]
    assert posting["budget_text"] is None
    assert posting["description_html"] is None


def test_no_structured_pay_is_made_up(postings):
    assert all(p["salary_min"] is None and p["salary_currency"] is None for p in postings.values())


def test_the_payload_is_the_untouched_issue(items):
    records = [
        r
        for r in json.loads(SEARCH.read_text(encoding="utf-8"))["items"]
        if "pull_request" not in r
    ]
    assert [item["payload"] for item in items] == records


def test_the_repository_issues_listing_is_a_bare_array(spider):
    items = list(
        spider.parse(recorded(FIXTURES / "repos" / "tidewater-oss" / "pgsync" / "issues", REPO_URL))
    )
    assert [item["source_posting_id"] for item in items] == ["3615529001"]
    assert items[0]["company"] == "tidewater-oss"


def test_an_issue_seen_in_an_earlier_listing_is_not_yielded_twice(spider):
    list(spider.parse(recorded()))
    assert (
        list(
            spider.parse(
                recorded(FIXTURES / "repos" / "tidewater-oss" / "pgsync" / "issues", REPO_URL)
            )
        )
        == []
    )


def _full_page(link: str | None, first_id: int = 1) -> TextResponse:
    template = json.loads(SEARCH.read_text(encoding="utf-8"))["items"][0]
    items = [{**template, "id": first_id + n, "number": n} for n in range(50)]
    headers = {"Link": link} if link else {}
    return recorded(
        body=json.dumps({"total_count": 500, "incomplete_results": False, "items": items}).encode(),
        headers=headers,
    )


NEXT = (
    '<https://api.github.com/search/issues?q=label%3Abounty&per_page=50&page=2>; rel="next", '
    '<https://api.github.com/search/issues?q=label%3Abounty&per_page=50&page=10>; rel="last"'
)


def test_a_full_page_with_a_next_link_is_followed_through_base_url():
    spider = GithubSpider(base_url="http://127.0.0.1:8765")
    [request] = [
        out for out in spider.parse(_full_page(NEXT), seen=set()) if isinstance(out, scrapy.Request)
    ]
    assert request.url == "http://127.0.0.1:8765/search/issues?q=label%3Abounty&per_page=50&page=2"
    assert request.callback == spider.parse


def test_no_next_link_ends_the_listing(spider):
    assert not [
        out for out in spider.parse(_full_page(None), seen=set()) if isinstance(out, scrapy.Request)
    ]


def test_a_short_page_ends_the_listing(spider):
    response = recorded(headers={"Link": NEXT})
    assert not [
        out for out in spider.parse(response, seen=set()) if isinstance(out, scrapy.Request)
    ]


def test_a_server_repeating_the_same_page_ends_the_listing(spider):
    seen: set[str] = set()
    first = [
        out for out in spider.parse(_full_page(NEXT), seen=seen) if isinstance(out, scrapy.Request)
    ]
    again = [
        out for out in spider.parse(_full_page(NEXT), seen=seen) if isinstance(out, scrapy.Request)
    ]
    assert len(first) == 1 and again == []


def test_an_exhausted_rate_limit_stops_after_the_page(spider):
    response = recorded(
        headers={"Link": NEXT, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795190400"}
    )
    outputs = []
    with pytest.raises(CloseSpider):
        for output in spider.parse(response, seen=set()):
            outputs.append(output)
    assert [item["source_posting_id"] for item in outputs] == ISSUES


def test_a_rate_limited_403_is_recorded_and_stops_the_crawl(spider):
    request = scrapy.Request(SEARCH_URL)
    response = TextResponse(
        url=SEARCH_URL,
        status=403,
        request=request,
        encoding="utf-8",
        body=(FIXTURES / "rate_limited.json").read_bytes(),
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795190400"},
    )
    try:
        raise HttpError(response)
    except HttpError:
        failure = Failure()
    failure.request = request
    outputs = []
    with pytest.raises(CloseSpider):
        for output in spider.on_error(failure):
            outputs.append(output)
    [reject] = outputs
    assert reject["error"] == f"HTTP 403 for {SEARCH_URL}"
    assert "API rate limit exceeded" in reject["payload"]


def test_the_token_goes_to_github_only(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_example")
    [real, *_] = start_requests(GithubSpider())
    [local, *_] = start_requests(GithubSpider(base_url="http://127.0.0.1:8765"))
    assert real.headers["Authorization"] == b"Bearer ghp_example"
    assert b"Authorization" not in local.headers
    assert local.headers["Accept"] == b"application/vnd.github+json"


def test_truncated_json_yields_exactly_one_reject(spider):
    body = (FIXTURES / "search_truncated.json").read_bytes()
    [reject] = spider.parse(recorded(body=body))
    assert isinstance(reject, RejectItem)
    assert reject["payload"] == body.decode("utf-8")
    assert reject["error"].startswith("response is not valid JSON")


def test_an_error_object_yields_one_reject_with_its_message(spider):
    [reject] = spider.parse(recorded(body=b'{"message": "Validation Failed", "errors": []}'))
    assert reject["error"] == "expected a list of issues: Validation Failed"


def test_bad_issues_are_rejected_one_by_one_and_the_rest_go_on(spider):
    good = json.loads(SEARCH.read_text(encoding="utf-8"))["items"][0]
    body = json.dumps(
        {"total_count": 3, "incomplete_results": False, "items": ["text", {"title": "no id"}, good]}
    ).encode()
    items = list(spider.parse(recorded(body=body)))
    assert [type(item) for item in items] == [RejectItem, RejectItem, PostingItem]
    assert [item["error"] for item in items[:2]] == [
        "issue is not a JSON object",
        "issue has no id",
    ]


def test_the_demo_listing_parses_without_rejects(spider):
    items = list(spider.parse(recorded(DEMO / "search" / "issues")))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl github` against a loopback copy of the API -------------------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_TOKEN"}
    return crawl("github", base_url, env=env)


def test_crawl_loads_every_issue_and_a_second_crawl_adds_none(db):
    with serve_directory(FIXTURES) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        assert sorted(
            row[0] for row in _rows(db, "select source_posting_id from raw.postings")
        ) == sorted(ISSUES)
        assert _rows(
            db, "select status, items_seen, items_new, items_rejected, base_url from raw.crawl_runs"
        ) == [("succeeded", len(ISSUES), len(ISSUES), 0, base_url)]
        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(ISSUES),)]
    assert _rows(
        db,
        "select status, items_new, items_unchanged from raw.crawl_runs "
        "order by started_at desc limit 1",
    ) == [("succeeded", 0, len(ISSUES))]
