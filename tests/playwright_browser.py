"""Playwright driving Debian's Chromium (no browser download), with axe-core for accessibility.

Playwright comes from PyPI (requirements.txt); axe-core from npm, installed by `make browser`
into ``.venv/node`` (see the Makefile). A test skips, saying what to install, when either is
missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from midtier import dashboard_server
from midtier.settings import PROJECT_ROOT
from tests import browser

AXE = PROJECT_ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# What an accessibility scan may not find: axe's two highest impact levels, and headings that
# skip a level (axe rates that moderate; issue 26 asks for none).
BLOCKING_IMPACTS = ("serious", "critical")
BLOCKING_RULES = ("heading-order",)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def dashboard(database_url: str, home: Path):
    """``midtier dashboard``'s command on a free local port; its base URL while it runs."""
    port = _free_port()
    log_path = home / "streamlit.log"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database_url, "MIDTIER_HOME": str(home)}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            dashboard_server.command("127.0.0.1", port),
            cwd=PROJECT_ROOT,
            env=env,
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


@contextlib.contextmanager
def chromium():
    """Debian's Chromium under Playwright, for as long as the block runs."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = browser.chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=browser.FLAGS[1:])
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def fresh_page(chromium_browser):
    """A page in a new browser context (a new profile: a first visit)."""
    context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 1000}, accept_downloads=True
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
    finally:
        context.close()


def wait_for_app(page) -> None:
    """Until Streamlit has finished running the page's script."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('h1')"
    )
    page.wait_for_timeout(300)


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical findings, and skipped heading levels, on the page now."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (`make browser` installs it from npm)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["html"][:160] for node in violation["nodes"][:3]],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS or violation["id"] in BLOCKING_RULES
    ]
