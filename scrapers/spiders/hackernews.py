"""Hacker News: the monthly "Who is hiring?" and "Freelancer? Seeking freelancer?" threads.

Read through the official Firebase API (https://github.com/HackerNews/API):

1. ``GET /v0/user/whoishiring.json``: the ``whoishiring`` account's ``submitted`` item ids,
   newest first. Each month it posts three stories at once: "Ask HN: Who is hiring? (Month
   Year)", "Ask HN: Freelancer? Seeking freelancer? (Month Year)" and "Ask HN: Who wants to be
   hired? (Month Year)". The last one is people looking for work, not demand: skipped.
2. ``GET /v0/item/<id>.json`` for those stories, newest first and one at a time, until the
   latest ``months`` threads of each kind are found (``-a months=2``; default 1), inspecting at
   most ``max_stories`` submitted items (``-a max_stories=...``; default 12).
3. ``GET /v0/item/<kid>.json`` for each top-level comment (the story's ``kids``): one posting
   each. Comments that are ``deleted``, ``dead`` or have no ``text`` are skipped; an id the API
   answers with the literal ``null`` (no such item) is skipped too.

A comment's ``text`` is HTML (``<p>`` between paragraphs, ``&#x2F;`` for slashes; some real
comments break lines with a bare newline instead). Its first line is the header the thread asks
for, ``Company | Role | Location | REMOTE | $...``: it becomes the title as written, unless it
runs on into the body (one unbroken paragraph): then the title is its first sentence, or its
first ``TITLE_MAX`` characters; the description keeps the whole text. Its first ``|`` field
is the company; a field naming remote/onsite
work or a "City, Region" place is the location; a full-time/contract field the employment type;
header fields (else the body clause) holding an amount or a rate are the budget text, verbatim
(an amount as dbt's currency and multiplier seeds write one, scrapers/amounts.py: no currency
list of the spider's own; dbt judges the text).

In the Freelancer thread people post either "SEEKING WORK" (supply) or "SEEKING FREELANCER"
(demand). Midtier collects demand, so only "SEEKING FREELANCER" comments are kept there; their
header starts with that label rather than a company name, so they carry no company.

Hacker News asks for nothing but a link back: ``url`` is the comment's own page,
https://news.ycombinator.com/item?id=<comment id>.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from w3lib.html import remove_tags

from scrapers.amounts import states_amount
from scrapers.fields import whole_number_or_digits
from scrapers.items import PostingItem, RejectItem
from scrapers.spiders.base import MidtierSpider, json_text

API = "https://hacker-news.firebaseio.com/v0"
ITEM_PAGE = "https://news.ycombinator.com/item?id={id}"

WHO_IS_HIRING = "who-is-hiring"
FREELANCER = "freelancer"
THREAD_TITLES = {
    WHO_IS_HIRING: re.compile(r"^\s*Ask HN:\s*Who is hiring\?", re.IGNORECASE),
    FREELANCER: re.compile(r"^\s*Ask HN:\s*Freelancer\?\s*Seeking freelancer\?", re.IGNORECASE),
}
SEEKING_FREELANCER = re.compile(r"^\W*seeking\s+freelancers?\b", re.IGNORECASE)

WORK_PLACE = re.compile(
    r"\b(?:remote|onsite|on-site|on site|in-office|in office|hybrid)\b", re.IGNORECASE
)
PLACE_NAME = re.compile(r"^[A-Z][\w.' -]*,\s*[A-Z]")
ROLE_WORDS = re.compile(
    r"\b(?:engineers?|developers?|designers?|managers?|scientists?|analysts?|leads?|architects?"
    r"|head|director|founding|devops|sre|backend|frontend|full[- ]?stack|marketing|sales|product)\b",
    re.IGNORECASE,
)
EMPLOYMENT = re.compile(
    r"\b(?:full[- ]?time|part[- ]?time|contract(?:or)?|freelance|intern(?:ship)?|temporary|fte)\b",
    re.IGNORECASE,
)
PARAGRAPH = re.compile(r"<p>|\n", re.IGNORECASE)
CLAUSE_END = re.compile(r"(?<=[.;!?])\s+|\s+\|\s+|\n")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A header is one line (in the demo's real threads: median 87 characters, 95 % under 210); a
# first line longer than this runs on into the body.
TITLE_MAX = 300


class HackerNewsSpider(MidtierSpider):
    name = "hackernews"
    source = "hackernews"
    allowed_domains = ["hacker-news.firebaseio.com"]
    start_urls = [f"{API}/user/whoishiring.json"]

    def __init__(
        self, *args: Any, months: int | str = 1, max_stories: int | str = 12, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.months = max(1, int(months))
        self.max_stories = max(1, int(max_stories))
        self.threads_found: dict[str, int] = dict.fromkeys(THREAD_TITLES, 0)
        self.thread_ids: set[int] = set()

    # -- 1. the account's submissions ---------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        record = yield from self._load(response, "user")
        if record is None:
            return
        submitted = record.get("submitted")
        if not isinstance(submitted, list):
            yield self.reject(response.url, json_text(record), "user record has no submitted list")
            return
        story_ids = [story_id for story_id in submitted if _item_id(story_id) is not None]
        yield from self._next_story(story_ids[: self.max_stories])

    def _next_story(self, story_ids: list) -> Iterator[Any]:
        """Look at the next submitted story, unless every wanted thread is already found."""
        if not story_ids or self._all_threads_found():
            return
        story_id, rest = story_ids[0], story_ids[1:]
        yield self.request(
            f"{API}/item/{_item_id(story_id)}.json",
            callback=self.parse_story,
            cb_kwargs={"remaining": rest},
        )

    # -- 2. the monthly stories ---------------------------------------------------------------

    def parse_story(self, response: Response, remaining: list) -> Iterator[Any]:
        story = yield from self._load(response, "story")
        if story is not None:
            yield from self._parse_thread(story)
        yield from self._next_story(remaining)

    def _parse_thread(self, story: dict) -> Iterator[Any]:
        kind = self._parse_thread_kind(story)
        story_id = _item_id(story.get("id"))
        if kind is None or story_id in self.thread_ids:
            return
        if self.threads_found[kind] >= self.months:
            return
        self.threads_found[kind] += 1
        self.thread_ids.add(story_id)
        thread = {
            "id": story_id,
            "title": story.get("title"),
            "time": story.get("time"),
            "kind": kind,
        }
        kids = story.get("kids") if isinstance(story.get("kids"), list) else []
        self.logger.info(
            "hackernews: %s thread %s (%s) has %d top-level comments",
            kind,
            story_id,
            story.get("title"),
            len(kids),
        )
        for kid in kids:
            kid_id = _item_id(kid)
            if kid_id is not None:
                yield self.request(
                    f"{API}/item/{kid_id}.json",
                    callback=self.parse_comment,
                    cb_kwargs={"thread": thread},
                )

    def _parse_thread_kind(self, story: dict) -> str | None:
        if story.get("deleted") or story.get("dead"):
            return None
        title = story.get("title")
        if not isinstance(title, str):
            return None
        for kind, pattern in THREAD_TITLES.items():
            if pattern.match(title):
                return kind
        return None

    def _all_threads_found(self) -> bool:
        return all(count >= self.months for count in self.threads_found.values())

    # -- 3. the comments: one posting each ----------------------------------------------------

    def parse_comment(self, response: Response, thread: dict) -> Iterator[Any]:
        comment = yield from self._load(response, "comment")
        if comment is None or not self._is_posting(comment, thread):
            return
        yield self._parse_posting(comment, thread)

    def _is_posting(self, comment: dict, thread: dict) -> bool:
        if comment.get("deleted") or comment.get("dead") or comment.get("type") != "comment":
            return False
        if not isinstance(comment.get("text"), str) or not comment["text"].strip():
            return False
        if thread["kind"] == FREELANCER:
            return bool(SEEKING_FREELANCER.match(self._parse_header(comment)))
        return True

    def _parse_posting(self, comment: dict, thread: dict) -> PostingItem:
        comment_id = _item_id(comment.get("id"))
        header = self._parse_header(comment)
        fields = _fields(header)
        return PostingItem(
            source=self.source,
            source_posting_id=str(comment_id),
            url=ITEM_PAGE.format(id=comment_id),
            apply_url=None,  # applying is by the e-mail or link inside the comment
            title=self._parse_title(header),
            company=self._parse_company(fields, thread),
            description_html=comment["text"],
            budget_text=self._parse_budget(fields, comment),
            salary_min=None,
            salary_max=None,
            salary_currency=None,
            salary_period=None,
            tags=[thread["kind"]],
            location=self._parse_location(fields),
            employment_type=self._parse_employment_type(fields),
            posted_at=comment.get("time"),
            payload={
                "comment": comment,
                "thread": {key: thread[key] for key in ("id", "title", "time")},
            },
        )

    def _parse_header(self, comment: dict) -> str:
        """The first non-empty line, as plain text (tags dropped, entities decoded)."""
        for paragraph in PARAGRAPH.split(comment.get("text") or ""):
            text = _plain(paragraph)
            if text:
                return text
        return ""

    def _parse_title(self, header: str) -> str | None:
        if len(header) <= TITLE_MAX:
            return header or None
        sentence = SENTENCE_END.split(header, 1)[0]
        if len(sentence) <= TITLE_MAX:
            return sentence
        return header[:TITLE_MAX].rsplit(" ", 1)[0] + "…"

    def _parse_company(self, fields: list[str], thread: dict) -> str | None:
        if thread["kind"] == FREELANCER or len(fields) < 2:
            return None
        return fields[0] or None

    def _parse_location(self, fields: list[str]) -> str | None:
        """Header fields naming the work place ("REMOTE (US)", "Berlin, Germany"), as written."""
        places = [
            field
            for field in fields[1:]
            if WORK_PLACE.search(field)
            or (PLACE_NAME.match(field) and not ROLE_WORDS.search(field))
        ]
        return " | ".join(places) or None

    def _parse_employment_type(self, fields: list[str]) -> str | None:
        for field in fields[1:]:
            if (
                EMPLOYMENT.search(field)
                and not states_amount(field)
                and not ROLE_WORDS.search(field)
            ):
                return field
        return None

    def _parse_budget(self, fields: list[str], comment: dict) -> str | None:
        """Header fields stating pay, else the first body clause that does; verbatim."""
        in_header = [field for field in fields[1:] if states_amount(field)]
        if in_header:
            return " | ".join(in_header)
        for paragraph in PARAGRAPH.split(comment.get("text") or ""):
            for clause in CLAUSE_END.split(_plain(paragraph)):
                if states_amount(clause):
                    return clause.strip()
        return None

    # -- JSON bodies ----------------------------------------------------------------------------

    def _load(self, response: Response, what: str) -> Iterator[RejectItem]:
        """The response's JSON object; rejects what cannot be used. ``null`` means no such item."""
        body = yield from self.parse_json(response)
        if body is None:
            return None
        record = body.data
        if record is None:
            self.logger.info("hackernews: %s is null (no such item): %s", what, response.url)
            self.increment_stat("hackernews/null_items")
            return None
        if not isinstance(record, dict):
            yield self.reject(response.url, body.text, f"{what} is not a JSON object")
            return None
        if what != "user" and _item_id(record.get("id")) is None:
            yield self.reject(response.url, body.text, f"{what} has no id")
            return None
        return record


def _item_id(value: Any) -> int | None:
    """A Hacker News item id: a number, or digits as text."""
    return whole_number_or_digits(value)


def _plain(fragment: str) -> str:
    text = html.unescape(remove_tags(fragment))
    return re.sub(r"\s+", " ", text).strip()


def _fields(header: str) -> list[str]:
    if "|" not in header:
        return [header] if header else []
    return [field.strip() for field in header.split("|")]
