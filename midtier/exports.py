"""Newsletter exports from ``marts.fct_postings``: RSS and Atom feeds (all postings, and one per
skill category), an HTML email digest and its Markdown twin (``midtier.digest``), CSV and JSON.

Only open, unflagged, canonical postings (one per duplicate group) from sources whose terms
allow re-publishing are exported, and every item carries the source's attribution and a link
back to the posting. Reads the mart only; every rule (budgets, skills, legitimacy, flags,
duplicates) was applied in dbt.

The files are deterministic for the same data: rows have a fixed order, dates shown as "built"
come from the data rather than the clock, and each file is written to a temporary file in the
same folder and moved into place, so readers never see half a file.

The helpers that turn a posting row into display text (``budget_summary`` and friends,
``postings_csv``) are shared with the Streamlit dashboards, so both present postings alike.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import nh3
import psycopg2
import psycopg2.errors
import psycopg2.extras
from feedgen.feed import FeedGenerator

from midtier import database, taxonomy
from midtier.settings import load_settings

MART = "marts.fct_postings"

# The column order of postings.csv (and the dashboards' CSV download). Append, never reorder.
CSV_COLUMNS = (
    "posting_id",
    "source",
    "source_posting_id",
    "title",
    "company_name",
    "url",
    "apply_url",
    "location",
    "posted_at",
    "engagement_type",
    "budget_currency",
    "budget_min",
    "budget_max",
    "budget_period",
    "hourly_usd_min",
    "hourly_usd_max",
    "hourly_usd_mid",
    "fixed_usd_min",
    "fixed_usd_max",
    "primary_skill",
    "skills",
    "tags",
    "legitimacy_score",
    "legitimacy_reasons",
    "is_flagged",
    "first_seen_at",
    "last_seen_at",
    "closed_at",
    "source_attribution",
    "source_name",
    "requires_link_back",
    "duplicate_group_id",
    "also_seen_on",
    "rate_position",
    "seniority",
    "is_remote",
    "region",
    "employment_type",
    "duration_weeks",
    "is_mid_market",
    "pay_is_plausible",
    "pay_plausibility_reason",
    "is_republishable",
    "source_terms_url",
)
JSON_COLUMNS = (*CSV_COLUMNS, "description_text")

# Columns the mart gains with the issue-7 dbt change (duplicates, place, timeline, market
# position). Until a build has them they read as null, so exports and pages work either way.
OPTIONAL_COLUMNS = frozenset({
    "duplicate_group_id", "also_seen_on", "is_canonical", "rate_position", "seniority",
    "is_remote", "region", "employment_type", "duration_weeks", "is_mid_market",
})

REPUBLISHABLE = "is_republishable"  # the source's terms allow re-publishing
EXPORT_CONDITIONS = (
    "closed_at is null",
    "not coalesce(is_flagged, false)",
    REPUBLISHABLE,
)
# Newest first; posting_id breaks ties so equal timestamps still give one order.
ORDER_BY = "coalesce(posted_at, first_seen_at) desc nulls last, posting_id"

# fct_postings.employment_type values of the work this platform is for (salaried work, a
# salary or a full-time role, is fct_postings.is_salaried whatever its label)
CONTRACT_EMPLOYMENT = ("contract", "freelance")

FEED_TITLE = "Midtier: open postings"
FEED_DESCRIPTION = (
    "Open freelance and contract postings gathered by Midtier, newest first. "
    "Postings flagged as doubtful are left out."
)
FEED_ID = "urn:midtier:feed"
ENTRY_ID_PREFIX = "urn:midtier:posting:"
FEED_ITEM_LIMIT = 200
DESCRIPTION_LIMIT = 1000
LIST_SEPARATOR = "; "
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CATEGORY_FEEDS_DIR = "feeds"
CATEGORY_TITLES = {"ml_ai": "ML & AI", "devops": "DevOps"}
LINK_SCHEMES = ("http", "https")

# What a feed item's or the digest's HTML may contain once sanitised; everything else
# (scripts, event handlers, images, unknown schemes) is dropped by nh3.
ALLOWED_TAGS = {"a", "b", "br", "div", "em", "h1", "h2", "h3", "li", "p", "small", "span",
                "strong", "table", "tbody", "td", "tr", "ul"}
ALLOWED_ATTRIBUTES = {"*": {"style"}, "a": {"href", "title"}}
ALLOWED_STYLE_PROPERTIES = {
    "background", "background-color", "border", "border-bottom", "border-radius", "color",
    "display", "font-family", "font-size", "font-weight", "line-height", "margin",
    "margin-bottom", "margin-top", "max-width", "padding", "text-decoration", "width",
}


class MartMissing(database.DatabaseError):
    """The mart has not been built yet."""


def export(out_dir: Path, url: str | None = None, as_of: datetime | None = None) -> list[Path]:
    """Write every export into ``out_dir``; return their paths (in a fixed order).

    postings.{rss,atom,csv,json}, digest.{html,md} and feeds/<category>.{rss,atom} for every
    skill category of the taxonomy (empty categories get an empty feed, so URLs stay valid).
    The digest covers the week up to ``as_of`` (now), editor's picks first (midtier.digest).
    """
    from midtier import digest  # digest imports this module's display helpers

    postings = fetch_open_postings(url)
    weekly, pinned = digest.digest_postings(url, as_of=as_of)
    window = digest.window(as_of)
    out_dir = Path(out_dir)
    contents = {
        "postings.rss": postings_rss(postings),
        "postings.atom": postings_atom(postings),
        "postings.csv": postings_csv(postings).encode("utf-8"),
        "postings.json": postings_json(postings).encode("utf-8"),
        "digest.html": digest.digest_html(weekly, pinned, window).encode("utf-8"),
        "digest.md": digest.digest_markdown(weekly, pinned, window).encode("utf-8"),
    }
    for category in taxonomy.categories():
        chosen = [posting for posting in postings if category in taxonomy.categories_of(posting.get("skills"))]
        title = f"{FEED_TITLE} ({category_title(category)})"
        contents[f"{CATEGORY_FEEDS_DIR}/{category}.rss"] = postings_rss(chosen, title=title, feed_key=category)
        contents[f"{CATEGORY_FEEDS_DIR}/{category}.atom"] = postings_atom(chosen, title=title, feed_key=category)
    paths = []
    for name, data in contents.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
        paths.append(path)
    return paths


def fetch_open_postings(url: str | None = None) -> list[dict]:
    """Open, unflagged, canonical, re-publishable postings, newest first."""
    url = url or database.database_url()
    with contextlib.closing(database.connect(url)) as conn:
        conn.set_session(readonly=True)
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            present = mart_columns(cur)
            if not present:
                raise MartMissing(f"{MART} does not exist yet: run `midtier run` first.")
            conditions = list(EXPORT_CONDITIONS)
            if "is_canonical" in present:
                conditions.append("coalesce(is_canonical, true)")  # one posting per duplicate group
            cur.execute(
                f"select {select_list(JSON_COLUMNS, present)} from {MART} "
                f"where {' and '.join(conditions)} order by {ORDER_BY}"
            )
            return [dict(row) for row in cur.fetchall()]


def mart_columns(cur) -> set[str]:
    """The columns ``marts.fct_postings`` has now (empty when it does not exist)."""
    schema, table = MART.split(".")
    cur.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        (schema, table),
    )
    return {row["column_name"] if isinstance(row, Mapping) else row[0] for row in cur.fetchall()}


def select_list(columns: Iterable[str], present: set[str]) -> str:
    """``columns`` for a select; optional ones the mart lacks yet come back as nulls."""
    return ", ".join(
        column if column in present or column not in OPTIONAL_COLUMNS else f"null as {column}"
        for column in columns
    )


def category_title(category: str) -> str:
    return CATEGORY_TITLES.get(category, category.replace("_", " ").capitalize())


# -- formats --------------------------------------------------------------------------------


def postings_rss(postings: Iterable[Mapping], title: str = FEED_TITLE, feed_key: str = "all") -> bytes:
    """An RSS 2.0 feed of the postings, in the order given (at most ``FEED_ITEM_LIMIT`` items)."""
    return _feed(postings, title, feed_key, atom=False).rss_str(pretty=True)


def postings_atom(postings: Iterable[Mapping], title: str = FEED_TITLE, feed_key: str = "all") -> bytes:
    """The same feed as Atom 1.0; entry ids are ``urn:midtier:posting:<posting_id>``."""
    return _feed(postings, title, feed_key, atom=True).atom_str(pretty=True)


def _feed(postings: Iterable[Mapping], title: str, feed_key: str, *, atom: bool) -> FeedGenerator:
    postings = list(postings)[:FEED_ITEM_LIMIT]
    settings = load_settings()
    built = last_change(postings)
    feed = FeedGenerator()
    feed.id(f"{FEED_ID}:{quote(feed_key, safe='')}")
    feed.title(title)
    feed.author(name="Midtier", uri=settings.contact_url)
    feed.link(href=settings.contact_url, rel="alternate")
    feed.description(FEED_DESCRIPTION)
    feed.language("en")
    feed.lastBuildDate(built)
    feed.updated(built)
    for posting in postings:
        entry = feed.add_entry(order="append")
        if atom:  # an Atom id must be an IRI; an RSS guid is any stable string
            entry.id(ENTRY_ID_PREFIX + quote(posting["posting_id"], safe=":"))
        else:
            entry.guid(posting["posting_id"], permalink=False)
        entry.title(posting.get("title") or "(untitled posting)")
        link = safe_link(posting.get("url"))
        if link:
            entry.link(href=link, rel="alternate")
        entry.description(_item_html(posting))  # RSS description and Atom summary (HTML)
        published = posting.get("posted_at") or posting.get("first_seen_at") or EPOCH
        entry.published(published)
        entry.updated(published)
        for skill in posting.get("skills") or ():
            entry.category(term=skill)
    return feed


def postings_csv(postings: Iterable[Mapping]) -> str:
    """The postings as CSV with ``CSV_COLUMNS``; lists joined with "; ", times in UTC ISO 8601,
    and every cell a spreadsheet would run as a formula prefixed with ' (spreadsheet_safe).
    The export's postings.csv and the Feed's download both come from here."""
    buffer = io.StringIO()
    # RFC 4180's CRLF: the writer then also quotes a cell holding a bare carriage return,
    # which with "\n" it left unquoted, cutting the row in two for every reader
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for posting in postings:
        writer.writerow([_csv_value(posting.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def postings_json(postings: Iterable[Mapping]) -> str:
    """The postings as a JSON array of objects with ``JSON_COLUMNS`` (lists stay lists)."""
    rows = [{column: _json_value(posting.get(column)) for column in JSON_COLUMNS} for posting in postings]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


# -- display text shared with the dashboards -------------------------------------------------


def posted_budget(posting: Mapping) -> str | None:
    """The budget as the poster gave it, e.g. "50–80 USD / hour"; None when there is none."""
    amount = _range(posting.get("budget_min"), posting.get("budget_max"))
    if amount is None:
        return None
    text = " ".join(part for part in (amount, posting.get("budget_currency")) if part)
    period = posting.get("budget_period")
    return f"{text} / {period}" if period else text


def hourly_budget(posting: Mapping) -> str | None:
    """The budget in US dollars: "$50–$80 / hour", or "$500 fixed"; None when unknown."""
    hourly = _range(posting.get("hourly_usd_min"), posting.get("hourly_usd_max"), prefix="$")
    if hourly is not None:
        return f"{hourly} / hour"
    fixed = _range(posting.get("fixed_usd_min"), posting.get("fixed_usd_max"), prefix="$")
    if fixed is not None:
        return f"{fixed} fixed"
    return None


def budget_summary(posting: Mapping) -> str | None:
    """The posted budget with its USD figure when that adds anything.

    "60–90 USD / hour", "400–500 EUR / day (≈ $54–$67.50 / hour)", followed by dbt's
    pay_plausibility_reason when it has one; None when there is none.
    """
    posted = posted_budget(posting)
    in_usd = None if _posted_in_usd_terms(posting) else hourly_budget(posting)
    summary = f"{posted} (≈ {in_usd})" if posted and in_usd else posted or in_usd
    # pay left out or read otherwise (dbt's pay sanity) says why
    reason = posting.get("pay_plausibility_reason")
    if reason:
        return f"{summary}; {reason}" if summary else reason
    return summary


# fct_postings.rate_position in words: which of the market's percentiles the pay falls between
RATE_POSITIONS = {
    "below_floor": "below market p10",
    "under_market": "between market p10 and p25",
    "market": "within market p25–p75",
    "premium": "above market p75",
}


def rate_position_label(posting: Mapping) -> str | None:
    """The posting's pay against the market it was judged by (fct_postings.rate_yardstick):
    "below market p10 for Django", "within market p25–p75 of the whole market"; None when
    unknown."""
    position = posting.get("rate_position")
    if not position:
        return None
    label = RATE_POSITIONS.get(position, position)
    yardstick = posting.get("rate_yardstick")
    if not yardstick:
        return label
    skill = taxonomy.load_skills().get(yardstick)
    return f"{label} for {skill.name}" if skill else f"{label} of {yardstick}"


def _range(low, high, prefix: str = "") -> str | None:
    if low is None and high is None:
        return None
    if high is None:
        return f"from {prefix}{_amount(low)}"
    if low is None:
        return f"up to {prefix}{_amount(high)}"
    if low == high:
        return f"{prefix}{_amount(low)}"
    return f"{prefix}{_amount(low)}–{prefix}{_amount(high)}"


def _amount(value) -> str:
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


# -- helpers ---------------------------------------------------------------------------------


def _item_html(posting: Mapping) -> str:
    """The item's description: HTML in which every scraped string is escaped text, with the
    source's attribution and a link back to the posting; sanitised again with nh3."""
    facts = [posting.get("company_name"), budget_summary(posting), attribution(posting)]
    head = " · ".join(html.escape(fact) for fact in facts if fact)
    description = excerpt(posting.get("description_text"), DESCRIPTION_LIMIT)
    body = f"<p>{head}</p>"
    if description:
        body += f"<p>{html.escape(description)}</p>"
    link = safe_link(posting.get("url"))
    if link:
        source = posting.get("source_name") or posting.get("source") or "the source"
        body += f'<p><a href="{html.escape(link)}">Original posting on {html.escape(source)}</a></p>'
    return sanitise_html(body)


