"""Newsletter exports from a small ``marts.fct_postings`` in a database of its own."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from midtier import database, exports, posting_display, taxonomy
from tests.dashboards.conftest import mart_sql

OPEN_UNFLAGGED = ["remoteok:1001", "weworkremotely:react-7", "remoteok:1002", "weworkremotely:go-9"]


@pytest.fixture(scope="module")
def mart_url(make_database) -> str:
    # One more open, unflagged posting, from a source whose terms forbid re-publishing.
    forbidden = """
        insert into marts.fct_postings (posting_id, source, source_posting_id, url, title,
            is_flagged, first_seen_at, last_seen_at, source_name, source_attribution,
            is_republishable, is_publishable)
        values ('weworkremotely:no-repost', 'weworkremotely', 'no-repost',
            'https://weworkremotely.com/remote-jobs/no-repost', 'Not for re-publishing', false,
            now(), now(), 'We Work Remotely', 'via We Work Remotely', false, false);
    """
    url = make_database("exports_test", mart_sql() + forbidden)
    database.apply_schema(url)  # the editors' picks the digest reads
    return url


def test_sources_whose_terms_forbid_republishing_are_left_out(exported):
    assert b"no-repost" not in exported["postings.rss"].read_bytes()
    assert "no-repost" not in exported["postings.csv"].read_text()


@pytest.fixture
def exported(mart_url, monkeypatch, tmp_path) -> dict[str, Path]:
    monkeypatch.setenv("DATABASE_URL", mart_url)
    # the digest's week: up to the day after the fixture's newest posting
    return {path.name: path for path in exports.export(tmp_path / "exports", as_of=AS_OF)}


AS_OF = datetime(2025, 6, 6, tzinfo=UTC)


TOP_LEVEL = [
    "digest.html",
    "digest.md",
    "postings.atom",
    "postings.csv",
    "postings.json",
    "postings.rss",
]


def written(out_dir: Path) -> list[str]:
    return sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob("*") if path.is_file())


def test_writes_every_format_and_a_feed_pair_per_skill_category(exported, tmp_path):
    categories = taxonomy.categories()
    assert "language" in categories and "framework" in categories
    expected = TOP_LEVEL + [
        f"feeds/{category}.{kind}" for category in categories for kind in ("atom", "rss")
    ]
    assert written(tmp_path / "exports") == sorted(expected)  # and no temporary files left over


def test_one_posting_per_duplicate_group(exported):
    rss = exported["postings.rss"].read_text()
    assert "himalayas:py-1001" not in rss and "Senior Python Data Engineer (Airflow)" not in rss


def test_rss_parses_and_links_back_to_the_sources(exported):
    feed = feedparser.parse(exported["postings.rss"].read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert [entry.id for entry in feed.entries] == OPEN_UNFLAGGED
    first = feed.entries[0]
    assert first.title == "Senior Python Data Engineer"
    assert first.link == "https://remoteok.com/remote-jobs/1001"
    assert "via remoteok" in first.summary
    assert "60–90 USD / hour" in first.summary
    assert [tag.term for tag in first.tags] == ["python", "sql", "airflow"]
    assert first.published == "Tue, 03 Jun 2025 09:00:00 +0000"
    assert "400–500 EUR / day (≈ $54–$67.50 / hour)" in feed.entries[1].summary


def test_flagged_and_closed_postings_are_left_out(exported):
    rss = exported["postings.rss"].read_text()
    assert "Crypto Wallet Recovery Expert" not in rss
    assert "Legacy PHP Maintenance" not in rss


def test_scraped_html_stays_text(exported):
    rss = exported["postings.rss"].read_text()
    # Escaped twice: once as text inside the item's HTML, once by XML.
    assert "<script" not in rss and "&lt;script" not in rss and "&lt;img" not in rss
    assert "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in rss
    entry = feedparser.parse(rss).entries[2]
    assert "<script" not in entry.summary and "<img" not in entry.summary
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in entry.summary
    )


def test_same_data_gives_byte_identical_files(mart_url, tmp_path):
    first = exports.export(tmp_path / "first", mart_url)
    second = exports.export(tmp_path / "second", mart_url)
    assert len(first) > 20
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    # The build date is the newest change in the data, not the time of the run.
    assert "<lastBuildDate>Thu, 05 Jun 2025 10:00:00 +0000</lastBuildDate>" in first[0].read_text()


def test_atom_parses_and_links_back_to_the_sources(exported):
    feed = feedparser.parse(exported["postings.atom"].read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [entry.id for entry in feed.entries] == [
        f"urn:midtier:posting:{pid}" for pid in OPEN_UNFLAGGED
    ]
    for entry in feed.entries:
        assert entry.link.startswith("https://")
        assert "via " in entry.summary and f'href="{entry.link}"' in entry.summary
    assert feed.feed.updated == "2025-06-05T10:00:00+00:00"  # from the data, not the clock


def test_every_feed_item_carries_attribution_and_a_link_back(exported):
    for name in ("postings.rss", "postings.atom"):
        for entry in feedparser.parse(exported[name].read_bytes()).entries:
            assert entry.link in entry.summary
            assert "Original posting on" in entry.summary and "via " in entry.summary


def test_category_feeds_hold_postings_with_a_skill_of_that_category(exported):
    out_dir = exported["postings.rss"].parent / "feeds"
    for kind, version in (("rss", "rss20"), ("atom", "atom10")):
        frameworks = feedparser.parse((out_dir / f"framework.{kind}").read_bytes())
        assert not frameworks.bozo and frameworks.version == version
        assert "(Framework)" in frameworks.feed.title
        # react (React), django (Django) are frameworks; the Go and data posting are not.
        assert [entry.title for entry in frameworks.entries] == [
            "React Frontend Contractor",
            "Django API Developer",
        ]
        blockchain = feedparser.parse((out_dir / f"blockchain.{kind}").read_bytes())
        assert not blockchain.bozo and blockchain.entries == []


def test_scraped_html_is_inert_in_atom_and_category_feeds(exported):
    out_dir = exported["postings.rss"].parent
    for path in [out_dir / "postings.atom", *sorted((out_dir / "feeds").iterdir())]:
        text = path.read_text()
        assert "<script" not in text and "&lt;script" not in text and "&lt;img" not in text, path
        for entry in feedparser.parse(text).entries:
            assert "<script" not in entry.summary and "<img" not in entry.summary


def test_html_digest_escapes_and_sanitises_scraped_text(exported):
    page = exported["digest.html"].read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert (
        "<script" not in page
        and "<img" not in page
        and "onerror=" not in page.replace("onerror=alert(1)&gt;", "")
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<style" not in page and 'style="' in page  # inline CSS only
    # Every posting links back and carries its attribution.
    for _posting_id, url in (
        ("remoteok:1001", "https://remoteok.com/remote-jobs/1001"),
        ("weworkremotely:go-9", "https://weworkremotely.com/jobs/go-9"),
    ):
        assert f'href="{url}"' in page
    assert page.count("original posting on") == len(OPEN_UNFLAGGED)
    assert "Crypto Wallet Recovery Expert" not in page and "Legacy PHP Maintenance" not in page


def test_html_digest_keeps_no_unsafe_links(mart_url):
    posting = {
        "posting_id": "x",
        "title": "Click",
        "url": "javascript:alert(1)",
        "source": "rss",
        "description_text": '<a href="javascript:alert(1)">x</a>',
        "skills": [],
    }
    from midtier import digest

    page = digest.digest_html([posting])
    assert "javascript:" not in page.replace('&lt;a href="javascript:alert(1)"&gt;', "")


def test_markdown_digest_escapes_scraped_text(exported):
    text = exported["digest.md"].read_text()
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in text
    assert "[Senior Python Data Engineer](https://remoteok.com/remote-jobs/1001)" in text
    assert "[original posting on remoteok](https://remoteok.com/remote-jobs/1001)" in text
    assert text.count("original posting on") == len(OPEN_UNFLAGGED)


def test_csv_has_stable_columns_and_rows(exported):
    reader = csv.DictReader(io.StringIO(exported["postings.csv"].read_text()))
    assert tuple(reader.fieldnames) == exports.CSV_COLUMNS
    rows = list(reader)
    assert [row["posting_id"] for row in rows] == OPEN_UNFLAGGED
    first = rows[0]
    assert first["url"] == "https://remoteok.com/remote-jobs/1001"
    assert first["source"] == "remoteok"
    assert first["posted_at"] == "2025-06-03T09:00:00+00:00"
    assert (first["budget_min"], first["budget_max"], first["budget_currency"]) == (
        "60.00",
        "90.00",
        "USD",
    )
    assert (first["hourly_usd_min"], first["hourly_usd_max"]) == ("60.00", "90.00")
    assert first["skills"] == "python; sql; airflow"
    assert first["legitimacy_reasons"] == "company named; budget stated"
    assert first["is_flagged"] == "false" and first["closed_at"] == ""
    assert rows[2]["fixed_usd_max"] == "3000.00" and rows[2]["hourly_usd_min"] == ""


def test_json_keeps_lists_and_descriptions(exported):
    rows = json.loads(exported["postings.json"].read_text())
    assert [row["posting_id"] for row in rows] == OPEN_UNFLAGGED
    assert rows[0]["skills"] == ["python", "sql", "airflow"]
    assert rows[0]["hourly_usd_mid"] == 75.0
    assert rows[2]["description_text"].startswith("<script>")


def test_replaces_existing_files(mart_url, tmp_path):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    (out_dir / "postings.csv").write_text("stale\n")
    exports.export(out_dir, mart_url)
    assert (out_dir / "postings.csv").read_text().startswith("posting_id,")
    assert [name for name in written(out_dir) if "/" not in name] == TOP_LEVEL


def test_missing_mart_says_to_run_the_pipeline(make_database, tmp_path):
    empty = make_database("exports_empty")
    with pytest.raises(exports.MartMissing, match="midtier run"):
        exports.export(tmp_path, empty)


@pytest.mark.parametrize(
    ("posting", "summary"),
    [
        (
            {"budget_min": 60, "budget_max": 90, "budget_currency": "USD", "budget_period": "hour"},
            "60–90 USD / hour",
        ),
        (
            {
                "budget_min": 1500,
                "budget_currency": "GBP",
                "budget_period": "project",
                "fixed_usd_min": 1900.5,
            },
            "from 1,500 GBP / project (≈ from $1,900.50 fixed)",
        ),
        (
            {"budget_max": 40, "budget_currency": "USD", "budget_period": "hour"},
            "up to 40 USD / hour",
        ),
        ({"hourly_usd_min": 50, "hourly_usd_max": 50}, "$50 / hour"),
        ({}, None),
        (
            {
                "budget_currency": "USD",
                "budget_period": "hour",
                "pay_is_plausible": False,
                "pay_plausibility_reason": "Pay of 99999999999 USD per hour is outside the plausible range",
            },
            "Pay of 99999999999 USD per hour is outside the plausible range",
        ),
        (
            {
                "budget_min": 156000,
                "budget_max": 215000,
                "budget_currency": "GBP",
                "budget_period": "year",
                "pay_plausibility_reason": "only makes sense per year",
            },
            "156,000–215,000 GBP / year; only makes sense per year",
        ),
    ],
)
def test_budget_summary(posting, summary):
    assert posting_display.budget_summary(posting) == summary


FORMULAS = [
    '=HYPERLINK("https://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_a_spreadsheet_would_run_are_prefixed(formula):
    posting = {
        "posting_id": "community:x",
        "title": formula,
        "company_name": formula,
        "location": formula,
        "skills": [formula, "python"],
    }
    [header, row] = list(csv.reader(io.StringIO(exports.postings_csv([posting]))))
    cells = dict(zip(header, row))
    for column in ("title", "company_name", "location", "skills"):
        assert cells[column].startswith("'" + formula[0]), column
    assert cells["title"] == "'" + formula  # the text itself is kept


def test_csv_leaves_ordinary_text_alone():
    posting = {"title": "Senior Python developer (remote)", "budget_min": 40}
    [header, row] = list(csv.reader(io.StringIO(exports.postings_csv([posting]))))
    cells = dict(zip(header, row))
    assert (cells["title"], cells["budget_min"]) == ("Senior Python developer (remote)", "40")
