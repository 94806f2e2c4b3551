"""What a spider hands to the pipeline: a posting as the source wrote it, or a reject.

Spiders only extract. Every field is the source's own value (raw budget text, raw tags,
the source's employment-type label); meaning is given later, in dbt.
"""

from __future__ import annotations

import types

import scrapy

from midtier.loading import POSTING_FIELDS


def _posting_namespace(namespace: dict) -> None:
    namespace["__module__"] = __name__
    namespace["__doc__"] = "A posting: one field per name of ``midtier.loading.POSTING_FIELDS``."
    namespace.update(
        {
            name: scrapy.Field(description=description)
            for name, description in POSTING_FIELDS.items()
        }
    )


# Built from the loader's own field list, so the two cannot drift apart.
PostingItem = types.new_class("PostingItem", (scrapy.Item,), exec_body=_posting_namespace)


class RejectItem(scrapy.Item):
    """Something that could not be turned into a posting; kept verbatim for replay."""

    source = scrapy.Field()
    url = scrapy.Field()
    payload = scrapy.Field()  # text (or bytes) exactly as received
    error = scrapy.Field()


class EvidenceItem(scrapy.Item):
    """One piece of a verified developer's public work, as the GitHub API returned it."""

    handle = scrapy.Field()  # the registry handle the login is verified for
    github_login = scrapy.Field()
    kind = scrapy.Field()  # merged_pr | own_repo | review | closed_issue
    source_url = scrapy.Field()  # the PR, repository or issue on github.com
    payload = scrapy.Field()  # the API objects behind it (dict), untouched


class ApiResponseItem(scrapy.Item):
    """A GitHub answer with an ETag, kept so the next crawl can ask conditionally."""

    handle = scrapy.Field()
    url = scrapy.Field()
    etag = scrapy.Field()
    body = scrapy.Field()
