"""Starting and stopping the Streamlit dashboard against Midtier's database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from midtier import steps
from midtier.settings import PROJECT_ROOT, load_settings

APP = PROJECT_ROOT / "dashboards" / "app.py"


def _pid_file():
    return load_settings().home / "dashboard.pid"


def command(address: str, port: int) -> list[str]:
    # Visitors see friendly messages only: no tracebacks (they go to the log), no "Deploy".
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def wait_healthy(address: str, port: int, timeout: float = 60.0, process=None) -> bool:
    url = f"http://{address}:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def serve(
    *, address: str = "127.0.0.1", port: int = 8501, background: bool = False, echo=print
) -> int:
    url = steps.prepare_database()
    env = {**os.environ, "DATABASE_URL": url}
    if not background:
        echo(f"serving the dashboard on http://{address}:{port} (Ctrl+C to stop)")
        return subprocess.call(command(address, port), env=env, cwd=PROJECT_ROOT)
    stop()
    settings = load_settings()
    log_file = settings.logs_dir / "dashboard.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            command(address, port),
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _pid_file().write_text(str(process.pid))
    if not wait_healthy(address, port, process=process):
        stop()
        echo(f"the dashboard did not start; see {log_file}")
        return 1
    echo(f"dashboard running on http://{address}:{port} (stop it with `midtier dashboard --stop`)")
    return 0


def is_our_dashboard(pid: int) -> bool:
    """Whether ``pid`` is a Streamlit serving this project's app and leads its own process
    group (as ``serve`` starts it): a stale PID file may name any process by now."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        leads_group = os.getpgid(pid) == pid
    except (OSError, ProcessLookupError):
        return False
    return (
        leads_group
        and any(b"streamlit" in argument for argument in arguments)
        and str(APP).encode() in arguments
    )


def stop() -> bool:
    pid_file = _pid_file()
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return False
    pid_file.unlink(missing_ok=True)
    if not is_our_dashboard(pid):
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True
