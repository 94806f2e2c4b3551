"""Turning scraped text into Markdown that renders literally (dashboards and the Markdown digest).

Scraped strings never reach ``unsafe_allow_html``. Every ASCII punctuation character gets a
backslash (CommonMark lets any of them be escaped), so HTML tags, links, emphasis, Streamlit's
``:color[...]`` directives and ``$`` maths all come out as plain text.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINK_SAFE = ":/?#@!$&'*+,;=%~"


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that renders as exactly that text."""
    if text is None:
        return ""
    return _PUNCTUATION.sub(r"\\\1", str(text))


def markdown_link(label: object, url: str | None) -> str:
    """A Markdown link with an escaped label; plain label when the URL is not http(s)."""
    escaped = escape_markdown(label)
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return escaped
    return f"[{escaped}]({quote(url.strip(), safe=_LINK_SAFE)})"
