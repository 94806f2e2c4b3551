"""Plain text from the HTML a source wrote, for search and display.

``html_to_text`` only reads markup: scripts, styles and other non-content elements are dropped
unread, nothing is fetched or executed. Whitespace is collapsed the way a browser would, block
elements (paragraphs, headings, list items, table rows) become line breaks, and ``<pre>`` keeps
its line breaks. Text is otherwise left exactly as written (no encoding repairs).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from w3lib.html import remove_tags, replace_entities

# Elements whose content is not text a reader sees.
_SKIPPED = frozenset({
    "script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed",
    "svg", "math", "canvas", "button", "select", "textarea",
})
# Elements that end a line ...
_LINE_BLOCKS = frozenset({"li", "dt", "dd", "tr", "caption", "figcaption", "option"})
# ... and elements that end a paragraph.
_PARAGRAPH_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "details", "dialog", "div",
    "dl", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "ul",
})
# Breaks are recorded as numbers of newlines; adjacent block edges share one break.
_LINE = 1
_PARAGRAPH = 2
_RUN_OF_WHITESPACE = re.compile(r"\s+")
_RUN_OF_SPACES = re.compile(r"[^\S\n]+")
_RUN_OF_BLANK_LINES = re.compile(r"\n{3,}")

_PARSER = lxml.html.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False
)


def html_to_text(html: str | None) -> str | None:
    """Readable text of an HTML fragment or document; None when there is no text at all."""
    if html is None:
        return None
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        return None
    root = _parse(html)
    if root is None:
        text = replace_entities(remove_tags(html))
        return _tidy(_RUN_OF_SPACES.sub(" ", text))
    chunks: list[str | int] = []
    _collect(root, chunks, in_pre=False)
    return _tidy(_join(chunks))


def _parse(html: str):
    try:
        return lxml.html.fromstring(html, parser=_PARSER)
    except ValueError:
        # lxml refuses str input that carries an XML encoding declaration; bytes are fine.
        try:
            return lxml.html.fromstring(html.encode("utf-8"), parser=_PARSER)
        except (ValueError, etree.ParserError):
            return None
    except etree.ParserError:
        return None


def _collect(element, chunks: list[str | int], *, in_pre: bool) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else None
    if tag is None or tag in _SKIPPED:
        _add_text(element.tail, chunks, in_pre=in_pre)
        return
    if tag == "br":
        chunks.append("\n")
        _add_text(element.tail, chunks, in_pre=in_pre)
        return
    brk = _PARAGRAPH if tag in _PARAGRAPH_BLOCKS else _LINE if tag in _LINE_BLOCKS else 0
    inner_pre = in_pre or tag == "pre"
    chunks.append(brk)
    _add_text(element.text, chunks, in_pre=inner_pre)
    for child in element:
        _collect(child, chunks, in_pre=inner_pre)
    if tag in ("td", "th"):
        chunks.append(" ")
    chunks.append(brk)
    _add_text(element.tail, chunks, in_pre=in_pre)


def _add_text(text: str | None, chunks: list[str | int], *, in_pre: bool) -> None:
    if not text:
        return
    if in_pre:
        chunks.append(text.replace("\r\n", "\n"))
    else:
        chunks.append(_RUN_OF_WHITESPACE.sub(" ", text))


def _join(chunks: list[str | int]) -> str:
    """Text with each run of block breaks replaced by its widest break."""
    parts: list[str] = []
    pending = 0
    for chunk in chunks:
        if isinstance(chunk, int):
            pending = max(pending, chunk)
        elif pending and not chunk.strip(" "):
            continue  # whitespace between two blocks
        else:
            if pending and parts:
                parts.append("\n" * pending)
            pending = 0
            parts.append(chunk)
    return "".join(parts)


def _tidy(text: str) -> str | None:
    lines = (_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    tidy = _RUN_OF_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return tidy or None
