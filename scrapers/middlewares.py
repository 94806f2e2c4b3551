"""Downloader middlewares: Scrapy's bounded retries, taught to wait when a server says how long.

``RetryAfterMiddleware`` replaces Scrapy's ``RetryMiddleware``. On a 429 or 503 carrying
``Retry-After`` (delta-seconds or an HTTP-date) it waits that long before the retry; a wait
longer than ``MIDTIER_RETRY_AFTER_MAX`` seconds gives the request up at once, so it fails into
the spider's errback (one reject, one counted HTTP error) like any other exhausted retry.
Retries stay bounded by ``RETRY_TIMES``.
"""

from __future__ import annotations

import logging
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message
from twisted.web.http import stringToDatetime

log = logging.getLogger(__name__)

# The statuses whose Retry-After means "come back later" (RFC 9110 §10.2.3); on a redirect
# it means something else and is left alone.
RETRY_AFTER_STATUSES = frozenset({429, 503})

WAITS_STAT = "midtier/retry_after/waits"
SECONDS_WAITED_STAT = "midtier/retry_after/seconds_waited"
TOO_LONG_STAT = "midtier/retry_after/too_long"


def retry_after_seconds(
    value: bytes | str | None, *, now: float, server_date: bytes | str | None = None
) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait; None when absent or unreadable.

    ``now`` is the local time (epoch seconds). An HTTP-date is measured from the response's
    ``Date`` header when it has a readable one, so a server whose clock differs from ours
    still gets the wait it meant. A date in the past means no wait (0).
    """
    text = _text(value)
    if not text:
        return None
    if text.isdigit():
        return float(text)
    target = _http_date(text)
    if target is None:
        return None
    reference = _http_date(_text(server_date)) if server_date else None
    return max(0.0, target - (reference if reference is not None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """``RetryMiddleware`` that honours ``Retry-After`` on 429 and 503, up to a maximum."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("MIDTIER_RETRY_AFTER_MAX", 120.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in RETRY_AFTER_STATUSES:
            wait = retry_after_seconds(
                response.headers.get(b"Retry-After"),
                now=time.time(),
                server_date=response.headers.get(b"Date"),
            )
        if wait is not None and wait > self.retry_after_max:
            # Sleeping that long would stall the run (and the rest of `crawl --all` behind it);
            # returning the response lets HttpError record it like any failed request.
            log.warning(
                "HTTP %d for %s asks to wait %g s (Retry-After), more than "
                "MIDTIER_RETRY_AFTER_MAX=%g s: giving up on this request",
                response.status,
                request.url,
                wait,
                self.retry_after_max,
            )
            self._increment(TOO_LONG_STAT)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait:
            log.info(
                "HTTP %d for %s: waiting %.1f s as its Retry-After asks, then retry %d of %d",
                response.status,
                request.url,
                wait,
                retry.meta["retry_times"],
                request.meta.get("max_retry_times", self.max_retry_times),
            )
            self._increment(WAITS_STAT)
            self._increment(SECONDS_WAITED_STAT, wait)
            # Awaited, not slept: the reactor keeps serving other requests meanwhile.
            await sleep(wait)
        return retry

    def _increment(self, stat: str, amount: float = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(stat, amount)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip()


def _http_date(text: str) -> float | None:
    """Epoch seconds of an HTTP-date in any of the three forms RFC 9110 requires readers to
    accept (IMF-fixdate, RFC 850, asctime); None when it is none of them."""
    try:
        return float(stringToDatetime(text.encode("latin-1")))
    except (ValueError, IndexError, OverflowError, UnicodeError):
        return None


GITHUB_PAUSES_STAT = "github/rate_limit_pauses"


class GithubRateLimitMiddleware:
    """Waits out GitHub's rate limits instead of failing the request.

    A 403 or 429 with ``X-RateLimit-Remaining: 0`` (the primary limit) waits until
    ``X-RateLimit-Reset``; one with ``Retry-After``, or a 429 or a 403 whose message names a
    secondary rate limit, waits the Retry-After or backs off (60 s, doubling). A wait longer
    than ``MIDTIER_GITHUB_RATE_LIMIT_WAIT_MAX`` seconds, or a fourth limit on one request,
    gives the request up (the spider's errback records it). Every pause and every give-up is
    kept in the crawl stat ``github/rate_limit_pauses``; the pipeline stores them with the run.
    """

    BACKOFF_SECONDS = 60.0
    MAX_TRIES = 3

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("MIDTIER_GITHUB_RATE_LIMIT_WAIT_MAX", 900.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (403, 429):
            return response
        tries = request.meta.get("github_rate_limit_tries", 0)
        remaining = _text(response.headers.get(b"X-RateLimit-Remaining"))
        reset = _text(response.headers.get(b"X-RateLimit-Reset"))
        retry_after = retry_after_seconds(
            response.headers.get(b"Retry-After"),
            now=time.time(),
            server_date=response.headers.get(b"Date"),
        )
        if remaining == "0" and reset.isdigit():
            kind, wait = "primary", max(0.0, float(reset) - time.time()) + 1.0
        elif (
            retry_after is not None
            or response.status == 429
            or b"secondary rate limit" in response.body.lower()
        ):
            kind = "secondary"
            wait = retry_after if retry_after is not None else self.BACKOFF_SECONDS * 2**tries
        else:
            return response  # forbidden for another reason
        gave_up = wait > self.max_wait or tries >= self.MAX_TRIES
        pauses = self.crawler.stats.get_value(GITHUB_PAUSES_STAT) or []
        pauses.append(
            {
                "handle": request.cb_kwargs.get("handle"),
                "url": request.url,
                "status": response.status,
                "kind": kind,
                "reset": int(reset) if reset.isdigit() else None,
                "waited_seconds": 0.0 if gave_up else wait,
                "gave_up": gave_up,
                "paused_at": time.time(),
            }
        )
        self.crawler.stats.set_value(GITHUB_PAUSES_STAT, pauses)
        if gave_up:
            log.warning(
                "GitHub %s rate limit on %s asks to wait %.0f s (at most %.0f s, try %d): "
                "giving the request up",
                kind,
                request.url,
                wait,
                self.max_wait,
                tries + 1,
            )
            return response
        log.warning("GitHub %s rate limit on %s: pausing %.1f s", kind, request.url, wait)
        await sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["github_rate_limit_tries"] = tries + 1
        return retry
