"""MidtierSpider: base_url rewriting, start requests, and failed downloads becoming rejects."""

from __future__ import annotations

import asyncio

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError as DownloadTimeoutError
from twisted.python.failure import Failure

from scrapers.items import RejectItem
from scrapers.spiders.base import HTTP_ERRORS_STAT, MidtierSpider
from scrapers.spiders.remoteok import RemoteOkSpider

LOCAL = "http://127.0.0.1:8765"


def start_requests(spider: scrapy.Spider) -> list[Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def failure_for(error: Exception, request: Request) -> Failure:
    try:
        raise error
    except type(error):
        failure = Failure()
    failure.request = request
    return failure


def test_without_base_url_start_requests_go_to_the_real_site():
    [request] = start_requests(RemoteOkSpider())
    assert request.url == "https://remoteok.com/api"


def test_base_url_swaps_scheme_host_and_port_of_start_requests():
    [request] = start_requests(RemoteOkSpider(base_url=LOCAL))
    assert request.url == "http://127.0.0.1:8765/api"


def test_base_url_keeps_path_and_query():
    spider = RemoteOkSpider(base_url=LOCAL + "/")
    assert (
        spider.url("https://remoteok.com/api?tag=python&page=2") == LOCAL + "/api?tag=python&page=2"
    )


def test_follow_up_requests_are_rewritten_too():
    spider = RemoteOkSpider(base_url="https://localhost:9443")
    request = spider.request("https://remoteOK.com/remote-jobs/remote-dev-1130451?ref=feed")
    assert request.url == "https://localhost:9443/remote-jobs/remote-dev-1130451?ref=feed"


def test_links_found_in_a_local_response_stay_local():
    spider = RemoteOkSpider(base_url=LOCAL)
    response = HtmlResponse(url=LOCAL + "/remote-jobs", body=b"", encoding="utf-8")
    assert spider.follow(response, "?page=2").url == LOCAL + "/remote-jobs?page=2"
    assert spider.follow(response, "https://remoteok.com/api").url == LOCAL + "/api"


def test_a_path_resolves_against_the_real_site():
    assert RemoteOkSpider().url("/api?tag=dev") == "https://remoteok.com/api?tag=dev"


def test_the_base_url_host_is_an_allowed_domain():
    assert RemoteOkSpider(base_url=LOCAL).allowed_domains == ["remoteok.com", "127.0.0.1"]


@pytest.mark.parametrize(
    "base_url", ["127.0.0.1:8765", "ftp://host", LOCAL + "/mirror", LOCAL + "/?x=1"]
)
def test_a_base_url_that_is_not_just_scheme_host_port_is_refused(base_url):
    with pytest.raises(ValueError):
        RemoteOkSpider(base_url=base_url)


def test_source_defaults_to_the_spider_name():
    class ExampleSpider(MidtierSpider):
        name = "example"
        start_urls = ["https://example.com/jobs"]

    assert ExampleSpider().source == "example"


def test_requests_fail_into_on_error():
    spider = RemoteOkSpider()
    [request] = start_requests(spider)
    assert request.errback == spider.on_error
    assert request.dont_filter


def test_an_http_error_becomes_a_reject_with_the_status_and_body():
    spider = RemoteOkSpider.from_crawler(get_crawler(RemoteOkSpider), base_url=LOCAL)
    request = spider.request("https://remoteok.com/api")
    response = HtmlResponse(url=request.url, status=503, body=b"<h1>Busy</h1>", request=request)
    [reject] = spider.on_error(
        failure_for(HttpError(response, "Ignoring non-200 response"), request)
    )
    assert isinstance(reject, RejectItem)
    assert reject["source"] == "remoteok"
    assert reject["url"] == LOCAL + "/api"
    assert reject["payload"] == "<h1>Busy</h1>"
    assert reject["error"] == f"HTTP 503 for {LOCAL}/api"


def test_a_timeout_becomes_a_reject_naming_the_error():
    spider = RemoteOkSpider.from_crawler(get_crawler(RemoteOkSpider))
    request = spider.request("https://remoteok.com/api")
    [reject] = spider.on_error(
        failure_for(DownloadTimeoutError("took longer than 30 seconds"), request)
    )
    assert reject["url"] == "https://remoteok.com/api"
    assert reject["payload"] is None
    assert reject["error"].startswith("TimeoutError: ")
    assert "took longer than 30 seconds" in reject["error"]


def test_each_failed_request_counts_as_an_http_error():
    crawler = get_crawler(RemoteOkSpider)
    spider = RemoteOkSpider.from_crawler(crawler)
    request = spider.request("https://remoteok.com/api")
    for _ in range(2):
        list(spider.on_error(failure_for(DownloadTimeoutError(), request)))
    assert crawler.stats.get_value(HTTP_ERRORS_STAT) == 2
