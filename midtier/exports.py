"""Newsletter exports from ``marts.fct_postings``: RSS and Atom feeds (all postings, and one per
skill category), an HTML email digest and its Markdown twin (``midtier.digest``), CSV and JSON.

Only open, unflagged, canonical postings (one per duplicate group) from sources whose terms
allow re-publishing are exported, and every item carries the source's attribution and a link
back to the posting. Reads the mart only; every rule (budgets, skills, legitimacy, flags,
duplicates) was applied in dbt.

The files are deterministic for the same data: rows have a fixed order, dates shown as "built"
come from the data rather than the clock, and each file is written to a temporary file in the
same folder and moved into place, so readers never see half a file.

Display text (budgets, attribution, links) comes from ``midtier.posting_display``, which the
dashboards share; ``postings_csv`` is shared with the Feed page's download.
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
from urllib.parse import quote

from feedgen.feed import FeedGenerator
from psycopg import errors
from psycopg.rows import dict_row

from midtier import database, digest, taxonomy
from midtier.posting_display import (
    EPOCH,
    attribution,
    budget_summary,
    category_title,
    excerpt,
    last_change,
    safe_link,
    sanitise_html,
)
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
    "floors_met",
    "floors_total",
    "evidenced_floors_met",
    "evidenced_floors_total",
    "is_republishable",
    "source_terms_url",
)
JSON_COLUMNS = (*CSV_COLUMNS, "description_text")

# Newest first; posting_id breaks ties so equal timestamps still give one order.
# What is published is dbt's decision (fct_postings.is_publishable: open, unflagged,
# canonical, re-publishable).
EXPORT_CONDITIONS = ("is_publishable",)
ORDER_BY = "coalesce(posted_at, first_seen_at) desc nulls last, posting_id"
# an editor's pins and skips for the digest (midtier.editorial)
DIGEST_PICKS = "editorial.digest_picks"
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
CATEGORY_FEEDS_DIR = "feeds"


class MartMissing(database.DatabaseError):
    """The mart has not been built yet."""


def export(out_dir: Path, url: str | None = None, as_of: datetime | None = None) -> list[Path]:
    """Write every export into ``out_dir``; return their paths (in a fixed order).

    postings.{rss,atom,csv,json}, digest.{html,md} and feeds/<category>.{rss,atom} for every
    skill category of the taxonomy (empty categories get an empty feed, so URLs stay valid).
    The digest covers the week up to ``as_of`` (now), editor's picks first (midtier.digest).
    """

    postings = fetch_open_postings(url)
    weekly, pinned = digest_postings(url, as_of=as_of)
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
        chosen = [
            posting
            for posting in postings
            if category in taxonomy.categories_of(posting.get("skills"))
        ]
        title = f"{FEED_TITLE} ({category_title(category)})"
        contents[f"{CATEGORY_FEEDS_DIR}/{category}.rss"] = postings_rss(
            chosen, title=title, feed_key=category
        )
        contents[f"{CATEGORY_FEEDS_DIR}/{category}.atom"] = postings_atom(
            chosen, title=title, feed_key=category
        )
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
        conn.read_only = True
        with conn.cursor(row_factory=dict_row) as cur:
            try:
                cur.execute(
                    f"select {', '.join(JSON_COLUMNS)} from {MART} "
                    f"where {' and '.join(EXPORT_CONDITIONS)} order by {ORDER_BY}"
                )
            except (errors.UndefinedTable, errors.InvalidSchemaName) as error:
                raise MartMissing(f"{MART} does not exist yet: run `midtier run` first.") from error
            return [dict(row) for row in cur.fetchall()]


# -- the weekly digest's postings ------------------------------------------------------------


def digest_candidates(
    url: str | None = None,
    filters: digest.DigestFilters = digest.NO_FILTERS,
    as_of: datetime | None = None,
    include_unpublishable: bool = False,
) -> list[digest.Candidate]:
    """The postings first seen in the window that match ``filters``: pinned first (editor's
    order), then newest first. Postings whose source's terms forbid re-publishing come only
    with ``include_unpublishable`` (the editor's page marks them; a digest never holds them)."""
    columns = (*JSON_COLUMNS, "rate_yardstick")  # and the yardstick its badge names
    start, end = digest.window(as_of)
    # dbt's is_publishable; for the editor's eye also what it leaves out only for its source's
    # terms (open, unflagged, the one copy of its group, as the Feed shows them)
    published = " and ".join(EXPORT_CONDITIONS)
    if include_unpublishable:
        published = (
            f"({published} or (not is_republishable and closed_at is null"
            " and not coalesce(is_flagged, false) and coalesce(is_canonical, true)))"
        )
    conditions = [published, "first_seen_at >= %s", "first_seen_at <= %s"]
    parameters: list = [start, end]
    if filters.skills:
        conditions.append("skills && %s::text[]")
        parameters.append(list(filters.skills))
    if filters.contract_freelance_only:
        conditions.append("employment_type = any(%s::text[]) and not coalesce(is_salaried, false)")
        parameters.append(list(CONTRACT_EMPLOYMENT))
    if filters.mid_market_only:
        conditions.append("coalesce(is_mid_market, false)")
    if filters.min_legitimacy > 0:
        conditions.append("coalesce(legitimacy_score, 0) >= %s")
        parameters.append(filters.min_legitimacy)
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            f"""
            select matched.*, picks.action as pick_action, picks.position as pick_position
            from (
                select {", ".join(columns)} from {MART}
                where {" and ".join(conditions)}
            ) as matched
            left join {DIGEST_PICKS} as picks using (posting_id)
            order by (picks.action = 'pin') is true desc, picks.position, {ORDER_BY}
            """,
            parameters,
        )
        names = [column.name for column in cur.description]
        rows = [dict(zip(names, row)) for row in cur.fetchall()]
    return [
        digest.Candidate(
            posting={key: value for key, value in row.items() if not key.startswith("pick_")},
            pinned_position=row["pick_position"] if row["pick_action"] == "pin" else None,
            skipped=row["pick_action"] == "skip",
        )
        for row in rows
    ]


