"""The embedded PostgreSQL as a newcomer meets it: started from a private directory, behind a
password, and failing with one line that says what to do.

Each test starts a server of its own (own MIDTIER_HOME, own port) and removes it afterwards.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from midtier import database
from midtier.settings import PROJECT_ROOT, load_settings


def _settings(home: Path):
    base = load_settings()
    return type(base)(
        **{**base.__dict__, "home": home, "database_url": None, "pg_port": database._free_port()}
    )


def _modes_above(path: Path) -> dict[str, tuple[int, int, int]]:
    """Mode, owner and group of every directory above ``path`` (as `stat -c '%a %U'` sees them)."""
    result = {}
    for parent in path.parents:
        info = parent.stat()
        result[str(parent)] = (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    return result


@pytest.fixture
def private_dir():
    """A directory only its owner may enter, as `mktemp -d` and a Debian home are."""
    with tempfile.TemporaryDirectory(prefix="midtier-private-") as name:
        path = Path(name)
        path.chmod(0o700)
        yield path


@pytest.fixture
def server_in(request):
    started = []

    def start(home: Path) -> tuple[database.EmbeddedPostgres, str]:
        server = database.EmbeddedPostgres(_settings(home))
        started.append(server)
        return server, server.start()

    yield start
    for server in started:
        server.remove()


def test_a_server_starts_below_a_private_directory_and_changes_no_mode_above_it(
    private_dir, server_in
):
    home = private_dir / "clone" / ".midtier"
    home.mkdir(parents=True)
    before = _modes_above(home)

    server, url = server_in(home)

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select 1")
        assert cur.fetchone() == (1,)
    assert _modes_above(home) == before
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    if os.geteuid() == 0:
        # The data the server user must reach is outside the private tree, and linked from it.
        assert private_dir not in server.data_dir.parents
        assert (home / "postgres" / "cluster").resolve() == server.cluster_dir
    else:
        assert server.data_dir == home / "postgres" / "data"


def test_remove_deletes_the_cluster_and_leaves_the_system_dir(private_dir, server_in):
    server, _ = server_in(private_dir / "home")
    cluster = server.cluster_dir
    server.remove()
    assert not (server.data_dir / "PG_VERSION").exists()
    assert not server.password_file.exists()
    if os.geteuid() == 0:
        assert not cluster.exists() and cluster.parent.is_dir()


def test_connecting_without_the_password_fails(private_dir, server_in):
    server, url = server_in(private_dir / "home")
    for password in (None, "guess"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(
                host="127.0.0.1",
                port=server.port,
                user=database.SUPERUSER,
                password=password,
                dbname=database.DATABASE_NAME,
            )


def test_a_cluster_made_with_trust_auth_gets_a_password_on_its_next_start(server_in):
    # An earlier release initialised clusters with --auth=trust inside MIDTIER_HOME (whose
    # parents it made traversable); the next start must close that door.
    with tempfile.TemporaryDirectory(prefix="midtier-legacy-") as name:
        Path(name).chmod(0o755)
        home = Path(name) / "home"
        server = database.EmbeddedPostgres(_settings(home))
        server.root.mkdir(parents=True)
        if os.geteuid() == 0:
            entry = database._server_user()
            os.chown(server.root, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            [
                str(server.bin / "initdb"),
                "-D",
                str(server.root / "data"),
                "-U",
                database.SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ],
            check=True,
            capture_output=True,
            cwd="/",
            **server._run_as(),
        )
        server, url = server_in(home)

        assert server.data_dir == home / "postgres" / "data"
        assert "scram-sha-256" in (server.data_dir / "pg_hba.conf").read_text()
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(
                host="127.0.0.1",
                port=server.port,
                user=database.SUPERUSER,
                dbname=database.DATABASE_NAME,
            )
        psycopg.connect(url).close()
        server.remove()


def test_a_server_that_cannot_start_says_why_and_what_to_do_in_one_line(private_dir, server_in):
    home = private_dir / "home"
    server, _ = server_in(home)
    server.stop()
    with open(server.data_dir / "postgresql.conf", "a") as conf:
        conf.write("shared_buffers = 'a lot'\n")

    env = {**os.environ, "MIDTIER_HOME": str(home), "MIDTIER_PG_PORT": str(server.port)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "midtier", "db", "up"],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )

    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "shared_buffers" in message and "midtier db remove" in message
