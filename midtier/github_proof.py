"""Proof that a developer controls a GitHub login: a one-time code they put in public.

The code may sit in the profile bio (``GET /users/{login}``) or in one of their public gists
(``GET /users/{login}/gists``: its description, a file name, or a small file's text, read
from the file's ``raw_url``). Only text shaped like a code is returned; the caller compares
hashes, so no code is ever kept in clear.

``base_url`` replaces scheme and host of every request (paths kept), as for the spiders; the
optional ``GITHUB_TOKEN`` goes to api.github.com only, never to a ``base_url`` mirror.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit, urlunsplit

API = "https://api.github.com"
CODE_PATTERN = re.compile(r"midtier-[0-9a-f]{16}")
TIMEOUT_SECONDS = 15
# Gists read per attempt, and the largest gist file whose text is read (bytes).
MAX_GISTS = 30
MAX_GIST_FILE_BYTES = 64 * 1024
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")


class GithubUnavailable(RuntimeError):
    """GitHub (or the mirror) could not answer; the message says why, in one line."""


def codes_in_public_profile(login: str, base_url: str | None = None) -> set[str]:
    """Every code-shaped string in the login's bio and public gists."""
    user = _get_json(f"{API}/users/{quote(login)}", base_url)
    texts = [str(user.get("bio") or "")] if isinstance(user, dict) else []
    gists = _get_json(f"{API}/users/{quote(login)}/gists?per_page={MAX_GISTS}", base_url)
    for gist in gists if isinstance(gists, list) else []:
        if not isinstance(gist, dict):
            continue
        texts.append(str(gist.get("description") or ""))
        files = gist.get("files") if isinstance(gist.get("files"), dict) else {}
        for name, details in files.items():
            texts.append(str(name))
            if (
                isinstance(details, dict)
                and isinstance(details.get("raw_url"), str)
                and int(details.get("size") or 0) <= MAX_GIST_FILE_BYTES
            ):
                texts.append(_get_text(details["raw_url"], base_url))
    return {code for text in texts for code in CODE_PATTERN.findall(text)}


def _get_json(url: str, base_url: str | None):
    text = _get_text(url, base_url, api=True)
    try:
        return json.loads(text)
    except ValueError as error:
        raise GithubUnavailable(f"GitHub answered {url} with something that is not JSON") from error


def _get_text(url: str, base_url: str | None, *, api: bool = False) -> str:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": _user_agent(),
    }
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if token and api and not base_url:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(rebase(url, base_url), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read(MAX_GIST_FILE_BYTES * 16).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise GithubUnavailable(
                f"GitHub has no such user or gist ({urlsplit(url).path})"
            ) from error
        if error.code in (403, 429) and error.headers.get("X-RateLimit-Remaining") == "0":
            raise GithubUnavailable(
                "GitHub's rate limit is used up; try again after epoch "
                f"{error.headers.get('X-RateLimit-Reset')}"
            ) from error
        raise GithubUnavailable(
            f"GitHub answered HTTP {error.code} for {urlsplit(url).path}"
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise GithubUnavailable(f"GitHub could not be reached: {error}") from error


def rebase(url: str, base_url: str | None) -> str:
    """``url`` with scheme and host swapped for ``base_url``'s (path and query kept)."""
    if not base_url:
        return url
    real, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, real.path, real.query, ""))


def _user_agent() -> str:
    from midtier.settings import load_settings

    return load_settings().user_agent
