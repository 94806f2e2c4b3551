"""Turn the client-legitimacy suite's failing rows into ``quality.posting_flags``.

One row per (posting, check). A failing posting is flagged (or its open flag refreshed with
the new observed value and validation); an open flag whose posting the check now passes is
cleared. Checks that were skipped or errored leave their flags alone, and so does a check
whose failing-row list came back incomplete: clearing needs the full list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import Connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlagChanges:
    added: int = 0
    refreshed: int = 0
    cleared: int = 0


@dataclass(frozen=True)
class CheckOutcome:
    """What one legitimacy check found: every failing posting with its observed value."""

    check_name: str
    failing: dict[str, str]  # posting_id -> observed value
    complete: bool  # every failing row is listed (safe to clear the others)


def apply(conn: Connection, validation_id: str, outcomes: list[CheckOutcome]) -> FlagChanges:
    added = refreshed = cleared = 0
    with conn.cursor() as cur:
        for outcome in outcomes:
            cur.execute(
                "select posting_id from quality.posting_flags "
                "where check_name = %s and cleared_at is null",
                (outcome.check_name,),
            )
            open_before = {row[0] for row in cur.fetchall()}
            if outcome.failing:
                cur.executemany(
                    """
                    insert into quality.posting_flags
                        (posting_id, check_name, observed_value, validation_id, flagged_at, cleared_at)
                    values (%s, %s, %s, %s, now(), null)
                    on conflict (posting_id, check_name) do update set
                        observed_value = excluded.observed_value,
                        validation_id = excluded.validation_id,
                        flagged_at = case when quality.posting_flags.cleared_at is null
                                          then quality.posting_flags.flagged_at
                                          else excluded.flagged_at end,
                        cleared_at = null
                    """,
                    [
                        (posting_id, outcome.check_name, observed, validation_id)
                        for posting_id, observed in sorted(outcome.failing.items())
                    ],
                )
            new = set(outcome.failing) - open_before
            added += len(new)
            refreshed += len(outcome.failing) - len(new)
            if not outcome.complete:
                log.warning(
                    "check %s listed only part of its failing rows: no flags cleared",
                    outcome.check_name,
                )
                continue
            cur.execute(
                """
                update quality.posting_flags
                set cleared_at = now(), validation_id = %s
                where check_name = %s and cleared_at is null and not (posting_id = any(%s))
                """,
                (validation_id, outcome.check_name, list(outcome.failing)),
            )
            cleared += cur.rowcount
    return FlagChanges(added=added, refreshed=refreshed, cleared=cleared)
