"""A real local Airflow: api-server, scheduler and dag-processor with the LocalExecutor.

`midtier airflow up` prepares what the DAGs need before the dag-processor first reads them
(Airflow's metadata schema in an ``airflow`` database on Midtier's own PostgreSQL, the crawl
pool, the dbt manifest; the ``midtier_postgres`` connection comes from the environment), then
starts each component in its own session in the background. Everything listens on 127.0.0.1
only; state, secrets, PID files and logs live under ``MIDTIER_HOME/airflow``.

Anything already set in the environment wins (``AIRFLOW__...`` variables), so compose's
``airflow-init`` runs the same preparation (`midtier airflow prepare`) against its own settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from midtier import database, orchestration
from midtier.settings import Settings, load_settings

Echo = Callable[[str], None]

METADATA_DATABASE = "airflow"
# The components `up` starts, in order, with their arguments. No triggerer: no task defers.
# --skip-serve-logs: the scheduler's log server would bind every interface (port 8793); the
# LocalExecutor writes task logs to local files, which the api-server reads directly.
COMPONENTS = {
    "api-server": ("api-server", "--workers", "1"),
    "scheduler": ("scheduler", "--skip-serve-logs"),
    "dag-processor": ("dag-processor",),
}
SECRETS = {  # file name -> the Airflow setting it fills
    "fernet_key": "AIRFLOW__CORE__FERNET_KEY",
    "api_secret_key": "AIRFLOW__API__SECRET_KEY",
    "jwt_secret": "AIRFLOW__API_AUTH__JWT_SECRET",
}
DEFAULT_PORT = 8080
STOP_GRACE_SECONDS = 20


class AirflowLocalError(RuntimeError):
    """The local deployment could not do what was asked; the message says what to do."""


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    def pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

    def log_file(self, component: str) -> Path:
        return self.logs_dir / f"{component}.log"

    @property
    def started_database(self) -> Path:
        """Present while `up` owns the embedded server it started (`down` stops it too)."""
        return self.run_dir / "database.started"

    @property
    def passwords_file(self) -> Path:
        """Where Airflow's simple auth manager writes the generated admin password."""
        return self.home / "simple_auth_manager_passwords.json.generated"


def api_port() -> int:
    return int(os.environ.get("MIDTIER_AIRFLOW_PORT", DEFAULT_PORT))


def metadata_url(url: str) -> str:
    """Airflow's metadata database: ``airflow`` on the same server, through psycopg2, the
    driver Airflow's postgres extra installs (Airflow derives its asyncpg URL from this one)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2", path=f"/{METADATA_DATABASE}"))


def _libpq_url(sqlalchemy_url: str) -> str:
    """The SQLAlchemy URL without its driver name, for ``database.connect``."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+")[0]))


def _secret(paths: Paths, name: str) -> str:
    """A generated secret, kept in a file only this account can read; made on first use."""
    path = paths.secrets_dir / name
    if not path.exists():
        paths.secrets_dir.mkdir(parents=True, exist_ok=True)
        paths.secrets_dir.chmod(0o700)
        # a Fernet key is 32 random bytes, url-safe base64; the others are any random text
        value = (
            urlsafe_b64encode(os.urandom(32)).decode()
            if name == "fernet_key"
            else secrets.token_urlsafe(32)
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value)
    return path.read_text().strip()


def environment(settings: Settings, url: str) -> dict[str, str]:
    """The environment of every component and `airflow` command of the local deployment."""
    paths = Paths(settings.airflow_home)
    port = api_port()
    deployment = {
        **orchestration.airflow_environment(settings, url),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(url),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # two cores: a few task processes and one parser are plenty
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    }
    for name, variable in SECRETS.items():
        if variable not in os.environ:
            deployment[variable] = _secret(paths, name)
    return {**os.environ, **{key: os.environ.get(key, value) for key, value in deployment.items()}}


