"""`midtier developers add` then `verify`: verified only with the code in the bio or a gist."""

from __future__ import annotations

import json

from midtier import registry
from tests.developers.conftest import midtier, printed, put_code_in_bio, rows
from tests.developers.github_server import FIXTURES, GIST_FILE, LOGIN


def test_add_prints_a_code_and_a_token_and_stores_only_their_hashes(url):
    result = midtier("developers", "add", "Ada-Dev", "--github", "Octo-Ada")
    code, token = printed(result, "code"), printed(result, "token")
    [(handle, login, token_hash, code_hash, verified_at)] = rows(
        url,
        "select handle, github_login, edit_token_sha256, code_sha256, verified_at "
        "from registry.developers",
    )
    assert (handle, login, verified_at) == ("ada-dev", "octo-ada", None)
    assert token_hash == registry.token_hash(token) and code_hash == registry.token_hash(code)
    assert code not in str(rows(url, "select * from registry.developers"))


def test_verify_fails_while_the_code_is_nowhere(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    result = midtier(
        "developers",
        "verify",
        "ada-dev",
        "--token",
        printed(added, "token"),
        "--base-url",
        github.url,
    )
    assert result.returncode == 1
    assert "not in octo-ada's GitHub bio or public gists" in result.stderr
    assert rows(url, "select verified_at from registry.developers") == [(None,)]


def test_verify_succeeds_with_the_code_in_the_bio(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    put_code_in_bio(github, printed(added, "code"))
    result = midtier(
        "developers",
        "verify",
        "ada-dev",
        "--token",
        printed(added, "token"),
        "--base-url",
        github.url,
    )
    assert result.returncode == 0, result.stderr
    assert rows(url, "select verified_at is not null, code_sha256 from registry.developers") == [
        (True, None)
    ]


def test_verify_succeeds_with_the_code_in_a_public_gist_file(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    github.routes[GIST_FILE] = f"-- proof for Midtier: {printed(added, 'code')}\n".encode()
    result = midtier(
        "developers",
        "verify",
        "ada-dev",
        "--token",
        printed(added, "token"),
        "--base-url",
        github.url,
    )
    assert result.returncode == 0, result.stderr
    assert ("GET", GIST_FILE, 200) in github.log


def test_verify_succeeds_with_the_code_in_a_gist_description(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    gists = json.loads((FIXTURES / "users" / LOGIN / "gists.json").read_text())
    gists[0]["description"] = f"Midtier verification {printed(added, 'code')}"
    github.set_json(f"/users/{LOGIN}/gists?per_page=30", gists)
    result = midtier(
        "developers",
        "verify",
        "ada-dev",
        "--token",
        printed(added, "token"),
        "--base-url",
        github.url,
    )
    assert result.returncode == 0, result.stderr


def test_someone_elses_code_or_a_wrong_token_does_not_verify(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    other = midtier("developers", "add", "bob-dev", "--github", "bob-builder")
    put_code_in_bio(github, printed(other, "code"))
    assert (
        midtier(
            "developers",
            "verify",
            "ada-dev",
            "--token",
            printed(added, "token"),
            "--base-url",
            github.url,
        ).returncode
        == 1
    )
    put_code_in_bio(github, printed(added, "code"))
    wrong = midtier(
        "developers",
        "verify",
        "ada-dev",
        "--token",
        printed(other, "token"),
        "--base-url",
        github.url,
    )
    assert wrong.returncode == 1 and "do not match" in wrong.stderr
    assert rows(url, "select count(*) from registry.developers where verified_at is not null") == [
        (0,)
    ]


def test_a_used_code_cannot_verify_again(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    put_code_in_bio(github, printed(added, "code"))
    token = printed(added, "token")
    assert (
        midtier(
            "developers", "verify", "ada-dev", "--token", token, "--base-url", github.url
        ).returncode
        == 0
    )
    again = midtier("developers", "verify", "ada-dev", "--token", token, "--base-url", github.url)
    assert again.returncode == 1 and "No valid code" in again.stderr


def test_verification_attempts_are_limited_per_handle(url, github):
    added = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    token = printed(added, "token")
    for _ in range(5):
        assert (
            midtier(
                "developers", "verify", "ada-dev", "--token", token, "--base-url", github.url
            ).returncode
            == 1
        )
    put_code_in_bio(github, printed(added, "code"))
    limited = midtier("developers", "verify", "ada-dev", "--token", token, "--base-url", github.url)
    assert limited.returncode == 1 and "attempts an hour" in limited.stderr


def test_an_existing_registry_entry_is_linked_with_its_token(url, github):
    token = registry.publish(url, registry.validate("ada-dev", ["python"], 85, "europe"))
    taken = midtier("developers", "add", "ada-dev", "--github", LOGIN)
    assert taken.returncode == 1 and "taken" in taken.stderr
    linked = midtier("developers", "add", "ada-dev", "--github", LOGIN, "--token", token)
    assert "token" not in {line.split(":")[0] for line in linked.stdout.splitlines()}
    put_code_in_bio(github, printed(linked, "code"))
    assert (
        midtier(
            "developers", "verify", "ada-dev", "--token", token, "--base-url", github.url
        ).returncode
        == 0
    )


def test_an_unknown_github_user_gets_a_clear_message(url, github):
    added = midtier("developers", "add", "ghost-dev", "--github", "no-such-user")
    result = midtier(
        "developers",
        "verify",
        "ghost-dev",
        "--token",
        printed(added, "token"),
        "--base-url",
        github.url,
    )
    assert result.returncode == 1 and "no such user" in result.stderr


def test_bad_input_is_refused_with_the_reason(url):
    result = midtier("developers", "add", "x", "--github", "bad login!")
    assert result.returncode == 1
    assert "Handle" in result.stderr
    assert rows(url, "select count(*) from registry.developers") == [(0,)]
