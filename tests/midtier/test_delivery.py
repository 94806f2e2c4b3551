"""Webhook delivery against real HTTP receivers on loopback: each new matching posting
exactly once across runs and retries, title and link only where re-publishing is not
allowed, back-off and recorded errors, and one dead webhook never blocking the others."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from midtier import delivery
from midtier.cli import main
from tests.midtier.conftest import NEWEST, posting


class Receiver:
    """A webhook on loopback: records every JSON body; answers from ``answers`` (a status,
    or "hang" to answer nothing for a while) then 204."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = receiver.answers.pop(0) if receiver.answers else 204
                if answer == "hang":
                    receiver.received.append(body)
                    time.sleep(1.5)
                    return
                if answer < 400:
                    receiver.received.append(body)
                self.send_response(answer)
                if answer == 429:
                    self.send_header("Retry-After", "30")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/webhooks/1/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def links(self) -> list[str]:
        """The posting link in each message received (Discord content or Slack text)."""
        found = []
        for body in self.received:
            text = body.get("content") or body.get("text")
            found.append(
                next(
                    word.strip("<>|*").split("|")[0] for word in text.split() if "https://" in word
                )
            )
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"  # nothing listens there any more


def link(number: int) -> str:
    return f"https://example.org/jobs/{number}"


def test_each_new_matching_posting_arrives_exactly_once_over_runs_and_retries(
    serving_env, load_mart, receiver
):
    delivery.add(
        serving_env, "django-jobs", "discord", receiver.url, skills=["django"], min_legitimacy=50
    )
    first = [
        posting(1),
        posting(2, skills=["react"], primary_skill="react"),
        posting(3, is_republishable=False, source="linkedin", description_text="secret"),
        posting(4, legitimacy_score=30),
    ]
    load_mart(first)  # the first pipeline run's mart
    delivery.run(serving_env)
    assert receiver.links() == [link(3), link(1)]  # oldest first

    hidden = receiver.received[0]
    assert set(hidden) == {"username", "allowed_mentions", "content"}  # no embed, no text
    assert hidden["content"] == f"**Posting 3**\n{link(3)}"
    whole = receiver.received[1]
    assert whole["allowed_mentions"] == {"parse": []}
    assert "Work on project 1" in whole["embeds"][0]["description"]
    assert whole["embeds"][0]["footer"]["text"] == "via Remote OK"

    # The second run: posting 5 is new; 1 and 3 are still open and still match.
    load_mart([*first, posting(5, posted_at=NEWEST + timedelta(hours=1))])
    delivery.run(serving_env)
    delivery.run(serving_env)  # a forced retry of the same step
    assert receiver.links() == [link(3), link(1), link(5)]

    # A failed request is retried after the back-off, and then sent once.
    receiver.answers = [503]
    load_mart([posting(6, posted_at=NEWEST + timedelta(hours=2))], replace=False)
    [result] = delivery.run(serving_env)
    assert result.error == "HTTP 503 from the webhook"
    [skipped] = delivery.run(serving_env)
    assert skipped.skipped_until is not None  # backing off
    later = datetime.now(UTC) + timedelta(minutes=5)
    delivery.run(serving_env, now=later)
    delivery.run(serving_env, now=later)
    assert receiver.links() == [link(3), link(1), link(5), link(6)]


def test_one_dead_webhook_never_blocks_the_others(serving_env, load_mart, receiver, capsys):
    delivery.add(serving_env, "dead", "slack", dead_url())
    delivery.add(serving_env, "alive", "slack", receiver.url)
    load_mart([posting(1), posting(2)])
    results = {result.name: result for result in delivery.run(serving_env)}
    assert results["alive"].sent == 2 and receiver.links() == [link(2), link(1)]
    assert "cannot reach the webhook" in results["dead"].error

    assert main(["deliver", "list"]) == 0
    listed = capsys.readouterr().out
    assert "cannot reach the webhook" in listed and "backing off until" in listed
    assert "2 sent" in listed
    assert "/secret" not in listed and "…cret" in listed  # a webhook URL is a credential


def test_an_unanswered_request_is_never_sent_again(serving_env, load_mart, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.5)
    delivery.add(serving_env, "slow", "discord", receiver.url)
    receiver.answers = ["hang"]
    load_mart([posting(1)])
    [result] = delivery.run(serving_env)
    assert "may have arrived" in result.error
    delivery.run(serving_env, now=datetime.now(UTC) + timedelta(hours=1))
    time.sleep(1.5)
    assert receiver.links() == [link(1)]


def test_a_429_backs_off_for_as_long_as_it_asks(serving_env, load_mart, receiver):
    delivery.add(serving_env, "busy", "discord", receiver.url)
    receiver.answers = [429]
    load_mart([posting(1)])
    now = datetime.now(UTC)
    delivery.run(serving_env, now=now)
    [channel] = delivery.channels(serving_env)
    assert channel["retry_after"] >= now + timedelta(seconds=30)
    assert channel["failed"] == 1 and channel["sent"] == 0


def test_slack_messages_escape_scraped_text():
    message = delivery.message("slack", posting(1, title="<!channel> & <https://evil|x>"))
    assert "<!channel>" not in message["text"] and "&lt;!channel&gt; &amp;" in message["text"]
    assert message["text"].startswith(f"*<{link(1)}|")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--kind", "email", "--url", "https://example.org/hook"], "--kind"),
        (["--kind", "slack", "--url", "http://example.org/hook"], "--url"),
        (
            ["--kind", "slack", "--url", "https://example.org/hook", "--skills", "nope-x"],
            "--skills",
        ),
    ],
)
def test_deliver_add_refuses_a_bad_channel(serving_env, capsys, arguments, problem):
    try:
        status = main(["deliver", "add", "team", *arguments])
    except SystemExit as exit:  # argparse's own refusal
        status = exit.code
    assert status == 2
    assert problem in capsys.readouterr().err
    assert delivery.channels(serving_env) == []


def test_deliver_add_registers_a_channel_with_its_filters(serving_env):
    assert (
        main(
            [
                "deliver",
                "add",
                "team",
                "--kind",
                "slack",
                "--url",
                "https://hooks.slack.com/services/T/B/x",
                "--skills",
                "django,python",
                "--min-hourly-usd",
                "60",
                "--mid-market-only",
                "--min-legitimacy",
                "70",
            ]
        )
        == 0
    )
    [channel] = delivery.channels(serving_env)
    assert (
        channel["skills"],
        float(channel["min_hourly_usd"]),
        channel["mid_market_only"],
        channel["min_legitimacy"],
    ) == (["django", "python"], 60.0, True, 70)
