"""`midtier api`: a read-only HTTP API over the marts and the published exports.

FastAPI served by uvicorn, bound to 127.0.0.1 by default. It reads ``marts.*`` only (and, to
resolve a personal feed's token, ``registry.feed_profiles``): postings with the Feed's
filters (``midtier.feed_query``, so the same filters give the same postings in the same
order as the dashboard), rate percentiles, personal Atom/RSS feeds, the latest digest and
the export files. Every answer carries an ``ETag`` (a hash of its body) and, where the data
has a time, ``Last-Modified``; a request repeating them gets 304. Each client (by address)
may make ``MIDTIER_API_REQUESTS_PER_MINUTE`` requests a minute; more get 429.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg import errors

from midtier import database, exports, feed_profiles, feed_query
from midtier.settings import load_settings
from midtier.taxonomy import load_skills

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8502
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
RATES = "marts.rpt_rate_percentiles"
MEDIA_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}


class RateLimiter:
    """At most ``per_minute`` requests per client in any sliding minute."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int:
        """0 when the request may go ahead (and it is counted), else seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and now - seen[0] >= 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return max(1, int(60 - (now - seen[0])) + 1)
            seen.append(now)
            if len(self._seen) > 10_000:  # forget idle clients rather than grow without bound
                for key in [key for key, times in self._seen.items() if now - times[-1] >= 60]:
                    del self._seen[key]
            return 0


def create_app(url: str | None = None) -> FastAPI:
    """The API over the database at ``url`` (default: ``DATABASE_URL`` or the embedded one)."""
    settings = load_settings()
    app = FastAPI(
        title="Midtier API",
        version="1",
        description="Read-only: postings with the Feed's filters, market rates, personal "
        "feeds, the latest digest and the published export files.",
    )
    limiter = RateLimiter(settings.api_requests_per_minute)

    def database_url() -> str:
        return url or database.database_url(start=False)

    @app.middleware("http")
    async def rate_limit(request: Request, call_next):
        client = request.client.host if request.client else "unknown"
        wait = limiter.retry_after(client)
        if wait:
            return JSONResponse(
                {"detail": "Too many requests; slow down."},
                status_code=429,
                headers={"Retry-After": str(wait)},
            )
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError):
        problems = [
            {"parameter": str(problem["loc"][-1]), "message": problem["msg"]}
            for problem in error.errors()
        ]
        names = ", ".join(dict.fromkeys(problem["parameter"] for problem in problems))
        return JSONResponse(
            {"detail": f"Bad parameter: {names}", "problems": problems}, status_code=422
        )

    @app.exception_handler(database.DatabaseError)
    async def no_database(request: Request, error: database.DatabaseError):
        return JSONResponse({"detail": "The data is not available right now."}, status_code=503)

    @app.get("/postings", summary="Postings with the Feed's filters, freshest first")
    def postings(
        request: Request,
        skills: Annotated[str | None, Query(description="comma-separated skill slugs")] = None,
        min_hourly_usd: Annotated[float, Query(ge=0, le=10_000)] = 0,
        engagement_types: Annotated[str | None, Query(description="comma-separated")] = None,
        regions: Annotated[str | None, Query(description="comma-separated")] = None,
        min_legitimacy: Annotated[int, Query(ge=0, le=100)] = 0,
        mid_market_only: bool = False,
        posted_within_days: Annotated[int, Query(ge=0, le=3650)] = 0,
        q: Annotated[str, Query(max_length=200)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> Response:
        filters = feed_query.PostingFilters(
            skills=_skill_list(skills),
            min_hourly_usd=min_hourly_usd,
            engagement_types=_list("engagement_types", engagement_types),
            regions=_list("regions", regions),
            min_legitimacy=min_legitimacy,
            mid_market_only=mid_market_only,
            posted_within_days=posted_within_days,
            search=feed_query.visitor_text(q),
        )
        try:
            after = feed_query.cursor_keys(cursor) if cursor else None
        except feed_query.BadCursor as error:
            raise _bad("cursor", str(error)) from error
        with _cursor(database_url()) as cur:
            _require_mart(cur)
            sql, parameters = feed_query.postings_query(filters, limit=limit + 1, after=after)
            cur.execute(sql, parameters)
            rows = _rows(cur)
        page = rows[:limit]
        body = {
            "postings": [exports.json_record(exports.publishable(row)) for row in page],
            "next_cursor": feed_query.cursor_after(page[-1]) if len(rows) > limit else None,
        }
        return _conditional(request, _json(body), "application/json", _newest(page))

    @app.get("/rates", summary="Market rate percentiles by skill, engagement type, region, month")
    def rates(
        request: Request,
        skill: Annotated[str | None, Query(max_length=100)] = None,
        engagement_type: Annotated[str | None, Query(max_length=50)] = None,
        region: Annotated[str | None, Query(max_length=50)] = None,
    ) -> Response:
        with _cursor(database_url()) as cur:
            try:
                cur.execute(
                    f"""
                    select skill, engagement_type, region, month, rate_unit, n,
                           p10::float as p10, p25::float as p25, p50::float as p50,
                           p75::float as p75, p90::float as p90
                    from {RATES}
                    where (%(skill)s::text is null or skill = %(skill)s)
                      and (%(type)s::text is null or engagement_type = %(type)s)
                      and (%(region)s::text is null or region = %(region)s)
                    order by skill, engagement_type, region, month
                    """,
                    {"skill": skill, "type": engagement_type, "region": region},
                )
            except errors.UndefinedTable as error:
                raise HTTPException(503, "The rate report has not been built yet.") from error
            rows = _rows(cur)
        body = {"rates": [{key: _plain(value) for key, value in row.items()} for row in rows]}
        return _conditional(request, _json(body), "application/json", None)

    @app.get("/feeds/{token}.atom", summary="A personal feed (Atom)")
    def personal_atom(request: Request, token: str) -> Response:
        return _personal_feed(request, token, atom=True)

    @app.get("/feeds/{token}.rss", summary="A personal feed (RSS)")
    def personal_rss(request: Request, token: str) -> Response:
        return _personal_feed(request, token, atom=False)

    def _personal_feed(request: Request, token: str, *, atom: bool) -> Response:
        url = database_url()
        profile = feed_profiles.by_feed_token(url, token)
        if profile is None:  # unknown and revoked tokens alike
            raise HTTPException(404, "No such feed.")
        with _cursor(url) as cur:
            _require_mart(cur)
            sql, parameters = feed_query.postings_query(
                profile.filters(), limit=exports.FEED_ITEM_LIMIT, profile=profile.profile()
            )
            cur.execute(sql, parameters)
            rows = [exports.publishable(row) for row in _rows(cur)]
        title = f"{exports.FEED_TITLE} (your profile)"
        key = f"profile:{profile.profile_id}"
        body = (
            exports.postings_atom(rows, title=title, feed_key=key)
            if atom
            else exports.postings_rss(rows, title=title, feed_key=key)
        )
        media = MEDIA_TYPES[".atom" if atom else ".rss"]
        response = _conditional(request, body, media, _newest(rows))
        response.headers["Cache-Control"] = "private, max-age=60"  # the token is a secret
        return response

    @app.get("/digest/latest.html", summary="The latest digest (HTML email)")
    def digest_html(request: Request) -> Response:
        return _export_file(request, "digest.html")

    @app.get("/digest/latest.md", summary="The latest digest (Markdown)")
    def digest_markdown(request: Request) -> Response:
        return _export_file(request, "digest.md")

    @app.get("/exports/{path:path}", summary="A published export file, at a stable URL")
    def export_file(request: Request, path: str) -> Response:
        return _export_file(request, path)

    return app


# -- helpers ----------------------------------------------------------------------------------


def _export_file(request: Request, name: str) -> Response:
    """A file under the exports folder; nothing outside it, no hidden (temporary) files."""
    root = load_settings().exports_dir.resolve()
    path = (root / name).resolve()
    if (
        not path.is_relative_to(root)
        or path == root
        or not path.is_file()
        or any(part.startswith(".") for part in path.relative_to(root).parts)
    ):
        raise HTTPException(404, "No such export; run `midtier export` to publish them.")
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    media = MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    return _conditional(request, path.read_bytes(), media, modified)


def _conditional(
    request: Request, body: bytes, media_type: str, modified: datetime | None
) -> Response:
    """``body`` with its validators, or 304 when the request's validators still match."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(
            modified.astimezone(UTC).replace(microsecond=0), usegmt=True
        )
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers=headers)
    elif modified is not None and request.headers.get("if-modified-since"):
        with contextlib.suppress(TypeError, ValueError):
            since = parsedate_to_datetime(request.headers["if-modified-since"])
            if modified.replace(microsecond=0) <= since:
                return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _bad(parameter: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", parameter), "msg": message, "type": "value_error"}]
    )


