"""
### Midtier ingest

Crawls every enabled source with its Scrapy spider into `raw.postings` (one mapped task per
source; a failing source is recorded in `raw.crawl_runs` and does not stop the others), then
publishes the raw-postings Asset that starts `midtier_transform`.

Trigger with `{"offline": true}` to crawl the bundled recorded responses instead of the web.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import RAW_POSTINGS


@dag(
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={"offline": Param(False, type="boolean", description="crawl recorded demo responses")},
    tags=["midtier", "ingest"],
)
def midtier_ingest():
    @task
    def prepare_database() -> None:
        from midtier import steps

        steps.prepare_database()

    @task
    def enabled_sources() -> list[str]:
        from midtier.sources import SOURCES

        return sorted(SOURCES)

    @task(pool="midtier_crawls", max_active_tis_per_dagrun=2)
    def crawl_source(source: str, params=None) -> dict:
        from midtier import steps

        if params["offline"]:
            summary = steps.offline_crawl(source)
        else:
            summary = steps.crawl(source)
        return {"source": summary.source, "status": summary.status,
                "crawl_run_id": summary.crawl_run_id, "seen": summary.counts.seen}

    @task(outlets=[RAW_POSTINGS])
    def publish_raw(summaries: list[dict]) -> None:
        summaries = list(summaries)
        if summaries and all(s["status"] == "failed" for s in summaries):
            raise RuntimeError(f"every source failed: {summaries}")

    sources = enabled_sources()
    prepare_database() >> sources
    publish_raw(crawl_source.expand(source=sources))


midtier_ingest()
