"""The pipeline's steps. Airflow tasks and the CLI both call these; nothing else runs them.

Each step resolves the database itself (embedded server or ``DATABASE_URL``), so a task can
run in any process. Progress goes to ``echo`` (the CLI prints it, Airflow logs it).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from midtier import database
from midtier.raw_store import RawStore, RunSummary, new_run_id
from midtier.settings import PROJECT_ROOT, load_settings
from midtier.sources import EVIDENCE_SPIDERS, SOURCES, get_source

log = logging.getLogger(__name__)
Echo = Callable[[str], None]


def _log_echo(message: str) -> None:
    log.info(message)


def prepare_database() -> str:
    """Start the embedded server if needed, create Midtier's tables, return the URL."""
    url = database.database_url()
    database.apply_schema(url)
    return url


def crawl(
    source: str,
    base_url: str | None = None,
    *,
    spider_args: dict[str, str] | None = None,
    echo: Echo = _log_echo,
) -> RunSummary:
    """Run one spider in its own process (Twisted's reactor cannot restart in ours).

    Live crawls (no ``base_url``) respect the source's published daily call limit: an extra
    run is recorded as ``skipped`` instead of calling the source.
    """
    terms = None if source in EVIDENCE_SPIDERS else get_source(source)
    url = prepare_database()
    settings = load_settings()
    run_id = new_run_id(source)
    log_file = settings.logs_dir / "crawl" / f"{run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        source,
        "-a",
        f"run_id={run_id}",
        "-s",
        f"LOG_FILE={log_file}",
    ]
    if base_url:
        command += ["-a", f"base_url={base_url}"]
        if _is_loopback(base_url):
            # Throttling protects other people's servers; a local mirror needs none.
            command += ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    for name, value in (spider_args or {}).items():
        command += ["-a", f"{name}={value}"]
    env = {**os.environ, "DATABASE_URL": url}
    with RawStore(url) as store:
        if (
            terms is not None
            and base_url is None
            and store.runs_since(source, 24) >= terms.max_runs_per_day
        ):
            store.start_run(source, crawl_run_id=run_id)
            summary = RunSummary(
                crawl_run_id=run_id,
                source=source,
                status="skipped",
                error=f"daily limit of {terms.max_runs_per_day} runs reached "
                f"({terms.display_name}'s terms)",
            )
            store.finish_run(summary)
            echo(summary.describe())
            return summary
        echo(f"crawling {source}{f' from {base_url}' if base_url else ''} (log: {log_file})")
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        shown = -1
        while process.poll() is None:
            time.sleep(1)
            current = store.run_summary(run_id)
            if current and current.counts.seen + current.counts.rejected != shown:
                shown = current.counts.seen + current.counts.rejected
                echo(
                    f"  {source}: {current.counts.seen} postings, {current.counts.rejected} rejected so far"
                )
        stderr = process.stderr.read()
        if process.returncode != 0:
            tail = "\n".join(stderr.strip().splitlines()[-5:]) or f"see {log_file}"
            if store.run_summary(run_id) is None:
                store.start_run(source, base_url=base_url, crawl_run_id=run_id)
            store.fail_run(run_id, f"crawler exited with code {process.returncode}: {tail}")
        summary = store.run_summary(run_id)
    echo(summary.describe())
    return summary


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def offline_crawl(source: str, *, echo: Echo = _log_echo) -> RunSummary:
    """Crawl a source's recorded demo responses, served from a loopback server.

    A ``spider_args.json`` beside the recordings gives spider arguments the replay needs
    (e.g. which feeds file to read)."""
    from midtier.demo_server import serve_directory

    demo_dir = get_source(source).demo_dir
    args_file = demo_dir / "spider_args.json"
    spider_args = json.loads(args_file.read_text()) if args_file.exists() else None
    with serve_directory(demo_dir) as base_url:
        return crawl(source, base_url, spider_args=spider_args, echo=echo)


def ingest(
    sources: Iterable[str] | None = None,
    *,
    offline: bool = False,
    base_urls: dict[str, str] | None = None,
    echo: Echo = _log_echo,
) -> list[RunSummary]:
    """Crawl every given source; one failing source never stops the others.

    ``base_urls`` points chosen sources at mirrors (name -> base URL)."""
    summaries = []
    for source in sources or sorted(SOURCES):
        try:
            if offline:
                summaries.append(offline_crawl(source, echo=echo))
            else:
                summaries.append(crawl(source, (base_urls or {}).get(source), echo=echo))
        except Exception as error:  # record and go on: the next source must still run
            log.exception("crawl of %s failed", source)
            summaries.append(
                RunSummary(
                    crawl_run_id="",
                    source=source,
                    status="failed",
                    error=f"{type(error).__name__}: {error}",
                )
            )
            echo(summaries[-1].describe())
    return summaries


