"""Feed: open postings, one per job, with the filters a freelancer would use and a profile
(skills + minimum rate) that ranks by match and hides what pays less than the floor."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import streamlit as st

from dashboards import queries
from dashboards.escaping import escape_markdown, markdown_link
from midtier import allowed_values
from midtier.exports import postings_csv
from midtier.posting_display import (
    attribution,
    budget_summary,
    evidenced_floors_summary,
    floors_summary,
    rate_position_label,
    safe_link,
)

DESCRIPTION_SHOWN = 1500
POSTED_WITHIN = {"any time": 0, "1 day": 1, "3 days": 3, "7 days": 7, "14 days": 14, "30 days": 30}
# A badge colour per rate position, lowest pay first, in the order of seed allowed_values;
# neutral for the market (under market is not an error, and red is kept for flags).
RATE_POSITION_BADGES = dict(
    zip(allowed_values.values("rate_position"), ("orange", "gray", "green", "violet"), strict=True)
)
# fct_postings.employment_type values (and salaried work, fct_postings.is_salaried), in words
EMPLOYMENT = {
    "contract": "contract",
    "freelance": "freelance",
    "part-time": "part-time",
    queries.SALARIED: "full-time salaried",
    "unknown": "not stated",
}
SORT_LABELS = {
    "freshness": "newest (contract and freelance first)",
    "match": "match",
    "pay": "pay",
    "legitimacy": "legitimacy",
}
# Every widget below keeps its value in the page's address (bind="query-params"), so a
# filtered view survives a reload and can be shared; the key is the parameter's name.
IN_URL = {"bind": "query-params"}


# The profile widgets a registry handle fills in; while the address already carries one of
# them (a bookmarked or edited profile), opening it loads nothing over it.
PROFILE_KEYS = ("profile_skills", "profile_min_hourly_usd")


def load_profile_from_handle(url: str, facets: dict) -> None:
    """Fill the profile with the evidenced skills and floor of the developer whose registry
    handle was given (public profiles only), once per handle, before the widgets are drawn."""
    handle = queries.visitor_text(st.session_state.get("profile_handle")).strip().lower()
    if "profile_loaded_from" not in st.session_state and any(
        key in st.query_params for key in PROFILE_KEYS
    ):
        st.session_state["profile_loaded_from"] = handle
    if not handle or st.session_state.get("profile_loaded_from") == handle:
        return
    st.session_state["profile_loaded_from"] = handle
    try:
        developer = queries.load_developer_profile(url, handle)
    except queries.DataUnavailable:  # no developer profiles built yet: the feed still shows
        developer = None
    if developer is None:
        st.session_state["profile_handle_missing"] = handle
        return
    st.session_state.pop("profile_handle_missing", None)
    loaded = queries.profile_from_developer(developer, facets["skills"])
    st.session_state["profile_skills"] = list(loaded.skills)
    # whole dollars, rounded up: a posting under a floor of $82.50 does not meet it
    st.session_state["profile_min_hourly_usd"] = math.ceil(loaded.min_hourly_usd)


def sidebar_filters(url: str, facets: dict) -> tuple[queries.PostingFilters, queries.Profile]:
    with st.sidebar:
        with st.expander("Your profile", icon=":material/person:"):
            st.caption(
                "Kept in this page's address only: bookmark it to keep it. Ranks the feed by "
                "how many of your skills a posting asks for, and says on every posting "
                "whether its hourly pay meets your floor."
            )
            st.text_input(
                "Load from my registry handle",
                key="profile_handle",
                help="A developer with a public profile (Developers page): fills in the "
                "skills their evidence shows and their published floor.",
                **IN_URL,
            )
            load_profile_from_handle(url, facets)
            missing = st.session_state.get("profile_handle_missing")
            if missing and missing == st.session_state.get("profile_loaded_from"):
                st.caption(f"No public developer profile for {escape_markdown(missing)}.")
            profile_skills = st.multiselect(
                "My skills",
                facets["skills"],
                key="profile_skills",
                placeholder="Your skills",
                **IN_URL,
            )
            profile_rate = st.number_input(
                "My minimum hourly rate (USD)",
                min_value=0,
                max_value=1000,
                value=0,
                step=5,
                key="profile_min_hourly_usd",
                **IN_URL,
            )
            hide_below = st.toggle(
                "Hide postings below my floor",
                value=True,
                key="hide_below_floor",
                help='Off: they stay, marked "below your floor".',
                **IN_URL,
            )
        st.header("Filters")
        search = st.text_input("Search title, company, description", key="search", **IN_URL)
        skills = st.multiselect(
            "Skills", facets["skills"], key="skills", placeholder="Any skill", **IN_URL
        )
        employment = st.multiselect(
            "Employment",
            list(EMPLOYMENT),
            format_func=EMPLOYMENT.get,
            key="employment",
            placeholder="Any but salaried",
            **IN_URL,
            help="Contract and freelance work comes first. Salaried work (a salary, or a "
            "full-time role) shows only when chosen here or switched on below.",
        )
        include_salaried = st.toggle(
            "Include salaried jobs", value=False, key="include_salaried", **IN_URL
        )
        min_hourly_usd = st.number_input(
            "Minimum hourly rate (USD)",
            min_value=0,
            max_value=1000,
            value=0,
            step=5,
            key="min_hourly_usd",
            help="Keeps postings whose top hourly figure reaches this; 0 shows all, "
            "including postings without an hourly rate.",
            **IN_URL,
        )
        engagement_types = st.multiselect(
            "Pay basis",
            facets["engagement_types"],
            key="engagement_types",
            placeholder="Any pay basis",
            help="How the pay is stated: per hour, per day, a fixed price or a salary.",
            **IN_URL,
        )
        remote_only = st.toggle("Remote only", value=False, key="remote_only", **IN_URL)
        regions = st.multiselect(
            "Region", facets["regions"], key="regions", placeholder="Any region", **IN_URL
        )
        posted_within = st.selectbox(
            "Posted within",
            list(POSTED_WITHIN),
            key="posted_within",
            help="Counted back from the newest crawl.",
            **IN_URL,
        )
        duration = st.selectbox(
            "Duration",
            list(queries.DURATIONS),
            key="duration",
            help="Postings that state no duration drop out once a band is chosen.",
            **IN_URL,
        )
        mid_market_only = st.toggle(
            "Mid-market band only",
            value=False,
            key="mid_market_only",
            help="Contract or freelance work paying $50–100 an hour, or "
            "projects of $5–50K (set in the dbt project).",
            **IN_URL,
        )
        min_legitimacy = st.slider(
            "Minimum legitimacy score", 0, 100, 0, step=5, key="min_legitimacy", **IN_URL
        )
        show_flagged = st.toggle("Show flagged postings", value=False, key="show_flagged", **IN_URL)
        open_only = st.toggle("Open postings only", value=True, key="open_only", **IN_URL)
        sort = st.radio(
            "Sort by",
            queries.SORTS,
            format_func=SORT_LABELS.get,
            key="sort",
            **IN_URL,
            help="Match ranks by the share of your profile's skills (or the chosen "
            "skills) a posting asks for; pay by the top hourly figure.",
        )
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
        employment=tuple(employment),
        include_salaried=include_salaried,
    )
    profile = queries.Profile(
        skills=tuple(profile_skills),
        min_hourly_usd=float(profile_rate),
        hide_below_floor=hide_below,
    )
    return filters, profile


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def floor_badge(posting: dict, profile: queries.Profile) -> str | None:
    """Whether the posting's hourly pay meets the profile's floor (queries' meets_floor)."""
    if profile.min_hourly_usd <= 0:
        return None
    floor = f"${profile.min_hourly_usd:,.0f}"
    if posting.get("meets_floor") is True:
        return f":green-badge[meets your {floor} floor]"
    if posting.get("meets_floor") is False:
        return f":orange-badge[below your {floor} floor]"
    return f":gray-badge[no hourly rate to hold against your {floor} floor]"


def legitimacy_line(posting: dict, threshold: int | None) -> tuple[str, str]:
    """The score with its top reasons in words, and the scale explained (a tooltip)."""
    score = posting["legitimacy_score"]
    line = f"**Legitimacy {'?' if score is None else score}/100**"
    if posting["is_flagged"]:
        line = ":red-badge[flagged] " + line
    reasons = posting["legitimacy_reasons"] or []
    if reasons:
        line += " — " + escape_markdown("; ".join(reasons))
    else:
        line += " — no red flags found"
    return line, legitimacy_scale(threshold)


def legitimacy_scale(threshold: int | None) -> str:
    flagged = (
        f"Below {threshold} a posting is flagged as a likely scam and hidden unless you "
        "ask for flagged postings."
        if threshold is not None
        else "Postings under the flagging threshold are hidden unless you ask for them."
    )
    return (
        "How likely the posting is genuine, from 0 to 100: 100 means none of the scam "
        "signals we look for was found; each signal found (words common in scam ads, "
        "off-platform contact, pay far from the market, a client posting the same ad many "
        f"times) lowers it by the points shown. {flagged}"
    )


def posting_card(posting: dict, profile: queries.Profile, threshold: int | None) -> None:
    with st.container(border=True):
        st.markdown(f"## {markdown_link(posting['title'] or '(untitled posting)', posting['url'])}")
        when = posting["posted_at"] or posting["first_seen_at"]
        place = posting.get("location")
        if posting.get("is_remote") and not place:
            place = "Remote"
        employment = (
            EMPLOYMENT[queries.SALARIED]
            if posting.get("is_salaried")
            else posting.get("employment_type")
        )
        facts = [
            posting["company_name"],
            place,
            posting.get("region", "") and posting["region"].replace("_", " "),
            employment,
            posting.get("seniority"),
            f"posted {when:%Y-%m-%d}" if when else None,
        ]
        # dbt says "unknown" where a source is silent; the card just leaves those out.
        st.caption(
            " · ".join(escape_markdown(fact) for fact in facts if fact and fact != "unknown")
        )

        pay = f"**Pay:** {escape_markdown(budget_summary(posting) or 'not given')}"
        if posting["engagement_type"] and posting["engagement_type"] != "unknown":
            pay += f" · {escape_markdown(PAY_BASIS.get(posting['engagement_type'], posting['engagement_type']))}"
        if posting.get("duration_weeks") is not None:
            pay += f" · about {float(posting['duration_weeks']):g} weeks"
        badges = [floor_badge(posting, profile)]
        position = rate_position_label(posting)
        if position:
            colour = RATE_POSITION_BADGES.get(posting["rate_position"], "gray")
            badges.append(f":{colour}-badge[{escape_markdown(position)}]")
        if posting.get("is_mid_market"):
            badges.append(":green-badge[mid-market]")
        st.markdown(" · ".join([pay, *filter(None, badges)]))
        # the rate-floor registry's published minimums, all and evidence-backed developers'
        for floors in (floors_summary(posting), evidenced_floors_summary(posting)):
            if floors:
                st.caption(escape_markdown(floors))

        if posting["skills"]:
            st.markdown(
                " ".join(f":blue-badge[{escape_markdown(skill)}]" for skill in posting["skills"])
            )

        legitimacy, scale = legitimacy_line(posting, threshold)
        if posting.get("match_score") is not None:
            legitimacy += f" · **Match {posting['match_score']}%**"
        st.markdown(legitimacy, help=scale)

        links = [
            markdown_link(
                f"original posting on {posting.get('source_name') or posting['source']}",
                posting["url"],
            )
        ]
        also_seen_on = [link for link in map(safe_link, posting.get("also_seen_on") or ()) if link]
        links += [markdown_link(_host(link), link) for link in also_seen_on]
        source_line = escape_markdown(attribution(posting) or posting["source"]) + " · " + links[0]
        if len(links) > 1:
            source_line += " · also seen on " + ", ".join(links[1:])
        # also_seen_on lists the first few copies (dbt var also_seen_on_max_urls)
        unlisted = (
            (posting.get("duplicate_group_size") or 1) - 1 - len(posting.get("also_seen_on") or ())
        )
        if unlisted > 0:
            source_line += f" and {unlisted:,} more {'copy' if unlisted == 1 else 'copies'}"
        st.markdown(source_line)

        description = (posting["description_text"] or "").strip()
        if description:
            if len(description) > DESCRIPTION_SHOWN:
                description = description[:DESCRIPTION_SHOWN].rstrip() + "…"
            with st.expander("Description"):
                st.markdown(escape_markdown(description))


# fct_postings.engagement_type (how the pay is stated), in words
PAY_BASIS = {"hourly": "per hour", "daily": "per day", "fixed": "fixed price", "salary": "salary"}


def emptied_by(filters: queries.PostingFilters, profile: queries.Profile) -> list[str]:
    """The filters that narrow the feed now, in words, for an empty list."""
    default = queries.PostingFilters()
    named = {
        "search": "search",
        "skills": "skills",
        "employment": "employment",
        "min_hourly_usd": "minimum hourly rate",
        "engagement_types": "pay basis",
        "remote_only": "remote only",
        "regions": "region",
        "posted_within_days": "posted within",
        "duration": "duration",
        "mid_market_only": "mid-market band only",
        "min_legitimacy": "minimum legitimacy score",
        "open_only": None,
    }
    active = [
        label
        for field, label in named.items()
        if label and getattr(filters, field) != getattr(default, field)
    ]
    if profile.min_hourly_usd > 0 and profile.hide_below_floor:
        active.append("your floor (hide postings below it)")
    return active


def reset_filters() -> None:
    # the widgets' keys are their URL parameters: clearing them clears the address too
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)


