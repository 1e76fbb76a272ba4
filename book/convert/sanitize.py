"""The raw-HTML allow-list and resource checks: what a chapter may contain, traced to file:line, and the chapter
as the book keeps it (in escape and lenient modes, with what is refused shown as text or left out)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from ..load.content import Chapter
from ..infra.errors import BookError
from ..load.images import image_problem
from ..infra.limits import MAX_HTML_DEPTH
from .body import body_html, parse_body
from .gfm import BLOCK_TAGS, HTML_ELEMENTS
from .markdown import ChapterHtml, block_line, heading_text
from ..load.paths import remote_reason, resolve_inside

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
# Allowed only on these tags, as XHTML 5 allows them: `<a alt>`, `<td width="14%">` (an all-contributors table),
# `<ul type>`, `<li value>` in a `<ul>` are common in READMEs, and EPUBCheck refuses each.
ATTRIBUTE_TAGS = {
    "alt": {"img"}, "src": {"img"}, "width": {"img"}, "height": {"img"}, "href": {"a"}, "type": {"ol"},
    "start": {"ol"}, "reversed": {"ol"}, "value": {"li"}, "span": {"col", "colgroup"}, "colspan": {"td", "th"},
    "rowspan": {"td", "th"}, "headers": {"td", "th"}, "scope": {"th"}, "abbr": {"th"}, "open": {"details"},
    "datetime": {"time", "ins", "del"}, "cite": {"blockquote", "q", "ins", "del"},
}
# The values XHTML 5 takes: a number (of pixels, of a list's items or of cells), a list style. An image's
# "100px" is read as 100, as browsers read it.
PIXELS = re.compile(r"^\s*(\d+)(?:\.\d*)?\s*(?:px)?\s*;?\s*$", re.I)
ATTRIBUTE_VALUES = {"width": PIXELS, "height": PIXELS, "start": re.compile(r"^\s*-?\d+\s*$"),
                    "value": re.compile(r"^\s*-?\d+\s*$"), "type": re.compile(r"^[1aAiI]$"),
                    "colspan": re.compile(r"^\s*[1-9]\d*\s*$"), "rowspan": re.compile(r"^\s*\d+\s*$"),
                    "span": re.compile(r"^\s*[1-9]\d*\s*$")}
# They run code, fetch from elsewhere or take over the page: errors by default, since an author who wrote them
# meant something the book cannot do; `raw_html: escape` shows them as text (harmless) with a warning; the
# disclaimer drops them with their content.
UNSAFE_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link", "meta",
    "form", "input", "button", "textarea", "select", "option", "noscript", "template", "svg", "math", "audio",
    "video", "source", "track", "canvas", "portal", "param", "html", "head", "body", "title", "slot",
}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
             "track", "wbr", "keygen", "image", "isindex", "spacer", "bgsound", "nextid"}
FLOW_CONTAINERS = {"div", "section", "aside", "blockquote", "li", "td", "th", "dd", "figure", "details"}
LINK_SCHEMES = {"", "http", "https", "mailto", "tel"}
# They run code or reach into the reader's machine: errors in every mode (other schemes are warnings when not strict)
UNSAFE_SCHEMES = {"javascript", "vbscript", "data", "file", "blob", "filesystem"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def sanitize(chapter: Chapter, text: str, html: ChapterHtml, root: Path, raw_html: str = "error",
             strict: bool = True) -> tuple[str, list[BookError]]:
    """(the chapter body as the book keeps it, every tag, attribute, link scheme and image of the rendered chapter
    that the book does not allow); `html` stays as it was.

    With `raw_html="escape"`, tags outside the allow-list are shown as text and attributes outside it dropped,
    each with a warning: as text even `<script>` is harmless, and nothing of it stays an element or attribute.
    Event attributes and `javascript:` links stay errors in every mode. "Tags" that are no HTML element at all
    are text in every mode. Not strict: a remote or missing image and an empty heading are left out with a
    warning (the image's alt text stays). Images that pass get their `src` rewritten relative to the project
    root, where both renderers look.
    """
    escape = raw_html == "escape"
    errors = []
    body = parse_body(html.html)  # this step's own tree: what it changes is written back as new text
    changed = False  # nothing shown as text, dropped or rewritten: the chapter's HTML stays as it came

    def problem(element, needles, message, hint, warning=False):
        line = block_line(text, html.block_lines, body, element, *needles)
        errors.append(BookError(chapter.display, line, message, hint, warning))

    outline_level = 1  # the chapter's title is the <h1> its headings come under
    deepest = _deepest(body)
    if deepest is not None:
        problem(deepest, ("<",), f"HTML nested more than {MAX_HTML_DEPTH} elements deep",
                f"the limit is {MAX_HTML_DEPTH} levels (book/infra/limits.py): flatten the markup")
        return html.html, errors
    for element in list(body.iter()):
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or element is body:
            continue
        if tag not in HTML_ELEMENTS:  # `<string>` in prose: the author meant the word, brackets and all
            changed = True
            as_text(element, body)
            continue
        if tag not in ALLOWED_TAGS:
            if escape:
                problem(element, (f"<{tag}",), f"raw HTML <{tag}> is not allowed; shown as text",
                        "remove it, or write what it should look like in Markdown", warning=True)
                changed = True
                as_text(element, body)
            else:
                problem(element, (f"<{tag}",), f"raw HTML <{tag}> is not allowed",
                        "remove it; the book allows text markup, tables, lists and images")
            continue
        for name, value in list(element.attrib.items()):
            needles = (f"{name}=", f" {name}")  # (` nowrap`: an attribute written without a value)
            if name.startswith("on"):
                problem(element, needles, f"event attribute '{name}' is not allowed", "remove it")
                continue
            if tag == "img" and name in ("width", "height") and (found := PIXELS.match(value)) \
                    and found.group(1) != value:
                changed = True
                element.set(name, found.group(1))
                continue
            if _bad_value(element, name, value):
                message, hint = f"{name}=\"{value}\" on <{tag}> is not valid", _VALUE_HINTS[name]
            elif (name not in ALLOWED_ATTRIBUTES and not name.startswith(("aria-", "data-", "epub:"))
                  or tag not in ATTRIBUTE_TAGS.get(name, {tag})):
                # (CSS can fetch from anywhere: dropped, but said so)
                message = f"attribute '{name}' is not allowed on <{tag}>"
                hint = "styling belongs in the book's CSS" if escape and name == "style" else "remove it"
            else:
                continue
            problem(element, needles, message + ("; dropped" if escape else ""), hint, warning=escape)
            if escape:
                changed = True
                del element.attrib[name]
        if tag in HEADINGS and not heading_text(element) and not strict:
            problem(element, (), "empty heading left out", "give it a title or remove the line", warning=True)
            changed = True
            _drop_heading(element)
            continue
        if tag in HEADINGS and not heading_text(element):
            problem(element, (), "empty heading", "give it a title or remove the line")
        if tag in HEADINGS:
            outline_level = _heading_level(element, outline_level, strict, problem)
            changed = changed or element.tag != tag
        if "id" in element.attrib and not element.get("id").strip():
            problem(element, ("{#", 'id=""', "id=''", "id="), "empty id", "write {#some-name} or leave the braces out")
        elif "id" in element.attrib and any(c.isspace() for c in element.get("id")):
            ident = element.get("id")
            problem(element, (f'id="{ident}"', f"id='{ident}'", "id="), f"id '{ident}' contains a space",
                    f"an id is one word: write {'-'.join(ident.split())}")
        href = element.get("href")
        scheme = urlsplit(href.strip()).scheme.lower() if href is not None else ""
        if scheme not in LINK_SCHEMES and (strict or scheme in UNSAFE_SCHEMES):
            problem(element, (href,), f"link '{href}' uses a forbidden scheme",
                    "links may be http(s), mailto, tel or to chapters")
        elif scheme not in LINK_SCHEMES:  # a documentation tool's own (Sphinx's `pypug:…`): no address a reader can open
            problem(element, (href,), f"link '{href}' is no web address; shown as text",
                    "links may be http(s), mailto, tel or to chapters", warning=True)
            changed = True
            element.tag = "span"
            element.attrib.pop("href")
        if tag == "img":
            src = element.get("src")
            changed = True  # its src is made project-relative, or it is left out
            found = _check_image(chapter, element, root)
            if found and not strict and found[0] in _lenient_image_problems(src):
                message = (f"remote image '{src}' left out (the build never fetches from the network)"
                           if "remote" in found[0] else f"{found[0]}; left out")
                problem(element, (src, "<img", "!["), message, found[1], warning=True)
                _image_as_alt_text(element)
            elif found:
                problem(element, (src, "<img", "!["), *found)
    changed = _links_without_text(body, strict, problem) or changed
    return (body_html(body) if changed else html.html), errors


def _links_without_text(body, strict: bool, problem) -> bool:
    """Web links with nothing to read or see (`[](https://…)`; a sponsor's logo with no alt text, left out when
    not strict): a screen reader announces a bare "link", DAISY Ace reports it (link-name), and print shows
    nothing. The author's own is an error, or not strict a warning; either is left out when not strict. (An empty
    link inside the book is a cross-reference, which prints its target: book/assemble/ids.py.) Returns whether
    the body changed."""
    empty = [a for a in body.iter("a") if urlsplit((a.get("href") or "").strip()).scheme
             and not a.text_content().strip() and a.find(".//img") is None]
    for link in empty:
        href = link.get("href")
        left_out_image = link.find(".//span") is not None  # what _image_as_alt_text left of an image without alt
        if not left_out_image:
            problem(link, (f"]({href}", href), f"link to '{href}' has no text" + ("" if strict else "; left out"),
                    "write the words a reader sees: [words](address)", warning=not strict)
        if strict:
            continue
        if link.getparent() is body:  # a top-level block keeps its place (each has a source line)
            link.attrib.clear()
            link.tag = "span"
        else:
            link.drop_tree()  # its tail stays
    return bool(empty) and not strict


_VALUE_HINTS = {
    "width": "write a number of pixels (width=\"120\"), or leave it out", "height": "write a number of pixels, or leave it out",
    "start": "write a whole number", "value": "write a whole number, in a numbered list (<ol>) only",
    "type": "write 1, a, A, i or I", "colspan": "write a whole number from 1", "rowspan": "write a whole number",
    "span": "write a whole number from 1",
}


def _bad_value(element, name: str, value: str) -> bool:
    """Whether an attribute the allow-list keeps on this tag has a value XHTML 5 refuses (`<li value>` is allowed
    only in an `<ol>`)."""
    if name not in ATTRIBUTE_VALUES or element.tag not in ATTRIBUTE_TAGS.get(name, {element.tag}):
        return False
    parent = element.getparent()
    return not ATTRIBUTE_VALUES[name].match(value) or (name == "value" and (parent is None or parent.tag != "ol"))


def _deepest(tree):
    """The first element more than MAX_HTML_DEPTH elements deep in `tree`, or None (walked without recursion)."""
    stack = [(tree, 0)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_HTML_DEPTH:
            return element
        stack.extend((child, depth + 1) for child in element if isinstance(child.tag, str))
    return None


def as_text(element, tree) -> None:
    """Show `element`'s own tags as literal text around its content (a top-level block stays a block)."""
    attributes = "".join(f' {name}="{value}"' for name, value in element.attrib.items())
    start, end = f"<{element.tag}{attributes}>", "" if element.tag in VOID_TAGS else f"</{element.tag}>"
    element.attrib.clear()
    element.text = start + (element.text or "")
    if len(element):
        element[-1].tail = (element[-1].tail or "") + end
    else:
        element.text += end
    parent = element.getparent()
    holds_blocks = parent is tree or parent.tag in FLOW_CONTAINERS
    blocks = parent is tree or (holds_blocks and any(child.tag in BLOCK_TAGS for child in element.iterdescendants()))
    element.tag = "div" if blocks else "span"  # a <div> inside a <p> would not be valid XHTML


