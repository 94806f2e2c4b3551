"""The skill taxonomy, read from dbt's seed (``dbt/seeds/skills.csv``), like ``midtier.sources``.

dbt tags postings with these slugs; Python only needs the list itself: the registry checks a
developer's skills against it and the exports group postings into per-category feeds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from midtier.settings import PROJECT_ROOT

SKILLS_FILE = PROJECT_ROOT / "dbt" / "seeds" / "skills.csv"


@dataclass(frozen=True)
class Skill:
    slug: str
    name: str
    category: str


@cache
def load_skills(path: Path = SKILLS_FILE) -> dict[str, Skill]:
    """Canonical skills by slug, in the seed's order."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            row["skill_slug"]: Skill(row["skill_slug"], row["skill_name"], row["category"])
            for row in csv.DictReader(handle)
        }


def categories() -> list[str]:
    """Every skill category, sorted (the per-category feeds exist for each, even when empty)."""
    return sorted({skill.category for skill in load_skills().values()})


def categories_of(skills: list[str] | tuple[str, ...] | None) -> list[str]:
    """The sorted categories of the given skill slugs (unknown slugs are ignored)."""
    taxonomy = load_skills()
    return sorted({taxonomy[slug].category for slug in skills or () if slug in taxonomy})
