"""Feed: the open postings, freshest first, with the filters a freelancer would use."""

from __future__ import annotations

import streamlit as st

from dashboards import queries
from dashboards.escaping import escape_markdown, markdown_link
from midtier.exports import budget_summary, postings_csv

CARDS_SHOWN = 100
DESCRIPTION_SHOWN = 1500


def sidebar_filters(facets: dict[str, list[str]]) -> queries.PostingFilters:
    with st.sidebar:
        st.header("Filters")
        search = st.text_input("Search title, company, description", key="search")
        skills = st.multiselect("Skills", facets["skills"], key="skills", placeholder="Any skill")
        min_hourly_usd = st.number_input(
            "Minimum hourly rate (USD)", min_value=0, max_value=1000, value=0, step=5, key="min_hourly_usd",
            help="Keeps postings whose top hourly figure reaches this; 0 shows all, "
            "including postings without an hourly rate.",
        )
        engagement_types = st.multiselect(
            "Engagement", facets["engagement_types"], key="engagement_types", placeholder="Any engagement"
        )
        min_legitimacy = st.slider("Minimum legitimacy score", 0, 100, 0, step=5, key="min_legitimacy")
        show_flagged = st.toggle("Show flagged postings", value=False, key="show_flagged")
        open_only = st.toggle("Open postings only", value=True, key="open_only")
    return queries.PostingFilters(
        skills=tuple(skills),
        min_hourly_usd=float(min_hourly_usd),
        engagement_types=tuple(engagement_types),
        min_legitimacy=int(min_legitimacy),
        show_flagged=show_flagged,
        search=search,
        open_only=open_only,
    )


def posting_card(posting: dict) -> None:
    with st.container(border=True):
        st.markdown(f"#### {markdown_link(posting['title'] or '(untitled posting)', posting['url'])}")
        when = posting["posted_at"] or posting["first_seen_at"]
        facts = [
            posting["company_name"],
            posting["location"],
            f"posted {when:%Y-%m-%d}" if when else None,
            posting.get("source_attribution") or f"via {posting['source']}",
        ]
        st.caption(" · ".join(escape_markdown(fact) for fact in facts if fact))

        budget = f"**Budget:** {escape_markdown(budget_summary(posting) or 'not given')}"
        if posting["engagement_type"]:
            budget += f" · {escape_markdown(posting['engagement_type'])}"
        st.markdown(budget)

        if posting["skills"]:
            st.markdown(" ".join(f":blue-badge[{escape_markdown(skill)}]" for skill in posting["skills"]))

        score = posting["legitimacy_score"]
        legitimacy = f"**Legitimacy {'?' if score is None else score}/100**"
        if posting["is_flagged"]:
            legitimacy = ":red-badge[flagged] " + legitimacy
        if posting["legitimacy_reasons"]:
            legitimacy += " — " + escape_markdown("; ".join(posting["legitimacy_reasons"]))
        st.markdown(legitimacy)

        description = (posting["description_text"] or "").strip()
        if description:
            if len(description) > DESCRIPTION_SHOWN:
                description = description[:DESCRIPTION_SHOWN].rstrip() + "…"
            with st.expander("Description"):
                st.markdown(escape_markdown(description))


st.title("Feed")

try:
    url = queries.connection_url()
    filters = sidebar_filters(queries.load_facets(url))
    postings = queries.load_postings(url, filters)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()

summary, download = st.columns([4, 1], vertical_alignment="center")
more = " (the newest shown; narrow the filters)" if len(postings) >= queries.MAX_ROWS else ""
summary.markdown(f"**{len(postings)}** postings match{more}, freshest first.")
download.download_button(
    "Download CSV",
    data=postings_csv(postings),
    file_name="midtier-postings.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)

if not postings:
    st.info("No postings match these filters.")
for posting in postings[:CARDS_SHOWN]:
    posting_card(posting)
if len(postings) > CARDS_SHOWN:
    st.caption(f"Showing the first {CARDS_SHOWN}; the CSV holds all {len(postings)}.")
