"""Labelled postings for `midtier calibrate`: CSV files read into postings with a verdict.

Two layouts are read, told apart by their header:

* EMSCAD's (the Employment Scam Aegean Dataset, also published as Kaggle's "Real or Fake Job
  Posting Prediction"): ``title, location, department, salary_range, company_profile,
  description, requirements, benefits, required_experience, industry, function,
  fraudulent``. A row becomes the posting `midtier import` would make of it, mapped as the
  shared data's README says (``posting_from_emscad``).
* Midtier's import layout (``title, company, description, budget_text, tags, location``)
  plus ``fraudulent``: our own labelled postings (data/labels/).

``fraudulent`` is 1/0 (or true/false). Nothing here decides what a signal is: the postings go
to PostgreSQL, where dbt's own macros find their signals (midtier/calibration.py).
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

EMSCAD_COLUMNS = {
    "title",
    "company_profile",
    "description",
    "requirements",
    "benefits",
    "salary_range",
    "fraudulent",
}
POSTING_COLUMNS = {"title", "description", "fraudulent"}

# Share of the full public EMSCAD's legitimate ads that leave each field blank (about 16 %
# give a salary range; company profile, requirements and benefits are often missing). A file
# whose legitimate rows were selected for having every field filled (the shared sample) is
# read with these fields dropped at these rates, so the fit cannot learn "a filled field
# means legitimate" (see docs/legitimacy.md).
FULL_EMSCAD_BLANK_SHARE = {
    "company_profile": 0.16,
    "requirements": 0.15,
    "benefits": 0.40,
    "salary_range": 0.84,
}


class LabelFileError(ValueError):
    """A label file whose layout is neither EMSCAD's nor Midtier's import layout."""


@dataclass(frozen=True)
class LabelledPosting:
    title: str
    company: str
    description: str
    budget_text: str
    is_scam: bool
    file: str
    group: str  # postings sharing it are copies: cross-validation keeps them in one fold


def posting_from_emscad(row: dict[str, str]) -> dict[str, object]:
    """An EMSCAD row as a Midtier posting (the shared data README's mapping)."""
    profile = (row.get("company_profile") or "").strip()
    parts = [profile, (row.get("description") or "").strip()]
    if (row.get("requirements") or "").strip():
        parts.append("Requirements: " + row["requirements"].strip())
    if (row.get("benefits") or "").strip():
        parts.append("Benefits: " + row["benefits"].strip())
    tags = [
        tag
        for tag in ((row.get("industry") or "").strip(), (row.get("function") or "").strip())
        if tag
    ]
    return {
        "title": (row.get("title") or "").strip(),
        "company": profile[:80],
        "description": "\n\n".join(part for part in parts if part),
        "budget_text": (row.get("salary_range") or "").strip(),
        "tags": tags,
        "location": (row.get("location") or "").strip(),
    }


def _is_scam(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in {"1", "t", "true", "yes"}:
        return True
    if text in {"0", "f", "false", "no"}:
        return False
    raise LabelFileError(f"fraudulent must be 1/0 or true/false, not {value!r}")


def _group(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def read_labels(
    path: Path, *, selected_legitimate: bool = False, seed: int = 0
) -> list[LabelledPosting]:
    """The labelled postings of one CSV file.

    ``selected_legitimate``: the file's legitimate rows were selected for having every field
    filled; blank their fields at the full dataset's rates (FULL_EMSCAD_BLANK_SHARE), with a
    generator seeded per file so a refit reads the same postings.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or [])
        if header >= EMSCAD_COLUMNS:
            emscad = True
        elif header >= POSTING_COLUMNS:
            emscad = False
        else:
            raise LabelFileError(
                f"{path}: expected EMSCAD's columns ({', '.join(sorted(EMSCAD_COLUMNS))}) or "
                f"Midtier's ({', '.join(sorted(POSTING_COLUMNS))}, company, budget_text)"
            )
        generator = random.Random(f"{seed}:{path.name}")
        postings = []
        for row in reader:
            is_scam = _is_scam(row.get("fraudulent", ""))
            if emscad:
                if selected_legitimate and not is_scam:
                    row = {
                        key: (
                            ""
                            if key in FULL_EMSCAD_BLANK_SHARE
                            and generator.random() < FULL_EMSCAD_BLANK_SHARE[key]
                            else value
                        )
                        for key, value in row.items()
                    }
                posting = posting_from_emscad(row)
            else:
                posting = {
                    key: (row.get(key) or "").strip()
                    for key in ("title", "company", "description", "budget_text")
                }
            postings.append(
                LabelledPosting(
                    title=str(posting["title"]),
                    company=str(posting["company"]),
                    description=str(posting["description"]),
                    budget_text=str(posting["budget_text"]),
                    is_scam=is_scam,
                    file=path.name,
                    group=_group(str(posting["title"])),
                )
            )
    if not postings:
        raise LabelFileError(f"{path}: no labelled rows")
    return postings
