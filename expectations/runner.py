"""Run the expectation suites against Midtier's database and act on the outcome.

One run = one ``validation_id``. In order:

1. ``source_health`` — a suite per source; each source's status (healthy/degraded) is
   upserted into ``quality.source_status`` and a degraded source is logged as a warning.
2. ``client_legitimacy`` — the failing ``posting_id``s of every check become
   ``quality.posting_flags`` rows; flags the checks now pass are cleared — unless a check of
   the suite errored (raised instead of failing): then the suite is recorded as ``error``,
   and it opens flags but clears none.
3. ``mart_integrity`` — critical suites; a failure is recorded in ``quality.publication_log``
   as the reason nothing is published.

Every suite's result goes to ``quality.validation_results`` (with the checks that were
skipped, and the path of the GX Data Docs site rendered under ``MIDTIER_HOME/gx``). GX runs
in an ephemeral context with one PostgreSQL data source whose URL reaches it only through
``${MIDTIER_GX_DATABASE_URL}`` substitution; each suite validates a query asset.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.types.json import Jsonb

from expectations import flags, source_health
from expectations import suites as suite_plans
from expectations.suites import (
    CLIENT_LEGITIMACY,
    GROUPS,
    MART,
    MART_INTEGRITY,
    SOURCE_HEALTH,
    SuitePlan,
)
from midtier import database, publication
from midtier.settings import load_settings

DATABASE_URL_VARIABLE = "MIDTIER_GX_DATABASE_URL"
CONNECTION_STRING = "${" + DATABASE_URL_VARIABLE + "}"
DATA_DOCS_SITE = "local_site"

# How many failing rows each expectation reports. GX caps the failing-row keys of SQL sources
# at partial_unexpected_count; flags need every failing posting, so it is raised this far.
UNEXPECTED_ROWS_REPORTED = 100_000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpectationFailure:
    """One failed expectation: what was expected, where, and which rows broke it."""

    expectation: str
    column: str | None
    unexpected_count: int | None
    row_keys: list[str] = field(default_factory=list)
    error: str | None = None
    check_name: str | None = None
    observed: dict[str, str] = field(default_factory=dict)  # row key -> observed value
    observed_value: object = None  # for table- and aggregate-level expectations
    unexpected_percent: float | None = None
    complete: bool = True  # every failing row key is listed

    def describe(self) -> str:
        if self.error:
            return self.error
        if self.observed_value is not None:
            return f"observed {_short(self.observed_value)}"
        text = f"{self.unexpected_count or 0} unexpected"
        if self.unexpected_percent is not None:
            text += f" ({self.unexpected_percent:.0f}%)"
        return text


@dataclass(frozen=True)
class SuiteResult:
    name: str
    success: bool
    evaluated: int
    failed: int
    critical: bool
    failures: list[ExpectationFailure] = field(default_factory=list)
    group: str | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (check, reason)
    source: str | None = None
    result_json: dict = field(default_factory=dict, repr=False, compare=False)
    # An expectation raised (or the batch could not be read): the data was not judged at all.
    errored: bool = False

    @property
    def status(self) -> str:
        """passed, failed (the data broke an expectation) or error (a check could not run)."""
        if self.errored:
            return "error"
        return "passed" if self.success else "failed"

    def reason(self) -> str:
        """The failed checks in one line, e.g. ``volume: observed 10; title_missing: 10 unexpected (100%)``."""
        return "; ".join(
            f"{failure.check_name or failure.expectation}: {failure.describe()}"
            for failure in self.failures
        )


@dataclass(frozen=True)
class CheckSummary:
    validation_id: str
    suites: list[SuiteResult]
    flag_changes: flags.FlagChanges = field(default_factory=flags.FlagChanges)
    degraded_sources: dict[str, str] = field(default_factory=dict)  # source -> reason
    data_docs_path: str | None = None

    @property
    def success(self) -> bool:
        return all(suite.success for suite in self.suites)

    @property
    def errored_suites(self) -> list[SuiteResult]:
        return [suite for suite in self.suites if suite.errored]

    @property
    def critical_failures(self) -> list[SuiteResult]:
        """Failed suites that must stop publishing (exports)."""
        return [suite for suite in self.suites if suite.critical and not suite.success]

    def describe(self) -> str:
        return format_summary(self)

    @property
    def flags_added(self) -> int:
        return self.flag_changes.added

    @property
    def flags_cleared(self) -> int:
        return self.flag_changes.cleared


def new_validation_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def data_docs_dir() -> Path:
    """Where the GX Data Docs site is written (``MIDTIER_HOME/gx/data_docs``)."""
    return load_settings().home / "gx" / "data_docs"


def run_checks(
    url: str | None = None,
    *,
    groups: Iterable[str] | None = None,
    sources: list[str] | None = None,
    validation_id: str | None = None,
) -> CheckSummary:
    """Validate the given groups of suites (all by default) and record the results.

    ``url`` defaults to Midtier's database (``DATABASE_URL`` or the embedded server).
    ``sources`` limits source health to those sources. Pass one ``validation_id`` to several
    calls (e.g. one per Airflow task) to record them as one validation.
    """
    url = url or database.database_url()
    groups = tuple(groups or GROUPS)
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown check groups: {', '.join(sorted(unknown))}")
    validation_id = validation_id or new_validation_id()
    results: list[SuiteResult] = []
    changes = flags.FlagChanges()
    degraded: dict[str, str] = {}
    docs_index = None
    with (
        _database_url_in_environment(url),
        _quiet_great_expectations(),
        contextlib.closing(database.connect(url)) as conn,
    ):
        conn.autocommit = True
        validator = _Validator(validation_id)
        try:
            if SOURCE_HEALTH in groups:
                for source, crawl_run_id in source_health.latest_runs(conn, sources).items():
                    plan = suite_plans.source_health(
                        source_health.baseline(conn, source, crawl_run_id)
                    )
                    result = validator.validate(plan)
                    results.append(result)
                    status = source_health.SourceStatus(
                        source=source,
                        status=source_health.HEALTHY if result.success else source_health.DEGRADED,
                        reason=None if result.success else result.reason(),
                        crawl_run_id=crawl_run_id,
                    )
                    source_health.record_status(conn, status, validation_id)
                    source_health.record_profile(conn, source, crawl_run_id)
                    if not result.success:
                        degraded[source] = status.reason
            mart_built = _mart_built(conn)
            if CLIENT_LEGITIMACY in groups:
                result = validator.validate(suite_plans.client_legitimacy())
                results.append(result)
                if result.errored:
                    log.warning(
                        "suite %s errored: no flag cleared, open flags kept (%s)",
                        result.name,
                        result.reason(),
                    )
                changes = flags.apply(conn, validation_id, _flag_outcomes(result))
            if MART_INTEGRITY in groups:
                for plan in (
                    suite_plans.fct_postings_integrity(),
                    suite_plans.fct_postings_coverage(),
                    suite_plans.fct_postings_budgets(),
                ):
                    if not mart_built:
                        results.append(_missing_mart(plan))
                    else:
                        results.append(validator.validate(plan))
            docs_index = validator.build_data_docs()
        finally:
            validator.close()
    summary = CheckSummary(
        validation_id=validation_id,
        suites=results,
        flag_changes=changes,
        degraded_sources=degraded,
        data_docs_path=docs_index,
    )
    _record(url, validation_id, results, docs_index)
    if summary.critical_failures:
        reason = "critical data checks failed: " + "; ".join(
            f"{suite.name} ({suite.reason()})" for suite in summary.critical_failures
        )
        publication.record(url, validation_id=validation_id, published=False, reason=reason)
        log.warning("validation %s: %s", validation_id, reason)
    log.info("validation %s: %s", validation_id, "passed" if summary.success else "failed")
    return summary


def format_summary(summary: CheckSummary) -> str:
    """A few lines for the terminal: one per suite, its failed checks, flags and sources."""
    lines = [f"validation {summary.validation_id}"]
    for suite in summary.suites:
        status = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}[suite.status]
        label = f"{suite.name} (critical)" if suite.critical else suite.name
        passed = suite.evaluated - suite.failed
        line = f"  {status}  {label}: {passed}/{suite.evaluated} expectations met"
        if suite.skipped:
            line += f", {len(suite.skipped)} skipped"
        lines.append(line)
        for failure in suite.failures:
            target = f"({failure.column})" if failure.column else ""
            name = failure.check_name or failure.expectation
            detail = failure.describe()
            if failure.row_keys:
                shown = ", ".join(failure.row_keys[:10])
                more = len(failure.row_keys) - 10
                detail += f": {shown}" + (f" and {more} more" if more > 0 else "")
            lines.append(f"        - {name} {failure.expectation}{target}: {detail}")
    if any(suite.group == CLIENT_LEGITIMACY for suite in summary.suites):
        changes = summary.flag_changes
        lines.append(
            f"posting flags: {changes.added} added, {changes.cleared} cleared, "
            f"{changes.refreshed} still open"
        )
    for suite in summary.errored_suites:
        lines.append(
            f"suite {suite.name} errored (a check raised, the data was not judged): "
            "no flag cleared, open flags kept"
        )
    for source, reason in summary.degraded_sources.items():
        lines.append(f"source {source} degraded: {reason}")
    if summary.data_docs_path:
        lines.append(f"data docs: {summary.data_docs_path}")
    if summary.critical_failures:
        lines.append("critical checks failed: exports are blocked")
    return "\n".join(lines)


# -- running GX ---------------------------------------------------------------------------------


class _Validator:
    """One ephemeral GX context and data source for a validation run."""

    def __init__(self, validation_id: str):
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        self._gx = gx
        self.context = _ephemeral_context(data_docs_dir())
        self.run_id = RunIdentifier(run_name=validation_id, run_time=dt.datetime.now(dt.UTC))
        self.datasource = self.context.data_sources.add_postgres(
            name="midtier", connection_string=CONNECTION_STRING, create_temp_table=False
        )
        self.validated = 0

    def validate(self, plan: SuitePlan) -> SuiteResult:
        skipped = [(check.name, check.skipped_reason or "") for check in plan.skipped]
        if len(skipped) == len(plan.checks):
            return SuiteResult(
                name=plan.name,
                success=True,
                evaluated=0,
                failed=0,
                critical=plan.critical,
                group=plan.group,
                skipped=skipped,
                source=plan.source,
                result_json={"skipped_entirely": True},
            )
        gx = self._gx
        try:
            asset = self.datasource.add_query_asset(name=plan.name, query=plan.query)
            batch_definition = asset.add_batch_definition_whole_table("whole")
            suite = self.context.suites.add(plan.build_suite())
            validation = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=plan.name, data=batch_definition, suite=suite)
            )
            checkpoint = self.context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{plan.name}_checkpoint",
                    validation_definitions=[validation],
                    result_format=_result_format(plan),
                )
            )
            [result] = checkpoint.run(run_id=self.run_id).run_results.values()
        except Exception as error:  # a batch that cannot be read fails its suite, not the run
            log.warning("suite %s could not run: %s", plan.name, error)
            failure = ExpectationFailure(
                expectation="batch",
                column=None,
                unexpected_count=None,
                error=f"{type(error).__name__}: {error}".splitlines()[0],
            )
            return SuiteResult(
                name=plan.name,
                success=False,
                evaluated=1,
                failed=1,
                critical=plan.critical,
                failures=[failure],
                group=plan.group,
                skipped=skipped,
                source=plan.source,
                result_json={"success": False, "error": failure.error},
                errored=True,
            )
        self.validated += 1
        statistics = result.statistics
        failures = [_failure(item, plan.row_key) for item in result.results if not item.success]
        return SuiteResult(
            name=plan.name,
            success=bool(result.success),
            evaluated=int(statistics["evaluated_expectations"]),
            failed=int(statistics["unsuccessful_expectations"]),
            critical=plan.critical,
            failures=failures,
            group=plan.group,
            skipped=skipped,
            source=plan.source,
            result_json=result.to_json_dict(),
            errored=any(failure.error for failure in failures),
        )

    def build_data_docs(self) -> str | None:
        if not self.validated:
            return None
        try:
            self.context.build_data_docs(site_names=[DATA_DOCS_SITE])
        except Exception as error:  # docs are a convenience; never fail the checks for them
            log.warning("could not build the data docs: %s", error)
            return None
        index = data_docs_dir() / "index.html"
        return str(index) if index.exists() else None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.datasource.get_engine().dispose()


def _ephemeral_context(docs_dir: Path):
    """In-memory stores; only the Data Docs site is written, to ``docs_dir``."""
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
    config.data_docs_sites = {
        DATA_DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    return gx.get_context(mode="ephemeral", project_config=config)


def _result_format(plan: SuitePlan) -> dict:
    result_format: dict = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": UNEXPECTED_ROWS_REPORTED,
    }
    if plan.row_key:
        result_format["unexpected_index_column_names"] = [plan.row_key]
    return result_format


def _missing_mart(plan: SuitePlan) -> SuiteResult:
    failure = ExpectationFailure(
        expectation="table_exists",
        column=None,
        unexpected_count=None,
        error=f"{MART} does not exist: run `midtier transform` first",
    )
    return SuiteResult(
        name=plan.name,
        success=False,
        evaluated=1,
        failed=1,
        critical=plan.critical,
        failures=[failure],
        group=plan.group,
        result_json={"success": False, "error": failure.error},
    )


def _mart_built(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (MART,))
        return cur.fetchone()[0]


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
    """GX builds a SQLAlchemy engine: name the psycopg (3) driver explicitly."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# -- reading results ----------------------------------------------------------------------------