def _lenient_image_problems(src: str | None) -> set[str]:
    """The image problems lenient mode only warns about: a remote, outside or missing file."""
    return {remote_reason(src or "") or "", f"image '{src}' is outside the project folder", f"image not found: {src}"}


def _image_as_alt_text(element) -> None:
    """The image replaced by its alt text, in place (a top-level block keeps its place and source line)."""
    alt = element.get("alt", "")
    element.attrib.clear()
    element.tag, element.text = "span", alt


def _heading_level(element, previous: int, strict: bool, problem) -> int:
    """The heading's level once checked against the one before it: a level skipped (`####` right after `##`) is an
    error, or not strict a warning and the heading shown one level below the previous. Screen readers navigate by
    level, DAISY Ace reports the skip (heading-order) and PDF/UA forbids it (Matterhorn 14-003)."""
    level = int(element.tag[1])
    if level <= previous + 1:
        return level
    expected = previous + 1
    words = heading_text(element)  # where in a block of several lines (a <details>) the heading is
    needles = (f"{'#' * level} {words}", f"<h{level}", words)
    message = f"heading level {level} right after level {previous}"
    hint = f"make it {'#' * expected}: heading levels go down one at a time"
    if strict:
        problem(element, needles, f"{message} skips a level", hint)
        return level
    problem(element, needles, f"{message}; shown as level {expected}", hint, warning=True)
    element.tag = f"h{expected}"
    return expected


