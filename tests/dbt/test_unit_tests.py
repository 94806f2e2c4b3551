"""The dbt `unit_tests:` cases (budget phrasing, ambiguous skill names, ...) pass.

`midtier transform` leaves unit tests out (they check the SQL, not the data); they run here.
"""

from __future__ import annotations

from midtier import transform


def test_every_dbt_unit_test_passes(built_postings, database_url):
    transform.unit_test(database_url)


POSTINGS = [
    {"source": "remoteok", "source_posting_id": "one", "title": "Python developer",
     "company": "Acme", "description_text": "Django and PostgreSQL.", "budget_text": "$60/hr"},
]
