"""RemoteOkSpider.parse on recorded Remote OK feeds (tests/scrapers/fixtures/remoteok/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import TextResponse

from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.remoteok import RemoteOkSpider

FIXTURES = Path(__file__).parent / "fixtures" / "remoteok"
API_URL = "https://remoteok.com/api"


def recorded(name: str, url: str = API_URL) -> TextResponse:
    return TextResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def body_of(text: str) -> TextResponse:
    return TextResponse(url=API_URL, body=text.encode("utf-8"), encoding="utf-8")


@pytest.fixture
def spider() -> RemoteOkSpider:
    return RemoteOkSpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("api.json")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


def test_the_legal_notice_is_skipped_without_a_reject(items):
    assert not [item for item in items if isinstance(item, RejectItem)]
    assert all("legal" not in item["payload"] for item in items)


def test_every_job_becomes_one_posting(items):
    assert [item["source_posting_id"] for item in items] == [
        "1130451",
        "1130448",
        "1130440",
        "1130437",
        "1130422",
        "1130419",
    ]
    assert all(isinstance(item, PostingItem) for item in items)


def test_a_posting_carries_the_source_fields(postings):
    posting = postings["1130451"]
    assert posting["source"] == "remoteok"
    assert posting["url"] == (
        "https://remoteOK.com/remote-jobs/remote-senior-python-engineer-contract-northwind-data-1130451"
    )
    assert posting["apply_url"] == "https://remoteOK.com/remote-jobs/l/1130451"
    assert posting["title"] == "Senior Python Engineer (Contract)"
    assert posting["company"] == "Northwind Data"
    assert posting["tags"] == ["python", "django", "postgres", "contract", "dev"]
    assert posting["location"] == "Worldwide"
    assert posting["employment_type"] is None


def test_the_description_is_kept_as_html(postings):
    html = postings["1130451"]["description_html"]
    assert html.startswith("<p><strong>Northwind Data</strong> is looking")
    assert "<li>Build Django &amp; Celery services</li>" in html


def test_description_text_is_left_to_the_pipeline(postings):
    assert all("description_text" not in posting for posting in postings.values())


def test_salary_is_kept_as_yearly_usd_numbers(postings):
    posting = postings["1130451"]
    assert (posting["salary_min"], posting["salary_max"]) == (60000, 90000)
    assert (posting["salary_currency"], posting["salary_period"]) == ("USD", "year")


def test_a_zero_salary_means_no_salary(postings):
    posting = postings["1130448"]
    assert posting["salary_min"] is None
    assert posting["salary_max"] is None
    assert posting["salary_currency"] is None
    assert posting["salary_period"] is None


def test_a_zero_maximum_keeps_the_minimum_only(postings):
    posting = postings["1130422"]
    assert (posting["salary_min"], posting["salary_max"]) == (90000, None)
    assert posting["salary_currency"] == "USD"


def test_no_budget_text_is_made_up_from_the_numbers(postings):
    assert all(posting["budget_text"] is None for posting in postings.values())


def test_an_empty_company_becomes_none(postings):
    assert postings["1130448"]["company"] is None
    assert postings["1130448"]["title"] == "Freelance WordPress Developer"


def test_an_empty_position_becomes_none(postings):
    assert postings["1130440"]["title"] is None
    assert postings["1130440"]["company"] == "Kestrel Labs"
    assert postings["1130440"]["tags"] == []


def test_a_null_location_becomes_none(postings):
    assert postings["1130419"]["location"] is None


def test_mojibake_and_emoji_are_kept_as_written(postings):
    posting = postings["1130437"]
    assert posting["title"] == "Senior Rust Engineer \U0001f980"
    assert posting["company"] == "Z\u00fcrich Labs AG"
    assert "We\u00e2\u20ac\u2122re building" in posting["description_html"]
    assert "hiring! \U0001f680" in posting["description_html"]


def test_posted_at_is_the_source_date(postings):
    assert postings["1130451"]["posted_at"] == "2026-11-20T14:02:11+00:00"


def test_posted_at_falls_back_to_the_epoch(spider):
    body = json.dumps([{"id": "7", "position": "Dev", "epoch": 1795183331}])
    [posting] = spider.parse(body_of(body))
    assert posting["posted_at"] == 1795183331


def test_a_numeric_id_becomes_text(spider):
    [posting] = spider.parse(body_of(json.dumps([{"id": 1130999, "position": "Dev"}])))
    assert posting["source_posting_id"] == "1130999"


def test_the_payload_is_the_untouched_record(items):
    records = json.loads((FIXTURES / "api.json").read_text(encoding="utf-8"))
    assert [item["payload"] for item in items] == records[1:]


def test_truncated_json_yields_exactly_one_reject(spider):
    items = list(spider.parse(recorded("api_truncated.json")))
    assert len(items) == 1
    [reject] = items
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "remoteok"
    assert reject["url"] == API_URL
    assert reject["payload"] == (FIXTURES / "api_truncated.json").read_text(encoding="utf-8")
    assert reject["error"].startswith("response is not valid JSON")


def test_a_json_object_instead_of_an_array_yields_one_reject(spider):
    [reject] = spider.parse(body_of('{"error": "rate limited"}'))
    assert isinstance(reject, RejectItem)
    assert reject["error"] == "expected a JSON array, got dict"


def test_bad_elements_are_rejected_one_by_one_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("api_bad_elements.json")))
    postings = [item["source_posting_id"] for item in items if isinstance(item, PostingItem)]
    rejects = [item for item in items if isinstance(item, RejectItem)]
    assert postings == ["1130451", "1130422"]
    assert [(reject["payload"], reject["error"]) for reject in rejects] == [
        ('"unexpected text element"', "element is not a JSON object"),
        ("42", "element is not a JSON object"),
        (
            '{"slug": "remote-orphan-posting", "position": "Posting without an id", "company": "Nobody"}',
            "posting has no id",
        ),
    ]


def test_the_demo_feed_parses_without_rejects(spider):
    demo = Path(__file__).parents[2] / "midtier" / "demo_data" / "remoteok" / "api"
    response = TextResponse(url=API_URL, body=demo.read_bytes(), encoding="utf-8")
    items = list(spider.parse(response))
    assert len(items) == len(json.loads(demo.read_text(encoding="utf-8"))) - 1
    assert all(isinstance(item, PostingItem) for item in items)
