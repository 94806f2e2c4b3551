"""`midtier api` served by real uvicorn on loopback: the Feed's filters, pagination, errors,
conditional requests, personal feeds, the digest and export files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from decimal import Decimal
from email.message import Message

import feedparser
import pytest

from dashboards import queries
from midtier import feed_profiles
from midtier.api import RateLimiter
from midtier.settings import PROJECT_ROOT
from tests.midtier.conftest import posting

ATOM = "{http://www.w3.org/2005/Atom}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mart_rows() -> list[dict]:
    """Thirty postings with ties in time, flagged, closed, duplicate, salaried and
    non-republishable ones among them."""
    rows = [posting(number) for number in range(1, 31)]
    rows[3].update(posted_at=rows[2]["posted_at"])  # a tie: posting_id decides
    rows[4].update(posted_at=None)  # falls back to first_seen_at
    rows[5].update(is_flagged=True, legitimacy_score=20)
    rows[6].update(closed_at=rows[6]["last_seen_at"])
    rows[7].update(is_canonical=False)
    rows[8].update(
        engagement_type="salary",
        is_mid_market=False,
        skills=["react"],
        primary_skill="react",
        hourly_usd_min=57.69,
        hourly_usd_max=72.12,
    )
    rows[9].update(is_republishable=False, source="linkedin", description_text="secret text")
    for row in (rows[0], rows[9]):  # evidence-backed developers' floors (issue 27)
        row.update(evidenced_floors_met=3, evidenced_floors_total=6)
    for row in rows[10:20]:
        row.update(
            skills=["react", "typescript"],
            primary_skill="react",
            region="europe",
            hourly_usd_min=40,
            hourly_usd_max=45,
            is_mid_market=False,
        )
    rows[12].update(title="Rust and Django consultant", legitimacy_score=55)
    return rows


@pytest.fixture(scope="module")
def api(serving_database_url, tmp_path_factory):
    """The API as `midtier api` serves it, on a free loopback port."""
    home = tmp_path_factory.mktemp("api_home")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": serving_database_url,
        "MIDTIER_HOME": str(home),
        "MIDTIER_API_REQUESTS_PER_MINUTE": "100000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "midtier", "api", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/openapi.json", timeout=2):
                break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the API did not start in 60 s"
            time.sleep(0.2)
    yield base, home
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def mart(serving_env, load_mart):
    load_mart(mart_rows())
    return serving_env


def get(url: str, headers: dict | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def all_ids(base: str, query: str, limit: int) -> list[str]:
    """Every posting id the API lists for ``query``, page after page."""
    ids, cursor = [], None
    while True:
        page = f"{base}/postings?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, _, body = get(page)
        assert status == 200, body
        answer = json.loads(body)
        ids += [row["posting_id"] for row in answer["postings"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            return ids


FILTERS = [
    ("", queries.PostingFilters()),
    ("skills=react", queries.PostingFilters(skills=("react",))),
    (
        "skills=django,react&min_legitimacy=60",
        queries.PostingFilters(skills=("django", "react"), min_legitimacy=60),
    ),
    (
        "min_hourly_usd=50&mid_market_only=true",
        queries.PostingFilters(min_hourly_usd=50, mid_market_only=True),
    ),
    (
        "regions=europe&engagement_types=hourly&q=rust",
        queries.PostingFilters(regions=("europe",), engagement_types=("hourly",), search="rust"),
    ),
    ("posted_within_days=1", queries.PostingFilters(posted_within_days=1)),
]


@pytest.mark.parametrize(
    ("query", "filters"), FILTERS, ids=[query or "none" for query, _ in FILTERS]
)
def test_postings_lists_the_feeds_ids_in_the_feeds_order(api, mart, query, filters):
    base, _ = api
    feed = [row["posting_id"] for row in queries.fetch_postings(mart, filters, limit=1000)]
    assert feed, "a filter that matches nothing proves nothing"
    assert all_ids(base, query, limit=4) == feed
    assert all_ids(base, query, limit=1000) == feed


def test_postings_answer_in_the_exports_shape(api, mart):
    base, _ = api
    status, headers, body = get(f"{base}/postings?limit=2")
    assert status == 200 and headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert set(answer) == {"postings", "next_cursor"}
    first = answer["postings"][0]
    assert {"posting_id", "url", "title", "skills", "legitimacy_score", "is_flagged"} <= set(first)
    assert first["skills"] == ["django", "python"] and first["is_flagged"] is False


def test_a_non_republishable_posting_shows_title_and_link_only(api, mart):
    base, _ = api
    rows = json.loads(get(f"{base}/postings?limit=100")[2])["postings"]
    hidden = next(row for row in rows if row["posting_id"] == "p010")
    assert hidden["title"] == "Posting 10" and hidden["url"] == "https://example.org/jobs/10"
    assert hidden["description_text"] is None and hidden["company_name"] is None


def test_postings_say_how_many_evidence_backed_developers_floors_the_pay_meets(api, mart):
    base, _ = api
    rows = {
        row["posting_id"]: row
        for row in json.loads(get(f"{base}/postings?limit=100")[2])["postings"]
    }
    for shown in (rows["p001"], rows["p010"]):  # a title-and-link posting keeps Midtier's counts
        assert (shown["evidenced_floors_met"], shown["evidenced_floors_total"]) == (3, 6)
    assert (rows["p002"]["evidenced_floors_met"], rows["p002"]["evidenced_floors_total"]) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("min_hourly_usd=fifty", "min_hourly_usd"),
        ("min_legitimacy=101", "min_legitimacy"),
        ("mid_market_only=perhaps", "mid_market_only"),
        ("limit=0", "limit"),
        ("posted_within_days=-1", "posted_within_days"),
        ("skills=not-a-skill-at-all", "skills"),
        ("cursor=%25%25", "cursor"),
    ],
)
def test_a_malformed_filter_gets_422_naming_it(api, mart, query, parameter):
    base, _ = api
    status, _, body = get(f"{base}/postings?{query}")
    assert status == 422
    answer = json.loads(body)
    assert parameter in answer["detail"]
    assert [problem["parameter"] for problem in answer["problems"]] == [parameter]


def test_a_repeated_request_with_its_etag_gets_304(api, mart):
    base, _ = api
    status, headers, body = get(f"{base}/postings?skills=react")
    assert status == 200 and body and headers["ETag"] and headers["Last-Modified"]
    status, again, body = get(f"{base}/postings?skills=react", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert again["ETag"] == headers["ETag"]
    status, _, _ = get(f"{base}/postings?skills=react", {"If-None-Match": '"something-else"'})
    assert status == 200
    status, _, _ = get(
        f"{base}/postings?skills=react", {"If-Modified-Since": headers["Last-Modified"]}
    )
    assert status == 304


def test_rates_come_from_the_rate_report(api, mart):
    base, _ = api
    status, _, body = get(f"{base}/rates?skill=django")
    rates = json.loads(body)["rates"]
    assert status == 200 and [(row["skill"], row["n"], row["p50"]) for row in rates] == [
        ("django", 12, 70.0)
    ]


def test_personal_atom_feed_lists_only_the_profiles_postings_until_revoked(api, mart):
    base, _ = api
    preferences = feed_profiles.validate(skills=["react"], min_hourly_usd="42", min_legitimacy=60)
    edit_token, feed_token = feed_profiles.create(mart, preferences)
    status, headers, body = get(f"{base}/feeds/{feed_token}.atom")
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(body)  # well-formed XML whose root is an Atom feed
    assert root.tag == f"{ATOM}feed"
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "atom10"
    listed = [entry.id.rsplit(":", 1)[-1] for entry in parsed.entries]
    expected = [
        row["posting_id"]
        for row in mart_rows()
        if "react" in row["skills"]
        and row["legitimacy_score"] >= 60
        and not row["is_flagged"]
        and row["closed_at"] is None
        and row["is_canonical"]
        and (row["hourly_usd_max"] or 0) >= 42
    ]
    assert listed == expected and "p013" not in listed  # scored 55
    assert get(f"{base}/feeds/{feed_token}.rss")[0] == 200

    feed_profiles.revoke(mart, edit_token)
    assert get(f"{base}/feeds/{feed_token}.atom")[0] == 404
    assert get(f"{base}/feeds/{feed_token}.rss")[0] == 404
    assert get(f"{base}/feeds/not-a-token.atom")[0] == 404


def test_saving_a_registry_entrys_profile_prefills_its_skills_and_rotates_the_token(api, mart):
    from midtier import registry

    base, _ = api
    entry_token = registry.publish(mart, registry.validate("ana", ["react"], 70, "europe"))
    first = feed_profiles.save_for_entry(mart, "ana", entry_token, feed_profiles.validate())
    second = feed_profiles.save_for_entry(mart, "ana", entry_token, feed_profiles.validate())
    assert get(f"{base}/feeds/{first}.atom")[0] == 404  # a new save ends the old link
    entries = feedparser.parse(get(f"{base}/feeds/{second}.atom")[2]).entries
    assert entries and all("react" in [tag.term for tag in entry.tags] for entry in entries)
    with pytest.raises(registry.WrongToken):
        feed_profiles.save_for_entry(mart, "ana", "wrong", feed_profiles.validate())


def test_feed_tokens_are_stored_hashed(mart):
    _, feed_token = feed_profiles.create(mart, feed_profiles.validate(skills=["react"]))
    from midtier import registry

    rows = registry._read(mart, "select * from registry.feed_profiles")
    assert feed_token not in json.dumps(rows, default=str)
    assert rows[0]["feed_token_sha256"] == registry.token_hash(feed_token)


def test_bad_preferences_are_refused_with_every_problem():
    with pytest.raises(feed_profiles.RegistryError) as refused:
        feed_profiles.validate(
            skills=["nope-skill"], min_hourly_usd="-1", regions=["mars"], min_legitimacy=300
        )
    assert len(refused.value.problems) == 4
    assert feed_profiles.validate(min_hourly_usd="70").min_hourly_usd == Decimal("70.00")


def test_exports_and_the_digest_are_served_at_stable_urls(api, mart):
    base, home = api
    exports = home / "exports"
    (exports / "feeds").mkdir(parents=True, exist_ok=True)
    (exports / "digest.md").write_text("# This week\n")
    (exports / "digest.html").write_text("<p>This week</p>")
    (exports / "feeds" / "web.atom").write_text("<feed/>")
    (exports / ".postings.json.123.tmp").write_text("half a file")
    (home / "secret.txt").write_text("not for you")
    status, headers, body = get(f"{base}/digest/latest.md")
    assert (status, body) == (200, b"# This week\n")
    assert headers["content-type"].startswith("text/markdown")
    assert get(f"{base}/digest/latest.html")[2] == b"<p>This week</p>"
    assert get(f"{base}/exports/feeds/web.atom")[0] == 200
    assert get(f"{base}/exports/feeds/web.atom", {"If-None-Match": headers["ETag"]})[0] == 200
    etag = get(f"{base}/exports/feeds/web.atom")[1]["ETag"]
    assert get(f"{base}/exports/feeds/web.atom", {"If-None-Match": etag})[0] == 304
    for path in (
        "/exports/.postings.json.123.tmp",
        "/exports/..%2Fsecret.txt",
        "/exports/../secret.txt",
        "/exports/missing.csv",
    ):
        assert get(base + path)[0] == 404, path


def test_openapi_documents_every_route(api):
    base, _ = api
    paths = json.loads(get(f"{base}/openapi.json")[2])["paths"]
    assert {
        "/postings",
        "/rates",
        "/feeds/{token}.atom",
        "/feeds/{token}.rss",
        "/digest/latest.html",
        "/digest/latest.md",
        "/exports/{path}",
    } <= set(paths)
    assert get(f"{base}/docs")[0] == 200


def test_each_client_gets_its_own_minute_of_requests():
    limiter = RateLimiter(per_minute=3)
    assert [limiter.retry_after("a", now=100.0 + i) for i in range(3)] == [0, 0, 0]
    assert limiter.retry_after("a", now=103.0) > 0
    assert limiter.retry_after("b", now=103.0) == 0
    assert limiter.retry_after("a", now=161.0) == 0  # the first request left the minute


def test_the_limiter_forgets_idle_clients():
    limiter = RateLimiter(per_minute=3)
    for client in range(10_001):
        limiter.retry_after(str(client), now=0.0)
    limiter.retry_after("late", now=120.0)
    assert set(limiter._seen) == {"late"}


def test_a_client_over_its_limit_gets_429_with_retry_after(serving_database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": serving_database_url,
        "MIDTIER_HOME": str(tmp_path),
        "MIDTIER_API_REQUESTS_PER_MINUTE": "5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "midtier", "api", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        statuses = []
        while len(statuses) < 8:
            try:
                statuses.append(get(f"http://127.0.0.1:{port}/rates")[0])
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_api_binds_loopback_by_default():
    from midtier.cli import build_parser

    args = build_parser().parse_args(["api"])
    assert (args.host, args.port) == ("127.0.0.1", 8502)
