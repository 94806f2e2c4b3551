"""The Feed's filters as SQL over ``marts.fct_postings``, in one place.

The dashboard's Feed, the HTTP API (``midtier.api``), personal feeds and webhook delivery
(``midtier.delivery``) all select postings through ``postings_query``, so the same filters
give the same postings in the same order everywhere. Nothing here connects to a database:
callers run the SQL with their own connection.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from midtier.exports import CONTRACT_EMPLOYMENT, JSON_COLUMNS, MART

FEED_COLUMNS = tuple(
    dict.fromkeys(
        (
            *JSON_COLUMNS,
            "is_canonical",
            "duplicate_group_size",
            "is_republishable",
            "is_salaried",
            "rate_yardstick",
        )
    )
)
# max(last_seen_at), spelled so that PostgreSQL can read it off an index on last_seen_at
# through the mart view: its min/max shortcut does not apply across the view's join.
NEWEST_CRAWL = (
    f"(select last_seen_at from {MART} where last_seen_at is not null "
    "order by last_seen_at desc limit 1)"
)
POSTED = "coalesce(posted_at, first_seen_at)"
# The pay a posting is sorted by and held against a floor: its top hourly USD figure.
HOURLY_PAY = "coalesce(hourly_usd_max, hourly_usd_min)"
# The employment filter's value for salaried work (fct_postings.is_salaried); its other values
# are fct_postings.employment_type's.
SALARIED = "salaried"
# Contract and freelance work (exports.CONTRACT_EMPLOYMENT), the platform's focus.
CONTRACT_WORK = (
    "coalesce(employment_type in ({}) and not coalesce(is_salaried, false), false)".format(
        ", ".join(f"'{kind}'" for kind in CONTRACT_EMPLOYMENT)
    )
)
# The default order: contract and freelance work first, then freshest first, then by id: a
# total order, so a cursor (the last row's three keys) resumes exactly where a page ended.
ORDER_BY = f"{CONTRACT_WORK} desc, {POSTED} desc nulls last, posting_id"

# Duration bands for the feed (weeks, lower bound inclusive, upper exclusive; None = open).
DURATIONS = {
    "any": None,
    "under 1 month": (0, 4),
    "1–3 months": (4, 13),
    "3–6 months": (13, 26),
    "6 months or more": (26, None),
}
SORTS = ("freshness", "match", "pay", "legitimacy")


class BadCursor(ValueError):
    """A pagination cursor this module did not write."""


@dataclass(frozen=True)
class PostingFilters:
    """What the feed asks for. Empty tuples and zeros mean "no filter"."""

    skills: tuple[str, ...] = ()
    min_hourly_usd: float = 0.0
    engagement_types: tuple[str, ...] = ()
    min_legitimacy: int = 0
    show_flagged: bool = False
    search: str = ""
    open_only: bool = True
    remote_only: bool = False
    regions: tuple[str, ...] = ()
    posted_within_days: int = 0
    duration: str = "any"
    mid_market_only: bool = False
    sort: str = "freshness"
    # employment_type values, and SALARIED for salaried work; empty: every kind but salaried,
    # unless include_salaried
    employment: tuple[str, ...] = ()
    include_salaried: bool = False


@dataclass(frozen=True)
class Profile:
    """A developer's own skills and minimum rate: ranks the feed by match, hides what pays less."""

    skills: tuple[str, ...] = ()
    min_hourly_usd: float = 0.0
    # False: postings paying under the floor stay, marked as such (meets_floor)
    hide_below_floor: bool = True

    @property
    def is_set(self) -> bool:
        return bool(self.skills) or self.min_hourly_usd > 0


NO_PROFILE = Profile()


def profile_from_developer(developer: Mapping, offered_skills: Iterable[str]) -> Profile:
    """The Feed's profile for a public developer profile (a ``marts.fct_developer_profiles``
    row): the skills its evidence shows, strongest first, as far as the feed offers them,
    and its published floor."""
    offered = set(offered_skills)
    floor = developer.get("floor_usd_hourly")
    return Profile(
        skills=tuple(skill for skill in developer.get("skills") or () if skill in offered),
        min_hourly_usd=float(floor) if floor is not None else 0.0,
    )


