"""Every query the dashboards run. Pages call the cached ``load_*`` wrappers, never SQL.

The ``fetch_*`` functions are plain (no Streamlit) and take the connection URL and filter
values as parameters; all SQL is parameterised. Only ``marts`` tables are read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psycopg2
import psycopg2.errors
import psycopg2.extras
import streamlit as st

from midtier import database
from midtier.exports import JSON_COLUMNS, MART

FACETS_TTL_SECONDS = 600
POSTINGS_TTL_SECONDS = 300
MAX_ROWS = 1000
CONNECT_TIMEOUT_SECONDS = 5


class DataUnavailable(RuntimeError):
    """The database cannot be reached or the mart is missing; the message says what to do."""


@dataclass(frozen=True)
class PostingFilters:
    """What the feed page asks for. Empty tuples and zeros mean "no filter"."""

    skills: tuple[str, ...] = ()
    min_hourly_usd: float = 0.0
    engagement_types: tuple[str, ...] = ()
    min_legitimacy: int = 0
    show_flagged: bool = False
    search: str = ""
    open_only: bool = True


def connection_url() -> str:
    """The database URL (``DATABASE_URL`` or the embedded server); never starts a server."""
    try:
        return database.database_url(start=False)
    except database.DatabaseError as error:
        raise DataUnavailable(f"{error} Then run `midtier run` to build the marts.") from error


# -- plain queries ---------------------------------------------------------------------------


def fetch_facets(url: str) -> dict[str, list[str]]:
    """The skills (most common first) and engagement types present in the mart."""
    skills = _query(
        url,
        f"""
        select skill
        from {MART}, unnest(skills) as skill
        group by skill
        order by count(*) desc, skill
        """,
    )
    engagement_types = _query(
        url,
        f"select distinct engagement_type from {MART} where engagement_type is not null order by 1",
    )
    return {
        "skills": [row["skill"] for row in skills],
        "engagement_types": [row["engagement_type"] for row in engagement_types],
    }


def fetch_postings(url: str, filters: PostingFilters, limit: int = MAX_ROWS) -> list[dict]:
    """Postings matching ``filters``, freshest first, at most ``limit`` rows.

    The minimum hourly rate keeps postings whose top hourly USD figure reaches it, so postings
    without an hourly figure drop out once a minimum is set.
    """
    conditions: list[tuple[str, tuple]] = [("true", ())]
    if filters.skills:
        conditions.append(("skills && %s::text[]", (list(filters.skills),)))
    if filters.min_hourly_usd > 0:
        conditions.append(("coalesce(hourly_usd_max, hourly_usd_min) >= %s", (filters.min_hourly_usd,)))
    if filters.engagement_types:
        conditions.append(("engagement_type = any(%s::text[])", (list(filters.engagement_types),)))
    if filters.min_legitimacy > 0:
        conditions.append(("coalesce(legitimacy_score, 0) >= %s", (filters.min_legitimacy,)))
    if not filters.show_flagged:
        conditions.append(("not coalesce(is_flagged, false)", ()))
    if filters.open_only:
        conditions.append(("closed_at is null", ()))
    if filters.search.strip():
        pattern = _like_pattern(filters.search)
        conditions.append(
            (
                "(title ilike %s or company_name ilike %s or description_text ilike %s)",
                (pattern, pattern, pattern),
            )
        )
    sql = f"""
        select {", ".join(JSON_COLUMNS)}
        from {MART}
        where {" and ".join(condition for condition, _ in conditions)}
        order by coalesce(posted_at, first_seen_at) desc nulls last, posting_id
        limit %s
    """
    parameters = [value for _, values in conditions for value in values] + [limit]
    return _query(url, sql, parameters)


# -- cached wrappers for the pages -----------------------------------------------------------


@st.cache_data(ttl=FACETS_TTL_SECONDS, show_spinner=False)
def load_facets(url: str) -> dict[str, list[str]]:
    return fetch_facets(url)


@st.cache_data(ttl=POSTINGS_TTL_SECONDS, show_spinner=False)
def load_postings(url: str, filters: PostingFilters) -> list[dict]:
    return fetch_postings(url, filters)


# -- helpers ---------------------------------------------------------------------------------


def _query(url: str, sql: str, parameters: list | None = None) -> list[dict]:
    try:
        conn = psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg2.OperationalError as error:
        raise DataUnavailable(
            f"Cannot reach the database at {database.redact(url)} ({str(error).strip()}). "
            "Start it with `midtier db up` (or check DATABASE_URL), then run `midtier run` first."
        ) from error
    with contextlib.closing(conn):
        conn.set_session(readonly=True)
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            try:
                cur.execute(sql, parameters)
            except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName) as error:
                raise DataUnavailable(
                    f"The postings mart `{MART}` does not exist yet: run `midtier run` first."
                ) from error
            return [dict(row) for row in cur.fetchall()]


def _like_pattern(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
