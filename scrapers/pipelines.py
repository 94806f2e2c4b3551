"""Scrapy's side of loading: spiders' items go to the core loader (``midtier.loading``).

The pipeline only adapts Scrapy's hooks and items; checking postings, batching, rejects and
run bookkeeping belong to ``PostingLoader``.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from midtier.loading import DEFAULT_BATCH_SIZE, PostingLoader
from scrapers.items import RejectItem


class RawPostingPipeline:
    """One spider run of one source, written through a ``PostingLoader``."""

    loader_class = PostingLoader

    def __init__(self, loader: PostingLoader, crawler):
        self.loader = loader
        self.crawler = crawler

    # Scrapy hooks (2.14+ style: no spider argument).
    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        loader = cls.loader_class(
            settings.get("MIDTIER_DATABASE_URL") or None,
            batch_size=settings.getint("MIDTIER_BATCH_SIZE", DEFAULT_BATCH_SIZE),
        )
        return cls(loader, crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.loader.full_listing = getattr(spider, "is_full_listing", True)
        self.loader.open(
            spider.name,
            kind="crawl",
            base_url=getattr(spider, "base_url", None),
            crawl_run_id=getattr(spider, "run_id", None),
        )

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if isinstance(item, RejectItem):
            self.loader.reject(
                adapter.get("error") or "rejected by spider",
                adapter.get("payload"),
                adapter.get("url"),
            )
        else:
            # Shallow: asdict() would walk the whole payload looking for nested items.
            self.loader.add(dict(adapter.items()))
        return item

    def close_spider(self) -> None:
        stats = self.crawler.stats
        self.loader.close(
            http_errors=stats.get_value("midtier/http_errors", 0),
            error=stats.get_value("midtier/fatal_error"),
        )
