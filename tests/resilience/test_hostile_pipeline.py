"""Issue 22's acceptance: hostile postings imported beside ordinary ones and planted scams,
then `midtier transform`, `check` and `export`, as the CLI runs them.

The same source is first imported, built and checked without the hostile rows (the
baseline); then the hostile rows join the same file. What the ordinary postings show (their
flags, the market's hourly percentiles) must not move.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import pytest

from midtier import cli, database
from tests.resilience.corpus import OVERLONG_ID, PLANTED_SCAMS, hostile_postings, ordinary_postings

FORMULA_STARTS = ("=", "+", "-", "@")


def query(url: str, sql: str, params=None) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    return path


def snapshot(url: str) -> dict:
    flagged = dict(query(url, "select source_posting_id, is_flagged from marts.fct_postings"))
    cells = {
        tuple(row[:4]): row[4:]
        for row in query(
            url,
            "select skill, engagement_type, region, month, p10, p50, p90 "
            "from marts.rpt_rate_percentiles where rate_unit = 'usd_per_hour'",
        )
    }
    return {"flagged": flagged, "cells": cells}


def run_pipeline(url: str, records: list[dict], folder: Path) -> dict[str, int]:
    """`midtier import`, `transform`, `check` and `export` against the database at ``url``."""
    previous = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    try:
        return {
            "import": cli.main(
                [
                    "import",
                    str(write_jsonl(folder / "postings.jsonl", records)),
                    "--source",
                    "community",
                ]
            ),
            "transform": cli.main(["transform"]),
            "check": cli.main(["check"]),
            "export": cli.main(["export", "--out", str(folder / "exports")]),
        }
    finally:
        os.environ["DATABASE_URL"] = previous


@pytest.fixture(scope="module")
def runs(make_database, tmp_path_factory):
    """The same file with and without the hostile rows, each in a database of its own."""
    ordinary = ordinary_postings() + PLANTED_SCAMS
    hostile = hostile_postings()
    baseline_url = make_database("hostile_baseline")
    hostile_url = make_database("hostile_mixed")
    for url in (baseline_url, hostile_url):
        database.apply_schema(url)
    baseline_dir = tmp_path_factory.mktemp("baseline")
    hostile_dir = tmp_path_factory.mktemp("hostile")
    status = {
        f"baseline {command}": code
        for command, code in run_pipeline(baseline_url, ordinary, baseline_dir).items()
    }
    status.update(
        run_pipeline(hostile_url, ordinary + hostile["land"] + hostile["reject"], hostile_dir)
    )
    return {
        "url": hostile_url,
        "status": status,
        "before": snapshot(baseline_url),
        "after": snapshot(hostile_url),
        "hostile": hostile,
        "exports": hostile_dir / "exports",
    }


def test_every_command_exits_0(runs):
    assert runs["status"] == dict.fromkeys(runs["status"], 0)


def test_planted_scams_stay_flagged(runs):
    flagged = runs["after"]["flagged"]
    assert {scam["id"]: flagged[scam["id"]] for scam in PLANTED_SCAMS} == {
        scam["id"]: True for scam in PLANTED_SCAMS
    }


def test_ordinary_postings_keep_their_flags(runs):
    before, after = runs["before"]["flagged"], runs["after"]["flagged"]
    ordinary = [record["id"] for record in ordinary_postings()]
    assert {key: after[key] for key in ordinary} == {key: before[key] for key in ordinary}


def test_market_percentiles_do_not_move(runs):
    before, after = runs["before"]["cells"], runs["after"]["cells"]
    assert before and set(after) == set(before)
    for cell, cuts in before.items():
        for old, new in zip(cuts, after[cell]):
            assert abs(new - old) <= abs(old) / 100, (cell, cuts, after[cell])


def test_every_other_posting_lands_and_the_rejected_are_kept_with_their_reason(runs):
    url = runs["url"]
    stored = {row[0] for row in query(url, "select source_posting_id from raw.postings")}
    assert {record["id"] for record in runs["hostile"]["land"]} <= stored
    assert not {record["id"] for record in runs["hostile"]["reject"]} & stored
    errors = [error for (error,) in query(url, "select error from raw.rejects")]
    assert any("source_posting_id is 4,000 characters long" in error for error in errors)
    assert sum("negative" in error for error in errors) == 2
    assert sum("not a finite number" in error for error in errors) == 2
    assert query(
        url, "select count(*) from raw.rejects where payload like %s", ("%" + OVERLONG_ID + "%",)
    ) == [(1,)]
    assert query(url, "select count(*) from raw.crawl_runs where status = 'running'") == [(0,)]


def test_implausible_pay_keeps_its_text_and_loses_its_figures(runs):
    rows = {
        row[0]: row[1:]
        for row in query(
            runs["url"],
            "select source_posting_id, pay_is_plausible, pay_plausibility_reason, budget_min, "
            "hourly_usd_mid, budget_period from marts.fct_postings where source_posting_id = any(%s)",
            (
                [
                    "absurd-hourly",
                    "trillion-hourly",
                    "huge-budget",
                    "e309-salary",
                    "thousands-of-digits",
                    "cent-rate",
                    "zero-rate",
                    "salary-per-hour",
                    "salary-per-hour-usd",
                ],
            ),
        )
    }
    for key in (
        "absurd-hourly",
        "trillion-hourly",
        "huge-budget",
        "e309-salary",
        "thousands-of-digits",
        "cent-rate",
        "zero-rate",
    ):
        plausible, reason, budget_min, hourly, _ = rows[key]
        assert (plausible, budget_min, hourly) == (False, None, None), key
        assert "outside the plausible range" in reason, key
    for key in ("salary-per-hour", "salary-per-hour-usd"):
        plausible, reason, _, hourly, period = rows[key]
        assert (plausible, period) == (True, "year") and 50 < hourly < 200, key
        assert "only makes sense per year" in reason, key


def test_no_csv_cell_starts_a_formula(runs):
    text = (runs["exports"] / "postings.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("https://evil.example","Apply")' in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
