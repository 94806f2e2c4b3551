"""The Developers page: a profile with its evidence links, the client directory, nothing
after withdrawal (AppTest), and a profile opened in headless Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from midtier import dashboard_server, database, developers, registry
from midtier.settings import PROJECT_ROOT
from tests import browser
from tests.developers.conftest import rows

APP = PROJECT_ROOT / "dashboards" / "app.py"
MARTS_SQL = Path(__file__).parent / "fixtures" / "developer_marts.sql"
PR_431 = "https://github.com/tidewater-oss/pgsync/pull/431"


@pytest.fixture
def page_env(make_database, monkeypatch, tmp_path) -> dict:
    """A database holding the developer marts for ada-dev and her registry entry."""
    url = make_database("developers_page", MARTS_SQL.read_text())
    database.apply_schema(url)
    token = registry.new_token()
    rows(
        url,
        "insert into registry.developers (handle, github_login, edit_token_sha256, "
        "verified_at) values ('ada-dev', 'octo-ada', %s, now())",
        (registry.token_hash(token),),
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    return {"url": url, "token": token}


def developers_page(handle: str | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    if handle:
        app.query_params["handle"] = handle
    app.run()
    app.switch_page("pages/developers.py").run()
    assert not app.exception, app.exception
    return app


def page_text(app: AppTest) -> str:
    return "\n".join(element.value for element in [*app.markdown, *app.caption, *app.info])


def test_a_profile_shows_floor_tier_and_a_link_behind_every_skill(page_env):
    app = developers_page("ada-dev")
    text = page_text(app)
    assert f"]({PR_431})" in text
    assert "](https://github.com/kestrel-io/kestrel/pull/2210)" in text
    assert [metric.value for metric in app.metric] == ["assessed", "$85/h"]
    assert "rita\\-reviews" in text


def test_the_track_record_is_labelled_self_declared_after_the_evidence(page_env):
    text = page_text(developers_page("ada-dev"))
    assert "Self-declared case study: [Billing migration](https://ada.example.dev/billing)" in text
    assert (
        "Self-declared platform history: [Upwork](https://www.upwork.com/freelancers/ada)"
        " · 37 projects · rating 4\\.9\\/5"
    ) in text
    assert "Stated by the developer, not verified by Midtier." in text
    # the evidence comes first, the claims after it
    assert text.index(f"]({PR_431})") < text.index("Self-declared case study")


def test_the_directory_filters_by_skill_tier_and_budget(page_env):
    app = developers_page()
    app.selectbox(key="directory_skill").set_value("python").run()
    assert "ada\\-dev" in page_text(app)
    app.number_input(key="directory_budget").set_value(80).run()
    assert "No developer profile matches." in page_text(app)
    app.number_input(key="directory_budget").set_value(90).run()
    app.multiselect(key="directory_tiers").set_value(["assessed"]).run()
    assert "ada\\-dev" in page_text(app)


def test_after_withdrawal_the_page_shows_nothing(page_env):
    developers.withdraw(page_env["url"], "ada-dev", page_env["token"])
    app = developers_page("ada-dev")
    text = page_text(app)
    assert "github.com" not in text and "No public profile" in text
    assert rows(page_env["url"], "select count(*) from marts.fct_developer_skills") == [(0,)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.browser
def test_a_browser_opens_a_profile_and_finds_an_evidence_link(page_env, tmp_path):
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            dashboard_server.command("127.0.0.1", port),
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": page_env["url"]},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if not dashboard_server.wait_healthy("127.0.0.1", port, process=server):
            pytest.fail(f"streamlit did not become healthy:\n{log_path.read_text()}")
        dom = browser.wait_for_text(
            f"http://127.0.0.1:{port}/developers?handle=ada-dev", f'href="{PR_431}"'
        )
        assert "ada-dev" in dom
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