def visitor_text(text: str | None) -> str:
    """What a visitor typed, as a query may take it: PostgreSQL text cannot hold NUL."""
    return (text or "").replace("\x00", "")


def conditions(filters: PostingFilters, profile: Profile) -> tuple[str, list]:
    """The feed's WHERE clause for ``filters`` and the profile's floor, and its parameters.

    The minimum hourly rate keeps postings whose top hourly USD figure reaches it, so postings
    without an hourly figure drop out once a minimum is set. The profile's floor is gentler: it
    hides postings known to pay less and keeps those without an hourly figure (fixed price).
    "Posted within" counts back from the newest crawl in the mart, so a stale database still
    shows its last week. Only one posting per duplicate group (the canonical one) is shown.
    """
    clauses: list[tuple[str, tuple]] = [("true", ()), ("coalesce(is_canonical, true)", ())]
    if filters.remote_only:
        clauses.append(("coalesce(is_remote, false)", ()))
    if filters.regions:
        clauses.append(("region = any(%s::text[])", (list(filters.regions),)))
    if filters.posted_within_days > 0:
        clauses.append(
            (
                f"{POSTED} >= {NEWEST_CRAWL} - %s * interval '1 day'",
                (filters.posted_within_days,),
            )
        )
    weeks = DURATIONS.get(filters.duration)
    if weeks:
        low, high = weeks
        clauses.append(("duration_weeks >= %s", (low,)))
        if high is not None:
            clauses.append(("duration_weeks < %s", (high,)))
    if filters.mid_market_only:
        clauses.append(("coalesce(is_mid_market, false)", ()))
    if profile.min_hourly_usd > 0 and profile.hide_below_floor:
        clauses.append((f"({HOURLY_PAY} is null or {HOURLY_PAY} >= %s)", (profile.min_hourly_usd,)))
    clauses.append(_employment_condition(filters))
    if filters.skills:
        clauses.append(("skills && %s::text[]", (list(filters.skills),)))
    if filters.min_hourly_usd > 0:
        clauses.append(
            ("coalesce(hourly_usd_max, hourly_usd_min) >= %s", (filters.min_hourly_usd,))
        )
    if filters.engagement_types:
        clauses.append(("engagement_type = any(%s::text[])", (list(filters.engagement_types),)))
    if filters.min_legitimacy > 0:
        clauses.append(("coalesce(legitimacy_score, 0) >= %s", (filters.min_legitimacy,)))
    if not filters.show_flagged:
        clauses.append(("not coalesce(is_flagged, false)", ()))
    if filters.open_only:
        clauses.append(("closed_at is null", ()))
    if filters.search.strip():
        pattern = like_pattern(filters.search)
        clauses.append(
            (
                "(title ilike %s or company_name ilike %s or description_text ilike %s)",
                (pattern, pattern, pattern),
            )
        )
    where = " and ".join(clause for clause, _ in clauses)
    return where, [value for _, values in clauses for value in values]


def _employment_condition(filters: PostingFilters) -> tuple[str, tuple]:
    """Salaried work only when asked for; otherwise the chosen employment types, or all."""
    salaried = filters.include_salaried or SALARIED in filters.employment
    kinds = [kind for kind in filters.employment if kind != SALARIED]
    if not kinds:
        if filters.employment and not filters.include_salaried:
            return "coalesce(is_salaried, false)", ()
        return ("true", ()) if salaried else ("not coalesce(is_salaried, false)", ())
    chosen = "(not coalesce(is_salaried, false) and employment_type = any(%s::text[]))"
    return (f"({chosen} or coalesce(is_salaried, false))" if salaried else chosen), (kinds,)


def _order(filters: PostingFilters, match_skills: list[str]) -> str | None:
    """The chosen sort ahead of the default order; None for the default (freshness) order."""
    if filters.sort == "match" and match_skills:
        return "match_score desc, " + ORDER_BY
    if filters.sort == "pay":
        return f"{HOURLY_PAY} desc nulls last, " + ORDER_BY
    if filters.sort == "legitimacy":
        return "legitimacy_score desc nulls last, " + ORDER_BY
    return None