def _drop_heading(element) -> None:
    """An empty heading emptied into a plain block, in place: no outline entry, no anchor, the tail kept."""
    element.attrib.clear()
    element.tag = "div"
    for child in list(element):
        element.remove(child)  # what is left has no text (a removed child's tail is lost, and was blank)
    element.text = None


def _check_image(chapter: Chapter, element, root: Path) -> tuple[str, str] | None:
    """(message, hint) when the image cannot be used; a usable one gets its `src` made project-relative."""
    src = element.get("src", "")
    if not src:
        return "image without a source", "write ![description](images/file.png)"
    reason = remote_reason(src)
    path = None if reason else resolve_inside(root, chapter.source.parent, src)
    if reason or path is None:
        return (reason or f"image '{src}' is outside the project folder",
                "copy the image into the project and use a relative path")
    if not path.is_file():
        return f"image not found: {src}", "check the file name and folder"
    decorative = "decorative" in element.get("class", "").split()
    if not element.get("alt", "").strip() and not decorative:
        return f"image '{src}' has no alt text", "describe it: ![what it shows](file), or mark it {.decorative}"
    broken = image_problem(path)  # corrupt, not an image, too many pixels, an SVG with scripts (issue 18)
    if broken is not None:
        return f"image '{path.name}' {broken}", "replace it with a valid PNG, JPEG or SVG"
    element.set("src", path.relative_to(root.resolve()).as_posix())
    if decorative:
        element.set("alt", "")
        element.set("role", "presentation")
    return None


