"""data/*.yaml → DataTable: validated rows with money formatted one way everywhere."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .content import NOT_XML  # the characters chapters refuse, refused in cells too
from ..infra.errors import BookError, BookErrors, raise_all
from ..infra.i18n import messages
from ..infra.limits import MAX_TABLE_BYTES, MAX_TABLE_ROWS
from .yamlfile import YamlDoc, load_yaml

COLUMN_TYPES = ("text", "money", "money-range", "list")
COLUMN_KEYS = {"key", "label", "type", "required", "currency"}
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Column:
    label: str
    type: str
    keys: tuple[str, ...]  # one key, or (low, high) for a money-range
    required: bool
    currency: str = "USD"  # ISO 4217, for money columns


@dataclass(frozen=True)
class DataTable:
    """A table ready to print: its id, caption, header labels and formatted cells (str or tuple of str)."""

    name: str
    id: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    source: str
    blank_label: str = "not given"  # what a screen reader says for an empty cell, in the table's language


def money(value: float, language: str = "en", currency: str = "USD") -> str:
    """'$5,000', '₩6,500,000' (cents only when there are any), as the language writes it (CLDR, through Babel)."""
    return messages(language).money(value, currency)


def money_range(low: float, high: float | None, language: str = "en", currency: str = "USD") -> str:
    """'$5,000–$15,000', or '~$10,922' for a single approximate figure."""
    return messages(language).money_range(low, high, currency)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _columns(doc: YamlDoc, errors: list) -> list[Column]:
    columns = []
    for index, raw in enumerate(doc.data.get("columns") or []):
        line = doc.line("columns", index)
        if not isinstance(raw, dict) or "key" not in raw:
            errors.append(BookError(doc.path, line, "a column needs at least 'key:'", "e.g. {key: country, label: Country}"))
            continue
        unknown = set(raw) - COLUMN_KEYS
        kind = raw.get("type", "text")
        if unknown:
            errors.append(BookError(doc.path, line, f"unknown column setting '{sorted(unknown)[0]}'", f"expected: {', '.join(sorted(COLUMN_KEYS))}"))
        if kind not in COLUMN_TYPES:
            errors.append(BookError(doc.path, line, f"unknown column type '{kind}'", f"expected one of: {', '.join(COLUMN_TYPES)}"))
        keys = tuple(map(str, raw["key"])) if isinstance(raw["key"], list) else (str(raw["key"]),)
        if (kind == "money-range") != (len(keys) == 2):
            errors.append(BookError(doc.path, line, "a money-range column takes key: [low, high]; other columns one key"))
        label = _text(raw.get("label", keys[0]), f"column {index + 1}", doc, line, errors)
        currency = str(raw.get("currency", "USD"))
        if not CURRENCY.match(currency):
            errors.append(BookError(doc.path, line, f"unknown currency '{currency}'", "an ISO 4217 code such as USD, KRW, CNY"))
        columns.append(Column(label, kind, keys, bool(raw.get("required", True)), currency))
    return columns


def _text(value, where: str, doc: YamlDoc, line: int, errors: list) -> str:
    text = str(value)
    if bad := NOT_XML.search(text):
        errors.append(BookError(doc.path, line, f"{where}: character U+{ord(bad.group()):04X} is not allowed in a cell",
                                "delete it; control characters often come from copy and paste"))
        return ""
    return text


def _cell(column: Column, row: dict, where: str, doc: YamlDoc, line: int, errors: list, language: str):
    values = [row.get(key) for key in column.keys]
    missing = values[0] is None
    if missing:
        if column.required:
            errors.append(BookError(doc.path, line, f"{where}: missing column '{column.keys[0]}'"))
        return ""
    if column.type in ("money", "money-range"):
        for key, value in zip(column.keys, values):
            if value is not None and not _is_number(value):
                errors.append(BookError(doc.path, line, f"{where}: '{key}' must be a number, not {value!r}",
                                        "write 5000, not \"$5,000\""))
                return ""
        if column.type == "money":
            return messages(language).isolate(money(values[0], language, column.currency))
        return money_range(values[0], values[1], language, column.currency)
    if column.type == "list":
        if not isinstance(values[0], list):
            errors.append(BookError(doc.path, line, f"{where}: '{column.keys[0]}' must be a list"))
            return ""
        return tuple(_text(v, where, doc, line, errors) for v in values[0])
    return _text(values[0], where, doc, line, errors)


def load_table(path: Path, root: Path, language: str = "en") -> DataTable:
    """Read one data file; a missing column or a non-number where a number belongs names the file and row."""
    display = str(path.relative_to(root))
    doc = load_yaml(path, display, MAX_TABLE_BYTES)
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("rows"), list) or not doc.data.get("columns"):
        raise BookError(display, 1, "a data table needs 'caption:', 'columns:' and 'rows:'")
    if len(doc.data["rows"]) > MAX_TABLE_ROWS:
        raise BookError(display, doc.line("rows"), f"{len(doc.data['rows']):,} rows: a data table may have at most "
                        f"{MAX_TABLE_ROWS:,}", "split it into several tables")
    errors: list[BookError] = []
    columns = _columns(doc, errors)
    known = {key for column in columns for key in column.keys}
    rows = []
    for index, row in enumerate(doc.data["rows"]):
        line, where = doc.line("rows", index), f"row {index + 1}"
        if not isinstance(row, dict):
            errors.append(BookError(display, line, f"{where} must be a mapping such as {{country: ..., low: ...}}"))
            continue
        for key in row:
            if key not in known:
                errors.append(BookError(display, doc.line("rows", index, key), f"{where}: unknown column '{key}'",
                                        f"columns are: {', '.join(sorted(known))}"))
        rows.append(tuple(_cell(column, row, where, doc, line, errors, language) for column in columns))
    name = path.stem
    caption = _text(doc.data.get("caption", ""), "caption", doc, doc.line("caption"), errors)
    raise_all(errors)
    return DataTable(name, f"tbl-{name}", caption, tuple(columns), tuple(rows), display,
                     messages(language)("not_given"))


def table_paths(root: Path, language: str = "") -> list[Path]:
    """data/*.yaml, each replaced by data/<language>/<name>.yaml where a translation has one."""
    paths = {p.stem: p for p in (root / "data").glob("*.y*ml")}
    if language:
        paths.update({p.stem: p for p in (root / "data" / language).glob("*.y*ml")})
    return [paths[name] for name in sorted(paths)]


def load_tables(root: Path, language: str = "en", translated: str = "") -> dict[str, DataTable]:
    """Every data table by name, money written as `language` writes it; all errors reported together.

    `translated` names a data/<language>/ folder whose files replace the default ones of the same name."""
    tables, errors = {}, []
    for path in table_paths(root, translated):
        try:
            tables[path.stem] = load_table(path, root, language)
        except BookError as error:
            errors.append(error)
        except BookErrors as group:
            errors.extend(group.errors)
    raise_all(errors)
    return tables
