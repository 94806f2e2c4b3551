"""The expectation suites, defined in code, and the batch (a SQL query) each one validates.

Three groups, run in this order by ``expectations.runner``:

* ``source_health`` — one suite per source on the raw layer, over the postings of the
  source's latest run: volume against the source's recent runs, missing titles/urls/posting
  times, schema drift of the payload, freshness, share of rejects. Not critical: a failing
  suite marks the source degraded (``quality.source_status``) and alerts.
* ``client_legitimacy`` — one suite on ``marts.fct_postings`` that records what dbt decided:
  every posting dbt flagged (``is_score_flagged``: its legitimacy score is below the dbt var
  ``flag_score_threshold``) fails, and becomes a ``quality.posting_flags`` row with its score.
  The rules and the threshold live in dbt only.
* ``mart_integrity`` — critical suites on ``marts.fct_postings`` (keys, enumerations, hourly
  rates within sane bounds per currency) and per source (rows vs raw): a failure stops
  publication. The per-source share of budgets dbt could not read is reported by a
  non-critical suite of the same group. Rows of degraded sources and flagged postings are left
  out: neither is published, so neither can block the rest.

Every expectation carries a stable ``check_name`` in its ``meta``. An expectation whose
column the mart does not have (yet) is not run: it is recorded as *skipped*, never as passed.
Numbers come from ``expectations.thresholds``; NUMERIC columns are cast to double precision
in the batch queries because GX is about ten times slower on NUMERIC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import great_expectations as gx
from great_expectations.expectations.row_conditions import Column

from expectations import thresholds
from midtier import allowed_values

MART = "marts.fct_postings"
# the mart's enumerations, from dbt's seed allowed_values (dbt checks the same rows)
ENGAGEMENT_TYPES = allowed_values.values("engagement_type")
BUDGET_PERIODS = allowed_values.values("budget_period")

SOURCE_HEALTH = "source_health"
CLIENT_LEGITIMACY = "client_legitimacy"
MART_INTEGRITY = "mart_integrity"
GROUPS = (SOURCE_HEALTH, CLIENT_LEGITIMACY, MART_INTEGRITY)

# The rows the integrity gate checks: what Midtier publishes (dbt's fct_postings.is_publishable,
# which leaves out postings with open flags) from sources not marked degraded.
_PUBLISHABLE = """
    is_publishable
    and source not in (select source from quality.source_status where status = 'degraded')
"""


@dataclass(frozen=True)
class Check:
    """One named expectation, or the reason it was not run."""

    name: str
    expectation: gx.expectations.Expectation | None = None
    skipped_reason: str | None = None


@dataclass(frozen=True)
class SuitePlan:
    """A suite ready to validate: its checks and the SQL query whose rows it validates."""

    name: str
    group: str
    query: str
    checks: list[Check]
    row_key: str | None = None  # reported for every failing row
    critical: bool = False  # a failing critical suite stops publication
    source: str | None = None  # source-health suites: the source checked
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def skipped(self) -> list[Check]:
        return [check for check in self.checks if check.expectation is None]

    def build_suite(self) -> gx.ExpectationSuite:
        expectations = []
        for check in self.checks:
            if check.expectation is not None:
                check.expectation.meta = {
                    **(check.expectation.meta or {}),
                    "check_name": check.name,
                }
                expectations.append(check.expectation)
        return gx.ExpectationSuite(name=self.name, meta=dict(self.meta), expectations=expectations)


def _run(name: str, expectation) -> Check:
    return Check(name=name, expectation=expectation)


def _skip(name: str, reason: str) -> Check:
    return Check(name=name, skipped_reason=reason)


# -- source health ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceBaseline:
    """What the source's latest run is compared with (computed by ``source_health``)."""

    source: str
    crawl_run_id: str
    query: str  # the latest run's postings, one row each, with the run's metrics
    usual_volume: float | None  # median postings of its recent runs; None without history
    posted_at_null_share: float | None  # in earlier postings; None without history
    has_payload_baseline: bool


