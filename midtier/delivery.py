"""Delivery of new matching postings to Discord and Slack incoming webhooks.

A channel subscribes with the Feed's filters (``midtier.feed_query``). ``run`` sends each
channel the postings that match and that its delivery log does not hold yet, oldest first,
at most ``MAX_PER_RUN`` a run (the rest go next run). The log row is written before the
request: a posting is sent to a channel at most once, across runs, retries and concurrent
runs. A request that fails with an answer (an HTTP error, a refused connection) did not
deliver, so it is tried again on a later run; one that got no answer at all may have
arrived and is never resent. A failing channel backs off (doubling, up to a day) with the
error recorded; one dead webhook never stops the others.

Postings from sources whose terms forbid re-publishing go out as title and link only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from psycopg.rows import dict_row

from midtier import database, exports, feed_query, posting_display
from midtier.settings import load_settings
from midtier.taxonomy import load_skills

log = logging.getLogger(__name__)
Echo = Callable[[str], None]

CHANNELS = "delivery.channels"
LOG = "delivery.log"
KINDS = ("discord", "slack")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# New postings: first posted within this many days of the newest crawl (a new channel gets
# the last week's, not the whole archive), at most MAX_PER_RUN a run per channel.
WINDOW_DAYS = 7
MAX_PER_RUN = 50
CANDIDATES = 1000
TIMEOUT_SECONDS = 10
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(days=1)
DESCRIPTION_CHARS = 300
ERROR_CHARS = 500
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class DeliveryError(ValueError):
    """A channel the delivery refuses to register; the message says what to fix."""


@dataclass(frozen=True)
class Channel:
    channel_id: int
    name: str
    kind: str
    webhook_url: str
    skills: tuple[str, ...]
    min_hourly_usd: Decimal
    mid_market_only: bool
    min_legitimacy: int

    def filters(self) -> feed_query.PostingFilters:
        return feed_query.PostingFilters(
            skills=self.skills,
            min_hourly_usd=float(self.min_hourly_usd),
            mid_market_only=self.mid_market_only,
            min_legitimacy=self.min_legitimacy,
            posted_within_days=WINDOW_DAYS,
        )


@dataclass
class ChannelRun:
    name: str
    sent: int = 0
    failed: int = 0
    skipped_until: datetime | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.skipped_until:
            return f"{self.name}: backing off until {self.skipped_until:%Y-%m-%d %H:%M} UTC"
        text = f"{self.name}: {self.sent} sent"
        return text + (f", failed: {self.error}" if self.error else "")


class _NoAnswer(Exception):
    """The request may have reached the webhook: never resend it."""


class _Refused(Exception):
    """The webhook did not take the posting (an answer saying so, or no connection)."""

    def __init__(self, message: str, retry_after: timedelta | None = None):
        super().__init__(message)
        self.retry_after = retry_after


# -- channels ---------------------------------------------------------------------------------


def add(
    url: str,
    name: str,
    kind: str,
    webhook_url: str,
    *,
    skills=(),
    min_hourly_usd=0,
    mid_market_only: bool = False,
    min_legitimacy: int = 0,
) -> None:
    """Register a channel; ``DeliveryError`` naming what is wrong otherwise."""
    name = (name or "").strip().lower()
    if not NAME_PATTERN.fullmatch(name):
        raise DeliveryError(
            "NAME: 1–63 letters, digits, '-' or '_', starting with a letter or digit"
        )
    if kind not in KINDS:
        raise DeliveryError(f"--kind: one of {', '.join(KINDS)}")
    parts = urlsplit(webhook_url or "")
    loopback = (parts.hostname or "") in LOOPBACK_HOSTS
    if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise DeliveryError("--url: the webhook's https:// URL (plain http only on loopback)")
    slugs = tuple(dict.fromkeys(skill.strip().lower() for skill in skills if skill.strip()))
    unknown = [skill for skill in slugs if skill not in load_skills()]
    if unknown:
        raise DeliveryError(f"--skills: not skill slugs of the taxonomy: {', '.join(unknown)}")
    if not 0 <= float(min_hourly_usd) <= 10_000:
        raise DeliveryError("--min-hourly-usd: from 0 to 10000")
    if not 0 <= int(min_legitimacy) <= 100:
        raise DeliveryError("--min-legitimacy: from 0 to 100")
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            insert into {CHANNELS} (name, kind, webhook_url, skills, min_hourly_usd,
                                    mid_market_only, min_legitimacy)
            values (%s, %s, %s, %s, %s, %s, %s)
            on conflict (name) do nothing
            """,
            (name, kind, webhook_url, list(slugs), min_hourly_usd, mid_market_only, min_legitimacy),
        )
        if cur.rowcount == 0:
            raise DeliveryError(
                f"NAME: a channel named {name!r} exists; `midtier deliver remove` it first"
            )


