"""Driving the pipeline through Airflow from the CLI.

`midtier run` runs the four DAGs in order with ``dag.test()`` (in-process, no scheduler), the
same task code a scheduler would run. Asset-triggered DAGs are not fired by ``dag.test()``, so
each is run explicitly after the one that feeds it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from midtier import steps
from midtier.database import connection_parts
from midtier.settings import PROJECT_ROOT, Settings, load_settings

log = logging.getLogger(__name__)

# Bounds how many sources crawl at once; created with the metadata database (and by the
# docker-compose airflow-init service).
CRAWL_POOL = "midtier_crawls"
# The Airflow connection dbt reaches the database through (Cosmos's profile mapping), so no
# credential is ever part of a DAG.
DBT_CONNECTION = "midtier_postgres"
# Cosmos's Postgres profile mapping refuses a connection without a password; a server that
# lets this user in without one ignores it.
UNUSED_PASSWORD = "unused"
PIPELINE = (
    "midtier_ingest",
    "midtier_transform",
    "midtier_check",
    "midtier_export",
    "midtier_deliver",
)


class PipelineError(RuntimeError):
    pass


def connection_environment(url: str) -> dict[str, str]:
    """The `midtier_postgres` connection as Airflow reads it from the environment: resolved
    when a task runs, kept out of the metadata database and of every serialized DAG."""
    parts = connection_parts(url)
    connection = {
        "conn_type": "postgres",
        "host": parts["host"],
        "port": int(parts["port"]),
        "login": parts["user"],
        "password": parts["password"] or UNUSED_PASSWORD,
        "schema": parts["dbname"],
    }
    return {f"AIRFLOW_CONN_{DBT_CONNECTION.upper()}": json.dumps(connection)}


def airflow_environment(settings: Settings, url: str | None = None) -> dict[str, str]:
    """Airflow settings for a local run (with the database connection when ``url`` is
    given); anything already set in the environment wins."""
    defaults = {
        "AIRFLOW_HOME": str(settings.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.airflow_home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.home / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "SCARF_ANALYTICS": "false",
        "DO_NOT_TRACK": "1",
        **(connection_environment(url) if url else {}),
    }
    environment = {key: os.environ.get(key, value) for key, value in defaults.items()}
    # dbt's floors_met/floors_total suppress cells below the settings' minimum (never below 5)
    environment["MIDTIER_REGISTRY_MIN_CELL_SIZE"] = str(settings.registry_min_cell_size)
    return environment


def prepare_airflow(settings: Settings | None = None, url: str | None = None) -> None:
    """Point Airflow at MIDTIER_HOME (and dbt's connection at ``url``) and migrate its
    metadata database (once)."""
    settings = settings or load_settings()
    os.environ.update(airflow_environment(settings, url))
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    marker = settings.airflow_home / ".initialised"  # metadata DB migrated, pool created
    if not marker.exists():
        log.info("initialising the Airflow metadata database in %s", settings.airflow_home)
        _airflow("db", "migrate")
        _airflow(
            "pools",
            "set",
            CRAWL_POOL,
            os.environ.get("MIDTIER_CRAWL_SLOTS", "2"),
            "Concurrent source crawls",
        )
        marker.touch()


def _airflow(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if result.returncode != 0:
        raise PipelineError(f"airflow {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def load_dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if bag.import_errors:
        raise PipelineError(f"DAG import errors: {bag.import_errors}")
    return bag


def run_pipeline(*, offline: bool = False, echo=print) -> None:
    """Run ingest -> transform -> check -> export through Airflow, stopping at the first failure."""
    settings = load_settings()
    url = steps.prepare_database()
    # Every task (and dbt through Cosmos) must reach the same server this process started.
    os.environ["DATABASE_URL"] = url
    echo("preparing Airflow")
    prepare_airflow(settings, url)
    echo("parsing the dbt project")
    steps.parse_dbt_project()
    bag = load_dags()
    for dag_id in PIPELINE:
        echo(f"running DAG {dag_id}")
        dag = bag.get_dag(dag_id)
        run = dag.test(run_conf={"offline": offline} if dag_id == "midtier_ingest" else None)
        state = str(getattr(run, "state", "unknown"))
        if not state.endswith("success"):
            raise PipelineError(
                f"DAG {dag_id} ended {state}; task logs are under {settings.airflow_home / 'logs'}"
            )
        echo(f"DAG {dag_id}: success")
