"""The raw-HTML allow-list and resource checks: what a chapter may contain, traced to file:line."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from .content import Chapter
from .errors import BookError
from .images import check_image
from .markdown import heading_text, source_line
from .paths import remote_reason, resolve_inside

ALLOWED_TAGS = {
    "div", "p", "span", "a", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr", "cite",
    "q", "dfn", "kbd", "code", "pre", "samp", "var", "br", "hr", "wbr", "blockquote", "ul", "ol", "li", "dl",
    "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "caption", "thead", "tbody", "tfoot", "tr", "th",
    "td", "colgroup", "col", "img", "figure", "figcaption", "section", "aside", "details", "summary", "ins",
    "del", "time", "bdi", "bdo", "ruby", "rt", "rp",
}
ALLOWED_ATTRIBUTES = {
    "id", "class", "title", "lang", "dir", "href", "src", "alt", "width", "height", "colspan", "rowspan",
    "scope", "headers", "start", "reversed", "type", "value", "role", "datetime", "cite", "open", "span",
    "abbr",
}
LINK_SCHEMES = {"", "http", "https", "mailto", "tel"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _problem(chapter: Chapter, text: str, needles: tuple[str, ...], message: str, hint: str) -> BookError:
    return BookError(chapter.display, source_line(text, *needles), message, hint)


def check_html(chapter: Chapter, text: str, tree, root: Path) -> list[BookError]:
    """Every tag, attribute, link scheme and image of the rendered chapter that the book does not allow.

    Images that pass get their `src` rewritten relative to the project root, where both renderers look.
    """
    errors = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None:  # comments and processing instructions are dropped later
            continue
        if tag not in ALLOWED_TAGS:
            errors.append(_problem(chapter, text, (f"<{tag}",), f"raw HTML <{tag}> is not allowed",
                                   "remove it; the book allows text markup, tables, lists and images"))
            continue
        for name, value in element.attrib.items():
            if name.startswith("on"):
                errors.append(_problem(chapter, text, (f"{name}=",), f"event attribute '{name}' is not allowed", "remove it"))
            elif name not in ALLOWED_ATTRIBUTES and not name.startswith(("aria-", "data-", "epub:")):
                errors.append(_problem(chapter, text, (f"{name}=",), f"attribute '{name}' is not allowed on <{tag}>", "remove it"))
        if tag in HEADINGS and not heading_text(element):
            errors.append(BookError(chapter.display, _empty_heading_line(text, int(tag[1])), "empty heading",
                                    "give it a title or remove the line"))
        if "id" in element.attrib and not element.get("id").strip():
            errors.append(_problem(chapter, text, ("{#", 'id="'), "empty id", "write {#some-name} or leave the braces out"))
        href = element.get("href")
        if href is not None and urlsplit(href.strip()).scheme.lower() not in LINK_SCHEMES:
            errors.append(_problem(chapter, text, (href,), f"link '{href}' uses a forbidden scheme",
                                   "links may be http(s), mailto, tel or to chapters"))
        if tag == "img":
            errors.extend(_check_image(chapter, text, element, root))
    return errors


def _empty_heading_line(text: str, level: int) -> int | None:
    """The line of a `## ` heading with no text (or of a raw `<h2>`), for the error message."""
    match = re.search(rf"(?m)^[ ]{{0,3}}{'#' * level}(?:[ \t]+\{{[^}}]*\}})?[ \t#]*$", text)
    return text.count("\n", 0, match.start()) + 1 if match else source_line(text, f"<h{level}")


def _check_image(chapter: Chapter, text: str, element, root: Path) -> list[BookError]:
    src = element.get("src", "")
    needles = (src, "<img") if src else ("<img", "![")
    if not src:
        return [_problem(chapter, text, needles, "image without a source", "write ![description](images/file.png)")]
    reason = remote_reason(src)
    path = None if reason else resolve_inside(root, chapter.source.parent, src)
    if reason or path is None:
        return [_problem(chapter, text, needles, reason or f"image '{src}' is outside the project folder",
                         "copy the image into the project and use a relative path")]
    if not path.is_file():
        return [_problem(chapter, text, needles, f"image not found: {src}", "check the file name and folder")]
    decorative = "decorative" in element.get("class", "").split()
    if not element.get("alt", "").strip() and not decorative:
        return [_problem(chapter, text, needles, f"image '{src}' has no alt text",
                         "describe it: ![what it shows](file), or mark it {.decorative}")]
    if (broken := check_image(path, chapter.display, source_line(text, *needles))) is not None:  # issue 18
        return [broken]
    element.set("src", path.relative_to(root.resolve()).as_posix())
    if decorative:
        element.set("alt", "")
        element.set("role", "presentation")
    return []
