"""Load a whole project: config, chapters, data tables, the Jinja step and Markdown, links resolved."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..assemble.ids import duplicate_ids, resolve_links, unique_ids
from ..assemble.parsed import ParsedChapter
from .config import BookConfig, load_config
from .content import chapters_and_errors
from ..infra.errors import BookError, BookErrors, raise_all
from ..convert.gfm import github_slug
from ..convert.markdown import ChapterHtml, convert_chapters
from ..infra.cache import Cache
from ..convert.sanitize import check_disclaimer, sanitize
from .tables import load_tables
from ..infra.templating import expand_chapters, layout_env


@dataclass(frozen=True)
class Project:
    """Everything read from the sources, checked, and not yet tied to an edition."""

    config: BookConfig
    chapters: tuple[ParsedChapter, ...]
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


def translated_paths(config: BookConfig, language: str) -> tuple[Path, ...]:
    """chapters/<language>/<file> for each of the book's chapters/<file>: a translation keeps the file names."""
    chapters = config.root / "chapters"
    return tuple(chapters / language / p.relative_to(chapters) if p.is_relative_to(chapters) else p
                 for p in config.chapters)


def for_language(config: BookConfig, language: str) -> BookConfig:
    """The config of the editions in `language`: its chapters from chapters/<language>/, and the EPUB's print
    page numbers from a PDF edition in the same language (another language's pages would not match)."""
    if language == config.language:
        return config
    pdfs = [e.name for e in config.editions if e.format == "pdf" and e.language == language]
    print_edition = config.print_edition if config.print_edition in pdfs else (pdfs[0] if pdfs else "")
    return replace(config, chapters=translated_paths(config, language), print_edition=print_edition)


def _converted(root: Path, texts: list[str], reserved: list[tuple[str, ...]]) -> list[ChapterHtml]:
    """convert_chapters, each chapter's result kept in the project's .cache/markdown/ under its text and reserved
    ids: after an edit, only the edited chapter is converted again (0.04 s of a guide chapter's 0.05 s)."""
    cache = Cache(root, "markdown")
    keys = [Cache.key("markdown", text, *ids) for text, ids in zip(texts, reserved)]
    found = [_chapter_html(cache.get(key)) for key in keys]
    todo = [i for i, html in enumerate(found) if html is None]
    for i, html in zip(todo, convert_chapters([texts[i] for i in todo], [reserved[i] for i in todo])):
        found[i] = html
        cache.put(keys[i], {"html": html.html, "block_lines": list(html.block_lines),
                            "generated_ids": sorted(html.generated_ids)})
    return found


def _chapter_html(entry: tuple[dict, bytes] | None) -> ChapterHtml | None:
    """The ChapterHtml a cache entry holds, or None when it is missing or not shaped like one (the project
    folder may come from anyone: the HTML is checked by sanitize like any converted chapter's)."""
    meta = entry[0] if entry else {}
    html, lines, ids = meta.get("html"), meta.get("block_lines"), meta.get("generated_ids")
    if (not isinstance(html, str) or not isinstance(lines, list) or not isinstance(ids, list)
            or not all(n is None or type(n) is int for n in lines) or not all(isinstance(i, str) for i in ids)):
        return None
    return ChapterHtml(html, tuple(lines), frozenset(ids))


def load_project(root: Path, language: str = "", strict: bool | None = None) -> Project:
    """Read and check every source of the project at `root` in `language` (default: the book's); all problems
    found are raised together. `strict` overrides book.yaml's `strict` for this build (None: as book.yaml says)."""
    base = load_config(root)
    language = language or base.language
    config = for_language(base, language)
    strict = config.strict if strict is None else strict
    config = replace(config, strict=strict)  # what the later stages see: book.yaml's value or --no-strict
    translated = "" if language == base.language else language
    errors: list[BookError] = []
    if config.disclaimer:
        errors.extend(check_disclaimer(config.disclaimer, _disclaimer_line(config.root)))
    missing = [p for p in config.chapters if not p.is_file()]
    for path in missing:
        errors.append(BookError(str(path.relative_to(config.root)), None, f"no {language} translation of this chapter",
                                f"translate chapters/{path.name} into it, or leave {language} editions out"))
    present = tuple(p for p in config.chapters if p.is_file())
    chapters, found = chapters_and_errors(replace(config, chapters=present))
    errors.extend(found)
    if translated:
        # A translation stands in for the original file: relative image paths and links resolve from
        # chapters/ as in the original, while messages still name chapters/<language>/<file>.
        originals = dict(zip(config.chapters, base.chapters))
        chapters = [replace(c, source=originals[c.source]) for c in chapters]
    errors.extend(w for c in chapters for w in c.warnings)
    table_errors: list[BookError] = []
    tables = _collect(table_errors, load_tables, config.root, language, translated) or {}
    errors.extend(table_errors)
    layouts = layout_env(config.root)
    book_meta = {"title": config.title, "subtitle": config.subtitle, "date": config.date,
                 "authors": config.authors, "publisher": config.publisher}
    expanded = {}
    if not any(not e.warning for e in table_errors):  # a data file that failed to load would show up again as "unknown table"
        expanded, template_errors = expand_chapters(chapters, tables, book_meta, layouts, strict)
        errors.extend(template_errors)
    parsed = []
    converted = [c for c in chapters if c.id in expanded]
    # GitHub gives a `# Title` heading the first id: a later heading of the same words is "<id>-1" there, and here
    reserved = [(github_slug(c.title),) if c.title_in_text else () for c in converted]
    for chapter, html in zip(converted, _converted(config.root, [expanded[c.id] for c in converted], reserved)):
        text = expanded[chapter.id]
        kept, found = sanitize(chapter, text, html, config.root, config.raw_html, strict)
        errors.extend(found)
        parsed.append(ParsedChapter(chapter, text, kept, html.block_lines, html.generated_ids))
    parsed, found = duplicate_ids(parsed, strict)
    errors.extend(found)
    parsed, found = resolve_links(parsed, unique_ids(parsed), strict)
    errors.extend(found)
    warnings = tuple(e for e in errors if e.warning)
    raise_all([e for e in errors if not e.warning])
    for warning in warnings:
        WARNINGS.warning("%s", warning)
    return Project(config, tuple(parsed), layouts, warnings)
