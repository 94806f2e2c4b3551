"""Every DAG imports cleanly and follows the house rules (TaskFlow, docs, no catchup, retries)."""

from __future__ import annotations

import pytest

from midtier.settings import PROJECT_ROOT

EXPECTED = {
    "midtier_ingest",
    "midtier_transform",
    "midtier_check",
    "midtier_export",
    "midtier_evidence",
    "midtier_deliver",
}


@pytest.fixture(scope="module")
def dagbag(database_url):
    from midtier import steps

    steps.parse_dbt_project()  # Cosmos renders the dbt tasks from this manifest
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


def test_dag_ids_match_their_file_names(dagbag):
    for dag_id in EXPECTED:
        assert dagbag.dags[dag_id].fileloc.endswith(f"dags/{dag_id}.py")


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dags_are_documented_without_catchup_and_with_retries(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.doc_md and dag.doc_md.strip()
    assert dag.catchup is False
    assert "retries" in dag.default_args


def test_assets_chain_ingest_to_export(dagbag):
    def outlets(dag_id):
        return {asset.uri for task in dagbag.dags[dag_id].tasks for asset in task.outlets}

    def inlets(dag_id):
        condition = dagbag.dags[dag_id].timetable.asset_condition
        return {asset.uri for asset in getattr(condition, "objects", [condition])}

    assert outlets("midtier_ingest") & inlets("midtier_transform")
    assert outlets("midtier_evidence") & inlets("midtier_transform")
    assert outlets("midtier_transform") & inlets("midtier_check")
    assert outlets("midtier_check") & inlets("midtier_export")
    assert outlets("midtier_export") & inlets("midtier_deliver")


def test_transform_runs_every_dbt_model_through_cosmos(dagbag):
    task_ids = dagbag.dags["midtier_transform"].task_ids
    assert any(task_id.startswith("dbt.fct_postings") for task_id in task_ids)
    assert any(task_id.startswith("dbt.stg_raw__postings") for task_id in task_ids)


def test_transform_works_a_large_backlog_off_before_the_models(dagbag):
    dbt_tasks = [
        task for task in dagbag.dags["midtier_transform"].tasks if task.task_id.startswith("dbt.")
    ]
    first = [
        task
        for task in dbt_tasks
        if not any(upstream.startswith("dbt.") for upstream in task.upstream_task_ids)
    ]
    assert first
    assert all(task.upstream_task_ids == {"catch_up_postings"} for task in first)


def test_transform_parses_without_the_dbt_manifest(tmp_path, monkeypatch):
    """Before any dbt build the DAG still imports: one task runs the whole build instead."""
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    transform = bag.dags["midtier_transform"]
    assert transform.get_task("dbt_build").upstream_task_ids == {"catch_up_postings"}
    assert not any(task_id.startswith("dbt.") for task_id in transform.task_ids)


def test_unpausing_ingest_waits_for_the_next_midnight(dagbag):
    import pendulum
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import TimeRestriction

    dag = dagbag.dags["midtier_ingest"]
    timetable = decode_timetable(encode_timetable(dag.timetable))  # as the scheduler sees it
    first = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup),
    )
    assert first.run_after > pendulum.now("UTC")


@pytest.mark.parametrize(
    ("param", "variable", "environment", "expected"),
    [
        (True, None, None, True),
        (False, "true", "1", False),
        (None, "true", None, True),
        (None, "false", "1", False),
        (None, None, "1", True),
        (None, None, None, False),
    ],
)
def test_ingest_crawls_offline_by_param_else_variable_else_setting(
    monkeypatch, param, variable, environment, expected
):
    from importlib import util

    spec = util.spec_from_file_location("ingest_dag", PROJECT_ROOT / "dags" / "midtier_ingest.py")
    ingest = util.module_from_spec(spec)
    spec.loader.exec_module(ingest)
    for name, value in (
        ("AIRFLOW_VAR_MIDTIER_OFFLINE", variable),
        ("MIDTIER_OFFLINE", environment),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert ingest.crawls_offline({"offline": param}) is expected
