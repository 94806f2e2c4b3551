"""Newsletter exports: open, unflagged postings from ``marts.fct_postings`` as RSS, CSV and JSON.

Reads the mart only; every rule (budgets, skills, legitimacy, flags) was applied in dbt.
The files are deterministic for the same data: rows have a fixed order, the feed's
``lastBuildDate`` comes from the data rather than the clock, and each file is written to a
temporary file in the same folder and moved into place, so readers never see half a file.

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

import psycopg2
import psycopg2.errors
import psycopg2.extras
from feedgen.feed import FeedGenerator

from midtier import database
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
)
JSON_COLUMNS = (*CSV_COLUMNS, "description_text")

# Newest first; posting_id breaks ties so equal timestamps still give one order.
EXPORT_QUERY = f"""
select {", ".join(JSON_COLUMNS)}
from {MART}
where closed_at is null
  and not coalesce(is_flagged, false)
  and is_republishable  -- the source's terms allow re-publishing
order by coalesce(posted_at, first_seen_at) desc nulls last, posting_id
"""

FEED_TITLE = "Midtier: open postings"
FEED_DESCRIPTION = (
    "Open freelance and contract postings gathered by Midtier, newest first. "
    "Postings flagged as doubtful are left out."
)
RSS_ITEM_LIMIT = 200
DESCRIPTION_LIMIT = 1000
LIST_SEPARATOR = "; "
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MartMissing(database.DatabaseError):
    """The mart has not been built yet."""


def export(out_dir: Path, url: str | None = None) -> list[Path]:
    """Write postings.rss, postings.csv and postings.json into ``out_dir``; return their paths."""
    postings = fetch_open_postings(url)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        "postings.rss": postings_rss(postings),
        "postings.csv": postings_csv(postings).encode("utf-8"),
        "postings.json": postings_json(postings).encode("utf-8"),
    }
    paths = []
    for name, data in contents.items():
        path = out_dir / name
        write_atomically(path, data)
        paths.append(path)
    return paths


def fetch_open_postings(url: str | None = None) -> list[dict]:
    """Open, unflagged postings, newest first."""
    url = url or database.database_url()
    with contextlib.closing(database.connect(url)) as conn:
        conn.set_session(readonly=True)
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            try:
                cur.execute(EXPORT_QUERY)
            except psycopg2.errors.UndefinedTable as error:
                raise MartMissing(f"{MART} does not exist yet: run `midtier run` first.") from error
            return [dict(row) for row in cur.fetchall()]


# -- formats --------------------------------------------------------------------------------


def postings_rss(postings: Iterable[Mapping]) -> bytes:
    """An RSS 2.0 feed of the postings, in the order given (at most ``RSS_ITEM_LIMIT`` items)."""
    postings = list(postings)[:RSS_ITEM_LIMIT]
    settings = load_settings()
    feed = FeedGenerator()
    feed.title(FEED_TITLE)
    feed.link(href=settings.contact_url, rel="alternate")
    feed.description(FEED_DESCRIPTION)
    feed.language("en")
    feed.lastBuildDate(_last_change(postings))
    for posting in postings:
        entry = feed.add_entry(order="append")
        entry.guid(posting["posting_id"], permalink=False)
        entry.title(posting.get("title") or "(untitled posting)")
        if posting.get("url"):
            entry.link(href=posting["url"])
        entry.description(_item_html(posting))
        published = posting.get("posted_at") or posting.get("first_seen_at")
        if published is not None:
            entry.pubDate(published)
        for skill in posting.get("skills") or ():
            entry.category(term=skill)
    return feed.rss_str(pretty=True)


def postings_csv(postings: Iterable[Mapping]) -> str:
    """The postings as CSV with ``CSV_COLUMNS``; lists joined with "; ", times in UTC ISO 8601."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
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

    "60–90 USD / hour", "400–500 EUR / day (≈ $54–$67.50 / hour)"; None when there is none.
    """
    posted = posted_budget(posting)
    in_usd = None if _posted_in_usd_terms(posting) else hourly_budget(posting)
    if posted and in_usd:
        return f"{posted} (≈ {in_usd})"
    return posted or in_usd


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
    """The item's description: HTML in which every scraped string is escaped text."""
    facts = [
        posting.get("company_name"),
        budget_summary(posting),
        posting.get("source_attribution") or (f"via {posting['source']}" if posting.get("source") else None),
    ]
    head = " · ".join(html.escape(fact) for fact in facts if fact)
    description = (posting.get("description_text") or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        description = description[:DESCRIPTION_LIMIT].rstrip() + "…"
    body = f"<p>{head}</p>"
    if description:
        body += f"<p>{html.escape(description)}</p>"
    return body


def _posted_in_usd_terms(posting: Mapping) -> bool:
    """True when the USD figure would only repeat the posted budget."""
    return posting.get("budget_currency") == "USD" and posting.get("budget_period") in ("hour", "project")


def _last_change(postings: list[Mapping]) -> datetime:
    stamps = [
        stamp
        for posting in postings
        for stamp in (posting.get("last_seen_at"), posting.get("posted_at"), posting.get("first_seen_at"))
        if stamp is not None
    ]
    return max(stamps, default=EPOCH)


def _csv_value(value) -> str:
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
