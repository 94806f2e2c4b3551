"""The sources Midtier can crawl and each one's published terms.

The terms live as data in ``dbt/seeds/source_terms.csv``: dbt loads the same file as a seed
(so marts and dashboards can show attribution), spiders read their request delay and request
budget from it, the crawl step enforces the daily call limit, and exports honour the
attribution, link-back and re-publishing columns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from midtier.settings import PROJECT_ROOT

DEMO_DATA = Path(__file__).with_name("demo_data")
TERMS_FILE = PROJECT_ROOT / "dbt" / "seeds" / "source_terms.csv"


@dataclass(frozen=True)
class Source:
    name: str  # also the spider name and the value of raw.postings.source
    display_name: str
    homepage_url: str
    terms_url: str
    attribution_text: str
    requires_link_back: bool
    allows_republishing: bool
    min_request_delay_seconds: float
    max_requests_per_run: int
    max_runs_per_day: int
    listing_delay_hours: int
    notes: str

    @property
    def demo_dir(self) -> Path:
        """Recorded real responses, laid out by request path, served in offline runs."""
        return DEMO_DATA / self.name


def _flag(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


@cache
def load_sources(path: Path = TERMS_FILE) -> dict[str, Source]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            row["source"]: Source(
                name=row["source"],
                display_name=row["display_name"],
                homepage_url=row["homepage_url"],
                terms_url=row["terms_url"],
                attribution_text=row["attribution_text"],
                requires_link_back=_flag(row["requires_link_back"]),
                allows_republishing=_flag(row["allows_republishing"]),
                min_request_delay_seconds=float(row["min_request_delay_seconds"]),
                max_requests_per_run=int(row["max_requests_per_run"]),
                max_runs_per_day=int(row["max_runs_per_day"]),
                listing_delay_hours=int(row["listing_delay_hours"]),
                notes=row["notes"],
            )
            for row in csv.DictReader(handle)
        }


def _crawlable() -> dict[str, Source]:
    """Sources with a spider in scrapers/spiders/ (terms may be recorded before the spider)."""
    spiders = PROJECT_ROOT / "scrapers" / "spiders"
    return {
        name: source for name, source in load_sources().items() if (spiders / f"{name}.py").exists()
    }


SOURCES: dict[str, Source] = _crawlable()
# Spiders that collect developers' public evidence (raw.developer_evidence), not postings:
# crawled by `midtier crawl NAME` and their own weekly DAG, never with the postings sources.
EVIDENCE_SPIDERS = ("github_evidence",)


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r}; known sources: {known}") from None