def airflow_command(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run one `airflow` command under the deployment's settings; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-8:])
        raise AirflowLocalError(f"`airflow {' '.join(args)}` failed:\n{detail}")
    return result.stdout


# -- preparation ------------------------------------------------------------------------------
def prepare(settings: Settings | None = None, *, echo: Echo = print) -> dict[str, str]:
    """Everything the DAGs need before the dag-processor first reads them; idempotent.
    Returns the deployment's environment."""
    from midtier import steps

    settings = settings or load_settings()
    url = steps.prepare_database()
    echo(
        f"database: {database.redact(url)}"
        f"{' (embedded)' if settings.uses_embedded_database else ''}"
    )
    env = environment(settings, url)
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    metadata = _libpq_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        database.ensure_database(metadata)
    except Exception as error:
        raise AirflowLocalError(
            f"cannot create Airflow's database `{METADATA_DATABASE}` at {database.redact(metadata)}: "
            f"{str(error).strip()} — create it, or let this user create databases"
        ) from error
    echo("migrating Airflow's metadata database (airflow db migrate)")
    airflow_command(env, "db", "migrate")
    slots = os.environ.get("MIDTIER_CRAWL_SLOTS", "2")
    if _pool_slots(metadata) != int(slots):
        airflow_command(
            env, "pools", "set", orchestration.CRAWL_POOL, slots, "Concurrent source crawls"
        )
    echo(f"pool {orchestration.CRAWL_POOL}: {slots} slots")
    echo(f"dbt manifest: {steps.parse_dbt_project()}")
    return env


def _pool_slots(metadata: str) -> int | None:
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        cur.execute("select slots from slot_pool where pool = %s", (orchestration.CRAWL_POOL,))
        row = cur.fetchone()
    return row[0] if row else None


# -- processes --------------------------------------------------------------------------------
def _pid(paths: Paths, component: str) -> int | None:
    """The component's process id, if that process still runs and is the one `up` started
    (the PID file holds its start time too: components rename themselves, and PIDs recycle)."""
    import psutil

    try:
        pid, created = paths.pid_file(component).read_text().split()
        process = psutil.Process(int(pid))
        if (
            abs(process.create_time() - float(created)) < 0.01
            and process.status() != psutil.STATUS_ZOMBIE
        ):
            return process.pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def _start(paths: Paths, component: str, env: dict[str, str]) -> int:
    paths.logs_dir.mkdir(parents=True, exist_ok=True)
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    with open(paths.log_file(component), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow", *COMPONENTS[component]],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=paths.home,
            # own session: `down` finds it and every process it forked (task runners, workers)
            start_new_session=True,
        )
    import psutil

    paths.pid_file(component).write_text(
        f"{process.pid} {psutil.Process(process.pid).create_time()}"
    )
    return process.pid


def _processes_of(pid: int) -> list:
    """The component's process and every process it started (same session or descendant)."""
    import psutil

    found = {}
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        found[root.pid] = root
        for child in root.children(recursive=True):
            found[child.pid] = child
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if process.pid not in found and os.getsid(process.pid) == pid:
                found[process.pid] = process
    return list(found.values())


def _stop(paths: Paths, component: str) -> bool:
    """SIGTERM to the component, which shuts its own processes down; whatever is left after
    the grace period (a task process, a worker) is terminated, then killed."""
    import psutil

    pid = _pid(paths, component)
    paths.pid_file(component).unlink(missing_ok=True)
    if pid is None:
        return False
    processes = _processes_of(pid)
    main = [process for process in processes if process.pid == pid]
    for process in main:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    psutil.wait_procs(main, timeout=STOP_GRACE_SECONDS)
    left = [process for process in {*processes, *_processes_of(pid)} if process.is_running()]
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(left, timeout=5)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=5)
    return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


# -- commands ---------------------------------------------------------------------------------
def up(*, echo: Echo = print, timeout: float = 300) -> None:
    """Prepare, then start whichever components are not running; wait until the API answers
    and the four DAGs are parsed."""
    settings = load_settings()
    paths = Paths(settings.airflow_home)
    running = {name for name in COMPONENTS if _pid(paths, name)}
    if running == set(COMPONENTS):
        echo(f"Airflow is already running: http://127.0.0.1:{api_port()}")
        return
    if "api-server" not in running and _port_in_use(api_port()):
        raise AirflowLocalError(
            f"port {api_port()} on 127.0.0.1 is in use: stop what holds it, or "
            f"set MIDTIER_AIRFLOW_PORT to a free port"
        )
    was_running = (
        settings.uses_embedded_database and database.EmbeddedPostgres(settings).is_running()
    )
    env = prepare(settings, echo=echo)
    if settings.uses_embedded_database and not was_running:
        paths.run_dir.mkdir(parents=True, exist_ok=True)
        paths.started_database.touch()
    started, since = time.monotonic(), datetime.now(UTC)
    try:
        for name in COMPONENTS:
            if name not in running:
                pid = _start(paths, name, env)
                echo(f"started {name} (pid {pid}, log {paths.log_file(name)})")
        echo(f"waiting for the API on http://127.0.0.1:{api_port()}")
        _wait(paths, lambda: _api_healthy(api_port()), timeout)
        echo("waiting for the dag-processor to parse the DAGs")
        metadata = _libpq_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        _wait(paths, lambda: _parsed(metadata, since), timeout)
    except BaseException:
        down(echo=echo, stop_database=False)
        raise
    errors = import_errors(metadata)
    if errors:
        raise AirflowLocalError(
            "DAG import errors:\n"
            + "\n".join(f"{file}: {text.strip().splitlines()[-1]}" for file, text in errors)
        )
    with contextlib.suppress(OSError):
        paths.passwords_file.chmod(0o600)
    echo(
        f"Airflow is up after {time.monotonic() - started:.0f} s: http://127.0.0.1:{api_port()} "
        f"(user admin, password in {paths.passwords_file}); logs in {paths.logs_dir}"
    )
    echo("trigger the pipeline with `midtier airflow trigger midtier_ingest --offline`")


