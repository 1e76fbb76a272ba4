"""chapters/*.md → Chapter: front matter, title and Markdown text, each remembering its source lines."""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .config import BookConfig
from .editions import IDENT
from ..infra.errors import BookError, BookErrors, raise_all
from ..convert.gfm import HTML_ELEMENTS, in_fenced_code
from .yamlfile import YamlDoc, parse_yaml, read_text

CHAPTER_TYPES = ("chapter", "preface", "introduction", "appendix", "glossary", "backmatter")
FRONT_MATTER_KEYS = {"title": str, "id": str, "numbered": bool, "type": str, "class": str}
ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
H1 = re.compile(ATX_H1.pattern, re.M)  # a `# Title` line anywhere (tests/test_fuzz.py models titles with it)
SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
RAW_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
RAW_H1_START = re.compile(r"<h1\b", re.I)
# A title is plain text (contents, outline, EPUB nav): badges go, links and emphasis keep only their words.
MD_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])?")
FOOTNOTE_CALL = re.compile(r"\[\^[^\]\s]+\]")
IMAGE_ALT = re.compile(r"""!\[([^\]]*)\]|<img\b[^>]*?\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
MD_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])?")
ATTR_LIST = re.compile(r"\s*\{:?\s*[#.][^}]*\}\s*$")  # `# Title {: #id}`: the id is no part of the title
MD_MARKS = re.compile(r"(?<![\w\\])[*_]{1,3}(?=\S)|(?<=[^\s\\])[*_]{1,3}(?!\w)|`+")  # `\*` is a star
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
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
    warnings: tuple[BookError, ...] = ()  # lenient mode: what strict mode refuses (unknown keys, no title)
    title_line: int = 1  # where the title is written (front matter, '# Title' or <h1>); `text` has it blanked out
    title_in_text: bool = False  # written as a heading (not front matter): GitHub gave it the first heading id


def _split_front_matter(text: str, display: str) -> tuple[str, str, int, str]:
    """(front matter, body with the front matter blanked out, line where the front matter starts, "yaml" or
    "toml"): YAML between `---` lines, or TOML between `+++` lines, as Hugo and Zola write it."""
    fence = next((f for f in ("---", "+++") if text.startswith((f + "\n", f + "\r\n"))), None)
    if fence is None:
        return "", text, 0, "yaml"
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ((fence, "...") if fence == "---" else (fence,)):
            front = "".join(lines[1:index])
            body = "\n" * (index + 1) + "".join(lines[index + 1:])
            return front, body, 1, "yaml" if fence == "---" else "toml"
    raise BookError(display, 1, "front matter is not closed", f"end it with a line '{fence}'")


TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=", re.M)
TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def _parse_toml(text: str, display: str, offset: int) -> YamlDoc:
    """TOML front matter as a YamlDoc (its data and the line of each top-level key); an error names its line."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = TOML_ERROR_LINE.search(str(error))
        line = int(found.group(1)) + offset if found else offset + 1
        raise BookError(display, line, f"invalid TOML: {TOML_ERROR_LINE.sub('', str(error)).strip()}",
                        "check the quotes and the '=' of that line") from None
    lines = {}
    for found in TOML_KEY.finditer(text):
        lines.setdefault((found.group(1),), text.count("\n", 0, found.start()) + 1 + offset)
    return YamlDoc(Path(display), data, lines, offset + 1)


def _pandoc_title_block(body: str) -> tuple[str, str]:
    """(title, body with the block's lines blanked) of a Pandoc title block at the very top: `% Title`, then
    `% Author` and `% Date` lines, each continued on lines that start with a space (Rust's release notes open
    with one). ("", body) when there is none."""
    lines = body.split("\n")
    if not lines[0].startswith("% "):
        return "", body
    fields, index = [], 0
    while index < len(lines) and len(fields) < 3 and lines[index].startswith("%"):
        field = [lines[index][1:].strip()]
        index += 1
        while index < len(lines) and lines[index].startswith((" ", "\t")) and lines[index].strip():
            field.append(lines[index].strip())
            index += 1
        fields.append(" ".join(field))
    return fields[0], "\n".join([""] * index + lines[index:])


def _title_block(body: str) -> tuple[str, int, int] | None:
    """(raw title, start, end offsets in `body`) of the first H1 outside fenced code: `# Title`, a setext
    `Title` over `===` (GitHub reads both) or a raw `<h1>`."""
    lines = body.split("\n")
    offsets, at = [], 0
    for line in lines:
        offsets.append(at)
        at += len(line) + 1
    for index, (line, fenced) in enumerate(zip(lines, in_fenced_code(lines))):
        if fenced:
            continue
        end = offsets[index] + len(line)
        atx = ATX_H1.match(line)
        if atx:
            return atx.group(1), offsets[index], end
        opening = RAW_H1_START.search(line)
        raw = RAW_H1.match(body, offsets[index] + opening.start()) if opening else None  # may span lines
        if raw:
            return raw.group(1), raw.start(), raw.end()
        previous = lines[index - 1] if index else ""
        if (index and SETEXT_H1.match(line) and previous.strip() and not previous.startswith(("    ", "\t"))
                and (index < 2 or not lines[index - 2].strip())):
            return previous, offsets[index - 1], end
    return None


def plain_title(markdown_text: str) -> str:
    """The title's words without Markdown or HTML (`*attrs* by Example` → `attrs by Example`), badges left out;
    a title that is only images, their first alt text."""
    title = _words(markdown_text)
    if not title:  # a logo for a title (KaTeX's README): its alt text, what GitHub gives a screen reader
        alts = (next(filter(None, found.groups()), "") for found in IMAGE_ALT.finditer(markdown_text))
        title = next(filter(None, (plain_title(alt) for alt in alts)), "")
    return title


LOGO_WORDS = re.compile(r"\b(?:logo|banner|icon|image|header)\b", re.I)
BADGE = re.compile(r"shields\.io|badge|badgen|travis-ci|/actions/workflows/|codecov|coveralls", re.I)


def _words(markdown_text: str) -> str:
    """The text's words without Markdown, HTML, images or footnote calls."""
    text = MD_LINK.sub(r"\1", MD_IMAGE.sub("", FOOTNOTE_CALL.sub("", ATTR_LIST.sub("", markdown_text))))
    text = re.sub(r"\\(?=[^\w\s])", "", MD_MARKS.sub("", text))
    text = TAG.sub(lambda m: "" if m.group(1).lower() in HTML_ELEMENTS else m.group(), text)  # `<string>` stays
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def _logo_name(body: str) -> str:
    """The alt text of the images a chapter's first block holds when it holds nothing else (a README's centred
    logo), else ""."""
    block = body.lstrip("\n").split("\n\n", 1)[0]
    images = IMAGE_ALT.findall(block)
    if _words(block) or len(images) != 1 or BADGE.search(block):  # (a row of badges: "build passing", "npm")
        return ""
    return " ".join(LOGO_WORDS.sub("", plain_title(block)).split())  # "Express Logo" → "Express"; "logo" → ""


def _chapter_id(stem: str) -> str:
    """`01-intro` → `intro`; a stem that is only numbers (`6.0`) keeps them all (`6-0`), so such files stay apart."""
    stripped = re.sub(r"^\d+[-_.]?", "", stem).lower()
    chosen = stripped if re.search(r"[a-z]", stripped) else stem.lower()
    return re.sub(r"[^a-z0-9-]+", "-", chosen).strip("-")


def load_chapter(path: Path, root: Path, strict: bool = True) -> Chapter:
    """Read one chapter file; bad front matter, an empty file or non-UTF-8 text is a BookError.

    Not strict: unknown front-matter keys are ignored and a chapter without a title is named after its file,
    each with a warning."""
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    # A byte-order mark (Windows editors write one) would hide the front matter's opening '---'.
    text = read_text(path, display).removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # Form feed and vertical tab are whitespace to Markdown (CommonMark) and XHTML has no place for them: licence
    # texts separate their pages with form feeds (FreeType's, in the JDK)
    text = text.replace("\f", " ").replace("\v", " ")
    warnings = []
    if bad := NOT_XML.search(text):
        line, message = text.count("\n", 0, bad.start()) + 1, f"character U+{ord(bad.group()):04X}"
        hint = "delete it; control characters often come from copy and paste"
        if strict:
            raise BookError(display, line, f"{message} is not allowed in a chapter", hint)
        text, count = NOT_XML.subn("", text)
        warnings.append(BookError(display, line, f"{message} left out" + (f", and {count - 1} more such" if count > 1 else ""),
                                  hint, warning=True))
    front_text, body, offset, front_format = _split_front_matter(text, display)
    meta, unknown = {}, []  # unknown keys: listed with the problems found after them (a wrong type stops here)
    if front_text.strip():
        doc = (parse_yaml(front_text, Path(display), line_offset=offset) if front_format == "yaml"
               else _parse_toml(front_text, display, offset))
        if not isinstance(doc.data, dict):
            raise BookError(display, 2, "front matter must be a mapping such as 'title: ...'")
        meta = doc.data
        errors = []
        for key, value in meta.items():
            kind = FRONT_MATTER_KEYS.get(key)
            if kind is None and not strict:
                warnings.append(BookError(display, doc.line(key), f"unknown front-matter key '{key}' ignored",
                                          f"expected one of: {', '.join(FRONT_MATTER_KEYS)}", warning=True))
            elif kind is None:
                unknown.append(BookError(display, doc.line(key), f"unknown front-matter key '{key}'",
                                        f"expected one of: {', '.join(FRONT_MATTER_KEYS)}"))
            elif not isinstance(value, kind):
                errors.append(BookError(display, doc.line(key), f"front-matter '{key}' must be {kind.__name__}, not {value!r}"))
        if meta.get("type", "chapter") not in CHAPTER_TYPES:
            errors.append(BookError(display, doc.line("type"), f"unknown chapter type '{meta['type']}'",
                                    f"expected one of: {', '.join(CHAPTER_TYPES)}"))
        if errors:
            raise_all(unknown + errors)
    if not body.strip():
        raise BookError(display, 1, "chapter is empty", "write some Markdown or remove the file from the book")
    title = meta.get("title")
    title_line = doc.line("title") if title else 1
    in_text = False
    if not front_text.strip():
        titled, body = _pandoc_title_block(body)
        title = plain_title(titled)
    if not title:
        found = _title_block(body)
        title = plain_title(found[0]) if found else ""
        if title:  # (an <h1> holding only a logo without alt text stays in the text)
            in_text = True
            start, end = found[1], found[2]
            title_line = body.count("\n", 0, start) + 1
            # the layout prints the title; keep the line count
            body = body[:start] + "\n" * body.count("\n", start, end) + body[end:]
            if FOOTNOTE_CALL.search(found[0]):  # (the title is printed as plain text: nowhere to call a note from)
                warnings.append(BookError(display, title_line, "a footnote call in the chapter's title is left out,"
                                          " and its note with it", "call the note from the chapter's first paragraph",
                                          warning=True))
        if not title and strict:
            raise_all([BookError(display, 1, "chapter has no title", "add 'title:' front matter or a '# Title' line"),
                       *unknown])
        logo = "" if title else _logo_name(body)
        if logo:  # (FastAPI's, element-plus's READMEs open with a centred logo, no heading)
            title = logo
            warnings.append(BookError(display, 1, f"chapter has no title; named '{title}' after the alt text of "
                                      "its opening logo", "add 'title:' front matter or a '# Title' line",
                                      warning=True))
        if not title:
            title = path.stem
            warnings.append(BookError(display, 1, f"chapter has no title; named '{title}' after its file",
                                      "add 'title:' front matter or a '# Title' line", warning=True))
    chapter_id = meta.get("id") or _chapter_id(path.stem)
    if not IDENT.match(chapter_id or "-"):
        raise BookError(display, 1, f"invalid chapter id '{chapter_id}'", "use lowercase letters, digits and hyphens")
    raise_all(unknown)
    kind = meta.get("type", "chapter")
    numbered = meta.get("numbered", kind in ("chapter", "appendix"))
    return Chapter(path, display, chapter_id, title.strip(), numbered, kind, meta.get("class", ""), body,
                   tuple(warnings), title_line, in_text)


def load_chapters(config: BookConfig) -> list[Chapter]:
    """Every chapter of the book in order; duplicate ids are an error naming both files."""
    chapters, errors = chapters_and_errors(config)
    raise_all(errors)
    return chapters


def chapters_and_errors(config: BookConfig) -> tuple[list[Chapter], list[BookError]]:
    """(the chapters, the problems found). A chapter strict mode refuses for what lenient mode only warns about
    (no title, an unknown front-matter key) is read leniently as well, so that the checks after this one look at
    its text and every problem of the project is listed at once. When a chapter cannot be read at all, or two
    have one id, no chapter is returned: the later checks would report what follows from it (links to the
    missing chapter, the copy's repeated ids) as problems of their own."""
    chapters, errors, seen, unread = [], [], {}, False
    for path in config.chapters:
        try:
            chapter = load_chapter(path, config.root, config.strict)
        except (BookError, BookErrors) as error:
            errors += error.errors if isinstance(error, BookErrors) else [error]
            try:
                chapter = replace(load_chapter(path, config.root, strict=False), warnings=())
            except (BookError, BookErrors):
                unread = True
                continue
        if chapter.id in seen:
            errors.append(BookError(chapter.display, 1, f"duplicate chapter id '{chapter.id}' (also {seen[chapter.id]})",
                                    "give one of them another 'id:' in its front matter"))
            unread = True
        seen[chapter.id] = chapter.display
        chapters.append(chapter)
    return [] if unread else chapters, errors
