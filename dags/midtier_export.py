"""
### Midtier export

Writes the newsletter exports (RSS and Atom feeds, per-skill feeds, HTML and Markdown
digests, CSV, JSON) from the checked marts into
`MIDTIER_HOME/exports` once the data checks have passed. The export step checks the
publication gate itself as well: if the latest critical checks failed it writes nothing,
leaves the previous files in place and records why in `quality.publication_log`.
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
        from airflow.sdk.exceptions import AirflowFailException

        from midtier import steps
        from midtier.publication import PublicationBlocked

        try:
            return [str(path) for path in steps.export()]
        except PublicationBlocked as blocked:  # retrying cannot help: fail at once
            raise AirflowFailException(str(blocked)) from blocked

    write_exports()


midtier_export()
