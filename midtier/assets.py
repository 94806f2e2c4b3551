"""Airflow Assets passed between the DAGs: ingest -> transform -> check -> export."""

from airflow.sdk import Asset

RAW_POSTINGS = Asset(name="midtier_raw_postings", uri="midtier://raw/postings")
MARTS = Asset(name="midtier_marts", uri="midtier://marts/fct_postings")
CHECKED_MARTS = Asset(name="midtier_checked_marts", uri="midtier://quality/fct_postings")
EXPORTS = Asset(name="midtier_exports", uri="midtier://exports/newsletter")
DEVELOPER_EVIDENCE = Asset(
    name="midtier_developer_evidence", uri="midtier://raw/developer_evidence"
)
