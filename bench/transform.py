"""Transform benchmark: `dbt build` on the loaded postings, then again after 10k more arrive.

    python -m bench.transform --url URL --extra extra.jsonl

The second build measures the incremental path (models materialised incrementally only
re-process what changed; a full-refresh model costs the same again). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from pathlib import Path

from bench import server
from midtier import database
from midtier.importer import import_file
from midtier.settings import load_settings
from midtier.transform import build, catch_up


def _count(url: str, sql: str) -> int | None:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        try:
            cur.execute(sql)
            return cur.fetchone()[0]
        except Exception:  # the mart may not exist (failed build)
            return None


def _slowest_models(limit: int = 12) -> dict[str, float]:
    """Seconds per model (and test) of the last dbt command, slowest first, from run_results.json."""
    path = load_settings().dbt_target_dir / "run_results.json"
    results = json.loads(path.read_text())["results"]
    timed = sorted(results, key=lambda result: result["execution_time"], reverse=True)
    return {
        result["unique_id"].split(".", 2)[-1]: round(result["execution_time"], 2)
        for result in timed[:limit]
    }


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument(
        "--extra", type=Path, help="JSONL of postings to add before the second build"
    )
    args = parser.parse_args(argv)
    result: dict = {"raw_postings": _count(args.url, "select count(*) from raw.postings")}
    started = time.perf_counter()
    # what build() does first, timed on its own: the per-posting models over a large backlog
    result["catch_up_batches"] = catch_up(args.url, echo=_progress)
    result["catch_up_seconds"] = round(time.perf_counter() - started, 2)
    build(args.url)
    result["full_build_seconds"] = round(time.perf_counter() - started, 2)
    result["full_build_slowest"] = _slowest_models()
    result["mart_rows"] = _count(args.url, "select count(*) from marts.fct_postings")
    if args.extra:
        summary = import_file(args.extra, "bench", url=args.url)
        result["added_postings"] = summary.counts.new
        started = time.perf_counter()
        build(args.url)
        result["incremental_build_seconds"] = round(time.perf_counter() - started, 2)
        result["incremental_build_slowest"] = _slowest_models()
        result["incremental_share_of_full"] = round(
            result["incremental_build_seconds"] / result["full_build_seconds"], 3
        )
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    server.report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
