"""
### Midtier transform

Runs the dbt project (staging -> intermediate -> marts, with every test after each model) as
an astronomer-cosmos task group when new raw postings or developer evidence land, then
publishes the marts Asset that starts `midtier_check`. A large backlog of new postings is
first processed in batches.

dbt connects through the Airflow connection `midtier_postgres`, read when a task runs: no
credential is part of the DAG. The tasks are rendered from dbt's manifest
(`midtier airflow up` or `midtier transform` writes it); while it is missing, one task runs
the whole `dbt build` instead, which writes it for the next parse.
"""

from __future__ import annotations

from airflow.sdk import dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from midtier import steps
from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import DEVELOPER_EVIDENCE, MARTS, RAW_POSTINGS
from midtier.orchestration import DBT_CONNECTION
from midtier.settings import PROJECT_ROOT, load_settings

DBT_PROJECT = PROJECT_ROOT / "dbt"
MANIFEST = load_settings().dbt_target_dir / "manifest.json"


def dbt_models():
    """One Cosmos task per dbt model, seed and snapshot, with its tests."""
    return DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT,
            manifest_path=MANIFEST,
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="midtier",
            target_name="default",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=DBT_CONNECTION,
                profile_args={"schema": "public", "connect_timeout": 10},
            ),
        ),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            emit_datasets=False,
            # One `dbt build` per node (model and its tests together): half the tasks of
            # AFTER_EACH, each paying dbt start-up once.
            test_behavior=TestBehavior.BUILD,
            # A test on two models (e.g. a relationship to a seed) runs after both, not after
            # whichever is built first.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False},
    )


@dag(
    # new postings, or a developer evidence refresh (midtier_evidence), rebuild the marts
    schedule=(RAW_POSTINGS | DEVELOPER_EVIDENCE),
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["midtier", "dbt"],
)
def midtier_transform():
    @task
    def dbt_build() -> None:
        """The whole dbt project in one task: the manifest was missing when the DAG was parsed."""
        steps.transform()

    dbt = dbt_models() if MANIFEST.exists() else dbt_build()

    @task
    def catch_up_postings() -> int:
        """A large backlog of new postings (a first build, a big import) is processed in
        batches before the models run; an ordinary run does nothing here."""
        return steps.catch_up_postings()

    @task(outlets=[MARTS])
    def publish_marts() -> None:
        """Marks the marts as rebuilt; the check DAG listens for this."""

    catch_up_postings() >> dbt >> publish_marts()


midtier_transform()
