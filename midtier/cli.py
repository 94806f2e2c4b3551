"""The `midtier` command line. Run `midtier --help` (or `python -m midtier --help`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from midtier import __version__
from midtier.settings import PROJECT_ROOT

EPILOG = """\
environment:
  MIDTIER_HOME        where all state lives (database, logs, exports); default ./.midtier
  DATABASE_URL        use this PostgreSQL server instead of the embedded one
  MIDTIER_PG_PORT     port for the embedded server (default 54329; a free one if taken)
  MIDTIER_CONTACT_URL contact URL sent in the crawler's User-Agent

examples:
  midtier run --offline            whole pipeline on the bundled demo data (dag.test, quick)
  midtier airflow up               a real local Airflow on 127.0.0.1:8080 (scheduler, API, parser)
  midtier airflow trigger midtier_ingest --offline
                                   the pipeline under that scheduler, followed until export
  midtier crawl remoteok           crawl one source from the web
  midtier crawl --all              crawl every source (one failing source never stops the rest)
  midtier sources                  sources, their published terms and their last run
  midtier import jobs.jsonl --source community
  midtier dashboard                serve the dashboard on http://127.0.0.1:8501
  midtier api                      serve the read-only API on http://127.0.0.1:8502 (docs: /docs)
  midtier deliver add jobs --kind discord --url https://discord.com/api/webhooks/… --skills django