def remove(url: str, name: str) -> bool:
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(f"delete from {CHANNELS} where name = %s", (name,))
        return cur.rowcount == 1


def channels(url: str) -> list[dict]:
    """Every channel with its filters, last delivery, counts and last error (webhook URLs
    shortened: they are credentials)."""
    with _connection(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""
            select channels.*,
                   count(*) filter (where log.status = 'sent') as sent,
                   count(*) filter (where log.status = 'failed') as failed,
                   count(*) filter (where log.status = 'sending') as unconfirmed
            from {CHANNELS} as channels
            left join {LOG} as log on log.channel_id = channels.channel_id
            group by channels.channel_id
            order by channels.name
            """
        )
        rows = [dict(row) for row in cur.fetchall()]
    for row in rows:
        row["webhook"] = redact_webhook(row.pop("webhook_url"))
    return rows


def describe_channel(channel: Mapping) -> str:
    """One channel of ``channels`` as `midtier deliver list` prints it."""
    filters = [
        f"skills {','.join(channel['skills'])}" if channel["skills"] else None,
        f"from ${channel['min_hourly_usd']:g}/h" if channel["min_hourly_usd"] else None,
        "mid-market only" if channel["mid_market_only"] else None,
        f"legitimacy ≥ {channel['min_legitimacy']}" if channel["min_legitimacy"] else None,
    ]
    last = channel["last_delivery_at"]
    lines = [
        f"{channel['name']} ({channel['kind']}, {channel['webhook']}): "
        + (", ".join(item for item in filters if item) or "every posting"),
        f"  last delivery: {f'{last:%Y-%m-%d %H:%M} UTC' if last else 'never'}; "
        f"{channel['sent']} sent, {channel['failed']} failed, "
        f"{channel['unconfirmed']} unconfirmed",
    ]
    if channel["last_error"]:
        lines.append(
            f"  last error ({channel['last_error_at']:%Y-%m-%d %H:%M} UTC, "
            f"{channel['consecutive_failures']} in a row): {channel['last_error']}"
        )
    if channel["retry_after"]:
        lines.append(f"  backing off until {channel['retry_after']:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def redact_webhook(webhook_url: str) -> str:
    parts = urlsplit(webhook_url)
    return f"{parts.scheme}://{parts.netloc}/…{parts.path[-4:]}"


# -- sending ----------------------------------------------------------------------------------


def run(
    url: str | None = None,
    *,
    echo: Echo = log.info,
    now: datetime | None = None,
) -> list[ChannelRun]:
    """Send every channel what is due; one channel's failure never stops the others."""
    url = url or database.database_url()
    results = []
    for channel, retry_after in _due_channels(url):
        moment = now or datetime.now(UTC)
        if retry_after is not None and retry_after > moment:
            results.append(ChannelRun(channel.name, skipped_until=retry_after))
        else:
            try:
                results.append(_deliver(url, channel, moment))
            except Exception as error:  # record and go on: the next channel must still run
                log.exception("delivery to %s failed", channel.name)
                result = ChannelRun(channel.name, error=f"{type(error).__name__}: {error}")
                _record_failure(url, channel, result.error, None, moment)
                results.append(result)
        echo(results[-1].describe())
    return results


def _due_channels(url: str) -> list[tuple[Channel, datetime | None]]:
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(f"""select channel_id, name, kind, webhook_url, skills, min_hourly_usd,
                               mid_market_only, min_legitimacy, retry_after
                        from {CHANNELS} order by channel_id""")
        return [(Channel(*row[:4], tuple(row[4]), *row[5:8]), row[8]) for row in cur.fetchall()]


def _deliver(url: str, channel: Channel, now: datetime) -> ChannelRun:
    result = ChannelRun(channel.name)
    for posting in _new_postings(url, channel):
        if not _claim(url, channel, posting["posting_id"]):
            continue  # another run took it
        try:
            _post(channel, message(channel.kind, posting))
        except _Refused as refused:
            _settle(url, channel, posting["posting_id"], "failed", str(refused))
            result.failed += 1
            result.error = str(refused)
            _record_failure(url, channel, result.error, refused.retry_after, now)
            return result
        except _NoAnswer as silent:
            _settle(url, channel, posting["posting_id"], "sending", str(silent))
            result.error = str(silent)
            _record_failure(url, channel, result.error, None, now)
            return result
        _settle(url, channel, posting["posting_id"], "sent", None)
        result.sent += 1
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            update {CHANNELS} set consecutive_failures = 0, retry_after = null,
                last_delivery_at = case when %s > 0 then %s else last_delivery_at end
            where channel_id = %s
            """,
            (result.sent, now, channel.channel_id),
        )
    return result


def _new_postings(url: str, channel: Channel) -> list[dict]:
    """The channel's matching postings the log does not hold as sent or possibly sent,
    oldest first, at most MAX_PER_RUN."""
    with _connection(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select to_regclass(%s) is not null as present", (exports.MART,))
        if not cur.fetchone()["present"]:
            raise exports.MartMissing(f"{exports.MART} does not exist yet: run `midtier run`.")
        sql, parameters = feed_query.postings_query(channel.filters(), limit=CANDIDATES)
        cur.execute(sql, parameters)
        matching = [dict(row) for row in cur.fetchall()]
        cur.execute(
            f"select posting_id from {LOG} where channel_id = %s and status <> 'failed'",
            (channel.channel_id,),
        )
        done = {row["posting_id"] for row in cur.fetchall()}
    fresh = [posting for posting in matching if posting["posting_id"] not in done]
    return list(reversed(fresh))[:MAX_PER_RUN]


def _claim(url: str, channel: Channel, posting_id: str) -> bool:
    """Write the log row before sending (committed); False when it is taken already."""
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            insert into {LOG} as log (channel_id, posting_id, status)
            values (%s, %s, 'sending')
            on conflict (channel_id, posting_id) do update
                set status = 'sending', attempts = log.attempts + 1
                where log.status = 'failed'
            """,
            (channel.channel_id, posting_id),
        )
        return cur.rowcount == 1


