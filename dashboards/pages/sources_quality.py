"""Sources & quality: per source what was collected, when, how it went and on which terms;
then the latest result of every data-quality suite and a link to the Data Docs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import queries
from midtier.sources import load_sources

COLUMNS = {
    "source": "Source",
    "postings": st.column_config.NumberColumn("Postings"),
    "open_postings": st.column_config.NumberColumn("Open"),
    "flagged": st.column_config.NumberColumn("Flagged"),
    "last_crawl_at": st.column_config.DatetimeColumn("Last crawl (UTC)", format="YYYY-MM-DD HH:mm"),
    "status": "Status",
    "last_run_rejects": st.column_config.NumberColumn("Rejects (last run)"),
    "rejects_total": st.column_config.NumberColumn("Rejects (all)"),
    "attribution": "Attribution",
    "republished": st.column_config.CheckboxColumn("Re-published in exports"),
    "terms_url": st.column_config.LinkColumn("Terms"),
}


def source_table(overview: list[dict]) -> pd.DataFrame:
    terms = load_sources()
    rows = []
    for row in overview:
        source = terms.get(row["source"])
        status = row.get("health") or row.get("last_run_status") or "never crawled"
        if row.get("health_reason"):
            status += f" ({row['health_reason']})"
        rows.append(
            {
                "source": source.display_name if source else row["source"],
                "postings": row.get("postings") or 0,
                "open_postings": row.get("open_postings") or 0,
                "flagged": row.get("flagged") or 0,
                "last_crawl_at": row.get("last_crawl_at"),
                "status": status,
                "last_run_rejects": row.get("last_run_rejects"),
                "rejects_total": row.get("rejects_total") or 0,
                "attribution": source.attribution_text if source else "operator's own import",
                "republished": source.allows_republishing if source else True,
                "terms_url": (source.terms_url or None) if source else None,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def zipped_site(folder: Path) -> bytes:
    """Every file of the Data Docs site under ``folder``, as a zip of the same layout."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path("data_docs") / path.relative_to(folder))
    return buffer.getvalue()


st.title("Sources & quality")

try:
    url = queries.connection_url()
    overview = queries.load_source_overview(url)
    validations = queries.load_validation_results(url)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()

st.header("Sources")
if not overview:
    st.info("No source has been crawled yet: run `midtier run`.")
else:
    st.dataframe(source_table(overview), hide_index=True, width="stretch", column_config=COLUMNS)
    st.caption(
        "Status is the data checks' verdict when they have one, otherwise the last crawl "
        "run's outcome. Terms come from each source's published API or feed terms."
    )

st.header("Latest validation results")
if not validations:
    st.info("No validation has run yet: `midtier check` runs the data-quality suites.")
else:
    frame = pd.DataFrame(validations)
    # error: a check raised instead of judging the data (no flag was cleared on its word)
    frame["result"] = frame["status"].map(
        {"passed": "passed", "failed": "FAILED", "error": "ERROR"}
    )
    st.dataframe(
        frame[["suite_name", "result", "evaluated", "failed", "validated_at", "validation_id"]],
        hide_index=True,
        width="stretch",
        column_config={
            "suite_name": "Suite",
            "result": "Result",
            "evaluated": st.column_config.NumberColumn("Expectations"),
            "failed": st.column_config.NumberColumn("Failed"),
            "validated_at": st.column_config.DatetimeColumn(
                "Validated (UTC)", format="YYYY-MM-DD HH:mm"
            ),
            "validation_id": "Validation",
        },
    )
    failed = int((frame["status"] == "failed").sum())
    errored = int((frame["status"] == "error").sum())
    if failed:
        st.warning(f"{failed} suite(s) failed their latest validation.", icon=":material/warning:")
    if errored:
        st.warning(
            f"{errored} suite(s) could not run their checks (status error): their flags "
            "were kept open and none cleared.",
            icon=":material/error:",
        )
    if not failed and not errored:
        st.success("Every suite passed its latest validation.", icon=":material/verified:")

docs = queries.data_docs_index(url)
if docs is not None:
    # Browsers refuse file:// links from a web page: the site comes as one download instead.
    st.download_button(
        "Download the Great Expectations Data Docs (zip)",
        data=lambda: zipped_site(docs.parent),  # built on click
        file_name="midtier-data-docs.zip",
        mime="application/zip",
        on_click="ignore",
        icon=":material/download:",
    )
    st.caption(
        "Unzip it and open index.html: every validation's results, expectation by expectation."
    )
else:
    st.markdown("The Data Docs appear here after the first `midtier check`.")
