"""What re-processes every posting: a change to a model's rules, not to its bookkeeping.

A per-posting model's rules_hash covers its SQL and the project macros it calls, except the
bookkeeping macros in dbt/macros/incremental/ (which postings a run reads, how its tables
are kept). The test edits a copy of the project and compiles a per-posting model, reading
the fingerprint its processing_hash renders.
"""

from __future__ import annotations

import re
import shutil

import pytest

from midtier import transform

MODEL = "int_postings_budgeted"


@pytest.fixture
def project(tmp_path, monkeypatch):
    copy = tmp_path / "dbt"
    shutil.copytree(
        transform.DBT_PROJECT_DIR,
        copy,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    monkeypatch.setattr(transform, "DBT_PROJECT_DIR", copy)
    # the copy's files change between compiles: parse them again each time
    monkeypatch.setenv("DBT_PARTIAL_PARSE", "false")
    return copy


def _fingerprint(url: str) -> str:
    result = transform.run_dbt(["compile", "--select", MODEL], url)
    (compiled,) = [
        compiled.node.compiled_code
        for compiled in result.results
        if compiled.node.resource_type == "model"
    ]
    fingerprints = set(re.findall(r"concat_ws\('\|', '([0-9a-f]{32})'", compiled))
    assert len(fingerprints) == 1, compiled
    return fingerprints.pop()


def _edit_macro(path, name: str, text: str) -> None:
    """Put ``text`` at the start of macro ``name``'s body (a change to that macro only)."""
    source = path.read_text()
    opening = re.search(r"\{% macro " + name + r"\(.*?\) -%\}", source)
    assert opening, f"macro {name} not in {path}"
    path.write_text(source[: opening.end()] + text + source[opening.end() :])


def _append(path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_a_bookkeeping_macro_change_keeps_the_rules_hash(database_url, project):
    before = _fingerprint(database_url)
    _edit_macro(
        project / "macros" / "incremental" / "incremental_postings.sql",
        "stage_postings_to_process",
        "{# staging made faster #}",
    )
    assert _fingerprint(database_url) == before


def test_a_rule_macro_or_model_change_moves_the_rules_hash(database_url, project):
    before = _fingerprint(database_url)
    _edit_macro(
        project / "macros" / "hours_in_budget_period.sql",
        "hours_in_budget_period",
        "{# a new rule #}",
    )
    after_macro = _fingerprint(database_url)
    assert after_macro != before
    _append(project / "models" / "intermediate" / f"{MODEL}.sql", "\n-- a new rule\n")
    assert _fingerprint(database_url) not in (before, after_macro)
