"""Newsletter exports from a small ``marts.fct_postings`` in a database of its own."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import feedparser
import pytest

from midtier import exports

MART_SQL = Path(__file__).parent / "dashboards" / "fixtures" / "fct_postings.sql"
OPEN_UNFLAGGED = ["remoteok:1001", "weworkremotely:react-7", "remoteok:1002", "weworkremotely:go-9"]


@pytest.fixture(scope="module")
def mart_url(make_database) -> str:
    # One more open, unflagged posting, from a source whose terms forbid re-publishing.
    forbidden = """
        insert into marts.fct_postings (posting_id, source, source_posting_id, url, title,
            is_flagged, first_seen_at, last_seen_at, source_name, source_attribution,
            is_republishable)
        values ('weworkremotely:no-repost', 'weworkremotely', 'no-repost',
            'https://weworkremotely.com/remote-jobs/no-repost', 'Not for re-publishing', false,
            now(), now(), 'We Work Remotely', 'via We Work Remotely', false);
    """
    return make_database("exports_test", MART_SQL.read_text() + forbidden)


def test_sources_whose_terms_forbid_republishing_are_left_out(exported):
    assert b"no-repost" not in exported["postings.rss"].read_bytes()
    assert "no-repost" not in exported["postings.csv"].read_text()


@pytest.fixture
def exported(mart_url, monkeypatch, tmp_path) -> dict[str, Path]:
    monkeypatch.setenv("DATABASE_URL", mart_url)
    return {path.name: path for path in exports.export(tmp_path / "exports")}


def test_writes_the_three_files_and_nothing_else(exported, tmp_path):
    assert sorted(exported) == ["postings.csv", "postings.json", "postings.rss"]
    assert sorted(path.name for path in (tmp_path / "exports").iterdir()) == sorted(exported)


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
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in entry.summary


def test_same_data_gives_byte_identical_files(mart_url, tmp_path):
    first = exports.export(tmp_path / "first", mart_url)
    second = exports.export(tmp_path / "second", mart_url)
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    # The build date is the newest change in the data, not the time of the run.
    assert "<lastBuildDate>Thu, 05 Jun 2025 10:00:00 +0000</lastBuildDate>" in first[0].read_text()


def test_csv_has_stable_columns_and_rows(exported):
    reader = csv.DictReader(io.StringIO(exported["postings.csv"].read_text()))
    assert tuple(reader.fieldnames) == exports.CSV_COLUMNS
    rows = list(reader)
    assert [row["posting_id"] for row in rows] == OPEN_UNFLAGGED
    first = rows[0]
    assert first["url"] == "https://remoteok.com/remote-jobs/1001"
    assert first["source"] == "remoteok"
    assert first["posted_at"] == "2025-06-03T09:00:00+00:00"
    assert (first["budget_min"], first["budget_max"], first["budget_currency"]) == ("60", "90", "USD")
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
    assert sorted(path.name for path in out_dir.iterdir()) == ["postings.csv", "postings.json", "postings.rss"]


def test_missing_mart_says_to_run_the_pipeline(make_database, tmp_path):
    empty = make_database("exports_empty")
    with pytest.raises(exports.MartMissing, match="midtier run"):
        exports.export(tmp_path, empty)


@pytest.mark.parametrize(
    ("posting", "summary"),
    [
        ({"budget_min": 60, "budget_max": 90, "budget_currency": "USD", "budget_period": "hour"}, "60–90 USD / hour"),
        ({"budget_min": 1500, "budget_currency": "GBP", "budget_period": "project",
          "fixed_usd_min": 1900.5}, "from 1,500 GBP / project (≈ from $1,900.50 fixed)"),
        ({"budget_max": 40, "budget_currency": "USD", "budget_period": "hour"}, "up to 40 USD / hour"),
        ({"hourly_usd_min": 50, "hourly_usd_max": 50}, "$50 / hour"),
        ({}, None),
    ],
)
def test_budget_summary(posting, summary):
    assert exports.budget_summary(posting) == summary
