"""`make bench`: load, transform and serve benchmarks at each size in BENCH_SIZES.

    python -m bench.run --sizes "10000 100000" [--only load,serve] [--batch-sizes "500 2000"]

Runs against its own PostgreSQL (see bench/server.py), one fresh database per size. Every
step is a child process, so each peak RSS is that step's own. Results are printed as a
Markdown table and written as JSON to ``BENCH_HOME/results/<size>.json``; copy the figures
into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench import generate, server
from midtier.settings import PROJECT_ROOT

DEFAULT_SIZES = "10000 100000 1000000"
PARTS = ("load", "transform", "serve")


def _step(module: str, *args: str) -> dict:
    command = [sys.executable, "-m", module, *args]
    # dbt's target and logs go under the benchmark's home, not the user's .midtier.
    env = {**os.environ, "MIDTIER_HOME": str(server.bench_home())}
    # stderr passes through: a long step's progress (and a failure's traceback) shows as it runs
    result = subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[2:])} failed (exit {result.returncode}; its errors "
            f"are above):\n{result.stdout[-3000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _dataset(size: int, seed: int, clients_of: int | None = None) -> Path:
    """The generated postings file; ``clients_of``: postings added to a data set of that size."""
    clients = f"_of{clients_of}" if clients_of else ""
    path = server.bench_home() / "data" / f"postings_{size}_seed{seed}{clients}.jsonl"
    if not path.exists():
        print(f"generating {size} postings -> {path}", flush=True)
        generate.write_jsonl(path, size, seed, clients_of)
    return path


def run_load(
    url: str,
    size: int,
    jsonl: Path,
    batch_sizes: list[int],
    insert_rows: int,
    end_to_end: bool = True,
) -> dict:
    copy_file = jsonl.with_suffix(".copy")
    base = ["--url", url, "--jsonl", str(jsonl), "--copy-file", str(copy_file)]
    results = {"prepare": _step("bench.load", "prepare", *base)}
    results["copy"] = _step("bench.load", "copy", *base)
    results["copy_light"] = _step("bench.load", "copy_light", *base)
    results["store"] = {
        batch: _step("bench.load", "store", *base, "--batch-size", str(batch))
        for batch in batch_sizes
    }
    best = max(results["store"], key=lambda batch: results["store"][batch]["rows_per_second"])
    if end_to_end:
        results["import"] = _step("bench.load", "import", *base, "--batch-size", str(best))
        results["reimport"] = _step("bench.load", "reimport", *base, "--batch-size", str(best))
    results["insert"] = _step("bench.load", "insert", *base, "--rows", str(min(size, insert_rows)))
    copy_file.unlink(missing_ok=True)
    return results


def _load_table(size: int, load: dict) -> list[str]:
    copy_rate = load["copy"]["rows_per_second"]
    light_rate = load["copy_light"]["rows_per_second"]
    insert_rate = load["insert"]["rows_per_second"]
    lines = [
        f"### Load, {size:,} postings",
        "",
        "| path | rows | seconds | rows/s | vs COPY | vs lighter COPY | vs per-row INSERT "
        "| peak RSS MB | load average |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def line(name, result):
        rate = result["rows_per_second"]
        lines.append(
            f"| {name} | {result['rows']:,} | {result['seconds']:.2f} | {rate:,.0f} | "
            f"{rate / copy_rate:.2f}× | {rate / light_rate:.2f}× | "
            f"{rate / insert_rate:.1f}× | {result['peak_rss_mb']:.0f} | "
            f"{result.get('load_average', '—')} |"
        )

    line("COPY into an equivalent table (baseline)", load["copy"])
    line("COPY into a lighter table: no keys or indexes (independent baseline)", load["copy_light"])
    line("per-row INSERT, autocommit (baseline)", load["insert"])
    for batch, result in load["store"].items():
        line(f"RawStore.upsert_postings, batch {batch}", result)
    if "import" in load:
        line(f"`midtier import` end to end, batch {load['import']['batch_size']}", load["import"])
        line("`midtier import` again (all unchanged)", load["reimport"])
    line("validation only (prepare_posting, no database)", load["prepare"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES") or DEFAULT_SIZES)
    parser.add_argument(
        "--only", default=",".join(PARTS), help="comma-separated: load,transform,serve"
    )
    parser.add_argument(
        "--batch-sizes", default=os.environ.get("BENCH_BATCH_SIZES", "500 2000 5000")
    )
    parser.add_argument("--insert-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--no-import",
        action="store_true",
        help="skip the end-to-end `midtier import` load steps (≈ 40 min at 1M); "
        "the loader step leaves the postings loaded",
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="keep a size's database when it already holds that many postings "
        "(transform/serve again without loading)",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split()]
    parts = [part for part in args.only.split(",") if part]
    batch_sizes = [int(batch) for batch in args.batch_sizes.split()]
    admin_url, embedded = server.server_url()
    results_dir = server.bench_home() / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print(f"machine: {machine}", flush=True)
    report: list[str] = []
    try:
        for size in sizes:
            jsonl = _dataset(size, args.seed)
            reused = (
                args.reuse_database
                and "load" not in parts
                and server.loaded_postings(admin_url, f"bench_{size}") == size
            )
            if reused:
                url = server.database_url_of(admin_url, f"bench_{size}")
                print(f"reusing bench_{size} ({size:,} postings loaded)", flush=True)
            else:
                url = server.fresh_database(admin_url, f"bench_{size}")
            result: dict = {"size": size, "machine": machine}
            if "load" in parts:
                print(f"load benchmark at {size:,}", flush=True)
                result["load"] = run_load(
                    url, size, jsonl, batch_sizes, args.insert_rows, end_to_end=not args.no_import
                )
                report += _load_table(size, result["load"]) + [""]
            if "transform" in parts or "serve" in parts:
                # Transform and serve need the postings loaded (the load step leaves them).
                if "load" not in parts and not reused:
                    _step(
                        "bench.load",
                        "import",
                        "--url",
                        url,
                        "--jsonl",
                        str(jsonl),
                        "--batch-size",
                        "2000",
                    )
                extra = (
                    _dataset(10_000, args.seed + 1, clients_of=size)
                    if "transform" in parts
                    else None
                )
                if "transform" in parts:
                    print(f"transform benchmark at {size:,}", flush=True)
                    result["transform"] = _step(
                        "bench.transform", "--url", url, "--extra", str(extra)
                    )
                    report += [
                        f"### Transform, {size:,} postings",
                        "",
                        "```",
                        json.dumps(result["transform"], indent=2),
                        "```",
                        "",
                    ]
                if "serve" in parts:
                    print(f"serve benchmark at {size:,}", flush=True)
                    result["serve"] = _step(
                        "bench.serve",
                        "--url",
                        url,
                        *(["--skip-build"] if "transform" in parts else []),
                    )
                    report += [
                        f"### Serve, {size:,} postings",
                        "",
                        "```",
                        json.dumps(result["serve"], indent=2),
                        "```",
                        "",
                    ]
            (results_dir / f"{size}.json").write_text(json.dumps(result, indent=2))
            print("\n".join(report), flush=True)
            report = []
    finally:
        if embedded is not None:
            embedded.stop()
    print(f"results: {results_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
