"""Issue 4's acceptance, through the real pipeline: `import` -> dbt build -> `midtier check`
-> `midtier export`, in the session database.

Asserts on behaviour (flags, is_flagged, source status, exports), not on the mart's internal
columns, so it holds while the dbt models evolve.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from midtier import cli, database, transform
from midtier.importer import import_file

GENUINE = [
    {
        "id": "g-django",
        "title": "Senior Django developer",
        "company": "Acme Analytics",
        "description": "Extend our Django REST API and PostgreSQL models. Apply through our careers page.",
        "budget_text": "$60-80/hr",
    },
    {
        "id": "g-react",
        "title": "React engineer for a dashboard",
        "company": "Beta GmbH",
        "description": "Build charts in React and TypeScript for our analytics product.",
        "budget_text": "$70 per hour",
    },
    {
        "id": "g-data",
        "title": "Data engineer (Spark, Airflow)",
        "company": "Gamma BV",
        "description": "Batch pipelines on Spark, scheduled with Airflow, modelled in dbt.",
        "budget_text": "€600/day",
    },
    {
        "id": "g-shop",
        "title": "Shopify store build",
        "company": "Delta Shop",
        "description": "Theme customisation and a product import for about 300 products.",
        "budget_text": "Fixed-price: $5,000",
    },
    {
        "id": "g-go",
        "title": "Go backend contractor",
        "company": "Epsilon Inc",
        "description": "Distributed services in Go on Kubernetes; 3-month contract.",
        "budget_text": "$90/hr",
    },
]
SCAMS = {
    "s-telegram": (
        "off-platform contact",
        {
            "title": "Remote data entry assistant",
            "company": "Global Staffing",
            "description": "Easy remote work. Contact me on Telegram @fast_hr_desk to get started.",
            "budget_text": "$45/hr",
        },
    ),
    "s-fee": (
        "pay-to-apply",
        {
            "title": "Virtual assistant",
            "company": "Prime Remote Jobs",
            "description": "Before onboarding you pay a refundable registration fee of $50.",
            "budget_text": "$40/hr",
        },
    ),
    "s-budget": (
        "absurd budget",
        {
            "title": "Copy and paste product names",
            "company": "Listing Helpers",
            "description": "Copy product names from one spreadsheet into another.",
            "budget_text": "$900/hr",
        },
    ),
}
# dbt decides what is flagged; the client_legitimacy suite records it under one check
EXPECTED_CHECKS = {
    "s-telegram": {"legitimacy_score"},
    "s-fee": {"legitimacy_score"},
    "s-budget": {"legitimacy_score"},
}

QUALITY_TABLES = (
    "quality.validation_results, quality.posting_flags, quality.source_status, "
    "quality.source_run_profiles, quality.publication_log"
)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def board_postings(prefix: str, count: int, *, titled: bool = True) -> list[dict]:
    return [
        {
            "id": f"{prefix}-{n}",
            "title": f"Python developer {n}" if titled else "",
            "company": f"Company {n}",
            "url": f"https://{prefix}.example.test/{n}",
            "description": "Backend work in Python and PostgreSQL.",
            "budget_text": "$50-70/hr",
            "posted_at": "2026-03-01T09:00:00Z",
        }
        for n in range(count)
    ]


def query(url: str, sql: str, params=None) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture(scope="module")
def pipeline(database_url, tmp_path_factory):
    """Two job boards with a history, one returning half its volume with empty titles, and a
    community batch of genuine and scam postings; imported, built, checked and exported."""
    files = tmp_path_factory.mktemp("acceptance")
    query(
        database_url,
        f"truncate raw.postings, raw.rejects, raw.crawl_runs cascade; truncate {QUALITY_TABLES}",
    )
    for run in range(2):
        import_file(
            write_jsonl(files / f"a{run}.jsonl", board_postings("boarda", 20)),
            "boarda",
            url=database_url,
        )
        import_file(
            write_jsonl(files / f"b{run}.jsonl", board_postings("boardb", 20)),
            "boardb",
            url=database_url,
        )
    import_file(
        write_jsonl(files / "a-broken.jsonl", board_postings("boarda", 10, titled=False)),
        "boarda",
        url=database_url,
    )
    import_file(
        write_jsonl(files / "b2.jsonl", board_postings("boardb", 20)), "boardb", url=database_url
    )
    batch = GENUINE + [{"id": key, **record} for key, (_, record) in SCAMS.items()]
    import_file(write_jsonl(files / "community.jsonl", batch), "community", url=database_url)
    transform.build(database_url)
    exports = files / "exports"
    check_status = cli.main(["check"])
    export_status = cli.main(["export", "--out", str(exports)])
    yield {
        "url": database_url,
        "files": files,
        "exports": exports,
        "check_status": check_status,
        "export_status": export_status,
    }
    query(database_url, f"truncate {QUALITY_TABLES}")


def exported_files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def posting_ids(url: str, source: str) -> dict[str, str]:
    return dict(
        query(
            url,
            "select source_posting_id, posting_id from marts.fct_postings where source = %s",
            (source,),
        )
    )


def open_flags(url: str) -> dict[str, set[str]]:
    flags: dict[str, set[str]] = {}
    for posting_id, check in query(
        url, "select posting_id, check_name from quality.posting_flags where cleared_at is null"
    ):
        flags.setdefault(posting_id, set()).add(check)
    return flags


def test_planted_scams_are_flagged_with_their_failing_check(pipeline):
    ids = posting_ids(pipeline["url"], "community")
    flags = open_flags(pipeline["url"])

    for key, (kind, _) in SCAMS.items():
        assert flags.get(ids[key], set()) & EXPECTED_CHECKS[key], (
            f"{kind} posting {key} not flagged"
        )
    rows = query(
        pipeline["url"],
        "select observed_value, validation_id from quality.posting_flags where posting_id = %s",
        (ids["s-fee"],),
    )
    assert all(observed and validation_id for observed, validation_id in rows)


def test_genuine_postings_in_the_same_batch_are_not_flagged(pipeline):
    ids = posting_ids(pipeline["url"], "community")
    flags = open_flags(pipeline["url"])

    assert {record["id"]: flags.get(ids[record["id"]]) for record in GENUINE} == {
        record["id"]: None for record in GENUINE
    }
    flagged_in_mart = dict(
        query(
            pipeline["url"],
            "select source_posting_id, is_flagged "
            "from marts.fct_postings where source = 'community'",
        )
    )
    assert not any(flagged_in_mart[record["id"]] for record in GENUINE)


def test_flagged_postings_are_is_flagged_in_the_mart(pipeline):
    flagged_in_mart = dict(
        query(
            pipeline["url"],
            "select source_posting_id, is_flagged "
            "from marts.fct_postings where source = 'community'",
        )
    )
    assert {key: flagged_in_mart[key] for key in SCAMS} == dict.fromkeys(SCAMS, True)


def test_half_volume_with_empty_titles_degrades_that_source_only(pipeline):
    status = dict(query(pipeline["url"], "select source, status from quality.source_status"))

    assert status["boarda"] == "degraded"
    assert status["boardb"] == "healthy"
    [(reason,)] = query(
        pipeline["url"], "select reason from quality.source_status where source = 'boarda'"
    )
    assert "volume" in reason and "title_missing" in reason


def test_other_sources_data_is_published(pipeline):
    assert (pipeline["check_status"], pipeline["export_status"]) == (0, 0)
    csv = (pipeline["exports"] / "postings.csv").read_text()
    assert "boardb-0" in csv and "g-django" in csv
    [(published, reason)] = query(
        pipeline["url"], "select published, reason from quality.publication_log"
    )
    assert published and reason is None


def test_critical_mart_failure_writes_no_exports_and_records_why(pipeline, capsys):
    # New raw postings the mart was not rebuilt for: it no longer holds what raw holds.
    import_file(
        write_jsonl(pipeline["files"] / "b-late.jsonl", board_postings("boardc", 30)),
        "boardb",
        url=pipeline["url"],
    )
    before = exported_files(pipeline["exports"])

    assert cli.main(["check"]) == 1
    assert cli.main(["export", "--out", str(pipeline["exports"])]) == 1

    assert "export refused" in capsys.readouterr().err
    assert exported_files(pipeline["exports"]) == before
    entries = query(
        pipeline["url"],
        "select published, reason from quality.publication_log order by publication_id",
    )
    assert [published for published, _ in entries] == [True, False, False]
    assert all("fct_postings_coverage" in reason for _, reason in entries[1:])
