"""Midtier dashboards: the entry point that lays out the pages.

Start with ``streamlit run dashboards/app.py`` from the project root. The database comes from
``DATABASE_URL`` or the embedded server (``midtier db up``); the pages read marts only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

# `streamlit run` puts only this folder on sys.path; the pages import `dashboards` and `midtier`.
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

st.set_page_config(page_title="Midtier", page_icon=":material/work:", layout="wide")

# Add "Market rates" and "Sources & quality" here as pages/<name>.py grow.
PAGES = {
    "Postings": [
        st.Page(HERE / "pages" / "feed.py", title="Feed", icon=":material/rss_feed:", default=True),
    ],
}

st.navigation(PAGES).run()
