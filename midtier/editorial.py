"""Newsletter editors: who may pick the digest's postings, and their picks.

An editor is added from the command line (`midtier editor add NAME`), which prints a token
once; the table keeps only its SHA-256 (the token is 256 random bits, so a fast hash is
enough, as for the rate-floor registry's edit tokens) and sign-ins compare hashes in constant
time. Failed sign-ins are limited per dashboard session and for everyone together, so tokens
cannot be guessed at speed.

Picks: a pinned posting opens the digest (in the editor's order), a skipped one is left out.
They live in ``editorial.digest_picks`` (midtier/sql/40_editorial.sql); ``midtier.digest``
reads them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from midtier import database
from midtier.registry import new_token, token_hash, token_matches

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")
# Failed sign-ins: per browser session in SESSION_WINDOW_SECONDS, and from everyone per minute.
SESSION_FAILURES_ALLOWED = 5
SESSION_WINDOW_SECONDS = 900
GLOBAL_FAILURES_PER_MINUTE = 20


class EditorialError(ValueError):
    """A request refused, in words for the person who made it."""


@contextlib.contextmanager
def _transaction(url: str | None):
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        yield cur


def add_editor(url: str | None, name: str) -> str:
    """Register editor ``name``; return the token (it exists in clear only now)."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise EditorialError("An editor's name is 1-63 letters, digits, spaces, '.', '_' or '-'.")
    token = new_token()
    with _transaction(url) as cur:
        cur.execute(
            """
            insert into editorial.editors (editor_name, token_sha256) values (%s, %s)
            on conflict (editor_name) do nothing
            """,
            (name, token_hash(token)),
        )
        if cur.rowcount == 0:
            raise EditorialError(
                f"An editor named {name!r} exists already; revoke it first "
                "(`midtier editor revoke NAME`) to issue a new token."
            )
    return token


def revoke_editor(url: str | None, name: str) -> bool:
    """Revoke ``name``'s token (and delete the editor, once no pick names it); False if unknown."""
    with _transaction(url) as cur:
        cur.execute(
            "update editorial.editors set revoked_at = now(), token_sha256 = %s "
            "where editor_name = %s and revoked_at is null",
            ("revoked:" + token_hash(new_token()), name),
        )
        return cur.rowcount > 0


def list_editors(url: str | None) -> list[tuple[str, object, object]]:
    """(name, created_at, revoked_at) of every editor."""
    with _transaction(url) as cur:
        cur.execute(
            "select editor_name, created_at, revoked_at from editorial.editors order by editor_name"
        )
        return [tuple(row) for row in cur.fetchall()]


def sign_in(url: str | None, token: str, failures: list[float], now: float) -> str:
    """The name of the editor whose token this is. ``failures`` holds this session's failed
    attempts (times in seconds); a failure is appended to it and recorded for everyone."""
    recent = [moment for moment in failures if now - moment < SESSION_WINDOW_SECONDS]
    if len(recent) >= SESSION_FAILURES_ALLOWED:
        raise EditorialError("Too many wrong tokens from this session; try again in 15 minutes.")
    with _transaction(url) as cur:
        cur.execute(
            "delete from editorial.sign_in_failures where failed_at < now() - interval '1 hour'"
        )
        cur.execute(
            "select count(*) from editorial.sign_in_failures "
            "where failed_at > now() - interval '1 minute'"
        )
        if cur.fetchone()[0] >= GLOBAL_FAILURES_PER_MINUTE:
            raise EditorialError(
                "Too many wrong tokens were tried in the last minute; try again shortly."
            )
        cur.execute(
            "select editor_name, token_sha256 from editorial.editors where revoked_at is null "
            "and token_sha256 = %s",
            (token_hash(token or ""),),
        )
        row = cur.fetchone()
        if row is not None and token_matches(token, row[1]):
            return row[0]
        cur.execute("insert into editorial.sign_in_failures default values")
    failures.append(now)
    raise EditorialError("That token does not belong to an editor.")


def picks(url: str | None) -> tuple[list[str], list[str]]:
    """(pinned posting ids in order, skipped posting ids)."""
    with _transaction(url) as cur:
        cur.execute(
            "select posting_id, action from editorial.digest_picks "
            "order by position nulls last, posting_id"
        )
        rows = cur.fetchall()
    return [row[0] for row in rows if row[1] == "pin"], [row[0] for row in rows if row[1] == "skip"]


def save_picks(url: str | None, editor: str, pinned: Sequence[str], skipped: Sequence[str]) -> None:
    """Replace the picks with these: ``pinned`` in digest order, ``skipped`` left out."""
    overlap = set(pinned) & set(skipped)
    if overlap:
        raise EditorialError("A posting cannot be both pinned and skipped.")
    with _transaction(url) as cur:
        cur.execute(
            "select 1 from editorial.editors where editor_name = %s and revoked_at is null",
            (editor,),
        )
        if cur.fetchone() is None:
            raise EditorialError("Your editor token was revoked; sign in again.")
        cur.execute("delete from editorial.digest_picks")
        rows = [
            (posting_id, "pin", position, editor) for position, posting_id in enumerate(pinned, 1)
        ]
        rows += [(posting_id, "skip", None, editor) for posting_id in skipped]
        cur.executemany(
            "insert into editorial.digest_picks (posting_id, action, position, editor_name) "
            "values (%s, %s, %s, %s)",
            rows,
        )
