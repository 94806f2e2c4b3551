"""The rate-floor registry: developers publish their own minimum hourly rate.

Each entry is one developer's individual published minimum (handle, skills, minimum hourly
USD, region); it is not a pledge and nobody agrees to a common rate. The public sees anonymous
aggregates per skill and, for a client's budget, how many registered developers it meets;
handles appear next to rates only for developers who opted in.

Entries are validated here and written with parameterised SQL only. Creating an entry returns
an edit token, shown once; the table keeps only its SHA-256 (the token is 256 random bits, so
a fast hash is enough) and edits compare hashes in constant time.

Privacy (docs/registry-privacy.md): no aggregate of fewer floors than the minimum cell size
(setting ``registry_min_cell_size``, at least 5) is published; counts are given in bands of
that size, percentiles rounded to $5, and the budget checker takes whole dollars and answers
with the band of the published percentiles the budget falls in, so it tells nothing the
percentiles do not. Publishing is rate-limited per session and for everyone, and the
public list of opted-in handles comes a page at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from psycopg import errors
from psycopg.rows import dict_row

from midtier import allowed_values, database, taxonomy
from midtier.taxonomy import load_skills

TABLE = "registry.rate_floors"

HANDLE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9_-]{1,30})[a-z0-9]")
MIN_RATE_USD = Decimal("5")
MAX_RATE_USD = Decimal("1000")
MAX_SKILLS = 12
# The mart's regions (seed allowed_values), so floors and postings compare by region; a
# developer names one, so "unknown" is no choice.
REGIONS = {
    value: label for value, label in allowed_values.labels("region").items() if value != "unknown"
}
TOKEN_BYTES = 32
TOKEN_PREFIX = "mt_"
# Published percentiles are rounded to this many dollars: with few floors a percentile is one
# developer's floor (with 5, p25, median and p75 are the 2nd, 3rd and 4th).
PERCENTILE_STEP_USD = 5
# New entries: per browser session, and from everyone together, per hour. A flood of
# throwaway entries (500 at $5 in 1.8 s) otherwise moved the median at will.
SESSION_PUBLISHES_PER_HOUR = 3
GLOBAL_PUBLISHES_PER_HOUR = 30
PUBLIC_PAGE_SIZE = 50
# The budget checker's answers: where the budget falls among the cell's published percentiles.
BUDGET_BANDS = (
    "fewer than a quarter",
    "about a quarter to a half",
    "about half to three quarters",
    "at least about three quarters",
)


def min_cell_size() -> int:
    """The fewest floors any published aggregate may stand for (one place: the settings)."""
    from midtier.settings import load_settings

    return load_settings().registry_min_cell_size


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
    """One skill's floors: ``developers`` is a band ("5–9"), or None below the cell size,
    when the percentiles are None too."""

    skill: str
    developers: str | None
    p25: int | None
    median: int | None
    p75: int | None


@dataclass(frozen=True)
class BudgetCheck:
    """A budget (whole dollars) against a cell's floors: ``band`` (one of BUDGET_BANDS) of
    ``developers`` (a band of the cell size), or both None when the cell is too small."""

    budget_usd: int
    developers: str | None
    band: str | None


# -- validation -------------------------------------------------------------------------------


def validate(
    handle: object,
    skills: Iterable[object] | None,
    min_hourly_usd: object,
    region: object,
    is_handle_public: object = False,
) -> RateFloor:
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
        problems.append(
            f"Minimum hourly rate: a number of US dollars from {MIN_RATE_USD} to {MAX_RATE_USD}."
        )
    region_text = str(region or "").strip()
    if region_text not in REGIONS:
        problems.append(f"Region: one of {', '.join(REGIONS)}.")
    if not isinstance(is_handle_public, bool):
        problems.append("Showing the handle is a yes/no choice.")
    if problems:
        raise RegistryError(problems)
    return RateFloor(
        handle_text, tuple(chosen), rate.quantize(Decimal("0.01")), region_text, is_handle_public
    )


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
    # A bare token_urlsafe starts with "-" one time in 64, and argparse then reads
    # `--token -abc…` as a missing value; the prefix also lets secret scanners spot a leak.
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


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
        # one publisher at a time, so the hour's count cannot be raced past the limit
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
        cur.execute(f"select count(*) from {TABLE} where created_at > now() - interval '1 hour'")
        if cur.fetchone()[0] >= GLOBAL_PUBLISHES_PER_HOUR:
            raise RegistryError(
                [
                    "The registry takes a limited number of new entries an hour; "
                    "please try again later."
                ]
            )
        try:
            cur.execute(
                f"""
                insert into {TABLE} (handle, skills, min_hourly_usd, region, is_handle_public,
                                     edit_token_sha256)
                values (%s, %s, %s, %s, %s, %s)
                """,
                (
                    floor.handle,
                    list(floor.skills),
                    floor.min_hourly_usd,
                    floor.region,
                    floor.is_handle_public,
                    token_hash(token),
                ),
            )
        except errors.UniqueViolation as error:
            raise RegistryError([f"Handle: '{floor.handle}' is taken; choose another."]) from error
    return token


def check_session_quota(published_at: list[float], now: float) -> None:
    """Refuse another entry from a session that published SESSION_PUBLISHES_PER_HOUR in the
    last hour (``published_at``: its publish times, seconds)."""
    if sum(1 for moment in published_at if now - moment < 3600) >= SESSION_PUBLISHES_PER_HOUR:
        raise RegistryError(
            [
                f"At most {SESSION_PUBLISHES_PER_HOUR} new entries an hour from one "
                "session; please try again later."
            ]
        )


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
            (
                list(floor.skills),
                floor.min_hourly_usd,
                floor.region,
                floor.is_handle_public,
                floor.handle,
            ),
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


# -- dated commitments ------------------------------------------------------------------------


COMMITMENTS = "registry.commitments"
MAX_COMMITMENTS = 10
# How far ahead a commitment may run: a promise about the next two years, not forever.
MAX_COMMITMENT_DAYS = 730


@dataclass(frozen=True)
class Commitment:
    """ "No work in ``category`` below ``min_hourly_usd`` an hour until ``until_on``"."""

    category: str
    min_hourly_usd: Decimal
    until_on: date


def validate_commitment(
    category: object, min_hourly_usd: object, until_on: object, today: date | None = None
) -> Commitment:
    """A ``Commitment`` from form input, or ``RegistryError`` listing every problem."""
    today = today or date.today()
    problems = []
    category_text = str(category or "").strip()
    if category_text not in taxonomy.categories():
        problems.append("Category: one of the skill categories.")
    rate = _decimal(min_hourly_usd)
    if rate is None or not MIN_RATE_USD <= rate <= MAX_RATE_USD:
        problems.append(
            f"Minimum hourly rate: a number of US dollars from {MIN_RATE_USD} to {MAX_RATE_USD}."
        )
    if not isinstance(until_on, date) or not (
        today < until_on <= today + timedelta(days=MAX_COMMITMENT_DAYS)
    ):
        problems.append(f"Until: a date after today and at most {MAX_COMMITMENT_DAYS} days ahead.")
    if problems:
        raise RegistryError(problems)
    return Commitment(category_text, rate.quantize(Decimal("0.01")), until_on)


def add_commitment(url: str, handle: str, token: str, commitment: Commitment) -> None:
    """Attach a dated commitment to the entry ``handle`` if ``token`` is its edit token."""
    handle = str(handle or "").strip().lower()
    with _connection(url) as conn, conn.cursor() as cur:
        _check_token(cur, handle, token)
        cur.execute(f"select rate_floor_id from {TABLE} where handle = %s", (handle,))
        [rate_floor_id] = cur.fetchone()
        cur.execute(
            f"select count(*) from {COMMITMENTS} where rate_floor_id = %s", (rate_floor_id,)
        )
        if cur.fetchone()[0] >= MAX_COMMITMENTS:
            raise RegistryError([f"At most {MAX_COMMITMENTS} commitments an entry."])
        cur.execute(
            f"insert into {COMMITMENTS} (rate_floor_id, category, min_hourly_usd, until_on) "
            "values (%s, %s, %s, %s)",
            (rate_floor_id, commitment.category, commitment.min_hourly_usd, commitment.until_on),
        )


def public_commitments(url: str, today: date | None = None) -> list[dict]:
    """The commitments of developers who show their handle, current ones first, each with
    ``is_lapsed`` (its date has passed)."""
    return _read(
        url,
        f"""
        select floors.handle, commitments.category, commitments.min_hourly_usd,
               commitments.until_on, commitments.until_on < %s as is_lapsed
        from {COMMITMENTS} as commitments
        join {TABLE} as floors on floors.rate_floor_id = commitments.rate_floor_id
        where floors.is_handle_public
        order by commitments.until_on < %s, floors.handle, commitments.category,
                 commitments.until_on
        limit 500
        """,
        (today or date.today(), today or date.today()),
    )


# -- public reads -----------------------------------------------------------------------------


def skill_aggregates(url: str) -> list[SkillAggregate]:
    """Per skill: the band of its floor count and its rounded p25/median/p75, or nothing but
    the skill's name below the minimum cell size."""
    k = min_cell_size()
    aggregates = []
    for row in _cells(url, "skill", f"from {TABLE}, unnest(skills) as skill", "group by skill"):
        shown = row["n"] >= k
        aggregates.append(
            SkillAggregate(
                skill=row["skill"],
                developers=count_band(row["n"], k) if shown else None,
                p25=_rounded(row["p25"]) if shown else None,
                median=_rounded(row["median"]) if shown else None,
                p75=_rounded(row["p75"]) if shown else None,
            )
        )
    return sorted(aggregates, key=lambda aggregate: (aggregate.developers is None, aggregate.skill))


