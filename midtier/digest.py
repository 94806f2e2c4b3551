"""The weekly email digest, as inline-styled HTML and as Markdown.

What goes in (``midtier.exports.digest_postings``): the postings dbt marks publishable (fct_postings.
is_publishable: open, unflagged, canonical, from sources whose terms allow re-publishing),
first seen in the ``DIGEST_WINDOW_DAYS`` days before the digest's moment (now, unless
given), narrowed by ``DigestFilters``. An editor's pinned postings (``midtier.editorial``) come first, in the
editor's order, as "Editor's picks"; skipped ones are left out; the rest follow by skill
category, newest first.

Both formats are rendered with Jinja2 from ``midtier/templates``. In the HTML every scraped
string goes through Jinja's autoescaping and the rendered body is then sanitised with nh3
(only the tags, attributes, inline styles and link schemes in ``midtier.posting_display``
survive), so
nothing a source wrote can become markup. In the Markdown every scraped string is
backslash-escaped. Output depends only on the postings and the window, so the same data gives
the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jinja2
from markupsafe import Markup

from midtier import posting_display as display
from midtier import taxonomy
from midtier.markdown import escape_markdown, markdown_link
from midtier.settings import load_settings

DIGEST_ITEM_LIMIT = 60
DIGEST_WINDOW_DAYS = 7
EXCERPT_LIMIT = 280
OTHER_CATEGORY = "Other"
PICKS_HEADING = "Editor's picks"


@dataclass(frozen=True)
class DigestFilters:
    """The editor's narrowing of the week's candidates; the defaults narrow nothing."""

    skills: tuple[str, ...] = ()
    contract_freelance_only: bool = False
    mid_market_only: bool = False
    min_legitimacy: int = 0


NO_FILTERS = DigestFilters()


@dataclass(frozen=True)
class Candidate:
    """A posting of the week's window, as the editor sees it."""

    posting: dict
    pinned_position: int | None  # 1 first; None when not pinned
    skipped: bool


def window(as_of: datetime | None = None) -> tuple[datetime, datetime]:
    """The digest's window: the DIGEST_WINDOW_DAYS days up to ``as_of`` (now)."""
    end = as_of or datetime.now(UTC)
    return end - timedelta(days=DIGEST_WINDOW_DAYS), end


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("midtier", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape_markdown
    env.filters["md_link"] = markdown_link
    return env


def digest_context(
    postings: Iterable[Mapping], pinned: int = 0, window_days: Sequence[datetime] | None = None
) -> dict:
    """What both templates show: the first ``pinned`` postings as the editor's picks, in
    order, then the rest grouped by their primary skill's category."""
    postings = list(postings)[:DIGEST_ITEM_LIMIT]
    skills = taxonomy.load_skills()
    sections: dict[str, list[dict]] = {}
    for posting in postings[pinned:]:
        primary = skills.get(posting.get("primary_skill") or "")
        heading = display.category_title(primary.category) if primary else OTHER_CATEGORY
        sections.setdefault(heading, []).append(_item(posting))
    ordered = sorted(sections.items(), key=lambda item: (item[0] == OTHER_CATEGORY, item[0]))
    if pinned:
        ordered.insert(0, (PICKS_HEADING, [_item(posting) for posting in postings[:pinned]]))
    as_of = window_days[1] if window_days else display.last_change(postings)
    return {
        "title": f"Midtier digest, {as_of:%d %B %Y}"
        if postings or window_days
        else "Midtier digest",
        "as_of": f"{as_of:%Y-%m-%d}",
        "window": (
            f"first seen {window_days[0]:%Y-%m-%d} to {window_days[1]:%Y-%m-%d}"
            if window_days
            else None
        ),
        "count": len(postings),
        "sections": ordered,
        "contact_url": load_settings().contact_url,
    }


def _item(posting: Mapping) -> dict:
    published = posting.get("posted_at") or posting.get("first_seen_at")
    score = posting.get("legitimacy_score")
    return {
        "title": posting.get("title") or "(untitled posting)",
        "url": display.safe_link(posting.get("url")),
        "company": posting.get("company_name"),
        "posted": f"{published:%Y-%m-%d}" if published else None,
        "budget": display.budget_summary(posting),
        "skills": list(posting.get("skills") or ()),
        "legitimacy": None if score is None else f"{score}/100",
        "rate_position": display.rate_position_label(posting),
        "excerpt": display.excerpt(posting.get("description_text"), EXCERPT_LIMIT),
        "source": posting.get("source_name") or posting.get("source"),
        "attribution": display.attribution(posting),
    }


def digest_html(
    postings: Iterable[Mapping], pinned: int = 0, window_days: Sequence[datetime] | None = None
) -> str:
    """A complete HTML email (inline CSS only: mail clients drop style sheets), sanitised."""
    context = digest_context(postings, pinned, window_days)
    env = _environment(True)
    body = display.sanitise_html(env.get_template("digest_body.html.j2").render(context))
    return env.get_template("digest.html.j2").render(context, body=Markup(body))


def digest_markdown(
    postings: Iterable[Mapping], pinned: int = 0, window_days: Sequence[datetime] | None = None
) -> str:
    return (
        _environment(False)
        .get_template("digest.md.j2")
        .render(digest_context(postings, pinned, window_days))
    )
