"""The expectation suites, defined in code, and the table each one checks.

A ``critical`` table check protects what Midtier publishes: when it fails, exports stop.
Column types follow ``marts.fct_postings``; the range checks run on ``double precision`` and
``integer`` columns only, because GX is about ten times slower on ``numeric`` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import great_expectations as gx

ENGAGEMENT_TYPES = ("hourly", "daily", "fixed", "salary", "unknown")
BUDGET_PERIODS = ("hour", "day", "week", "month", "year", "project")

# An hourly rate outside this band (USD) is a parsing or currency error, not a real offer.
HOURLY_USD_FLOOR = 1
HOURLY_USD_CEILING = 2000


@dataclass(frozen=True)
class CheckedTable:
    """One suite and the table it validates."""

    schema: str
    table: str
    build_suite: Callable[[], gx.ExpectationSuite]
    row_key: str | None = None  # reported for every failing row
    critical: bool = False  # a failing critical suite stops exports


def fct_postings_integrity() -> gx.ExpectationSuite:
    """Keys, required fields, enumerations and value ranges of ``marts.fct_postings``."""
    expect = gx.expectations
    return gx.ExpectationSuite(
        name="fct_postings_integrity",
        meta={"table": "marts.fct_postings"},
        expectations=[
            expect.ExpectTableRowCountToBeBetween(min_value=1),
            expect.ExpectColumnValuesToNotBeNull(column="posting_id"),
            expect.ExpectColumnValuesToBeUnique(column="posting_id"),
            expect.ExpectColumnValuesToNotBeNull(column="title"),
            expect.ExpectColumnValuesToNotBeNull(column="url"),
            expect.ExpectColumnValuesToNotBeNull(column="engagement_type"),
            expect.ExpectColumnValuesToBeInSet(
                column="engagement_type", value_set=list(ENGAGEMENT_TYPES)
            ),
            # Nulls are skipped by column-map expectations: a posting may have no budget.
            expect.ExpectColumnValuesToBeInSet(
                column="budget_period", value_set=list(BUDGET_PERIODS)
            ),
            expect.ExpectColumnValuesToBeBetween(
                column="legitimacy_score", min_value=0, max_value=100
            ),
            expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="hourly_usd_max",
                column_B="hourly_usd_min",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            expect.ExpectColumnValuesToBeBetween(
                column="hourly_usd_mid",
                min_value=HOURLY_USD_FLOOR,
                max_value=HOURLY_USD_CEILING,
            ),
            expect.ExpectColumnValuesToNotBeNull(column="is_flagged"),
        ],
    )


CHECKED_TABLES: tuple[CheckedTable, ...] = (
    CheckedTable(
        schema="marts",
        table="fct_postings",
        build_suite=fct_postings_integrity,
        row_key="posting_id",
        critical=True,
    ),
)
