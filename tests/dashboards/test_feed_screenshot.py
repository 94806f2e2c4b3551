"""The Feed and Market rates pages served by a real ``streamlit run``, rendered by headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from midtier import dashboard_server
from midtier.settings import PROJECT_ROOT
from tests import browser

pytestmark = pytest.mark.browser

EXPECTED_TITLE = "Senior Python Data Engineer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def feed_url(mart_env, tmp_path) -> str:
    """``streamlit run dashboards/app.py`` on a free local port; stopped after the test."""
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            dashboard_server.command("127.0.0.1", port),
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": mart_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if not dashboard_server.wait_healthy("127.0.0.1", port, process=server):
            pytest.fail(f"streamlit did not become healthy:\n{log_path.read_text()}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_market_rates_page_renders_a_chart_in_a_browser(feed_url, tmp_path):
    url = feed_url + "market-rates"
    dom = browser.wait_for_text(url, 'class="marks"')  # the drawn Vega chart
    assert "Market rates" in dom and "n = postings behind each month" in dom
    screenshot = browser.screenshot(url, tmp_path / "market-rates.png")
    if os.environ.get("MIDTIER_KEEP_SCREENSHOT"):
        keep = Path(os.environ["MIDTIER_KEEP_SCREENSHOT"])
        shutil.copy(screenshot, keep.with_name(keep.stem + "-market-rates" + keep.suffix))


def test_feed_page_renders_in_a_browser(feed_url, tmp_path):
    dom = browser.wait_for_text(feed_url, EXPECTED_TITLE)
    # The hostile description is text in the DOM, never elements.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert '<img src="x"' not in dom and 'onerror="alert' not in dom

    screenshot = browser.screenshot(feed_url, tmp_path / "feed.png")
    if os.environ.get("MIDTIER_KEEP_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["MIDTIER_KEEP_SCREENSHOT"])


# Every page's own address, as a bookmark or a shared link opens it: (path, page title).
PAGE_URLS = [
    ("", "Feed"),
    ("market-rates", "Market rates"),
    ("editor", "Editor"),
    ("rate-floors", "Rate floors"),
    ("sources", "Sources &amp; quality"),
]


def _not_found_message(dom: str) -> str | None:
    """The text of Streamlit's "Page not found" dialog in a rendered page, if it shows one."""
    if "Page not found" not in dom:
        return None
    start = dom.index("Page not found")
    return re.sub(r"<[^>]+>", " ", dom[start : start + 600])


@pytest.mark.parametrize(("path", "title"), PAGE_URLS)
def test_each_page_opens_directly_from_its_url(feed_url, path, title):
    # A fresh browser profile each time, as a first visit from a link is. Under a heavily
    # loaded machine Streamlit has once shown its dialog over the right page (a race in its
    # first page request, not reproduced in 20 quiet loads): one fresh retry, and the
    # dialog's own words in the failure if it shows twice.
    seen = []
    for _ in range(2):
        dom = browser.wait_for_text(feed_url + path, f">{title}</span>")
        assert re.search(rf"<h1[^>]*><span[^>]*>{re.escape(title)}</span>", dom)
        message = _not_found_message(dom)
        if message is None:
            return
        seen.append(message)
    pytest.fail(f"/{path} showed Streamlit's not-found dialog twice: {seen}")


def test_an_unknown_url_says_the_page_was_not_found(feed_url):
    # The check above can fail: Streamlit does show its dialog for an address it does not know.
    dom = browser.wait_for_text(feed_url + "no-such-page", "Page not found")
    assert re.search(r"<h1[^>]*><span[^>]*>Feed</span>", dom)
