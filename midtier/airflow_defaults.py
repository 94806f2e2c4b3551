"""Arguments every Midtier DAG shares."""

from datetime import timedelta

import pendulum

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")
DEFAULT_ARGS = {
    "owner": "midtier",
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
}
