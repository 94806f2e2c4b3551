"""The per-posting models are incremental: a second `dbt build` processes only what changed.

Rows a run did not rewrite keep their PostgreSQL ``xmin`` (the writing transaction), so the
tests compare it per posting across builds.
"""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, transform
from tests.dbt.conftest import insert_postings

# one build per model changed: 6 min under load; `make test-all` runs it
pytestmark = pytest.mark.slow

INCREMENTAL_MODELS = (
    "int_postings_budgeted",
    "int_postings_skill_tagged",
    "int_postings_classified",
    "int_posting_fingerprints",
    "int_postings_text_signals",
)

STEADY_TEXT = (
    "Acme Analytics builds forecasting tools for regional grocery chains. You will extend our "
    "Django services, tune PostgreSQL queries behind the reporting screens and pair with two "
    "data engineers on the nightly ingestion jobs. We work asynchronously across Europe."
)

POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": "steady",
        "title": "Senior Python Developer",
        "company": "Acme Analytics",
        "description_text": STEADY_TEXT,
        "budget_text": "$60-80/hr",
        "tags": ["python"],
    },
    {
        "source": "remoteok",
        "source_posting_id": "edited",
        "title": "React engineer",
        "company": "Beta GmbH",
        "description_text": "Dashboards in React and TypeScript.",
        "budget_text": "$50/hr",
        "tags": ["react"],
    },
    {
        "source": "jobicy",
        "source_posting_id": "bystander",
        "title": "Go platform engineer",
        "company": "Delta Logistics",
        "description_text": "Route planning services in Go for a fleet of delivery vans, with "
        "gRPC between the depots and a Kafka event log behind them.",
        # fixed price: too few fixed budgets for market percentiles, so the new hourly
        # postings of the second build cannot move its rate position
        "budget_text": "Fixed price: $8,000",
        "tags": ["go"],
    },
]

# one client's ad under two titles: not copies (the titles differ), but velocity partners
SPRAYED_TEXT = (
    "Northwind Retail needs help migrating a monolith to services. Weekly payouts, flexible "
    "hours, start today, no interview needed, just send your details and we onboard you."
)
SPRAYED = [
    {
        "source": "remoteok",
        "source_posting_id": f"sprayed-{n}",
        "title": title,
        "company": "Northwind Retail",
        "description_text": SPRAYED_TEXT,
        "budget_text": "$40/hr",
        "tags": ["java"],
    }
    for n, title in enumerate(["Senior Java Developer", "Junior Java Developer"])
]

NEW_POSTING = {
    "source": "jobicy",
    "source_posting_id": "arrived-later",
    "title": "Rust developer",
    "company": "Gamma BV",
    "description_text": "Low-latency services in Rust.",
    "budget_text": "€600/day",
    "tags": ["rust"],
}


# the steady posting cross-posted on another board: must join its duplicate group
CROSS_POSTED_COPY = {
    "source": "himalayas",
    "source_posting_id": "copy-of-steady",
    "title": "Senior Python Developer (remote)",
    "company": "Acme Analytics, Inc.",
    "description_text": STEADY_TEXT,
    "budget_text": "$60-80/hr",
    "tags": ["python"],
}


def _writers(url: str, model: str) -> dict[str, str]:
    """source_posting_id -> xmin of the posting's row in one intermediate table."""
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            f"select postings.source_posting_id, model.xmin::text"
            f" from intermediate.{model} as model"
            f" inner join staging.stg_raw__postings as postings using (posting_id)"
        )
        return dict(cur.fetchall())


DEDUPLICATED = "int_postings_deduplicated"
ENRICHED = "int_postings_enriched"


def _pair_markers(url: str) -> dict[str, str]:
    """source_posting_id -> xmin of its marker in the duplicate pairs table."""
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select postings.source_posting_id, pairs.xmin::text"
            " from intermediate.int_posting_duplicate_pairs as pairs"
            " inner join staging.stg_raw__postings as postings"
            "   on pairs.left_posting_id = postings.posting_id"
            " where pairs.right_posting_id is null"
        )
        return dict(cur.fetchall())


