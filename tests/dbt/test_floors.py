"""fct_postings against the rate-floor registry (floors_met, floors_total; for evidence-backed
developers evidenced_floors_met, evidenced_floors_total) and the contract focus of
is_mid_market, built by a real `dbt build`."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from midtier import database, registry

DESCRIPTION = (
    "We are an established agency with a named team, a public website and a "
    "clear scope: build and maintain our client's web application."
)
POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": "django-75",
        "title": "Django developer (contract)",
        "company": "Acme Analytics",
        "description_text": DESCRIPTION + " Python and Django.",
        "budget_text": "$75/hr",
        "tags": ["django"],
        "employment_type": "contract",
    },
    {
        "source": "weworkremotely",
        "source_posting_id": "django-salary",
        "title": "Django engineer",
        "company": "Epsilon Inc",
        "description_text": DESCRIPTION + " Python and Django.",
        "budget_text": "$120,000 per year",
        "tags": ["django"],
        "employment_type": "full-time",
    },
    {
        "source": "remoteok",
        "source_posting_id": "django-fixed",
        "title": "Django site rebuild",
        "company": "Gamma Studio",
        "description_text": DESCRIPTION + " Python and Django.",
        "budget_text": "$8,000 fixed price",
        "tags": ["django"],
    },
    {
        "source": "remoteok",
        "source_posting_id": "react-60",
        "title": "React developer",
        "company": "Beta GmbH",
        "description_text": DESCRIPTION + " React and TypeScript.",
        "budget_text": "$60/hr",
        "tags": ["react"],
        "employment_type": "contract",
    },
]
# Twelve Django floors from $40 to $95 (the $75 posting reaches the first eight), three React
# floors: fewer than the minimum cell size, so the React posting's counts are suppressed.
DJANGO_FLOORS = [40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95]
# Of them, verified developers whose merged pull requests make them evidence-backed in
# Django: six with floors $65-$90 (the $75 posting reaches three), one React developer
# (fewer than the minimum cell size), and one Django developer with a single pull request,
# which backs nothing.
EVIDENCE_BACKED = {
    "django-5": "django",
    "django-6": "django",
    "django-7": "django",
    "django-8": "django",
    "django-9": "django",
    "django-10": "django",
    "react-0": "react",
}
ONE_PULL_REQUEST = "django-11"
DEVELOPER_TABLES = "registry.developers, raw.developer_evidence"


@pytest.fixture(scope="module", autouse=True)
def floors(database_url):
    def clear():
        with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
            cur.execute(f"truncate registry.rate_floors, {DEVELOPER_TABLES} cascade")

    clear()
    for number, rate in enumerate(DJANGO_FLOORS):
        registry.publish(
            database_url,
            registry.validate(f"django-{number}", ["django", "python"], rate, "europe"),
        )
    for number in range(3):
        registry.publish(
            database_url, registry.validate(f"react-{number}", ["react"], 50, "europe")
        )
    for handle, topic in EVIDENCE_BACKED.items():
        add_verified_developer(database_url, handle, topic, pull_requests=3)
    add_verified_developer(database_url, ONE_PULL_REQUEST, "django", pull_requests=1)
    yield
    clear()


def add_verified_developer(url: str, handle: str, topic: str, pull_requests: int) -> None:
    """A verified developer with merged pull requests to other people's starred
    repositories about ``topic``, merged in the last months, in two repositories."""
    login = f"{handle}-gh"
    merged_at = datetime.now(UTC) - timedelta(days=60)
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "insert into registry.developers (handle, github_login, edit_token_sha256, "
            "verified_at) values (%s, %s, %s, now())",
            (handle, login, registry.token_hash(registry.new_token())),
        )
        for number in range(pull_requests):
            repository = f"owner-{number % 2}/{topic}-app"
            url_of_pr = f"https://github.com/{repository}/pull/{100 + number}"
            payload = {
                "repository": {
                    "full_name": repository,
                    "owner": {"login": f"owner-{number % 2}"},
                    "stargazers_count": 900,
                    "language": None,
                    "topics": [topic],
                },
                "pull_request": {
                    "html_url": url_of_pr,
                    "pull_request": {"merged_at": merged_at.isoformat()},
                },
            }
            cur.execute(
                "insert into raw.developer_evidence (handle, github_login, kind, source_url, "
                "payload, fetched_at) values (%s, %s, 'merged_pr', %s, %s, now())",
                (handle, login, url_of_pr, json.dumps(payload)),
            )


def test_floors_met_counts_the_primary_skills_floors_the_pay_reaches(built_postings):
    django = built_postings["django-75"]
    assert django["primary_skill"] == "django"
    assert (django["floors_met"], django["floors_total"]) == (8, 12)


def test_small_cells_are_suppressed_and_pay_without_an_hourly_figure_meets_none(built_postings):
    react = built_postings["react-60"]
    assert react["primary_skill"] == "react"
    assert (react["floors_met"], react["floors_total"]) == (None, None)
    fixed = built_postings["django-fixed"]
    assert fixed["hourly_usd_max"] is None
    assert (fixed["floors_met"], fixed["floors_total"]) == (None, 12)


def test_a_new_floor_counts_at_once_without_a_rebuild(built_postings, database_url, query):
    registry.publish(database_url, registry.validate("django-new", ["django"], 30, "europe"))
    [row] = query(
        "select floors_met, floors_total from marts.fct_postings "
        "where source_posting_id = 'django-75'"
    )
    assert (row["floors_met"], row["floors_total"]) == (9, 13)
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute("delete from registry.rate_floors where handle = 'django-new'")


def test_evidenced_floors_count_the_evidence_backed_developers_the_pay_reaches(built_postings):
    django = built_postings["django-75"]
    assert django["primary_skill"] == "django"
    assert (django["evidenced_floors_met"], django["evidenced_floors_total"]) == (3, 6)
    fixed = built_postings["django-fixed"]  # no hourly figure: meets none, total still shown
    assert (fixed["evidenced_floors_met"], fixed["evidenced_floors_total"]) == (None, 6)


def test_evidenced_floors_below_the_minimum_cell_size_are_suppressed(built_postings):
    react = built_postings["react-60"]
    assert (react["evidenced_floors_met"], react["evidenced_floors_total"]) == (None, None)


def test_a_developer_leaving_the_evidence_counts_at_once(built_postings, database_url, query):
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute("delete from marts.fct_developer_skills where handle = 'django-5'")
    [row] = query(
        "select evidenced_floors_met, evidenced_floors_total from marts.fct_postings "
        "where source_posting_id = 'django-75'"
    )
    # five left: still published; the $65 floor no longer counts
    assert (row["evidenced_floors_met"], row["evidenced_floors_total"]) == (2, 5)


def test_a_salary_is_never_mid_market_and_a_75_dollar_contract_is(built_postings):
    salaried = built_postings["django-salary"]
    assert salaried["engagement_type"] == "salary" and salaried["hourly_usd_mid"] is not None
    assert salaried["is_mid_market"] is False
    contract = built_postings["django-75"]
    assert (contract["engagement_type"], float(contract["hourly_usd_max"])) == ("hourly", 75.0)
    assert contract["is_mid_market"] is True


def test_a_query_reading_no_floor_column_does_not_read_the_registry(built_postings, query):
    (plan,) = query("explain (format json) select posting_id, title from marts.fct_postings")
    assert "rate_floors" not in str(plan)
    (plan,) = query("explain (format json) select floors_met from marts.fct_postings")
    assert "rate_floors" in str(plan)
    (plan,) = query("explain (format json) select posting_id, floors_met from marts.fct_postings")
    assert "fct_developer_skills" not in str(plan)
    (plan,) = query("explain (format json) select evidenced_floors_met from marts.fct_postings")
    assert "fct_developer_skills" in str(plan)
