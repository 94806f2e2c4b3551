"""
### Midtier check

Runs the Great Expectations suites after every dbt build, before any export, one task per
group (all tasks of a run share one `validation_id`):

1. **source_health** — one mapped task per source, on the raw layer of its latest run
   (volume against its recent runs, missing titles/urls/posting times, payload schema drift,
   freshness, share of rejects). A failing source is recorded as *degraded* in
   `quality.source_status`; its task fails, which fires the alert callback, and the other
   sources go on (the next tasks run whatever happened here). Source health runs here rather
   than in the ingest DAG so that it sees every crawl of the day in one place and one
   validation.
2. **client_legitimacy** — records the postings dbt flagged (score below its var
   `flag_score_threshold`) in `quality.posting_flags`.
3. **mart_integrity** — critical: when it fails this task fails, the checked-marts Asset is not
   emitted and no export runs; the reason is in `quality.publication_log`.

Results: `quality.validation_results`, Data Docs under `MIDTIER_HOME/gx/data_docs`.
"""

from __future__ import annotations

import logging

from airflow.sdk import dag, task

from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import CHECKED_MARTS, MARTS

log = logging.getLogger(__name__)


def alert_source_degraded(context) -> None:
    """Alert callback of the source-health tasks: one warning naming the source and why.
    (Point it at a notifier — Slack, e-mail — where one is configured.)"""
    log.warning("ALERT midtier: %s", context.get("exception") or "a source is degraded")


@dag(
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    default_args={**DEFAULT_ARGS, "retries": 0},
    doc_md=__doc__,
    tags=["midtier", "quality"],
)
def midtier_check():
    @task
    def start_validation() -> str:
        from expectations.runner import new_validation_id

        return new_validation_id()

    @task
    def sources_to_check() -> list[str]:
        from expectations.source_health import sources_to_check as checked_sources
        from midtier import steps

        return checked_sources(steps.prepare_database())

    @task(on_failure_callback=alert_source_degraded, max_active_tis_per_dagrun=2)
    def source_health(source: str, validation_id: str) -> dict:
        from expectations.runner import run_checks
        from midtier import steps

        summary = steps.check(
            run_checks, groups=["source_health"], sources=[source], validation_id=validation_id
        )
        if source in summary.degraded_sources:
            raise RuntimeError(f"source {source} is degraded: {summary.degraded_sources[source]}")
        return {"source": source, "status": "healthy"}

    @task(trigger_rule="all_done")
    def client_legitimacy(validation_id: str) -> dict:
        from expectations.runner import run_checks
        from midtier import steps

        summary = steps.check(run_checks, groups=["client_legitimacy"], validation_id=validation_id)
        return {"flags_added": summary.flags_added, "flags_cleared": summary.flags_cleared}

    @task(outlets=[CHECKED_MARTS])
    def mart_integrity(validation_id: str) -> dict:
        from expectations.runner import run_checks
        from midtier import steps

        summary = steps.check(run_checks, groups=["mart_integrity"], validation_id=validation_id)
        failed = [suite.name for suite in summary.critical_failures]
        if failed:
            raise RuntimeError(
                f"critical data checks failed: {', '.join(failed)}; nothing is published"
            )
        return {"validation_id": validation_id}

    validation_id = start_validation()
    health = source_health.partial(validation_id=validation_id).expand(source=sources_to_check())
    legitimacy = client_legitimacy(validation_id)
    health >> legitimacy >> mart_integrity(validation_id)


midtier_check()