def check_disclaimer(text: str, line: int | None) -> list[BookError]:
    """The book.yaml `disclaimer` through the same allow-list as chapters (it is printed in every edition)."""
    if not text:
        return []
    tree = lxml_html.fragment_fromstring(text, create_parent="p")
    errors = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element is tree:
            continue
        if (element.tag not in ALLOWED_TAGS or element.tag == "img") and element.tag in HTML_ELEMENTS:
            errors.append(BookError("book.yaml", line, f"raw HTML <{element.tag}> is not allowed in the disclaimer",
                                    "the disclaimer may hold text markup such as <em> and <a href>"))
            continue
        for name, value in element.attrib.items():
            bad_name = name.startswith("on") or (name not in ALLOWED_ATTRIBUTES and not name.startswith("aria-"))
            if bad_name:
                errors.append(BookError("book.yaml", line, f"attribute '{name}' is not allowed in the disclaimer", "remove it"))
            elif name == "href" and urlsplit(value.strip()).scheme.lower() not in LINK_SCHEMES:
                errors.append(BookError("book.yaml", line, f"link '{value}' in the disclaimer uses a forbidden scheme",
                                        "links may be http(s), mailto or tel"))
    return errors


def disclaimer_html(text: str) -> str:
    """The disclaimer as one clean `<p>`: whatever the allow-list refuses is left out (check_disclaimer reports it)."""
    if not text:
        return ""
    tree = lxml_html.fragment_fromstring(text, create_parent="p")
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for element in [e for e in tree.iter() if e.tag in UNSAFE_TAGS or e.tag == "img"]:
        element.drop_tree()
    for element in list(tree.iter()):
        if element is not tree and element.tag not in ALLOWED_TAGS:
            element.drop_tag() if element.tag in HTML_ELEMENTS else as_text(element, tree)
        else:
            for name, value in list(element.attrib.items()):
                unsafe_link = name == "href" and urlsplit(value.strip()).scheme.lower() not in LINK_SCHEMES
                if name.startswith("on") or name not in ALLOWED_ATTRIBUTES or unsafe_link or name == "src":
                    del element.attrib[name]
    return lxml_html.tostring(tree, encoding="unicode")

