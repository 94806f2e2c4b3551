"""Reading one field of a source's record as the source wrote it, for the spiders.

Each function takes one raw value (parsed JSON, a feed entry's field) and returns it as
text, a list of texts, an id, a number or a time -- or None when the value says nothing. They
never interpret: pay stays the amount given, times stay the epoch or text given (dbt gives
meaning).

The sources disagree on which JSON values count as "no text": ``text`` and ``strings`` say
which with ``not_text`` (a tuple of types read as missing, ``()`` to read anything but null).
"""

from __future__ import annotations

import math
from typing import Any

CONTAINERS = (dict, list)
NOT_TEXT = (bool, *CONTAINERS)  # true/false, objects and lists are never a field's text


def text(value: Any, *, not_text: tuple[type, ...] = NOT_TEXT) -> str | None:
    """The source's string as written; missing, blank or a ``not_text`` value becomes None."""
    if value is None or isinstance(value, not_text):
        return None
    value = value if isinstance(value, str) else str(value)
    return value if value.strip() else None


def strings(values: Any, *, not_text: tuple[type, ...] = CONTAINERS) -> list[str]:
    """The non-blank items of a JSON list, as text; anything but a list is no items."""
    if not isinstance(values, list):
        return []
    return [item for item in (text(value, not_text=not_text) for value in values) if item]


def identifier(value: Any) -> str | None:
    """A record id sent as a string or number, stripped; blank, true/false, objects -> None."""
    if value is None or isinstance(value, NOT_TEXT):
        return None
    return str(value).strip() or None


def whole_number(value: Any) -> int | None:
    """An integer sent as a JSON number (true/false are not numbers)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def whole_number_or_digits(value: Any) -> int | None:
    """An integer sent as a JSON number or as a string of digits."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return whole_number(value)


def number(value: Any) -> int | float | None:
    """A JSON number, whole or not (true/false are not numbers)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def positive_number(value: Any) -> int | float | None:
    """A pay figure sent as a JSON number; 0, negative or non-finite mean unknown."""
    value = number(value)
    # math.isfinite() overflows on integers too large for a float: only floats can be inf/nan.
    finite = not isinstance(value, float) or math.isfinite(value)
    return value if value is not None and finite and value > 0 else None


def amount(value: Any) -> int | float | None:
    """A pay figure sent as a number or a numeric string; 0, blank or non-numbers mean unknown."""
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return None
    return positive_number(value)


def epoch_or_text(value: Any, *, fractional: bool = False) -> int | float | str | None:
    """A time as sent: epoch seconds as the whole number (any number if ``fractional``), else text."""
    epoch = number(value) if fractional else whole_number(value)
    return epoch if epoch is not None else text(value)