def _failure(expectation_result, row_key: str | None) -> ExpectationFailure:
    config = expectation_result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column")
    if column is None and "column_A" in kwargs:
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    details = expectation_result.result or {}
    row_keys: list[str] = []
    observed: dict[str, str] = {}
    if row_key:
        for index in details.get("unexpected_index_list") or []:
            key = index.get(row_key) if isinstance(index, dict) else index
            if key is None:
                continue
            key = str(key)
            if key not in observed:
                row_keys.append(key)
                values = (
                    {name: value for name, value in index.items() if name != row_key}
                    if isinstance(index, dict)
                    else {}
                )
                observed[key] = ", ".join(
                    f"{name}={_short(value)}" for name, value in values.items()
                )
    error = raised_error(expectation_result.exception_info)
    unexpected_count = details.get("unexpected_count")
    return ExpectationFailure(
        expectation=config.type,
        column=column,
        unexpected_count=unexpected_count,
        row_keys=row_keys,
        error=error,
        check_name=(config.meta or {}).get("check_name"),
        observed=observed,
        observed_value=details.get("observed_value"),
        unexpected_percent=details.get("unexpected_percent"),
        complete=error is None and (unexpected_count is None or len(row_keys) >= unexpected_count),
    )


def raised_error(exception_info) -> str | None:
    """The message of an exception an expectation raised, else None.

    GX 1.x keys the info by the id of each metric that raised
    (``{"('column_values.between.condition', ...)": {"raised_exception": True,
    "exception_message": ..., "exception_traceback": ...}}``); an error outside any metric
    comes flat (``{"raised_exception": True, "exception_message": ...}``). Both are read.
    """
    if not isinstance(exception_info, dict):
        return None
    entries = (
        [exception_info]
        if "raised_exception" in exception_info
        else [entry for entry in exception_info.values() if isinstance(entry, dict)]
    )
    for entry in entries:
        if entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "an expectation raised")
            return message.splitlines()[0] if message.strip() else "an expectation raised"
    return None


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _flag_outcomes(result: SuiteResult) -> list[flags.CheckOutcome]:
    """One outcome per check that ran: its failing postings (none when it passed)."""
    if result.result_json.get("skipped_entirely"):
        return []
    if not result.result_json.get("results") and result.failures:
        return []  # the batch could not be read: leave every flag as it is
    # A suite with an erroring check judged part of the data only: it may open flags, never
    # clear one (complete=False), so a raise can never empty the flag list.
    clears = not result.errored
    skipped = {name for name, _ in result.skipped}
    failures = {failure.check_name: failure for failure in result.failures}
    outcomes = []
    for item in result.result_json.get("results", []):
        name = (item.get("expectation_config", {}).get("meta") or {}).get("check_name")
        if not name or name in skipped:
            continue
        failure = failures.get(name)
        if failure is None:
            if clears:
                outcomes.append(flags.CheckOutcome(check_name=name, failing={}, complete=True))
        elif failure.error:
            continue
        else:
            outcomes.append(
                flags.CheckOutcome(
                    check_name=name, failing=failure.observed, complete=failure.complete and clears
                )
            )
    return outcomes


# -- recording ----------------------------------------------------------------------------------

_UPSERT = """
    insert into quality.validation_results
        (validation_id, suite_name, success, evaluated, failed, result, suite_group, critical,
         skipped, data_docs_path, status)
    values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    on conflict (validation_id, suite_name) do update set
        success = excluded.success,
        status = excluded.status,
        evaluated = excluded.evaluated,
        failed = excluded.failed,
        result = excluded.result,
        suite_group = excluded.suite_group,
        critical = excluded.critical,
        skipped = excluded.skipped,
        data_docs_path = excluded.data_docs_path,
        validated_at = now()
"""


def _record(
    url: str, validation_id: str, results: list[SuiteResult], docs_index: str | None
) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        for result in results:
            cur.execute(
                _UPSERT,
                (
                    validation_id,
                    result.name,
                    result.success,
                    result.evaluated,
                    result.failed,
                    Jsonb(result.result_json),
                    result.group,
                    result.critical,
                    Jsonb([{"check": name, "reason": reason} for name, reason in result.skipped]),
                    docs_index,
                    result.status,
                ),
            )