def _wait(paths: Paths, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for name in COMPONENTS:
            if _pid(paths, name) is None:
                raise AirflowLocalError(f"the {name} stopped: see {paths.log_file(name)}")
        if time.monotonic() > deadline:
            raise AirflowLocalError(
                f"Airflow was not ready after {timeout:.0f} s: see the logs in {paths.logs_dir}"
            )
        time.sleep(1)


def _api_healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5
        ) as answer:
            return answer.status == 200
    except OSError:
        return False


def _parsed(metadata: str, since: datetime) -> bool:
    """Every DAG is serialized, or this start's parse found an import error."""
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from serialized_dag where dag_id = any(%s)",
            (list(orchestration.PIPELINE),),
        )
        parsed = cur.fetchone()[0]
        cur.execute("select count(*) from import_error where timestamp >= %s", (since,))
        return parsed == len(orchestration.PIPELINE) or cur.fetchone()[0] > 0


def import_errors(metadata: str) -> list[tuple[str, str]]:
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        cur.execute("select filename, stacktrace from import_error order by filename")
        return cur.fetchall()


def down(*, echo: Echo = print, stop_database: bool = True) -> None:
    """Stop every component and whatever it started; the embedded database too if `up` started it."""
    settings = load_settings()
    paths = Paths(settings.airflow_home)
    # the scheduler first: it stops its task processes before the API they report to goes
    for name in reversed(COMPONENTS):
        if _stop(paths, name):
            echo(f"stopped {name}")
    if stop_database and paths.started_database.exists():
        paths.started_database.unlink()
        if database.EmbeddedPostgres(settings).stop():
            echo("stopped the embedded PostgreSQL")


def status(*, echo: Echo = print) -> bool:
    """Each component and the last run of each DAG; whether every component runs."""
    settings = load_settings()
    paths = Paths(settings.airflow_home)
    all_running = True
    for name in COMPONENTS:
        pid = _pid(paths, name)
        all_running = all_running and pid is not None
        if pid:
            state = f"running (pid {pid})"
        else:  # a PID file left behind: the component died instead of being stopped
            state = "died, see its log" if paths.pid_file(name).exists() else "stopped"
        echo(f"{name:<14} {state:<22} log {paths.log_file(name)}")
    if _pid(paths, "api-server"):
        echo(f"{'api':<14} http://127.0.0.1:{api_port()}")
    try:
        url = database.database_url(settings, start=False)
        runs = last_runs(_libpq_url(metadata_url(url)))
    except Exception as error:  # status still shows the components when the database is down
        echo(f"DAG runs unavailable: {str(error).strip().splitlines()[0]}")
        return all_running
    for dag_id in orchestration.PIPELINE:
        paused, run = runs.get(dag_id, (None, None))
        if paused is None:
            echo(f"{dag_id:<18} not parsed yet")
            continue
        flag = "paused" if paused else "active"
        if run is None:
            echo(f"{dag_id:<18} {flag:<7} no runs")
        else:
            run_id, state, started_at, ended_at = run
            took = (
                f", {(ended_at - started_at).total_seconds():.0f} s"
                if started_at and ended_at
                else ""
            )
            echo(f"{dag_id:<18} {flag:<7} last run {run_id}: {state}{took}")
    return all_running