def _list(parameter: str, text: str | None) -> tuple[str, ...]:
    values = tuple(
        dict.fromkeys(value.strip() for value in (text or "").split(",") if value.strip())
    )
    if any(len(value) > 100 or "\x00" in value for value in values):
        raise _bad(parameter, "values are at most 100 characters")
    return values


def _skill_list(text: str | None) -> tuple[str, ...]:
    skills = tuple(value.lower() for value in _list("skills", text))
    unknown = [skill for skill in skills if skill not in load_skills()]
    if unknown:
        raise _bad("skills", f"not skill slugs of the taxonomy: {', '.join(unknown[:5])}")
    return skills


@contextlib.contextmanager
def _cursor(url: str):
    conn = database.connect(url)
    try:
        conn.read_only = True
        conn.autocommit = True
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _require_mart(cur) -> None:
    cur.execute("select to_regclass(%s) is not null", (exports.MART,))
    if not cur.fetchone()[0]:
        raise HTTPException(503, "The postings mart has not been built yet.")


def _rows(cur) -> list[dict]:
    names = [column.name for column in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _newest(rows: list[dict]) -> datetime | None:
    stamps = [row.get("last_seen_at") or row.get("first_seen_at") for row in rows]
    return max((stamp for stamp in stamps if stamp is not None), default=None)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, default=_plain).encode("utf-8")


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, url: str | None = None) -> None:
    """Run the API in the foreground until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(url),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )
