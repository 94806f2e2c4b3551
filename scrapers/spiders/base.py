"""What every Midtier spider shares: where requests go, and how failures become rejects.

A spider lists the source's real URLs (``start_urls``) and builds every other request with
``self.request(...)`` (or ``self.follow(response, href)``). Both pass the URL through
``self.url(...)``, so running a spider against a local copy of the site is one argument::

    python -m scrapy crawl remoteok -a base_url=http://127.0.0.1:8765

which sends ``https://remoteok.com/api?tag=dev`` to ``http://127.0.0.1:8765/api?tag=dev``.

Requests made this way carry ``self.on_error`` as errback: a download that still fails after
Scrapy's retries (HTTP error status, timeout, DNS, refused connection) becomes a
``RejectItem`` and counts in the crawler stat ``midtier/http_errors``.

What the API spiders share after the download is here too: ``parse_json`` (a JSON body, or a
reject), ``parse_json_listing`` (a JSON object holding the postings under one key),
``parse_records`` (one posting per record; records that are not objects or have no id become
rejects; ids already seen are skipped) and ``next_page`` (when a listing ends). ``PagedSpider``
adds the ``max_pages`` cap; ``FeedSpider`` reads RSS/Atom responses with ``scrapers.feeds``.

Callbacks use the readers with ``yield from``: they yield the rejects and return the result
(None when there is nothing to use)::

    page = yield from self.parse_json_listing(response, "jobs")
    if page is None:
        return
    yield from self.parse_records(response, page["jobs"], what="job")
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers.feeds import UnreadableFeed, read_feed
from scrapers.items import PostingItem, RejectItem

HTTP_ERRORS_STAT = "midtier/http_errors"

# What a reader yields (rejects) and returns (what it read, None when nothing is usable).
Reading = Generator[RejectItem, None, Any]


class JsonBody(NamedTuple):
    text: str  # the body as received: the payload of a reject about it
    data: Any  # the parsed JSON


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
            settings.set(
                "DOWNLOAD_DELAY",
                max(settings.getfloat("DOWNLOAD_DELAY"), terms.min_request_delay_seconds),
                priority="spider",
            )
            settings.set(
                "AUTOTHROTTLE_START_DELAY", terms.min_request_delay_seconds, priority="spider"
            )
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
        self.increment_stat(HTTP_ERRORS_STAT)
        yield self.reject(request.url if request is not None else None, payload, error)

    def increment_stat(self, stat: str) -> None:
        """Add one to a crawler stat (nothing when the spider runs without a crawler, in tests)."""
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(stat)

    # -- JSON responses ------------------------------------------------------------------------

    _JSON_TYPES = {dict: "object", list: "array"}

    def parse_json(self, response: Response, expect: type | None = None) -> Reading:
        """The body and its JSON (a ``JsonBody``); rejects invalid JSON and, with ``expect``
        (``dict`` or ``list``), JSON of another type."""
        body = response_text(response)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
            yield self.reject(response.url, body, f"response is not valid JSON: {error}")
            return None
        if expect is not None and not isinstance(data, expect):
            yield self.reject(
                response.url,
                body,
                f"expected a JSON {self._JSON_TYPES[expect]}, got {type(data).__name__}",
            )
            return None
        return JsonBody(body, data)

    def parse_json_listing(self, response: Response, key: str) -> Reading:
        """The JSON object whose ``key`` holds the list of postings; rejects anything else."""
        body = yield from self.parse_json(response)
        if body is None:
            return None
        if not isinstance(body.data, dict) or not isinstance(body.data.get(key), list):
            yield self.reject(
                response.url, body.text, f"expected a JSON object with a `{key}` list"
            )
            return None
        return body.data

    def parse_records(
        self,
        response: Response,
        records: list,
        *,
        what: str,
        no_id: str | None = None,
        seen: set[str] | None = None,
    ) -> Generator[PostingItem | RejectItem, None, int]:
        """``self._parse_posting(record)`` for each usable record, in order; returns how many.

        A record that is not a JSON object is rejected as "<what> is not a JSON object", one
        without an id (``self._parse_id``) as ``no_id`` ("<what> has no id"). With ``seen`` (the
        ids met so far), a record whose id is in it is skipped and new ids are added to it.
        """
        new_ids = 0
        for record in records:
            reject = self.reject_unusable(response, record, what=what, no_id=no_id)
            if reject is not None:
                yield reject
                continue
            record_id = self._parse_id(record)
            if seen is not None:
                if record_id in seen:
                    continue
                seen.add(record_id)
            new_ids += 1
            yield self._parse_posting(record)
        return new_ids

    def reject_unusable(
        self, response: Response, record: Any, *, what: str, no_id: str | None = None
    ) -> RejectItem | None:
        """A reject for a record that is not a JSON object or has no id; None for a usable one."""
        if not isinstance(record, dict):
            return self.reject(response.url, json_text(record), f"{what} is not a JSON object")
        if self._parse_id(record) is None:
            return self.reject(response.url, json_text(record), no_id or f"{what} has no id")
        return None

    # -- listings read page by page ------------------------------------------------------------

    def next_page(
        self, url: str | None, *, records: int, page_size: int | None, new_ids: int
    ) -> str | None:
        """``url``, unless the listing ends here: there is no next URL, the page added no id
        not seen before, or it was short (fewer than ``page_size`` records, when that is known).
        """
        if url is None or new_ids == 0:
            return None
        if page_size is not None and records < page_size:
            return None
        return url


class PagedSpider(MidtierSpider):
    """A listing read page by page, each posting yielded once per run (ids in ``seen_ids``), up
    to ``max_pages`` pages (``-a max_pages=N``, default 10). Count each usable page in
    ``pages_read``; the request budget from the source terms stays the last safety net."""

    def __init__(self, *args: Any, max_pages: int | str = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)
        self.pages_read = 0
        self.seen_ids: set[str] = set()

    def next_page(self, url: str | None, **kwargs: Any) -> str | None:
        """As ``MidtierSpider.next_page``; also None once ``max_pages`` pages were read."""
        if self.pages_read >= self.max_pages:
            return None
        return super().next_page(url, **kwargs)


class FeedSpider(MidtierSpider):
    """A spider reading RSS 2.0 / Atom feeds: each request remembers its feed's real URL."""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.request(url, dont_filter=True, meta={"feed_url": url})

    def parse_feed(self, response: Response) -> Reading:
        """The response's ``scrapers.feeds.Feed``; rejects an unreadable one, notes a truncated one."""
        try:
            feed = read_feed(response)
        except UnreadableFeed as error:
            yield self.reject(response.url, response_text(response), str(error))
            return None
        if feed.truncated:
            yield self.reject(
                response.url,
                response_text(response),
                f"feed is truncated ({feed.problem}); kept its "
                f"{len(feed.entries)} complete entries",
            )
        elif feed.problem:
            log = self.logger.warning if feed.malformed else self.logger.info
            log(
                "%s: feed %s was flagged (%s); keeping its %d entries",
                self.source,
                feed.url,
                feed.problem,
                len(feed.entries),
            )
        return feed


def response_text(response: Response) -> str:
    """The body as text: decoded by Scrapy when it knows the encoding, else UTF-8 with care."""
    if isinstance(response, TextResponse):
        return response.text
    return response.body.decode("utf-8", errors="replace")


def json_text(value: Any) -> str:
    """A parsed JSON value as JSON text again (the payload of a reject about one record)."""
    return json.dumps(value, ensure_ascii=False)


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must look like http://host:port, got {base_url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"base_url replaces scheme, host and port only; drop the path: {base_url!r}"
        )
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
