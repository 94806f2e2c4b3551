"""The publication gate: exports are written only when the latest critical checks passed.

"Latest validation" is the most recent validation that ran a critical suite. Every decision
(published or not, and why) is appended to ``quality.publication_log``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from midtier import database


class PublicationBlocked(RuntimeError):
    """Critical data checks failed: nothing may be published."""


@dataclass(frozen=True)
class Gate:
    validation_id: str | None
    failed_suites: list[str]

    @property
    def blocked(self) -> bool:
        return bool(self.failed_suites)

    @property
    def reason(self) -> str | None:
        if not self.failed_suites:
            return None
        return (
            f"critical data checks failed in validation {self.validation_id}: "
            f"{', '.join(self.failed_suites)}"
        )


def gate(url: str) -> Gate:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            """
            select validation_id from quality.validation_results
            where critical order by validated_at desc, validation_id desc limit 1
            """
        )
        row = cur.fetchone()
        if row is None:
            return Gate(validation_id=None, failed_suites=[])
        cur.execute(
            "select suite_name from quality.validation_results "
            "where validation_id = %s and critical and not success order by suite_name",
            (row[0],),
        )
        return Gate(validation_id=row[0], failed_suites=[name for (name,) in cur.fetchall()])


def record(
    url: str,
    *,
    validation_id: str | None,
    published: bool,
    reason: str | None,
    out_dir: Path | None = None,
    files: list[Path] | None = None,
) -> None:
    with contextlib.closing(database.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            """
            insert into quality.publication_log (validation_id, published, reason, out_dir, files)
            values (%s, %s, %s, %s, %s)
            """,
            (
                validation_id,
                published,
                reason,
                str(out_dir) if out_dir else None,
                [str(path) for path in files or []],
            ),
        )
