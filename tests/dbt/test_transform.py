"""midtier.transform: environment for the profile, parse, and how failures surface."""

from __future__ import annotations

import json

from midtier import transform
from midtier.settings import PROJECT_ROOT, load_settings


def test_profile_env_comes_from_the_url():
    assert transform.profile_env("postgresql://alice:s3cret@db.example:6543/warehouse") == {
        "MIDTIER_DB_HOST": "db.example",
        "MIDTIER_DB_PORT": "6543",
        "MIDTIER_DB_USER": "alice",
        "MIDTIER_DB_PASSWORD": "s3cret",
        "MIDTIER_DB_NAME": "warehouse",
    }


def test_profile_env_defaults():
    env = transform.profile_env("postgresql://127.0.0.1/midtier")
    assert (env["MIDTIER_DB_PORT"], env["MIDTIER_DB_PASSWORD"]) == ("5432", "")


def test_parse_writes_the_manifest_under_midtier_home(database_url):
    manifest = transform.parse(database_url)
    assert manifest == load_settings().dbt_target_dir / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    assert "model.midtier.fct_postings" in nodes
    assert not (PROJECT_ROOT / "dbt" / "target").exists()
    assert not (PROJECT_ROOT / "dbt" / "logs").exists()


def test_per_posting_models_are_the_ones_dbt_tags(database_url):
    """The backlog count reads the models tagged per_posting that hold a row per posting
    (every one but the pairs model): a model tagged later must be counted too."""
    nodes = json.loads(transform.parse(database_url).read_text())["nodes"]
    tagged = {
        node["name"]
        for node in nodes.values()
        if node["resource_type"] == "model" and "per_posting" in node["tags"]
    }
    assert tagged - {"int_posting_duplicate_pairs"} == set(transform.PER_POSTING_MODELS)