"""


def _echo(message: str) -> None:
    print(message, flush=True)


# -- commands -------------------------------------------------------------------------------
def cmd_db(args) -> int:
    from midtier import database
    from midtier.settings import load_settings

    settings = load_settings()
    if settings.database_url:
        if args.action == "url":
            print(settings.database_url)
        else:
            print("DATABASE_URL is set: Midtier uses that server and does not start or stop it.")
        return 0
    server = database.EmbeddedPostgres(settings)
    if args.action == "up":
        url = server.start()
        database.apply_schema(url)
        print(f"running: {database.redact(url)} (`midtier db url` prints the password)")
    elif args.action == "down":
        print("stopped" if server.stop() else "not running")
    elif args.action == "where":
        print(server.data_dir)
    elif args.action == "remove":
        server.remove()
        print(f"removed the embedded cluster {server.data_dir}")
    else:
        if not server.is_running():
            print("the embedded server is not running: run `midtier db up`", file=sys.stderr)
            return 1
        print(server.url())
    return 0


def cmd_crawl(args) -> int:
    from midtier import steps
    from midtier.sources import EVIDENCE_SPIDERS, SOURCES

    if args.all == bool(args.source):
        print("give one SOURCE or --all", file=sys.stderr)
        return 2
    if args.source and args.source not in SOURCES and args.source not in EVIDENCE_SPIDERS:
        known = ", ".join(sorted([*SOURCES, *EVIDENCE_SPIDERS]))
        print(f"unknown source {args.source!r}; known: {known}", file=sys.stderr)
        return 2
    if args.offline and args.source in EVIDENCE_SPIDERS:
        print(f"{args.source} has no recorded demo responses; use --base-url", file=sys.stderr)
        return 2
    if args.url and args.source != "rss":
        print("--url is only for the rss source", file=sys.stderr)
        return 2
    if args.all:
        summaries = steps.ingest(offline=args.offline, echo=_echo)
    elif args.offline:
        summaries = [steps.offline_crawl(args.source, echo=_echo)]
    else:
        spider_args = {"url": args.url} if args.url else None
        summaries = [steps.crawl(args.source, args.base_url, spider_args=spider_args, echo=_echo)]
    return 0 if all(summary.status != "failed" for summary in summaries) else 1


def cmd_sources(args) -> int:
    from midtier import steps

    for source, run in steps.describe_sources():
        republish = "re-publishable" if source.allows_republishing else "not re-published"
        print(
            f"{source.name:<15} {source.display_name} — {source.attribution_text}; "
            f"{'link back required; ' if source.requires_link_back else ''}{republish}; "
            f"≥{source.min_request_delay_seconds:g}s between requests, "
            f"≤{source.max_runs_per_day} runs/day"
        )
        if run is None:
            print(f"{'':<15} never crawled")
        else:
            print(
                f"{'':<15} last run {run.started_at:%Y-%m-%d %H:%M} UTC: {run.status}, "
                f"{run.counts.seen} seen, {run.counts.new} new, {run.counts.rejected} rejected"
            )
        if args.verbose_terms:
            print(f"{'':<15} terms: {source.terms_url} — {source.notes}")
    return 0


def cmd_import(args) -> int:
    from midtier import steps
    from midtier.importer import ImportFileError

    try:
        summary = steps.import_postings(Path(args.file), args.source, echo=_echo)
    except ImportFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0 if summary.status != "failed" else 1


def cmd_transform(args) -> int:
    from midtier import steps

    steps.transform(full_refresh=args.full_refresh, batched=args.batched, echo=_echo)
    return 0


def cmd_calibrate(args) -> int:
    from midtier.calibration import calibrate
    from midtier.labelled_postings import LabelFileError

    if not args.labels and not args.selected_legitimate:
        print("give at least one --labels FILE", file=sys.stderr)
        return 2
    try:
        result = calibrate(
            [Path(path) for path in args.labels],
            [Path(path) for path in args.selected_legitimate],
            seeds_dir=Path(args.seeds_dir),
            echo=_echo,
        )
    except (LabelFileError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for fact, value in result.facts.items():
        _echo(f"  {fact}: {value}")
    _echo(
        f"wrote legitimacy_terms, legitimacy_weights and legitimacy_model to {args.seeds_dir}; "
        "`midtier transform` re-scores with them"
    )
    return 0


def cmd_check(args) -> int:
    from midtier import steps

    return steps.check_command(echo=_echo)


def cmd_export(args) -> int:
    from midtier import steps
    from midtier.publication import PublicationBlocked

    try:
        steps.export(Path(args.out) if args.out else None, force=args.force, echo=_echo)
    except PublicationBlocked as blocked:
        print(f"export refused: {blocked}", file=sys.stderr)
        return 1
    return 0


def cmd_editor(args) -> int:
    from midtier import editorial, steps

    if args.action != "list" and not args.name:
        print(f"`midtier editor {args.action}` needs the editor's NAME", file=sys.stderr)
        return 2
    url = steps.prepare_database()
    if args.action == "add":
        token = editorial.add_editor(url, args.name)
        print(f"editor {args.name!r} added. Their token (shown only now, stored hashed):\n{token}")
    elif args.action == "revoke":
        if not editorial.revoke_editor(url, args.name):
            print(f"no active editor named {args.name!r}", file=sys.stderr)
            return 1
        print(f"editor {args.name!r} revoked")
    else:
        for name, created_at, revoked_at in editorial.list_editors(url):
            state = f"revoked {revoked_at:%Y-%m-%d}" if revoked_at else "active"
            print(f"{name}\tadded {created_at:%Y-%m-%d}\t{state}")
    return 0


def cmd_run(args) -> int:
    from midtier import orchestration

    orchestration.run_pipeline(offline=args.offline, echo=_echo)
    _echo("pipeline finished: `midtier dashboard` serves the results")
    return 0


def cmd_airflow(args) -> int:
    from midtier import airflow_local

    if args.dag_id and args.action != "trigger":
        print("a DAG_ID is only for `trigger`", file=sys.stderr)
        return 2
    try:
        if args.action == "up":
            airflow_local.up(echo=_echo)
        elif args.action == "down":
            airflow_local.down(echo=_echo)
        elif args.action == "prepare":
            airflow_local.prepare(echo=_echo)
        elif args.action == "status":
            return 0 if airflow_local.status(echo=_echo) else 3
        else:
            if not args.dag_id:
                print("give the DAG_ID to trigger, e.g. midtier_ingest", file=sys.stderr)
                return 2
            succeeded = airflow_local.trigger(
                args.dag_id,
                offline=args.offline,
                wait=not args.no_wait,
                timeout=args.timeout,
                echo=_echo,
            )
            return 0 if succeeded else 1
    except airflow_local.AirflowLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_dashboard(args) -> int:
    from midtier import dashboard_server

    if args.stop:
        print("stopped" if dashboard_server.stop() else "not running")
        return 0
    return dashboard_server.serve(
        address=args.address, port=args.port, background=args.background, echo=_echo
    )


def cmd_api(args) -> int:
    from midtier import api, steps

    api.serve(host=args.host, port=args.port, url=steps.prepare_database())
    return 0


def cmd_deliver(args) -> int:
    from midtier import delivery, steps

    url = steps.prepare_database()
    if args.action == "add":
        if not args.name or not args.kind or not args.url:
            print("deliver add needs NAME, --kind and --url", file=sys.stderr)
            return 2
        try:
            delivery.add(
                url,
                args.name,
                args.kind,
                args.url,
                skills=(args.skills or "").split(","),
                min_hourly_usd=args.min_hourly_usd,
                mid_market_only=args.mid_market_only,
                min_legitimacy=args.min_legitimacy,
            )
        except delivery.DeliveryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        _echo(f"channel {args.name} added; `midtier deliver run` sends it new matching postings")
    elif args.action == "remove":
        if not delivery.remove(url, args.name or ""):
            print(f"no channel named {args.name!r}", file=sys.stderr)
            return 1
        _echo(f"channel {args.name} removed")
    elif args.action == "run":
        results = steps.deliver(echo=_echo)
        return 0 if all(result.error is None for result in results) else 1
    else:
        for channel in delivery.channels(url):
            _echo(delivery.describe_channel(channel))
    return 0


# -- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="midtier",
        description="Midtier: collect contract-work postings, normalise them, check them, "
        "and serve a curated feed, rate analytics and newsletter exports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"midtier {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser(
        "db",
        help="start, stop or locate the database",
        description="Manage the embedded PostgreSQL under MIDTIER_HOME.",
    )
    db.add_argument(
        "action",
        choices=["up", "down", "url", "where", "remove"],
        help="up: start (and create tables); down: stop; url: print the URL with "
        "its password; where: print where the data lives; remove: stop and "
        "delete the data",
    )
    db.set_defaults(handler=cmd_db)

    crawl = commands.add_parser(
        "crawl",
        help="crawl one source into raw.postings",
        description="Run one source's spider; the run is recorded in raw.crawl_runs.",
    )
    crawl.add_argument(
        "source", nargs="?", help="source name, e.g. remoteok (see `midtier sources`)"
    )
    crawl.add_argument("--all", action="store_true", help="crawl every source, one after another")
    crawl.add_argument("--url", help="rss only: crawl this one feed instead of the configured list")
    where = crawl.add_mutually_exclusive_group()
    where.add_argument(
        "--base-url",
        metavar="URL",
        help="replace scheme and host of every request (e.g. a local mirror)",
    )
    where.add_argument(
        "--offline",
        action="store_true",
        help="crawl the bundled recorded responses instead of the web",
    )
    crawl.set_defaults(handler=cmd_crawl)

    sources = commands.add_parser("sources", help="list sources, their terms and last run")
    sources.add_argument(
        "--terms",
        dest="verbose_terms",
        action="store_true",
        help="also print each source's terms URL and notes",
    )
    sources.set_defaults(handler=cmd_sources)

    importer = commands.add_parser(
        "import",
        help="load postings from a JSONL or CSV file",
        description="Load postings through the same pipeline as the spiders. "
        "Fields: source, source_posting_id, url, title, company, "
        "description, budget_text, tags, location, posted_at.",
    )
    importer.add_argument("file", help="a .jsonl/.ndjson or .csv file")
    importer.add_argument(
        "--source", required=True, metavar="NAME", help="source name for rows that do not carry one"
    )
    importer.set_defaults(handler=cmd_import)

    transform = commands.add_parser(
        "transform",
        help="build the dbt project (seeds, models, tests)",
        description="dbt build. Per-posting models are incremental: only new or changed postings "
        "are processed, or all of them when a seed, var or model they use changed.",
    )
    how = transform.add_mutually_exclusive_group()
    how.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (after deleting raw "
        "postings, or to rule out a stale table)",
    )
    how.add_argument(
        "--batched",
        action="store_true",
        help="run the per-posting models in batches of "
        "MIDTIER_TRANSFORM_BATCH_POSTINGS over every posting first (without "
        "it, a backlog of new postings is batched, and so is a rule change "
        "once the per-posting models find more stale postings than a batch)",
    )
    transform.set_defaults(handler=cmd_transform)
    calibrate = commands.add_parser(
        "calibrate",
        help="fit the legitimacy weights on labelled postings",
        description="Fit regularised logistic regression on labelled postings (CSV in EMSCAD's "
        "layout, or Midtier's import layout plus a fraudulent column) and write the "
        "seeds legitimacy_terms, legitimacy_weights and legitimacy_model, with the "
        "cross-validated ROC-AUC, precision and recall. See docs/legitimacy.md.",
    )
    calibrate.add_argument(
        "--labels",
        action="append",
        default=[],
        metavar="FILE",
        help="a labelled CSV file (repeat for more)",
    )
    calibrate.add_argument(
        "--selected-legitimate",
        action="append",
        default=[],
        metavar="FILE",
        help="a labelled EMSCAD-layout file whose legitimate rows were "
        "selected for having every field filled (the shared sample): "
        "its fields are blanked at the full dataset's rates",
    )
    calibrate.add_argument(
        "--seeds-dir",
        default=str(PROJECT_ROOT / "dbt" / "seeds"),
        metavar="DIR",
        help="where to write the seeds (default: dbt/seeds)",
    )
    calibrate.set_defaults(handler=cmd_calibrate)
    commands.add_parser("check", help="run the Great Expectations data checks").set_defaults(
        handler=cmd_check
    )

    export = commands.add_parser(
        "export",
        help="write the newsletter exports (RSS/Atom, HTML and Markdown digests, CSV, JSON)",
    )
    export.add_argument("--out", metavar="DIR", help="output folder (default MIDTIER_HOME/exports)")
    export.add_argument(
        "--force",
        action="store_true",
        help="write the exports even though the latest critical data checks failed",
    )
    export.set_defaults(handler=cmd_export)

    run = commands.add_parser(
        "run",
        help="run the whole pipeline through Airflow",
        description="ingest -> transform -> check -> export, as Airflow DAG runs.",
    )
    run.add_argument("--offline", action="store_true", help="use the bundled demo data, no network")
    run.set_defaults(handler=cmd_run)

    airflow = commands.add_parser(
        "airflow",
        help="run a real local Airflow (scheduler, API server, DAG processor)",
        description="A local Airflow with the LocalExecutor on 127.0.0.1, its metadata in an "
        "`airflow` database of Midtier's PostgreSQL, its state and logs under "
        "MIDTIER_HOME/airflow. `up` prepares the metadata database, the crawl pool "
        "and the dbt manifest, then starts the components in the background; "
        "`prepare` does only the preparation (docker-compose's airflow-init).",
        epilog="environment: MIDTIER_AIRFLOW_PORT (API port, default 8080), MIDTIER_OFFLINE "
        "(crawl the recorded responses unless a run says otherwise)",
    )
    airflow.add_argument("action", choices=["up", "down", "status", "trigger", "prepare"])
    airflow.add_argument("dag_id", nargs="?", metavar="DAG_ID", help="trigger: the DAG to run")
    airflow.add_argument(
        "--offline", action="store_true", help="trigger: crawl the bundled recorded responses"
    )
    airflow.add_argument(
        "--no-wait",
        action="store_true",
        help="trigger: return at once instead of following the runs to export",
    )
    airflow.add_argument(
        "--timeout",
        type=float,
        default=900,
        metavar="SECONDS",
        help="trigger: how long to follow the runs (default 900)",
    )
    airflow.set_defaults(handler=cmd_airflow)

    editor = commands.add_parser(
        "editor", help="newsletter editors: add (prints a token once), revoke, list"
    )
    editor.add_argument("action", choices=["add", "revoke", "list"])
    editor.add_argument("name", nargs="?", help="the editor's name (add, revoke)")
    editor.set_defaults(handler=cmd_editor)

    dashboard = commands.add_parser("dashboard", help="serve the Streamlit dashboard")
    dashboard.add_argument(
        "--address", default="127.0.0.1", help="bind address (default 127.0.0.1)"
    )
    dashboard.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    dashboard.add_argument(
        "--background",
        action="store_true",
        help="start in the background, wait until healthy, then return",
    )
    dashboard.add_argument("--stop", action="store_true", help="stop a background dashboard")
    dashboard.set_defaults(handler=cmd_dashboard)

    api = commands.add_parser(
        "api",
        help="serve the read-only HTTP API (postings, rates, feeds, digest, exports)",
        description="FastAPI on uvicorn over the marts and the published exports; OpenAPI "
        "docs at /docs. MIDTIER_API_REQUESTS_PER_MINUTE limits each client.",
    )
    api.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8502, help="port (default 8502)")
    api.set_defaults(handler=cmd_api)

    deliver = commands.add_parser(
        "deliver",
        help="post new matching postings to Discord or Slack webhooks",
        description="add: register a channel (an incoming webhook) with the Feed's filters; "
        "run: send each channel the new matching postings (never one twice); "
        "list: channels, their last delivery and errors; remove: drop a channel.",
    )
    deliver.add_argument("action", choices=["add", "run", "list", "remove"])
    deliver.add_argument("name", nargs="?", metavar="NAME", help="add/remove: the channel's name")
    deliver.add_argument("--kind", choices=["discord", "slack"], help="add: the webhook's kind")
    deliver.add_argument("--url", metavar="WEBHOOK_URL", help="add: the incoming webhook URL")
    deliver.add_argument("--skills", metavar="a,b", help="add: comma-separated skill slugs")
    deliver.add_argument(
        "--min-hourly-usd",
        type=float,
        default=0,
        metavar="N",
        help="add: only postings whose top hourly USD figure reaches N",
    )
    deliver.add_argument(
        "--mid-market-only",
        action="store_true",
        help="add: only contract and freelance work in the mid-market band",
    )
    deliver.add_argument(
        "--min-legitimacy",
        type=int,
        default=0,
        metavar="N",
        help="add: only postings scoring at least N (0-100)",
    )
    deliver.set_defaults(handler=cmd_deliver)

    from midtier import developers_cli

    developers_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from midtier.database import DatabaseError

    try:
        return args.handler(args)
    except DatabaseError as error:
        print(f"database error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the CLI's last line of defence: one clear line, details with -v
        if args.verbose or os.environ.get("MIDTIER_DEBUG"):
            raise
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
