"""Run the dbt project (``dbt/``) in-process: seeds, models, tests and unit tests.

dbt reads its connection only from ``MIDTIER_DB_*`` environment variables (see
``dbt/profiles.yml``); this module sets them from a database URL. Target and log
directories live under ``MIDTIER_HOME/dbt/`` so the checkout stays clean.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from midtier import seed_loads
from midtier.database import DatabaseError, connect, connection_parts, database_url, redact
from midtier.settings import PROJECT_ROOT, load_settings

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"


def project_var(name: str):
    """A var as dbt_project.yml sets it (the one place each is set), for pages and tools that
    explain what dbt did with it."""
    import yaml

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"][name]


# Fills the profile for commands that never connect (parse) when no server is known.
PARSE_ONLY_URL = "postgresql://postgres@127.0.0.1:5432/midtier"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

# The models tagged per_posting that hold one row per processed posting (the pairs model,
# also tagged, holds pairs): how far a build has come through the postings.
PER_POSTING_MODELS = (
    "int_posting_fingerprints",
    "int_postings_budgeted",
    "int_postings_classified",
    "int_postings_skill_tagged",
    "int_postings_text_signals",
)

# dbt reads its global flags from the process environment, so runs are serialised.
_dbt_lock = threading.Lock()


# the error of dbt/macros/incremental/incremental_postings.sql refuse_unbatched_backlog
_BATCH_REFUSED = "more than one batch"


class TransformError(RuntimeError):
    """A dbt command failed; the message names the failing nodes."""

    def __init__(self, message: str, failures: list[str] | None = None):
        super().__init__(message)
        self.failures = failures or []


def profile_env(url: str) -> dict[str, str]:
    """The ``MIDTIER_DB_*`` variables ``dbt/profiles.yml`` reads, taken from a URL."""
    parts = connection_parts(url)
    return {
        "MIDTIER_DB_HOST": parts["host"],
        "MIDTIER_DB_PORT": parts["port"],
        "MIDTIER_DB_USER": parts["user"],
        "MIDTIER_DB_PASSWORD": parts["password"],
        "MIDTIER_DB_NAME": parts["dbname"],
    }


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _failures(result) -> list[str]:
    """'<status> <node>: <message>' for every node that errored or failed."""
    failures = []
    outcome = getattr(result, "result", None)
    for node_result in getattr(outcome, "results", None) or []:
        status = str(getattr(node_result.status, "value", node_result.status))
        if status in {"error", "fail", "runtime error"}:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", None) or getattr(node, "name", "?")
            message = _ANSI_ESCAPE.sub("", node_result.message or "")
            lines = [line.strip() for line in message.splitlines() if line.strip()]
            detail = " | ".join(lines[:6])
            failures.append(f"{status} {name}: {detail}" if detail else f"{status} {name}")
    return failures


def run_dbt(args: list[str], url: str | None = None) -> object:
    """Run one dbt command (e.g. ``["build"]``) against the database at ``url``.

    Uses ``database_url()`` (DATABASE_URL or the embedded server) when ``url`` is None.
    Returns dbt's result for the command (e.g. the compiled nodes of ``compile``).
    Raises TransformError listing the failing nodes when dbt does not succeed.
    """
    from dbt.cli.main import dbtRunner  # heavy import: only when dbt is actually run

    url = url or database_url()
    settings = load_settings()
    settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    settings.dbt_log_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(settings.dbt_target_dir),
        "--log-path",
        str(settings.dbt_log_dir),
    ]
    environment = {
        **profile_env(url),
        # an unbatched run with more stale postings than this stops (macro
        # refuse_unbatched_backlog) and build() re-processes them in batches
        "MIDTIER_TRANSFORM_BATCH_POSTINGS": str(settings.transform_batch_postings),
        # the registry's minimum cell size (macro registry_min_cell_size)
        "MIDTIER_REGISTRY_MIN_CELL_SIZE": str(settings.registry_min_cell_size),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": os.environ.get("DBT_PARTIAL_PARSE", "true"),
    }
    with _dbt_lock, _environment(environment):
        result = dbtRunner().invoke(command)
    if result.success:
        return result.result
    failures = _failures(result)
    summary = f"dbt {' '.join(args)} failed against {redact(url)}"
    if failures:
        summary += ":\n  " + "\n  ".join(failures)
    elif result.exception is not None:
        summary += f": {result.exception}"
    summary += f"\n(full log: {settings.dbt_log_dir / 'dbt.log'})"
    raise TransformError(summary, failures)


def _url_without_starting() -> str:
    try:
        return database_url(start=False)
    except DatabaseError:
        return PARSE_ONLY_URL


def posting_backlog(url: str) -> int:
    """Raw postings the per-posting models hold no row for yet (0 when all are processed).

    Counts rows, not versions: postings re-processed because they changed, or because a
    model's rules changed, are not counted (their number is known only inside dbt).
    """
    with contextlib.closing(connect(url)) as conn, conn.cursor() as cur:
        return _backlog(cur)[1]


def _backlog(cur) -> tuple[int, int]:
    """(raw postings, of which without per-posting rows)."""
    cur.execute("select count(*) from raw.postings")
    postings = cur.fetchone()[0]
    processed = postings
    for model in PER_POSTING_MODELS:
        cur.execute("select to_regclass(%s) is not null", (f"intermediate.{model}",))
        if not cur.fetchone()[0]:
            return postings, postings
        cur.execute(f"select count(*) from intermediate.{model}")
        processed = min(processed, cur.fetchone()[0])
    return postings, max(postings - processed, 0)


def _analyze_raw(cur) -> None:
    """Fresh statistics (posting ids: postings_posting_id_key) for the models' plans before
    they read many new postings: autovacuum may not have analysed a big import yet, and the
    pay parser planned on an unanalysed 100k took minutes instead of 20 s."""
    cur.execute("analyze raw.postings")


def batch_bounds(backlog: int, batch_postings: int) -> list[str]:
    """The md5 hex prefixes between batches of about ``batch_postings`` of the backlog (one
    fewer than the batches; none when the backlog fits in one)."""
    batches = -(-backlog // max(batch_postings, 1))
    return [f"{index * 0x10000 // batches:04x}" for index in range(1, batches)]


def catch_up(
    url: str | None = None,
    *,
    batch_postings: int | None = None,
    every_posting: bool = False,
    echo: Callable[[str], None] = log.info,
) -> int:
    """Work a large backlog of unprocessed postings off in batches; the number of batches run.

    ``every_posting`` batches over all raw postings, whatever the backlog count says: after a
    seed, var or per-posting model changed (the count cannot see that; each batch then
    re-processes the postings of its range that are stale).

    Posting ids are md5 hashes, so ranges of them split the postings evenly. Each batch is
    one ``dbt run`` of the per-posting models (tag per_posting) over the postings whose id
    falls in one range (the last one open-ended); the build that follows processes only what
    changed meanwhile. One statement over a
    million postings sorts and hashes beyond memory and slows down more than linearly; a
    batch costs what an incremental run of its size does. Nothing is batched when the
    backlog fits in one batch (every ordinary run).
    """
    url = url or database_url()
    batch_postings = batch_postings or load_settings().transform_batch_postings
    with contextlib.closing(connect(url)) as conn, conn, conn.cursor() as cur:
        postings, backlog = _backlog(cur)
        if every_posting:
            backlog = postings
        if backlog > postings // 10:
            _analyze_raw(cur)
        bounds = batch_bounds(backlog, batch_postings)
        if not bounds:
            return 0
    batches = len(bounds) + 1
    echo(
        f"{backlog:,} postings to {'check' if every_posting else 'process'}: the per-posting "
        f"models run in {batches} batches of about {batch_postings:,}"
    )
    # what they read (seeds, staging views) may not exist yet on a first build
    run_dbt(
        [
            "build",
            "--select",
            "+tag:per_posting",
            *_excluding(["tag:per_posting"], _unchanged_seeds(url)),
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ],
        url,
    )
    for number, (start, bound) in enumerate(zip(["", *bounds], [*bounds, ""]), start=1):
        started = time.perf_counter()
        run_dbt(
            [
                "run",
                "--select",
                "tag:per_posting",
                "--vars",
                json.dumps({"posting_id_from": start, "posting_id_below": bound}),
            ],
            url,
        )
        echo(
            f"batch {number}/{batches} (posting ids {start or '0'}…{bound or 'f'}) done in "
            f"{time.perf_counter() - started:.0f} s"
        )
    return batches


def build(
    url: str | None = None,
    *,
    full_refresh: bool = False,
    batched: bool = False,
    echo: Callable[[str], None] = log.info,
) -> None:
    """``dbt build``: seeds, models and data tests, in dependency order.

    Unit tests check the SQL, not the data, so they run in development and CI
    (:func:`unit_test`), not on every transform. ``full_refresh`` rebuilds the
    incremental models from scratch instead of processing new and changed postings;
    otherwise a large backlog of new postings is first worked off in batches (:func:`catch_up`;
    ``batched``: over every posting). After a rule, seed or var change that leaves more
    postings stale than one batch, the per-posting models refuse to run unbatched; the
    build then re-processes every posting in batches and runs again.
    """
    url = url or database_url()
    if full_refresh:
        # every posting is read again: as for a large backlog (catch_up), plan on fresh statistics
        with contextlib.closing(connect(url)) as conn, conn, conn.cursor() as cur:
            _analyze_raw(cur)
    else:
        catch_up(url, every_posting=batched, echo=echo)
    command = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        *(["--full-refresh"] if full_refresh else _excluding([], _unchanged_seeds(url))),
    ]
    try:
        run_dbt(command, url)
    except TransformError as error:
        if full_refresh or batched or not _refused_unbatched(error):
            raise
        _reprocess_in_batches(url, echo)
        run_dbt(command, url)
    seed_loads.record_loaded(url, DBT_PROJECT_DIR, list(seed_loads.seed_files(DBT_PROJECT_DIR)))


def _unchanged_seeds(url: str) -> list[str]:
    return seed_loads.loaded_unchanged(url, DBT_PROJECT_DIR)


def _excluding(selectors: list[str], seeds: list[str]) -> list[str]:
    """One ``--exclude`` (dbt takes a space-separated union) for selectors and skipped seeds;
    a skipped seed's data tests go with it."""
    union = [*selectors, *seeds]
    return ["--exclude", " ".join(union)] if union else []


def _refused_unbatched(error: TransformError) -> bool:
    return any(_BATCH_REFUSED in failure for failure in error.failures)


def _reprocess_in_batches(url: str, echo: Callable[[str], None]) -> int:
    # a rule, seed or var changed since the postings were processed: every one is stale,
    # more than one batch, and the per-posting models refused to run them unbatched
    echo(
        "more postings are stale than one batch (a rule, seed or var changed since they were "
        "processed): re-processing every posting in batches"
    )
    return catch_up(url, every_posting=True, echo=echo)


def process_per_posting(url: str | None = None, *, echo: Callable[[str], None] = log.info) -> int:
    """The per-posting models (and the seeds and views they read), before the rest of the
    project runs node by node (Airflow): a backlog of new postings in batches
    (:func:`catch_up`), anything else stale in one run unless that is more than one batch
    (after a rule change), then in batches too. The number of batches run (0: one run)."""
    url = url or database_url()
    batches = catch_up(url, echo=echo)
    if batches:
        return batches
    try:
        run_dbt(
            [
                "build",
                "--select",
                "+tag:per_posting",
                *_excluding([], _unchanged_seeds(url)),
                "--exclude-resource-type",
                "test",
                "--exclude-resource-type",
                "unit_test",
            ],
            url,
        )
    except TransformError as error:
        if not _refused_unbatched(error):
            raise
        return _reprocess_in_batches(url, echo)
    return 0


def unit_test(url: str | None = None) -> int:
    """Every dbt ``unit_tests:`` case (needs the seeds and upstream relations to exist);
    returns how many ran, and fails when none did (a selector that matches nothing passes)."""
    result = run_dbt(["test", "--select", "test_type:unit"], url)
    ran = sum(
        1
        for item in getattr(result, "results", None) or []
        if getattr(item.node, "resource_type", None) == "unit_test"
    )
    if not ran:
        raise TransformError("dbt selected no unit test (test_type:unit): nothing was checked")
    return ran


def parse(url: str | None = None) -> Path:
    """``dbt parse``; returns the manifest.json path (what Airflow/Cosmos loads the DAG from).

    Parsing never connects, so without a URL no database is started: the profile is
    filled from DATABASE_URL, the embedded server's last URL, or a placeholder.
    """
    run_dbt(["parse"], url or _url_without_starting())
    manifest = load_settings().dbt_target_dir / "manifest.json"
    if not manifest.exists():
        raise TransformError(f"dbt parse succeeded but wrote no manifest at {manifest}")
    return manifest