def _execute(url: str, sql: str, params=None) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)


def _mart(url: str, source_posting_id: str) -> dict:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select budget_max, engagement_type, skills from marts.fct_postings"
            " where source_posting_id = %s",
            (source_posting_id,),
        )
        budget_max, engagement_type, skills = cur.fetchone()
        return {"budget_max": budget_max, "engagement_type": engagement_type, "skills": skills}


@pytest.fixture(scope="module")
def first_build(database_url):
    _execute(database_url, "truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
    with contextlib.closing(database.connect(database_url)) as conn:
        insert_postings(conn, POSTINGS + SPRAYED)
    transform.build(database_url)
    writers = {
        model: _writers(database_url, model)
        for model in (*INCREMENTAL_MODELS, DEDUPLICATED, ENRICHED)
    }
    writers["pair_markers"] = _pair_markers(database_url)
    return writers


@pytest.fixture(scope="module")
def second_build(database_url, first_build):
    """Two new postings (one a copy of 'steady'), one edited (new text and hash), one
    untouched; then build again."""
    with contextlib.closing(database.connect(database_url)) as conn:
        insert_postings(conn, [NEW_POSTING, CROSS_POSTED_COPY])
    _execute(
        database_url,
        "update raw.postings set budget_text = '$95/hr', content_hash = md5('edited v2')"
        " where source_posting_id = 'edited'",
    )
    transform.build(database_url)
    return {
        model: _writers(database_url, model)
        for model in (*INCREMENTAL_MODELS, DEDUPLICATED, ENRICHED)
    }


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_second_build_rewrites_only_new_and_changed_postings(model, first_build, second_build):
    before, after = first_build[model], second_build[model]
    assert after["steady"] == before["steady"], "an unchanged posting was re-processed"
    assert after["edited"] != before["edited"], "a changed posting was not re-processed"
    assert "arrived-later" in after


def test_mart_shows_the_new_and_the_changed_postings(database_url, second_build):
    assert _mart(database_url, "edited")["budget_max"] == 95
    new = _mart(database_url, "arrived-later")
    assert new["engagement_type"] == "daily"
    assert new["skills"] == ["rust"]


def test_a_later_copy_joins_the_group_of_the_posting_compared_earlier(database_url, second_build):
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select source_posting_id, duplicate_group_id, is_canonical from marts.fct_postings"
            " where source_posting_id in ('steady', 'copy-of-steady')"
        )
        rows = {key: (group, canonical) for key, group, canonical in cur.fetchall()}
    assert rows["steady"][0] == rows["copy-of-steady"][0]
    assert [rows["steady"][1], rows["copy-of-steady"][1]].count(True) == 1


def test_pairs_of_unchanged_postings_are_kept_not_recompared(
    database_url, first_build, second_build
):
    """The duplicate pairs table keeps one marker per compared posting version."""
    markers = _pair_markers(database_url)
    assert set(markers) == {
        "steady",
        "edited",
        "bystander",
        "arrived-later",
        "copy-of-steady",
        "sprayed-0",
        "sprayed-1",
    }
    assert markers["steady"] == first_build["pair_markers"]["steady"]
    assert markers["edited"] != first_build["pair_markers"]["edited"]


def test_regrouping_rewrites_only_the_groups_a_change_reaches(first_build, second_build):
    before, after = first_build[DEDUPLICATED], second_build[DEDUPLICATED]
    assert after["bystander"] == before["bystander"], "an unrelated group was regrouped"
    assert after["steady"] != before["steady"], "the group a new copy joined was not regrouped"
    assert after["edited"] != before["edited"]
    assert "copy-of-steady" in after


def test_the_enriched_table_rewrites_only_postings_whose_inputs_moved(first_build, second_build):
    before, after = first_build[ENRICHED], second_build[ENRICHED]
    assert after["bystander"] == before["bystander"], "an unchanged posting was rewritten"
    assert after["steady"] != before["steady"], "a regrouped posting was not rewritten"
    assert after["edited"] != before["edited"]
    assert {"arrived-later", "copy-of-steady"} <= set(after)


