"""A build loads only the seeds whose files changed since their table was loaded."""

from __future__ import annotations

import contextlib
import json
import shutil

from midtier import database, seed_loads, transform
from midtier.settings import load_settings

POSTINGS = [
    {
        "source": "remoteok",
        "source_posting_id": "seeds-1",
        "title": "Django developer (contract)",
        "company": "Harbor Freight Labs",
        "description_text": "Four months of Django and PostgreSQL work, paid monthly.",
        "budget_text": "$70/hr",
        "tags": ["django"],
    }
]


def _seeds_loaded_by_last_dbt_command() -> set[str]:
    results = json.loads((load_settings().dbt_target_dir / "run_results.json").read_text())
    return {
        result["unique_id"].rsplit(".", 1)[-1]
        for result in results["results"]
        if result["unique_id"].startswith("seed.")
    }


def test_a_second_build_loads_no_unchanged_seed(built_postings, database_url):
    every_seed = set(seed_loads.seed_files(transform.DBT_PROJECT_DIR))
    assert set(seed_loads.loaded_unchanged(database_url, transform.DBT_PROJECT_DIR)) == every_seed

    transform.build(database_url)

    assert _seeds_loaded_by_last_dbt_command() == set()
    assert built_postings["seeds-1"]["title"] == "Django developer (contract)"


def test_a_seed_without_todays_digest_is_loaded_again(built_postings, database_url):
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute("comment on table seeds.fx_rates is null")

    transform.build(database_url)

    assert _seeds_loaded_by_last_dbt_command() == {"fx_rates"}
    assert "fx_rates" in seed_loads.loaded_unchanged(database_url, transform.DBT_PROJECT_DIR)


def test_a_digest_changes_with_its_csv_and_every_digest_with_the_seed_config(tmp_path):
    project = tmp_path / "dbt"
    shutil.copytree(transform.DBT_PROJECT_DIR / "seeds", project / "seeds")
    shutil.copy(transform.DBT_PROJECT_DIR / "dbt_project.yml", project / "dbt_project.yml")
    before = seed_loads.digests(project)

    with (project / "seeds" / "fx_rates.csv").open("a") as csv:
        csv.write("XTS,1.0\n")
    after_csv = seed_loads.digests(project)
    assert {name for name in before if before[name] != after_csv[name]} == {"fx_rates"}

    (project / "seeds" / "_seeds.yml").write_text(
        (project / "seeds" / "_seeds.yml").read_text() + "\n# a changed column type\n"
    )
    after_config = seed_loads.digests(project)
    assert all(after_config[name] != after_csv[name] for name in before)
