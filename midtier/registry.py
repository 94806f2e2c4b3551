"""The rate-floor registry: developers publish their own minimum hourly rate.

Each entry is one developer's individual published minimum (handle, skills, minimum hourly
USD, region); it is not a pledge and nobody agrees to a common rate. The public sees anonymous
aggregates per skill and, for a client's budget, how many registered developers it meets;
handles appear next to rates only for developers who opted in.

Entries are validated here and written with parameterised SQL only. Creating an entry returns
an edit token, shown once; the table keeps only its SHA-256 (the token is 256 random bits, so
a fast hash is enough) and edits compare hashes in constant time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import psycopg2
import psycopg2.errors
import psycopg2.extras

from midtier import database
from midtier.taxonomy import load_skills

TABLE = "registry.rate_floors"

HANDLE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9_-]{1,30})[a-z0-9]")
MIN_RATE_USD = Decimal("5")
MAX_RATE_USD = Decimal("1000")
MAX_SKILLS = 12
# The mart's region values (fct_postings.region), so floors and postings compare by region.
REGIONS = {
    "worldwide": "Worldwide",
    "north_america": "North America",
    "latin_america": "Latin America",
    "europe": "Europe",
    "asia_pacific": "Asia-Pacific",
    "middle_east_africa": "Middle East & Africa",
}
# Percentiles of fewer floors than this would all but name the developers behind them.
MIN_FLOORS_FOR_PERCENTILES = 3
TOKEN_BYTES = 32


class RegistryError(ValueError):
    """A request the registry refuses; ``problems`` lists what to fix, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class WrongToken(RegistryError):
    """No entry with that handle, or the edit token does not match (deliberately one error)."""

    def __init__(self):
        super().__init__(["That handle and edit token do not match an entry."])


@dataclass(frozen=True)
class RateFloor:
    """A validated entry, ready to store."""

    handle: str
    skills: tuple[str, ...]
    min_hourly_usd: Decimal
    region: str
    is_handle_public: bool = False


@dataclass(frozen=True)
class SkillAggregate:
    skill: str
    developers: int
    p25: float | None
    median: float | None
    p75: float | None


# -- validation -------------------------------------------------------------------------------


def validate(handle: object, skills: Iterable[object] | None, min_hourly_usd: object, region: object,
             is_handle_public: object = False) -> RateFloor:
    """A ``RateFloor`` from form input, or ``RegistryError`` listing every problem."""
    problems = []
    handle_text = str(handle or "").strip().lower()
    if not HANDLE_PATTERN.fullmatch(handle_text):
        problems.append(
            "Handle: 3–32 characters, letters, digits, '-' or '_', starting and ending with a "
            "letter or digit."
        )
    taxonomy = load_skills()
    chosen = []
    for skill in skills or ():
        slug = str(skill).strip().lower()
        if slug not in chosen:
            chosen.append(slug)
    unknown = [slug for slug in chosen if slug not in taxonomy]
    if not chosen:
        problems.append("Skills: choose at least one.")
    elif unknown:
        problems.append(f"Skills: not in the taxonomy: {', '.join(sorted(unknown))}.")
    elif len(chosen) > MAX_SKILLS:
        problems.append(f"Skills: at most {MAX_SKILLS}.")
    rate = _decimal(min_hourly_usd)
    if rate is None or not MIN_RATE_USD <= rate <= MAX_RATE_USD:
        problems.append(f"Minimum hourly rate: a number of US dollars from {MIN_RATE_USD} to {MAX_RATE_USD}.")
    region_text = str(region or "").strip()
    if region_text not in REGIONS:
        problems.append(f"Region: one of {', '.join(REGIONS)}.")
    if not isinstance(is_handle_public, bool):
        problems.append("Showing the handle is a yes/no choice.")
    if problems:
        raise RegistryError(problems)
    return RateFloor(handle_text, tuple(chosen), rate.quantize(Decimal("0.01")), region_text,
                     is_handle_public)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


# -- tokens -----------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with the stored hash."""
    return hmac.compare_digest(token_hash(token or ""), stored_hash)


# -- writes -----------------------------------------------------------------------------------


