"""What every Midtier spider shares: where requests go, and how failures become rejects.

A spider lists the source's real URLs (``start_urls``) and builds every other request with
``self.request(...)`` (or ``self.follow(response, href)``). Both pass the URL through
``self.url(...)``, so running a spider against a local copy of the site is one argument::

    python -m scrapy crawl remoteok -a base_url=http://127.0.0.1:8765

which sends ``https://remoteok.com/api?tag=dev`` to ``http://127.0.0.1:8765/api?tag=dev``.

Requests made this way carry ``self.on_error`` as errback: a download that still fails after
Scrapy's retries (HTTP error status, timeout, DNS, refused connection) becomes a
``RejectItem`` and counts in the crawler stat ``midtier/http_errors``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers.items import RejectItem

HTTP_ERRORS_STAT = "midtier/http_errors"


class MidtierSpider(scrapy.Spider):
    """Base class: ``source`` name, ``base_url`` rewriting, rejects and the error counter.

    Subclasses set ``name``, ``start_urls`` (the real site's URLs) and usually ``source``
    (defaults to ``name``); then implement ``parse``.
    """

    source: str = ""

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.source:
            self.source = self.name
        self.base_url = _check_base_url(base_url) if base_url else None
        if self.base_url and getattr(self, "allowed_domains", None):
            host = urlsplit(self.base_url).hostname
            self.allowed_domains = [*self.allowed_domains, host]

    @classmethod
    def update_settings(cls, settings) -> None:
        """Apply the source's published terms: its minimum delay and its request budget."""
        super().update_settings(settings)
        from midtier.sources import load_sources

        terms = load_sources().get(cls.source or cls.name)
        if terms is not None:
            settings.set("DOWNLOAD_DELAY", max(settings.getfloat("DOWNLOAD_DELAY"),
                                               terms.min_request_delay_seconds), priority="spider")
            settings.set("AUTOTHROTTLE_START_DELAY", terms.min_request_delay_seconds, priority="spider")
            settings.set("CLOSESPIDER_PAGECOUNT", terms.max_requests_per_run, priority="spider")

    # -- where requests go -----------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """The URL to fetch for a real URL (or a path on the source's site).

        Without ``base_url`` this is the real URL. With it, scheme, host and port are
        swapped for the base URL's and the path, query and fragment are kept.
        """
        if not urlsplit(path_or_url).netloc:
            path_or_url = urljoin(self._origin(), path_or_url)
        if not self.base_url:
            return path_or_url
        real = urlsplit(path_or_url)
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, real.path or "/", real.query, real.fragment))

    def request(self, url: str, callback=None, **kwargs: Any) -> scrapy.Request:
        """A request for ``url`` (rewritten by ``url()``), failing into ``on_error``."""
        kwargs.setdefault("errback", self.on_error)
        return scrapy.Request(self.url(url), callback=callback, **kwargs)

    def follow(self, response: Response, href: str, callback=None, **kwargs: Any) -> scrapy.Request:
        """A request for a link found in ``response`` (relative links resolve against it)."""
        return self.request(response.urljoin(href), callback=callback, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.request(url, dont_filter=True)

    def _origin(self) -> str:
        if not self.start_urls:
            raise ValueError(f"{type(self).__name__} has no start_urls to resolve a path against")
        real = urlsplit(self.start_urls[0])
        return urlunsplit((real.scheme, real.netloc, "/", "", ""))

    # -- failures ----------------------------------------------------------------------------

    def reject(self, url: str | None, payload: Any, error: str) -> RejectItem:
        """A ``RejectItem`` for something this spider received but could not use."""
        return RejectItem(source=self.source, url=url, payload=payload, error=error)

    def on_error(self, failure: Failure) -> Iterator[RejectItem]:
        """Errback: a request that failed for good becomes one reject and one counted error."""
        request = failure.request
        if failure.check(HttpError):
            response = failure.value.response
            payload = response_text(response)
            error = f"HTTP {response.status} for {response.url}"
        else:
            payload = None
            error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("%s request failed: %s", self.source, error)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(HTTP_ERRORS_STAT)
        yield self.reject(request.url if request is not None else None, payload, error)


def response_text(response: Response) -> str:
    """The body as text: decoded by Scrapy when it knows the encoding, else UTF-8 with care."""
    if isinstance(response, TextResponse):
        return response.text
    return response.body.decode("utf-8", errors="replace")


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must look like http://host:port, got {base_url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"base_url replaces scheme, host and port only; drop the path: {base_url!r}")
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
