"""A loopback HTTP server that replays recorded source responses at their real paths.

Offline runs point each spider's ``base_url`` at it, so the demo exercises the same spider,
pipeline and raw tables as a live crawl.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path


class _ReplayHandler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        # Recorded API responses are stored without an extension (e.g. `api`).
        return "application/json" if not Path(str(path)).suffix else super().guess_type(path)

    def log_message(self, format, *args):  # keep demo output quiet
        pass


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at a free port; yield its base URL."""
    handler = functools.partial(_ReplayHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
