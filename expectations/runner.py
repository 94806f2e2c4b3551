"""Run the expectation suites against Midtier's database and record the outcome.

Each run builds an ephemeral GX context (nothing is written to disk), one PostgreSQL data
source per schema, a table asset and whole-table batch definition per checked table, and a
validation definition and checkpoint per suite. The database URL reaches GX only through
``${MIDTIER_GX_DATABASE_URL}`` substitution, so it never appears in any GX configuration.

Every suite's result is upserted into ``quality.validation_results`` under one
``validation_id`` per run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg2.extras

from expectations.suites import CHECKED_TABLES, CheckedTable
from midtier import database

DATABASE_URL_VARIABLE = "MIDTIER_GX_DATABASE_URL"
CONNECTION_STRING = "${" + DATABASE_URL_VARIABLE + "}"

# How many failing row keys and values each expectation reports (GX caps SQL results here).
UNEXPECTED_ROWS_REPORTED = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpectationFailure:
    """One failed expectation: what was expected, where, and which rows broke it."""

    expectation: str
    column: str | None
    unexpected_count: int | None
    row_keys: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class SuiteResult:
    name: str
    success: bool
    evaluated: int
    failed: int
    critical: bool
    failures: list[ExpectationFailure] = field(default_factory=list)


@dataclass(frozen=True)
class CheckSummary:
    validation_id: str
    suites: list[SuiteResult]

    @property
    def success(self) -> bool:
        return all(suite.success for suite in self.suites)

    @property
    def critical_failures(self) -> list[SuiteResult]:
        """Failed suites that must stop publishing (exports)."""
        return [suite for suite in self.suites if suite.critical and not suite.success]


def run_checks(url: str | None = None) -> CheckSummary:
    """Validate every suite in ``expectations.suites`` and record the results.

    ``url`` defaults to Midtier's database (``DATABASE_URL`` or the embedded server).
    """
    url = url or database.database_url()
    validation_id = _new_validation_id()
    with _database_url_in_environment(url), _quiet_great_expectations():
        results = _validate(validation_id)
    summary = CheckSummary(
        validation_id=validation_id,
        suites=[_suite_result(checked, result) for checked, result in results],
    )
    _record(url, validation_id, results)
    log.info("validation %s: %s", validation_id, "passed" if summary.success else "failed")
    return summary


def format_summary(summary: CheckSummary) -> str:
    """A few lines for the terminal: one per suite, then each failed expectation."""
    lines = [f"validation {summary.validation_id}"]
    for suite in summary.suites:
        status = "PASS" if suite.success else "FAIL"
        label = f"{suite.name} (critical)" if suite.critical else suite.name
        passed = suite.evaluated - suite.failed
        lines.append(f"  {status}  {label}: {passed}/{suite.evaluated} expectations met")
        for failure in suite.failures:
            target = f"({failure.column})" if failure.column else ""
            detail = failure.error or f"{failure.unexpected_count or 0} unexpected"
            if failure.row_keys:
                shown = ", ".join(failure.row_keys[:10])
                more = len(failure.row_keys) - 10
                detail += f": {shown}" + (f" and {more} more" if more > 0 else "")
            lines.append(f"        - {failure.expectation}{target}: {detail}")
    if summary.critical_failures:
        lines.append("critical checks failed: exports are blocked")
    return "\n".join(lines)


# -- running GX ---------------------------------------------------------------------------------


def _validate(validation_id: str) -> list[tuple[CheckedTable, object]]:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    context = _ephemeral_context()
    run_id = RunIdentifier(run_name=validation_id, run_time=dt.datetime.now(dt.UTC))
    results = []
    datasources = {}
    try:
        for checked in CHECKED_TABLES:
            if checked.schema not in datasources:
                datasources[checked.schema] = context.data_sources.add_postgres(
                    name=f"midtier_{checked.schema}",
                    connection_string=CONNECTION_STRING,
                    create_temp_table=False,
                    # GX 1.14+ takes the schema from the connection, not from the asset.
                    kwargs={"connect_args": {"options": f"-c search_path={checked.schema}"}},
                )
            asset = datasources[checked.schema].add_table_asset(
                name=checked.table, table_name=checked.table
            )
            batch_definition = asset.add_batch_definition_whole_table(f"{checked.table}_whole")
            suite = context.suites.add(checked.build_suite())
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{suite.name}_checkpoint",
                    validation_definitions=[validation],
                    result_format=_result_format(checked),
                )
            )
            checkpoint_result = checkpoint.run(run_id=run_id)
            results.extend((checked, result) for result in checkpoint_result.run_results.values())
    finally:
        for datasource in datasources.values():
            with contextlib.suppress(Exception):
                datasource.get_engine().dispose()
    return results


def _ephemeral_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _result_format(checked: CheckedTable) -> dict:
    result_format: dict = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": UNEXPECTED_ROWS_REPORTED,
    }
    if checked.row_key:
        result_format["unexpected_index_column_names"] = [checked.row_key]
    return result_format


@contextlib.contextmanager
def _database_url_in_environment(url: str) -> Iterator[None]:
    """Expose the URL to GX's ``${VAR}`` substitution for this run only."""
    previous = os.environ.get(DATABASE_URL_VARIABLE)
    os.environ[DATABASE_URL_VARIABLE] = _sqlalchemy_url(url)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(DATABASE_URL_VARIABLE, None)
        else:
            os.environ[DATABASE_URL_VARIABLE] = previous


