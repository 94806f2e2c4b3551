"""The dbt `unit_tests:` cases (budget phrasing, ambiguous skill names, ...) pass.

`midtier transform` leaves unit tests out (they check the SQL, not the data); they run here.
"""

from __future__ import annotations

import yaml

from midtier import transform


def _defined_unit_tests() -> int:
    return sum(
        len(yaml.safe_load(path.read_text()).get("unit_tests") or [])
        for path in (transform.DBT_PROJECT_DIR / "models").rglob("*.yml")
    )


def test_every_dbt_unit_test_passes(built_postings, database_url):
    # Every case written in the models' YAML ran, not merely "nothing failed".
    assert transform.unit_test(database_url) == _defined_unit_tests() > 0


POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": "one",
        "title": "Python developer",
        "company": "Acme",
        "description_text": "Django and PostgreSQL.",
        "budget_text": "$60/hr",
    },
]
