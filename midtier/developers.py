"""Developer profiles on public evidence: opt-in, proof of control, withdrawal, assessments.

A developer links a GitHub login to a rate-floor registry handle (a new entry, or an
existing one when they give its edit token) and gets a one-time code. Once the code shows in
their bio or a public gist (``midtier.github_proof``), the login is verified; only verified,
opted-in logins are ever crawled (``verified_logins``). Codes and tokens are stored as SHA-256
only (both are random, so a fast hash is enough) and compared in constant time; verification
attempts are limited per handle.

Withdrawal deletes every row naming the handle: raw evidence, registry rows (the linked rate
floor too) and every dbt table with a ``handle`` column; it redacts the evidence crawls'
recorded errors and what the crawls left on disk (``midtier.crawl_traces``: log lines,
cached responses, job state) naming the handle, the login or their pull requests. What
stays is one audit row holding only the time and the counts removed per table and kind.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from datetime import date

from midtier import crawl_traces, database, github_proof
from midtier.registry import (
    GLOBAL_PUBLISHES_PER_HOUR,
    HANDLE_PATTERN,
    RegistryError,
    WrongToken,
    new_token,
    token_hash,
    token_matches,
)
from midtier.settings import load_settings

DEVELOPERS = "registry.developers"
ATTEMPTS = "registry.developer_verification_attempts"
EVIDENCE = "raw.developer_evidence"
EVIDENCE_SPIDER = "github_evidence"
CODE_VALID_DAYS = 7
VERIFY_ATTEMPTS_PER_HOUR = 5
# dbt's schemas, where a withdrawn handle's rows are deleted from every table with a handle.
DBT_SCHEMAS = ("staging", "intermediate", "marts")
PROFILES = "marts.fct_developer_profiles"
SKILLS = "marts.fct_developer_skills"


@dataclass(frozen=True)
class Added:
    code: str  # the one-time code, shown once
    token: str | None  # the edit token of a new entry, shown once; None when one was linked


def new_code() -> str:
    return f"midtier-{secrets.token_hex(8)}"


def _handle(handle: object) -> str:
    text = str(handle or "").strip().lower()
    if not HANDLE_PATTERN.fullmatch(text):
        raise RegistryError(
            [
                "Handle: 3–32 characters, letters, digits, '-' or '_', starting and "
                "ending with a letter or digit."
            ]
        )
    return text


def _login(login: object) -> str:
    text = str(login or "").strip()
    if not github_proof.LOGIN_PATTERN.fullmatch(text):
        raise RegistryError([f"GitHub login: {text!r} is not a valid GitHub login."])
    return text.lower()  # GitHub logins are case-insensitive


# -- opt-in -----------------------------------------------------------------------------------


def add(url: str, handle: object, github_login: object, token: str | None = None) -> Added:
    """Link ``github_login`` to ``handle`` and issue a new one-time code.

    Without ``token`` a new entry is made (refused when the handle exists); with it, the
    token must be the edit token of the handle's rate-floor or developer entry, and a fresh
    code replaces any earlier one."""
    handle, login = _handle(handle), _login(github_login)
    code = new_code()
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (DEVELOPERS,))
        stored = _stored_token_hash(cur, handle)
        issued = None
        if token is None:
            if stored is not None:
                raise RegistryError([f"Handle: '{handle}' is taken; give its --token to link it."])
            cur.execute(
                f"select count(*) from {DEVELOPERS} where created_at > now() - interval '1 hour'"
            )
            if cur.fetchone()[0] >= GLOBAL_PUBLISHES_PER_HOUR:
                raise RegistryError(
                    [
                        "The registry takes a limited number of new entries an hour; "
                        "please try again later."
                    ]
                )
            issued = new_token()
            stored = token_hash(issued)
        elif stored is None or not token_matches(token, stored):
            raise WrongToken()
        cur.execute(
            f"select handle from {DEVELOPERS} where github_login = %s and handle <> %s",
            (login, handle),
        )
        if cur.fetchone():
            raise RegistryError([f"GitHub login: '{login}' is linked to another handle."])
        cur.execute(
            f"""
            insert into {DEVELOPERS} (handle, github_login, edit_token_sha256, code_sha256,
                                      code_issued_at)
            values (%s, %s, %s, %s, now())
            on conflict (handle) do update
            set github_login = excluded.github_login, code_sha256 = excluded.code_sha256,
                code_issued_at = now(),
                -- a new login must be proven again
                verified_at = case when {DEVELOPERS}.github_login = excluded.github_login
                                   then {DEVELOPERS}.verified_at end
            """,
            (handle, login, stored, token_hash(code)),
        )
    return Added(code, issued)


def _stored_token_hash(cur, handle: str) -> str | None:
    """The handle's edit-token hash: its developer entry's, else its rate floor's."""
    cur.execute(
        f"""
        select edit_token_sha256 from {DEVELOPERS} where handle = %s
        union all
        select edit_token_sha256 from registry.rate_floors where handle = %s
        limit 1
        """,
        (handle, handle),
    )
    row = cur.fetchone()
    return row[0] if row else None