def attribution(posting: Mapping) -> str | None:
    """The attribution the source's terms ask for ("via Remote OK")."""
    if posting.get("source_attribution"):
        return posting["source_attribution"]
    return f"via {posting['source']}" if posting.get("source") else None


def excerpt(text: str | None, limit: int) -> str:
    text = (text or "").strip()
    return text[:limit].rstrip() + "…" if len(text) > limit else text


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    return url if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


def sanitise_html(fragment: str) -> str:
    """``fragment`` with only the allowed tags, attributes, styles and link schemes kept."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def _posted_in_usd_terms(posting: Mapping) -> bool:
    """True when the USD figure would only repeat the posted budget."""
    return posting.get("budget_currency") == "USD" and posting.get("budget_period") in ("hour", "project")


def last_change(postings: list[Mapping]) -> datetime:
    stamps = [
        stamp
        for posting in postings
        for stamp in (posting.get("last_seen_at"), posting.get("posted_at"), posting.get("first_seen_at"))
        if stamp is not None
    ]
    return max(stamps, default=EPOCH)


# A cell starting with one of these is read as a formula by spreadsheets (OWASP, "CSV
# Injection"): "=HYPERLINK(...)", "+cmd|...", "@SUM(...)", and their full-width forms.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_safe(text: str) -> str:
    """The cell text, prefixed with ' when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_value(value) -> str:
    return spreadsheet_safe(_csv_text(value))


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _json_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, tuple):
        return list(value)
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never a part."""
    handle = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
