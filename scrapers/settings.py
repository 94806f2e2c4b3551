"""Scrapy settings: polite by default (robots.txt, identified, throttled, bounded retries)."""

import os

from midtier.settings import load_settings

_settings = load_settings()

BOT_NAME = "midtier"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# Identify ourselves, with a contact URL, and obey robots.txt.
USER_AGENT = _settings.user_agent
ROBOTSTXT_OBEY = True

# Throttle: one request at a time per site, with AutoThrottle adapting to server latency.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Failures: a few retries with Scrapy's backoff, then the spider's errback records them.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# A 429/503 that says how long to wait (Retry-After) gets that wait before its retry, up to
# this many seconds; a longer one gives the request up (recorded like any failed request).
MIDTIER_RETRY_AFTER_MAX = float(os.environ.get("MIDTIER_RETRY_AFTER_MAX", "120"))
# The longest GitHub rate-limit pause (until X-RateLimit-Reset, or a secondary limit's
# backoff) the github_evidence crawl waits before giving the request up.
MIDTIER_GITHUB_RATE_LIMIT_WAIT_MAX = float(
    os.environ.get("MIDTIER_GITHUB_RATE_LIMIT_WAIT_MAX", "900")
)
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.RetryAfterMiddleware": 550,  # the stock retry middleware's place
}
# Seconds before a silent server counts as failed (MIDTIER_DOWNLOAD_TIMEOUT lowers it in drills).
DOWNLOAD_TIMEOUT = float(os.environ.get("MIDTIER_DOWNLOAD_TIMEOUT", "30"))
REDIRECT_MAX_TIMES = 5

ITEM_PIPELINES = {"scrapers.pipelines.RawPostingPipeline": 300}

TELNETCONSOLE_ENABLED = False
# MIDTIER_CRAWL_LOG_LEVEL=DEBUG logs every request URL (a developer's withdrawal redacts
# the lines naming them, midtier/crawl_traces.py)
LOG_LEVEL = os.environ.get("MIDTIER_CRAWL_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
REMOTE_CONTROL_ENABLED = False  # no listening port during crawls
# A crawl run with HTTPCACHE_ENABLED keeps its cache under MIDTIER_HOME, where a developer's
# withdrawal finds and purges what names them (midtier/crawl_traces.py); so does job state
# when it is given as JOBDIR={crawl_state_dir}/jobs/NAME.
HTTPCACHE_DIR = str(_settings.crawl_state_dir / "httpcache")
