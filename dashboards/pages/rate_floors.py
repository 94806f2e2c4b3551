"""Rate floors: developers publish their own minimum hourly rate; clients see what it takes.

Each entry is one developer's individual published minimum, not a collective pledge. The public
view shows anonymous aggregates per skill and, for a client's budget, how many registered
developers it meets; handles appear next to rates only for developers who opted in. All the
rules (validation, hashed edit tokens, parameterised SQL) live in ``midtier.registry``.
"""

from __future__ import annotations

import logging
import os
import time

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.escaping import escape_markdown
from midtier import database, feed_profiles, posting_display, registry, taxonomy
from midtier.taxonomy import load_skills

ANY = "(any)"


def region_label(region: str) -> str:
    return registry.REGIONS.get(region, region)


def show_problems(error: registry.RegistryError) -> None:
    st.error(
        "\n".join(f"- {escape_markdown(problem)}" for problem in error.problems),
        icon=":material/error:",
    )


def public_view(url: str, skills: list[str]) -> None:
    k = registry.min_cell_size()
    aggregates = registry.skill_aggregates(url)
    st.header("Published floors per skill")
    if not aggregates:
        st.info("No rate floors published yet. Be the first: use the Publish tab.")
    else:
        frame = pd.DataFrame([vars(aggregate) for aggregate in aggregates])
        frame["developers"] = frame["developers"].fillna(f"fewer than {k}")
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "skill": "Skill",
                "developers": "Developers",
                "p25": st.column_config.NumberColumn("p25 (USD/h)", format="$%d"),
                "median": st.column_config.NumberColumn("Median (USD/h)", format="$%d"),
                "p75": st.column_config.NumberColumn("p75 (USD/h)", format="$%d"),
            },
        )
        st.caption(
            f"Nothing is shown for fewer than {k} floors; counts are bands of {k} and "
            f"rates are rounded to ${registry.PERCENTILE_STEP_USD}, so no one's rate can be "
            "read off."
        )

    st.header("Does a budget meet developers' floors?")
    budget_column, skill_column, region_column = st.columns(3)
    budget = budget_column.number_input(
        "Client budget (whole USD per hour)",
        min_value=0,
        max_value=1000,
        value=75,
        step=5,
        key="budget_usd",
    )
    skill = skill_column.selectbox("Skill", [ANY, *skills], key="budget_skill")
    region = region_column.selectbox(
        "Region",
        [ANY, *registry.REGIONS],
        key="budget_region",
        format_func=lambda value: value if value == ANY else region_label(value),
    )
    check = registry.budget_check(
        url, budget, None if skill == ANY else skill, None if region == ANY else region
    )
    who = (
        "developers"
        + (f" with {escape_markdown(skill)}" if skill != ANY else "")
        + (f" in {region_label(region)}" if region != ANY else "")
    )
    if check.band is None:
        st.markdown(
            f"Fewer than {k} {who} have published a floor: too few to answer without revealing one."
        )
    else:
        st.markdown(
            f"**\\${check.budget_usd}/hour meets the floors of {check.band}** of the "
            f"{check.developers} registered {who}."
        )

    public_list(url)


def public_list(url: str) -> None:
    page = st.session_state.get("public_page", 1)
    public, total = registry.public_entries(url, page)
    if not total:
        return
    st.header("Developers who chose to show their handle")
    pages = -(-total // registry.PUBLIC_PAGE_SIZE)
    if pages > 1:
        st.number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, step=1, key="public_page"
        )
    if public:
        frame = pd.DataFrame(public)
        frame["skills"] = frame["skills"].map(", ".join)
        frame["region"] = frame["region"].map(region_label)
        frame["min_hourly_usd"] = frame["min_hourly_usd"].astype(float)
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "handle": "Handle",
                "skills": "Skills",
                "region": "Region",
                "min_hourly_usd": st.column_config.NumberColumn("Minimum (USD/h)", format="$%.2f"),
            },
        )


