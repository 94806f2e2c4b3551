"""Every page says the same sentence when the database cannot be reached, and no address."""

from __future__ import annotations

import socket

import pytest

from dashboards import queries
from tests.dashboards.pages import run_page

PAGES = [None, "market_rates", "editor", "rate_floors", "sources_quality"]


@pytest.fixture
def unreachable(monkeypatch, tmp_path) -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/midtier")
    monkeypatch.setenv("MIDTIER_HOME", str(tmp_path / "home"))
    queries.close_idle_connections()
    return port


@pytest.mark.parametrize("page", PAGES)
def test_the_same_friendly_sentence_on_every_page(unreachable, page):
    app = run_page(page)
    errors = [error.value for error in app.error]
    assert errors == [queries.UNREACHABLE]
    shown = " ".join(element.value for element in [*app.error, *app.markdown, *app.caption])
    assert str(unreachable) not in shown and "postgresql://" not in shown
