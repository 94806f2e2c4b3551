"""
### Midtier developer evidence

Once a week, crawls the public GitHub work of verified, opted-in developers with the
`github_evidence` spider into `raw.developer_evidence` (conditional requests, so unchanged
answers cost no rate limit; rate limits are waited out within a bound and recorded in
`raw.crawl_rate_limit_pauses`), then publishes the developer-evidence Asset, which starts
`midtier_transform` so the profiles are rebuilt.

No login is crawled unless its developer proved control of it (`midtier developers verify`).
`GITHUB_TOKEN`, when set for the worker, raises GitHub's rate limit.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from midtier.airflow_defaults import DEFAULT_ARGS
from midtier.assets import DEVELOPER_EVIDENCE


@dag(
    # Mondays 03:00 UTC; unpausing waits for the next one instead of crawling at once.
    schedule=CronTriggerTimetable("0 3 * * 1", timezone="UTC", run_immediately=timedelta(0)),
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["midtier", "ingest", "developers"],
)
def midtier_evidence():
    @task(pool="midtier_crawls", outlets=[DEVELOPER_EVIDENCE])
    def crawl_evidence() -> dict:
        from midtier import steps

        summary = steps.crawl("github_evidence")
        if summary.status == "failed":
            raise RuntimeError(f"the evidence crawl failed: {summary.error}")
        return {
            "status": summary.status,
            "crawl_run_id": summary.crawl_run_id,
            "seen": summary.counts.seen,
        }

    crawl_evidence()


midtier_evidence()
