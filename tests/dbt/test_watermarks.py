"""Watermarks: an incremental run compares only the raw rows written since the model last ran
(dbt/macros/incremental/watermarks.sql), and falls back to comparing every posting when the
watermark does not hold."""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, transform
from tests.dbt.conftest import insert_postings

# a build per market move: 5 min under load; `make test-all` runs it
pytestmark = pytest.mark.slow

PER_POSTING_MODELS = (
    "int_postings_budgeted",
    "int_postings_skill_tagged",
    "int_postings_classified",
    "int_posting_fingerprints",
    "int_postings_text_signals",
)

# every model that keeps a watermark
WATERMARKED_MODELS = (
    *PER_POSTING_MODELS,
    "int_posting_duplicate_pairs",
    "int_postings_deduplicated",
    "int_postings_scored",
    "int_postings_enriched",
)

POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": f"wm-{n}",
        "title": f"Python developer {n}",
        "company": f"Company {n}",
        "description_text": f"Django services for client {n}.",
        "budget_text": "$70/hr",
        "tags": ["python"],
    }
    for n in range(3)
] + [
    {
        # paid so far above the market that the pay rule fires, until python's own (higher)
        # market is known
        "source": "remoteok",
        "source_posting_id": "wm-lure",
        "title": "Python developer",
        "company": "Lure Ltd",
        "description_text": "Django services for a lucky applicant.",
        "budget_text": "$400/hr",
        "tags": ["python"],
    },
    {
        # fixed price: another yardstick than the hourly python postings'
        "source": "jobicy",
        "source_posting_id": "wm-fixed",
        "title": "Go platform engineer",
        "company": "Delta Logistics",
        "description_text": "Route planning services in Go.",
        "budget_text": "Fixed price: $8,000",
        "tags": ["go"],
    },
]

# enough hourly python postings, paid far more, to give python its own market percentiles
MARKET_MOVERS = [
    {
        "source": "himalayas",
        "source_posting_id": f"wm-mover-{n}",
        "title": f"Staff Python engineer {n}",
        "company": f"Mover {n}",
        "description_text": f"Python data platform work for mover {n}.",
        "budget_text": "$150/hr",
        "tags": ["python"],
    }
    for n in range(6)
]


def _execute(url: str, sql: str, params=None) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _budgeted_hash(url: str, source_posting_id: str) -> str | None:
    rows = _execute(
        url,
        "select budgeted.content_hash from intermediate.int_postings_budgeted as budgeted"
        " inner join staging.stg_raw__postings as postings using (posting_id)"
        " where postings.source_posting_id = %s",
        (source_posting_id,),
    )
    return rows[0][0] if rows else None


