"""What a spider hands to the pipeline: a posting as the source wrote it, or a reject.

Spiders only extract. Every field is the source's own value (raw budget text, raw tags,
the source's employment-type label); meaning is given later, in dbt.
"""

from __future__ import annotations

import scrapy


class PostingItem(scrapy.Item):
    source = scrapy.Field()             # midtier source name, e.g. "remoteok"
    source_posting_id = scrapy.Field()  # the source's own id, as text (required)
    url = scrapy.Field()
    apply_url = scrapy.Field()
    title = scrapy.Field()
    company = scrapy.Field()
    description_html = scrapy.Field()
    description_text = scrapy.Field()   # filled from description_html by the pipeline if absent
    budget_text = scrapy.Field()        # free-text pay, exactly as posted
    salary_min = scrapy.Field()         # structured pay fields, when the source has them
    salary_max = scrapy.Field()
    salary_currency = scrapy.Field()
    salary_period = scrapy.Field()
    tags = scrapy.Field()               # list of strings as the source tags them
    location = scrapy.Field()
    employment_type = scrapy.Field()
    posted_at = scrapy.Field()          # ISO-8601 text, epoch seconds, or datetime
    payload = scrapy.Field()            # the whole original record (dict), untouched


class RejectItem(scrapy.Item):
    """Something that could not be turned into a posting; kept verbatim for replay."""

    source = scrapy.Field()
    url = scrapy.Field()
    payload = scrapy.Field()  # text (or bytes) exactly as received
    error = scrapy.Field()


class EvidenceItem(scrapy.Item):
    """One piece of a verified developer's public work, as the GitHub API returned it."""

    handle = scrapy.Field()        # the registry handle the login is verified for
    github_login = scrapy.Field()
    kind = scrapy.Field()          # merged_pr | own_repo | review | closed_issue
    source_url = scrapy.Field()    # the PR, repository or issue on github.com
    payload = scrapy.Field()       # the API objects behind it (dict), untouched


class ApiResponseItem(scrapy.Item):
    """A GitHub answer with an ETag, kept so the next crawl can ask conditionally."""

    handle = scrapy.Field()
    url = scrapy.Field()
    etag = scrapy.Field()
    body = scrapy.Field()
