"""Midtier's Airflow plugin, as Airflow's own `airflow plugins` command loads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from midtier.settings import PROJECT_ROOT


def _plugins(tmp_path, **env) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **os.environ,
            "AIRFLOW_HOME": str(tmp_path),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            **env,
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout[result.stdout.index("[") :])


def test_the_airflow_ui_links_to_the_dashboard_pages(tmp_path):
    [plugin] = [
        p
        for p in _plugins(tmp_path, MIDTIER_DASHBOARD_URL="https://midtier.example/")
        if p["name"] == "midtier_links"
    ]
    hrefs = {view["name"]: view["href"] for view in plugin["external_views"]}
    assert hrefs["Midtier feed"] == "https://midtier.example/"
    assert hrefs["Midtier market rates"] == "https://midtier.example/market-rates"
    assert {view["destination"] for view in plugin["external_views"]} == {"nav", "dag_run"}