def test_a_sighting_alone_reaches_the_mart(database_url, second_build):
    _execute(
        database_url,
        "update raw.postings set last_seen_at = '2031-01-01T00:00:00Z'"
        " where source_posting_id = 'bystander'",
    )
    transform.run_dbt(["run", "--select", "int_postings_enriched+"], database_url)
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select last_seen_at::date::text from marts.fct_postings"
            " where source_posting_id = 'bystander'"
        )
        assert cur.fetchone()[0] == "2031-01-01"


def _groups(url: str) -> dict[str, tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select source_posting_id, duplicate_group_size, is_canonical, also_seen_on"
            " from marts.fct_postings"
        )
        return {key: tuple(rest) for key, *rest in cur.fetchall()}


def _velocity(url: str) -> dict[str, int]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select source_posting_id, client_posting_velocity from marts.fct_postings")
        return dict(cur.fetchall())


def test_a_copy_rewritten_into_another_job_leaves_its_group(database_url, second_build):
    """Its pair with 'steady' vanishes; steady's old group is regrouped without it."""
    assert _groups(database_url)["steady"][0] == 2
    _execute(
        database_url,
        "update raw.postings set description_text = %s, content_hash = md5('copy v2')"
        " where source_posting_id = 'copy-of-steady'",
        (POSTINGS[2]["description_text"].replace("Go", "Elixir"),),
    )
    transform.run_dbt(["run", "--select", "int_posting_fingerprints+"], database_url)
    groups = _groups(database_url)
    assert groups["steady"] == (1, True, [])
    assert groups["copy-of-steady"] == (1, True, [])


def test_a_velocity_partner_is_recounted_when_their_pair_vanishes(database_url, second_build):
    """The two sprayed ads are in different groups: only the velocity pair links them."""
    assert _velocity(database_url)["sprayed-0"] == 2
    _execute(
        database_url,
        "update raw.postings set description_text = %s, content_hash = md5('sprayed v2')"
        " where source_posting_id = 'sprayed-1'",
        (
            "A different client brief altogether: embedded C firmware for greenhouse sensors, "
            "with a hardware lab in Utrecht and a two-week onboarding.",
        ),
    )
    transform.run_dbt(["run", "--select", "int_posting_fingerprints+"], database_url)
    velocity = _velocity(database_url)
    assert velocity["sprayed-0"] == 1
    assert velocity["sprayed-1"] == 1


def test_changing_a_var_reprocesses_every_posting(database_url, second_build):
    """A rule change (here a var the budget model reads) needs no --full-refresh."""
    transform.run_dbt(
        [
            "run",
            "--select",
            "int_postings_budgeted",
            "--vars",
            "{salary_inference_min_amount: 30000}",
        ],
        database_url,
    )
    rewritten = _writers(database_url, "int_postings_budgeted")
    assert all(rewritten[key] != second_build["int_postings_budgeted"][key] for key in rewritten)


def test_changing_a_seed_reprocesses_every_posting(database_url, second_build):
    before = _writers(database_url, "int_postings_skill_tagged")
    # as if skill_aliases.csv had been edited and reloaded by `dbt seed`
    _execute(
        database_url, "insert into seeds.skill_aliases select * from seeds.skill_aliases limit 1"
    )
    try:
        transform.run_dbt(["run", "--select", "int_postings_skill_tagged"], database_url)
    finally:
        transform.run_dbt(["seed", "--select", "skill_aliases"], database_url)
    after = _writers(database_url, "int_postings_skill_tagged")
    assert all(after[key] != before[key] for key in after)


def test_full_refresh_rebuilds_without_stale_rows(database_url, second_build):
    _execute(database_url, "delete from raw.postings where source_posting_id = 'steady'")
    transform.run_dbt(["run", "--select", "int_postings_enriched+"], database_url)
    assert "steady" not in _velocity(database_url), "the mart shows a posting deleted from raw"
    transform.build(database_url, full_refresh=True)
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from intermediate.int_postings_budgeted")
        assert cur.fetchone()[0] == 6
