"""Plain text from the HTML a source wrote, for search and display.

``html_to_text`` only reads markup: scripts, styles and other non-content elements are dropped
unread, nothing is fetched or executed. Whitespace is collapsed the way a browser would, block
elements (paragraphs, headings, list items, table rows) become line breaks, and ``<pre>`` keeps
its line breaks. Text is otherwise left exactly as written (no encoding repairs), except the
control characters U+0001-U+0003, which the walk uses as marks and which become spaces.
"""

from __future__ import annotations

import re

from lxml import etree
from w3lib.html import remove_tags, replace_entities

# Elements whose content is not text a reader sees.
_SKIPPED = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "button",
        "select",
        "textarea",
    }
)
# Elements that end a line ...
_LINE_BLOCKS = frozenset({"li", "dt", "dd", "tr", "caption", "figcaption", "option"})
# ... and elements that end a paragraph.
_PARAGRAPH_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "ul",
    }
)
# The walk writes one string: text as written, with control characters marking the breaks
# between blocks and the newlines that must survive (``<br>``, ``<pre>``). Whitespace and breaks
# are then settled over the whole text with str methods, not per text node (the walk was the
# importer's slowest step). The marks are not whitespace to str.split, and lxml keeps no
# control character of its own in text.
_LINE = "\x01"
_PARAGRAPH = "\x02"
_NEWLINE = "\x03"
_MARKS = (_LINE, _PARAGRAPH, _NEWLINE)
# What the walk does at an element, by its lower-case tag; other tags are inline.
_SKIP, _BR, _INLINE, _CELL, _PRE = "skip", "br", "inline", "cell", "pre"
_KINDS = {
    **dict.fromkeys(_SKIPPED, _SKIP),
    **dict.fromkeys(_LINE_BLOCKS, _LINE),
    **dict.fromkeys(_PARAGRAPH_BLOCKS, _PARAGRAPH),
    "br": _BR,
    "td": _CELL,
    "th": _CELL,
    "pre": _PRE,
}
_BREAK_OF = {_LINE: _LINE, _PARAGRAPH: _PARAGRAPH, _PRE: _PARAGRAPH}
_RUN_OF_BLANK_LINES = re.compile(r"\n{3,}")
_RUN_OF_SPACES = re.compile(r"[^\S\n]+")
# Runs of break marks and single spaces: with a paragraph edge, and of line edges only.
_PARAGRAPH_EDGES = re.compile(
    f"{_LINE}[{_LINE} ]*{_PARAGRAPH}[{_LINE}{_PARAGRAPH} ]*|{_PARAGRAPH}[{_LINE}{_PARAGRAPH} ]*"
)
_LINE_EDGES = re.compile(f"{_LINE}[{_LINE} ]*")

_PARSER = etree.HTMLParser(
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
    if any(mark in html for mark in _MARKS):
        html = html.translate({ord(mark): " " for mark in _MARKS})  # ours alone, never text
    root = _parse(html)
    if root is None:
        text = replace_entities(remove_tags(html))
        return _tidy(_RUN_OF_SPACES.sub(" ", text))
    chunks: list[str] = []
    _collect(root, chunks)
    text = " ".join("".join(chunks).split())
    # A run of block edges and the spaces beside them is one break, the widest of them.
    text = text.replace(" " + _LINE, _LINE).replace(" " + _PARAGRAPH, _PARAGRAPH)
    text = _LINE_EDGES.sub(_LINE, _PARAGRAPH_EDGES.sub(_PARAGRAPH, text))
    text = text.replace(_LINE, "\n").replace(_PARAGRAPH, "\n\n").replace(_NEWLINE, "\n")
    # Only single spaces and newlines are left: strip the lines, keep at most one blank line.
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() or None


def _parse(html: str):
    try:
        return etree.fromstring(html, parser=_PARSER)
    except ValueError:
        # lxml refuses str input that carries an XML encoding declaration; bytes are fine.
        try:
            return etree.fromstring(html.encode("utf-8"), parser=_PARSER)
        except (ValueError, etree.ParserError, etree.XMLSyntaxError):
            return None
    except (etree.ParserError, etree.XMLSyntaxError):
        return None


def _collect(root, chunks: list[str]) -> None:
    """Text and break marks of the tree, in document order (a walk in C, not recursion)."""
    add = chunks.append
    pre_depth = 0  # open <pre> elements: their text keeps its newlines
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        kind = _KINDS.get(tag, _INLINE) if tag.__class__ is str else _SKIP
        if kind == _INLINE and not tag.islower():
            kind = _KINDS.get(tag.lower(), _INLINE)
        if event == "start":
            if kind == _SKIP:
                walker.skip_subtree()
                continue
            if kind == _BR:
                add(_NEWLINE)
                continue
            if kind == _PRE:
                pre_depth += 1
            if kind in _BREAK_OF:
                add(_BREAK_OF[kind])
            text = element.text
        else:
            if kind == _CELL:
                add(" ")
            elif kind == _PRE:
                pre_depth -= 1
            if kind in _BREAK_OF:
                add(_BREAK_OF[kind])
            text = element.tail
        if text:
            add(text.replace("\r\n", "\n").replace("\n", _NEWLINE) if pre_depth else text)


def _tidy(text: str) -> str | None:
    lines = (line.strip() for line in _RUN_OF_SPACES.sub(" ", text).split("\n"))
    tidy = _RUN_OF_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return tidy or None