def publish(url: str, floor: RateFloor) -> str:
    """Store a new entry; return its edit token (the only time it exists in clear)."""
    token = new_token()
    with _connection(url) as conn, conn.cursor() as cur:
        try:
            cur.execute(
                f"""
                insert into {TABLE} (handle, skills, min_hourly_usd, region, is_handle_public,
                                     edit_token_sha256)
                values (%s, %s, %s, %s, %s, %s)
                """,
                (floor.handle, list(floor.skills), floor.min_hourly_usd, floor.region,
                 floor.is_handle_public, token_hash(token)),
            )
        except psycopg2.errors.UniqueViolation as error:
            raise RegistryError([f"Handle: '{floor.handle}' is taken; choose another."]) from error
    return token


def update(url: str, token: str, floor: RateFloor) -> None:
    """Replace the entry with ``floor.handle`` if ``token`` is its edit token."""
    with _connection(url) as conn, conn.cursor() as cur:
        _check_token(cur, floor.handle, token)
        cur.execute(
            f"""
            update {TABLE}
            set skills = %s, min_hourly_usd = %s, region = %s, is_handle_public = %s,
                updated_at = now()
            where handle = %s
            """,
            (list(floor.skills), floor.min_hourly_usd, floor.region, floor.is_handle_public,
             floor.handle),
        )


def withdraw(url: str, handle: str, token: str) -> None:
    """Delete the entry if ``token`` is its edit token."""
    handle = str(handle or "").strip().lower()
    with _connection(url) as conn, conn.cursor() as cur:
        _check_token(cur, handle, token)
        cur.execute(f"delete from {TABLE} where handle = %s", (handle,))


def _check_token(cur, handle: str, token: str | None) -> None:
    # Lock the row so a concurrent edit with the same token cannot interleave.
    cur.execute(f"select edit_token_sha256 from {TABLE} where handle = %s for update", (handle,))
    row = cur.fetchone()
    # Compare even when the handle is unknown, so timing does not tell which handles exist.
    stored = row[0] if row else token_hash(new_token())
    if not token_matches(token, stored) or row is None:
        raise WrongToken()


# -- public reads -----------------------------------------------------------------------------


def skill_aggregates(url: str) -> list[SkillAggregate]:
    """Per skill: how many floors, and their p25/median/p75 once there are enough of them."""
    rows = _read(
        url,
        f"""
        select skill,
               count(*) as developers,
               percentile_cont(0.25) within group (order by min_hourly_usd) as p25,
               percentile_cont(0.50) within group (order by min_hourly_usd) as median,
               percentile_cont(0.75) within group (order by min_hourly_usd) as p75
        from {TABLE}, unnest(skills) as skill
        group by skill
        order by developers desc, skill
        """,
    )
    aggregates = []
    for row in rows:
        shown = row["developers"] >= MIN_FLOORS_FOR_PERCENTILES
        aggregates.append(SkillAggregate(
            skill=row["skill"],
            developers=row["developers"],
            p25=_round(row["p25"]) if shown else None,
            median=_round(row["median"]) if shown else None,
            p75=_round(row["p75"]) if shown else None,
        ))
    return aggregates


def developers_met(url: str, hourly_budget_usd: float, skill: str | None = None,
                   region: str | None = None) -> tuple[int, int]:
    """(floors at or below the budget, all floors) among developers with ``skill`` in ``region``."""
    rows = _read(
        url,
        f"""
        select count(*) filter (where min_hourly_usd <= %s) as met, count(*) as total
        from {TABLE}
        where (%s::text is null or %s = any(skills))
          and (%s::text is null or region = %s)
        """,
        (hourly_budget_usd, skill, skill, region, region),
    )
    return rows[0]["met"], rows[0]["total"]


def public_entries(url: str) -> list[dict]:
    """Entries whose developers opted in to show their handle, cheapest first."""
    return _read(
        url,
        f"""
        select handle, skills, min_hourly_usd, region
        from {TABLE}
        where is_handle_public
        order by min_hourly_usd, handle
        """,
    )


# -- helpers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _connection(url: str):
    """A read-write connection; commits on success, rolls back on error, always closed."""
    conn = database.connect(url)
    try:
        with conn:
            yield conn
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName) as error:
        raise database.DatabaseError(
            f"The registry table {TABLE} does not exist yet: run `midtier db up`."
        ) from error
    finally:
        conn.close()


def _read(url: str, sql: str, parameters: tuple | None = None) -> list[dict]:
    with _connection(url) as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql, parameters)
        return [dict(row) for row in cur.fetchall()]


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)
