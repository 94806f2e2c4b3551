"""Every query the dashboards run. Pages call the cached ``load_*`` wrappers, never SQL.

The ``fetch_*`` functions are plain (no Streamlit) and take the connection URL and filter
values as parameters; all SQL is parameterised. Postings and rates come from ``marts`` tables
only; the Sources & quality page also reads the pipeline's own bookkeeping (``raw.crawl_runs``,
``raw.rejects``) and the checks' results (``quality.*``), never raw postings or staging.
The rate-floor registry has its own module, ``midtier.registry``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import psycopg
import streamlit as st
from psycopg import errors
from psycopg_pool import ConnectionPool, PoolTimeout

from midtier import database, feed_query
from midtier.exports import MART

# The Feed's filters live in midtier.feed_query, shared with the API and delivery; the pages
# read these names from here, with the rest of their queries.
from midtier.feed_query import (  # noqa: F401
    DURATIONS,
    FEED_COLUMNS,
    HOURLY_PAY,
    NEWEST_CRAWL,
    NO_PROFILE,
    SALARIED,
    SORTS,
    PostingFilters,
    Profile,
    profile_from_developer,
    visitor_text,
)
from midtier.settings import load_settings

log = logging.getLogger(__name__)

FACETS_TTL_SECONDS = 600
POSTINGS_TTL_SECONDS = 300
RATES_TTL_SECONDS = 600
SOURCES_TTL_SECONDS = 60
# The feed shows a page of this many postings; the count and the CSV go up to MAX_ROWS.
PAGE_ROWS = 100
MAX_ROWS = 1000
CONNECT_TIMEOUT_SECONDS = 5
# Connections kept per database URL; more concurrent queries than this wait for one.
CONNECTIONS_PER_URL = 4
RATES = "marts.rpt_rate_percentiles"
FACETS = "marts.rpt_feed_facets"
SOURCE_OVERVIEW = "marts.rpt_source_overview"
DEVELOPER_PROFILES = "marts.fct_developer_profiles"
DEVELOPER_SKILLS = "marts.fct_developer_skills"
# The directory lists a withdrawn developer for at most this long.
DEVELOPERS_TTL_SECONDS = 10
# Per source, as fct_postings.is_flagged counts: dbt's score-flagged count plus the postings
# flagged since by an open data-quality check whose score alone does not flag them.
SOURCE_POSTINGS = f"""
    select overview.source, overview.postings, overview.open_postings,
           overview.score_flagged_postings + coalesce(checked.postings, 0) as flagged
    from {SOURCE_OVERVIEW} as overview
    left join (
        select postings.source, count(*) as postings
        from {MART} as postings
        where postings.posting_id in (
                select posting_id from quality.posting_flags where cleared_at is null)
            and not coalesce(postings.legitimacy_score < (
                select max(flag_score_threshold) from {SOURCE_OVERVIEW}), false)
        group by postings.source
    ) as checked
        on checked.source = overview.source