def source_health(baseline: SourceBaseline) -> SuitePlan:
    expect = gx.expectations
    no_history = "no earlier runs of this source to compare with"
    checks = []
    if baseline.usual_volume is None:
        checks.append(_skip("volume", no_history))
    else:
        # More than MIN_VOLUME_RATIO of the usual volume: returning half or less fails.
        minimum = math.floor(baseline.usual_volume * thresholds.MIN_VOLUME_RATIO) + 1
        checks.append(_run("volume", expect.ExpectTableRowCountToBeBetween(min_value=minimum)))
    for column, share in thresholds.MAX_NULL_SHARE.items():
        checks.append(
            _run(
                f"{column}_missing",
                expect.ExpectColumnValuesToNotBeNull(column=column, mostly=1 - share),
            )
        )
    if baseline.posted_at_null_share is None:
        checks.append(_skip("posted_at_missing", no_history))
    else:
        allowed = min(
            1.0, baseline.posted_at_null_share + thresholds.POSTED_AT_NULL_SHARE_TOLERANCE
        )
        if allowed >= 1.0:
            checks.append(_skip("posted_at_missing", "the source gives no posting times"))
        else:
            checks.append(
                _run(
                    "posted_at_missing",
                    expect.ExpectColumnValuesToNotBeNull(column="posted_at", mostly=1 - allowed),
                )
            )
    if baseline.has_payload_baseline:
        checks.append(
            _run(
                "unknown_payload_keys",
                expect.ExpectColumnValuesToBeNull(column="unknown_payload_keys"),
            )
        )
        checks.append(
            _run(
                "missing_payload_keys",
                expect.ExpectColumnValuesToBeNull(column="missing_payload_keys"),
            )
        )
    else:
        checks.append(_skip("unknown_payload_keys", no_history))
        checks.append(_skip("missing_payload_keys", no_history))
    checks.append(
        _run(
            "freshness",
            expect.ExpectColumnMaxToBeBetween(
                column="hours_since_new_posting", max_value=thresholds.MAX_HOURS_SINCE_NEW_POSTING
            ),
        )
    )
    checks.append(
        _run(
            "reject_share",
            expect.ExpectColumnMaxToBeBetween(
                column="reject_share", max_value=thresholds.MAX_REJECT_SHARE
            ),
        )
    )
    return SuitePlan(
        name=f"source_health.{baseline.source}",
        group=SOURCE_HEALTH,
        query=baseline.query,
        checks=checks,
        row_key="source_posting_id",
        source=baseline.source,
        meta={
            "source": baseline.source,
            "crawl_run_id": baseline.crawl_run_id,
            "usual_volume": baseline.usual_volume,
        },
    )


# -- client legitimacy --------------------------------------------------------------------------
# dbt decides what is flagged (the legitimacy_weights seed and var flag_score_threshold give
# fct_postings.is_score_flagged); this suite holds no rule of its own. It validates dbt's
# verdict: the score of every posting dbt flagged (null for the rest) must not exist, so each
# flagged posting fails with its score as the observed value and becomes a
# quality.posting_flags row named "legitimacy_score".
LEGITIMACY_SCORE_CHECK = "legitimacy_score"


def client_legitimacy() -> SuitePlan:
    """The legitimacy suite: the postings dbt flagged, as failing rows."""
    return SuitePlan(
        name="client_legitimacy",
        group=CLIENT_LEGITIMACY,
        query=(
            f"select posting_id, (case when is_score_flagged then legitimacy_score end)"
            f"::double precision as legitimacy_score from {MART}"
        ),
        checks=[
            _run(
                LEGITIMACY_SCORE_CHECK,
                gx.expectations.ExpectColumnValuesToBeNull(column="legitimacy_score"),
            )
        ],
        row_key="posting_id",
        meta={"table": MART},
    )


# -- mart integrity -----------------------------------------------------------------------------

_INTEGRITY_COLUMNS = (
    "posting_id",
    "source",
    "title",
    "url",
    "engagement_type",
    "budget_currency",
    "budget_period",
    "legitimacy_score",
    "hourly_usd_min",
    "hourly_usd_max",
    "hourly_usd_mid",
    "is_flagged",
)