def budget_check(
    url: str, hourly_budget_usd: float, skill: str | None = None, region: str | None = None
) -> BudgetCheck:
    """Where a budget (cut to whole dollars) falls among the floors of developers with
    ``skill`` in ``region``: judged against the cell's rounded percentiles only, so the
    answer changes at published numbers, never at one developer's floor."""
    budget = max(0, int(hourly_budget_usd))
    k = min_cell_size()
    [cell] = _cells(
        url,
        "null::text as cell",
        f"from {TABLE} where (%s::text is null or %s = any(skills)) "
        "and (%s::text is null or region = %s)",
        "",
        (skill, skill, region, region),
    )
    if cell["n"] < k:
        return BudgetCheck(budget, None, None)
    passed = sum(budget >= _rounded(cell[cut]) for cut in ("p25", "median", "p75"))
    return BudgetCheck(budget, count_band(cell["n"], k), BUDGET_BANDS[passed])


def count_band(n: int, k: int) -> str:
    """A count as the band of width k it falls in: "5–9", "10–14"."""
    low = n // k * k
    return f"{low}–{low + k - 1}"


def public_entries(
    url: str, page: int = 1, page_size: int = PUBLIC_PAGE_SIZE
) -> tuple[list[dict], int]:
    """One page of the entries whose developers opted in to show their handle, cheapest
    first, and how many there are in all."""
    page = max(1, int(page))
    rows = _read(
        url,
        f"""
        select handle, skills, min_hourly_usd, region, count(*) over () as total
        from {TABLE}
        where is_handle_public
        order by min_hourly_usd, handle
        limit %s offset %s
        """,
        (page_size, (page - 1) * page_size),
    )
    total = (
        rows[0]["total"]
        if rows
        else _read(url, f"select count(*) as total from {TABLE} where is_handle_public")[0]["total"]
    )
    return [{key: value for key, value in row.items() if key != "total"} for row in rows], total


