"""The weekly digest: a 7-day window counted back from now (first seen), the editor's picks
first, skipped and non-republishable postings left out; against a small test mart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from midtier import database, digest, editorial, exports
from tests.dashboards.conftest import mart_sql, run_sql

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def digest_url(make_database) -> str:
    url = make_database("digest_test", mart_sql())
    database.apply_schema(url)
    # first seen 1, 2, 3, 6 and 8 days before NOW (the 8-day one is outside the window)
    run_sql(
        url,
        f"""
        update marts.fct_postings set first_seen_at = timestamptz '{NOW.isoformat()}' - v.age,
            posted_at = null
        from (values ('remoteok:1001', interval '1 day'),
                     ('weworkremotely:react-7', interval '2 days'),
                     ('remoteok:1002', interval '3 days'),
                     ('weworkremotely:go-9', interval '6 days'),
                     ('weworkremotely:php-3', interval '8 days'),
                     ('himalayas:py-1001', interval '1 day'),
                     ('remoteok:1003', interval '1 day')) as v (posting_id, age)
        where fct_postings.posting_id = v.posting_id;
        update marts.fct_postings set closed_at = null where posting_id = 'weworkremotely:php-3';
        insert into marts.fct_postings (posting_id, source, source_posting_id, url, title,
            is_flagged, first_seen_at, last_seen_at, source_name, source_attribution,
            is_republishable, is_canonical, skills)
        values ('weworkremotely:no-repost', 'weworkremotely', 'no-repost',
            'https://weworkremotely.com/remote-jobs/no-repost', 'Not for re-publishing', false,
            timestamptz '{NOW.isoformat()}' - interval '1 hour', now(), 'We Work Remotely',
            'via We Work Remotely', false, true, '{{}}');
    """,
    )
    editorial.add_editor(url, "ed")
    return url


@pytest.fixture
def no_picks(digest_url) -> str:
    editorial.save_picks(digest_url, "ed", [], [])
    return digest_url


def ids(postings) -> list[str]:
    return [posting["posting_id"] for posting in postings]


def test_the_window_is_the_seven_days_before_now_by_first_seen(no_picks):
    postings, pinned = exports.digest_postings(no_picks, as_of=NOW)
    # newest first; the 8-day-old posting, the flagged one, the duplicate copy and the
    # non-republishable one are left out
    assert ids(postings) == [
        "remoteok:1001",
        "weworkremotely:react-7",
        "remoteok:1002",
        "weworkremotely:go-9",
    ]
    assert pinned == 0
    later, _ = exports.digest_postings(no_picks, as_of=NOW + timedelta(days=4))
    assert ids(later) == ["remoteok:1001", "weworkremotely:react-7", "remoteok:1002"]


def test_picks_come_first_in_the_editors_order_and_skips_are_left_out(no_picks):
    editorial.save_picks(
        no_picks, "ed", ["weworkremotely:go-9", "remoteok:1002"], ["weworkremotely:react-7"]
    )
    postings, pinned = exports.digest_postings(no_picks, as_of=NOW)
    assert ids(postings) == ["weworkremotely:go-9", "remoteok:1002", "remoteok:1001"]
    assert pinned == 2
    only, _ = exports.digest_postings(no_picks, as_of=NOW, picks_only=True)
    assert ids(only) == ["weworkremotely:go-9", "remoteok:1002"]
    markdown = digest.digest_markdown(postings, pinned, digest.window(NOW))
    assert (
        markdown.index("## Editor\\'s picks")
        < markdown.index("Go Backend Engineer")
        < markdown.index("Django API Developer")
        < markdown.index("Senior Python Data Engineer")
    )
    assert "first seen 2026-03-03 to 2026-03-10" in markdown


def test_filters_narrow_the_candidates(no_picks):
    contract = digest.DigestFilters(contract_freelance_only=True)
    assert "weworkremotely:go-9" not in ids(exports.digest_postings(no_picks, contract, NOW)[0])
    legit = digest.DigestFilters(min_legitimacy=80)
    assert ids(exports.digest_postings(no_picks, legit, NOW)[0]) == [
        "remoteok:1001",
        "weworkremotely:go-9",
    ]
    react = digest.DigestFilters(skills=("react",))
    assert ids(exports.digest_postings(no_picks, react, NOW)[0]) == ["weworkremotely:react-7"]


def test_non_republishable_postings_are_marked_candidates_but_never_in_the_digest(no_picks):
    shown = exports.digest_candidates(no_picks, as_of=NOW, include_unpublishable=True)
    [marked] = [c for c in shown if c.posting["posting_id"] == "weworkremotely:no-repost"]
    assert marked.posting["is_republishable"] is False
    assert "weworkremotely:no-repost" not in ids(
        c.posting for c in exports.digest_candidates(no_picks, as_of=NOW)
    )
    editorial.save_picks(no_picks, "ed", ["weworkremotely:no-repost"], [])
    postings, pinned = exports.digest_postings(no_picks, as_of=NOW)
    assert "weworkremotely:no-repost" not in ids(postings) and pinned == 0


def test_the_html_digest_uses_inline_css_and_carries_attribution(no_picks):
    editorial.save_picks(no_picks, "ed", ["remoteok:1002"], [])
    postings, pinned = exports.digest_postings(no_picks, as_of=NOW)
    page = digest.digest_html(postings, pinned, digest.window(NOW))
    assert "<style" not in page and "<link" not in page and 'style="' in page
    assert page.index("Editor's picks") < page.index("Django API Developer")
    assert page.count("original posting on") == len(postings)
    assert "via remoteok" in page
