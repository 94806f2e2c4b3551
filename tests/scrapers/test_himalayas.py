"""HimalayasSpider on recorded Himalayas jobs API pages (tests/scrapers/fixtures/himalayas/)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.himalayas import HimalayasSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "himalayas"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "himalayas"
FIRST_PAGE = "https://himalayas.app/jobs/api?limit=20&offset=0"
RUST = "https://himalayas.app/companies/zurich-labs/jobs/senior-rust-engineer"
PYTHON = "https://himalayas.app/companies/northwind-data/jobs/senior-python-engineer-contract"
REACT = "https://himalayas.app/companies/kestrel-labs/jobs/react-developer"
DATA = "https://himalayas.app/companies/fjord-analytics/jobs/data-engineer"
DEVOPS = "https://himalayas.app/companies/orbital-ops/jobs/devops-engineer"


def recorded(name: str, url: str = FIRST_PAGE) -> TextResponse:
    return TextResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def body_of(page: dict | str) -> TextResponse:
    text = page if isinstance(page, str) else json.dumps(page)
    return TextResponse(url=FIRST_PAGE, body=text.encode("utf-8"), encoding="utf-8")


def postings_in(items) -> list[PostingItem]:
    return [item for item in items if isinstance(item, PostingItem)]


def requests_in(items) -> list[scrapy.Request]:
    return [item for item in items if isinstance(item, scrapy.Request)]


def page_of(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def spider() -> HimalayasSpider:
    return HimalayasSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("api.json")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in postings_in(items)}


def test_the_spider_starts_at_the_real_first_page(spider):
    assert spider.start_urls == [FIRST_PAGE]


def test_every_job_becomes_one_posting_keyed_by_its_guid(items):
    assert all(isinstance(item, PostingItem) for item in items)
    assert [item["source_posting_id"] for item in items] == [PYTHON, REACT, RUST, DATA, DEVOPS]


def test_a_posting_carries_the_source_fields(postings):
    posting = postings[PYTHON]
    assert posting["source"] == "himalayas"
    assert posting["url"] == PYTHON
    assert posting["apply_url"] == PYTHON
    assert posting["title"] == "Senior Python Engineer (Contract)"
    assert posting["company"] == "Northwind Data"
    assert posting["tags"] == ["Python-Developer", "Django", "Backend-Engineer"]
    assert posting["location"] == "United States, Canada"
    assert posting["employment_type"] == "Contractor"
    assert posting["posted_at"] == 1795183331
    assert posting["budget_text"] is None


def test_structured_pay_is_kept_with_its_currency_and_period(postings):
    posting = postings[PYTHON]
    assert (posting["salary_min"], posting["salary_max"]) == (90000, 120000)
    assert (posting["salary_currency"], posting["salary_period"]) == ("USD", "annual")


def test_the_records_own_salary_period_is_kept(postings):
    posting = postings[DATA]
    assert (posting["salary_min"], posting["salary_max"]) == (4000, 5500)
    assert (posting["salary_currency"], posting["salary_period"]) == ("EUR", "monthly")


def test_null_salaries_mean_no_pay_at_all(postings):
    posting = postings[REACT]
    assert (posting["salary_min"], posting["salary_max"]) == (None, None)
    assert (posting["salary_currency"], posting["salary_period"]) == (None, None)


def test_a_zero_maximum_keeps_the_minimum_only(postings):
    posting = postings[RUST]
    assert (posting["salary_min"], posting["salary_max"]) == (140000, None)
    assert posting["salary_currency"] == "CHF"


def test_without_salary_period_the_documented_annual_period_applies(spider):
    record = dict(page_of("api.json")["jobs"][0])
    del record["salaryPeriod"]
    [posting] = spider.parse(body_of({"jobs": [record]}))
    assert posting["salary_period"] == "annual"


def test_an_empty_company_becomes_none(postings):
    assert postings[REACT]["company"] is None


def test_no_location_restriction_becomes_none(postings):
    assert postings[REACT]["location"] is None


def test_location_objects_give_their_names(postings):
    assert postings[RUST]["location"] == "Switzerland, Germany"


def test_unicode_and_entities_are_kept_as_written(postings):
    posting = postings[RUST]
    assert posting["title"] == "Senior Rust Engineer \U0001f980"
    assert posting["company"] == "Z\u00fcrich Labs AG"
    assert posting["description_html"] == (
        "<p>Gr\u00fc\u00dfe aus Z\u00fcrich! \U0001f680 &lt;low latency&gt;</p>"
    )


def test_the_payload_is_the_untouched_job(items):
    assert [item["payload"] for item in items] == page_of("api.json")["jobs"]


def test_a_null_next_cursor_ends_the_crawl(items):
    assert requests_in(items) == []


def test_a_full_page_with_a_cursor_asks_for_the_cursor_page(spider):
    items = list(spider.parse(recorded("api_cursor_page.json")))
    assert len(postings_in(items)) == 2
    [request] = requests_in(items)
    cursor = page_of("api_cursor_page.json")["nextCursor"]
    assert request.url == f"https://himalayas.app/jobs/api?limit=2&cursor={cursor}"


def test_the_next_page_keeps_path_and_query_under_a_base_url():
    spider = HimalayasSpider(base_url="http://127.0.0.1:8765")
    [request] = requests_in(spider.parse(recorded("api_cursor_page.json")))
    assert request.url.startswith("http://127.0.0.1:8765/jobs/api?limit=2&cursor=")


def test_without_a_cursor_the_offset_steps_by_the_page(spider):
    [request] = requests_in(spider.parse(recorded("api_offset_page.json")))
    assert request.url == "https://himalayas.app/jobs/api?limit=2&offset=2"


def test_the_offset_stops_at_the_total_count(spider):
    page = page_of("api_offset_page.json")
    page["totalCount"] = 2
    assert requests_in(spider.parse(body_of(page))) == []


def test_a_page_with_no_new_guids_ends_the_crawl(spider):
    """A replay server ignoring the query sends the same page again: nothing new, so stop."""
    list(spider.parse(recorded("api_cursor_page.json")))
    assert list(spider.parse(recorded("api_cursor_page.json"))) == []


def test_a_short_page_ends_the_crawl(spider):
    page = page_of("api_cursor_page.json")
    page["limit"] = 20
    items = list(spider.parse(body_of(page)))
    assert len(postings_in(items)) == 2
    assert requests_in(items) == []


def test_max_pages_ends_the_crawl():
    spider = HimalayasSpider(max_pages="1")
    assert requests_in(spider.parse(recorded("api_cursor_page.json"))) == []


def test_truncated_json_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded("api_truncated.json"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "himalayas"
    assert reject["url"] == FIRST_PAGE
    assert reject["payload"] == (FIXTURES / "api_truncated.json").read_text(encoding="utf-8")
    assert reject["error"].startswith("response is not valid JSON")


@pytest.mark.parametrize("body", ["[]", '{"error": "Too many requests"}', '{"jobs": null}'])
def test_a_body_without_a_jobs_list_yields_one_reject(spider, body):
    [reject] = spider.parse(body_of(body))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == "expected a JSON object with a `jobs` list"


def test_bad_jobs_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("api_bad_elements.json")))
    assert [item["source_posting_id"] for item in postings_in(items)] == [PYTHON, DATA]
    rejects = [(item["payload"], item["error"]) for item in items if isinstance(item, RejectItem)]
    assert rejects == [
        ('"unexpected text element"', "job is not a JSON object"),
        ("42", "job is not a JSON object"),
        ('{"title": "Posting without a guid", "companyName": "Nobody"}', "job has no guid"),
    ]


def test_the_demo_page_is_a_terminal_page_without_rejects(spider):
    response = recorded("api.json").replace(body=(DEMO / "jobs" / "api").read_bytes())
    items = list(spider.parse(response))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl himalayas --base-url` against a loopback replay ----------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("himalayas", base_url)


def test_crawl_against_a_server_ignoring_cursors_ends_and_a_second_crawl_adds_nothing(db, tmp_path):
    (tmp_path / "jobs").mkdir()
    shutil.copy(FIXTURES / "api_cursor_page.json", tmp_path / "jobs" / "api")  # always has a cursor
    guids = {job["guid"] for job in page_of("api_cursor_page.json")["jobs"]}
    with serve_directory(tmp_path) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        ids = {
            row[0]
            for row in _rows(
                db, "select source_posting_id from raw.postings where source = 'himalayas'"
            )
        }
        assert ids == guids
        run = _rows(db, "select status, items_seen, items_new, items_rejected from raw.crawl_runs")
        assert run == [("succeeded", len(guids), len(guids), 0)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(guids),)]
    latest = _rows(
        db,
        "select status, items_seen, items_new from raw.crawl_runs order by started_at desc limit 1",
    )
    assert latest == [("succeeded", len(guids), 0)]
