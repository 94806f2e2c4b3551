"""Where a source's free text states an amount, so its spider can pass that text on verbatim.

A spider only finds the clause; which currency, period and bounds it states is dbt's to judge
(int_postings_budgeted). The words come from dbt's own seeds, the one place they are kept:
a number beside a currency of ``currency_aliases.csv`` (symbol, code or word: "$", "CHF",
"zł", "euros") or beside any other currency sign (Unicode category Sc), with a multiplier of
``budget_words.csv`` ("120k", "65 Tsd.", "R$ 8 mil"), or followed by a slash and a unit
("80/hr", "95/Std."). What dbt learns to read, the spiders pass on.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from functools import cache

from midtier.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "dbt" / "seeds"


def _seed_column(file_name: str, column: str, **where: str) -> list[str]:
    with open(SEEDS / file_name, encoding="utf-8", newline="") as handle:
        return [
            row[column]
            for row in csv.DictReader(handle)
            if all(row[key] == value for key, value in where.items())
        ]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w)))


@cache
def _amount_pattern() -> re.Pattern[str]:
    signs = "".join(
        re.escape(chr(code))
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Sc"
    )
    currencies = _alternation(_seed_column("currency_aliases.csv", "alias"))
    multipliers = _alternation(_seed_column("budget_words.csv", "phrase", role="multiplier"))
    currency = rf"(?:[{signs}]|(?<!\w)(?:{currencies})(?!\w))"
    return re.compile(
        rf"{currency}\s?\d"
        rf"|\d\s?{currency}"
        rf"|\d\s?(?:{multipliers})(?!\w)"
        r"|\d\s?/\s?[^\W\d_]{1,6}\b",
        re.IGNORECASE,
    )


def states_amount(text: str | None) -> bool:
    """True when the text holds a number written as money or as a rate."""
    return bool(text) and _amount_pattern().search(text) is not None
