"""Escaping for the pages: the Markdown helpers shared with the exports live in midtier.markdown."""

from midtier.markdown import escape_markdown, markdown_link

__all__ = ["escape_markdown", "markdown_link"]
