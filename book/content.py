"""chapters/*.md → Chapter: front matter, title and Markdown text, each remembering its source lines."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .config import IDENT, BookConfig
from .errors import BookError, raise_all
from .yamlfile import parse_yaml, read_text

CHAPTER_TYPES = ("chapter", "preface", "introduction", "appendix", "glossary", "backmatter")
FRONT_MATTER_KEYS = {"title": str, "id": str, "numbered": bool, "type": str, "class": str}
H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
# Characters XML 1.0 forbids (neither XHTML nor the PDF's HTML can hold them), the C1 controls, which no font
# draws, and the Unicode line and paragraph separators, which stop WeasyPrint's line breaking (both found by
# the fuzz test): invisible characters that come from copy and paste
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


@dataclass(frozen=True)
class Chapter:
    """One Markdown chapter as the author wrote it."""

    source: Path
    display: str  # the path as messages show it, relative to the project
    id: str
    title: str
    numbered: bool
    type: str
    css_class: str
    text: str  # the Markdown after the front matter, with front-matter lines kept blank so line numbers hold


def _split_front_matter(text: str, display: str) -> tuple[str, str, int]:
    """(front matter YAML, body with the front matter blanked out, line where the YAML starts)."""
    if not text.startswith("---\n") and not text.startswith("---\r\n"):
        return "", text, 0
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "".join(lines[1:index])
            body = "\n" * (index + 1) + "".join(lines[index + 1:])
            return yaml_text, body, 1
    raise BookError(display, 1, "front matter is not closed", "end it with a line '---'")


def load_chapter(path: Path, root: Path) -> Chapter:
    """Read one chapter file; bad front matter, an empty file or non-UTF-8 text is a BookError."""
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    # A byte-order mark (Windows editors write one) would hide the front matter's opening '---'.
    text = read_text(path, display).removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    bad = NOT_XML.search(text)
    if bad:
        raise BookError(display, text.count("\n", 0, bad.start()) + 1,
                        f"character U+{ord(bad.group()):04X} is not allowed in a chapter",
                        "delete it; control characters often come from copy and paste")
    yaml_text, body, offset = _split_front_matter(text, display)
    meta = {}
    if yaml_text.strip():
        doc = parse_yaml(yaml_text, Path(display), line_offset=offset)
        if not isinstance(doc.data, dict):
            raise BookError(display, 2, "front matter must be a mapping such as 'title: ...'")
        meta = doc.data
        errors = []
        for key, value in meta.items():
            kind = FRONT_MATTER_KEYS.get(key)
            if kind is None:
                errors.append(BookError(display, doc.line(key), f"unknown front-matter key '{key}'",
                                        f"expected one of: {', '.join(FRONT_MATTER_KEYS)}"))
            elif not isinstance(value, kind):
                errors.append(BookError(display, doc.line(key), f"front-matter '{key}' must be {kind.__name__}, not {value!r}"))
        if meta.get("type", "chapter") not in CHAPTER_TYPES:
            errors.append(BookError(display, doc.line("type"), f"unknown chapter type '{meta['type']}'",
                                    f"expected one of: {', '.join(CHAPTER_TYPES)}"))
        raise_all(errors)
    if not body.strip():
        raise BookError(display, 1, "chapter is empty", "write some Markdown or remove the file from the book")
    title = meta.get("title")
    if not title:
        match = H1.search(body)
        if not match:
            raise BookError(display, 1, "chapter has no title", "add 'title:' front matter or a '# Title' line")
        title = match.group(1)
        body = body[: match.start()] + body[match.end():]  # the layout prints the title; keep the line count
    chapter_id = meta.get("id") or re.sub(r"^\d+[-_.]?", "", path.stem).lower() or path.stem.lower()
    chapter_id = re.sub(r"[^a-z0-9-]+", "-", chapter_id).strip("-")
    if not IDENT.match(chapter_id or "-"):
        raise BookError(display, 1, f"invalid chapter id '{chapter_id}'", "use lowercase letters, digits and hyphens")
    kind = meta.get("type", "chapter")
    numbered = meta.get("numbered", kind in ("chapter", "appendix"))
    return Chapter(path, display, chapter_id, title.strip(), numbered, kind, meta.get("class", ""), body)


def load_chapters(config: BookConfig) -> list[Chapter]:
    """Every chapter of the book in order; duplicate ids are an error naming both files."""
    chapters, errors, seen = [], [], {}
    for path in config.chapters:
        try:
            chapter = load_chapter(path, config.root)
        except BookError as error:
            errors.append(error)
            continue
        if chapter.id in seen:
            errors.append(BookError(chapter.display, 1, f"duplicate chapter id '{chapter.id}' (also {seen[chapter.id]})",
                                    "give one of them another 'id:' in its front matter"))
        seen[chapter.id] = chapter.display
        chapters.append(chapter)
    raise_all(errors)
    return chapters
