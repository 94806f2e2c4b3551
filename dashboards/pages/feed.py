"""Feed: open postings, one per job, with the filters a freelancer would use and a profile
(skills + minimum rate) that ranks by match and hides what pays less than the floor."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from dashboards import queries
from dashboards.escaping import escape_markdown, markdown_link
from midtier import allowed_values
from midtier.exports import postings_csv
from midtier.posting_display import (
    attribution,
    budget_summary,
    floors_summary,
    rate_position_label,
    safe_link,
)

DESCRIPTION_SHOWN = 1500
POSTED_WITHIN = {"any time": 0, "1 day": 1, "3 days": 3, "7 days": 7, "14 days": 14, "30 days": 30}
# A badge colour per rate position, lowest pay first, in the order of seed allowed_values.
RATE_POSITION_BADGES = dict(
    zip(allowed_values.values("rate_position"), ("red", "orange", "green", "violet"), strict=True)
)


def sidebar_filters(facets: dict) -> tuple[queries.PostingFilters, queries.Profile]:
    with st.sidebar:
        with st.expander("Your profile", icon=":material/person:"):
            st.caption("Kept in this browser session only. Ranks the feed by how many of your "
                       "skills a posting asks for and hides postings that pay under your floor.")
            profile_skills = st.multiselect("My skills", facets["skills"], key="profile_skills",
                                            placeholder="Your skills")
            profile_rate = st.number_input("My minimum hourly rate (USD)", min_value=0, max_value=1000,
                                           value=0, step=5, key="profile_min_hourly_usd")
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
        remote_only = st.toggle("Remote only", value=False, key="remote_only")
        regions = st.multiselect("Region", facets["regions"], key="regions", placeholder="Any region")
        posted_within = st.selectbox("Posted within", list(POSTED_WITHIN), key="posted_within",
                                     help="Counted back from the newest crawl.")
        duration = st.selectbox("Duration", list(queries.DURATIONS), key="duration",
                                help="Postings that state no duration drop out once a band is chosen.")
        mid_market_only = st.toggle("Mid-market band only", value=False, key="mid_market_only",
                                    help="Hourly $50–100 or projects $5–50K (set in the dbt project).")
        min_legitimacy = st.slider("Minimum legitimacy score", 0, 100, 0, step=5, key="min_legitimacy")
        show_flagged = st.toggle("Show flagged postings", value=False, key="show_flagged")
        open_only = st.toggle("Open postings only", value=True, key="open_only")
        sort = st.radio("Sort by", queries.SORTS, key="sort", horizontal=True,
                        help="Match ranks by the share of your profile's skills (or the chosen skills) a posting asks for.")
    filters = queries.PostingFilters(
        skills=tuple(skills),
        min_hourly_usd=float(min_hourly_usd),
        engagement_types=tuple(engagement_types),
        min_legitimacy=int(min_legitimacy),
        show_flagged=show_flagged,
        search=queries.visitor_text(search),
        open_only=open_only,
        remote_only=remote_only,
        regions=tuple(regions),
        posted_within_days=POSTED_WITHIN[posted_within],
        duration=duration,
        mid_market_only=mid_market_only,
        sort=sort,
    )
    return filters, queries.Profile(skills=tuple(profile_skills), min_hourly_usd=float(profile_rate))


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def posting_card(posting: dict) -> None:
    with st.container(border=True):
        st.markdown(f"#### {markdown_link(posting['title'] or '(untitled posting)', posting['url'])}")
        when = posting["posted_at"] or posting["first_seen_at"]
        place = posting.get("location")
        if posting.get("is_remote") and not place:
            place = "Remote"
        facts = [
            posting["company_name"],
            place,
            posting.get("region", "") and posting["region"].replace("_", " "),
            posting.get("employment_type"),
            posting.get("seniority"),
            f"posted {when:%Y-%m-%d}" if when else None,
        ]
        # dbt says "unknown" where a source is silent; the card just leaves those out.
        st.caption(" · ".join(escape_markdown(fact) for fact in facts if fact and fact != "unknown"))

        budget = f"**Budget:** {escape_markdown(budget_summary(posting) or 'not given')}"
        if posting["engagement_type"]:
            budget += f" · {escape_markdown(posting['engagement_type'])}"
        if posting.get("duration_weeks") is not None:
            budget += f" · about {float(posting['duration_weeks']):g} weeks"
        position = rate_position_label(posting)
        if position:
            colour = RATE_POSITION_BADGES.get(posting["rate_position"], "gray")
            budget += f" · :{colour}-badge[{escape_markdown(position)}]"
        if posting.get("is_mid_market"):
            budget += " · :green-badge[mid-market]"
        st.markdown(budget)
        floors = floors_summary(posting)  # the rate-floor registry's published minimums
        if floors:
            st.caption(escape_markdown(floors))

        if posting["skills"]:
            st.markdown(" ".join(f":blue-badge[{escape_markdown(skill)}]" for skill in posting["skills"]))

        score = posting["legitimacy_score"]
        legitimacy = f"**Legitimacy {'?' if score is None else score}/100**"
        if posting["is_flagged"]:
            legitimacy = ":red-badge[flagged] " + legitimacy
        if posting["legitimacy_reasons"]:
            legitimacy += " — " + escape_markdown("; ".join(posting["legitimacy_reasons"]))
        if posting.get("match_score") is not None:
            legitimacy += f" · **Match {posting['match_score']}%**"
        st.markdown(legitimacy)

        links = [markdown_link(f"original posting on {posting.get('source_name') or posting['source']}", posting["url"])]
        also_seen_on = [link for link in map(safe_link, posting.get("also_seen_on") or ()) if link]
        links += [markdown_link(_host(link), link) for link in also_seen_on]
        source_line = escape_markdown(attribution(posting) or posting["source"]) + " · " + links[0]
        if len(links) > 1:
            source_line += " · also seen on " + ", ".join(links[1:])
        # also_seen_on lists the first few copies (dbt var also_seen_on_max_urls)
        unlisted = (posting.get("duplicate_group_size") or 1) - 1 - len(posting.get("also_seen_on") or ())
        if unlisted > 0:
            source_line += f" and {unlisted:,} more {'copy' if unlisted == 1 else 'copies'}"
        st.markdown(source_line)

        description = (posting["description_text"] or "").strip()
        if description:
            if len(description) > DESCRIPTION_SHOWN:
                description = description[:DESCRIPTION_SHOWN].rstrip() + "…"
            with st.expander("Description"):
                st.markdown(escape_markdown(description))


st.title("Feed")

try:
    url = queries.connection_url()
    facets = queries.load_facets(url)
    filters, profile = sidebar_filters(facets)
    postings = queries.load_postings(url, filters, profile, limit=queries.PAGE_ROWS)
    matching = queries.load_posting_count(url, filters, profile)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()


def csv_of_view() -> str:
    # Called only when the button is clicked (on Streamlit's thread, after this run ended),
    # so a page view never fetches the up to MAX_ROWS postings the CSV holds.
    return postings_csv(queries.load_postings(url, filters, profile, limit=queries.MAX_ROWS))


summary, download = st.columns([4, 1], vertical_alignment="center")
count = f"More than {queries.MAX_ROWS:,}" if matching > queries.MAX_ROWS else f"{matching:,}"
order = "best match first" if filters.sort == "match" and (profile.skills or filters.skills) else "freshest first"
as_of = f" Data as of {facets['as_of']:%Y-%m-%d %H:%M} UTC." if facets.get("as_of") else ""
summary.markdown(f"**{count}** postings match, {order}.{as_of}")
download.download_button(
    "Download CSV",
    data=csv_of_view,
    file_name="midtier-postings.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    help=f"The postings matching these filters, up to {queries.MAX_ROWS:,}.",
)
if profile.min_hourly_usd > 0:
    st.caption(f"Your floor of ${profile.min_hourly_usd:g}/hour hides postings known to pay less; "
               "fixed-price postings stay.")

if not postings:
    st.info("No postings match these filters.")
for posting in postings:
    posting_card(posting)
if matching > len(postings):
    st.caption(f"Showing the first {len(postings)}; narrow the filters, or download the CSV "
               f"(up to {queries.MAX_ROWS:,}).")
