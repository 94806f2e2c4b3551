"""Serve benchmark: p50/p95 of the dashboard's queries on the built marts, without and with
the proposed indexes.

    python -m bench.serve --url URL [--skip-build] [--repeats 30]

Builds the marts first (``dbt build``) unless told they are built. The proposed indexes are
created in the benchmark database only (they belong in the mart's dbt config: see
BENCHMARKS.md); they are dropped again at the end. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import resource
import statistics
import sys
import time

from midtier import database

PROPOSED_INDEXES = {
    "fct_postings_feed_order_idx":
        "create index if not exists fct_postings_feed_order_idx on marts.fct_postings "
        "((coalesce(posted_at, first_seen_at)) desc nulls last, posting_id) where closed_at is null",
    "fct_postings_skills_idx":
        "create index if not exists fct_postings_skills_idx on marts.fct_postings using gin (skills)",
    "fct_postings_last_seen_at_idx":
        "create index if not exists fct_postings_last_seen_at_idx on marts.fct_postings (last_seen_at)",
}


def _filters(queries, **values):
    known = {field.name for field in dataclasses.fields(queries.PostingFilters)}
    return queries.PostingFilters(**{name: value for name, value in values.items() if name in known})


def _cases(queries, url: str) -> dict:
    skills = (queries.fetch_facets(url).get("skills") or ["python"])[:2]
    cases = {
        "feed: default filters": lambda: queries.fetch_postings(url, _filters(queries)),
        "feed: one skill": lambda: queries.fetch_postings(url, _filters(queries, skills=tuple(skills[:1]))),
        "feed: skills + min $60/h": lambda: queries.fetch_postings(
            url, _filters(queries, skills=tuple(skills), min_hourly_usd=60.0)),
        "feed: posted within 7 days": lambda: queries.fetch_postings(url, _filters(queries, posted_within_days=7)),
        "feed: text search": lambda: queries.fetch_postings(url, _filters(queries, search="kubernetes")),
        "facets": lambda: queries.fetch_facets(url),
    }
    for name, function in inspect.getmembers(queries, inspect.isfunction):
        if (name.startswith("fetch_") and function.__module__ == queries.__name__
                and list(inspect.signature(function).parameters) == ["url"] and name != "fetch_facets"):
            cases[name] = (lambda f: lambda: f(url))(function)
    return cases


def _time(cases: dict, repeats: int) -> dict:
    results = {}
    for name, case in cases.items():
        try:
            case()  # warm the cache, as a dashboard that has been open a while
        except Exception as error:  # a page whose mart is not built here
            results[name] = {"error": str(error)[:200]}
            continue
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            case()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        results[name] = {"p50_ms": round(statistics.median(timings), 1),
                         "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)}
    return results


def _execute(url: str, statements) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    if not args.skip_build:
        from midtier.transform import build

        build(args.url)
    from dashboards import queries

    cases = _cases(queries, args.url)
    result = {"without_indexes": _time(cases, args.repeats)}
    _execute(args.url, [*PROPOSED_INDEXES.values(), "analyze marts.fct_postings"])
    result["with_indexes"] = _time(cases, args.repeats)
    _execute(args.url, [f"drop index if exists marts.{name}" for name in PROPOSED_INDEXES])
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