def verify(url: str, handle: object, token: str, base_url: str | None = None) -> str:
    """Record the handle's login as verified once its code is in the bio or a public gist;
    return the login. ``RegistryError`` says what is missing."""
    handle = _handle(handle)
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(f"delete from {ATTEMPTS} where attempted_at < now() - interval '1 day'")
        cur.execute(
            f"select count(*) from {ATTEMPTS} where handle = %s "
            "and attempted_at > now() - interval '1 hour'",
            (handle,),
        )
        if cur.fetchone()[0] >= VERIFY_ATTEMPTS_PER_HOUR:
            raise RegistryError(
                [
                    f"At most {VERIFY_ATTEMPTS_PER_HOUR} verification attempts an "
                    "hour for one handle; please try again later."
                ]
            )
        cur.execute(f"insert into {ATTEMPTS} (handle) values (%s)", (handle,))
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            select github_login, edit_token_sha256, code_sha256,
                   code_issued_at > now() - make_interval(days => %s)
            from {DEVELOPERS} where handle = %s
            """,
            (CODE_VALID_DAYS, handle),
        )
        row = cur.fetchone()
    if row is None or not token_matches(token, row[1]):
        raise WrongToken()
    login, _, code_hash, code_is_fresh = row
    if code_hash is None or not code_is_fresh:
        raise RegistryError(
            [
                "No valid code: run `midtier developers add HANDLE --github LOGIN "
                "--token TOKEN` for a new one."
            ]
        )
    try:
        found = github_proof.codes_in_public_profile(login, base_url)
    except github_proof.GithubUnavailable as error:
        raise RegistryError([f"Could not read {login}'s public profile: {error}."]) from error
    if not any(token_matches(code, code_hash) for code in found):
        raise RegistryError(
            [
                f"The code is not in {login}'s GitHub bio or public gists yet; add "
                "it, then verify again."
            ]
        )
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"update {DEVELOPERS} set verified_at = now(), code_sha256 = null "
            "where handle = %s and code_sha256 = %s",
            (handle, code_hash),
        )
    return login


def verified_logins(url: str) -> list[tuple[str, str]]:
    """(handle, github_login) of every verified, opted-in developer: all the crawl may name."""
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"select handle, github_login from {DEVELOPERS} "
            "where verified_at is not null and is_opted_in order by handle"
        )
        return [(handle, login) for handle, login in cur.fetchall()]


# -- withdrawal -------------------------------------------------------------------------------


def withdraw(url: str, handle: object, token: str) -> dict[str, int]:
    """Delete everything naming the handle if ``token`` is its edit token; the rows removed
    per table and the log lines and crawl files purged (also kept, without the handle, as
    the audit line)."""
    handle = _handle(handle)
    removed: dict[str, int] = {}
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"select edit_token_sha256, github_login from {DEVELOPERS} "
            "where handle = %s for update",
            (handle,),
        )
        row = cur.fetchone()
        stored = row[0] if row else token_hash(new_token())
        if not token_matches(token, stored) or row is None:
            raise WrongToken()
        login = row[1]
        cur.execute(f"select source_url from {EVIDENCE} where handle = %s", (handle,))
        pattern = crawl_traces.developer_pattern(
            [handle, login], [source_url for (source_url,) in cur.fetchall()]
        )
        # a rejected answer is kept verbatim and may name the login
        cur.execute(
            "delete from raw.rejects where source = %s and (strpos(lower(url), %s) > 0 "
            "or strpos(lower(payload), %s) > 0)",
            (EVIDENCE_SPIDER, f"/{login}", f'"{login}"'),
        )
        removed["raw.rejects"] = cur.rowcount
        tables = [
            EVIDENCE,
            "raw.developer_api_responses",
            "raw.crawl_rate_limit_pauses",
            "registry.developer_assessments",
            "registry.developer_case_studies",
            "registry.developer_platform_history",
            ATTEMPTS,
            DEVELOPERS,
            "registry.rate_floors",
            *_dbt_tables_with_handle(cur),
        ]
        for table in tables:
            cur.execute(f"delete from {table} where handle = %s", (handle,))
            removed[table] = cur.rowcount
        removed["raw.crawl_runs (errors redacted)"] = _redact_crawl_errors(cur, pattern)
        # what the crawls left on disk: last, so a failure above leaves every file as it was
        removed.update(crawl_traces.purge(load_settings(), pattern).as_counts())
        cur.execute(
            "insert into registry.developer_withdrawals (rows_removed) values (%s)",
            (json.dumps(removed),),
        )
    return removed


def _redact_crawl_errors(cur, pattern) -> int:
    """The evidence crawls' recorded errors (a crawler's last lines) without the developer."""
    cur.execute(
        "select crawl_run_id, error from raw.crawl_runs where source = %s and error is not null",
        (EVIDENCE_SPIDER,),
    )
    changed = 0
    for run_id, error in cur.fetchall():
        redacted = crawl_traces.redact_text(error, pattern)
        if redacted != error:
            cur.execute(
                "update raw.crawl_runs set error = %s where crawl_run_id = %s", (redacted, run_id)
            )
            changed += 1
    return changed


def _dbt_tables_with_handle(cur) -> list[str]:
    cur.execute(
        """
        select format('%%I.%%I', c.table_schema, c.table_name)
        from information_schema.columns c
        join information_schema.tables t using (table_schema, table_name)
        where c.column_name = 'handle' and t.table_type = 'BASE TABLE'
          and c.table_schema = any(%s)
        order by 1
        """,
        (list(DBT_SCHEMAS),),
    )
    return [row[0] for row in cur.fetchall()]


# -- assessments ------------------------------------------------------------------------------


def add_reviewer(url: str, reviewer_handle: object) -> str:
    """Register a reviewer; return their token (shown once, stored hashed)."""
    reviewer = _handle(reviewer_handle)
    token = new_token()
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into registry.reviewers (reviewer_handle, token_sha256) values (%s, %s) "
            "on conflict do nothing",
            (reviewer, token_hash(token)),
        )
        if cur.rowcount == 0:
            raise RegistryError([f"Reviewer: '{reviewer}' exists already."])
    return token


def record_assessment(
    url: str,
    reviewer_token: str,
    handle: object,
    *,
    assessed_on: date,
    skill_slug: str,
    outcome: str,
    notes: str | None = None,
) -> str:
    """Record that the reviewer holding ``reviewer_token`` assessed the developer; return the
    reviewer's handle."""
    from midtier.taxonomy import load_skills

    handle = _handle(handle)
    problems = []
    if skill_slug not in load_skills():
        problems.append(f"Skill: {skill_slug!r} is not in the taxonomy.")
    if not str(outcome or "").strip() or len(outcome) > 200:
        problems.append("Outcome: a short text (at most 200 characters).")
    if notes and len(notes) > 5000:
        problems.append("Notes: at most 5,000 characters.")
    if problems:
        raise RegistryError(problems)
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select reviewer_handle from registry.reviewers where token_sha256 = %s",
            (token_hash(reviewer_token or ""),),
        )
        row = cur.fetchone()
        if row is None:
            raise RegistryError(["That reviewer token matches no reviewer."])
        cur.execute(f"select 1 from {DEVELOPERS} where handle = %s", (handle,))
        if cur.fetchone() is None:
            raise RegistryError([f"No developer entry '{handle}'."])
        cur.execute(
            """
            insert into registry.developer_assessments
                (handle, reviewer_handle, assessed_on, skill_slug, outcome, notes)
            values (%s, %s, %s, %s, %s, %s)
            """,
            (handle, row[0], assessed_on, skill_slug, outcome.strip(), notes),
        )
    return row[0]


# -- the public profile -----------------------------------------------------------------------


def public_profile(url: str, handle: object) -> dict | None:
    """The handle's profile as the marts hold it, with its skills; None when there is none."""
    handle = _handle(handle)
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass(%s)", (PROFILES,))
        if cur.fetchone()[0] is None:
            raise database.DatabaseError("No developer profiles yet: run `midtier transform`.")
        cur.execute(f"select to_jsonb(p) from {PROFILES} p where handle = %s", (handle,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            f"select to_jsonb(s) - 'handle' from {SKILLS} s where handle = %s "
            "order by strength desc, skill_slug",
            (handle,),
        )
        return {**row[0], "skill_evidence": [skill for (skill,) in cur.fetchall()]}


@contextlib.contextmanager
def _connection(url: str):
    """A read-write connection; commits on success, rolls back on error, always closed."""
    conn = database.connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()
