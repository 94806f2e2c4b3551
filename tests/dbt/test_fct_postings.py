"""marts.fct_postings after one `dbt build` over a handful of raw postings."""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from decimal import Decimal

import psycopg
import pytest

from midtier import database, transform

GENUINE_DESCRIPTION = (
    "Acme Analytics is hiring a senior backend engineer to extend our Django API. "
    "You will work with PostgreSQL, Celery and AWS. Interviews are held on our careers "
    "portal; we reply within two weeks."
)

POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": "hourly-range",
        "title": "Senior Python Developer (Django)",
        "company": "Acme Analytics",
        "description_text": GENUINE_DESCRIPTION,
        "budget_text": "$50-70/hr",
        "tags": ["python", "django", "aws"],
    },
    {
        "source": "remoteok",
        "source_posting_id": "hourly-words",
        "title": "Frontend engineer",
        "company": "Beta GmbH",
        "description_text": "Build dashboards in React and TypeScript.",
        "budget_text": "$50 - $70 per hour",
        "tags": ["react"],
    },
    {
        "source": "freelancer",
        "source_posting_id": "daily-eur",
        "title": "Data Engineer - Spark & Airflow",
        "company": "Gamma BV",
        "description_text": "Pipelines on Apache Spark, scheduled with Airflow, modelled in dbt.",
        "budget_text": "€600/day",
        "tags": [],
    },
    {
        "source": "freelancer",
        "source_posting_id": "fixed-price",
        "title": "Build a Shopify store",
        "company": "Delta Shop",
        "description_text": "Theme customisation and product import.",
        "budget_text": "Fixed-price: $2,000",
        "tags": ["shopify"],
        "closed_at": "2025-06-30T00:00:00+00:00",
    },
    {
        "source": "weworkremotely",
        "source_posting_id": "salary-structured",
        "title": "Go developer",
        "company": "Epsilon Inc",
        "description_text": "Distributed systems work, written in Go, deployed on Kubernetes.",
        "budget_text": "Competitive",
        "salary_min": 120000,
        "salary_max": 150000,
        "salary_currency": "USD",
        "salary_period": "yearly",
        "tags": [],
    },
    {
        "source": "weworkremotely",
        "source_posting_id": "salary-text",
        "title": "Staff engineer",
        "company": "Zeta Ltd",
        "description_text": "Platform team.",
        "budget_text": "£45,000 per annum",
        "tags": [],
    },
    {
        "source": "weworkremotely",
        "source_posting_id": "monthly",
        "title": "Mobile engineer",
        "company": "Eta SA",
        "description_text": "Ship our iOS and Android apps.",
        "budget_text": "USD 8000/month",
        "tags": [],
    },
    {
        "source": "remoteok",
        "source_posting_id": "unknown-pay",
        "title": "Ready to go? Swift delivery of a React Native app",
        "company": "Theta",
        "description_text": "We move fast and ship in rust-free steel... just kidding, it's mobile.",
        "budget_text": "Negotiable",
        "tags": [],
    },
    {
        "source": "remoteok",
        "source_posting_id": "tagged-ambiguous",
        "title": "Statistician",
        "company": "Iota Research",
        "description_text": "Modelling work.",
        "budget_text": None,
        "tags": ["R", "Rust", "C"],
    },
    {
        "source": "telegramjobs",
        "source_posting_id": "scam",
        "title": "Data entry assistant - work from home",
        "company": None,
        "description_text": (
            "Urgent hiring! No experience needed, earn $500 per day from home. "
            "Contact us on Telegram @hr_manager_jobs to get started. A refundable registration "
            "fee of $50 is required before onboarding. Payment in USDT every Friday."
        ),
        "budget_text": "$500 per day",
        "tags": [],
    },
    # Freelancer.com's API never names the client; a job board posting without one is odd
    {
        "source": "freelancer",
        "source_posting_id": "no-client-by-design",
        "title": "Django REST API for a booking app",
        "company": None,
        "description_text": "Build the booking API in Django REST framework with PostgreSQL.",
        "budget_text": "$1,500",
        "tags": ["django"],
    },
    {
        "source": "remoteok",
        "source_posting_id": "no-client-named",
        "title": "Django REST API for a booking app",
        "company": None,
        "description_text": "We need the booking API built in Django REST framework, tested.",
        "budget_text": "$1,500",
        "tags": ["django"],
    },
    {
        # the rss spider records each feed's own re-publishing terms in the payload
        "source": "rss",
        "source_posting_id": "feed-allows-republishing",
        "title": "Go developer for a freight tracking API",
        "company": "Freightly",
        "description_text": "Extend our Go services that track container shipments.",
        "tags": ["go"],
        "payload": {"feed_allows_republishing": True},
    },
    {
        # only the rss spider's feed terms count: another source's payload cannot lift its terms
        "source": "weworkremotely",
        "source_posting_id": "payload-claims-republishing",
        "title": "Rust engineer for an embedded telemetry agent",
        "company": "Sensorly",
        "description_text": "Write the Rust agent that ships sensor readings from our devices.",
        "tags": ["rust"],
        "payload": {"feed_allows_republishing": True},
    },
]


