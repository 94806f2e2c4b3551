"""Editor: this week's candidates for the newsletter, the editor's picks, and the digest.

Candidates are the postings first seen in the last 7 days (``midtier.digest``), narrowed as in
the Feed. Signing in takes an editor token (`midtier editor add NAME` prints one; only its hash
is stored, and wrong tokens are rate-limited in ``midtier.editorial``). Pinned postings open the
digest in the editor's order, skipped ones are left out. Postings whose source's terms forbid
re-publishing are marked, hidden by default, and never go into a digest. The published export
files are downloadable at the bottom.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboards import queries
from midtier import database, digest, editorial, exports
from midtier.posting_display import budget_summary
from midtier.settings import load_settings

EXPORT_TYPES = {
    ".md": "text/markdown",
    ".html": "text/html",
    ".csv": "text/csv",
    ".json": "application/json",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
}


def sign_in_form(url: str) -> None:
    st.markdown(
        "Picking postings for the digest takes an editor token. An operator issues one "
        "with `midtier editor add NAME`."
    )
    with st.form("editor_sign_in"):
        token = st.text_input("Editor token", type="password", key="editor_token")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        failures = st.session_state.setdefault("editor_failures", [])
        try:
            st.session_state["editor"] = editorial.sign_in(
                url, queries.visitor_text(token).strip(), failures, time.time()
            )
        except editorial.EditorialError as error:
            st.error(str(error), icon=":material/lock:")
            return
        st.rerun()


def candidate_filters(facets: dict) -> tuple[digest.DigestFilters, bool]:
    skills_column, legitimacy_column = st.columns(2)
    skills = skills_column.multiselect(
        "Skills", facets["skills"], key="editor_skills", placeholder="Any skill"
    )
    min_legitimacy = legitimacy_column.slider(
        "Minimum legitimacy score", 0, 100, 0, step=5, key="editor_min_legitimacy"
    )
    contract, mid_market, unpublishable = st.columns(3)
    filters = digest.DigestFilters(
        skills=tuple(skills),
        contract_freelance_only=contract.toggle(
            "Contract and freelance only", key="editor_contract"
        ),
        mid_market_only=mid_market.toggle("Mid-market band only", key="editor_mid_market"),
        min_legitimacy=int(min_legitimacy),
    )
    show_unpublishable = unpublishable.toggle(
        "Show postings that may not be re-published",
        key="editor_unpublishable",
        help="Their sources' terms forbid re-publishing: they are listed, marked, and never put "
        "into a digest.",
    )
    return filters, show_unpublishable


def reset_filters() -> None:
    for key in ("editor_skills", "editor_min_legitimacy", "editor_contract", "editor_mid_market"):
        st.session_state.pop(key, None)


def empty_candidates(filters: digest.DigestFilters, show_unpublishable: bool) -> None:
    default = digest.DigestFilters()
    named = {
        "skills": "skills",
        "contract_freelance_only": "contract and freelance only",
        "mid_market_only": "mid-market band only",
        "min_legitimacy": "minimum legitimacy score",
    }
    active = [
        name for field, name in named.items() if getattr(filters, field) != getattr(default, field)
    ]
    window = (
        f"No open, unflagged posting was first seen in the last {digest.DIGEST_WINDOW_DAYS} days"
    )
    if not active:
        hidden = "" if show_unpublishable else " (postings that may not be re-published are hidden)"
        st.info(f"{window}{hidden}.", icon=":material/inbox:")
        return
    st.info(
        f"{window} with these filters. Narrowed by: {', '.join(active)}.",
        icon=":material/filter_alt_off:",
    )
    st.button(
        "Reset the filters",
        on_click=reset_filters,
        icon=":material/restart_alt:",
        key="editor_reset",
    )


def label(candidate: digest.Candidate) -> str:
    posting = candidate.posting
    company = f" — {posting['company_name']}" if posting.get("company_name") else ""
    return f"{posting.get('title') or '(untitled posting)'}{company} ({posting['posting_id']})"


def candidate_table(candidates: list[digest.Candidate]) -> None:
    rows = [
        {
            "title": candidate.posting.get("title"),
            "company": candidate.posting.get("company_name"),
            "pay": budget_summary(candidate.posting),
            "first_seen": candidate.posting.get("first_seen_at"),
            "source": candidate.posting.get("source_name"),
            "republishable": "yes"
            if candidate.posting.get("is_republishable")
            else "no: may not be re-published",
            "pick": (
                "pinned #" + str(candidate.pinned_position)
                if candidate.pinned_position
                else "skipped"
                if candidate.skipped
                else ""
            ),
        }
        for candidate in candidates
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "title": "Title",
            "company": "Company",
            "pay": "Pay",
            "source": "Source",
            "first_seen": st.column_config.DatetimeColumn(
                "First seen (UTC)", format="YYYY-MM-DD HH:mm"
            ),
            "republishable": "Re-publishable",
            "pick": "Pick",
        },
    )


def picks_form(url: str, editor: str, candidates: list[digest.Candidate]) -> None:
    publishable = {
        candidate.posting["posting_id"]: label(candidate)
        for candidate in candidates
        if candidate.posting.get("is_republishable")
    }
    pinned = [candidate for candidate in candidates if candidate.pinned_position is not None]
    pinned.sort(key=lambda candidate: candidate.pinned_position)
    with st.form("editor_picks"):
        chosen = st.multiselect(
            "Pinned, in digest order",
            list(publishable),
            format_func=publishable.get,
            default=[
                candidate.posting["posting_id"]
                for candidate in pinned
                if candidate.posting["posting_id"] in publishable
            ],
            key="editor_pins",
            placeholder="Pick postings to open the digest",
            help="The digest lists them first, in the order chosen here.",
        )
        skipped = st.multiselect(
            "Skipped",
            list(publishable),
            format_func=publishable.get,
            default=[
                candidate.posting["posting_id"]
                for candidate in candidates
                if candidate.skipped and candidate.posting["posting_id"] in publishable
            ],
            key="editor_skips",
            placeholder="Postings to leave out",
        )
        saved = st.form_submit_button("Save picks")
    if saved:
        try:
            editorial.save_picks(url, editor, chosen, skipped)
        except editorial.EditorialError as error:
            st.error(str(error), icon=":material/error:")
            return
        st.success(
            f"Saved {len(chosen)} pinned and {len(skipped)} skipped.",
            icon=":material/check_circle:",
        )


def digest_downloads(url: str, filters: digest.DigestFilters) -> None:
    st.header("This week's digest")
    picks_only = st.toggle(
        "Only my pinned postings",
        value=True,
        key="editor_picks_only",
        help="Off: the pinned postings first, then the week's other candidates.",
    )
    postings, pinned = exports.digest_postings(url, filters, picks_only=picks_only)
    window = digest.window()
    if not postings:
        st.info(
            'The digest would be empty: pin postings above, or turn off "Only my pinned postings".',
            icon=":material/inbox:",
        )
        return
    st.caption(
        f"{len(postings)} postings, {pinned} of them pinned; each with its source's "
        "attribution and a link back."
    )
    markdown_column, html_column = st.columns(2)
    markdown_column.download_button(
        "Download digest (Markdown)",
        lambda: digest.digest_markdown(postings, pinned, window),  # built on click
        file_name=f"midtier-digest-{window[1]:%Y-%m-%d}.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        key="digest_markdown",
    )
    html_column.download_button(
        "Download digest (HTML email)",
        lambda: digest.digest_html(postings, pinned, window),
        file_name=f"midtier-digest-{window[1]:%Y-%m-%d}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
        key="digest_html",
    )


def export_downloads() -> None:
    st.header("Published exports")
    folder = load_settings().exports_dir
    files = (
        sorted(
            path
            for path in folder.rglob("*")
            if path.is_file() and path.suffix in EXPORT_TYPES and not path.name.startswith(".")
        )
        if folder.is_dir()
        else []
    )
    if not files:
        st.markdown("None yet: `midtier export` (or the pipeline's export step) writes them.")
        return
    st.caption(
        "As the last `midtier export` wrote them (sources whose terms forbid re-publishing "
        "left out)."
    )
    columns = st.columns(3)
    for index, path in enumerate(files):
        name = str(path.relative_to(folder))
        columns[index % 3].download_button(
            name,
            path.read_bytes(),
            file_name=path.name,
            mime=EXPORT_TYPES[path.suffix],
            on_click="ignore",
            icon=":material/download:",
            key=f"export_{name}",
        )


st.title("Editor")
st.caption(
    f"The newsletter's candidates: postings first seen in the last {digest.DIGEST_WINDOW_DAYS} "
    "days, open and not flagged."
)

try:
    url = queries.connection_url()
    facets = queries.load_facets(
        url
    )  # also says at once, like every page, when the database is down
    if "editor" not in st.session_state:
        sign_in_form(url)
    else:
        editor = st.session_state["editor"]
        st.markdown(f"Signed in as **{editor}**.")
        filters, show_unpublishable = candidate_filters(facets)
        candidates = exports.digest_candidates(
            url, filters, include_unpublishable=show_unpublishable
        )
        st.header("Candidates")
        if candidates:
            candidate_table(candidates)
            picks_form(url, editor, candidates)
        else:
            empty_candidates(filters, show_unpublishable)
        digest_downloads(url, filters)
    export_downloads()
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()
except database.DatabaseError as error:
    queries.log.warning("editor: %s", error)
    st.error(queries.UNREACHABLE, icon=":material/database_off:")
    st.stop()
