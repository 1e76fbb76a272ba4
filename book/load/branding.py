"""Branding: the contact block on a brochure's back cover, from book.yaml or from a list of clinics (CSV or YAML)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..infra.errors import BookError
from .paths import resolve_inside
from .yamlfile import parse_yaml, read_text

COLUMNS = ("id", "name", "lines", "phone", "email", "website", "logo", "qr", "note")
REQUIRED_IN_LIST = ("id", "name")
LOGO_TYPES = (".svg", ".png")
ROW_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
# The starter's example contact block. A brochure printed with it would send patients nowhere.
PLACEHOLDERS = ("Your clinic's name", "Street address, district, city", "+82 (0)0 0000 0000",
                "international@clinic.example", "Clinics handing out this brochure replace these lines")


@dataclass(frozen=True)
class Branding:
    """A contact block printed on the back cover of an edition (a clinic's name and details)."""

    name: str
    lines: tuple[str, ...] = ()
    note: str = ""
    id: str = ""  # the row id of a clinic list: the output file is <slug>-<edition>-<id>.pdf
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: Path | None = None  # an SVG or PNG inside the project
    qr: str = ""  # the address the QR code gives; default: the book's url

    def placeholder(self) -> str:
        """The starter's example text this block still holds ('' when there is none)."""
        for value in (self.name, *self.lines, self.note, self.phone, self.email, self.website):
            for example in PLACEHOLDERS:
                if example in value:
                    return example
        return ""


def is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _problem(root: Path, column: str, value: Any) -> str:
    """What is wrong with one value of a branding block, or ''."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if column == "id" and not ROW_ID.match(text):
        return f"id '{text}' must be lowercase letters, digits and hyphens (it becomes part of a file name)"
    if column in ("website", "qr") and not is_web_address(text):
        return f"'{text}' is not a web address (write it as https://…)"
    if column == "email" and not EMAIL.match(text):
        return f"'{text}' is not an email address"
    if column == "phone" and (not PHONE.match(text) or sum(c.isdigit() for c in text) < 3):
        return f"'{text}' is not a telephone number (digits, spaces, + ( ) - . /)"
    if column == "logo":
        path = resolve_inside(root, root, text)
        if path is None:
            return f"logo '{text}' is outside the project folder"
        if path.suffix.lower() not in LOGO_TYPES:
            return f"logo '{text}' must be an SVG or PNG file"
        if not path.is_file():
            return f"logo file not found: {text}"
    return ""


def _lines(value: Any) -> tuple[str, ...]:
    """`lines` as a list in YAML, or one text whose lines are separated by newlines or ' | ' (a CSV cell)."""
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if not value:
        return ()
    return tuple(part.strip() for part in re.split(r"\n| \| ", str(value)) if part.strip())


def make_branding(root: Path, row: dict, report) -> Branding | None:
    """A Branding from one mapping of COLUMNS; `report(column, message, hint)` records each problem."""
    count = 0

    def fail(column, message, hint=""):
        nonlocal count
        count += 1
        report(column, message, hint)

    if "(extra cells)" in row:
        fail("(extra cells)", "the row has more cells than the header has columns",
             'put a value holding commas in double quotes: "Gangnam-gu, Seoul"')
    for column in row:
        if column not in COLUMNS and column != "(extra cells)":
            fail(column, f"unknown column '{column}'", f"expected one of: {', '.join(COLUMNS)}")
    if not str(row.get("name") or "").strip():
        fail("name", "the clinic's name is missing")
    for column in COLUMNS:
        if column not in ("lines", "name", "note") and (problem := _problem(root, column, row.get(column))):
            fail(column, problem, "logos are SVG or PNG files inside the project" if column == "logo" else "")
    if count:
        return None
    text = {c: str(row.get(c) or "").strip() for c in COLUMNS}
    return Branding(name=text["name"], lines=_lines(row.get("lines")), note=text["note"], id=text["id"],
                    phone=text["phone"], email=text["email"], website=text["website"],
                    logo=resolve_inside(root, root, text["logo"]) if text["logo"] else None, qr=text["qr"])


def _rows(path: Path, display: str) -> list[tuple[int, dict]]:
    """(source line, mapping) for each row of a CSV or YAML clinic list."""
    text = read_text(path, display)
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        rows = []
        for row in reader:
            if row.pop(None, None):  # cells beyond the header: a comma inside an unquoted value
                row["(extra cells)"] = True
            rows.append((reader.line_num, row))
        return rows
    doc = parse_yaml(text, Path(display))
    data = doc.data.get("clinics") if isinstance(doc.data, dict) else doc.data
    key = ("clinics",) if isinstance(doc.data, dict) else ()
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise BookError(display, doc.first_line, "a clinic list must be a list of mappings (one per clinic)",
                        "- {id: seoul-knee, name: Seoul Knee Clinic, phone: ...}")
    return [(doc.line(*key, i), r) for i, r in enumerate(data)]


def load_branding_list(root: Path, path: Path, display: str, errors: list) -> list[tuple[int, int, Branding]]:
    """(source line, row number, Branding) for every row of a clinic list; each bad value is an error naming the
    file, the row and the column."""
    if path.suffix.lower() not in (".csv", ".yaml", ".yml"):
        errors.append(BookError(display, None, "a clinic list must be a .csv, .yaml or .yml file"))
        return []
    try:
        rows = _rows(path, display)
    except BookError as error:
        errors.append(error)
        return []
    if not rows:
        errors.append(BookError(display, 1, "the clinic list has no rows"))
    found, seen = [], {}
    for number, (line, row) in enumerate(rows, start=1):
        def report(column, message, hint="", line=line, number=number):
            errors.append(BookError(display, line, f"row {number}, column '{column}': {message}", hint))

        for column in REQUIRED_IN_LIST:
            if column == "id" and not str(row.get("id") or "").strip():
                report("id", "the row has no id", "give every clinic a short unique id, e.g. seoul-knee")
        branding = make_branding(root, row, report)
        if branding is None:
            continue
        if branding.id in seen:
            report("id", f"id '{branding.id}' is used again (first in row {seen[branding.id]})")
        seen.setdefault(branding.id, number)
        found.append((line, number, branding))
    return found
