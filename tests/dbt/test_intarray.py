"""intarray (the duplicate pairs' shingle-set intersection) is created by dbt's on-run-start
in its own schema, or used where a server already has it."""

from __future__ import annotations

import contextlib

from midtier import database, transform
from tests.dbt.conftest import insert_postings

DESCRIPTION = (
    "We need a senior Django developer to rebuild our booking platform, add payments "
    "and move the whole stack to a managed PostgreSQL service within three months."
)
COPIES = [
    {
        "source": "remoteok",
        "source_posting_id": "ia-1",
        "title": "Senior Django developer",
        "company": "Acme",
        "description_text": DESCRIPTION,
    },
    {
        "source": "weworkremotely",
        "source_posting_id": "ia-2",
        "title": "Senior Django developer",
        "company": "Acme Inc.",
        "description_text": DESCRIPTION,
    },
]


def _one(url: str, sql: str):
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()


def _build_pairs(url: str) -> None:
    transform.run_dbt(
        [
            "build",
            "--select",
            "+int_posting_duplicate_pairs",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ],
        url,
    )


def _copy_overlap(url: str):
    return _one(
        url,
        "select text_overlap from intermediate.int_posting_duplicate_pairs"
        " where right_posting_id is not null",
    )


def test_intarray_is_created_in_its_own_schema(make_database):
    url = make_database("midtier_intarray_fresh")
    database.apply_schema(url)
    with contextlib.closing(database.connect(url)) as conn:
        insert_postings(conn, COPIES)
    _build_pairs(url)
    assert _one(
        url, "select extnamespace::regnamespace::text from pg_extension where extname = 'intarray'"
    ) == ("extensions",)
    assert _copy_overlap(url) == (1,)
    # built-in array operators on int[] are not shadowed by intarray's
    assert _one(url, "select array[1, 2] && array[2, 3]") == (True,)
    _build_pairs(url)  # a second run finds it installed


def test_an_intarray_installed_elsewhere_is_used_where_it_is(make_database):
    url = make_database("midtier_intarray_public", "create extension intarray schema public")
    database.apply_schema(url)
    with contextlib.closing(database.connect(url)) as conn:
        insert_postings(conn, COPIES)
    _build_pairs(url)
    assert _one(url, "select count(*) from pg_namespace where nspname = 'extensions'") == (0,)
    assert _copy_overlap(url) == (1,)
