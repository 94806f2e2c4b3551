"""Serve benchmark: p50/p95 of the dashboard's queries and of a whole Feed page run on the
built marts, with the feed indexes and without any (the baseline).

    python -m bench.serve --url URL [--skip-build] [--repeats 30] [--renders 20] [--no-baseline]

Builds the marts first (``dbt build``) unless told they are built. ``marts.fct_postings`` is
a view, so the indexes go on the table under it, ``intermediate.int_postings_enriched``; in
the project they are a dbt post-hook on that model (see BENCHMARKS.md). The first pass uses
the indexes the build made (or creates the proposed ones on older marts); for the baseline
pass every index on that table is dropped, and put back at the end. Prints one JSON object
(and the first pass's result as soon as it is in).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import os
import resource
import statistics
import sys
import time

from bench import server
from midtier import database
from midtier.settings import PROJECT_ROOT

INDEXED_TABLE = "intermediate.int_postings_enriched"
# The mart's first_seen_at is this table's group_first_seen_at. The feed's order index holds
# exactly the rows the feed starts from (open, one per duplicate group), so the default feed
# reads its first 1000 entries and "posted within" a range of it.
PROPOSED_INDEXES = {
    "int_postings_enriched_feed_order_idx": f"create index if not exists int_postings_enriched_feed_order_idx on {INDEXED_TABLE} "
    "((coalesce(posted_at, group_first_seen_at)) desc nulls last, posting_id) "
    "where closed_at is null and coalesce(is_canonical, true)",
    "int_postings_enriched_skills_idx": f"create index if not exists int_postings_enriched_skills_idx on {INDEXED_TABLE} using gin (skills)",
    "int_postings_enriched_last_seen_at_idx": f"create index if not exists int_postings_enriched_last_seen_at_idx on {INDEXED_TABLE} (last_seen_at)",
}
APP = PROJECT_ROOT / "dashboards" / "app.py"


def _filters(queries, **values):
    known = {field.name for field in dataclasses.fields(queries.PostingFilters)}
    return queries.PostingFilters(
        **{name: value for name, value in values.items() if name in known}
    )


def _cases(queries, url: str) -> dict:
    skills = (queries.fetch_facets(url).get("skills") or ["python"])[:2]
    cases = {
        "feed: default filters": lambda: queries.fetch_postings(url, _filters(queries)),
        "feed: one skill": lambda: queries.fetch_postings(
            url, _filters(queries, skills=tuple(skills[:1]))
        ),
        "feed: skills + min $60/h": lambda: queries.fetch_postings(
            url, _filters(queries, skills=tuple(skills), min_hourly_usd=60.0)
        ),
        "feed: posted within 7 days": lambda: queries.fetch_postings(
            url, _filters(queries, posted_within_days=7)
        ),
        "feed: text search": lambda: queries.fetch_postings(
            url, _filters(queries, search="kubernetes")
        ),
        "feed: count (default filters)": lambda: queries.count_postings(url, _filters(queries)),
        "feed: CSV rows (default filters, 1000)": lambda: queries.fetch_postings(
            url, _filters(queries), limit=queries.MAX_ROWS
        ),
        "facets": lambda: queries.fetch_facets(url),
    }
    for name, function in inspect.getmembers(queries, inspect.isfunction):
        if (
            name.startswith("fetch_")
            and function.__module__ == queries.__name__
            and list(inspect.signature(function).parameters) == ["url"]
            and name != "fetch_facets"
        ):
            cases[name] = (lambda f: lambda: f(url))(function)
    return cases


def _render_cases(url: str) -> dict:
    """The whole Feed page with default filters, as AppTest runs it: its queries, the
    shaping and a page of 100 cards (the CSV is built only on click), without a browser.
    Once with Streamlit's query cache emptied first (a visitor after the cache expired, or
    new filters), once with it filled (a rerun: the page's own work only)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    # One AppTest for all runs: a new one scans every installed package for components
    # first (seconds), which a running dashboard does once at start.
    app = AppTest.from_file(str(APP), default_timeout=300)

    def render(empty_cache: bool):
        def run():
            if empty_cache:
                st.cache_data.clear()
            app.run()
            if app.exception or app.error:
                raise RuntimeError(str(app.exception or [error.value for error in app.error])[:200])

        return run

    return {
        "feed page render, query cache empty": render(True),
        "feed page render, query cache filled": render(False),
    }


# Per case: stop after this many seconds once MIN_RUNS are in, so a slow case (a full scan
# at 1M without indexes) does not hold the run for half an hour; "runs" says how many there were.
CASE_BUDGET_SECONDS = 60
MIN_RUNS = 5


def _time(cases: dict, repeats: int) -> dict:
    results = {}
    for name, case in cases.items():
        try:
            case()  # warm the connections, as a dashboard that has been open a while
        except Exception as error:  # a page whose mart is not built here
            results[name] = {"error": str(error)[:200]}
            continue
        timings = []
        case_started = time.perf_counter()
        for _ in range(repeats):
            started = time.perf_counter()
            case()
            timings.append((time.perf_counter() - started) * 1000)
            if (
                len(timings) >= MIN_RUNS
                and time.perf_counter() - case_started > CASE_BUDGET_SECONDS
            ):
                break
        timings.sort()
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
            "runs": len(timings),
        }
    return results


def _execute(url: str, statements) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def _existing_indexes(url: str) -> dict[str, str]:
    """The indexes on the indexed table that back no constraint: name -> definition."""
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            """
            select indexrelid::regclass::text, pg_get_indexdef(indexrelid)
            from pg_index
            where indrelid = to_regclass(%s)
              and not exists (select from pg_constraint where conindid = indexrelid)
            """,
            (INDEXED_TABLE,),
        )
        return dict(cur.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--renders", type=int, default=20, help="Feed page runs per pass (0: none)")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the pass without indexes (minutes per case at 1M)",
    )
    args = parser.parse_args(argv)
    if not args.skip_build:
        from midtier.transform import build

        build(args.url)
    from dashboards import queries

    def measure() -> dict:
        timings = _time(_cases(queries, args.url), args.repeats)
        if args.renders:
            timings |= _time(_render_cases(args.url), args.renders)
        return timings

    # With the indexes first: the ones dbt's post-hooks made (or, on marts built before those,
    # the proposed ones); then the baseline without any, unless --no-baseline; then put back.
    existing = _existing_indexes(args.url)
    if not existing:
        _execute(args.url, [*PROPOSED_INDEXES.values(), f"analyze {INDEXED_TABLE}"])
    indexes = _existing_indexes(args.url)
    result = {"indexes_found": sorted(existing), "indexes": list(indexes.values())}
    result["with_indexes"] = measure()
    server.report({"step": "serve, with indexes (partial)", **result})
    if args.baseline:
        _execute(
            args.url, [f"drop index {name}" for name in indexes] + [f"analyze {INDEXED_TABLE}"]
        )
        result["without_indexes"] = measure()
        _execute(args.url, [*existing.values(), f"analyze {INDEXED_TABLE}"])
    elif not existing:
        _execute(args.url, [f"drop index {name}" for name in indexes])
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    server.report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
