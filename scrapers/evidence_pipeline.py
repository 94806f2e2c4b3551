"""Where the github_evidence spider's items land: ``raw.developer_evidence``.

The run is recorded in ``raw.crawl_runs`` like a postings crawl (the same counters; rejects
in ``raw.rejects``), through ``midtier.loading.PostingLoader``'s bookkeeping and batching.
Evidence rows are upserted on (handle, kind, source_url), so a second crawl of the same work
changes nothing but the payload and fetch time of what changed. The answers' ETags go to
``raw.developer_api_responses``; the rate-limit pauses of the run to
``raw.crawl_rate_limit_pauses``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from itemadapter import ItemAdapter

from midtier.loading import PostingLoader, _clean_payload
from midtier.raw_store import RunCounts
from scrapers.items import ApiResponseItem, EvidenceItem, RejectItem
from scrapers.middlewares import GITHUB_PAUSES_STAT
from scrapers.pipelines import RawPostingPipeline

KINDS = ("merged_pr", "own_repo", "review", "closed_issue")
MAX_URL = 4_096


class EvidenceLoader(PostingLoader):
    """``PostingLoader``'s run bookkeeping, batching and rejects, for evidence rows."""

    def add(self, fields: dict) -> None:
        row = {key: fields.get(key) for key in ("handle", "github_login", "kind", "source_url")}
        if row["kind"] not in KINDS or not all(row.values()) or len(row["source_url"]) > MAX_URL:
            self.reject(
                f"evidence item lacks a field or has an unknown kind: {row}",
                fields.get("payload"),
                row.get("source_url"),
            )
            return
        row["payload"] = json.dumps(_clean_payload(fields.get("payload")), ensure_ascii=False)
        row["fetched_at"] = datetime.now(UTC)
        self._postings.append(row)
        if len(self._postings) >= self.batch_size:
            self.flush()

    def _upsert(self, rows: list[dict]) -> None:
        self.summary.counts.add(upsert_evidence(self.store.conn, rows))

    def store_answers_and_pauses(self, answers: list[dict], pauses: list[dict]) -> None:
        with self.store.conn.transaction(), self.store.conn.cursor() as cur:
            for answer in answers:
                cur.execute(
                    """
                    insert into raw.developer_api_responses (handle, url, etag, body, fetched_at)
                    select %(handle)s, %(url)s, %(etag)s, %(body)s, now()
                    where exists (select 1 from registry.developers where handle = %(handle)s)
                    on conflict (handle, url) do update
                    set etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at
                    """,
                    {**answer, "body": answer["body"].replace("\x00", "")},
                )
            for pause in pauses:
                cur.execute(
                    """
                    insert into raw.crawl_rate_limit_pauses
                        (crawl_run_id, handle, url, status, kind, reset_at, waited_seconds,
                         gave_up, paused_at)
                    values (%s, %s, %s, %s, %s, to_timestamp(%s), %s, %s, to_timestamp(%s))
                    """,
                    (
                        self.summary.crawl_run_id,
                        pause["handle"],
                        pause["url"],
                        pause["status"],
                        pause["kind"],
                        pause["reset"],
                        pause["waited_seconds"],
                        pause["gave_up"],
                        pause["paused_at"],
                    ),
                )


class DeveloperEvidencePipeline(RawPostingPipeline):
    """One github_evidence run, written through an ``EvidenceLoader``."""

    loader_class = EvidenceLoader

    def __init__(self, loader: EvidenceLoader, crawler):
        super().__init__(loader, crawler)
        self.answers: dict[tuple[str, str], dict] = {}

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if isinstance(item, ApiResponseItem):
            self.answers[(adapter["handle"], adapter["url"])] = dict(adapter.items())
        elif isinstance(item, RejectItem):
            self.loader.reject(
                adapter.get("error") or "rejected by spider",
                adapter.get("payload"),
                adapter.get("url"),
            )
        elif isinstance(item, EvidenceItem):
            self.loader.add(dict(adapter.items()))
        return item

    def close_spider(self) -> None:
        self.loader.store_answers_and_pauses(
            list(self.answers.values()), self.crawler.stats.get_value(GITHUB_PAUSES_STAT) or []
        )
        super().close_spider()


def upsert_evidence(conn, rows: list[dict]) -> RunCounts:
    """Merge evidence rows; counts of new, updated (payload changed) and unchanged rows.

    Rows of a handle withdrawn while the crawl ran are dropped: the registry entry must
    still exist."""
    counts = RunCounts(seen=len(rows))
    latest = {(row["handle"], row["kind"], row["source_url"]): row for row in rows}
    with conn.transaction(), conn.cursor() as cur:
        for row in latest.values():
            cur.execute(
                """
                insert into raw.developer_evidence
                    (handle, github_login, kind, source_url, payload, fetched_at)
                select %(handle)s, %(github_login)s, %(kind)s, %(source_url)s, %(payload)s::jsonb,
                       %(fetched_at)s
                where exists (select 1 from registry.developers
                              where handle = %(handle)s and verified_at is not null)
                on conflict (handle, kind, source_url) do update
                set payload = excluded.payload, fetched_at = excluded.fetched_at,
                    github_login = excluded.github_login
                where raw.developer_evidence.payload is distinct from excluded.payload
                returning (xmax = 0) as inserted
                """,
                row,
            )
            result = cur.fetchone()
            if result is None:
                counts.unchanged += 1
            elif result[0]:
                counts.new += 1
            else:
                counts.updated += 1
    counts.seen = len(latest)
    return counts
