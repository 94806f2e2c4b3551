"""Headless Debian Chromium for screenshot tests (flags measured in ../shared/STACK-NOTES.md)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1600",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (`make browser` installs it)")
    return path


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="midtier-chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def wait_for_text(url: str, text: str, timeout: float = 90.0) -> str:
    """Poll the rendered DOM until ``text`` appears (Streamlit first paints a skeleton)."""
    deadline = time.monotonic() + timeout
    dom = ""
    while time.monotonic() < deadline:
        dom = _run(["--virtual-time-budget=10000", "--dump-dom", url], timeout=60).stdout
        if text in dom:
            return dom
        time.sleep(1)
    raise AssertionError(f"{text!r} never appeared at {url}; last DOM had {len(dom)} chars")


def screenshot(url: str, path: Path, attempts: int = 5) -> Path:
    """A PNG of the rendered page; retried because a busy machine can shoot the skeleton."""
    for _ in range(attempts):
        # Virtual time lets the page's websocket round trips finish before the shot is taken.
        _run(["--virtual-time-budget=20000", f"--screenshot={path}", url], timeout=90)
        if path.exists() and path.stat().st_size > 20_000:
            return path
        time.sleep(2)
    raise AssertionError(f"screenshot {path} is missing or blank after {attempts} attempts")