def describe_sources() -> list[tuple[object, RunSummary | None]]:
    """Every crawlable source with its terms and its latest run."""
    with RawStore(prepare_database()) as store:
        latest = store.latest_runs()
    return [(SOURCES[name], latest.get(name)) for name in sorted(SOURCES)]


def import_postings(path: Path, source: str, *, echo: Echo = _log_echo) -> RunSummary:
    from midtier.importer import import_file

    url = prepare_database()
    echo(f"importing {path} as {source}")
    summary = import_file(
        Path(path), source, url=url, progress=lambda n: echo(f"  {n} records read")
    )
    echo(summary.describe())
    return summary


def transform(*, full_refresh: bool = False, batched: bool = False, echo: Echo = _log_echo) -> None:
    """dbt build: seeds, staging, intermediate, marts, and every test.

    Incremental models re-process only new or changed postings (or all, when their rules
    changed); ``full_refresh`` rebuilds them from scratch; ``batched`` runs the per-posting
    models in batches over every posting first (after a rule change on a large database)."""
    from midtier import transform as dbt

    url = prepare_database()
    echo("running dbt build (seeds, models, tests)" + (", full refresh" if full_refresh else ""))
    dbt.build(url, full_refresh=full_refresh, batched=batched, echo=echo)
    echo("dbt build finished")


def catch_up_postings(*, echo: Echo = _log_echo) -> int:
    """Before the dbt models run one by one (Airflow), process what the per-posting models
    have to: a large backlog of new postings, or every posting after a rule change, in
    batches; the number of batches run (0 for an ordinary run)."""
    from midtier import transform as dbt

    return dbt.process_per_posting(prepare_database(), echo=echo)


def parse_dbt_project() -> Path:
    """Write dbt's manifest.json, from which Airflow renders the dbt tasks cheaply."""
    from midtier import transform as dbt

    return dbt.parse(prepare_database())


def check(
    run_checks: Callable,
    *,
    groups: Iterable[str] | None = None,
    sources: list[str] | None = None,
    validation_id: str | None = None,
    echo: Echo = _log_echo,
):
    """Run the Great Expectations suites (all groups unless ``groups`` names some: source_health,
    client_legitimacy, mart_integrity); return their summary.

    The checks sit above the steps (they read Midtier's database through it), so the caller
    hands them in: ``expectations.runner.run_checks``. The CLI runs them as their own command
    instead (``check_command``)."""
    url = prepare_database()
    echo("running data checks")
    summary = run_checks(url, groups=groups, sources=sources, validation_id=validation_id)
    echo(summary.describe())
    return summary


def check_command(*, echo: Echo = _log_echo) -> int:
    """Every check suite as its own process (``python -m expectations``); its exit status:
    1 when a critical suite failed."""
    url = prepare_database()
    echo("running data checks")
    result = subprocess.run(
        [sys.executable, "-m", "expectations"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    if result.stdout.strip():
        echo(result.stdout.rstrip())
    if result.returncode not in (0, 1):
        raise RuntimeError(
            f"the data checks stopped (exit {result.returncode}):\n"
            + "\n".join(result.stderr.strip().splitlines()[-10:])
        )
    return result.returncode


def export(
    out_dir: Path | None = None, *, force: bool = False, echo: Echo = _log_echo
) -> list[Path]:
    """Write the newsletter exports, unless the latest critical data checks failed.

    A blocked export writes nothing (earlier files stay as they were), records the reason in
    ``quality.publication_log`` and raises ``PublicationBlocked``; ``force`` publishes anyway
    (recorded as forced)."""
    from midtier import publication
    from midtier.exports import export as write_exports

    url = prepare_database()
    out_dir = Path(out_dir or load_settings().exports_dir)
    gate = publication.gate(url)
    if gate.blocked and not force:
        publication.record(
            url,
            validation_id=gate.validation_id,
            published=False,
            reason=gate.reason,
            out_dir=out_dir,
        )
        raise publication.PublicationBlocked(
            f"{gate.reason}; no exports written (fix the data and run `midtier check`, "
            f"or pass --force)"
        )
    if gate.validation_id is None:
        echo("warning: no data checks recorded yet; run `midtier check` before publishing")
    files = write_exports(out_dir, url)
    for path in files:
        echo(f"wrote {path}")
    publication.record(
        url,
        validation_id=gate.validation_id,
        published=True,
        reason=f"forced despite: {gate.reason}" if gate.blocked else None,
        out_dir=out_dir,
        files=files,
    )
    return files


def deliver(*, echo: Echo = _log_echo) -> list:
    """Send every webhook channel its new matching postings (``midtier.delivery``); one
    failing channel is recorded and never stops the others."""
    from midtier import delivery

    return delivery.run(prepare_database(), echo=echo)
