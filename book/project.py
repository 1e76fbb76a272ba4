"""Load a whole project: config, chapters, data tables, the Jinja step and Markdown, links resolved."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .assemble import ParsedChapter, duplicate_ids, make_ids_unique, resolve_links
from .config import BookConfig, load_config
from .content import load_chapters
from .errors import BookError, BookErrors, raise_all
from .markdown import convert_chapters
from .sanitize import check_disclaimer, check_html
from .tables import load_tables
from .templating import expand_chapters, layout_env


@dataclass
class Project:
    """Everything read from the sources, checked, and not yet tied to an edition."""

    config: BookConfig
    chapters: list[ParsedChapter]
    layouts: object  # the Jinja environment for layouts
    warnings: tuple[BookError, ...] = ()  # lenient mode: what would have been errors, in source order

    @property
    def date(self) -> str:
        return build_date(self.config)


def build_date(config: BookConfig) -> str:
    """The book's timestamp (UTC, ISO 8601): SOURCE_DATE_EPOCH, else book.yaml's date, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = config.date or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    return f"{day}T00:00:00Z"


def _collect(errors: list[BookError], function, *args):
    """Run one loading step; its author errors join `errors` and the step's result (or None) is returned."""
    try:
        return function(*args)
    except BookError as error:
        errors.append(error)
    except BookErrors as group:
        errors.extend(group.errors)
    return None


# Warnings go to whoever listens (the command line prints and counts them); a build never stops for one.
WARNINGS = logging.getLogger("guidebook.warnings")


def _disclaimer_line(root: Path) -> int | None:
    """The line of the top-level `disclaimer:` key in book.yaml (a top-level key appears once)."""
    text = (root / "book.yaml").read_text(encoding="utf-8", errors="replace")
    match = re.search(r"(?m)^disclaimer\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load_project(root: Path, strict: bool | None = None) -> Project:
    """Read and check every source of the project at `root`; all problems found are raised together.

    `strict` overrides book.yaml's `strict` for this build (None: as book.yaml says).
    """
    config = load_config(root)
    strict = config.strict if strict is None else strict
    errors: list[BookError] = []
    if config.disclaimer:
        errors.extend(check_disclaimer(config.disclaimer, _disclaimer_line(config.root)))
    chapters = _collect(errors, load_chapters, config) or []
    tables = _collect(errors, load_tables, config.root) or {}
    layouts = layout_env(config.root)
    book_meta = {"title": config.title, "subtitle": config.subtitle, "date": config.date,
                 "authors": config.authors, "publisher": config.publisher}
    expanded = {}
    if not errors:  # a data file that failed to load would show up again as "unknown table"
        expanded, template_errors = expand_chapters(chapters, tables, book_meta, layouts)
        errors.extend(template_errors)
    parsed = []
    converted = [c for c in chapters if c.id in expanded]
    for chapter, html in zip(converted, convert_chapters([expanded[c.id] for c in converted])):
        text = expanded[chapter.id]
        errors.extend(check_html(chapter, text, html, config.root, config.raw_html))
        parsed.append(ParsedChapter.of(chapter, text, html))
    errors.extend(duplicate_ids(parsed))
    renames = make_ids_unique(parsed)
    errors.extend(resolve_links(parsed, renames, config.root, strict))
    warnings = tuple(e for e in errors if e.warning)
    raise_all([e for e in errors if not e.warning])
    for warning in warnings:
        WARNINGS.warning("%s", warning)
    return Project(config, parsed, layouts, warnings)
