"""FreelancerSpider on recorded Projects API responses (the demo's, midtier/demo_data/freelancer/,
plus broken ones in tests/scrapers/fixtures/freelancer/).

The served page lives at ``api/projects/0.1/projects/active/index.html``: the API path ends in
``/``, and the loopback server answers a directory path with its ``index.html``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.freelancer import FreelancerSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "freelancer"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "freelancer"
PAGE = DEMO / "api" / "projects" / "0.1" / "projects" / "active" / "index.html"
API_URL = (
    "https://www.freelancer.com/api/projects/0.1/projects/active/"
    "?compact=true&job_details=true&full_description=true&limit=50&offset=0"
)


def recorded(path: Path = PAGE, url: str = API_URL) -> TextResponse:
    return TextResponse(url=url, body=path.read_bytes(), encoding="utf-8")


def body_of(text: str) -> TextResponse:
    return TextResponse(url=API_URL, body=text.encode("utf-8"), encoding="utf-8")


def projects() -> list[dict]:
    return json.loads(PAGE.read_text(encoding="utf-8"))["result"]["projects"]


@pytest.fixture
def spider() -> FreelancerSpider:
    return FreelancerSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded()))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items}


def test_the_start_url_is_the_real_active_projects_query(spider):
    assert spider.start_urls == [API_URL]


def test_every_project_becomes_one_posting(items):
    assert [item["source_posting_id"] for item in items] == [str(p["id"]) for p in projects()]
    assert all(isinstance(item, PostingItem) for item in items)


def test_a_posting_carries_the_project_fields(postings):
    posting = postings["40112358"]
    assert posting["source"] == "freelancer"
    assert (
        posting["url"] == "https://www.freelancer.com/projects/python/Django-REST-API-for-inventory"
    )
    assert posting["title"] == "Django REST API for inventory app"
    assert posting["tags"] == ["Python", "Django", "SQL"]
    assert posting["employment_type"] == "fixed"
    assert posting["posted_at"] == 1795767120
    assert posting["company"] is None and posting["location"] is None


def test_the_full_plain_text_description_is_kept(postings):
    posting = postings["40112358"]
    assert posting["description_text"] == posting["description_html"]
    assert posting["description_text"].endswith(
        "Please include examples of similar APIs in your bid."
    )


def test_a_fixed_budget_is_per_project_in_its_currency(postings):
    posting = postings["40112401"]
    assert (posting["salary_min"], posting["salary_max"]) == (250, 750)
    assert (posting["salary_currency"], posting["salary_period"]) == ("GBP", "project")
    assert posting["budget_text"] is None


def test_an_hourly_budget_is_per_hour(postings):
    posting = postings["40112377"]
    assert (posting["salary_min"], posting["salary_max"]) == (45, 70)
    assert (posting["salary_currency"], posting["salary_period"]) == ("AUD", "hour")
    assert posting["employment_type"] == "hourly"


def test_a_budget_without_maximum_keeps_the_minimum(spider):
    project = {**projects()[0], "budget": {"minimum": 10}}
    body = json.dumps({"status": "success", "result": {"projects": [project], "total_count": 1}})
    [posting] = spider.parse(body_of(body))
    assert (posting["salary_min"], posting["salary_max"], posting["salary_currency"]) == (
        10,
        None,
        "USD",
    )


def test_no_budget_means_no_currency_or_period(spider):
    project = {key: value for key, value in projects()[0].items() if key != "budget"}
    body = json.dumps({"status": "success", "result": {"projects": [project], "total_count": 1}})
    [posting] = spider.parse(body_of(body))
    assert (posting["salary_min"], posting["salary_currency"], posting["salary_period"]) == (
        None,
        None,
        None,
    )


def test_the_preview_is_used_when_there_is_no_full_description(spider):
    project = {key: value for key, value in projects()[0].items() if key != "description"}
    body = json.dumps({"status": "success", "result": {"projects": [project], "total_count": 1}})
    [posting] = spider.parse(body_of(body))
    assert posting["description_text"] == project["preview_description"]


def test_the_payload_is_the_untouched_project(items):
    assert [item["payload"] for item in items] == projects()


def test_a_short_page_is_the_last(items):
    assert not [item for item in items if isinstance(item, scrapy.Request)]


def test_a_full_page_asks_for_the_next_offset_through_base_url():
    spider = FreelancerSpider(limit=5, base_url="http://127.0.0.1:8765")
    [request] = [out for out in spider.parse(recorded()) if isinstance(out, scrapy.Request)]
    assert request.url == (
        "http://127.0.0.1:8765/api/projects/0.1/projects/active/"
        "?compact=true&job_details=true&full_description=true&limit=5&offset=5"
    )
    assert request.cb_kwargs == {"offset": 5}


def test_a_server_repeating_the_same_page_ends_the_crawl():
    spider = FreelancerSpider(limit=5)
    first = [out for out in spider.parse(recorded()) if isinstance(out, scrapy.Request)]
    again = list(spider.parse(recorded(), offset=5))
    assert len(first) == 1 and again == []


def test_the_offset_stops_at_the_total_count():
    spider = FreelancerSpider(limit=12)
    assert not [out for out in spider.parse(recorded()) if isinstance(out, scrapy.Request)]


def test_an_empty_page_ends_the_crawl(spider):
    assert list(spider.parse(recorded(FIXTURES / "active_empty.json"))) == []


def test_an_error_status_yields_one_reject_with_the_message(spider):
    [reject] = spider.parse(recorded(FIXTURES / "active_error.json"))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == (
        "API status 'error': You must provide a valid limit between 0 and 100 "
        "(ProjectExceptionCodes.INVALID_LIMIT)"
    )


def test_truncated_json_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded(FIXTURES / "active_truncated.json"))
    assert reject["payload"] == (FIXTURES / "active_truncated.json").read_text(encoding="utf-8")
    assert reject["error"].startswith("response is not valid JSON")


def test_a_result_without_projects_is_rejected(spider):
    [reject] = spider.parse(body_of('{"status": "success", "result": {}}'))
    assert reject["error"] == "response has no result.projects list"


def test_bad_projects_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded(FIXTURES / "active_bad_projects.json")))
    assert [item["source_posting_id"] for item in items if isinstance(item, PostingItem)] == [
        "40112358",
        "40112377",
    ]
    assert [(r["payload"], r["error"]) for r in items if isinstance(r, RejectItem)] == [
        ('"not a project"', "project is not a JSON object"),
        ("7", "project is not a JSON object"),
        ('{"title": "Project without an id", "seo_url": "php/orphan"}', "project has no id"),
    ]


def test_the_demo_page_parses_without_rejects(spider):
    items = list(spider.parse(recorded(PAGE)))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl freelancer` against a loopback copy of the API ----------------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("freelancer", base_url)


def test_crawl_loads_every_project_and_a_second_crawl_adds_none(db):
    expected = {str(project["id"]) for project in projects()}
    with serve_directory(DEMO) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        assert {
            row[0] for row in _rows(db, "select source_posting_id from raw.postings")
        } == expected
        assert _rows(
            db, "select status, items_seen, items_new, items_rejected, base_url from raw.crawl_runs"
        ) == [("succeeded", len(expected), len(expected), 0, base_url)]
        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(expected),)]
    assert _rows(
        db,
        "select status, items_new, items_unchanged from raw.crawl_runs "
        "order by started_at desc limit 1",
    ) == [("succeeded", 0, len(expected))]
