"""What no edition may leave out, and what no edition may point at once it is left out.

Sections marked `{.essential}` (or named in book.yaml's `required:` list) must be in every PDF and EPUB
edition: a short edition that drops the risks or the disclaimer tells half the story. A link into a section or
chapter an edition leaves out used to become plain text ("see the rules" pointing nowhere): now it is an error
with the sentence's path:line, or a warning when book.yaml says `strict: false`.
"""
from __future__ import annotations

from . import Book
from .parsed import ParsedChapter
from ..load.config import BookConfig
from ..load.editions import Edition
from ..infra.errors import BookError
from ..convert.markdown import source_line

ESSENTIAL = "essential"


def _essential_ids(parsed: list[ParsedChapter], config: BookConfig) -> dict[str, tuple]:
    """id → (path, line) of every section or block that must be in every edition."""
    found: dict[str, tuple] = {}
    for p in parsed:
        if ESSENTIAL not in p.html:  # no such class anywhere: no need to read the tree
            continue
        for element in p.body().iter():
            if isinstance(element.tag, str) and ESSENTIAL in element.get("class", "").split():
                anchor = element.get("id") or p.anchor
                needle = "{#" + element.get("id") if element.get("id") else ""
                found[anchor] = (p.chapter.display, source_line(p.text, needle, ".essential"))
    for anchor in config.required:
        found.setdefault(anchor, ("book.yaml", None))
    return found


def _present_ids(book: Book) -> set[str]:
    return {anchor for anchor, _ in book.targets}


def omission_errors(parsed: list[ParsedChapter], book: Book) -> list[BookError]:
    """An error for each essential section the edition leaves out."""
    edition, present = book.edition, _present_ids(book)
    known = {p.anchor for p in parsed} | {i for p in parsed for i in p.ids}
    errors = []
    for anchor, (path, line) in _essential_ids(parsed, book.config).items():
        if anchor not in known:
            errors.append(BookError("book.yaml", None, f"required section '{anchor}' does not exist",
                                    "name a chapter id (ch-<id>) or a heading's {#id}"))
        elif anchor not in present:
            errors.append(BookError(path, line, f"edition '{edition.name}' leaves out the essential section '{anchor}'",
                                    "include its chapter in the edition, or do not mark that section {.detail}"))
    return errors


def dangling_link_errors(parsed: list[ParsedChapter], book: Book) -> list[BookError]:
    """An error for each link, in what the edition keeps, to a chapter or section the edition leaves out."""
    present = _present_ids(book)
    kept_blocks = {block.id for c in book.chapters for block in c.blocks}
    by_id = {p.chapter.id: p for p in parsed}
    errors = []
    for c in book.chapters:
        p = by_id[c.id]
        if "data-chapter" not in p.html:  # no internal link: nothing to check
            continue
        for index, block in enumerate(p.body(), start=1):
            if f"{c.id}-{index}" not in kept_blocks or not isinstance(block.tag, str):
                continue
            for link in block.iter("a"):
                target_chapter, fragment = link.get("data-chapter"), (link.get("href") or "#")[1:]
                if target_chapter is None or fragment in present:
                    continue
                words = " ".join(link.text_content().split())
                target = by_id[target_chapter].chapter.source.name if target_chapter in by_id else ""
                line = source_line(p.text, f"[{words}](" if words else "", f"#{fragment})", f"({target}")
                errors.append(BookError(p.chapter.display, line,
                                        f"'{words or fragment}' links to '#{fragment}', which edition '{book.edition.name}' leaves out",
                                        "mark the sentence {.detail} too, rewrite it, or keep the target in the edition"))
    return errors


def edition_errors(parsed: list[ParsedChapter], book: Book) -> list[BookError]:
    """Everything this module checks, for one assembled edition."""
    return omission_errors(parsed, book) + dangling_link_errors(parsed, book)


def checked_editions(config: BookConfig, editions: list[Edition]) -> list[Edition]:
    """The laid-out editions among `editions` and their sources (a booklet is checked through its source)."""
    names = {e.name for e in editions} | {e.source for e in editions if e.source}
    return [e for e in config.editions if e.name in names and not e.source]
