"""also_seen_on stays short however many copies a job has (var also_seen_on_max_urls)."""

from __future__ import annotations

import contextlib

import pytest

from midtier import database, transform

TEXT = (
    "Harbor Freight Labs is rebuilding its warehouse planning tool. You will own the Vue "
    "front end, the Flask API behind it and the PostgreSQL schema, and pair with our ops "
    "team in Lisbon twice a week. Contract of four months, paid monthly."
)

BOARDS = ["remoteok", "jobicy", "himalayas", "weworkremotely"]

POSTINGS = [
    {
        "source": board,
        "source_posting_id": f"copy-{board}",
        "title": "Full-stack developer (Vue, Flask)",
        "company": "Harbor Freight Labs",
        "description_text": TEXT,
        "budget_text": "$70/hr",
        "tags": ["vue"],
        "url": f"https://{board}.example/jobs/42",
    }
    for board in BOARDS
]


def _urls(url: str) -> dict[str, tuple[str, list[str], int]]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select source, url, also_seen_on, duplicate_group_size from marts.fct_postings"
        )
        return {source: (own, others, size) for source, own, others, size in cur.fetchall()}


def test_every_copy_lists_the_others(built_postings, database_url):
    urls = _urls(database_url)
    for own, others, size in urls.values():
        assert size == len(BOARDS)
        assert sorted(others) == sorted(url for url, _, _ in urls.values() if url != own)


@pytest.mark.parametrize("shown", [0, 1, 2])
def test_a_big_group_lists_at_most_the_configured_urls_never_the_postings_own(
    built_postings, database_url, shown
):
    every_url = sorted(f"https://{board}.example/jobs/42" for board in BOARDS)
    try:
        transform.run_dbt(
            [
                "run",
                "--select",
                "int_postings_deduplicated+",
                "--vars",
                f"{{also_seen_on_max_urls: {shown}}}",
            ],
            database_url,
        )
        for own, others, size in _urls(database_url).values():
            assert size == len(BOARDS)
            # the first urls of the group, the posting's own left out
            assert others == [url for url in every_url if url != own][:shown]
    finally:
        transform.run_dbt(["run", "--select", "int_postings_deduplicated+"], database_url)
