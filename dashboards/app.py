"""Midtier dashboards: the entry point that lays out the pages.

Start with ``streamlit run dashboards/app.py`` from the project root. The database comes from
``DATABASE_URL`` or the embedded server (``midtier db up``); the pages read marts only.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

# `streamlit run` puts only this folder on sys.path; the pages import `dashboards` and `midtier`.
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

st.set_page_config(page_title="Midtier", page_icon=":material/work:", layout="wide")

PAGES = {
    "Postings": [
        st.Page(HERE / "pages" / "feed.py", title="Feed", icon=":material/rss_feed:", default=True),
        st.Page(
            HERE / "pages" / "market_rates.py",
            title="Market rates",
            icon=":material/monitoring:",
            url_path="market-rates",
        ),
    ],
    "Newsletter": [
        st.Page(
            HERE / "pages" / "editor.py",
            title="Editor",
            icon=":material/edit_note:",
            url_path="editor",
        ),
    ],
    "Developers": [
        st.Page(
            HERE / "pages" / "rate_floors.py",
            title="Rate floors",
            icon=":material/price_check:",
            url_path="rate-floors",
        ),
        st.Page(
            HERE / "pages" / "developers.py",
            title="Developers",
            icon=":material/badge:",
            url_path="developers",
        ),
    ],
    "Pipeline": [
        st.Page(
            HERE / "pages" / "sources_quality.py",
            title="Sources & quality",
            icon=":material/fact_check:",
            url_path="sources",
        ),
    ],
}

try:
    # One flat list: Streamlit's sectioned sidebar puts its section headings straight inside
    # the <ul>, which screen readers cannot read as a list (axe-core: list, listitem).
    st.navigation([page for section in PAGES.values() for page in section]).run()
except Exception:  # st.stop() and reruns are not Exceptions: they pass through
    # The traceback, paths and addresses are for the operator's log; the visitor gets a sentence.
    logging.getLogger("dashboards").exception("a dashboard page failed")
    st.error(
        "Something went wrong on this page. It has been logged; try again, or change the filters.",
        icon=":material/error:",
    )