def _settle(url: str, channel: Channel, posting_id: str, status: str, error: str | None) -> None:
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"""
            update {LOG} set status = %s, error = %s,
                sent_at = case when %s = 'sent' then now() end
            where channel_id = %s and posting_id = %s
            """,
            (status, error and error[:ERROR_CHARS], status, channel.channel_id, posting_id),
        )


def _record_failure(
    url: str, channel: Channel, error: str, wait: timedelta | None, now: datetime
) -> None:
    with _connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            f"select consecutive_failures from {CHANNELS} where channel_id = %s",
            (channel.channel_id,),
        )
        row = cur.fetchone()
        failures = (row[0] if row else 0) + 1
        backoff = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
        cur.execute(
            f"""
            update {CHANNELS} set consecutive_failures = %s, retry_after = %s,
                last_error = %s, last_error_at = %s
            where channel_id = %s
            """,
            (
                failures,
                now + max(backoff, wait or timedelta(0)),
                error[:ERROR_CHARS],
                now,
                channel.channel_id,
            ),
        )


def _post(channel: Channel, payload: dict) -> None:
    request = urllib.request.Request(
        channel.webhook_url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": load_settings().user_agent},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise _Refused(f"HTTP {error.code} from the webhook", _retry_after(error)) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            raise _NoAnswer("no answer in time; not resent, it may have arrived") from error
        raise _Refused(f"cannot reach the webhook: {error.reason}") from error
    except (TimeoutError, ConnectionResetError, http.client.HTTPException) as error:
        raise _NoAnswer(
            f"no complete answer ({type(error).__name__}); not resent, it may have arrived"
        ) from error


def _retry_after(error: urllib.error.HTTPError) -> timedelta | None:
    """A 429's wait: the Retry-After header (seconds or a date), or Discord's retry_after."""
    header = error.headers.get("Retry-After") if error.headers else None
    if header:
        with contextlib.suppress(ValueError):
            return timedelta(seconds=float(header))
        with contextlib.suppress(TypeError, ValueError):
            return parsedate_to_datetime(header) - datetime.now(UTC)
    if error.code == 429:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            return timedelta(seconds=float(json.loads(error.read(4096))["retry_after"]))
    return None


# -- messages ---------------------------------------------------------------------------------


def message(kind: str, posting: Mapping) -> dict:
    """The webhook's JSON for one posting: title and link only when its source forbids
    re-publishing, else with budget, skills, an excerpt and the attribution."""
    shown = exports.publishable(posting)
    title = posting_display.excerpt(shown.get("title") or "(untitled posting)", 200)
    link = posting_display.safe_link(shown.get("url")) or ""
    whole = bool(shown.get("is_republishable"))
    if kind == "slack":
        return _slack(shown, title, link, whole)
    return _discord(shown, title, link, whole)


def _discord(posting: Mapping, title: str, link: str, whole: bool) -> dict:
    # allowed_mentions: scraped text can never ping @everyone or a role
    payload = {"username": "Midtier", "allowed_mentions": {"parse": []}}
    if not whole:
        return {**payload, "content": f"**{_discord_escape(title)}**\n{link}"}
    facts = [
        posting_display.budget_summary(posting),
        posting.get("engagement_type"),
        ", ".join(posting.get("skills") or ()),
    ]
    description = " · ".join(fact for fact in facts if fact)
    body = posting_display.excerpt(posting.get("description_text"), DESCRIPTION_CHARS)
    embed = {
        "title": title,
        "description": _discord_escape("\n\n".join(part for part in (description, body) if part)),
        "footer": {"text": posting_display.attribution(posting) or ""},
    }
    if link:
        embed["url"] = link
    return {**payload, "content": f"**{_discord_escape(title)}**\n{link}", "embeds": [embed]}


def _discord_escape(text: str) -> str:
    return re.sub(r"([\\*_`~|>#\[\]()@<])", r"\\\1", text)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(posting: Mapping, title: str, link: str, whole: bool) -> dict:
    heading = f"<{link}|{_slack_escape(title)}>" if link else _slack_escape(title)
    if not whole:
        return {"text": heading, "unfurl_links": False}
    facts = [
        posting_display.budget_summary(posting),
        posting.get("engagement_type"),
        ", ".join(posting.get("skills") or ()),
        posting_display.attribution(posting),
    ]
    detail = " · ".join(_slack_escape(fact) for fact in facts if fact)
    body = _slack_escape(
        posting_display.excerpt(posting.get("description_text"), DESCRIPTION_CHARS)
    )
    text = "\n".join(part for part in (f"*{heading}*", detail, body) if part)
    return {"text": text, "unfurl_links": False}


# -- helpers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _connection(url: str):
    """Autocommit: every claim and outcome is durable the moment it is written."""
    conn = database.connect(url)
    try:
        conn.autocommit = True
        yield conn
    finally:
        conn.close()
