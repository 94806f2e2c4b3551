"""A real loopback HTTP server answering at GitHub's API paths with recorded responses.

It answers like api.github.com does: JSON with an ``ETag`` (a 304 to a matching
``If-None-Match``), ``X-RateLimit-*`` headers, 404 ``Not Found`` objects for unknown paths,
and, when asked, a 403 "API rate limit exceeded" with ``X-RateLimit-Remaining: 0``. Every
request is logged (method, path with its query decoded, status) for the tests to inspect.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

FIXTURES = Path(__file__).parent / "fixtures" / "github"
LOGIN = "octo-ada"
MERGED_QUERY = f"/search/issues?q=type:pr is:merged author:{LOGIN} -user:{LOGIN}&per_page=100"
REVIEWED_QUERY = (
    f"/search/issues?q=type:pr reviewed-by:{LOGIN} -author:{LOGIN} -user:{LOGIN}&per_page=100"
)
GIST_FILE = "/octo-ada/4f1c2b9a7e0d3c5b8a6f/raw/8c1e0b2f9d3a/pg_lag.sql"


def recorded_routes() -> dict[str, bytes]:
    """GitHub's paths (query included where GitHub needs one) -> recorded bodies."""
    routes = {
        MERGED_QUERY: "search/merged.json",
        REVIEWED_QUERY: "search/reviewed.json",
        f"/users/{LOGIN}": f"users/{LOGIN}.json",
        f"/users/{LOGIN}/gists?per_page=30": f"users/{LOGIN}/gists.json",
        f"/users/{LOGIN}/repos?type=owner&sort=pushed&per_page=100": f"users/{LOGIN}/repos.json",
        GIST_FILE: "gist_files/pg_lag.sql",
    }
    for path in sorted(FIXTURES.glob("repos/**/*.json")):
        relative = path.relative_to(FIXTURES).as_posix()[: -len(".json")]
        suffix = "?per_page=100" if relative.endswith("/files") else ""
        routes[f"/{relative}{suffix}"] = relative + ".json"
    return {route: (FIXTURES / name).read_bytes() for route, name in routes.items()}


@dataclass
class GithubServer:
    routes: dict[str, bytes] = field(default_factory=recorded_routes)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    # path -> seconds: the first request gets a primary rate-limit 403 resetting that far ahead
    rate_limited_once: dict[str, float] = field(default_factory=dict)
    # path -> seconds: the first request gets a secondary rate-limit 403 with that Retry-After
    secondary_limited_once: dict[str, int] = field(default_factory=dict)
    url: str = ""

    def set_json(self, route: str, data) -> None:
        self.routes[route] = json.dumps(data).encode()

    def answer(self, route: str, if_none_match: str | None) -> tuple[int, dict[str, str], bytes]:
        reset = int(time.time()) + 3600
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "59",
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }
        if route in self.rate_limited_once:
            wait = self.rate_limited_once.pop(route)
            headers.update(
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time() + wait))}
            )
            body = json.dumps(
                {
                    "message": "API rate limit exceeded for 127.0.0.1. (But here's the good "
                    "news: Authenticated requests get a higher rate limit.)",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                }
            )
            return 403, headers, body.encode()
        if route in self.secondary_limited_once:
            headers["Retry-After"] = str(self.secondary_limited_once.pop(route))
            body = json.dumps(
                {
                    "message": "You have exceeded a secondary rate limit. Please wait a "
                    "few minutes before you try again.",
                    "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                }
            )
            return 403, headers, body.encode()
        body = self.routes.get(route)
        if body is None:
            body = json.dumps(
                {
                    "message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "404",
                }
            ).encode()
            return 404, headers, body
        etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers["ETag"] = etag
        headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
        if if_none_match == etag:
            return 304, headers, b""
        if route.endswith(".sql"):
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return 200, headers, body


@contextlib.contextmanager
def serve(server: GithubServer | None = None) -> Iterator[GithubServer]:
    server = server or GithubServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            route = unquote(self.path)
            status, headers, body = server.answer(route, self.headers.get("If-None-Match"))
            server.log.append(("GET", route, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
