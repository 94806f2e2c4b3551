"""
### Midtier check

Runs the Great Expectations suites on the marts after every dbt build. A failing critical
suite fails this DAG, so the checked-marts Asset is not published and no export runs.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import CHECKED_MARTS, MARTS


@dag(
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    default_args={**DEFAULT_ARGS, "retries": 0},
    doc_md=__doc__,
    tags=["midtier", "quality"],
)
def midtier_check():
    @task(outlets=[CHECKED_MARTS])
    def run_checks() -> dict:
        from midtier import steps

        summary = steps.check()
        failed = [suite.name for suite in summary.suites if suite.critical and not suite.success]
        if failed:
            raise RuntimeError(f"critical data checks failed: {', '.join(failed)}")
        return {"validation_id": summary.validation_id}

    run_checks()


midtier_check()
