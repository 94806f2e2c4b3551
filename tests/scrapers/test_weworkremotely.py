"""WeWorkRemotelySpider on recorded WWR RSS feeds (tests/scrapers/fixtures/weworkremotely/)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.weworkremotely import CATEGORY_SLUGS, WeWorkRemotelySpider
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "weworkremotely"
DEMO = Path(__file__).parents[2] / "midtier" / "demo_data" / "weworkremotely"
MAIN_FEED = "https://weworkremotely.com/remote-jobs.rss"
BACK_END_FEED = "https://weworkremotely.com/categories/remote-back-end-programming-jobs.rss"
RSS = b"application/rss+xml; charset=utf-8"


def recorded(name: str, url: str = MAIN_FEED, content_type: bytes = RSS) -> XmlResponse:
    return XmlResponse(
        url=url, body=(FIXTURES / name).read_bytes(), headers={"Content-Type": content_type}
    )


def postings_of(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


@pytest.fixture
def spider() -> WeWorkRemotelySpider:
    return WeWorkRemotelySpider()


@pytest.fixture
def items(spider) -> list:
    return list(spider.parse(recorded("remote-jobs.rss")))


@pytest.fixture
def postings(items) -> dict[str, PostingItem]:
    return postings_of(items)


def test_start_urls_are_the_main_feed_and_the_category_feeds():
    assert WeWorkRemotelySpider.start_urls == [
        MAIN_FEED,
        *(f"https://weworkremotely.com/categories/{slug}.rss" for slug in CATEGORY_SLUGS),
    ]
    assert "remote-back-end-programming-jobs" in CATEGORY_SLUGS


def test_requests_keep_real_paths_under_a_base_url():
    spider = WeWorkRemotelySpider(base_url="http://127.0.0.1:8765")

    async def collect():
        return [request async for request in spider.start()]

    [first, *rest] = asyncio.run(collect())
    assert first.url == "http://127.0.0.1:8765/remote-jobs.rss"
    assert first.meta["feed_url"] == MAIN_FEED
    assert rest[2].url == "http://127.0.0.1:8765/categories/remote-front-end-programming-jobs.rss"


def test_every_item_becomes_one_posting_keyed_by_its_slug(items):
    assert [item["source_posting_id"] for item in items] == [
        "lemon-io-senior-angular-full-stack-developer",
        "acme-robotics-staff-engineer-platform",
        "remote-laravel-developer",
        "zurich-data-ag-data-engineer",
    ]
    assert all(isinstance(item, PostingItem) for item in items)


def test_a_posting_carries_the_item_fields(postings):
    posting = postings["lemon-io-senior-angular-full-stack-developer"]
    assert posting["source"] == "weworkremotely"
    assert posting["url"] == (
        "https://weworkremotely.com/remote-jobs/lemon-io-senior-angular-full-stack-developer"
    )
    assert posting["company"] == "Lemon.io"
    assert posting["title"] == "Senior Angular Full-stack Developer"
    assert posting["location"] == "Anywhere in the World"
    assert posting["employment_type"] == "Full-Time"
    assert posting["posted_at"] == "2026-10-06T13:25:57+00:00"
    assert posting["apply_url"] is None


def test_no_pay_is_made_up(postings):
    for posting in postings.values():
        assert posting["budget_text"] is None
        assert (posting["salary_min"], posting["salary_max"]) == (None, None)
        assert (posting["salary_currency"], posting["salary_period"]) == (None, None)


def test_the_title_is_split_at_the_first_colon_only(postings):
    posting = postings["acme-robotics-staff-engineer-platform"]
    assert posting["company"] == "Acme Robotics"
    assert posting["title"] == "Staff Engineer: Platform"
    assert posting["payload"]["title"] == "Acme Robotics: Staff Engineer: Platform"


def test_a_title_without_a_company_is_kept_whole(postings):
    posting = postings["remote-laravel-developer"]
    assert posting["company"] is None
    assert posting["title"] == "Remote Laravel Developer"


def test_category_and_skills_become_tags(postings):
    assert postings["lemon-io-senior-angular-full-stack-developer"]["tags"] == [
        "Full-Stack Programming",
        "AngularJS",
        "AWS",
        "Node.js",
        "TypeScript",
    ]


def test_skills_without_commas_stay_one_tag(postings):
    assert postings["acme-robotics-staff-engineer-platform"]["tags"] == [
        "Back-End Programming",
        "Go and Rust",
    ]


def test_missing_fields_become_none(postings):
    posting = postings["zurich-data-ag-data-engineer"]
    assert posting["employment_type"] is None
    assert posting["posted_at"] is None
    assert posting["tags"] == []
    assert posting["url"] == "https://weworkremotely.com/remote-jobs/zurich-data-ag-data-engineer"


def test_the_country_is_the_location_when_the_region_is_missing(postings):
    location = postings["zurich-data-ag-data-engineer"]["location"]
    assert location == "\U0001f1e8\U0001f1ed Switzerland"


def test_the_description_is_kept_as_html(postings):
    html = postings["lemon-io-senior-angular-full-stack-developer"]["description_html"]
    assert html.startswith('<img src="https://wwr-pro.s3.amazonaws.com/logos/0086/7982/logo.gif"')
    assert "<div>Build Angular &amp; Node.js products for funded startups.</div>" in html
    assert all("description_text" not in posting for posting in postings.values())


def test_cdata_and_emoji_are_kept_as_written(postings):
    posting = postings["zurich-data-ag-data-engineer"]
    assert posting["company"] == "Z\u00fcrich Data AG"
    assert posting["title"] == "Data Engineer \U0001f980"
    assert posting["description_html"] == (
        "<p>We\u2019re hiring a <em>data engineer</em> \u2014 Rust &amp; Python.</p>"
    )


def test_the_payload_is_the_whole_item_as_plain_data(postings):
    payload = postings["lemon-io-senior-angular-full-stack-developer"]["payload"]
    assert payload["region"] == "Anywhere in the World"
    assert payload["skills"] == "AngularJS, AWS, Node.js, and TypeScript"
    assert payload["expires_at"] == "Thu, 05 Nov 2026 13:25:57 +0000"
    assert payload["media_content"] == [
        {"url": "https://wwr-pro.s3.amazonaws.com/logos/0086/7982/logo.gif", "type": "image/png"}
    ]
    assert payload["published"] == "Tue, 06 Oct 2026 13:25:57 +0000"
    assert not [key for key in payload if key.endswith("_parsed")]
    json.dumps(payload)


def test_an_item_without_guid_or_link_is_rejected_and_the_rest_go_on(spider):
    items = list(spider.parse(recorded("remote-jobs_item_without_id.rss")))
    [reject] = [item for item in items if isinstance(item, RejectItem)]
    assert reject["error"] == "item has neither a guid nor a link"
    assert reject["payload"]["title"] == "Orphan Co: Posting without a guid or link"
    assert list(postings_of(items)) == ["lemon-io-senior-angular-full-stack-developer"]


def test_a_job_listed_in_several_feeds_is_yielded_once(spider, items):
    later = list(
        spider.parse(recorded("categories/remote-back-end-programming-jobs.rss", url=BACK_END_FEED))
    )
    assert [item["source_posting_id"] for item in later] == [
        "northwind-data-backend-engineer-python",
    ]


def test_the_same_job_has_the_same_payload_in_every_feed(postings):
    other = postings_of(
        WeWorkRemotelySpider().parse(
            recorded("categories/remote-back-end-programming-jobs.rss", url=BACK_END_FEED)
        )
    )
    slug = "acme-robotics-staff-engineer-platform"
    assert other[slug]["payload"] == postings[slug]["payload"]


def test_an_empty_feed_yields_nothing(spider):
    assert list(spider.parse(recorded("categories/empty.rss"))) == []


def test_a_truncated_feed_yields_exactly_one_reject(spider):
    [reject] = spider.parse(recorded("remote-jobs_truncated.rss"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "weworkremotely"
    assert reject["url"] == MAIN_FEED
    assert reject["payload"] == (FIXTURES / "remote-jobs_truncated.rss").read_text(encoding="utf-8")
    assert reject["error"].startswith("feed is truncated and no complete entry could be read")


def test_an_html_page_instead_of_the_feed_yields_one_reject(spider):
    response = HtmlResponse(
        url=MAIN_FEED,
        body=(FIXTURES / "cloudflare.html").read_bytes(),
        headers={"Content-Type": b"text/html; charset=UTF-8"},
    )
    [reject] = spider.parse(response)
    assert isinstance(reject, RejectItem)
    assert reject["error"].startswith(
        "response is not an RSS or Atom feed (Content-Type: text/html; charset=UTF-8)"
    )
    assert "Just a moment..." in reject["payload"]


def test_the_demo_feeds_hold_overlapping_jobs_and_parse_without_rejects():
    spider = WeWorkRemotelySpider()
    items, listed = [], 0
    for url in spider.start_urls:
        path = DEMO / url.removeprefix("https://weworkremotely.com/")
        listed += path.read_text(encoding="utf-8").count("<item>")
        items += spider.parse(
            XmlResponse(url=url, body=path.read_bytes(), headers={"Content-Type": RSS})
        )
    assert all(isinstance(item, PostingItem) for item in items)
    assert 8 <= len(items) <= 20
    assert listed > len(items)  # jobs are listed in more than one feed
    assert len({item["source_posting_id"] for item in items}) == len(items)


# -- end to end: `midtier crawl weworkremotely --base-url` -> raw tables ----------------------


def _site(root: Path) -> Path:
    """The fixtures at WWR's real paths; category feeds without a recording are empty."""
    shutil.copy(FIXTURES / "remote-jobs.rss", root / "remote-jobs.rss")
    (root / "categories").mkdir()
    for slug in CATEGORY_SLUGS:
        recording = FIXTURES / "categories" / f"{slug}.rss"
        shutil.copy(
            recording if recording.exists() else FIXTURES / "categories" / "empty.rss",
            root / "categories" / f"{slug}.rss",
        )
    return root


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("weworkremotely", base_url)


def test_crawl_command_loads_each_job_once_and_a_second_crawl_adds_nothing(db, tmp_path):
    expected = {
        "lemon-io-senior-angular-full-stack-developer",
        "acme-robotics-staff-engineer-platform",
        "remote-laravel-developer",
        "zurich-data-ag-data-engineer",
        "northwind-data-backend-engineer-python",
    }
    with serve_directory(_site(tmp_path)) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        ids = {
            row[0]
            for row in _rows(
                db, "select source_posting_id from raw.postings where source = 'weworkremotely'"
            )
        }
        assert ids == expected
        assert _rows(
            db,
            "select status, items_seen, items_new, items_rejected, http_errors, "
            "base_url from raw.crawl_runs",
        ) == [("succeeded", 5, 5, 0, 0, base_url)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(5,)]
    assert _rows(
        db,
        "select status, items_new, items_unchanged from raw.crawl_runs "
        "order by started_at desc limit 1",
    ) == [("succeeded", 0, 5)]