def fct_postings_integrity() -> SuitePlan:
    """Keys, required fields, enumerations and per-currency rate bounds of the mart's
    publishable rows."""
    expect = gx.expectations
    selected = [
        f"{column}::double precision as {column}" if column.startswith("hourly_usd") else column
        for column in _INTEGRITY_COLUMNS
    ]
    checks = [
        _run("row_count", expect.ExpectTableRowCountToBeBetween(min_value=1)),
        _run("posting_id_not_null", expect.ExpectColumnValuesToNotBeNull(column="posting_id")),
        _run("posting_id_unique", expect.ExpectColumnValuesToBeUnique(column="posting_id")),
        _run(
            "title_missing",
            expect.ExpectColumnValuesToNotBeNull(
                column="title", mostly=1 - thresholds.MAX_NULL_SHARE["title"]
            ),
        ),
        _run(
            "url_missing",
            expect.ExpectColumnValuesToNotBeNull(
                column="url", mostly=1 - thresholds.MAX_NULL_SHARE["url"]
            ),
        ),
        _run(
            "engagement_type_not_null",
            expect.ExpectColumnValuesToNotBeNull(column="engagement_type"),
        ),
        _run(
            "engagement_type_known",
            expect.ExpectColumnValuesToBeInSet(
                column="engagement_type", value_set=list(ENGAGEMENT_TYPES)
            ),
        ),
        # Nulls are skipped by column-map expectations: a posting may have no budget.
        _run(
            "budget_period_known",
            expect.ExpectColumnValuesToBeInSet(
                column="budget_period", value_set=list(BUDGET_PERIODS)
            ),
        ),
        _run(
            "legitimacy_score_range",
            expect.ExpectColumnValuesToBeBetween(
                column="legitimacy_score", min_value=0, max_value=100
            ),
        ),
        _run(
            "hourly_usd_order",
            expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="hourly_usd_max",
                column_B="hourly_usd_min",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
    ]
    for currency, (low, high) in thresholds.HOURLY_USD_BOUNDS.items():
        checks.append(
            _run(
                f"hourly_usd_bounds_{currency}",
                expect.ExpectColumnValuesToBeBetween(
                    column="hourly_usd_mid",
                    min_value=low,
                    max_value=high,
                    row_condition=Column("budget_currency") == currency,
                ),
            )
        )
    low, high = thresholds.DEFAULT_HOURLY_USD_BOUNDS
    checks.append(
        _run(
            "hourly_usd_bounds_other",
            expect.ExpectColumnValuesToBeBetween(
                column="hourly_usd_mid",
                min_value=low,
                max_value=high,
                row_condition=Column("budget_currency").is_not_in(
                    list(thresholds.HOURLY_USD_BOUNDS)
                ),
            ),
        )
    )
    checks.append(
        _run("is_flagged_not_null", expect.ExpectColumnValuesToNotBeNull(column="is_flagged"))
    )
    return SuitePlan(
        name="fct_postings_integrity",
        group=MART_INTEGRITY,
        query=f"select {', '.join(selected)} from {MART} where {_PUBLISHABLE}",
        checks=checks,
        row_key="posting_id",
        critical=True,
        meta={"table": MART},
    )


def _per_source_query() -> str:
    """One row per healthy source: its raw and mart postings, and the share of the postings
    whose raw record states pay that dbt read as engagement_type 'unknown'."""
    states_pay = (
        "(nullif(btrim(raw_postings.budget_text), '') is not null"
        " or raw_postings.salary_min is not null or raw_postings.salary_max is not null)"
    )
    query = f"""
        select * from (
        with raw_postings as (
            select * from raw.postings
            where source not in (select source from quality.source_status where status = 'degraded')
        ),
        mart as (
            select posting_id, source, source_posting_id, engagement_type from {MART}
            where source not in (select source from quality.source_status where status = 'degraded')
        ),
        counted as (
            select
                coalesce(raw_postings.source, mart.source) as source,
                count(raw_postings.source_posting_id) as raw_postings,
                count(mart.posting_id) as mart_postings,
                count(*) filter (where mart.posting_id is not null and {states_pay}) as stating_pay,
                count(*) filter (where mart.engagement_type = 'unknown' and {states_pay}) as unread
            from raw_postings
            full join mart
                on mart.source = raw_postings.source
                and mart.source_posting_id = raw_postings.source_posting_id
            group by 1
        )
        select
            source,
            raw_postings::double precision as raw_postings,
            mart_postings::double precision as mart_postings,
            mart_postings::double precision / greatest(raw_postings, 1) as mart_to_raw_ratio,
            unread::double precision / nullif(stating_pay, 0) as unread_budget_share
        from counted
        ) as coverage
    """
    return query


def fct_postings_coverage() -> SuitePlan:
    """Per healthy source: the mart holds its raw postings, no fewer and no more."""
    return SuitePlan(
        name="fct_postings_coverage",
        group=MART_INTEGRITY,
        query=_per_source_query(),
        checks=[
            _run(
                "mart_rows_vs_raw",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="mart_to_raw_ratio",
                    min_value=thresholds.MIN_MART_TO_RAW_RATIO,
                    max_value=1.0,
                ),
            )
        ],
        row_key="source",
        critical=True,
        meta={"table": MART, "compared_with": "raw.postings"},
    )


def fct_postings_budgets() -> SuitePlan:
    """Per healthy source: dbt reads the budgets its postings state (not critical)."""
    return SuitePlan(
        name="fct_postings_budgets",
        group=MART_INTEGRITY,
        query=_per_source_query(),
        checks=[
            _run(
                "unread_budget_share",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="unread_budget_share", max_value=thresholds.MAX_UNREAD_BUDGET_SHARE
                ),
            )
        ],
        row_key="source",
        meta={"table": MART, "compared_with": "raw.postings"},
    )
