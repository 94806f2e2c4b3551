"""
### Midtier transform

Runs the dbt project (staging -> intermediate -> marts, with every test after each model) as
an astronomer-cosmos task group when new raw postings land, then publishes the marts Asset
that starts `midtier_check`. A large backlog of new postings is first processed in batches.
"""

from __future__ import annotations

import os

from airflow.sdk import dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

from midtier import steps
from midtier.airflow_defaults import DEFAULT_ARGS, START_DATE
from midtier.assets import MARTS, RAW_POSTINGS
from midtier.settings import PROJECT_ROOT, load_settings
from midtier.transform import profile_env

DBT_PROJECT = PROJECT_ROOT / "dbt"
# Reading environment variables is cheap; nothing here touches the database at import time.
DBT_ENV = profile_env(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else {}


@dag(
    schedule=[RAW_POSTINGS],
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["midtier", "dbt"],
)
def midtier_transform():
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT,
            manifest_path=load_settings().dbt_target_dir / "manifest.json",
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="midtier",
            target_name="default",
            profiles_yml_filepath=DBT_PROJECT / "profiles.yml",
        ),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.AUTOMATIC,
            emit_datasets=False,
            # One `dbt build` per node (model and its tests together): half the tasks of
            # AFTER_EACH, each paying dbt start-up once.
            test_behavior=TestBehavior.BUILD,
            # A test on two models (e.g. a relationship to a seed) runs after both, not after
            # whichever is built first.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False, "env": DBT_ENV},
    )

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
