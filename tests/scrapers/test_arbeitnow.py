"""ArbeitnowSpider on recorded Arbeitnow job-board API pages (tests/scrapers/fixtures/arbeitnow/)."""

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
from scrapers.spiders.arbeitnow import ArbeitnowSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "arbeitnow"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "arbeitnow"
PAGE_1 = "https://www.arbeitnow.com/api/job-board-api?page=1"
PAGE_2 = "https://www.arbeitnow.com/api/job-board-api?page=2"


def recorded(name: str, url: str = PAGE_1) -> TextResponse:
    return TextResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def body_of(text: str) -> TextResponse:
    return TextResponse(url=PAGE_1, body=text.encode("utf-8"), encoding="utf-8")


def postings_in(items) -> list[PostingItem]:
    return [item for item in items if isinstance(item, PostingItem)]


def requests_in(items) -> list[scrapy.Request]:
    return [item for item in items if isinstance(item, scrapy.Request)]


def records(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["data"]


@pytest.fixture
def spider() -> ArbeitnowSpider:
    return ArbeitnowSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("page1.json")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in postings_in(items)}


def test_the_spider_starts_at_the_real_first_page(spider):
    assert spider.start_urls == [PAGE_1]


def test_every_job_on_a_page_becomes_one_posting(items):
    assert not [item for item in items if isinstance(item, RejectItem)]
    assert [item["source_posting_id"] for item in postings_in(items)] == [
        "senior-python-developer-berlin-412233",
        "freelance-react-entwickler-munchen-412230",
        "werkstudent-data-engineering-hamburg-412201",
        "devops-engineer-kubernetes-wien-412188",
    ]


def test_a_posting_carries_the_source_fields(postings):
    posting = postings["senior-python-developer-berlin-412233"]
    assert posting["source"] == "arbeitnow"
    assert posting["url"] == (
        "https://www.arbeitnow.com/jobs/companies/northwind-data-gmbh/"
        "senior-python-developer-berlin-412233"
    )
    assert posting["apply_url"] is None
    assert posting["title"] == "Senior Python Developer (m/w/d)"
    assert posting["company"] == "Northwind Data GmbH"
    assert posting["tags"] == ["Python", "Software Engineering"]
    assert posting["location"] == "Berlin"
    assert posting["employment_type"] == "full time"
    assert posting["posted_at"] == 1795183331


def test_several_job_types_are_kept_in_one_label(postings):
    posting = postings["werkstudent-data-engineering-hamburg-412201"]
    assert posting["employment_type"] == "Working student, berufseinstieg"
    assert posting["tags"] == []


def test_the_api_has_no_pay_fields_so_none_are_filled(postings):
    for posting in postings.values():
        assert posting["budget_text"] is None
        assert (posting["salary_min"], posting["salary_max"]) == (None, None)
        assert (posting["salary_currency"], posting["salary_period"]) == (None, None)


def test_an_empty_company_becomes_none(postings):
    posting = postings["freelance-react-entwickler-munchen-412230"]
    assert posting["company"] is None
    assert posting["location"] == "M\u00fcnchen"


def test_the_description_html_keeps_its_entities(postings):
    html = postings["freelance-react-entwickler-munchen-412230"]["description_html"]
    assert html == "<p>Projekt f\u00fcr 6 Monate, Stundensatz 85&nbsp;\u20ac/h, Start ASAP.</p>"
    python = postings["senior-python-developer-berlin-412233"]
    assert "<li>Django &amp; FastAPI</li>" in python["description_html"]


def test_escaped_unicode_and_emoji_are_decoded_once(postings):
    posting = postings["devops-engineer-kubernetes-wien-412188"]
    assert posting["title"] == "DevOps Engineer \u2013 Kubernetes \U0001f680"
    assert posting["company"] == "Z\u00fcrich Labs AG"


def test_the_payload_is_the_untouched_job(items):
    assert [item["payload"] for item in postings_in(items)] == records("page1.json")


def test_the_next_link_is_followed_at_its_real_path(items):
    [request] = requests_in(items)
    assert request.url == PAGE_2
    assert request.errback is not None


