"""The values of the mart's enumerated columns, read from dbt's seed
(``dbt/seeds/allowed_values.csv``), like ``midtier.taxonomy`` reads the skills.

dbt checks fct_postings against the same rows; Python only needs the values and their labels:
the registry's regions, the exports' rate position labels, the quality checks' value sets.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from midtier.settings import PROJECT_ROOT

ALLOWED_VALUES_FILE = PROJECT_ROOT / "dbt" / "seeds" / "allowed_values.csv"


@cache
def _rows(path: Path = ALLOWED_VALUES_FILE) -> tuple[tuple[str, str, str], ...]:
    with open(path, encoding="utf-8", newline="") as handle:
        return tuple(
            (row["column_name"], row["value"], row["label"]) for row in csv.DictReader(handle)
        )


def labels(column: str) -> dict[str, str]:
    """The allowed values of a mart column with their labels, in the seed's order."""
    found = {value: label for name, value, label in _rows() if name == column}
    if not found:
        raise KeyError(f"seed allowed_values lists no values for column {column!r}")
    return found


def values(column: str) -> tuple[str, ...]:
    """The allowed values of a mart column, in the seed's order."""
    return tuple(labels(column))