def publish_form(url: str, skills: list[str]) -> None:
    st.caption(
        "Your own minimum hourly rate: what you will not work below. It is not a pledge "
        "and no one agrees to a common rate. Only aggregates are public unless you opt in."
    )
    with st.form("publish", clear_on_submit=False):
        handle = st.text_input(
            "Handle",
            key="publish_handle",
            max_chars=32,
            help="3–32 characters: letters, digits, '-' or '_'.",
        )
        chosen = st.multiselect(
            "Skills", skills, key="publish_skills", max_selections=registry.MAX_SKILLS
        )
        rate = st.number_input(
            "Minimum hourly rate (USD)",
            min_value=0.0,
            max_value=5000.0,
            value=0.0,
            step=5.0,
            key="publish_rate",
        )
        region = st.selectbox(
            "Region", list(registry.REGIONS), key="publish_region", format_func=region_label
        )
        public = st.checkbox("Show my handle next to my rate", key="publish_public")
        submitted = st.form_submit_button("Publish", key="publish_submit")
    if not submitted:
        return
    published_at = st.session_state.setdefault("registry_published_at", [])
    try:
        registry.check_session_quota(published_at, time.time())
        floor = registry.validate(queries.visitor_text(handle), chosen, rate, region, public)
        token = registry.publish(url, floor)
    except registry.RegistryError as error:
        show_problems(error)
        return
    published_at.append(time.time())
    st.success(
        f"Published **{escape_markdown(floor.handle)}**. Your edit token is below: it is "
        "shown only now and stored only as a hash. Keep it to edit or withdraw your entry.",
        icon=":material/check_circle:",
    )
    st.code(token, language=None)


def edit_form(url: str, skills: list[str]) -> None:
    st.caption(
        "Change or withdraw your entry with the edit token you were given when you published."
    )
    with st.form("edit"):
        handle = st.text_input("Handle", key="edit_handle", max_chars=32)
        token = st.text_input("Edit token", key="edit_token", type="password")
        chosen = st.multiselect(
            "Skills", skills, key="edit_skills", max_selections=registry.MAX_SKILLS
        )
        rate = st.number_input(
            "Minimum hourly rate (USD)",
            min_value=0.0,
            max_value=5000.0,
            value=0.0,
            step=5.0,
            key="edit_rate",
        )
        region = st.selectbox(
            "Region", list(registry.REGIONS), key="edit_region", format_func=region_label
        )
        public = st.checkbox("Show my handle next to my rate", key="edit_public")
        save, withdraw = st.columns(2)
        saved = save.form_submit_button("Save changes", key="edit_submit")
        withdrawn = withdraw.form_submit_button("Withdraw my entry", key="withdraw_submit")
    try:
        handle, token = queries.visitor_text(handle), queries.visitor_text(token)
        if saved:
            registry.update(url, token, registry.validate(handle, chosen, rate, region, public))
            st.success("Saved.", icon=":material/check_circle:")
        elif withdrawn:
            registry.withdraw(url, handle, token)
            st.success("Withdrawn: your entry is gone.", icon=":material/check_circle:")
    except registry.RegistryError as error:
        show_problems(error)


def commitments_view(url: str) -> None:
    commitments = registry.public_commitments(url)
    if not commitments:
        return
    st.subheader("Dated commitments")
    st.caption(
        "Individual published minimums of developers who show their handle: each says "
        "what one developer will not accept until a date, never a common rate."
    )
    frame = pd.DataFrame(commitments)
    frame["category"] = frame["category"].map(posting_display.category_title)
    frame["min_hourly_usd"] = frame["min_hourly_usd"].astype(float)
    frame["status"] = [
        f"lapsed on {until:%Y-%m-%d}" if lapsed else f"until {until:%Y-%m-%d}"
        for until, lapsed in zip(frame["until_on"], frame["is_lapsed"])
    ]
    st.dataframe(
        frame[["handle", "category", "min_hourly_usd", "status"]],
        hide_index=True,
        width="stretch",
        column_config={
            "handle": "Handle",
            "category": "Category",
            "status": "Status",
            "min_hourly_usd": st.column_config.NumberColumn(
                "No work below (USD/h)", format="$%.2f"
            ),
        },
    )


def commitment_form(url: str) -> None:
    st.caption(
        'Commit publicly, as yourself: "I do not accept work in this category below '
        'this rate until this date." Shown with your handle (if you show it) and its '
        "date; once the date passes it is shown as lapsed."
    )
    with st.form("commit"):
        handle = st.text_input("Handle", key="commit_handle", max_chars=32)
        token = st.text_input("Edit token", key="commit_token", type="password")
        category = st.selectbox(
            "Category",
            taxonomy.categories(),
            key="commit_category",
            format_func=posting_display.category_title,
        )
        rate = st.number_input(
            "No work below (USD/hour)",
            min_value=0.0,
            max_value=5000.0,
            value=0.0,
            step=5.0,
            key="commit_rate",
        )
        until = st.date_input("Until", value=None, key="commit_until")
        submitted = st.form_submit_button("Publish commitment", key="commit_submit")
    if not submitted:
        return
    try:
        commitment = registry.validate_commitment(category, rate, until)
        registry.add_commitment(
            url, queries.visitor_text(handle), queries.visitor_text(token), commitment
        )
    except registry.RegistryError as error:
        show_problems(error)
        return
    st.success("Committed.", icon=":material/check_circle:")


