"""Every DAG imports cleanly and follows the house rules (TaskFlow, docs, no catchup, retries)."""

from __future__ import annotations

import pytest

from midtier.settings import PROJECT_ROOT

EXPECTED = {"midtier_ingest", "midtier_transform", "midtier_check", "midtier_export"}


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
    assert outlets("midtier_transform") & inlets("midtier_check")
    assert outlets("midtier_check") & inlets("midtier_export")


def test_transform_runs_every_dbt_model_through_cosmos(dagbag):
    task_ids = dagbag.dags["midtier_transform"].task_ids
    assert any(task_id.startswith("dbt.fct_postings") for task_id in task_ids)
    assert any(task_id.startswith("dbt.stg_raw__postings") for task_id in task_ids)


def test_transform_works_a_large_backlog_off_before_the_models(dagbag):
    dbt_tasks = [task for task in dagbag.dags["midtier_transform"].tasks if task.task_id.startswith("dbt.")]
    first = [task for task in dbt_tasks
             if not any(upstream.startswith("dbt.") for upstream in task.upstream_task_ids)]
    assert first
    assert all(task.upstream_task_ids == {"catch_up_postings"} for task in first)