def _cells(
    url: str, key: str, source: str, grouping: str, parameters: tuple | None = None
) -> list[dict]:
    return _read(
        url,
        f"""
        select {key},
               count(*) as n,
               percentile_cont(0.25) within group (order by min_hourly_usd) as p25,
               percentile_cont(0.50) within group (order by min_hourly_usd) as median,
               percentile_cont(0.75) within group (order by min_hourly_usd) as p75
        {source}
        {grouping}
        """,
        parameters,
    )


# -- helpers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _connection(url: str):
    """A read-write connection; commits on success, rolls back on error, always closed."""
    conn = database.connect(url)
    try:
        with conn:
            yield conn
    except (errors.UndefinedTable, errors.InvalidSchemaName) as error:
        raise database.DatabaseError(
            f"The registry table {TABLE} does not exist yet: run `midtier db up`."
        ) from error
    finally:
        conn.close()


def _read(url: str, sql: str, parameters: tuple | None = None) -> list[dict]:
    with _connection(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, parameters)
        return [dict(row) for row in cur.fetchall()]


def _rounded(value) -> int | None:
    """To the nearest PERCENTILE_STEP_USD dollars."""
    if value is None:
        return None
    return int(PERCENTILE_STEP_USD * round(float(value) / PERCENTILE_STEP_USD))
