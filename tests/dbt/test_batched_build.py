"""A first build over a large backlog runs the per-posting models in batches of posting ids,
and ends with the same tables as one full build."""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, transform
from tests.dbt.conftest import insert_postings
from tests.dbt.test_incremental import CROSS_POSTED_COPY, NEW_POSTING, POSTINGS, SPRAYED

# several batched builds per test: 15 min under load; `make test-all` runs it
pytestmark = pytest.mark.slow

# ids of their own: per-posting rows outlive their raw postings, and test_incremental's
# builds must not find its postings already processed
ALL_POSTINGS = [
    {**posting, "source_posting_id": f"batched-{posting['source_posting_id']}"}
    for posting in (*POSTINGS, *SPRAYED, NEW_POSTING, CROSS_POSTED_COPY)
]
PAIRS = "int_posting_duplicate_pairs"


def _rows(url: str, sql: str) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return sorted(cur.fetchall(), key=repr)


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every per-posting table (as text rows), the compared pairs, and the mart's groups."""
    tables = {
        model: _rows(url, f"select model::text from intermediate.{model} as model")
        for model in transform.PER_POSTING_MODELS
    }
    tables[PAIRS] = _rows(
        url,
        f"select left_posting_id, right_posting_id, text_overlap, title_similarity,"
        f" days_apart from intermediate.{PAIRS} where right_posting_id is not null",
    )
    tables["fct_postings"] = _rows(
        url,
        "select source_posting_id, duplicate_group_size, is_canonical, client_posting_velocity,"
        " skills, legitimacy_score from marts.fct_postings",
    )
    return tables


def _drop_per_posting_tables(url: str) -> None:
    """As before a first build: no per-posting table, staging view or seed yet."""
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        for model in (*transform.PER_POSTING_MODELS, PAIRS):
            cur.execute(f"drop table if exists intermediate.{model} cascade")
        cur.execute("drop schema if exists staging cascade")
        cur.execute("drop schema if exists seeds cascade")


@pytest.fixture(scope="module")
def full_build(database_url):
    with contextlib.closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
        insert_postings(conn, ALL_POSTINGS)
    transform.build(database_url, full_refresh=True)
    return _snapshot(database_url)


@pytest.fixture(scope="module")
def batched(database_url, full_build):
    """The per-posting tables dropped (as before a first build), then caught up in batches of 2."""
    _drop_per_posting_tables(database_url)
    backlog = transform.posting_backlog(database_url)
    batches = transform.catch_up(database_url, batch_postings=2)
    ids = [
        row[0] for row in _rows(database_url, "select posting_id from staging.stg_raw__postings")
    ]
    after_catch_up = {
        model: {
            row[0] for row in _rows(database_url, f"select posting_id from intermediate.{model}")
        }
        for model in transform.PER_POSTING_MODELS
    }
    transform.build(database_url)
    return {
        "backlog": backlog,
        "batches": batches,
        "ids": ids,
        "after_catch_up": after_catch_up,
        "snapshot": _snapshot(database_url),
    }


def test_batch_bounds_split_md5_ids_evenly():
    assert transform.batch_bounds(250_000, 100_000) == ["5555", "aaaa"]
    assert transform.batch_bounds(100_000, 100_000) == []
    assert transform.batch_bounds(0, 100_000) == []


def test_the_backlog_is_every_posting_without_its_rows(database_url, batched):
    assert batched["backlog"] == len(ALL_POSTINGS)
    assert transform.posting_backlog(database_url) == 0


def test_catch_up_processes_every_posting_batch_by_batch(batched):
    bounds = transform.batch_bounds(len(ALL_POSTINGS), 2)
    assert len(bounds) == 3
    assert batched["batches"] == len(bounds) + 1
    for model, processed in batched["after_catch_up"].items():
        assert processed == set(batched["ids"]), model


def test_batched_build_equals_one_full_build(full_build, batched):
    for table, rows in full_build.items():
        assert batched["snapshot"][table] == rows, table
    # the cross-posted copy and the sprayed ads are found across batches
    assert any(size == 2 for _, size, *_ in full_build["fct_postings"])


def test_ordinary_build_runs_no_batches(database_url, batched):
    assert transform.catch_up(database_url) == 0


def test_batch_bound_must_be_an_md5_prefix(database_url, batched):
    with pytest.raises(transform.TransformError, match="posting_id_below"):
        transform.run_dbt(
            [
                "run",
                "--select",
                "int_postings_budgeted",
                "--vars",
                '{posting_id_below: "x\'; drop table raw.postings; --"}',
            ],
            database_url,
        )


def test_posting_ids_are_found_through_the_raw_index(database_url, batched):
    """midtier/sql's postings_posting_id_key indexes exactly dbt's posting_key expression."""
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute("explain select * from staging.stg_raw__postings where posting_id < '8'")
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "postings_posting_id_key" in plan