def posting_id(source: str, source_posting_id: str) -> str:
    return hashlib.md5(f"{source}|{source_posting_id}".encode()).hexdigest()


def test_every_raw_posting_lands_once_including_closed(built_postings):
    assert set(built_postings) == {posting["source_posting_id"] for posting in POSTINGS}
    assert built_postings["fixed-price"]["closed_at"] is not None


def test_posting_id_is_a_stable_hash_of_source_and_source_id(built_postings):
    ids = [row["posting_id"] for row in built_postings.values()]
    assert len(ids) == len(set(ids))
    row = built_postings["hourly-range"]
    assert row["posting_id"] == posting_id("remoteok", "hourly-range")


@pytest.mark.parametrize(
    ("source_posting_id", "engagement_type", "currency", "budget_min", "budget_max", "period"),
    [
        ("hourly-range", "hourly", "USD", 50, 70, "hour"),
        ("hourly-words", "hourly", "USD", 50, 70, "hour"),
        ("daily-eur", "daily", "EUR", 600, 600, "day"),
        ("fixed-price", "fixed", "USD", 2000, 2000, "project"),
        ("salary-structured", "salary", "USD", 120000, 150000, "year"),
        ("salary-text", "salary", "GBP", 45000, 45000, "year"),
        ("monthly", "salary", "USD", 8000, 8000, "month"),
        ("unknown-pay", "unknown", None, None, None, None),
        ("tagged-ambiguous", "unknown", None, None, None, None),
    ],
)
def test_budget_is_parsed(
    built_postings, source_posting_id, engagement_type, currency, budget_min, budget_max, period
):
    row = built_postings[source_posting_id]
    assert (row["engagement_type"], row["budget_currency"], row["budget_period"]) == (
        engagement_type,
        currency,
        period,
    )
    assert row["budget_min"] == (None if budget_min is None else Decimal(budget_min))
    assert row["budget_max"] == (None if budget_max is None else Decimal(budget_max))
    assert row["is_budget_stated"] is (budget_min is not None)


def test_hourly_figures_follow_the_basis_and_fx_seed(built_postings, query):
    hours = {"hour": 1, "day": 8, "week": 40, "month": Decimal("173.33"), "year": 2080}
    usd_per_unit = {
        row["currency"]: row["usd_per_unit"]
        for row in query("select currency, usd_per_unit from seeds.fx_rates")
    }
    checked = 0
    for row in built_postings.values():
        if row["budget_period"] not in hours or row["budget_currency"] is None:
            continue
        rate = usd_per_unit[row["budget_currency"]]
        expected_min = round(row["budget_min"] * rate / hours[row["budget_period"]], 2)
        expected_max = round(row["budget_max"] * rate / hours[row["budget_period"]], 2)
        assert (row["hourly_usd_min"], row["hourly_usd_max"]) == (expected_min, expected_max), row
        assert row["hourly_usd_min"] <= row["hourly_usd_mid"] <= row["hourly_usd_max"]
        assert row["fixed_usd_min"] is None
        checked += 1
    assert checked == 7
    salary = built_postings["salary-structured"]
    assert (salary["hourly_usd_min"], salary["hourly_usd_max"]) == (
        Decimal("57.69"),
        Decimal("72.12"),
    )


