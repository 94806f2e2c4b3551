"""Settings read from the environment, with defaults that work on a fresh clone.

Every piece of state (database files, logs, exports, Airflow and dbt artefacts) lives
under ``MIDTIER_HOME`` so a checkout can be wiped by deleting one folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    pg_port: int
    user_agent: str
    contact_url: str
    close_after_missed_crawls: int
    # A transform facing more unprocessed postings than this runs the per-posting models in
    # batches of about this many first (see midtier.transform.catch_up).
    transform_batch_postings: int = 100_000
    # Where a root-run embedded server keeps its binaries and clusters (see midtier.database).
    pg_system_dir: Path = Path("/var/lib/midtier")
    # Crawls read the bundled recorded responses instead of the web unless a run says otherwise.
    offline: bool = False
    # The rate-floor registry publishes no aggregate of fewer floors than this (never below 5).
    registry_min_cell_size: int = 5
    # Requests one client may make to `midtier api` in a minute.
    api_requests_per_minute: int = 120

    @property
    def postgres_dir(self) -> Path:
        return self.home / "postgres"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def crawl_state_dir(self) -> Path:
        """Scrapy's HTTP cache and job state, when a crawl keeps them (withdrawal purges it)."""
        return self.home / "scrapy"

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url


def parse_flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings() -> Settings:
    home = Path(os.environ.get("MIDTIER_HOME") or PROJECT_ROOT / ".midtier").resolve()
    contact_url = os.environ.get("MIDTIER_CONTACT_URL", "https://github.com/midtier/midtier")
    return Settings(
        home=home,
        database_url=os.environ.get("DATABASE_URL") or None,
        pg_port=int(os.environ.get("MIDTIER_PG_PORT", "54329")),
        user_agent=os.environ.get(
            "MIDTIER_USER_AGENT", f"MidtierBot/0.1 (+{contact_url}; job-market research crawler)"
        ),
        contact_url=contact_url,
        close_after_missed_crawls=int(os.environ.get("MIDTIER_CLOSE_AFTER_MISSED_CRAWLS", "3")),
        transform_batch_postings=int(os.environ.get("MIDTIER_TRANSFORM_BATCH_POSTINGS", "100000")),
        pg_system_dir=Path(os.environ.get("MIDTIER_PG_SYSTEM_DIR") or "/var/lib/midtier"),
        offline=parse_flag(os.environ.get("MIDTIER_OFFLINE", "")),
        registry_min_cell_size=max(5, int(os.environ.get("MIDTIER_REGISTRY_MIN_CELL_SIZE", "5"))),
        api_requests_per_minute=int(os.environ.get("MIDTIER_API_REQUESTS_PER_MINUTE", "120")),
    )