def digest_postings(
    url: str | None = None,
    filters: digest.DigestFilters = digest.NO_FILTERS,
    as_of: datetime | None = None,
    picks_only: bool = False,
) -> tuple[list[dict], int]:
    """The digest's postings (pinned first, skipped left out; only the pinned ones with
    ``picks_only``) and how many of them are pinned."""
    chosen = [
        candidate for candidate in digest_candidates(url, filters, as_of) if not candidate.skipped
    ]
    pinned = [candidate.posting for candidate in chosen if candidate.pinned_position is not None]
    rest = (
        []
        if picks_only
        else [candidate.posting for candidate in chosen if candidate.pinned_position is None]
    )
    limit = digest.DIGEST_ITEM_LIMIT
    return (pinned + rest)[:limit], min(len(pinned), limit)


# -- formats --------------------------------------------------------------------------------


def postings_rss(
    postings: Iterable[Mapping], title: str = FEED_TITLE, feed_key: str = "all"
) -> bytes:
    """An RSS 2.0 feed of the postings, in the order given (at most ``FEED_ITEM_LIMIT`` items)."""
    return _feed(postings, title, feed_key, atom=False).rss_str(pretty=True)


def postings_atom(
    postings: Iterable[Mapping], title: str = FEED_TITLE, feed_key: str = "all"
) -> bytes:
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
    rows = [json_record(posting) for posting in postings]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def json_record(posting: Mapping) -> dict:
    """One posting in the JSON export's shape (``JSON_COLUMNS``; the API answers with these)."""
    return {column: _json_value(posting.get(column)) for column in JSON_COLUMNS}


# What a posting from a source whose terms forbid re-publishing may show outside Midtier
# (the API, personal feeds, webhook deliveries): its title and a link back, plus Midtier's
# own judgements of it; none of the source's text.
TITLE_AND_LINK_COLUMNS = (
    "posting_id",
    "title",
    "url",
    "source",
    "source_name",
    "source_attribution",
    "posted_at",
    "first_seen_at",
    "last_seen_at",
    "is_republishable",
    "skills",
    "primary_skill",
    "legitimacy_score",
    "is_flagged",
    "floors_met",
    "floors_total",
    "evidenced_floors_met",
    "evidenced_floors_total",
)


def publishable(posting: Mapping) -> dict:
    """``posting`` as it may be re-published: whole when its source allows it, else its
    title and link only."""
    if posting.get("is_republishable"):
        return dict(posting)
    return {column: posting.get(column) for column in TITLE_AND_LINK_COLUMNS}


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
        body += (
            f'<p><a href="{html.escape(link)}">Original posting on {html.escape(source)}</a></p>'
        )
    return sanitise_html(body)


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
    # opened outside a with: its name is needed after closing, for the rename or the cleanup
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
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
