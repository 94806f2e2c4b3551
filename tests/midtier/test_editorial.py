"""Newsletter editors: tokens printed once and stored hashed, sign-in limits, picks."""

from __future__ import annotations

import contextlib

import pytest

from midtier import cli, database, editorial


@pytest.fixture
def url(database_url) -> str:
    with contextlib.closing(database.connect(database_url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "delete from editorial.digest_picks; delete from editorial.editors; "
            "delete from editorial.sign_in_failures"
        )
    return database_url


def stored(url: str) -> list[tuple]:
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select editor_name, token_sha256 from editorial.editors")
        return cur.fetchall()


def test_editor_add_prints_the_token_once_and_stores_only_its_hash(url, capsys):
    assert cli.main(["editor", "add", "Grace"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    [(name, token_sha256)] = stored(url)
    assert name == "Grace" and len(token) >= 40
    assert token not in token_sha256 and token_sha256 == editorial.token_hash(token)
    assert editorial.sign_in(url, token, [], 0.0) == "Grace"
    # a second `add` of the same name issues nothing
    assert cli.main(["editor", "add", "Grace"]) == 1
    assert "exists already" in capsys.readouterr().err


def test_a_revoked_token_signs_in_no_more(url, capsys):
    token = editorial.add_editor(url, "Linus")
    assert cli.main(["editor", "revoke", "Linus"]) == 0
    with pytest.raises(editorial.EditorialError, match="does not belong"):
        editorial.sign_in(url, token, [], 0.0)
    capsys.readouterr()
    assert cli.main(["editor", "list"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("Linus\t") and "\trevoked " in line


def test_wrong_tokens_are_limited_per_session_and_for_everyone(url, monkeypatch):
    token = editorial.add_editor(url, "Ada")
    failures: list[float] = []
    for moment in range(editorial.SESSION_FAILURES_ALLOWED):
        with pytest.raises(editorial.EditorialError, match="does not belong"):
            editorial.sign_in(url, "guess", failures, float(moment))
    with pytest.raises(editorial.EditorialError, match="from this session"):
        editorial.sign_in(url, token, failures, 10.0)
    assert editorial.sign_in(url, token, failures, 10.0 + editorial.SESSION_WINDOW_SECONDS) == "Ada"
    # fresh sessions each time: the shared limit still stops a flood of guesses
    monkeypatch.setattr(editorial, "GLOBAL_FAILURES_PER_MINUTE", 8)
    for _ in range(3):
        with pytest.raises(editorial.EditorialError, match="does not belong"):
            editorial.sign_in(url, "guess", [], 0.0)
    with pytest.raises(editorial.EditorialError, match="last minute"):
        editorial.sign_in(url, token, [], 0.0)


def test_picks_are_replaced_whole_and_never_both_pinned_and_skipped(url):
    editorial.add_editor(url, "Ada")
    editorial.save_picks(url, "Ada", ["b", "a"], ["c"])
    assert editorial.picks(url) == (["b", "a"], ["c"])
    editorial.save_picks(url, "Ada", ["a"], [])
    assert editorial.picks(url) == (["a"], [])
    with pytest.raises(editorial.EditorialError, match="both pinned and skipped"):
        editorial.save_picks(url, "Ada", ["a"], ["a"])
    editorial.revoke_editor(url, "Ada")
    with pytest.raises(editorial.EditorialError, match="revoked"):
        editorial.save_picks(url, "Ada", ["x"], [])
