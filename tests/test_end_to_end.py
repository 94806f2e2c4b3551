"""The demo path a user takes: `midtier run --offline`, then the dashboard, in real processes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from midtier import database
from midtier.sources import SOURCES, get_source
from tests import browser

# the whole demo through Airflow: 11 min under load; `make test-all` runs it
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _midtier(*args, env, timeout=900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "midtier", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"midtier {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def demo(make_database, tmp_path_factory):
    """One full offline pipeline run through Airflow into a database of its own."""
    home = tmp_path_factory.mktemp("e2e_home")
    env = {**os.environ, "MIDTIER_HOME": str(home), "DATABASE_URL": make_database("e2e")}
    for key in [k for k in env if k.startswith("AIRFLOW")]:
        del env[key]  # the CLI gives Airflow a home under MIDTIER_HOME
    run = _midtier("run", "--offline", env=env)
    return {"env": env, "home": home, "url": env["DATABASE_URL"], "output": run.stdout}


def _scalar(url, sql):
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def _demo_jobs() -> list[dict]:
    records = json.loads((get_source("remoteok").demo_dir / "api").read_text(encoding="utf-8"))
    return [record for record in records if isinstance(record, dict) and record.get("id")]


def test_run_goes_through_every_dag(demo):
    for dag_id in ("midtier_ingest", "midtier_transform", "midtier_check", "midtier_export"):
        assert f"DAG {dag_id}: success" in demo["output"]


def test_every_source_crawled_its_demo_data_cleanly(demo):
    assert _scalar(demo["url"], "select count(distinct source) from raw.crawl_runs") == len(SOURCES)
    assert _scalar(demo["url"], "select bool_and(status = 'succeeded') from raw.crawl_runs")
    assert _scalar(demo["url"], "select count(*) from raw.rejects") == 0


def test_every_demo_posting_reaches_the_mart(demo):
    assert _scalar(demo["url"], "select count(*) from marts.fct_postings") == _scalar(
        demo["url"], "select count(*) from raw.postings"
    )
    assert _scalar(
        demo["url"], "select count(*) from marts.fct_postings where source = 'remoteok'"
    ) == len(_demo_jobs())
    assert _scalar(demo["url"], "select count(*) from marts.fct_postings where is_flagged") > 0


def test_checks_ran_and_exports_were_written(demo):
    # The legitimacy suite "fails" by design when it flags the demo's planted scams; only
    # critical suites gate publication.
    assert _scalar(
        demo["url"], "select bool_and(success) from quality.validation_results where critical"
    )
    assert (
        _scalar(demo["url"], "select count(*) from quality.posting_flags where cleared_at is null")
        > 0
    )
    exports = demo["home"] / "exports"
    assert (exports / "postings.rss").stat().st_size > 0
    assert (exports / "postings.csv").stat().st_size > 0


def test_dashboard_serves_the_feed_and_market_rates_on_demo_data(demo, tmp_path):
    port = _free_port()
    _midtier("dashboard", "--background", "--port", str(port), env=demo["env"], timeout=120)
    try:
        title = _scalar(
            demo["url"],
            "select title from marts.fct_postings where not is_flagged "
            "order by posted_at desc nulls last limit 1",
        )
        url = f"http://127.0.0.1:{port}/"
        browser.wait_for_text(url, title)
        browser.screenshot(url, tmp_path / "feed.png")
        rates = url + "market-rates"
        assert _scalar(demo["url"], "select count(*) from marts.rpt_rate_percentiles") > 0
        browser.wait_for_text(rates, 'class="marks"')  # a drawn Vega chart
        browser.screenshot(rates, tmp_path / "market-rates.png")
        keep = os.environ.get("MIDTIER_KEEP_SCREENSHOTS")
        if keep:
            for shot in ("feed.png", "market-rates.png"):
                shutil.copy(tmp_path / shot, Path(keep) / shot)
    finally:
        _midtier("dashboard", "--stop", env=demo["env"], timeout=60)
