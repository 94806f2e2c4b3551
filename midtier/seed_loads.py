"""Which dbt seeds a build may skip: those already loaded from the same files.

dbt reloads every seed on every ``dbt build`` (they are configured ``full_refresh``), which
costs a transform of a handful of new postings 30–100 s for some 12,000 unchanged seed rows.
After a build, each loaded seed table's comment records the digest of the files it was loaded
from (its CSV and the project's seed configuration); the next build excludes the seeds whose
table still carries the digest of today's files. A changed or added CSV, a changed column
type, a dropped table or a ``--full-refresh`` loads the seed again.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from psycopg import sql

from midtier.database import connect

SEEDS_SCHEMA = "seeds"  # dbt_project.yml: seeds +schema
_COMMENT_PREFIX = "midtier seed digest "


def seed_files(project_dir: Path) -> dict[str, Path]:
    """Each seed's name and CSV file."""
    return {path.stem: path for path in sorted((project_dir / "seeds").glob("*.csv"))}


def digests(project_dir: Path) -> dict[str, str]:
    """Each seed's digest: its CSV together with everything that configures seeds."""
    config = hashlib.sha256()
    for path in (project_dir / "dbt_project.yml", *sorted((project_dir / "seeds").glob("*.yml"))):
        config.update(path.read_bytes())
    return {
        name: hashlib.sha256(config.digest() + path.read_bytes()).hexdigest()
        for name, path in seed_files(project_dir).items()
    }


def loaded_unchanged(url: str, project_dir: Path) -> list[str]:
    """The seeds whose table was loaded from today's files (sorted)."""
    wanted = digests(project_dir)
    with contextlib.closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            """
            select c.relname, obj_description(c.oid, 'pg_class')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind = 'r'
            """,
            (SEEDS_SCHEMA,),
        )
        comments = dict(cur.fetchall())
    return sorted(
        name for name, digest in wanted.items() if comments.get(name) == _COMMENT_PREFIX + digest
    )


def record_loaded(url: str, project_dir: Path, names: list[str]) -> None:
    """Mark the seed tables ``names`` as loaded from today's files."""
    wanted = digests(project_dir)
    with contextlib.closing(connect(url)) as conn, conn, conn.cursor() as cur:
        for name in names:
            cur.execute(
                sql.SQL("comment on table {} is {}").format(
                    sql.Identifier(SEEDS_SCHEMA, name), sql.Literal(_COMMENT_PREFIX + wanted[name])
                )
            )
