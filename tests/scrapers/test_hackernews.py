"""HackerNewsSpider on recorded Firebase API items (the demo's, midtier/demo_data/hackernews/,
with the test-only items of tests/scrapers/fixtures/hackernews/ laid over them).

The fixture tree mirrors the API's paths (``v0/user/whoishiring.json``, ``v0/item/<id>.json``);
``replay`` answers the spider's requests from it, the way the loopback server does in a crawl.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy.http import TextResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.hackernews import HackerNewsSpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows
from tests.scrapers.recordings import replay_tree

FIXTURES = replay_tree("hackernews")  # the demo recordings and the test-only ones
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "hackernews"
USER_URL = "https://hacker-news.firebaseio.com/v0/user/whoishiring.json"
HIRING_POSTINGS = [
    "51433012",
    "51433120",
    "51433244",
    "51433301",
    "51433388",
    "51433610",
    "51433702",
    "51433815",
    "51433920",
]
FREELANCER_POSTINGS = ["51434101", "51434222", "51434333"]
WHO_IS_HIRING = {
    "id": 51432810,
    "title": "Ask HN: Who is hiring? (November 2026)",
    "time": 1793635241,
    "kind": "who-is-hiring",
}


def response_for(url: str, body: bytes, request: scrapy.Request | None = None) -> TextResponse:
    return TextResponse(url=url, body=body, encoding="utf-8", request=request)


def item_response(item_id: int | str, root: Path = FIXTURES) -> TextResponse:
    url = f"https://hacker-news.firebaseio.com/v0/item/{item_id}.json"
    return response_for(url, (root / "v0" / "item" / f"{item_id}.json").read_bytes())


def replay(spider: HackerNewsSpider, root: Path = FIXTURES):
    """Run the spider's request chain against a directory; return (items, fetched URLs)."""

    async def start():
        return [request async for request in spider.start()]

    pending, items, fetched = asyncio.run(start()), [], []
    while pending:
        request = pending.pop(0)
        fetched.append(request.url)
        path = root / urlsplit(request.url).path.lstrip("/")
        body = path.read_bytes()
        callback = request.callback or spider.parse
        for output in callback(response_for(request.url, body, request), **request.cb_kwargs):
            (pending if isinstance(output, scrapy.Request) else items).append(output)
    return items, fetched


@pytest.fixture
def spider() -> HackerNewsSpider:
    return HackerNewsSpider()


@pytest.fixture
def crawled(spider):
    return replay(spider)


@pytest.fixture
def postings(crawled) -> dict[str, PostingItem]:
    items, _ = crawled
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


def test_the_latest_hiring_and_freelancer_threads_give_every_posting(crawled):
    items, _ = crawled
    assert sorted(item["source_posting_id"] for item in items) == sorted(
        HIRING_POSTINGS + FREELANCER_POSTINGS
    )
    assert all(isinstance(item, PostingItem) for item in items)


def test_story_scanning_stops_once_both_threads_are_found(crawled):
    _, fetched = crawled
    stories = [
        url
        for url in fetched
        if url.rsplit("/", 1)[-1]
        in ("51432810.json", "51432809.json", "51432808.json", "51012340.json")
    ]
    assert stories == [
        "https://hacker-news.firebaseio.com/v0/item/51432810.json",
        "https://hacker-news.firebaseio.com/v0/item/51432809.json",
    ]


def test_a_posting_carries_the_comment_fields(postings):
    posting = postings["51433012"]
    assert posting["source"] == "hackernews"
    assert posting["url"] == "https://news.ycombinator.com/item?id=51433012"
    assert posting["title"] == (
        "Northwind Data | Senior Python Engineer (Contract) | Remote (EU timezones)"
        " | Contract, 6 months | €80–95/hour"
    )
    assert posting["company"] == "Northwind Data"
    assert posting["location"] == "Remote (EU timezones)"
    assert posting["employment_type"] == "Contract, 6 months"
    assert posting["budget_text"] == "€80–95/hour"
    assert posting["posted_at"] == 1793635553
    assert posting["tags"] == ["who-is-hiring"]