def test_the_next_link_keeps_path_and_query_under_a_base_url():
    spider = ArbeitnowSpider(base_url="http://127.0.0.1:8765")
    response = recorded("page1.json", url="http://127.0.0.1:8765/api/job-board-api?page=1")
    [request] = requests_in(spider.parse(response))
    assert request.url == "http://127.0.0.1:8765/api/job-board-api?page=2"


def test_the_last_page_has_no_next_link_and_ends_the_crawl(spider):
    list(spider.parse(recorded("page1.json")))
    items = list(spider.parse(recorded("page2.json", url=PAGE_2)))
    [posting] = postings_in(items)
    assert posting["source_posting_id"] == "php-laravel-developer-koln-411990"
    assert requests_in(items) == []


def test_a_page_with_no_new_slugs_ends_the_crawl(spider):
    """A replay server that ignores `?page=` sends page 1 again: nothing new, so stop."""
    list(spider.parse(recorded("page1.json")))
    again = list(spider.parse(recorded("page1.json", url=PAGE_2)))
    assert again == []


def test_a_short_page_ends_the_crawl_even_with_a_next_link(spider):
    page = json.loads((FIXTURES / "page1.json").read_text(encoding="utf-8"))
    page["meta"]["per_page"] = 100
    items = list(spider.parse(body_of(json.dumps(page))))
    assert len(postings_in(items)) == 4
    assert requests_in(items) == []


def test_an_empty_page_ends_the_crawl(spider):
    page = {"data": [], "links": {"next": PAGE_2}, "meta": {"per_page": 100}}
    assert list(spider.parse(body_of(json.dumps(page)))) == []


def test_max_pages_ends_the_crawl():
    spider = ArbeitnowSpider(max_pages="1")
    assert requests_in(spider.parse(recorded("page1.json"))) == []


def test_truncated_json_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded("page_truncated.json"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "arbeitnow"
    assert reject["url"] == PAGE_1
    assert reject["payload"] == (FIXTURES / "page_truncated.json").read_text(encoding="utf-8")
    assert reject["error"].startswith("response is not valid JSON")


@pytest.mark.parametrize(
    "body", ["[]", '{"message": "Too Many Attempts."}', '{"data": {"slug": "x"}}']
)
def test_a_body_without_a_data_list_yields_one_reject(spider, body):
    [reject] = spider.parse(body_of(body))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == "expected a JSON object with a `data` list"


def test_bad_jobs_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("page_bad_elements.json")))
    assert [item["source_posting_id"] for item in postings_in(items)] == [
        "senior-python-developer-berlin-412233",
        "werkstudent-data-engineering-hamburg-412201",
    ]
    rejects = [(item["payload"], item["error"]) for item in items if isinstance(item, RejectItem)]
    assert rejects == [
        ('"unexpected text element"', "job is not a JSON object"),
        ("42", "job is not a JSON object"),
        (
            '{"company_name": "Nobody", "title": "Posting without a slug", '
            '"url": "https://www.arbeitnow.com/jobs/companies/nobody/x"}',
            "job has no slug",
        ),
    ]


def test_the_demo_page_is_a_terminal_page_without_rejects(spider):
    response = recorded("page1.json")
    response = response.replace(body=(DEMO / "api" / "job-board-api").read_bytes())
    items = list(spider.parse(response))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl arbeitnow --base-url` against a loopback replay ----------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("arbeitnow", base_url)


def test_crawl_against_a_server_ignoring_page_numbers_ends_and_a_second_crawl_adds_nothing(
    db, tmp_path
):
    (tmp_path / "api").mkdir()
    shutil.copy(
        FIXTURES / "page1.json", tmp_path / "api" / "job-board-api"
    )  # always has a next link
    slugs = {record["slug"] for record in records("page1.json")}
    with serve_directory(tmp_path) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        ids = {
            row[0]
            for row in _rows(
                db, "select source_posting_id from raw.postings where source = 'arbeitnow'"
            )
        }
        assert ids == slugs
        run = _rows(db, "select status, items_seen, items_new, items_rejected from raw.crawl_runs")
        assert run == [("succeeded", len(slugs), len(slugs), 0)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(slugs),)]
    latest = _rows(
        db,
        "select status, items_seen, items_new from raw.crawl_runs order by started_at desc limit 1",
    )
    assert latest == [("succeeded", len(slugs), 0)]