@contextlib.contextmanager
def _quiet_great_expectations() -> Iterator[None]:
    """GX logs and warns a lot at INFO; keep its warnings and errors only."""
    gx_logger = logging.getLogger("great_expectations")
    previous = gx_logger.level
    gx_logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"great_expectations(\.|$)")
            yield
    finally:
        gx_logger.setLevel(previous)


def _sqlalchemy_url(url: str) -> str:
    """GX builds a SQLAlchemy engine: name the psycopg2 driver explicitly."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def _new_validation_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


# -- reading results ----------------------------------------------------------------------------


def _suite_result(checked: CheckedTable, result) -> SuiteResult:
    statistics = result.statistics
    return SuiteResult(
        name=result.suite_name,
        success=bool(result.success),
        evaluated=int(statistics["evaluated_expectations"]),
        failed=int(statistics["unsuccessful_expectations"]),
        critical=checked.critical,
        failures=[
            _failure(expectation_result, checked.row_key)
            for expectation_result in result.results
            if not expectation_result.success
        ],
    )


def _failure(expectation_result, row_key: str | None) -> ExpectationFailure:
    config = expectation_result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column")
    if column is None and "column_A" in kwargs:
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    details = expectation_result.result or {}
    row_keys: list[str] = []
    if row_key:
        for index in details.get("unexpected_index_list") or []:
            key = index.get(row_key) if isinstance(index, dict) else index
            if key is not None and str(key) not in row_keys:
                row_keys.append(str(key))
    exception = expectation_result.exception_info or {}
    error = exception.get("exception_message") if exception.get("raised_exception") else None
    return ExpectationFailure(
        expectation=config.type,
        column=column,
        unexpected_count=details.get("unexpected_count"),
        row_keys=row_keys,
        error=error,
    )


# -- recording ----------------------------------------------------------------------------------

_UPSERT = """
    insert into quality.validation_results
        (validation_id, suite_name, success, evaluated, failed, result)
    values (%s, %s, %s, %s, %s, %s)
    on conflict (validation_id, suite_name) do update set
        success = excluded.success,
        evaluated = excluded.evaluated,
        failed = excluded.failed,
        result = excluded.result,
        validated_at = now()
"""


def _record(url: str, validation_id: str, results: list[tuple[CheckedTable, object]]) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        for _checked, result in results:
            statistics = result.statistics
            cur.execute(
                _UPSERT,
                (
                    validation_id,
                    result.suite_name,
                    bool(result.success),
                    int(statistics["evaluated_expectations"]),
                    int(statistics["unsuccessful_expectations"]),
                    psycopg2.extras.Json(result.to_json_dict()),
                ),
            )
