"""Webhook delivery over two real pipeline runs (`midtier import`, `midtier transform`,
`midtier deliver run` as a user runs them) and a forced retry of the DAG's task: a loopback
receiver gets each new matching posting exactly once, non-republishable sources as title and
link only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from midtier.settings import PROJECT_ROOT
from tests.midtier.test_delivery import Receiver

pytestmark = pytest.mark.slow

DESCRIPTION = (
    "Our agency, Northwind Digital, maintains web applications for clients in "
    "Berlin and Lisbon. You will work with our team on a {stack} codebase, with "
    "code review, a clear scope and weekly invoicing through our company."
)


def job(source: str, number: int, title: str, stack: str, tags: list[str]) -> dict:
    posted = datetime.now(UTC) - timedelta(days=1, hours=number)
    return {
        "source": source,
        "source_posting_id": f"job-{number}",
        "title": title,
        "url": f"https://example.org/{source}/job-{number}",
        "company": "Northwind Digital",
        "description": DESCRIPTION.format(stack=stack),
        "budget_text": "$80/hr",
        "tags": tags,
        "location": "Remote",
        "posted_at": posted.isoformat(),
    }


def midtier(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "midtier", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=900,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, f"midtier {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pipeline_run(postings: list[dict], tmp_path, name: str, env: dict) -> None:
    """One pipeline run up to delivery: the postings land, dbt builds, delivery sends."""
    for source in sorted({posting["source"] for posting in postings}):
        path = tmp_path / f"{name}-{source}.jsonl"
        path.write_text(
            "".join(
                json.dumps(posting) + "\n" for posting in postings if posting["source"] == source
            )
        )
        midtier("import", str(path), "--source", source, env=env)
    midtier("transform", env=env)
    midtier("deliver", "run", env=env)


def test_each_new_matching_posting_arrives_once_over_two_runs_and_a_retry(
    make_database, tmp_path, monkeypatch
):
    url = make_database("delivery_pipeline")
    env = {**os.environ, "DATABASE_URL": url, "MIDTIER_HOME": str(tmp_path / "home")}
    receiver = Receiver()
    try:
        midtier(
            "deliver",
            "add",
            "django-jobs",
            "--kind",
            "discord",
            "--url",
            receiver.url,
            "--skills",
            "django",
            env=env,
        )
        first = [
            job("remoteok", 1, "Django developer", "Python and Django", ["django", "python"]),
            job("remoteok", 2, "React developer", "React and TypeScript", ["react"]),
            # We Work Remotely's terms forbid re-publishing
            job("weworkremotely", 3, "Senior Django engineer", "Django", ["django"]),
        ]
        pipeline_run(first, tmp_path, "first", env)
        assert sorted(receiver.links()) == [
            "https://example.org/remoteok/job-1",
            "https://example.org/weworkremotely/job-3",
        ]
        hidden = next(body for body in receiver.received if "weworkremotely" in body["content"])
        assert "embeds" not in hidden and "Northwind" not in json.dumps(hidden)
        assert hidden["content"] == (
            "**Senior Django engineer**\nhttps://example.org/weworkremotely/job-3"
        )

        second = [
            *first,
            job("remoteok", 4, "Django API contractor", "Django REST framework", ["django"]),
        ]
        pipeline_run(second, tmp_path, "second", env)

        # A forced retry: the DAG's task run again by hand, as Airflow would retry it.
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "midtier_deliver.py"))
        task = bag.dags["midtier_deliver"].get_task("deliver_to_channels")
        assert task.python_callable() == {"django-jobs": 0}

        links = receiver.links()
        assert (
            sorted(links)
            == sorted(set(links))
            == [
                "https://example.org/remoteok/job-1",
                "https://example.org/remoteok/job-4",
                "https://example.org/weworkremotely/job-3",
            ]
        )
        assert "last delivery" in midtier("deliver", "list", env=env)
    finally:
        receiver.close()
