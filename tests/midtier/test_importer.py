"""`midtier import` through the spiders' pipeline into the raw layer."""

from __future__ import annotations

import json

import pytest

from midtier.importer import ImportFileError, import_file

ROWS = [
    {
        "source": "community",
        "source_posting_id": "a1",
        "url": "https://example.org/a1",
        "title": "Senior Django developer (contract)",
        "company": "Acme",
        "description": "<p>Build our <b>API</b>.</p>",
        "budget_text": "$70-90/hr",
        "tags": ["python", "django"],
        "location": "Remote (EU)",
        "posted_at": "2026-11-20T10:00:00Z",
    },
    {
        "source": "community",
        "source_posting_id": "a2",
        "url": "https://example.org/a2",
        "title": "React Native app",
        "company": "Beta GmbH",
        "description": "Fixed price project",
        "budget_text": "Budget: €5,000",
        "tags": "react-native, mobile",
        "location": "Berlin",
        "posted_at": 1763600000,
    },
]


def _write_jsonl(path, rows, extra_lines=()):
    lines = [json.dumps(row) for row in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(db, sql, params=()):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_jsonl_rows_land_in_raw_postings_with_their_fields(db, tmp_path, database_url):
    summary = import_file(_write_jsonl(tmp_path / "p.jsonl", ROWS), "community", url=database_url)

    assert (summary.status, summary.counts.seen, summary.counts.new) == ("succeeded", 2, 2)
    with db.cursor() as cur:
        cur.execute("""select source, title, company, description_text, budget_text, tags,
                              location, posted_at is not null, payload->>'company'
                       from raw.postings where source_posting_id = 'a1'""")
        row = cur.fetchone()
    assert row == (
        "community",
        "Senior Django developer (contract)",
        "Acme",
        "Build our API.",
        "$70-90/hr",
        ["python", "django"],
        "Remote (EU)",
        True,
        "Acme",
    )


def test_comma_separated_tags_and_epoch_times_are_accepted(db, tmp_path, database_url):
    import_file(_write_jsonl(tmp_path / "p.jsonl", ROWS), "community", url=database_url)
    with db.cursor() as cur:
        cur.execute(
            "select tags, extract(epoch from posted_at)::bigint from raw.postings "
            "where source_posting_id = 'a2'"
        )
        assert cur.fetchone() == (["react-native", "mobile"], 1763600000)


def test_importing_the_same_file_twice_adds_nothing(db, tmp_path, database_url):
    path = _write_jsonl(tmp_path / "p.jsonl", ROWS)
    import_file(path, "community", url=database_url)
    second = import_file(path, "community", url=database_url)

    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, 2)
    assert _count(db, "select count(*) from raw.postings") == 2
    assert _count(db, "select count(*) from raw.crawl_runs") == 2


def test_changed_content_replaces_the_stored_version_and_keeps_first_seen(
    db, tmp_path, database_url
):
    import_file(_write_jsonl(tmp_path / "p.jsonl", ROWS), "community", url=database_url)
    first_seen = _count(db, "select first_seen_at from raw.postings where source_posting_id='a1'")
    changed = [dict(ROWS[0], budget_text="$95/hr"), ROWS[1]]
    summary = import_file(
        _write_jsonl(tmp_path / "q.jsonl", changed), "community", url=database_url
    )

    assert (summary.counts.updated, summary.counts.unchanged) == (1, 1)
    assert (
        _count(db, "select budget_text from raw.postings where source_posting_id='a1'") == "$95/hr"
    )
    assert (
        _count(db, "select first_seen_at from raw.postings where source_posting_id='a1'")
        == first_seen
    )