def test_fixed_budget_has_usd_total_and_no_hourly_rate(built_postings):
    row = built_postings["fixed-price"]
    assert (row["fixed_usd_min"], row["fixed_usd_max"]) == (Decimal("2000.00"), Decimal("2000.00"))
    assert row["hourly_usd_min"] is None and row["hourly_usd_mid"] is None


def test_skills_come_from_title_tags_and_description(built_postings):
    row = built_postings["hourly-range"]
    assert row["skills"][:3] == ["python", "django", "aws"]
    assert "postgresql" in row["skills"]
    assert row["primary_skill"] == "python"
    assert set(built_postings["daily-eur"]["skills"]) >= {"spark", "airflow", "dbt"}


def test_ambiguous_names_count_only_from_tags_or_context(built_postings):
    assert set(built_postings["tagged-ambiguous"]["skills"]) == {"statistics", "r", "rust", "c"}
    assert built_postings["salary-structured"]["skills"][0] == "go"  # "Go developer", "in Go"
    assert "kubernetes" in built_postings["salary-structured"]["skills"]
    loose = built_postings["unknown-pay"]["skills"]
    assert not {"go", "swift", "rust"} & set(loose)


def test_longest_alias_wins(built_postings):
    assert built_postings["unknown-pay"]["skills"] == ["react-native"]


def test_scam_posting_is_scored_low_and_flagged_with_evidence(built_postings):
    row = built_postings["scam"]
    assert row["legitimacy_score"] < 10
    assert row["is_flagged"] is True and row["is_score_flagged"] is True
    # the signals that cost most, each with its evidence and points, heaviest first
    reasons = " | ".join(row["legitimacy_reasons"])
    assert 'messaging app: "Contact us on Telegram' in reasons
    assert 'pay a fee: "registration fee"' in reasons
    assert len(row["legitimacy_reasons"]) == 5
    assert all(reason.endswith(" points)") for reason in row["legitimacy_reasons"])
    # every signal is kept, listed among the reasons or not
    assert row["has_too_good_to_be_true"] and row["has_unusual_payment"]
    assert row["has_missing_client_identity"]


def test_genuine_posting_is_not_flagged(built_postings):
    row = built_postings["hourly-range"]
    assert row["legitimacy_score"] > 60 and not row["is_flagged"]
    assert not any(row["is_flagged"] for key, row in built_postings.items() if key != "scam")


def test_mart_columns_and_types_are_the_contract(query):
    columns = query(
        """
        select column_name, data_type, udt_name
        from information_schema.columns
        where table_schema = 'marts' and table_name = 'fct_postings'
        """
    )
    types = {column["column_name"]: column["udt_name"] for column in columns}
    assert types["posting_id"] == "text"
    assert types["posted_at"] == "timestamptz"
    assert types["skills"] == "_text" and types["legitimacy_reasons"] == "_text"
    assert types["legitimacy_score"] == "int4"
    assert types["is_flagged"] == "bool"
    assert types["hourly_usd_min"] == "numeric"


def test_models_land_in_their_layer_schemas(built_postings, query):
    relations = query(
        """
        select table_schema, table_name from information_schema.tables
        where table_schema in ('staging', 'intermediate', 'marts', 'seeds')
        """
    )
    schemas = {row["table_name"]: row["table_schema"] for row in relations}
    assert schemas["stg_raw__postings"] == "staging"
    assert schemas["int_postings_budgeted"] == "intermediate"
    assert schemas["fct_postings"] == "marts"
    assert schemas["fx_rates"] == "seeds"


@pytest.mark.slow  # 4-8 min under load; `make test-all` runs it
def test_failing_nodes_are_named_in_transform_error(built_postings, database_url):
    wrong_basis = (
        "{hours_per_budget_period: {hour: 2, day: 8, week: 40, month: 173.33, year: 2080}}"
    )
    with pytest.raises(transform.TransformError) as raised:
        transform.run_dbt(
            ["test", "--select", "int_postings_budgeted,test_type:unit", "--vars", wrong_basis],
            database_url,
        )
    assert "unit_test.midtier.int_postings_budgeted.budget_parses_hourly_and_daily_text" in str(
        raised.value
    )
    assert "\x1b[" not in str(raised.value)


ROW_CHECKS = "fct_postings,test_name:row_checks"