"""
# What every page says when the database cannot be reached (the details go to the log).
UNREACHABLE = (
    "Cannot reach the database right now. If you run this dashboard, start it with "
    "`midtier db up` (or check DATABASE_URL); the details are in its log."
)


class DataUnavailable(RuntimeError):
    """The database cannot be reached or the mart is missing; the message says what to do."""


def connection_url() -> str:
    """The database URL (``DATABASE_URL`` or the embedded server); never starts a server."""
    try:
        return database.database_url(start=False)
    except database.DatabaseError as error:
        # the details (paths, ports) are for the operator's log, not the visitor's page
        log.warning("no database for the dashboard: %s", error)
        raise DataUnavailable(
            "The database is not running. Start it with `midtier db up`, then run `midtier run` "
            "to build the marts."
        ) from error


# -- plain queries ---------------------------------------------------------------------------


def fetch_facets(url: str) -> dict[str, list[str]]:
    """The skills (most common first), engagement types and regions present in the mart,
    as dbt counted them once per build in ``marts.rpt_feed_facets``."""
    rows = _query(
        url,
        f"""
        select facet, value from {FACETS}
        order by facet, case when facet = 'skill' then postings end desc nulls last, value
        """,
        table=FACETS,
    )
    skills, engagement_types, regions = (
        [row["value"] for row in rows if row["facet"] == facet]
        for facet in ("skill", "engagement_type", "region")
    )
    as_of = _query(url, f"select {NEWEST_CRAWL} as as_of")[0]["as_of"]
    # dbt's var flag_score_threshold, as the build that flagged the postings used it
    threshold = _query(
        url,
        f"select max(flag_score_threshold) as threshold from {SOURCE_OVERVIEW}",
        table=SOURCE_OVERVIEW,
    )[0]["threshold"]
    return {
        "skills": skills,
        "engagement_types": engagement_types,
        "regions": regions,
        "as_of": as_of,
        "flag_score_threshold": threshold,
    }


def fetch_postings(
    url: str, filters: PostingFilters, limit: int = PAGE_ROWS, profile: Profile = NO_PROFILE
) -> list[dict]:
    """Postings matching ``filters`` (and above the profile's floor), at most ``limit`` rows,
    as ``midtier.feed_query`` selects them for every surface (API, feeds, delivery)."""
    sql, parameters = feed_query.postings_query(filters, limit=limit, profile=profile)
    return _query(url, sql, parameters)


def count_postings(
    url: str, filters: PostingFilters, profile: Profile = NO_PROFILE, cap: int = MAX_ROWS
) -> int:
    """How many postings ``fetch_postings`` would return without a limit, counted up to
    ``cap + 1`` (more than ``cap`` reads as "more than cap")."""
    sql, parameters = feed_query.count_query(filters, cap=cap, profile=profile)
    return _query(url, sql, parameters)[0]["n"]


def fetch_rate_facets(url: str) -> dict[str, list]:
    """Skills (most published postings first), engagement types, regions and months in the
    rate report, and how many postings stand behind each engagement type's published (not
    suppressed) cells."""
    published = "coalesce(sum(n) filter (where not is_suppressed), 0)"
    skills = _query(
        url,
        f"select skill from {RATES} group by skill order by {published} desc, sum(n) desc, skill",
        table=RATES,
    )
    types = _query(
        url,
        f"select engagement_type, {published} as published from {RATES} group by 1 order by 1",
        table=RATES,
    )
    regions = _query(
        url, f"select region from {RATES} group by region order by sum(n) desc, region", table=RATES
    )
    return {
        "skills": [row["skill"] for row in skills],
        "engagement_types": [row["engagement_type"] for row in types],
        "published": {row["engagement_type"]: row["published"] for row in types},
        "regions": [row["region"] for row in regions],
    }


def fetch_rates(url: str, skills: tuple[str, ...], engagement_type: str) -> list[dict]:
    """Every region and month of the report for ``skills`` and ``engagement_type``."""
    return _query(
        url,
        f"""
        select skill, engagement_type, region, month, rate_unit, n,
               p10::float as p10, p25::float as p25, p50::float as p50, p75::float as p75,
               p90::float as p90, is_suppressed, suppressed_reason
        from {RATES}
        where skill = any(%s::text[]) and engagement_type = %s
        order by skill, region, month
        """,
        [list(skills), engagement_type],
        table=RATES,
    )


def fetch_developer_profile(url: str, handle: str) -> dict | None:
    """One public developer profile with its skills' evidence (strongest first); None when
    the handle has none."""
    profiles = _query(
        url,
        f"select * from {DEVELOPER_PROFILES} where handle = %s",
        [visitor_text(handle).strip().lower()],
        table=DEVELOPER_PROFILES,
    )
    if not profiles:
        return None
    skills = _query(
        url,
        f"""
        select skill_slug, evidence_count, strength::float as strength, is_evidence_backed,
               evidence_reasons, evidence_urls
        from {DEVELOPER_SKILLS}
        where handle = %s
        order by is_evidence_backed desc, strength desc, skill_slug
        """,
        [profiles[0]["handle"]],
        table=DEVELOPER_SKILLS,
    )
    return {**profiles[0], "skill_evidence": skills}


def fetch_developer_directory(
    url: str, skill: str | None, tiers: tuple[str, ...], max_floor_usd: float | None
) -> list[dict]:
    """Profiles with ``skill`` (any when None) in one of ``tiers`` (any when empty), whose
    floor is at most ``max_floor_usd`` (any, including no floor, when None): best tier first."""
    return _query(
        url,
        f"""
        select handle, tier, floor_usd_hourly::float as floor_usd_hourly, skills,
               evidence_backed_skills, assessed
        from {DEVELOPER_PROFILES}
        where (%s::text is null or %s = any(skills))
          and (cardinality(%s::text[]) = 0 or tier = any(%s::text[]))
          and (%s::float is null or floor_usd_hourly <= %s::float)
        order by cardinality(evidence_backed_skills) desc, floor_usd_hourly nulls last, handle
        limit %s
        """,
        [skill, skill, list(tiers), list(tiers), max_floor_usd, max_floor_usd, MAX_ROWS],
        table=DEVELOPER_PROFILES,
    )


def fetch_developer_facets(url: str) -> dict[str, list[str]]:
    """The directory's choices: skills shown by evidence and tiers present, from the marts."""
    skills = _query(
        url,
        f"select distinct unnest(skills) as skill from {DEVELOPER_PROFILES} order by 1",
        table=DEVELOPER_PROFILES,
    )
    tiers = _query(
        url, f"select distinct tier from {DEVELOPER_PROFILES} order by 1", table=DEVELOPER_PROFILES
    )
    return {"skills": [row["skill"] for row in skills], "tiers": [row["tier"] for row in tiers]}


