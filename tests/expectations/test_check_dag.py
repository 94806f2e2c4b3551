"""The check DAG runs each group of suites as its own task, in order, and only a passing
critical suite emits the checked-marts Asset that starts the export DAG."""

from __future__ import annotations

import pytest

from midtier.assets import CHECKED_MARTS
from midtier.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def check_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "midtier_check.py"))
    assert bag.import_errors == {}
    return bag.dags["midtier_check"]


def test_groups_run_as_their_own_tasks_in_order(check_dag):
    tasks = check_dag.task_dict
    assert {
        "start_validation",
        "sources_to_check",
        "source_health",
        "client_legitimacy",
        "mart_integrity",
    } <= set(tasks)
    assert "source_health" in tasks["client_legitimacy"].upstream_task_ids
    assert "client_legitimacy" in tasks["mart_integrity"].upstream_task_ids


def test_a_degraded_source_alerts_and_the_other_checks_still_run(check_dag):
    tasks = check_dag.task_dict
    assert tasks["source_health"].on_failure_callback
    assert str(tasks["client_legitimacy"].trigger_rule) in ("all_done", "TriggerRule.ALL_DONE")


def test_only_the_critical_mart_task_emits_the_checked_marts_asset(check_dag):
    emitting = [
        task.task_id
        for task in check_dag.tasks
        if any(asset.uri == CHECKED_MARTS.uri for asset in task.outlets)
    ]
    assert emitting == ["mart_integrity"]