def test_malformed_lines_are_rejected_with_their_error_and_the_rest_loads(
    db, tmp_path, database_url
):
    path = _write_jsonl(
        tmp_path / "p.jsonl",
        ROWS,
        ['{"source_posting_id": "x", "title": ', "[1, 2]", json.dumps({"title": "no id"})],
    )
    summary = import_file(path, "community", url=database_url)

    assert (summary.status, summary.counts.new, summary.counts.rejected) == ("partial", 2, 3)
    with db.cursor() as cur:
        cur.execute("select payload, error from raw.rejects order by reject_id")
        rejects = cur.fetchall()
    assert rejects[0][0].startswith('{"source_posting_id": "x"') and "invalid JSON" in rejects[0][1]
    assert "expected a JSON object" in rejects[1][1]
    assert "source_posting_id is missing" in rejects[2][1]


def test_unparseable_time_is_rejected_not_guessed(db, tmp_path, database_url):
    path = _write_jsonl(tmp_path / "p.jsonl", [dict(ROWS[0], posted_at="last tuesday")])
    summary = import_file(path, "community", url=database_url)
    assert summary.counts.rejected == 1
    assert _count(db, "select count(*) from raw.postings") == 0


def test_nul_bytes_and_emoji_survive_as_text(db, tmp_path, database_url):
    row = dict(ROWS[0], title="Rust dev \x00🚀 مطور", description="a\x00b")
    summary = import_file(_write_jsonl(tmp_path / "p.jsonl", [row]), "community", url=database_url)
    assert summary.counts.new == 1
    assert _count(db, "select title from raw.postings") == "Rust dev 🚀 مطور"


def test_csv_files_load_the_same_way(db, tmp_path, database_url):
    path = tmp_path / "p.csv"
    path.write_text(
        "source_posting_id,url,title,company,description,budget_text,tags,location,posted_at\n"
        'c1,https://example.org/c1,Data engineer,Gamma,"<p>dbt</p>",€600/day,"[""dbt"", ""sql""]",'
        "Remote,2026-11-01\n",
        encoding="utf-8",
    )
    summary = import_file(path, "csvsource", url=database_url)
    assert summary.counts.new == 1
    with db.cursor() as cur:
        cur.execute("select source, tags, budget_text from raw.postings")
        assert cur.fetchone() == ("csvsource", ["dbt", "sql"], "€600/day")


def test_missing_or_unknown_files_give_a_clear_error(tmp_path, database_url):
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(tmp_path / "missing.jsonl", "x", url=database_url)


def _stored(db) -> tuple[list, list]:
    with db.cursor() as cur:
        cur.execute(
            "select source_posting_id, title, description_text, tags, content_hash"
            " from raw.postings order by 1"
        )
        postings = cur.fetchall()
        cur.execute("select error from raw.rejects order by rejected_at, error")
        return postings, [error for (error,) in cur.fetchall()]


def test_a_large_file_checked_by_worker_processes_loads_as_one_checked_here(
    db, tmp_path, database_url, monkeypatch
):
    """Workers check chunks of a large file while the import loads; what lands in raw (rows,
    rejects, counts) is what checking it in this process gives."""
    import midtier.importer as importer

    rows = [
        {
            **ROWS[number % 2],
            "source_posting_id": f"p{number}",
            "description": f"<p>Role {number}</p><ul><li>Go</li></ul>",
        }
        for number in range(1200)
    ]
    rows[7]["salary_min"] = "-5"  # refused when checked: negative pay
    path = _write_jsonl(tmp_path / "big.jsonl", rows, extra_lines=["{not json", "[1, 2]"])
    monkeypatch.setattr(importer, "CHUNK_LINES", 100)

    sequential = import_file(path, "community", url=database_url)
    expected = _stored(db)
    with db.cursor() as cur:
        cur.execute("truncate raw.postings, raw.rejects, raw.crawl_runs cascade")
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    parallel = import_file(path, "community", url=database_url)

    assert (parallel.counts.seen, parallel.counts.new, parallel.counts.rejected) == (1199, 1199, 3)
    assert (sequential.counts.seen, sequential.counts.rejected) == (1199, 3)
    assert _stored(db) == expected