@pytest.fixture(scope="module")
def row_checks_sql(built_postings, database_url):
    """fct_postings' row_checks test, run once on good data (it passes); its compiled SQL."""
    transform.run_dbt(["test", "--select", ROW_CHECKS], database_url)
    (compiled,) = [
        result.node.compiled_code
        for result in transform.run_dbt(["compile", "--select", ROW_CHECKS], database_url).results
    ]
    return compiled


@contextlib.contextmanager
def _enriched_row_set_to(database_url, query, posting_id: str, changes: dict[str, str]):
    """Within the block, one int_postings_enriched row has ``changes`` (column: SQL)."""
    (before,) = query(
        f"select {', '.join(changes)} from intermediate.int_postings_enriched"
        " where posting_id = %s",
        (posting_id,),
    )
    broken = ", ".join(f"{column} = {value}" for column, value in changes.items())
    restored = ", ".join(f"{column} = %({column})s" for column in changes)
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                f"update intermediate.int_postings_enriched set {broken} where posting_id = %s",
                (posting_id,),
            )
        try:
            yield
        finally:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    f"update intermediate.int_postings_enriched set {restored}"
                    " where posting_id = %(posting_id)s",
                    {**before, "posting_id": posting_id},
                )


def _failing_rows_after_build_fails(database_url, query, compiled):
    with pytest.raises(transform.TransformError) as raised:
        transform.run_dbt(["test", "--select", ROW_CHECKS], database_url)
    assert "fct_postings_row_checks" in str(raised.value)
    return query(compiled)


def test_one_data_test_finds_a_null_in_any_never_null_column(database_url, query, row_checks_sql):
    """fct_postings' never-null columns are checked in the same read as its other rules; a
    failing row names its posting and each null column."""
    (victim,) = query(
        "select min(posting_id) as posting_id from intermediate.int_postings_enriched"
    )
    nulls = {"region": "null", "is_remote": "null"}
    with _enriched_row_set_to(database_url, query, victim["posting_id"], nulls):
        assert _failing_rows_after_build_fails(database_url, query, row_checks_sql) == [
            {
                "failing_key": victim["posting_id"],
                "broken_checks": ["is_remote is null", "region is null"],
            }
        ]


def test_one_data_test_checks_every_rule_of_a_row(database_url, query, row_checks_sql):
    """Each row's own rules (orders, ranges, vocabularies, seed memberships) are checked in
    one read of fct_postings; a failing row names its posting and every rule it breaks."""
    (victim,) = query(
        "select posting_id from intermediate.int_postings_enriched"
        " where budget_min is not null order by posting_id limit 1"
    )
    broken = {
        "seniority": "'wizard'",
        "legitimacy_score": "101",
        "budget_max": "budget_min - 1",
        "budget_currency": "'ZZZ'",
        "skills": "array['python', 'no-such-skill']",
        "primary_skill": "'no-such-skill'",
    }
    with _enriched_row_set_to(database_url, query, victim["posting_id"], broken):
        (failing,) = _failing_rows_after_build_fails(database_url, query, row_checks_sql)
    # the rules come in the contract's order, which is not this test's concern
    assert failing["failing_key"] == victim["posting_id"]
    assert sorted(failing["broken_checks"]) == sorted(
        [
            "budget_in_order",
            "legitimacy_score_0_to_100",
            "known_seniority",
            "known_currency",
            "known_skills",
            "known_primary_skill",
        ]
    )


def test_a_null_holds_for_the_row_rules(database_url, query, row_checks_sql):
    """Like a CHECK constraint, a rule on a nullable column holds where it is null."""
    (victim,) = query(
        "select posting_id from intermediate.int_postings_enriched"
        " where budget_min is not null order by posting_id limit 1"
    )
    nulls = {"budget_currency": "null", "primary_skill": "null", "budget_max": "null"}
    with _enriched_row_set_to(database_url, query, victim["posting_id"], nulls):
        transform.run_dbt(["test", "--select", ROW_CHECKS], database_url)