FILTER_KEYS = (
    "search",
    "skills",
    "employment",
    "include_salaried",
    "min_hourly_usd",
    "engagement_types",
    "remote_only",
    "regions",
    "posted_within",
    "duration",
    "mid_market_only",
    "min_legitimacy",
    "show_flagged",
    "open_only",
    "hide_below_floor",
)


st.title("Feed")

try:
    url = queries.connection_url()
    facets = queries.load_facets(url)
    filters, profile = sidebar_filters(url, facets)
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
orders = {
    "match": "best match first",
    "pay": "best paid first",
    "legitimacy": "most legitimate first",
}
order = orders.get(filters.sort, "contract and freelance first, then newest")
if filters.sort == "match" and not (profile.skills or filters.skills):
    order = "contract and freelance first, then newest (choose skills to rank by match)"
as_of = f" Data as of {facets['as_of']:%Y-%m-%d %H:%M} UTC." if facets.get("as_of") else ""
summary.markdown(f"**{count}** postings match, {order}.{as_of}")
download.download_button(
    "Download CSV",
    data=csv_of_view,
    file_name="midtier-postings.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    help=f"The postings matching these filters, up to {queries.MAX_ROWS:,}, with whether each "
    "source's terms allow re-publishing and a link to those terms.",
)
threshold = facets.get("flag_score_threshold")
with st.expander("What the legitimacy score means", icon=":material/info:"):
    st.markdown(legitimacy_scale(threshold))
if profile.min_hourly_usd > 0:
    hidden = (
        "hides postings known to pay less"
        if profile.hide_below_floor
        else "marks postings that pay less"
    )
    st.caption(
        f"Your floor of ${profile.min_hourly_usd:g}/hour {hidden}; postings without an "
        "hourly rate stay, marked as such."
    )

if not postings:
    active = emptied_by(filters, profile)
    if active:
        st.info(
            "No postings match. Narrowed by: " + ", ".join(active) + ".",
            icon=":material/filter_alt_off:",
        )
        st.button("Reset the filters", on_click=reset_filters, icon=":material/restart_alt:")
    else:
        st.info("No postings yet: run `midtier run` to collect some.")
for posting in postings:
    posting_card(posting, profile, threshold)
if matching > len(postings):
    st.caption(
        f"Showing the first {len(postings)}; narrow the filters, or download the CSV "
        f"(up to {queries.MAX_ROWS:,})."
    )
