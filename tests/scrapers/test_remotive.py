"""RemotiveSpider on recorded Remotive API responses (tests/scrapers/fixtures/remotive/)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from scrapy.http import TextResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.remotive import RemotiveSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "remotive"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "remotive"
API_URL = "https://remotive.com/api/remote-jobs?category=software-dev"


def recorded(name: str) -> TextResponse:
    return TextResponse(url=API_URL, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def body_of(text: str) -> TextResponse:
    return TextResponse(url=API_URL, body=text.encode("utf-8"), encoding="utf-8")


@pytest.fixture
def spider() -> RemotiveSpider:
    return RemotiveSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("remote-jobs.json")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


def test_the_spider_asks_the_real_api_once(spider):
    assert spider.start_urls == [API_URL]


def test_every_job_becomes_one_posting(items):
    assert all(isinstance(item, PostingItem) for item in items)
    assert [item["source_posting_id"] for item in items] == [
        "2094117",
        "2094102",
        "2094088",
        "2094071",
        "2094050",
        "2094033",
    ]


def test_a_posting_carries_the_source_fields(postings):
    posting = postings["2094117"]
    assert posting["source"] == "remotive"
    assert posting["url"] == (
        "https://remotive.com/remote-jobs/software-development/senior-python-engineer-contract-2094117"
    )
    assert posting["apply_url"] is None
    assert posting["title"] == "Senior Python Engineer (Contract)"
    assert posting["company"] == "Northwind Data"
    assert posting["tags"] == ["python", "django", "postgresql", "aws"]
    assert posting["location"] == "Europe, UK"
    assert posting["employment_type"] == "contract"
    assert posting["posted_at"] == "2026-11-19T14:02:11"


def test_free_text_salary_is_kept_verbatim_as_budget_text(postings):
    assert postings["2094117"]["budget_text"] == "$60 - $80/hour"
    assert postings["2094088"]["budget_text"] == "$120,000 - $150,000"
    assert postings["2094050"]["budget_text"] == "\u20ac450/day"


def test_no_structured_salary_is_made_up_from_the_text(postings):
    for posting in postings.values():
        assert (posting["salary_min"], posting["salary_max"]) == (None, None)
        assert (posting["salary_currency"], posting["salary_period"]) == (None, None)


def test_an_empty_salary_becomes_none(postings):
    assert postings["2094102"]["budget_text"] is None


def test_a_missing_salary_key_becomes_none(postings):
    assert postings["2094033"]["budget_text"] is None
    assert postings["2094033"]["employment_type"] is None  # job_type was ""


def test_an_empty_company_becomes_none(postings):
    assert postings["2094102"]["company"] is None
    assert postings["2094102"]["title"] == "Freelance WordPress Developer"


def test_a_null_location_becomes_none(postings):
    assert postings["2094050"]["location"] is None


def test_the_description_html_keeps_its_entities(postings):
    html = postings["2094117"]["description_html"]
    assert "<li>Build Django &amp; Celery services</li>" in html
    assert "What you&#39;ll do:" in html
    assert "&lt;1M users&gt; &amp; beyond" in postings["2094088"]["description_html"]


def test_description_text_is_left_to_the_pipeline(postings):
    assert all("description_text" not in posting for posting in postings.values())


def test_unicode_is_kept_as_written(postings):
    posting = postings["2094071"]
    assert posting["title"] == "Senior Rust Engineer \U0001f980"
    assert posting["company"] == "Z\u00fcrich Labs AG"
    assert posting["budget_text"] == "CHF 140k \u2013 170k"
    assert "We\u2019re building" in posting["description_html"]


def test_the_payload_is_the_untouched_job(items):
    envelope = json.loads((FIXTURES / "remote-jobs.json").read_text(encoding="utf-8"))
    assert [item["payload"] for item in items] == envelope["jobs"]


def test_truncated_json_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded("remote-jobs_truncated.json"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "remotive"
    assert reject["url"] == API_URL
    assert reject["payload"] == (FIXTURES / "remote-jobs_truncated.json").read_text(
        encoding="utf-8"
    )
    assert reject["error"].startswith("response is not valid JSON")


@pytest.mark.parametrize(
    "body", ['[{"id": 1}]', '{"0-legal-notice": "hi", "job-count": 0}', '{"jobs": {}}']
)
def test_a_body_without_a_jobs_list_yields_one_reject(spider, body):
    [reject] = spider.parse(body_of(body))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == "expected a JSON object with a `jobs` list"
    assert reject["payload"] == body


def test_bad_jobs_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("remote-jobs_bad_elements.json")))
    postings = [item["source_posting_id"] for item in items if isinstance(item, PostingItem)]
    rejects = [(item["payload"], item["error"]) for item in items if isinstance(item, RejectItem)]
    assert postings == ["2094117", "2094088"]
    assert rejects == [
        ('"unexpected text element"', "job is not a JSON object"),
        ("42", "job is not a JSON object"),
        (
            '{"url": "https://remotive.com/remote-jobs/software-development/orphan", '
            '"title": "Posting without an id", "company_name": "Nobody"}',
            "job has no id",
        ),
    ]


def test_an_empty_jobs_list_yields_nothing(spider):
    assert list(spider.parse(body_of('{"job-count": 0, "jobs": []}'))) == []


def test_the_demo_response_parses_without_rejects(spider):
    demo = (DEMO / "api" / "remote-jobs").read_bytes()
    response = TextResponse(url=API_URL, body=demo, encoding="utf-8")
    items = list(spider.parse(response))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl remotive --base-url` against a loopback replay -----------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("remotive", base_url)


def test_crawl_loads_every_job_once_and_a_second_crawl_adds_nothing(db, tmp_path):
    (tmp_path / "api").mkdir()
    shutil.copy(FIXTURES / "remote-jobs.json", tmp_path / "api" / "remote-jobs")
    jobs = json.loads((FIXTURES / "remote-jobs.json").read_text(encoding="utf-8"))["jobs"]
    with serve_directory(tmp_path) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        ids = {
            row[0]
            for row in _rows(
                db, "select source_posting_id from raw.postings where source = 'remotive'"
            )
        }
        assert ids == {str(job["id"]) for job in jobs}
        run = _rows(db, "select status, items_seen, items_new, items_rejected from raw.crawl_runs")
        assert run == [("succeeded", len(jobs), len(jobs), 0)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(jobs),)]
    latest = _rows(
        db,
        "select status, items_seen, items_new from raw.crawl_runs order by started_at desc limit 1",
    )
    assert latest == [("succeeded", len(jobs), 0)]
