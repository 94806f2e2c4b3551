"""
### Midtier deliver

Posts the new postings matching each subscribed channel's filters to its Discord or Slack
incoming webhook (channels: `midtier deliver add`), once the exports are published. The
delivery log makes a retry of this task (or another run) send nothing twice; a dead webhook
is recorded and backs off without holding up the other channels. `midtier deliver list`
shows each channel's last delivery and errors.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import EXPORTS


@dag(
    schedule=[EXPORTS],
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["midtier", "deliver"],
)
def midtier_deliver():
    @task
    def deliver_to_channels() -> dict[str, int]:
        from midtier import steps

        # A channel's failure is recorded and backs off; it does not fail the task, which
        # would only retry the channels that worked.
        return {result.name: result.sent for result in steps.deliver()}

    deliver_to_channels()


midtier_deliver()
