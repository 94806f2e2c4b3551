"""Saved, opt-in feed profiles: a developer's feed preferences kept in PostgreSQL.

A profile belongs to a rate-floor registry entry (edited with that entry's edit token, its
skills pre-filled from the entry) or stands alone (creating it returns its own edit token).
Saving issues a private feed token: the key to the personal feed at the API's
``/feeds/{token}.atom`` and ``.rss``. Every save issues a new one (the old one stops
working), and revoking ends the feed at once (404). As in the registry, tokens are shown
once and only their SHA-256 is stored; every write is parameterised SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from midtier import feed_query, registry
from midtier.registry import RegistryError, new_token, token_hash

TABLE = "registry.feed_profiles"
MAX_LIST = 20
# New standalone profiles from everyone together, per hour (as the registry limits entries).
GLOBAL_CREATES_PER_HOUR = 30
NAME_LENGTH = 100


@dataclass(frozen=True)
class Preferences:
    """What a personal feed keeps: the Feed's filters a developer chose, and a floor."""

    skills: tuple[str, ...] = ()
    min_hourly_usd: Decimal = Decimal("0")
    engagement_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    min_legitimacy: int = 0
    mid_market_only: bool = False

    def filters(self) -> feed_query.PostingFilters:
        return feed_query.PostingFilters(
            skills=self.skills,
            engagement_types=self.engagement_types,
            regions=self.regions,
            min_legitimacy=self.min_legitimacy,
            mid_market_only=self.mid_market_only,
        )

    def profile(self) -> feed_query.Profile:
        """The floor hides postings known to pay less and keeps fixed-price ones, as the Feed's
        profile does."""
        return feed_query.Profile(skills=self.skills, min_hourly_usd=float(self.min_hourly_usd))


@dataclass(frozen=True)
class FeedProfile:
    profile_id: int
    preferences: Preferences

    def filters(self) -> feed_query.PostingFilters:
        return self.preferences.filters()

    def profile(self) -> feed_query.Profile:
        return self.preferences.profile()


def validate(
    skills=(),
    min_hourly_usd: object = 0,
    engagement_types=(),
    regions=(),
    min_legitimacy: object = 0,
    mid_market_only: object = False,
) -> Preferences:
    """``Preferences`` from form input, or ``RegistryError`` listing every problem."""
    problems = []
    chosen = _slugs(skills)
    unknown = sorted(set(chosen) - set(registry.load_skills()))
    if unknown:
        problems.append(f"Skills: not in the taxonomy: {', '.join(unknown)}.")
    if len(chosen) > registry.MAX_SKILLS:
        problems.append(f"Skills: at most {registry.MAX_SKILLS}.")
    floor = registry._decimal(min_hourly_usd)
    if floor is None or not 0 <= floor <= registry.MAX_RATE_USD:
        problems.append(f"Floor: a number of US dollars from 0 to {registry.MAX_RATE_USD}.")
    types = _slugs(engagement_types)
    chosen_regions = _slugs(regions)
    if any(region not in registry.REGIONS for region in chosen_regions):
        problems.append(f"Regions: from {', '.join(registry.REGIONS)}.")
    if len(types) > MAX_LIST or any(len(value) > NAME_LENGTH for value in types):
        problems.append(f"Engagement types: at most {MAX_LIST} names.")
    try:
        legitimacy = int(min_legitimacy)
    except (TypeError, ValueError):
        legitimacy = -1
    if isinstance(min_legitimacy, bool) or not 0 <= legitimacy <= 100:
        problems.append("Minimum legitimacy: a whole number from 0 to 100.")
    if not isinstance(mid_market_only, bool):
        problems.append("Mid-market only is a yes/no choice.")
    if problems:
        raise RegistryError(problems)
    return Preferences(
        chosen, floor.quantize(Decimal("0.01")), types, chosen_regions, legitimacy, mid_market_only
    )


def _slugs(values) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    return tuple(
        dict.fromkeys(str(value).strip().lower() for value in values or () if str(value).strip())
    )


# -- writes -----------------------------------------------------------------------------------