def last_runs(metadata: str) -> dict[str, tuple[bool, tuple | None]]:
    """dag id -> (paused, (run id, state, start, end) of its latest run or None)."""
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        cur.execute(
            """select d.dag_id, d.is_paused, r.run_id, r.state, r.start_date, r.end_date
                 from dag d
                 left join lateral (select run_id, state, start_date, end_date from dag_run
                                     where dag_run.dag_id = d.dag_id
                                     order by run_after desc, id desc limit 1) r on true
                where d.dag_id = any(%s)""",
            (list(orchestration.PIPELINE),),
        )
        return {
            dag_id: (paused, (run_id, state, start, end) if run_id else None)
            for dag_id, paused, run_id, state, start, end in cur.fetchall()
        }


def trigger(
    dag_id: str,
    *,
    offline: bool = False,
    wait: bool = True,
    timeout: float = 900,
    echo: Echo = print,
) -> bool:
    """Trigger a run of ``dag_id`` (unpausing the pipeline's DAGs first); with ``wait``, follow
    it and the runs its Assets start downstream until export or a failure. Whether all succeeded."""
    settings = load_settings()
    paths = Paths(settings.airflow_home)
    if dag_id not in orchestration.PIPELINE:
        raise AirflowLocalError(
            f"unknown DAG {dag_id!r}; known: {', '.join(orchestration.PIPELINE)}"
        )
    missing = [name for name in COMPONENTS if _pid(paths, name) is None]
    if missing:
        raise AirflowLocalError(
            f"Airflow is not running ({', '.join(missing)} stopped): run `midtier airflow up`"
        )
    url = database.database_url(settings)
    env = environment(settings, url)
    metadata = _libpq_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    since = datetime.now(UTC)
    airflow_command(env, "dags", "unpause", "--treat-dag-id-as-regex", "^midtier_", "--yes")
    conf = json.dumps({"offline": True}) if offline else "{}"
    run_id = f"manual__{since.isoformat()}"
    airflow_command(env, "dags", "trigger", dag_id, "--conf", conf, "--run-id", run_id)
    echo(f"triggered {dag_id} ({run_id})" + (" offline" if offline else ""))
    if not wait:
        return True
    chain = orchestration.PIPELINE[orchestration.PIPELINE.index(dag_id) :]
    return _follow(paths, metadata, chain, run_id, since, timeout, echo)


def _follow(
    paths: Paths,
    metadata: str,
    chain: tuple[str, ...],
    run_id: str | None,
    since: datetime,
    timeout: float,
    echo: Echo,
) -> bool:
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    for position, dag_id in enumerate(chain):
        shown = None
        while True:
            run = _run_after(metadata, dag_id, run_id if position == 0 else None, since)
            state = run[1] if run else "waiting for its Asset"
            if state != shown:
                echo(f"{time.monotonic() - started:5.0f} s  {dag_id}: {state}")
                shown = state
            if state in ("success", "failed"):
                break
            for name in COMPONENTS:
                if _pid(paths, name) is None:
                    raise AirflowLocalError(f"the {name} stopped: see {paths.log_file(name)}")
            if time.monotonic() > deadline:
                echo(
                    f"gave up waiting after {timeout:.0f} s; `midtier airflow status` shows the runs"
                )
                return False
            time.sleep(3)
        if state == "failed":
            for task_id, log_dir in _failed_tasks(metadata, dag_id, run[0]):
                echo(f"  failed task {task_id}: logs in {log_dir}")
            return False
    return True


def _run_after(metadata: str, dag_id: str, run_id: str | None, since: datetime):
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        if run_id:
            cur.execute(
                "select run_id, state from dag_run where dag_id = %s and run_id = %s",
                (dag_id, run_id),
            )
        else:
            cur.execute(
                "select run_id, state from dag_run where dag_id = %s and queued_at >= %s "
                "order by queued_at desc limit 1",
                (dag_id, since),
            )
        return cur.fetchone()


def _failed_tasks(metadata: str, dag_id: str, run_id: str) -> list[tuple[str, Path]]:
    log_root = Path(
        orchestration.airflow_environment(load_settings())["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]
    )
    with contextlib.closing(database.connect(metadata)) as conn, conn.cursor() as cur:
        cur.execute(
            "select distinct task_id from task_instance where dag_id = %s and run_id = %s "
            "and state in ('failed', 'upstream_failed') order by task_id",
            (dag_id, run_id),
        )
        return [
            (task_id, log_root / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}")
            for (task_id,) in cur.fetchall()
        ]
