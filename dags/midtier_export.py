"""
### Midtier export

Writes the newsletter exports (RSS feed, CSV) from the checked marts into
`MIDTIER_HOME/exports` once the data checks have passed.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import CHECKED_MARTS, EXPORTS


@dag(
    schedule=[CHECKED_MARTS],
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["midtier", "export"],
)
def midtier_export():
    @task(outlets=[EXPORTS])
    def write_exports() -> list[str]:
        from midtier import steps

        return [str(path) for path in steps.export()]

    write_exports()


midtier_export()