def save_for_entry(url: str, handle: str, edit_token: str, preferences: Preferences) -> str:
    """Save the preferences of the registry entry ``handle`` (its edit token proves it is
    theirs); no skills given means the entry's own. Returns the new feed token."""
    handle = str(handle or "").strip().lower()
    feed_token = new_token()
    with registry._connection(url) as conn, conn.cursor() as cur:
        registry._check_token(cur, handle, edit_token)
        cur.execute(
            f"select rate_floor_id, skills from {registry.TABLE} where handle = %s", (handle,)
        )
        rate_floor_id, entry_skills = cur.fetchone()
        skills = list(preferences.skills or entry_skills)
        cur.execute(
            f"""
            insert into {TABLE} (rate_floor_id, skills, min_hourly_usd, engagement_types,
                                 regions, min_legitimacy, mid_market_only, feed_token_sha256)
            values (%s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (rate_floor_id) do update set
                skills = excluded.skills, min_hourly_usd = excluded.min_hourly_usd,
                engagement_types = excluded.engagement_types, regions = excluded.regions,
                min_legitimacy = excluded.min_legitimacy,
                mid_market_only = excluded.mid_market_only,
                feed_token_sha256 = excluded.feed_token_sha256,
                updated_at = now(), revoked_at = null
            """,
            (rate_floor_id, skills, *_columns(preferences), token_hash(feed_token)),
        )
    return feed_token


def create(url: str, preferences: Preferences) -> tuple[str, str]:
    """A standalone profile (no published floor); returns (edit token, feed token)."""
    edit_token, feed_token = new_token(), new_token()
    with registry._connection(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
        cur.execute(
            f"select count(*) from {TABLE} "
            "where rate_floor_id is null and created_at > now() - interval '1 hour'"
        )
        if cur.fetchone()[0] >= GLOBAL_CREATES_PER_HOUR:
            raise RegistryError(
                ["Feeds take a limited number of new profiles an hour; please try again later."]
            )
        cur.execute(
            f"""
            insert into {TABLE} (skills, min_hourly_usd, engagement_types, regions,
                                 min_legitimacy, mid_market_only, edit_token_sha256,
                                 feed_token_sha256)
            values (%s, %s, %s, %s, %s, %s, %s, %s)
            """,
            (
                list(preferences.skills),
                *_columns(preferences),
                token_hash(edit_token),
                token_hash(feed_token),
            ),
        )
    return edit_token, feed_token


def update(url: str, edit_token: str, preferences: Preferences) -> str:
    """Replace a standalone profile's preferences; returns its new feed token."""
    feed_token = new_token()
    with registry._connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            update {TABLE} set skills = %s, min_hourly_usd = %s, engagement_types = %s,
                regions = %s, min_legitimacy = %s, mid_market_only = %s,
                feed_token_sha256 = %s, updated_at = now(), revoked_at = null
            where edit_token_sha256 = %s
            """,
            (
                list(preferences.skills),
                *_columns(preferences),
                token_hash(feed_token),
                token_hash(edit_token or ""),
            ),
        )
        if cur.rowcount != 1:
            raise registry.WrongToken()
    return feed_token


def revoke(url: str, edit_token: str, handle: str | None = None) -> None:
    """End a profile's feed: the registry entry ``handle``'s (with its edit token), or the
    standalone profile whose edit token this is."""
    with registry._connection(url) as conn, conn.cursor() as cur:
        if handle is not None:
            handle = str(handle).strip().lower()
            registry._check_token(cur, handle, edit_token)
            cur.execute(
                f"""
                update {TABLE} set revoked_at = now()
                where rate_floor_id = (select rate_floor_id from {registry.TABLE}
                                       where handle = %s)
                """,
                (handle,),
            )
        else:
            cur.execute(
                f"update {TABLE} set revoked_at = now() where edit_token_sha256 = %s",
                (token_hash(edit_token or ""),),
            )
            if cur.rowcount != 1:
                raise registry.WrongToken()


# -- reads ------------------------------------------------------------------------------------


def by_feed_token(url: str, feed_token: str) -> FeedProfile | None:
    """The live profile this feed token opens; None for an unknown or revoked token."""
    rows = registry._read(
        url,
        f"""
        select feed_profile_id, skills, min_hourly_usd, engagement_types, regions,
               min_legitimacy, mid_market_only
        from {TABLE}
        where feed_token_sha256 = %s and revoked_at is null
        """,
        (token_hash(feed_token or ""),),
    )
    if not rows:
        return None
    row = rows[0]
    return FeedProfile(
        row["feed_profile_id"],
        Preferences(
            tuple(row["skills"]),
            row["min_hourly_usd"],
            tuple(row["engagement_types"]),
            tuple(row["regions"]),
            row["min_legitimacy"],
            row["mid_market_only"],
        ),
    )


def _columns(preferences: Preferences) -> tuple:
    return (
        preferences.min_hourly_usd,
        list(preferences.engagement_types),
        list(preferences.regions),
        preferences.min_legitimacy,
        preferences.mid_market_only,
    )
