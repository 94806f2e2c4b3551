"""
### Midtier ingest

Crawls every enabled source with its Scrapy spider into `raw.postings` (one mapped task per
source; a failing source is recorded in `raw.crawl_runs` and does not stop the others), then
publishes the raw-postings Asset that starts `midtier_transform`.

Trigger with `{"offline": true}` to crawl the bundled recorded responses instead of the web
(`midtier airflow trigger midtier_ingest --offline`). Without it, the Airflow Variable
`midtier_offline`, else the environment setting `MIDTIER_OFFLINE`, decides (default: live).

Runs daily at midnight UTC. Unpausing it waits for the next midnight rather than starting a
live crawl at once.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, task

from midtier.airflow_defaults import DEFAULT_ARGS
from midtier.assets import RAW_POSTINGS

OFFLINE_VARIABLE = "midtier_offline"


def crawls_offline(params) -> bool:
    """The run's `offline` param; when unset, the `midtier_offline` Variable, else MIDTIER_OFFLINE."""
    if params.get("offline") is not None:
        return bool(params["offline"])
    from airflow.sdk import Variable

    from midtier.settings import load_settings, parse_flag

    setting = Variable.get(OFFLINE_VARIABLE, default=None)
    return load_settings().offline if setting is None else parse_flag(setting)


@dag(
    # No start_date and a zero run_immediately window: with catchup off, the first unpause
    # then waits for the next midnight instead of running the one just past.
    schedule=CronTriggerTimetable("@daily", timezone="UTC", run_immediately=timedelta(0)),
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={
        "offline": Param(
            None,
            type=["null", "boolean"],
            description="crawl recorded demo responses (unset: the "
            "midtier_offline Variable, else MIDTIER_OFFLINE)",
        )
    },
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

        summary = steps.offline_crawl(source) if crawls_offline(params) else steps.crawl(source)
        return {
            "source": summary.source,
            "status": summary.status,
            "crawl_run_id": summary.crawl_run_id,
            "seen": summary.counts.seen,
        }

    @task(outlets=[RAW_POSTINGS])
    def publish_raw(summaries: list[dict]) -> None:
        summaries = list(summaries)
        if summaries and all(s["status"] == "failed" for s in summaries):
            raise RuntimeError(f"every source failed: {summaries}")

    sources = enabled_sources()
    prepare_database() >> sources
    publish_raw(crawl_source.expand(source=sources))


midtier_ingest()