def fetch_source_overview(url: str) -> list[dict]:
    """Per source: postings in the mart, the last crawl run, its status and rejects."""
    counted = _query(url, SOURCE_POSTINGS, table=SOURCE_OVERVIEW)
    postings = {row["source"]: row for row in counted}
    runs = {
        row["source"]: row
        for row in _query(
            url,
            """
            select distinct on (source) source, status as last_run_status,
                   coalesce(finished_at, started_at) as last_crawl_at, items_seen as last_run_items,
                   items_rejected as last_run_rejects, error as last_run_error
            from raw.crawl_runs
            where kind = 'crawl'
            order by source, started_at desc
            """,
            table="raw.crawl_runs",
        )
    }
    rejects = {
        row["source"]: row["rejects"]
        for row in _query(
            url,
            "select source, count(*) as rejects from raw.rejects group by source",
            table="raw.rejects",
        )
    }
    health = _source_health(url)
    names = sorted(set(postings) | set(runs))
    return [
        {
            "source": name,
            **{key: value for key, value in postings.get(name, {}).items() if key != "source"},
            **{key: value for key, value in runs.get(name, {}).items() if key != "source"},
            "rejects_total": rejects.get(name, 0),
            **health.get(name, {}),
        }
        for name in names
    ]


def _source_health(url: str) -> dict[str, dict]:
    """The checks' verdict per source, when their status table exists (issue 4)."""
    exists = _query(url, "select to_regclass(%s) is not null as present", [SOURCE_STATUS])[0][
        "present"
    ]
    if not exists:
        return {}
    rows = _query(url, f"select * from {SOURCE_STATUS}", table=SOURCE_STATUS)
    health = {}
    for row in rows:
        if "source" in row and "status" in row:
            reason = next(
                (row[key] for key in ("reason", "detail", "details", "message") if row.get(key)),
                None,
            )
            health[row["source"]] = {"health": row["status"], "health_reason": reason}
    return health


def fetch_validation_results(url: str) -> list[dict]:
    """The latest stored validation of each suite."""
    return _query(
        url,
        """
        select distinct on (suite_name) suite_name, success, status, evaluated, failed,
               validated_at, validation_id
        from quality.validation_results
        order by suite_name, validated_at desc
        """,
        table="quality.validation_results",
    )


def data_docs_index(url: str | None = None) -> Path | None:
    """The GX Data Docs site's index.html: the one the latest validation recorded, else the
    first found under MIDTIER_HOME; None before the checks have built it."""
    if url is not None:
        recorded = _query(
            url,
            """
            select data_docs_path from quality.validation_results
            where data_docs_path is not null order by validated_at desc limit 1
            """,
            table="quality.validation_results",
        )
        if recorded and Path(recorded[0]["data_docs_path"]).is_file():
            return Path(recorded[0]["data_docs_path"])
    home = load_settings().home
    for candidate in DATA_DOCS_CANDIDATES:
        if (home / candidate).is_file():
            return home / candidate
    found = sorted(home.glob("**/data_docs/**/index.html")) if home.is_dir() else []
    return found[0] if found else None


SOURCE_STATUS = "quality.source_status"
DATA_DOCS_CANDIDATES = (
    "data_docs/index.html",
    "gx/data_docs/index.html",
    "gx/uncommitted/data_docs/local_site/index.html",
)


# -- cached wrappers for the pages -----------------------------------------------------------


@st.cache_data(ttl=FACETS_TTL_SECONDS, show_spinner=False)
def load_facets(url: str) -> dict[str, list[str]]:
    return fetch_facets(url)


@st.cache_data(ttl=POSTINGS_TTL_SECONDS, show_spinner=False)
def load_postings(
    url: str, filters: PostingFilters, profile: Profile = NO_PROFILE, limit: int = PAGE_ROWS
) -> list[dict]:
    return fetch_postings(url, filters, limit=limit, profile=profile)


