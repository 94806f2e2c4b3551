"""The sources Midtier can crawl: spider name, where its offline demo responses live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEMO_DATA = Path(__file__).with_name("demo_data")


@dataclass(frozen=True)
class Source:
    name: str  # also the spider name and the value of raw.postings.source
    description: str

    @property
    def demo_dir(self) -> Path:
        """Recorded real responses, laid out by request path, served in offline runs."""
        return DEMO_DATA / self.name


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("remoteok", "Remote OK public JSON API (remoteok.com/api)"),
    )
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r}; known sources: {known}") from None