def test_the_description_is_the_comment_html_as_given(postings):
    html = postings["51433012"]["description_html"]
    assert html.startswith("Northwind Data | Senior Python Engineer (Contract)")
    assert "<p>We build data pipelines" in html
    assert "Django &amp; Celery" in html
    assert "description_text" not in postings["51433012"]


def test_no_structured_pay_is_made_up(postings):
    for posting in postings.values():
        assert (
            posting["salary_min"],
            posting["salary_max"],
            posting["salary_currency"],
            posting["salary_period"],
        ) == (None, None, None, None)


def test_pay_in_the_body_is_taken_from_its_clause(postings):
    assert (
        postings["51433301"]["budget_text"]
        == "Rate: $110/hr, ~20 hrs/week for 3 months, likely to extend."
    )


def test_several_places_and_a_salary_range_stay_as_written(postings):
    posting = postings["51433120"]
    assert posting["location"] == "San Francisco, CA | ONSITE"
    assert posting["budget_text"] == "$170k-$210k + 0.5-1.0% equity"
    assert posting["employment_type"] == "Full-time"


def test_a_posting_without_pay_has_no_budget_text(postings):
    assert postings["51433702"]["budget_text"] is None


def test_a_header_without_pipes_is_the_title_and_names_no_company(postings):
    posting = postings["51433815"]
    assert posting["title"] == (
        "Orchard Health (YC W24) is hiring a DevOps engineer to own our AWS + "
        "Terraform setup. Remote within US/Canada."
    )
    assert posting["company"] is None
    assert posting["budget_text"] == "Salary range is $150k–$185k plus equity."


def test_deleted_dead_empty_and_null_comments_are_skipped_without_rejects(crawled):
    items, fetched = crawled
    ids = {item["source_posting_id"] for item in items}
    assert not {"51433455", "51433502", "51434000", "51434050"} & ids
    assert "https://hacker-news.firebaseio.com/v0/item/51434050.json" in fetched
    assert not [item for item in items if isinstance(item, RejectItem)]


def test_freelancer_thread_keeps_only_seeking_freelancer(postings):
    kept = [p for p in postings.values() if p["tags"] == ["freelancer"]]
    assert sorted(p["source_posting_id"] for p in kept) == FREELANCER_POSTINGS
    assert all(p["title"].startswith("SEEKING FREELANCER") for p in kept)
    assert all(p["company"] is None for p in kept)


def test_a_freelancer_posting_keeps_rate_and_place(postings):
    posting = postings["51434222"]
    assert posting["budget_text"] == "$90/hr"
    assert posting["location"] == "NYC or Remote (US)"


def test_the_payload_is_the_comment_and_its_thread(postings):
    payload = postings["51434333"]["payload"]
    assert payload["comment"] == json.loads(
        (FIXTURES / "v0" / "item" / "51434333.json").read_text()
    )
    assert payload["thread"] == {
        "id": 51432809,
        "time": 1793635241,
        "title": "Ask HN: Freelancer? Seeking freelancer? (November 2026)",
    }


def test_more_months_skip_who_wants_to_be_hired():
    items, fetched = replay(HackerNewsSpider(months=2))
    assert "https://hacker-news.firebaseio.com/v0/item/51432900.json" not in fetched
    ids = {item["source_posting_id"] for item in items}
    assert {"51013001", "51013101"} <= ids
    october = {item["source_posting_id"]: item for item in items}["51013001"]
    assert october["payload"]["thread"]["title"] == "Ask HN: Who is hiring? (October 2026)"


def test_the_number_of_inspected_stories_is_bounded():
    items, fetched = replay(HackerNewsSpider(max_stories=1))
    assert {item["tags"][0] for item in items} == {"who-is-hiring"}
    assert "https://hacker-news.firebaseio.com/v0/item/51432809.json" not in fetched


def test_a_server_answering_every_path_with_one_story_still_ends():
    story = (FIXTURES / "v0" / "item" / "51432810.json").read_bytes()
    user = json.loads((FIXTURES / "v0" / "user" / "whoishiring.json").read_text())
    # The user record first, then the same story body for every item request.
    spider = HackerNewsSpider()
    first = list(spider.parse(response_for(USER_URL, json.dumps(user).encode())))
    pending, requests = first, 0
    while pending:
        request = pending.pop(0)
        requests += 1
        assert requests < 100
        for output in request.callback(
            response_for(request.url, story, request), **request.cb_kwargs
        ):
            if isinstance(output, scrapy.Request):
                pending.append(output)
    kids = len(json.loads(story)["kids"])
    assert requests <= spider.max_stories + kids