def test_raws_never_null_columns_and_run_reference_are_checked_in_the_catalog(
    built_postings, database_url, query
):
    """raw.postings' NOT NULL columns and its crawl-run foreign key are what keeps them whole,
    so the data test checks those constraints exist instead of reading every row; it fails,
    naming each, when one is gone."""
    selected = ["--select", "source:raw.postings,test_name:enforced_by_constraints"]
    transform.run_dbt(["test", *selected], database_url)
    (compiled,) = [
        result.node.compiled_code
        for result in transform.run_dbt(["compile", *selected], database_url).results
    ]
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "alter table raw.postings alter column tags drop not null,"
                " drop constraint postings_crawl_run_id_fkey"
            )
        try:
            with pytest.raises(transform.TransformError) as raised:
                transform.run_dbt(["test", *selected], database_url)
            assert "source_enforced_by_constraints_raw_postings" in str(raised.value)
            assert {row["missing_constraint"] for row in query(compiled)} == {
                "tags is not NOT NULL",
                "crawl_run_id has no foreign key to raw.crawl_runs",
            }
        finally:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "alter table raw.postings alter column tags set not null,"
                    " add constraint postings_crawl_run_id_fkey foreign key (crawl_run_id)"
                    " references raw.crawl_runs (crawl_run_id)"
                )


@pytest.mark.parametrize(
    "model",
    [
        "int_postings_budgeted",
        "int_posting_fingerprints",
        "int_postings_text_signals",
        "int_postings_skill_tagged",
        "int_postings_classified",
        "int_postings_deduplicated",
        "int_postings_enriched",
        "int_market_yardsticks",
    ],
)
def test_a_second_row_for_one_posting_cannot_be_written(built_postings, database_url, model):
    """These models' key (posting_id; a yardstick's skill and rate basis) has no unique data
    test: their unique index is the check, and fct_postings is unique by them."""
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        with pytest.raises(psycopg.errors.UniqueViolation):
            cur.execute(
                f"insert into intermediate.{model} select * from intermediate.{model} limit 1"
            )
        conn.rollback()


def test_the_lookup_indexes_the_models_declare_are_built(built_postings, query):
    """dbt's `indexes` config builds the plain ones; a post-hook the feed's partial order."""
    rows = query(
        "select tablename, regexp_replace(indexdef, '^.* ON \\S+ ', '') as definition"
        " from pg_indexes where schemaname = 'intermediate'"
    )
    built = {(row["tablename"], row["definition"]) for row in rows}
    assert {
        ("int_postings_enriched", "USING gin (skills)"),
        ("int_postings_enriched", "USING btree (last_seen_at)"),
        ("int_postings_deduplicated", "USING btree (duplicate_group_id)"),
        ("int_posting_duplicate_pairs", "USING btree (left_posting_id)"),
        ("int_posting_duplicate_pairs", "USING btree (right_posting_id)"),
        ("int_postings_scored", "USING btree (posting_id)"),
    } <= built
    assert any(
        table == "int_postings_enriched" and "WHERE ((closed_at IS NULL)" in definition
        for table, definition in built
    )


def test_source_terms_travel_with_each_posting(built_postings):
    wwr, remoteok = built_postings["salary-text"], built_postings["hourly-range"]
    assert (wwr["source_name"], wwr["source_attribution"], wwr["is_republishable"]) == (
        "We Work Remotely",
        "via We Work Remotely",
        False,
    )
    assert (
        remoteok["source_attribution"],
        remoteok["requires_link_back"],
        remoteok["is_republishable"],
    ) == ("via Remote OK", True, True)


def test_a_feeds_own_republishing_terms_count_for_the_rss_source_only(built_postings):
    assert built_postings["feed-allows-republishing"]["is_republishable"]  # rss: false by default
    assert not built_postings["payload-claims-republishing"]["is_republishable"]


def test_sources_without_recorded_terms_are_the_operators_own_imports(built_postings):
    scam = built_postings["scam"]  # source "telegramjobs" has no terms row
    assert (scam["source_name"], scam["source_attribution"], scam["is_republishable"]) == (
        "telegramjobs",
        "via telegramjobs",
        True,
    )


def test_publishable_means_open_unflagged_canonical_and_republishable(built_postings):
    """fct_postings.is_publishable: what the exports publish, decided once in dbt."""
    assert not built_postings["salary-text"]["is_publishable"]  # its source forbids re-publishing
    assert not built_postings["scam"]["is_publishable"]  # flagged
    assert built_postings["hourly-range"]["is_publishable"]
    for key, row in built_postings.items():
        expected = (
            row["closed_at"] is None
            and not row["is_flagged"]
            and row["is_canonical"]
            and row["is_republishable"]
        )
        assert row["is_publishable"] == expected, key