def postings_query(
    filters: PostingFilters,
    *,
    limit: int,
    profile: Profile = NO_PROFILE,
    after: tuple | None = None,
    select: tuple[str, ...] = FEED_COLUMNS,
) -> tuple[str, list]:
    """The Feed's SELECT for ``filters``: at most ``limit`` rows, in the Feed's order.

    Each row carries ``match_score``: the share of the profile's skills (or else the filtered
    skills) the posting asks for, 0–100, or None when there are no skills to match; and
    ``meets_floor``: the profile's floor against the posting's top hourly figure, null without
    a floor or without an hourly figure. ``after`` (from ``cursor_keys``) resumes the default
    order after that row.
    """
    where, parameters = conditions(filters, profile)
    match_skills = list(profile.skills or filters.skills)
    match = (
        "round(100.0 * cardinality(array(select unnest(skills) intersect "
        "select unnest(%s::text[]))) / %s)::integer"
    )
    sorted_by = _order(filters, match_skills)
    page = ""
    if after is not None:
        if sorted_by is not None:
            raise BadCursor("a cursor pages the default order only")
        page, page_parameters = _after(after)
        parameters += page_parameters
    order = (sorted_by or ORDER_BY).replace(CONTRACT_WORK, "feed_contract_work")
    floor = profile.min_hourly_usd
    sql = f"""
        select * from (
            select {", ".join(select)}, {POSTED} as feed_posted_at,
                   {CONTRACT_WORK} as feed_contract_work,
                   {match if match_skills else "null::integer"} as match_score,
                   {f"{HOURLY_PAY} >= %s" if floor > 0 else "null::boolean"} as meets_floor
            from {MART}
            where {where} {page}
        ) as matched
        order by {order.replace(POSTED, "feed_posted_at")}
        limit %s
    """
    match_parameters = [match_skills, len(match_skills)] if match_skills else []
    floor_parameters = [floor] if floor > 0 else []
    return sql, match_parameters + floor_parameters + parameters + [limit]


def count_query(
    filters: PostingFilters, *, cap: int, profile: Profile = NO_PROFILE
) -> tuple[str, list]:
    """How many postings ``postings_query`` would return without a limit, counted up to
    ``cap + 1`` (an exact count of a broad filter would read every open posting)."""
    where, parameters = conditions(filters, profile)
    sql = f"select count(*) as n from (select from {MART} where {where} limit %s) as matched"
    return sql, parameters + [cap + 1]


# -- keyset pagination ------------------------------------------------------------------------


def _after(keys: tuple) -> tuple[str, list]:
    """Rows after (contract work, posted, posting_id) in ``ORDER_BY`` (contract work first,
    then posted descending with nulls last, then by id)."""
    contract_work, posted, posting_id = keys
    if posted is None:
        same_kind = f"{POSTED} is null and posting_id > %s"
        same_parameters = [posting_id]
    else:
        same_kind = f"{POSTED} < %s or ({POSTED} = %s and posting_id > %s) or {POSTED} is null"
        same_parameters = [posted, posted, posting_id]
    return (
        f"and ({CONTRACT_WORK} < %s or ({CONTRACT_WORK} = %s and ({same_kind})))",
        [contract_work, contract_work, *same_parameters],
    )


def cursor_after(row: dict) -> str:
    """An opaque cursor naming ``row`` (a row of ``postings_query``) as the last one seen."""
    posted = row.get("feed_posted_at")
    keys = [
        bool(row.get("feed_contract_work")),
        posted.isoformat() if posted is not None else None,
        row["posting_id"],
    ]
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


def cursor_keys(cursor: str) -> tuple:
    """The (contract work, posted, posting_id) a cursor from ``cursor_after`` names;
    ``BadCursor`` otherwise."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        contract_work, posted, posting_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(posting_id, str) or not isinstance(contract_work, bool):
            raise TypeError(posting_id)
        posted_at = datetime.fromisoformat(posted) if posted is not None else None
        return (contract_work, posted_at, posting_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise BadCursor("not a cursor this API wrote") from error


def like_pattern(text: str) -> str:
    escaped = visitor_text(text).strip()
    escaped = escaped.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
