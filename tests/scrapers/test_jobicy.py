"""JobicySpider on recorded Jobicy API responses (tests/scrapers/fixtures/jobicy/)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from scrapy.http import TextResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.jobicy import JobicySpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "jobicy"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "jobicy"
PYTHON_URL = "https://jobicy.com/api/v2/remote-jobs?count=50&tag=python"
JAVASCRIPT_URL = "https://jobicy.com/api/v2/remote-jobs?count=50&tag=javascript"


def recorded(name: str, url: str = PYTHON_URL) -> TextResponse:
    return TextResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def body_of(envelope: dict | str) -> TextResponse:
    text = envelope if isinstance(envelope, str) else json.dumps(envelope)
    return TextResponse(url=PYTHON_URL, body=text.encode("utf-8"), encoding="utf-8")


def jobs_in(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["jobs"]


@pytest.fixture
def spider() -> JobicySpider:
    return JobicySpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("remote-jobs_python.json")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


def test_the_spider_asks_once_per_default_dev_tag(spider):
    assert spider.start_urls == [
        PYTHON_URL,
        JAVASCRIPT_URL,
        "https://jobicy.com/api/v2/remote-jobs?count=50&tag=devops",
    ]


def test_tags_are_configurable():
    spider = JobicySpider(tags="python, react")
    assert spider.start_urls == [
        PYTHON_URL,
        "https://jobicy.com/api/v2/remote-jobs?count=50&tag=react",
    ]


def test_an_empty_tag_list_is_refused():
    with pytest.raises(ValueError, match="at least one tag"):
        JobicySpider(tags=" , ")


def test_every_job_becomes_one_posting(items):
    assert all(isinstance(item, PostingItem) for item in items)
    assert [item["source_posting_id"] for item in items] == [
        "151208",
        "151190",
        "151177",
        "151160",
        "151149",
    ]


def test_a_posting_carries_the_source_fields(postings):
    posting = postings["151208"]
    assert posting["source"] == "jobicy"
    assert posting["url"] == "https://jobicy.com/jobs/151208-senior-python-engineer-contract"
    assert posting["apply_url"] is None
    assert posting["title"] == "Senior Python Engineer (Contract)"
    assert posting["company"] == "Northwind Data"
    assert posting["tags"] == ["Software Engineering"]
    assert posting["location"] == "Europe"
    assert posting["employment_type"] == "Contract"
    assert posting["posted_at"] == "2026-11-19 14:02:11"
    assert posting["budget_text"] is None


def test_annual_salary_fields_give_a_yearly_range(postings):
    posting = postings["151208"]
    assert (posting["salary_min"], posting["salary_max"]) == (90000, 120000)
    assert (posting["salary_currency"], posting["salary_period"]) == ("USD", "year")


def test_string_amounts_are_read_and_a_zero_maximum_is_dropped(postings):
    posting = postings["151190"]
    assert (posting["salary_min"], posting["salary_max"]) == (85000, None)
    assert (posting["salary_currency"], posting["salary_period"]) == ("USD", "year")


@pytest.mark.parametrize("job_id", ["151177", "151149", "151160"])
def test_zero_empty_or_missing_salaries_mean_no_pay(postings, job_id):
    """151177: both 0 (currency CHF given); 151149: empty strings; 151160: no salary keys."""
    posting = postings[job_id]
    assert (posting["salary_min"], posting["salary_max"]) == (None, None)
    assert (posting["salary_currency"], posting["salary_period"]) == (None, None)


def test_newer_salary_fields_keep_the_records_own_period(spider):
    record = {
        "id": 160001,
        "jobTitle": "Contract Python Developer",
        "salaryMin": 50,
        "salaryMax": 60,
        "salaryCurrency": "USD",
        "salaryPeriod": "hourly",
    }
    [posting] = spider.parse(body_of({"jobs": [record]}))
    assert (posting["salary_min"], posting["salary_max"]) == (50, 60)
    assert (posting["salary_currency"], posting["salary_period"]) == ("USD", "hourly")


def test_an_empty_company_becomes_none(postings):
    assert postings["151160"]["company"] is None
    assert postings["151160"]["employment_type"] == "Part-Time"


def test_wordpress_html_escapes_are_kept_as_written(postings):
    posting = postings["151190"]
    assert posting["title"] == "Backend Engineer &#8211; Python &amp; Go"
    assert posting["company"] == "Remote &#038; Secure"
    assert posting["tags"] == ["Software Engineering", "DevOps &amp; Infrastructure"]
    assert posting["description_html"] == "<p>Build Python &amp; Go APIs &mdash; SOC2 shop.</p>"


def test_escaped_unicode_and_emoji_are_decoded_once(postings):
    posting = postings["151177"]
    assert posting["title"] == "Senior Rust Engineer \U0001f980"
    assert posting["company"] == "Z\u00fcrich Labs AG"
    assert posting["description_html"] == "<p>Gr\u00fc\u00dfe aus Z\u00fcrich! \U0001f680</p>"


def test_the_payload_is_the_untouched_job(items):
    assert [item["payload"] for item in items] == jobs_in("remote-jobs_python.json")


def test_a_job_listed_under_several_tags_is_yielded_once(spider):
    list(spider.parse(recorded("remote-jobs_python.json")))
    items = list(spider.parse(recorded("remote-jobs_javascript.json", url=JAVASCRIPT_URL)))
    assert [item["source_posting_id"] for item in items] == ["151201"]


def test_the_same_response_for_every_tag_adds_nothing_new(spider):
    """A replay server ignoring `?tag=` answers every tag alike; each job still comes once."""
    list(spider.parse(recorded("remote-jobs_python.json")))
    assert list(spider.parse(recorded("remote-jobs_python.json", url=JAVASCRIPT_URL))) == []


def test_truncated_json_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded("remote-jobs_truncated.json"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "jobicy"
    assert reject["url"] == PYTHON_URL
    assert reject["payload"] == (FIXTURES / "remote-jobs_truncated.json").read_text(
        encoding="utf-8"
    )
    assert reject["error"].startswith("response is not valid JSON")


@pytest.mark.parametrize(
    "body", ["[]", '{"success": false, "message": "Invalid tag"}', '{"jobs": "none"}']
)
def test_a_body_without_a_jobs_list_yields_one_reject(spider, body):
    [reject] = spider.parse(body_of(body))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == "expected a JSON object with a `jobs` list"


def test_bad_jobs_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("remote-jobs_bad_elements.json")))
    postings = [item["source_posting_id"] for item in items if isinstance(item, PostingItem)]
    assert postings == ["151208", "151201"]
    rejects = [(item["payload"], item["error"]) for item in items if isinstance(item, RejectItem)]
    assert rejects == [
        ('"unexpected text element"', "job is not a JSON object"),
        ("42", "job is not a JSON object"),
        (
            '{"jobTitle": "Posting without an id", "companyName": "Nobody", '
            '"url": "https://jobicy.com/jobs/orphan"}',
            "job has no id",
        ),
    ]


def test_the_demo_response_parses_without_rejects(spider):
    demo = (DEMO / "api" / "v2" / "remote-jobs").read_bytes()
    response = recorded("remote-jobs_python.json").replace(body=demo)
    items = list(spider.parse(response))
    assert 8 <= len(items) <= 20
    assert all(isinstance(item, PostingItem) for item in items)


# -- end to end: `midtier crawl jobicy --base-url` against a loopback replay -------------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("jobicy", base_url)


def test_crawl_of_every_tag_loads_each_job_once_and_a_second_crawl_adds_nothing(db, tmp_path):
    (tmp_path / "api" / "v2").mkdir(parents=True)
    shutil.copy(FIXTURES / "remote-jobs_python.json", tmp_path / "api" / "v2" / "remote-jobs")
    ids = {str(job["id"]) for job in jobs_in("remote-jobs_python.json")}
    with serve_directory(tmp_path) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        loaded = {
            row[0]
            for row in _rows(
                db, "select source_posting_id from raw.postings where source = 'jobicy'"
            )
        }
        assert loaded == ids
        run = _rows(db, "select status, items_seen, items_new, items_rejected from raw.crawl_runs")
        assert run == [("succeeded", len(ids), len(ids), 0)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(len(ids),)]
    latest = _rows(
        db,
        "select status, items_seen, items_new from raw.crawl_runs order by started_at desc limit 1",
    )
    assert latest == [("succeeded", len(ids), 0)]