def test_raw_refuses_a_second_posting_with_one_posting_id(database_url, batched):
    """posting_id's uniqueness is raw's unique index (no data test reads all of raw for it);
    the non-unique index of earlier versions is dropped when the schema is applied."""
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "create index postings_posting_key_idx on raw.postings"
            " (md5(source || '|' || source_posting_id))"
        )
        cur.execute("comment on schema raw is null")  # as if applied by an earlier version
    database.apply_schema(database_url)
    with contextlib.closing(database.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select indisunique, pg_get_indexdef(indexrelid) from pg_index"
            " where indexrelid = 'raw.postings_posting_id_key'::regclass"
        )
        unique, definition = cur.fetchone()
        cur.execute("select to_regclass('raw.postings_posting_key_idx')")
        (old_index,) = cur.fetchone()
    assert unique
    assert "md5(((source || '|'::text) || source_posting_id))" in definition
    assert old_index is None


def _as_after_a_rule_change(cur, models) -> None:
    """Every row of ``models`` stale, as after a rule change: the rules hash of each row and
    the one its watermark was recorded under (a real change moves both)."""
    for model in models:
        cur.execute(f"update intermediate.{model} set rules_hash = 'stale'")
        cur.execute(
            "update intermediate.transform_watermarks set rules_hash = 'stale'"
            " where model_relation like %s",
            (f'%."{model}"',),
        )


def _stale_rows(url: str, model: str) -> set[str]:
    return {
        row[0]
        for row in _rows(
            url, f"select posting_id from intermediate.{model} where rules_hash = 'stale'"
        )
    }


def test_a_batch_reprocesses_the_stale_postings_of_its_range(database_url, full_build, batched):
    """As after a rule change: every row stale. A batch re-processes exactly its range; a
    batched build over every posting (`midtier transform --batched`) all of them, and the
    tables come out as one full build's."""
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        _as_after_a_rule_change(cur, transform.PER_POSTING_MODELS)
    ids = set(batched["ids"])
    in_range = {posting_id for posting_id in ids if "4000" <= posting_id < "8000"}
    assert in_range and in_range != ids
    transform.run_dbt(
        [
            "run",
            "--select",
            "tag:per_posting",
            "--exclude",
            PAIRS,
            "--vars",
            '{posting_id_from: "4000", posting_id_below: "8000"}',
        ],
        database_url,
    )
    for model in transform.PER_POSTING_MODELS:
        assert _stale_rows(database_url, model) == ids - in_range, model

    assert transform.catch_up(database_url, batch_postings=2, every_posting=True) == 4
    for model in transform.PER_POSTING_MODELS:
        assert _stale_rows(database_url, model) == set(), model
    transform.build(database_url)
    snapshot = _snapshot(database_url)
    for table, rows in full_build.items():
        assert snapshot[table] == rows, table


def test_a_plain_build_after_a_rule_change_reprocesses_in_batches(
    database_url, full_build, batched, monkeypatch
):
    """More stale postings than one batch: the per-posting models refuse to run them in one
    statement, and `midtier transform` (build) works them off in batches on its own."""
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        _as_after_a_rule_change(cur, transform.PER_POSTING_MODELS)
        cur.execute(
            f"update intermediate.{PAIRS} set rules_hash = 'stale' where right_posting_id is null"
        )
    monkeypatch.setenv("MIDTIER_TRANSFORM_BATCH_POSTINGS", "2")

    with pytest.raises(transform.TransformError, match="more than one batch") as refused:
        transform.run_dbt(["run", "--select", "int_postings_budgeted"], database_url)
    assert f"{len(ALL_POSTINGS)} postings to process" in str(refused.value)
    assert _stale_rows(database_url, "int_postings_budgeted") == set(batched["ids"])

    said: list[str] = []
    transform.build(database_url, echo=said.append)
    assert any("re-processing every posting in batches" in line for line in said)
    assert any(line.startswith("batch 4/4") for line in said), said
    for model in transform.PER_POSTING_MODELS:
        assert _stale_rows(database_url, model) == set(), model
    snapshot = _snapshot(database_url)
    for table, rows in full_build.items():
        assert snapshot[table] == rows, table


def test_airflow_processes_a_rule_change_in_batches_before_the_models_run(
    database_url, full_build, batched, monkeypatch
):
    """The DAG's first task (steps.catch_up_postings): nothing to do on an ordinary run; after
    a rule change, every posting in batches, so the node-by-node dbt tasks find none stale."""
    monkeypatch.setenv("MIDTIER_TRANSFORM_BATCH_POSTINGS", "2")
    assert transform.process_per_posting(database_url) == 0
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        _as_after_a_rule_change(cur, transform.PER_POSTING_MODELS)
    assert transform.process_per_posting(database_url) == 4
    for model in transform.PER_POSTING_MODELS:
        assert _stale_rows(database_url, model) == set(), model
