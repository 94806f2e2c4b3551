"""`midtier dashboard`: what the served app hides from visitors, and what --stop will signal."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from midtier import dashboard_server


def _wait_for_exec(pid: int, marker: bytes) -> None:
    """Until the child runs its own command (right after fork it still shows pytest's)."""
    deadline = time.monotonic() + 10
    while marker not in Path(f"/proc/{pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_visitors_get_no_error_details_and_no_deploy_button():
    command = dashboard_server.command("127.0.0.1", 8501)
    options = dict(zip(command[5::2], command[6::2]))
    assert options["--client.showErrorDetails"] == "false"
    assert options["--client.toolbarMode"] == "viewer"


def test_stop_leaves_a_process_that_is_not_its_dashboard_alone(midtier_home):
    # A stale PID file naming some other process group leader (the PID was reused).
    other = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        _wait_for_exec(other.pid, b"time.sleep")
        (midtier_home / "dashboard.pid").write_text(str(other.pid))
        assert dashboard_server.stop() is False
        assert other.poll() is None  # still running: never signalled
        assert not (midtier_home / "dashboard.pid").exists()
    finally:
        other.kill()
        other.wait()


def test_stop_ends_its_own_dashboard(midtier_home):
    # A stand-in with the dashboard's own command line (Streamlit never binds: bad port).
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(60)",
            "streamlit",
            "run",
            str(dashboard_server.APP),
        ],
        start_new_session=True,
    )
    try:
        _wait_for_exec(process.pid, b"streamlit")
        (midtier_home / "dashboard.pid").write_text(str(process.pid))
        assert dashboard_server.stop() is True
        assert process.wait(timeout=10) != 0
    finally:
        if process.poll() is None:
            process.kill()
