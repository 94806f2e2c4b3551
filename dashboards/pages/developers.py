"""Developers: public profiles built on public evidence, and a directory for clients.

A profile (``/developers?handle=ada-dev``) shows the floor, the tier with its reasons, each
skill's evidence with a link behind every claim, assessments with the reviewer's handle, and
the self-declared track record, labelled as such. The directory filters profiles by skill,
tier and a floor at or below the client's budget. Everything comes from the marts
``fct_developer_profiles`` and ``fct_developer_skills``: a withdrawn developer is gone from
both at withdrawal.
"""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from dashboards import queries
from dashboards.escaping import escape_markdown, markdown_link

ANY = "(any)"
PAGE_PATH = "/developers"


def evidence_links(urls: list[str]) -> str:
    return " · ".join(markdown_link(url.removeprefix("https://github.com/"), url) for url in urls)


def show_profile(url: str, handle: str) -> None:
    profile = queries.load_developer_profile(url, handle)
    if profile is None:
        st.info(f"No public profile for {escape_markdown(handle)}.")
        return
    st.header(escape_markdown(profile["handle"]))
    floor = profile["floor_usd_hourly"]
    tier_column, floor_column, login_column = st.columns(3)
    tier_column.metric("Evidence tier", profile["tier"])
    floor_column.metric(
        "Floor", f"${float(floor):,.0f}/h" if floor is not None else "not published"
    )
    login_column.markdown(
        "GitHub (verified)  \n"
        + markdown_link(profile["github_login"], f"https://github.com/{profile['github_login']}")
    )
    st.markdown("\n".join(f"- {escape_markdown(reason)}" for reason in profile["tier_reasons"]))

    st.subheader("Skills, with the public work behind them")
    if not profile["skill_evidence"]:
        st.caption("No public work shows a skill yet.")
    for skill in profile["skill_evidence"]:
        backed = " — evidence-backed" if skill["is_evidence_backed"] else ""
        st.markdown(
            f"**{escape_markdown(skill['skill_slug'])}**{backed} · {skill['evidence_count']} "
            f"pieces of work, strength {skill['strength']:.2f}  \n"
            + evidence_links(skill["evidence_urls"])
        )
        for reason in skill["evidence_reasons"]:
            st.caption(escape_markdown(reason))

    st.subheader("Assessments")
    if not profile["assessments"]:
        st.caption("None recorded.")
    for assessment in profile["assessments"]:
        st.markdown(
            f"- {escape_markdown(assessment['assessed_on'])}: "
            f"{escape_markdown(assessment['skill_slug'])}, "
            f"{escape_markdown(assessment['outcome'])} (reviewer "
            f"{escape_markdown(assessment['reviewer_handle'])})"
            + (f" — {escape_markdown(assessment['notes'])}" if assessment.get("notes") else "")
        )

    declared = profile["self_declared_case_studies"] + profile["self_declared_platform_history"]
    if declared:
        st.subheader("Self-declared track record")
        st.caption("Stated by the developer, not verified by Midtier.")
        for item in profile["self_declared_case_studies"]:
            st.markdown(
                f"- Self-declared case study: "
                f"{markdown_link(item['title'], item.get('link'))}"
                + "".join(
                    f" · {escape_markdown(item[key])}"
                    for key in ("client_type", "budget_band", "duration", "outcome")
                    if item.get(key)
                )
            )
        for item in profile["self_declared_platform_history"]:
            st.markdown(
                f"- Self-declared platform history: "
                f"{markdown_link(item['platform'], item.get('link'))}"
                + (
                    f" · {item['projects_completed']} projects"
                    if item.get("projects_completed") is not None
                    else ""
                )
                + (f" · rating {escape_markdown(item['rating'])}" if item.get("rating") else "")
            )


def show_directory(url: str) -> None:
    facets = queries.load_developer_facets(url)
    skill_column, tier_column, budget_column = st.columns(3)
    skill = skill_column.selectbox("Skill", [ANY, *facets["skills"]], key="directory_skill")
    tiers = tier_column.multiselect("Evidence tier", facets["tiers"], key="directory_tiers")
    budget = budget_column.number_input(
        "Budget (USD per hour, 0: any)",
        min_value=0,
        max_value=1000,
        value=0,
        step=5,
        key="directory_budget",
    )
    found = queries.load_developer_directory(
        url, None if skill == ANY else skill, tuple(tiers), float(budget) if budget else None
    )
    if not found:
        st.info("No developer profile matches.")
        return
    for developer in found:
        floor = developer["floor_usd_hourly"]
        handle = developer["handle"]
        profile_link = f"[{escape_markdown(handle)}]({PAGE_PATH}?handle={quote(handle)})"
        st.markdown(
            f"{profile_link} · "
            f"{escape_markdown(developer['tier'])} · "
            f"{f'${floor:,.0f}/h' if floor is not None else 'no floor published'} · "
            + escape_markdown(", ".join(developer["skills"][:8]))
        )


st.title("Developers")
st.caption(
    "Profiles built on public work that developers opted in to show: every skill links "
    "to the pull requests and repositories behind it."
)
try:
    url = queries.connection_url()
    handle = st.query_params.get("handle")
    if handle:
        show_profile(url, handle)
    else:
        show_directory(url)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
