"""Self-declared track record: portfolio case studies and history on other platforms.

A developer states these about themselves; Midtier checks nothing but their form. They are
written only with the developer entry's edit token, at most ``DECLARATIONS_PER_HOUR`` an hour
per handle and ``MAX_PER_KIND`` of each kind per entry (the registry's limits, in kind), and
``fct_developer_profiles`` keeps them apart from the verified evidence, labelled
self-declared. Withdrawal (``midtier.developers.withdraw``) deletes them with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from midtier import taxonomy
from midtier.developers import DEVELOPERS, _connection, _handle
from midtier.registry import RegistryError, WrongToken, new_token, token_hash, token_matches

CASE_STUDIES = "registry.developer_case_studies"
PLATFORM_HISTORY = "registry.developer_platform_history"
DECLARATIONS_PER_HOUR = 10
MAX_PER_KIND = 20
SHORT_TEXT_CHARS = 200
OUTCOME_CHARS = 1000
LINK_CHARS = 500
MAX_PROJECTS = 100_000


@dataclass(frozen=True)
class CaseStudy:
    title: str
    link: str | None
    client_type: str | None
    budget_band: str | None
    duration: str | None
    skills: tuple[str, ...]
    outcome: str | None


@dataclass(frozen=True)
class PlatformHistory:
    platform: str
    projects_completed: int | None
    rating: str | None
    link: str | None


def validate_case_study(
    title: object,
    link: object = None,
    client_type: object = None,
    budget_band: object = None,
    duration: object = None,
    skills: Iterable[str] = (),
    outcome: object = None,
) -> CaseStudy:
    """A ``CaseStudy`` from user input, or ``RegistryError`` listing every problem."""
    problems: list[str] = []
    study = CaseStudy(
        title=_text("Title", title, SHORT_TEXT_CHARS, problems, required=True),
        link=_link(link, problems),
        client_type=_text("Client type", client_type, SHORT_TEXT_CHARS, problems),
        budget_band=_text("Budget band", budget_band, SHORT_TEXT_CHARS, problems),
        duration=_text("Duration", duration, SHORT_TEXT_CHARS, problems),
        skills=_skills(skills, problems),
        outcome=_text("Outcome", outcome, OUTCOME_CHARS, problems),
    )
    if problems:
        raise RegistryError(problems)
    return study


def validate_platform_history(
    platform: object, projects_completed: object = None, rating: object = None, link: object = None
) -> PlatformHistory:
    """A ``PlatformHistory`` from user input, or ``RegistryError`` listing every problem."""
    problems: list[str] = []
    projects = None
    if projects_completed is not None:
        try:
            projects = int(str(projects_completed).strip())
        except ValueError:
            projects = -1
        if not 0 <= projects <= MAX_PROJECTS:
            problems.append(f"Projects completed: a whole number from 0 to {MAX_PROJECTS:,}.")
    history = PlatformHistory(
        platform=_text("Platform", platform, SHORT_TEXT_CHARS, problems, required=True),
        projects_completed=projects,
        rating=_text("Rating", rating, SHORT_TEXT_CHARS, problems),
        link=_link(link, problems),
    )
    if problems:
        raise RegistryError(problems)
    return history


def add_case_study(url: str, handle: object, token: str, study: CaseStudy) -> int:
    """Record a self-declared case study for the developer entry whose edit token this is;
    return its id."""
    handle = _handle(handle)
    with _connection(url) as conn, conn.cursor() as cur:
        _check_writable(cur, handle, token, CASE_STUDIES)
        cur.execute(
            f"""
            insert into {CASE_STUDIES}
                (handle, title, link, client_type, budget_band, duration, skills, outcome)
            values (%s, %s, %s, %s, %s, %s, %s, %s)
            returning case_study_id
            """,
            (
                handle,
                study.title,
                study.link,
                study.client_type,
                study.budget_band,
                study.duration,
                list(study.skills),
                study.outcome,
            ),
        )
        return cur.fetchone()[0]


def add_platform_history(url: str, handle: object, token: str, history: PlatformHistory) -> int:
    """Record self-declared history on another platform for the developer entry whose edit
    token this is; return its id."""
    handle = _handle(handle)
    with _connection(url) as conn, conn.cursor() as cur:
        _check_writable(cur, handle, token, PLATFORM_HISTORY)
        cur.execute(
            f"""
            insert into {PLATFORM_HISTORY} (handle, platform, projects_completed, rating, link)
            values (%s, %s, %s, %s, %s)
            returning platform_history_id
            """,
            (handle, history.platform, history.projects_completed, history.rating, history.link),
        )
        return cur.fetchone()[0]


def _check_writable(cur, handle: str, token: str, table: str) -> None:
    """The token is the entry's edit token, and the entry is within its limits."""
    # the row lock serialises one entry's writes, so the counts below cannot be raced past
    cur.execute(
        f"select edit_token_sha256 from {DEVELOPERS} where handle = %s for update", (handle,)
    )
    row = cur.fetchone()
    # compared even for an unknown handle, so timing does not tell which handles exist
    stored = row[0] if row else token_hash(new_token())
    if not token_matches(token, stored) or row is None:
        raise WrongToken()
    cur.execute(
        f"""
        select (select count(*) from {CASE_STUDIES} where handle = %(handle)s
                  and created_at > now() - interval '1 hour')
             + (select count(*) from {PLATFORM_HISTORY} where handle = %(handle)s
                  and created_at > now() - interval '1 hour'),
               (select count(*) from {table} where handle = %(handle)s)
        """,
        {"handle": handle},
    )
    this_hour, of_kind = cur.fetchone()
    if this_hour >= DECLARATIONS_PER_HOUR:
        raise RegistryError(
            [
                f"At most {DECLARATIONS_PER_HOUR} self-declared entries an hour for one "
                "handle; please try again later."
            ]
        )
    if of_kind >= MAX_PER_KIND:
        raise RegistryError([f"At most {MAX_PER_KIND} entries of this kind for one handle."])


def _text(
    label: str, value: object, limit: int, problems: list[str], required: bool = False
) -> str | None:
    text = " ".join(str(value or "").replace("\x00", "").split())
    if not text:
        if required:
            problems.append(f"{label}: required.")
        return None
    if len(text) > limit:
        problems.append(f"{label}: at most {limit} characters.")
    return text


def _link(value: object, problems: list[str]) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        problems.append("Link: an http(s) address.")
    elif len(text) > LINK_CHARS or any(character.isspace() for character in text):
        problems.append(f"Link: one address of at most {LINK_CHARS} characters.")
    return text


def _skills(values: Iterable[str], problems: list[str]) -> tuple[str, ...]:
    known = taxonomy.load_skills()
    slugs = tuple(dict.fromkeys(str(value).strip().lower() for value in values if value))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        problems.append(f"Skills: not in the taxonomy: {', '.join(unknown)}.")
    return slugs