def test_signal_columns_are_the_rows_of_seed_legitimacy_signals(built_postings, query):
    [row] = query(
        "select array_agg(signal order by signal) as signals from seeds.legitimacy_signals"
    )
    columns = sorted(
        column[len("has_") :]
        for column in next(iter(built_postings.values()))
        if column.startswith("has_") and column != "has_open_quality_flag"
    )
    assert columns == row["signals"] and len(columns) == 10


def test_a_source_that_never_names_clients_is_not_penalised_for_it(built_postings):
    """source_terms.hides_client_identity: a blank company on Freelancer.com is the norm."""
    freelancer = built_postings["no-client-by-design"]
    job_board = built_postings["no-client-named"]
    assert not freelancer["has_missing_client_identity"]
    assert not any("Names no client" in reason for reason in freelancer["legitimacy_reasons"])
    assert job_board["has_missing_client_identity"]
    assert any("Names no client" in reason for reason in job_board["legitimacy_reasons"])
    assert freelancer["legitimacy_score"] > job_board["legitimacy_score"]


def test_feed_facets_count_every_posting_in_the_mart(built_postings, query):
    """rpt_feed_facets holds what the Feed used to count from the mart on every cache miss."""
    expected = Counter()
    for row in built_postings.values():
        expected.update(("skill", skill) for skill in row["skills"])
        for facet in ("engagement_type", "region"):
            if row[facet] is not None:
                expected[(facet, row[facet])] += 1
    facets = {
        (row["facet"], row["value"]): row["postings"]
        for row in query("select facet, value, postings from marts.rpt_feed_facets")
    }

    assert facets == dict(expected)
    assert facets[("engagement_type", "salary")] == 3
    assert facets[("engagement_type", "fixed")] >= 1  # the closed fixed-price posting counts


def test_source_overview_counts_each_source_as_the_mart_does(built_postings, query):
    """rpt_source_overview holds what the Sources page used to aggregate on every cache miss."""
    expected = {}
    for row in built_postings.values():
        counts = expected.setdefault(row["source"], [0, 0, 0])
        counts[0] += 1
        counts[1] += row["closed_at"] is None
        counts[2] += row["is_score_flagged"]  # below dbt_project.yml's flag_score_threshold
    overview = {
        row["source"]: [row["postings"], row["open_postings"], row["score_flagged_postings"]]
        for row in query("select * from marts.rpt_source_overview")
    }

    assert overview == expected
    assert {
        row["flag_score_threshold"] for row in query("select * from marts.rpt_source_overview")
    } == {35}
    assert any(counts[2] for counts in overview.values())  # the fixture's scams are counted
    assert any(counts[1] < counts[0] for counts in overview.values())  # and its closed posting


def test_every_intermediate_table_has_statistics_when_the_build_ends(built_postings, query):
    """Each model analyses the table it wrote when it has no statistics yet: the next model
    plans on them, not on autovacuum's schedule (a first build's pairs took minutes)."""
    # transform_watermarks is no model's table: read by primary key only, whatever its
    # statistics (autovacuum analyses it a minute after its creation, or not)
    unanalysed = query(
        "select relname from pg_class where relnamespace = 'intermediate'::regnamespace"
        " and relkind = 'r' and reltuples < 0 and relname <> 'transform_watermarks'"
    )
    assert unanalysed == []


def test_a_query_reading_no_market_column_does_not_join_the_yardsticks(built_postings, query):
    """rate_position and pay_vs_market_ratio are joined from int_market_yardsticks at read
    time; a count over the whole mart (sources, facets, checks) must not pay for that join."""
    (plan,) = query(
        "explain (format json) select source, count(*) from marts.fct_postings group by source"
    )
    assert "int_market_yardsticks" not in str(plan)
    (plan,) = query("explain (format json) select rate_position from marts.fct_postings")
    assert "int_market_yardsticks" in str(plan)


def test_mid_market_means_contract_work_in_the_band_never_a_salary(built_postings):
    # $120-150k a year converts to about $65 an hour, inside the band, but it is a salary.
    assert built_postings["salary-structured"]["hourly_usd_mid"] is not None
    assert built_postings["salary-structured"]["is_mid_market"] is False
    assert built_postings["hourly-range"]["is_mid_market"] is True
