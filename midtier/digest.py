"""The weekly email digest, as inline-styled HTML and as Markdown.

Both are rendered with Jinja2 from ``midtier/templates``. In the HTML every scraped string
goes through Jinja's autoescaping and the rendered body is then sanitised with nh3 (only the
tags, attributes, inline styles and link schemes in ``midtier.posting_display`` survive), so nothing a
source wrote can become markup. In the Markdown every scraped string is backslash-escaped.
Output depends only on the postings (the "as of" date is their newest change), so the same
data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import jinja2
from markupsafe import Markup

from midtier import posting_display as display
from midtier import taxonomy
from midtier.markdown import escape_markdown, markdown_link
from midtier.settings import load_settings

DIGEST_ITEM_LIMIT = 60
EXCERPT_LIMIT = 280
OTHER_CATEGORY = "Other"


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


def digest_context(postings: Iterable[Mapping]) -> dict:
    """What both templates show: postings grouped by their primary skill's category."""
    postings = list(postings)[:DIGEST_ITEM_LIMIT]
    skills = taxonomy.load_skills()
    sections: dict[str, list[dict]] = {}
    for posting in postings:
        primary = skills.get(posting.get("primary_skill") or "")
        heading = display.category_title(primary.category) if primary else OTHER_CATEGORY
        sections.setdefault(heading, []).append(_item(posting))
    ordered = sorted(sections.items(), key=lambda item: (item[0] == OTHER_CATEGORY, item[0]))
    as_of = display.last_change(postings)
    return {
        "title": f"Midtier digest, {as_of:%d %B %Y}" if postings else "Midtier digest",
        "as_of": f"{as_of:%Y-%m-%d}",
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


def digest_html(postings: Iterable[Mapping]) -> str:
    """A complete HTML email (inline CSS only), sanitised."""
    context = digest_context(postings)
    env = _environment(True)
    body = display.sanitise_html(env.get_template("digest_body.html.j2").render(context))
    return env.get_template("digest.html.j2").render(context, body=Markup(body))


def digest_markdown(postings: Iterable[Mapping]) -> str:
    return _environment(False).get_template("digest.md.j2").render(digest_context(postings))
