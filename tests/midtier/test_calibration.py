"""`midtier calibrate`: weights fitted on labelled postings, written to the seeds, reproducibly."""

from __future__ import annotations

import csv

import pytest

from midtier import cli
from midtier.labelled_postings import LabelFileError, posting_from_emscad, read_labels
from midtier.settings import PROJECT_ROOT

LABELS = PROJECT_ROOT / "data" / "labels" / "freelance_postings.csv"
SEEDS = PROJECT_ROOT / "dbt" / "seeds"


def _rows(path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_calibrate_twice_on_the_same_file_writes_identical_weights(database_url, tmp_path):
    for run in ("first", "second"):
        assert (
            cli.main(["calibrate", "--labels", str(LABELS), "--seeds-dir", str(tmp_path / run)])
            == 0
        )

    for seed in ("legitimacy_weights.csv", "legitimacy_terms.csv"):
        assert (tmp_path / "first" / seed).read_bytes() == (tmp_path / "second" / seed).read_bytes()
    weights = _rows(tmp_path / "first" / "legitimacy_weights.csv")
    fitted = {
        (row["feature_type"], row["feature"]): float(row["weight"])
        for row in weights
        if row["is_fitted"] == "true"
    }
    # the named signals of the planted scams push towards fraud
    assert fitted[("rule", "messaging_app_named")] > 0
    # every term weighed is in the terms seed dbt joins to
    terms = {row["term"] for row in _rows(tmp_path / "first" / "legitimacy_terms.csv")}
    assert {feature for kind, feature in fitted if kind == "term"} == terms
    # weights set by argument are kept as they are
    kept = [row for row in _rows(SEEDS / "legitimacy_weights.csv") if row["is_fitted"] == "false"]
    assert kept and all(row in weights for row in kept)
    facts = {
        row["fact"]: row["value"] for row in _rows(tmp_path / "first" / "legitimacy_model.csv")
    }
    assert 0.5 < float(facts["cv_roc_auc"]) <= 1
    assert {"fitted_on", "fitted_at", "cv_precision", "cv_recall", "flag_score_threshold"} <= set(
        facts
    )


def test_an_emscad_row_becomes_the_posting_the_shared_readme_describes():
    posting = posting_from_emscad(
        {
            "title": "Clerk",
            "company_profile": "A" * 100,
            "description": "Type things.",
            "requirements": "",
            "benefits": "Pay",
            "salary_range": "10-20",
            "industry": "Retail",
            "function": "",
            "location": "US",
        }
    )
    assert posting == {
        "title": "Clerk",
        "company": "A" * 80,
        "description": "A" * 100 + "\n\nType things.\n\nBenefits: Pay",
        "budget_text": "10-20",
        "tags": ["Retail"],
        "location": "US",
    }


def test_selected_legitimate_rows_lose_fields_at_the_full_datasets_rates(tmp_path):
    path = tmp_path / "legit.csv"
    header = [
        "title",
        "company_profile",
        "description",
        "requirements",
        "benefits",
        "salary_range",
        "fraudulent",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(
            [f"Job {n}", "Acme builds things", "Work", "Skills", "Perks", "1-2", "0"]
            for n in range(400)
        )
    postings = read_labels(path, selected_legitimate=True)
    assert postings == read_labels(path, selected_legitimate=True)  # the same seed, the same rows
    with_salary = sum(1 for posting in postings if posting.budget_text) / len(postings)
    with_company = sum(1 for posting in postings if posting.company) / len(postings)
    assert 0.08 < with_salary < 0.25 and 0.75 < with_company < 0.92


def test_a_file_in_neither_layout_is_refused(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("name,label\nx,1\n")
    with pytest.raises(LabelFileError):
        read_labels(path)
