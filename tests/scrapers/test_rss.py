"""RssSpider on recorded RSS 2.0 and Atom feeds (tests/scrapers/fixtures/rss/)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

from midtier.demo_server import serve_directory
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.rss import ConfiguredFeed, RssSpider, read_feeds_file
from tests.scrapers.crawling import crawl
from tests.scrapers.crawling import rows as _rows

FIXTURES = Path(__file__).parent / "fixtures" / "rss"
PROJECT = Path(__file__).parents[2]
DEMO = PROJECT / "midtier" / "demo_data" / "rss"
UPWORK_FEED = (
    "https://www.upwork.com/ab/feed/jobs/rss?q=python&sort=recency&paging=0%3B10&api_params=1"
)
ATOM_FEED = "https://contract-board.example/jobs.atom"
BOARD_FEED = "https://jobs.example.org/?feed=job_feed"
RSS = b"application/rss+xml; charset=utf-8"
ATOM = b"application/atom+xml; charset=utf-8"


def job_url(slug: str) -> str:
    return f"https://www.upwork.com/jobs/{slug}?source=rss"


DJANGO = job_url("Django-REST-API-developer-for-marketplace-MVP_%7E01a3f2c9d8e7b6a501")
SHEETS = job_url("Python-scripts-for-Google-Sheets-automation_%7E0177b0e4c2d1a9f802")
ODOO = job_url("Odoo-developer-for-custom-module_%7E01c5d6e7f8a9b0c103")
WOO = job_url("WooCommerce-plugin-subscription-discounts_%7E01d4e5f6a7b8c9d004")


def recorded(
    name: str, url: str = UPWORK_FEED, content_type: bytes = RSS, fetched_from: str | None = None
) -> XmlResponse:
    """A recorded feed as the response to a request for ``url`` (fetched at ``fetched_from``)."""
    request = Request(fetched_from or url, meta={"feed_url": url})
    return XmlResponse(
        url=fetched_from or url,
        body=(FIXTURES / name).read_bytes(),
        headers={"Content-Type": content_type},
        request=request,
    )


def postings_of(items) -> dict[str, PostingItem]:
    return {item["source_posting_id"]: item for item in items if isinstance(item, PostingItem)}


@pytest.fixture
def spider() -> RssSpider:
    return RssSpider(feeds_file=str(FIXTURES / "feeds.toml"))


@pytest.fixture
def upwork(spider) -> dict[str, PostingItem]:
    return postings_of(spider.parse(recorded("upwork.rss")))


@pytest.fixture
def atom_items(spider) -> list:
    return list(spider.parse(recorded("board.atom", url=ATOM_FEED, content_type=ATOM)))


@pytest.fixture
def atom(atom_items) -> dict[str, PostingItem]:
    return postings_of(atom_items)


# -- which feeds ----------------------------------------------------------------------------


def test_the_feeds_file_lists_url_name_and_republishing():
    assert read_feeds_file(FIXTURES / "feeds.toml") == [
        ConfiguredFeed(url=UPWORK_FEED, name="Upwork saved search: python"),
        ConfiguredFeed(url=ATOM_FEED, name="Contract Board", allows_republishing=True),
    ]


def test_start_urls_are_the_configured_feeds(spider):
    assert spider.start_urls == [UPWORK_FEED, ATOM_FEED]


def test_a_url_argument_crawls_that_one_feed():
    spider = RssSpider(url=ATOM_FEED, feeds_file=str(FIXTURES / "feeds.toml"))
    assert spider.start_urls == [ATOM_FEED]


def test_the_shipped_feeds_file_has_examples_only():
    assert read_feeds_file(PROJECT / "midtier" / "feeds.toml") == []


def test_a_missing_default_feeds_file_means_no_feeds(tmp_path):
    assert read_feeds_file(tmp_path / "feeds.toml", required=False) == []


def test_a_missing_named_feeds_file_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        RssSpider(feeds_file=str(tmp_path / "nowhere.toml"))


@pytest.mark.parametrize(
    "content, message",
    [
        ('[[feeds]]\nname = "no url"\n', "needs a url"),
        ('[[feeds]]\nurl = "ftp://example.org/feed"\n', "must be an http"),
        (
            '[[feeds]]\nurl = "https://example.org/feed"\nallows_republishing = "yes"\n',
            "true or false",
        ),
        ("[[feeds]\n", "not valid TOML"),
    ],
)
def test_a_bad_feeds_file_is_an_error(tmp_path, content, message):
    path = tmp_path / "feeds.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_feeds_file(path)


def test_requests_keep_each_feeds_real_path_and_query_under_a_base_url():
    spider = RssSpider(feeds_file=str(FIXTURES / "feeds.toml"), base_url="http://127.0.0.1:8765")

    async def collect():
        return [request async for request in spider.start()]

    upwork, atom = asyncio.run(collect())
    assert upwork.url == (
        "http://127.0.0.1:8765/ab/feed/jobs/rss?q=python&sort=recency&paging=0%3B10&api_params=1"
    )
    assert upwork.meta["feed_url"] == UPWORK_FEED
    assert (atom.url, atom.meta["feed_url"]) == ("http://127.0.0.1:8765/jobs.atom", ATOM_FEED)


# -- Upwork-style saved-search feeds --------------------------------------------------------


def test_every_upwork_item_becomes_one_posting_keyed_by_its_guid(upwork):
    assert list(upwork) == [DJANGO, SHEETS, ODOO, WOO]


def test_an_upwork_posting_carries_the_item_fields(upwork):
    posting = upwork[DJANGO]
    assert posting["source"] == "rss"
    assert posting["url"] == DJANGO
    assert posting["title"] == "Django REST API developer for marketplace MVP - Upwork"
    assert posting["company"] is None
    assert posting["posted_at"] == "2026-11-20T14:05:31+00:00"
    assert posting["description_html"].startswith("We need a Django developer")


def test_a_fixed_budget_line_is_the_budget_text(upwork):
    assert upwork[DJANGO]["budget_text"] == "Budget: $1,500"


def test_an_hourly_range_line_is_the_budget_text(upwork):
    assert upwork[SHEETS]["budget_text"] == "Hourly Range: $35.00-$60.00"


def test_no_pay_line_means_no_budget_text(upwork):
    assert upwork[ODOO]["budget_text"] is None
    assert all(posting["salary_min"] is None for posting in upwork.values())


def test_the_feeds_own_pay_line_wins_over_one_in_the_clients_text(upwork):
    assert upwork[WOO]["budget_text"] == "Budget: $800"


def test_skills_become_tags(upwork):
    assert upwork[DJANGO]["tags"] == ["Django", "Python", "API", "PostgreSQL"]
    assert upwork[ODOO]["tags"] == []


def test_the_country_line_is_the_location(upwork):
    assert upwork[SHEETS]["location"] == "United Kingdom"


def test_the_labelled_lines_are_kept_in_the_payload(upwork):
    assert upwork[SHEETS]["payload"]["description_fields"] == {
        "Hourly Range": "$35.00-$60.00",
        "Posted On": "November 20, 2026 13:48 UTC",
        "Category": "Scripts & Utilities",
        "Skills": "Python,     Google Sheets,     Automation",
        "Country": "United Kingdom",
    }
    assert upwork[WOO]["payload"]["description_fields"]["Location Requirement"] == (
        "Only freelancers located in the United States may apply."
    )


def test_the_payload_is_the_entry_with_the_feed_it_came_from(upwork):
    payload = upwork[DJANGO]["payload"]
    assert payload["feed_url"] == UPWORK_FEED
    assert payload["feed_title"] == "All jobs | upwork.com"
    assert payload["feed_allows_republishing"] is False
    assert payload["entry"]["id"] == DJANGO
    assert payload["entry"]["published"] == "Fri, 20 Nov 2026 14:05:31 +0000"
    assert not [key for key in payload["entry"] if key.endswith("_parsed")]
    json.dumps(payload)


# -- Atom and other feeds -------------------------------------------------------------------


def test_atom_html_content_is_the_description_html(atom):
    posting = atom["tag:contract-board.example,2005:Job/4821"]
    assert posting["description_html"] == (
        "<p>Paybridge needs a Go developer for a 3-month contract.</p>"
        "<p>Rate: €600–€700 per day.</p>"
    )
    assert "description_text" not in posting
    assert posting["tags"] == ["Go", "Contract"]
    assert posting["budget_text"] is None  # pay in free text is left to dbt


def test_atom_published_is_the_posted_at_and_updated_the_fallback(atom):
    with_published = atom["tag:contract-board.example,2005:Job/4821"]
    updated_only = atom["tag:contract-board.example,2005:Job/4817"]
    assert with_published["posted_at"] == "2026-11-20T16:00:00Z"
    assert updated_only["posted_at"] == "2026-11-19T09:15:00+01:00"


def test_a_plain_text_summary_is_the_description_text(atom):
    posting = atom["tag:contract-board.example,2005:Job/4817"]
    assert posting["description_html"] is None
    assert posting["description_text"] == (
        "Freelance technical writer for our REST API docs. £300 per day, about 10 days."
    )


def test_relative_links_resolve_against_the_real_feed_url(spider):
    response = recorded(
        "board.atom",
        url=ATOM_FEED,
        content_type=ATOM,
        fetched_from="http://127.0.0.1:8765/jobs.atom",
    )
    posting = postings_of(spider.parse(response))["tag:contract-board.example,2005:Job/4817"]
    assert posting["url"] == "https://contract-board.example/jobs/4817-technical-writer"


def test_an_entry_without_id_or_link_is_keyed_by_a_hash_of_its_title(atom):
    [hashed] = [key for key in atom if "#sha256:" in key]
    assert hashed.startswith(f"{ATOM_FEED}#sha256:")
    assert atom[hashed]["title"] == "Entry with only a title"


def test_an_entry_with_nothing_to_identify_it_is_rejected(atom_items):
    [reject] = [item for item in atom_items if isinstance(item, RejectItem)]
    assert reject["error"] == "entry has no id, link or title"
    assert reject["payload"]["summary"] == "<p>Nothing to identify me by.</p>"
    assert len(atom_items) == 4


def test_a_guid_that_is_not_a_uri_is_qualified_by_its_feed(spider):
    postings = postings_of(spider.parse(recorded("jobs.rss", url=BOARD_FEED)))
    assert list(postings) == [f"{BOARD_FEED}#4471", f"{BOARD_FEED}#4470"]


def test_wordpress_job_manager_fields_fill_company_location_and_type(spider):
    posting = postings_of(spider.parse(recorded("jobs.rss", url=BOARD_FEED)))[f"{BOARD_FEED}#4471"]
    assert posting["company"] == "Brightlane"
    assert posting["location"] == "Worldwide"
    assert posting["employment_type"] == "Contract"
    assert posting["description_html"] == (
        "<p>Maintain our Laravel apps. $50/hour, 20 hours a week.</p>"
    )


def test_the_configured_republishing_flag_is_in_the_payload(atom):
    assert all(posting["payload"]["feed_allows_republishing"] for posting in atom.values())


def test_an_entry_in_two_feeds_is_yielded_once(spider, upwork):
    again = list(spider.parse(recorded("upwork.rss", url=ATOM_FEED)))
    assert again == []


# -- broken responses -----------------------------------------------------------------------


def test_a_flagged_feed_that_still_has_entries_keeps_them(spider):
    items = list(spider.parse(recorded("jobs_unescaped_ampersand.rss", url=BOARD_FEED)))
    assert all(isinstance(item, PostingItem) for item in items)
    assert [item["title"] for item in items] == [
        "Laravel Developer (Contract)",
        "Data Analyst & Reporting Specialist",
    ]


def test_a_feed_served_with_a_json_content_type_is_still_read(spider):
    items = list(spider.parse(recorded("upwork.rss", content_type=b"application/json")))
    assert len(items) == 4 and all(isinstance(item, PostingItem) for item in items)


def test_a_feed_truncated_before_its_first_entry_ends_yields_one_reject(spider):
    [reject] = spider.parse(recorded("upwork_truncated.rss"))
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "rss"
    assert reject["url"] == UPWORK_FEED
    assert reject["payload"] == (FIXTURES / "upwork_truncated.rss").read_text(encoding="utf-8")
    assert reject["error"].startswith("feed is truncated and no complete entry could be read")


def test_a_truncated_feed_keeps_its_complete_entries_and_rejects_the_body(spider):
    items = list(spider.parse(recorded("upwork_cut_in_third_item.rss")))
    assert list(postings_of(items)) == [DJANGO, SHEETS]
    [reject] = [item for item in items if isinstance(item, RejectItem)]
    assert reject["error"].startswith("feed is truncated (SAXParseException")
    assert reject["error"].endswith("kept its 2 complete entries")
    assert reject["payload"].endswith("add a custom")


def test_an_html_page_instead_of_a_feed_yields_one_reject(spider):
    response = HtmlResponse(
        url=UPWORK_FEED,
        body=(FIXTURES / "page.html").read_bytes(),
        headers={"Content-Type": b"text/html; charset=utf-8"},
    )
    [reject] = spider.parse(response)
    assert isinstance(reject, RejectItem)
    assert reject["error"].startswith(
        "response is not an RSS or Atom feed (Content-Type: text/html; charset=utf-8)"
    )
    assert "<h1>Latest jobs</h1>" in reject["payload"]


def test_an_empty_body_yields_one_reject(spider):
    [reject] = spider.parse(TextResponse(url=UPWORK_FEED, body=b"", encoding="utf-8"))
    assert reject["error"].startswith("response is not an RSS or Atom feed (Content-Type: none)")


# -- demo data ------------------------------------------------------------------------------


def test_the_offline_demo_points_the_spider_at_the_demo_feeds_file():
    args = json.loads((DEMO / "spider_args.json").read_text(encoding="utf-8"))
    assert (PROJECT / args["feeds_file"]).resolve() == (DEMO / "feeds.toml").resolve()


def test_every_demo_feed_is_recorded_at_its_real_path_and_parses_without_rejects():
    spider = RssSpider(feeds_file=str(DEMO / "feeds.toml"))
    items = []
    for url in spider.start_urls:
        recording = DEMO / urlsplit(url).path.lstrip("/")
        request = Request(url, meta={"feed_url": url})
        items += spider.parse(
            XmlResponse(
                url=url, body=recording.read_bytes(), request=request, headers={"Content-Type": RSS}
            )
        )
    assert all(isinstance(item, PostingItem) for item in items)
    assert 8 <= len(items) <= 20
    budgets = [item["budget_text"] or "" for item in items]
    assert any(budget.startswith("Hourly Range: ") for budget in budgets)
    assert any(budget.startswith("Budget: ") for budget in budgets)


# -- end to end: `midtier crawl rss --url URL --base-url` -> raw tables ---------------------


def _crawl(base_url: str) -> subprocess.CompletedProcess:
    return crawl("rss", base_url, "--url", UPWORK_FEED)


def test_crawl_command_loads_every_entry_and_a_second_crawl_adds_nothing(db, tmp_path):
    (tmp_path / "ab" / "feed" / "jobs").mkdir(parents=True)
    shutil.copy(FIXTURES / "upwork.rss", tmp_path / "ab" / "feed" / "jobs" / "rss")
    with serve_directory(tmp_path) as base_url:
        first = _crawl(base_url)
        assert first.returncode == 0, first.stderr
        assert _rows(
            db,
            "select source_posting_id, budget_text from raw.postings "
            "where source = 'rss' order by source_posting_id",
        ) == sorted(
            [
                (DJANGO, "Budget: $1,500"),
                (SHEETS, "Hourly Range: $35.00-$60.00"),
                (ODOO, None),
                (WOO, "Budget: $800"),
            ]
        )
        assert _rows(
            db, "select status, items_seen, items_new, items_rejected, base_url from raw.crawl_runs"
        ) == [("succeeded", 4, 4, 0, base_url)]

        second = _crawl(base_url)
    assert second.returncode == 0, second.stderr
    assert _rows(db, "select count(*) from raw.postings") == [(4,)]
    assert _rows(
        db, "select items_new, items_unchanged from raw.crawl_runs order by started_at desc limit 1"
    ) == [(0, 4)]
