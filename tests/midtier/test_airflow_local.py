"""`midtier airflow up|status|trigger|down` against a real scheduler, API server and DAG
processor on loopback, with the test PostgreSQL as metadata and data database.

The DAGs see a database URL carrying a password (a role made here), which must never reach a
serialized DAG or a task log.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest
from psycopg import sql

from midtier import database
from midtier.settings import PROJECT_ROOT

ROLE = "midtier_airflow"
PIPELINE = (
    "midtier_ingest",
    "midtier_transform",
    "midtier_check",
    "midtier_export",
    "midtier_deliver",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def password() -> str:
    return "pw" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def deployment(database_url, make_database, password, tmp_path_factory):
    """The environment of a local deployment: its own MIDTIER_HOME, API port and a
    DATABASE_URL with a password; always taken down at the end."""
    with contextlib.closing(database.connect(database_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (ROLE,))
            verb = "alter" if cur.fetchone() else "create"
            # DDL takes no bound parameters: the password goes in as a quoted literal
            cur.execute(
                sql.SQL("{} role {} login superuser password {}").format(
                    sql.SQL(verb), sql.Identifier(ROLE), sql.Literal(password)
                )
            )
    parts = urlsplit(make_database("midtier_on_airflow"))
    url = urlunsplit(parts._replace(netloc=f"{ROLE}:{password}@{parts.hostname}:{parts.port}"))
    database.apply_schema(url)
    home = tmp_path_factory.mktemp("airflow_deployment")
    # the test process's own Airflow settings (conftest) are not the deployment's
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(MIDTIER_HOME=str(home), DATABASE_URL=url, MIDTIER_AIRFLOW_PORT=str(_free_port()))
    yield env
    midtier(env, "airflow", "down")


def midtier(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "midtier", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def deployment_environment(env: dict[str, str]) -> dict[str, str]:
    from midtier import airflow_local
    from midtier.settings import load_settings

    with mock.patch.dict(os.environ, env, clear=True):
        return airflow_local.environment(load_settings(), env["DATABASE_URL"])


def metadata_connection(env: dict[str, str]):
    parts = urlsplit(env["DATABASE_URL"])
    return contextlib.closing(database.connect(urlunsplit(parts._replace(path="/airflow"))))


def component_processes(env: dict[str, str]) -> list[psutil.Process]:
    found = []
    for pid_file in (Path(env["MIDTIER_HOME"]) / "airflow" / "run").glob("*.pid"):
        process = psutil.Process(int(pid_file.read_text().split()[0]))
        found += [process, *process.children(recursive=True)]
    return found


def wait_for_run(
    env: dict[str, str], dag_id: str, states: set[str], timeout: float = 600
) -> str | None:
    """The state of the DAG's latest run once it is one of ``states`` (None on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with metadata_connection(env) as conn, conn.cursor() as cur:
            cur.execute(
                "select state from dag_run where dag_id = %s order by id desc limit 1", (dag_id,)
            )
            row = cur.fetchone()
        if row and row[0] in states:
            return row[0]
        time.sleep(2)
    return None


def serialized_dags(env: dict[str, str]) -> dict[str, str]:
    with metadata_connection(env) as conn, conn.cursor() as cur:
        cur.execute("select dag_id, data::text, data_compressed from serialized_dag")
        return {
            dag_id: data or zlib.decompress(bytes(compressed)).decode()
            for dag_id, data, compressed in cur.fetchall()
        }


def test_up_starts_a_loopback_airflow_that_runs_tasks_and_keeps_no_password(deployment, password):
    up = midtier(deployment, "airflow", "up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert "Airflow is up" in up.stdout

        processes = component_processes(deployment)
        assert len(processes) >= 3
        listening = [
            connection.laddr
            for process in processes
            for connection in process.net_connections(kind="inet")
            if connection.status == psutil.CONN_LISTEN
        ]
        assert ("127.0.0.1", int(deployment["MIDTIER_AIRFLOW_PORT"])) in listening
        assert {address.ip for address in listening} == {"127.0.0.1"}

        errors = subprocess.run(
            [sys.executable, "-m", "airflow", "dags", "list-import-errors", "--output", "json"],
            env=deployment_environment(deployment),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert errors.returncode == 0, errors.stderr
        # the JSON is the last line, after Airflow's warnings
        assert json.loads(errors.stdout.strip().splitlines()[-1]) == []

        status = midtier(deployment, "airflow", "status")
        assert status.returncode == 0, status.stderr
        for dag_id in PIPELINE:
            assert f"{dag_id}" in status.stdout and "not parsed" not in status.stdout

        dags = serialized_dags(deployment)
        # the weekly evidence refresh runs on its own schedule, outside the pipeline's chain
        assert set(dags) == {*PIPELINE, "midtier_evidence"}
        assert "dbt.fct_postings_model_build" in dags["midtier_transform"]
        assert not [dag_id for dag_id, data in dags.items() if password in data]

        secrets_dir = Path(deployment["MIDTIER_HOME"]) / "airflow" / "secrets"
        assert {path.stat().st_mode & 0o777 for path in secrets_dir.iterdir()} == {0o600}

        again = midtier(deployment, "airflow", "up")
        assert again.returncode == 0 and "already running" in again.stdout

        # the scheduler runs tasks: an offline ingest succeeds and its Asset starts the
        # transform, whose running tasks `down` must stop too
        trigger = midtier(
            deployment, "airflow", "trigger", "midtier_ingest", "--offline", "--no-wait"
        )
        assert trigger.returncode == 0, trigger.stdout + trigger.stderr
        assert wait_for_run(deployment, "midtier_ingest", {"success", "failed"}) == "success"
        assert (
            wait_for_run(deployment, "midtier_transform", {"running", "success", "failed"})
            == "running"
        )
    finally:
        processes = component_processes(deployment)
        down = midtier(deployment, "airflow", "down")
    assert down.returncode == 0, down.stderr
    assert not [
        process
        for process in processes
        if process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    ]
    assert "stopped" in midtier(deployment, "airflow", "status").stdout


@pytest.mark.slow
def test_an_offline_ingest_runs_through_to_a_published_export(deployment, password):
    up = midtier(deployment, "airflow", "up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        run = midtier(deployment, "airflow", "trigger", "midtier_ingest", "--offline", timeout=1000)
        assert run.returncode == 0, run.stdout + run.stderr
        for dag_id in PIPELINE:
            assert f"{dag_id}: success" in run.stdout

        with (
            contextlib.closing(database.connect(deployment["DATABASE_URL"])) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("select count(*) from quality.publication_log where published")
            assert cur.fetchone()[0] >= 1
        assert not [
            dag_id for dag_id, data in serialized_dags(deployment).items() if password in data
        ]
        with metadata_connection(deployment) as conn, conn.cursor() as cur:
            cur.execute(
                "select count(*), count(*) filter (where rendered_fields::text like %s) "
                "from rendered_task_instance_fields",
                (f"%{password}%",),
            )
            rendered, leaked = cur.fetchone()
        assert rendered > 30 and leaked == 0
        logs = Path(deployment["MIDTIER_HOME"]) / "airflow" / "logs"
        task_logs = list(logs.glob("dag_id=*/**/*.log"))
        assert len(task_logs) > 30
        assert not [path for path in task_logs if password in path.read_text(errors="replace")]
    finally:
        processes = component_processes(deployment)
        down = midtier(deployment, "airflow", "down")
    assert down.returncode == 0, down.stderr
    assert not [
        process
        for process in processes
        if process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    ]