@pytest.fixture(scope="module")
def built(database_url):
    _execute(database_url, "truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
    with contextlib.closing(database.connect(database_url)) as conn:
        insert_postings(conn, POSTINGS)
    transform.build(database_url)
    return database_url


def test_every_incremental_model_records_a_watermark_for_its_table_and_rules(built):
    for model in WATERMARKED_MODELS:
        rows = _execute(
            built,
            "select watermark.table_filenode = pg_relation_filenode(%s),"
            " watermark.watermark <= pg_current_xact_id()"
            " from intermediate.transform_watermarks as watermark"
            " where watermark.model_relation like %s",
            (f"intermediate.{model}", f'%."intermediate"."{model}"'),
        )
        assert rows == [(True, True)], model
    for model in PER_POSTING_MODELS:
        rows = _execute(
            built,
            "select rules_hash from intermediate.transform_watermarks"
            " where model_relation like %s"
            " intersect select rules_hash from intermediate." + model,
            (f'%."{model}"',),
        )
        assert len(rows) == 1, model


def test_a_run_with_a_watermark_compares_only_rows_written_since(built):
    """A model row made stale behind raw's back (raw untouched) is not looked at while the
    watermark holds; dropping the watermark makes the next run compare every posting again."""
    _execute(
        built,
        "update intermediate.int_postings_budgeted set content_hash = 'tampered'"
        " where posting_id = (select posting_id from staging.stg_raw__postings"
        "   where source_posting_id = 'wm-0')",
    )
    transform.build(built)
    assert _budgeted_hash(built, "wm-0") == "tampered"

    _execute(
        built,
        "delete from intermediate.transform_watermarks"
        " where model_relation like '%.\"int_postings_budgeted\"'",
    )
    transform.build(built)
    assert _budgeted_hash(built, "wm-0") != "tampered"


def test_a_rewritten_raw_row_is_processed_again(built):
    _execute(
        built,
        "update raw.postings set budget_text = '$90/hr', content_hash = md5('wm-1 v2')"
        " where source_posting_id = 'wm-1'",
    )
    transform.build(built)
    assert _budgeted_hash(built, "wm-1") == _execute(built, "select md5('wm-1 v2')")[0][0]
    rows = _execute(
        built, "select budget_max from marts.fct_postings where source_posting_id = 'wm-1'"
    )
    assert rows == [(90,)]


def test_a_load_still_open_during_a_run_is_processed_by_the_next(built):
    """The watermark is the oldest transaction still running when the run looked: rows that
    transaction commits afterwards are older than the run, yet never skipped."""
    with contextlib.closing(database.connect(built)) as loader:
        with loader.cursor() as cur:
            cur.execute(
                "insert into raw.postings (source, source_posting_id, url, title, company,"
                "   description_text, budget_text, tags, payload, content_hash, fetched_at,"
                "   first_seen_at, last_seen_at, crawl_run_id)"
                " select source, 'wm-late', url || '-late', title, company, description_text,"
                "   '$65/hr', tags, payload, md5('wm-late'), fetched_at, first_seen_at,"
                "   last_seen_at, crawl_run_id"
                " from raw.postings where source_posting_id = 'wm-2'"
            )
        transform.build(built)  # the insert above is still uncommitted
        assert _budgeted_hash(built, "wm-late") is None
        loader.commit()
    transform.build(built)
    assert _budgeted_hash(built, "wm-late") == _execute(built, "select md5('wm-late')")[0][0]


def test_a_truncated_model_table_is_rebuilt_from_every_posting(built):
    """New storage (TRUNCATE, a full refresh, a restore) voids the watermark."""
    _execute(built, "truncate intermediate.int_postings_classified")
    transform.build(built)
    rows = _execute(
        built,
        "select count(*) from intermediate.int_postings_classified as classified"
        " inner join staging.stg_raw__postings as postings using (posting_id)",
    )
    assert rows[0][0] == _execute(built, "select count(*) from raw.postings")[0][0]


def _rows(url: str, table: str) -> dict[str, tuple]:
    """source_posting_id -> (xmin, the row as text) of one intermediate table."""
    return {
        key: (xmin, row)
        for key, xmin, row in _execute(
            url,
            f"select postings.source_posting_id, model.xmin::text, model::text"
            f" from intermediate.{table} as model"
            f" inner join staging.stg_raw__postings as postings using (posting_id)",
        )
    }


def _mart(url: str, source_posting_id: str) -> dict:
    rows = _execute(
        url,
        "select rate_position, pay_vs_market_ratio, legitimacy_score, legitimacy_reasons"
        " from marts.fct_postings where source_posting_id = %s",
        (source_posting_id,),
    )
    return dict(
        zip(
            ("rate_position", "pay_vs_market_ratio", "legitimacy_score", "legitimacy_reasons"),
            rows[0],
        )
    )


def test_a_market_move_rescores_only_the_postings_whose_pay_rule_it_moves(built):
    """Pay against the market is read at query time: a market move rewrites no stored
    posting but those whose pay rule it changes."""
    scored_before = _rows(built, "int_postings_scored")
    enriched_before = _rows(built, "int_postings_enriched")
    mart_before = {key: _mart(built, key) for key in ("wm-0", "wm-lure")}
    assert any(
        "x the median of" in reason for reason in mart_before["wm-lure"]["legitimacy_reasons"]
    )
    with contextlib.closing(database.connect(built)) as conn:
        insert_postings(conn, MARKET_MOVERS)
    transform.build(built)

    scored_after = _rows(built, "int_postings_scored")
    enriched_after = _rows(built, "int_postings_enriched")
    for key in ("wm-0", "wm-fixed"):
        assert scored_after[key] == scored_before[key], (
            f"{key}'s pay rule did not move, yet it was rescored"
        )
        assert enriched_after[key] == enriched_before[key], f"{key} was rewritten by a market move"
    # $70/hr: the whole market's median before, under python's own median ($150) after
    wm_0 = _mart(built, "wm-0")
    assert mart_before["wm-0"]["pay_vs_market_ratio"] == 1
    assert wm_0["pay_vs_market_ratio"] < 1
    assert (mart_before["wm-0"]["rate_position"], wm_0["rate_position"]) == (
        "market",
        "under_market",
    )
    # $400/hr: far above the whole market, not above python's
    lure = _mart(built, "wm-lure")
    assert scored_after["wm-lure"][0] != scored_before["wm-lure"][0]
    assert not any("x the median of" in reason for reason in lure["legitimacy_reasons"])
    assert lure["legitimacy_score"] > mart_before["wm-lure"]["legitimacy_score"]
    assert lure["pay_vs_market_ratio"] < 3


def _table(url: str, table: str) -> list[str]:
    """The rows of the postings in raw (every table keeps a deleted posting's rows until a
    full refresh; consumers start from raw), as text."""
    key = "left_posting_id" if table == "int_posting_duplicate_pairs" else "posting_id"
    return [
        row
        for (row,) in _execute(
            url,
            f"select model::text from intermediate.{table} as model"
            f" where model.{key} in (select posting_id from staging.stg_raw__postings)"
            f" order by 1",
        )
    ]


def test_runs_from_watermarks_leave_what_a_run_over_every_posting_would(built):
    """The oracle: after the changes above, forgetting every watermark and building again
    (every posting looked at) changes no row of any table."""
    before = {table: _table(built, table) for table in WATERMARKED_MODELS}
    _execute(built, "delete from intermediate.transform_watermarks")
    transform.build(built)
    after = {table: _table(built, table) for table in WATERMARKED_MODELS}
    for table in WATERMARKED_MODELS:
        assert after[table] == before[table], table


def test_a_posting_deleted_from_raw_leaves_the_mart_through_the_deletion_log(built):
    market = (
        "select n from intermediate.int_rate_benchmarks"
        " where skill_slug = 'python' and rate_basis = 'hourly'"
    )
    (python_postings,) = _execute(built, market)
    _execute(built, "delete from raw.postings where source_posting_id = 'wm-mover-0'")
    logged = _execute(
        built,
        "select count(*) from raw.posting_deletions where posting_id = md5('himalayas|wm-mover-0')",
    )
    assert logged == [(1,)]
    transform.build(built)
    assert _execute(
        built, "select count(*) from marts.fct_postings where source_posting_id = 'wm-mover-0'"
    ) == [(0,)]
    assert _execute(built, "select count(*) from marts.fct_postings") == _execute(
        built, "select count(*) from raw.postings"
    )
    # the per-posting tables keep its rows; the market no longer counts it
    assert _execute(built, market) == [(python_postings[0] - 1,)]