@st.cache_data(ttl=POSTINGS_TTL_SECONDS, show_spinner=False)
def load_posting_count(url: str, filters: PostingFilters, profile: Profile = NO_PROFILE) -> int:
    return count_postings(url, filters, profile)


@st.cache_data(ttl=RATES_TTL_SECONDS, show_spinner=False)
def load_rate_facets(url: str) -> dict[str, list]:
    return fetch_rate_facets(url)


@st.cache_data(ttl=RATES_TTL_SECONDS, show_spinner=False)
def load_rates(url: str, skills: tuple[str, ...], engagement_type: str) -> list[dict]:
    return fetch_rates(url, skills, engagement_type)


def load_developer_profile(url: str, handle: str) -> dict | None:
    # Not cached: a withdrawn profile must vanish at once (one indexed row is cheap).
    return fetch_developer_profile(url, handle)


@st.cache_data(ttl=DEVELOPERS_TTL_SECONDS, show_spinner=False)
def load_developer_directory(
    url: str, skill: str | None, tiers: tuple[str, ...], max_floor_usd: float | None
) -> list[dict]:
    return fetch_developer_directory(url, skill, tiers, max_floor_usd)


@st.cache_data(ttl=DEVELOPERS_TTL_SECONDS, show_spinner=False)
def load_developer_facets(url: str) -> dict[str, list[str]]:
    return fetch_developer_facets(url)


@st.cache_data(ttl=SOURCES_TTL_SECONDS, show_spinner=False)
def load_source_overview(url: str) -> list[dict]:
    return fetch_source_overview(url)


@st.cache_data(ttl=SOURCES_TTL_SECONDS, show_spinner=False)
def load_validation_results(url: str) -> list[dict]:
    return fetch_validation_results(url)


# -- helpers ---------------------------------------------------------------------------------


def _configure(conn) -> None:
    # Autocommit: an idle pooled connection then holds no snapshot and no lock, so it never
    # blocks dbt replacing the tables it read.
    conn.read_only = True
    conn.autocommit = True


# Setting up a connection costs more than most of the queries here, so connections are kept
# between calls, one pool per URL. Streamlit runs sessions in threads; the pool hands each
# connection to one thread at a time.
_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(url: str) -> ConnectionPool:
    """The open pool for ``url``; DataUnavailable if its first connection cannot be made."""
    with _pools_lock:
        pool = _pools.get(url)
        if pool is not None:
            return pool
        # The pool retries a refused connection until its timeout; a visitor should hear at
        # once that the database is down, so one plain connection is tried first.
        try:
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg.OperationalError as error:
            raise _unreachable(url, error) from error
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=CONNECTIONS_PER_URL,
            open=False,
            name="dashboard",
            kwargs={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            configure=_configure,
            # A connection the server dropped since (restart, idle timeout, a dropped
            # database) is found out before use and replaced.
            check=ConnectionPool.check_connection,
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except PoolTimeout as error:
            pool.close()
            raise _unreachable(url, error) from error
        _pools[url] = pool
        return pool


def _unreachable(url: str, error: Exception) -> DataUnavailable:
    # the address and the driver's words go to the log; the page says what to do
    log.warning("cannot reach the database at %s: %s", database.redact(url), str(error).strip())
    return DataUnavailable(UNREACHABLE)


def close_idle_connections() -> None:
    """Close every kept connection (tests, shutdown); the next query opens a new pool."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _with_cursor(url: str, work):
    """``work(cursor)`` on a pooled connection to ``url``."""
    try:
        with _pool(url).connection() as conn, conn.cursor() as cur:
            return work(cur)
    except PoolTimeout as error:
        raise _unreachable(url, error) from error


# What a query on a relation that is not there (yet) raises; ``_query`` turns it into
# DataUnavailable.
MISSING_RELATION = (errors.UndefinedTable, errors.InvalidSchemaName)


def _query(url: str, sql: str, parameters: list | None = None, table: str = MART) -> list[dict]:
    def run(cur) -> list[dict]:
        try:
            cur.execute(sql, parameters)
        except MISSING_RELATION as error:
            raise DataUnavailable(
                f"`{table}` does not exist yet: run `midtier run` first."
            ) from error
        # Plain tuples zipped with the column names: a RealDictCursor costs ~0.1 ms a row
        # (the feed's 1000-row CSV fetch spent 100 ms of its 170 ms building them).
        names = [column.name for column in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    return _with_cursor(url, run)