def feed_form(url: str, skills: list[str]) -> None:
    st.caption(
        "Save the postings you want as a private feed (Atom or RSS, from Midtier's API). "
        "With your registry handle and edit token your skills come from your entry; "
        "without them you get an edit token of your own. Saving again gives a new feed "
        "address and ends the old one; revoking ends it."
    )
    try:
        facets = queries.load_facets(url)
    except queries.DataUnavailable:
        facets = {"engagement_types": [], "regions": []}
    with st.form("feed"):
        handle = st.text_input("Handle (optional)", key="feed_handle", max_chars=32)
        token = st.text_input(
            "Edit token (your entry's, or your feed's)", key="feed_token", type="password"
        )
        chosen = st.multiselect(
            "Skills", skills, key="feed_skills", max_selections=registry.MAX_SKILLS
        )
        floor = st.number_input(
            "Floor (USD/hour)",
            min_value=0.0,
            max_value=1000.0,
            value=0.0,
            step=5.0,
            key="feed_floor",
        )
        types = st.multiselect("Engagement types", facets["engagement_types"], key="feed_types")
        regions = st.multiselect(
            "Regions", list(registry.REGIONS), key="feed_regions", format_func=region_label
        )
        legitimacy = st.slider("Minimum legitimacy", 0, 100, 0, step=5, key="feed_legitimacy")
        mid_market = st.checkbox("Mid-market contract work only", key="feed_mid_market")
        save, revoke = st.columns(2)
        saved = save.form_submit_button("Save my feed", key="feed_submit")
        revoked = revoke.form_submit_button("Revoke my feed", key="feed_revoke")
    handle, token = queries.visitor_text(handle).strip(), queries.visitor_text(token).strip()
    try:
        if revoked:
            feed_profiles.revoke(url, token, handle or None)
            st.success(
                "Revoked: your feed address no longer works.", icon=":material/check_circle:"
            )
        elif saved:
            preferences = feed_profiles.validate(
                chosen, floor, types, regions, legitimacy, mid_market
            )
            if handle:
                feed_token = feed_profiles.save_for_entry(url, handle, token, preferences)
            elif token:
                feed_token = feed_profiles.update(url, token, preferences)
            else:
                token, feed_token = feed_profiles.create(url, preferences)
                st.info(
                    "Your feed's edit token, shown only now (to change or revoke it):",
                    icon=":material/key:",
                )
                st.code(token, language=None)
            base = os.environ.get("MIDTIER_API_URL", "http://127.0.0.1:8502").rstrip("/")
            st.success("Saved. Your private feed, shown only now:", icon=":material/check_circle:")
            st.code(f"{base}/feeds/{feed_token}.atom", language=None)
    except registry.RegistryError as error:
        show_problems(error)


st.title("Rate floors")
st.markdown(
    "Developers publish their **own** minimum hourly rate. Clients see how many "
    "registered developers a budget meets; nobody's name appears next to a rate "
    "unless they choose so."
)

try:
    url = queries.connection_url()
    skill_choices = list(load_skills())
    public_tab, publish_tab, edit_tab, commit_tab, feed_tab = st.tabs(
        ["Public view", "Publish", "Edit or withdraw", "Commitments", "Personal feed"]
    )
    with public_tab:
        public_view(url, skill_choices)
        commitments_view(url)
    with publish_tab:
        publish_form(url, skill_choices)
    with edit_tab:
        edit_form(url, skill_choices)
    with commit_tab:
        commitment_form(url)
    with feed_tab:
        feed_form(url, skill_choices)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()
except database.DatabaseError as error:
    # its words name the database's address: for the operator's log only
    logging.getLogger(__name__).warning("rate floors: %s", error)
    st.error(queries.UNREACHABLE, icon=":material/database_off:")
    st.stop()
