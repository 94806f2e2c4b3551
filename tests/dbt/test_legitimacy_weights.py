"""The legitimacy weights live in a seed only int_postings_scored reads: a new weight re-scores
the postings it touches without running the per-posting text model again (checked with xmin,
the transaction that wrote each row, as test_watermarks.py does)."""

from __future__ import annotations

import contextlib
import re

from midtier import database, transform

POSTINGS = [
    {
        "source": "community",
        "source_posting_id": "lw-scam",
        "title": "Remote assistant",
        "company": "Prime Remote Jobs",
        "description_text": "Easy remote work. Contact me on Telegram @fast_hr_desk to get started.",
        "budget_text": "$45/hr",
    },
    {
        "source": "remoteok",
        "source_posting_id": "lw-genuine",
        "title": "Senior Django developer",
        "company": "Acme Analytics",
        "description_text": "Extend our Django REST API and PostgreSQL models. Apply through our careers page.",
        "budget_text": "$60-80/hr",
        "tags": ["python"],
    },
]


def _execute(url: str, sql: str, params=None) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _xmins(url: str, table: str) -> dict[str, str]:
    return dict(
        _execute(
            url,
            f"select postings.source_posting_id, model.xmin::text"
            f" from intermediate.{table} as model"
            f" inner join staging.stg_raw__postings as postings using (posting_id)",
        )
    )


def _mart(url: str) -> dict[str, tuple]:
    return {
        key: (score, flagged, reasons)
        for key, score, flagged, reasons in _execute(
            url,
            "select source_posting_id, legitimacy_score, is_flagged, legitimacy_reasons"
            " from marts.fct_postings",
        )
    }


def _points(reasons: list[str], description: str) -> int:
    [points] = [
        int(re.search(r"\(-(\d+) points\)$", reason)[1])
        for reason in reasons
        if reason.startswith(description)
    ]
    return points


def test_every_flagged_posting_shows_its_signals_with_their_points(built_postings):
    scam = built_postings["lw-scam"]
    assert scam["is_flagged"] and scam["is_score_flagged"]
    assert _points(scam["legitimacy_reasons"], "Names a private messaging app") > 0
    assert not built_postings["lw-genuine"]["is_flagged"]


def test_a_new_weight_rescores_without_running_the_text_model_again(database_url, built_postings):
    text_before = _xmins(database_url, "int_postings_text_signals")
    scored_before = _xmins(database_url, "int_postings_scored")
    mart_before = _mart(database_url)
    # as if legitimacy_weights.csv had been edited and reloaded by `dbt seed`
    _execute(
        database_url,
        "update seeds.legitimacy_weights set weight = weight + 2"
        " where feature_type = 'rule' and feature = 'messaging_app_named'",
    )
    try:
        transform.run_dbt(
            ["run", "--select", "int_postings_text_signals", "int_postings_scored+"], database_url
        )
        text_after = _xmins(database_url, "int_postings_text_signals")
        scored_after = _xmins(database_url, "int_postings_scored")
        mart_after = _mart(database_url)
    finally:
        transform.run_dbt(["seed", "--select", "legitimacy_weights"], database_url)
        transform.run_dbt(["run", "--select", "int_postings_scored+"], database_url)

    assert text_after == text_before, "a weight change re-ran the per-posting text model"
    assert scored_after["lw-scam"] != scored_before["lw-scam"]
    assert mart_after["lw-scam"][0] < mart_before["lw-scam"][0]
    assert _points(mart_after["lw-scam"][2], "Names a private messaging app") > _points(
        mart_before["lw-scam"][2], "Names a private messaging app"
    )
    assert mart_after["lw-genuine"][0] == mart_before["lw-genuine"][0]
    assert _mart(database_url) == mart_before  # the reloaded seed scores as before
