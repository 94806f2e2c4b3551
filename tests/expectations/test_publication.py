"""The publication gate: a failing critical suite stops exports; the reason is recorded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from expectations.runner import run_checks
from midtier import cli, steps
from midtier.publication import PublicationBlocked
from tests.expectations.conftest import GOOD_ROWS, posting


@pytest.fixture
def gate_db(empty_checks_db, monkeypatch):
    """The checks database as Midtier's database; exports replaced by a recorder."""
    monkeypatch.setenv("DATABASE_URL", empty_checks_db.url)
    written = []

    def fake_export(out_dir, url):
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "postings.csv"
        path.write_text("new\n")
        written.append(path)
        return [path]

    monkeypatch.setattr("midtier.exports.export", fake_export)
    empty_checks_db.written = written
    return empty_checks_db


@pytest.fixture
def previous_exports(tmp_path) -> Path:
    out = tmp_path / "exports"
    out.mkdir()
    (out / "postings.csv").write_text("old\n")
    os.utime(out / "postings.csv", (1_000_000, 1_000_000))
    return out


def publication_log(db) -> list[tuple]:
    return db.execute(
        "select validation_id, published, reason, files from quality.publication_log "
        "order by publication_id"
    )


def test_critical_failure_blocks_export_keeps_old_files_and_records_why(
    gate_db, previous_exports, capsys
):
    gate_db.load_mart([*GOOD_ROWS, posting("remoteok:1", title="duplicate id")])

    assert cli.main(["check"]) == 1
    assert cli.main(["export", "--out", str(previous_exports)]) == 1

    assert "export refused: critical data checks failed" in capsys.readouterr().err
    assert gate_db.written == []
    csv = previous_exports / "postings.csv"
    assert csv.read_text() == "old\n" and csv.stat().st_mtime == 1_000_000
    [(validation_id,)] = gate_db.execute(
        "select distinct validation_id from quality.validation_results"
    )
    check_entry, export_entry = publication_log(gate_db)
    assert check_entry[:2] == (validation_id, False)
    assert "fct_postings_integrity" in check_entry[2] and "posting_id_unique" in check_entry[2]
    assert (
        export_entry[:2] == (validation_id, False) and "fct_postings_integrity" in export_entry[2]
    )


def test_export_step_raises_when_blocked(gate_db, previous_exports):
    gate_db.load_mart([])
    steps.check(run_checks)

    with pytest.raises(PublicationBlocked, match="fct_postings_integrity"):
        steps.export(previous_exports)


def test_force_publishes_anyway_and_says_so(gate_db, previous_exports):
    gate_db.load_mart([])
    steps.check(run_checks)

    assert cli.main(["export", "--out", str(previous_exports), "--force"]) == 0

    assert (previous_exports / "postings.csv").read_text() == "new\n"
    *_, (_, published, reason, files) = publication_log(gate_db)
    assert published and reason.startswith("forced despite: critical data checks failed")
    assert files == [str(previous_exports / "postings.csv")]


def test_passing_checks_publish_and_the_publication_is_logged(gate_db, previous_exports, capsys):
    gate_db.load_mart(GOOD_ROWS)

    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "PASS  fct_postings_integrity (critical)" in out
    assert "PASS  client_legitimacy" in out and "posting flags: 0 added, 0 cleared" in out
    assert "PASS  source_health.remoteok" in out
    assert cli.main(["export", "--out", str(previous_exports)]) == 0

    assert (previous_exports / "postings.csv").read_text() == "new\n"
    [(validation_id, published, reason, _)] = publication_log(gate_db)
    assert published and reason is None and validation_id


def test_a_later_passing_validation_lifts_the_block(gate_db, previous_exports):
    gate_db.load_mart([])
    steps.check(run_checks)
    gate_db.load_mart(GOOD_ROWS)
    steps.check(run_checks)

    assert [path.name for path in steps.export(previous_exports)] == ["postings.csv"]