def test_a_null_item_yields_nothing(spider):
    response = response_for("https://hacker-news.firebaseio.com/v0/item/1.json", b"null")
    assert list(spider.parse_comment(response, thread=WHO_IS_HIRING)) == []


def test_truncated_json_yields_exactly_one_reject(spider):
    body = (FIXTURES / "item_truncated.json").read_bytes()
    [reject] = spider.parse_comment(
        response_for("https://hacker-news.firebaseio.com/v0/item/51433120.json", body),
        thread=WHO_IS_HIRING,
    )
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "hackernews"
    assert reject["payload"] == body.decode("utf-8")
    assert reject["error"].startswith("response is not valid JSON")


def test_a_comment_that_is_not_an_object_is_rejected(spider):
    [reject] = spider.parse_comment(
        response_for("https://hacker-news.firebaseio.com/v0/item/2.json", b"[1, 2]"),
        thread=WHO_IS_HIRING,
    )
    assert reject["error"] == "comment is not a JSON object"


def test_a_comment_without_id_is_rejected(spider):
    body = b'{"by": "someone", "text": "Acme | Dev | REMOTE", "type": "comment", "time": 1}'
    [reject] = spider.parse_comment(
        response_for("https://hacker-news.firebaseio.com/v0/item/3.json", body),
        thread=WHO_IS_HIRING,
    )
    assert reject["error"] == "comment has no id"


def _posting_from(spider, text: str) -> PostingItem:
    body = json.dumps({"by": "someone", "id": 7, "text": text, "type": "comment", "time": 1})
    [posting] = spider.parse_comment(
        response_for("https://hacker-news.firebaseio.com/v0/item/7.json", body.encode()),
        thread=WHO_IS_HIRING,
    )
    return posting


def test_a_newline_ends_the_header_like_a_paragraph(spider):
    posting = _posting_from(
        spider,
        "Acme | Senior ML Engineer | REMOTE | Full-Time\nAcme builds tools. We pay well.",
    )
    assert posting["title"] == "Acme | Senior ML Engineer | REMOTE | Full-Time"
    assert posting["employment_type"] == "Full-Time"


def test_a_header_running_on_into_the_body_is_cut_at_its_first_sentence(spider):
    body = "We process petabytes of data every month. " * 20
    posting = _posting_from(spider, f"Acme | Engineers | REMOTE | Full-Time {body}")
    assert posting["title"] == (
        "Acme | Engineers | REMOTE | Full-Time We process petabytes of data every month."
    )
    assert posting["description_html"].endswith(body)


def test_an_unbroken_header_without_a_sentence_end_is_cut_at_a_word(spider):
    posting = _posting_from(spider, "Acme | " + "word " * 200)
    assert len(posting["title"]) <= 301 and posting["title"].endswith("word…")


def test_a_user_record_without_submissions_is_rejected(spider):
    [reject] = spider.parse(response_for(USER_URL, b'{"id": "whoishiring", "karma": 1}'))
    assert reject["error"] == "user record has no submitted list"


def test_the_demo_threads_parse_without_rejects():
    """The demo replays real threads (README.md beside them) with its own spider arguments."""
    arguments = json.loads((DEMO / "spider_args.json").read_text())
    items, _ = replay(HackerNewsSpider(**arguments), root=DEMO)
    assert all(isinstance(item, PostingItem) for item in items)
    months = {item["payload"]["thread"]["title"] for item in items}
    assert len(months) == int(arguments["months"]) >= 3
    assert len(items) > 1000


# -- end to end: `midtier crawl hackernews` against a loopback copy of the API ---------------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("hackernews", base_url)


def test_crawl_loads_every_posting_and_a_second_crawl_adds_none(db):
    expected = set(HIRING_POSTINGS + FREELANCER_POSTINGS)
    with serve_directory(FIXTURES) as base_url:
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
