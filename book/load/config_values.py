"""What a few book.yaml values must be beyond their type: real dates, a usable timestamp, margins that fit."""
from __future__ import annotations

import datetime as dt
import os
import re

from ..infra.errors import BookError

PAGE_SIZES_MM = {"a3": (297, 420), "a4": (210, 297), "a5": (148, 210), "a6": (105, 148), "b5": (176, 250),
                 "letter": (215.9, 279.4), "legal": (215.9, 355.6)}
UNIT_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
MIN_TEXT_MM = 20  # the narrowest text block (width or height) margins may leave
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: the last second a four-digit year can show


def _millimetres(length: str) -> float:
    number, unit = re.match(r"^(\d+(?:\.\d+)?)(mm|cm|in|pt)$", length).groups()
    return float(number) * UNIT_MM[unit]


def page_mm(page_size: str) -> tuple[float, float]:
    """(width, height) in millimetres of a page_size that matched PAGE_SIZE."""
    words = page_size.lower().split()
    landscape = words[-1] == "landscape"
    words = words[:-1] if landscape else words
    width, height = PAGE_SIZES_MM[words[0]] if len(words) == 1 else map(_millimetres, words)
    return (height, width) if landscape else (width, height)


def margins_problem(page_size: str, margins: str) -> str | None:
    """Why `margins` leave too little of the page for text, or None."""
    values = [_millimetres(v) for v in margins.split()]
    top, right, bottom, left = (values * 4)[:4] if len(values) < 3 else [*values, values[1]][:4]
    width, height = page_mm(page_size)
    for name, size, used in (("width", width, left + right), ("height", height, top + bottom)):
        if size - used < MIN_TEXT_MM:
            return (f"margins '{margins}' leave {max(size - used, 0):.0f} mm of the page's {size:.0f} mm {name} "
                    f"for text (at least {MIN_TEXT_MM} mm needed)")
    return None


def date_problem(value: str) -> str | None:
    """Why `value` is not a real YYYY-MM-DD date, or None."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        return f"invalid date '{value}'"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        return f"invalid date '{value}': {error}"
    return None if day.year >= 1 else f"invalid date '{value}'"


def source_date_epoch_problem() -> BookError | None:
    """An error when SOURCE_DATE_EPOCH is set but is not a whole number of seconds a date can show."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if not value.isdigit() or int(value) > MAX_EPOCH:
        return BookError("SOURCE_DATE_EPOCH", None, f"'{raw[:40]}' is not a timestamp",
                         f"set it to whole seconds since 1970 (0 to {MAX_EPOCH}), or unset it")
    return None
