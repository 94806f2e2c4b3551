"""Running the dashboard app with AppTest, on any of its pages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def run_page(page: str | None = None) -> AppTest:
    """The app after its first run, switched to ``pages/<page>.py`` when given."""
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    if page is not None:
        app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app
