"""Midtier's Airflow plugin: links from the Airflow UI to the Midtier dashboard.

An operator watching a DAG run can open the pages that show its result: the Feed the export
publishes, the market rates dbt computes and the Sources & quality page the checks fill. The
dashboard's address comes from ``MIDTIER_DASHBOARD_URL`` (default: the local dashboard that
`midtier dashboard` serves), read when the API server loads its plugins.
"""

from __future__ import annotations

import os

from airflow.plugins_manager import AirflowPlugin

DASHBOARD_URL = os.environ.get("MIDTIER_DASHBOARD_URL", "http://127.0.0.1:8501").rstrip("/")

# (link text, dashboard page path, where in the Airflow UI the link shows)
LINKS = (
    ("Midtier feed", "", "nav"),
    ("Midtier market rates", "market-rates", "nav"),
    ("Midtier sources & quality", "sources", "nav"),
    ("Sources & quality after this run", "sources", "dag_run"),
)


class MidtierLinks(AirflowPlugin):
    name = "midtier_links"
    external_views = [
        {
            "name": text,
            "href": f"{DASHBOARD_URL}/{path}",
            "destination": destination,
            "category": "Midtier",
        }
        for text, path, destination in LINKS
    ]
