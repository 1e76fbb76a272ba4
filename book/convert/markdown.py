"""Markdown text → a chapter body as HTML text with the source line of each top-level block: GitHub-flavoured
Markdown on Python-Markdown and pymdown-extensions."""
from __future__ import annotations

import functools
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass

import markdown
from lxml import etree
from lxml import html as lxml_html
from markdown.extensions import Extension
from markdown.extensions.def_list import DefListProcessor
from markdown import util
from markdown.extensions.toc import unescape
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from ..infra.parallel import map_forked, worker_count
from .body import body_html, parse_body
from .source_lines import MARKER, SourceLines

# Every element name HTML has or had. A "tag" with any other name (`<string>`, `<T>`, `<number[]>` in prose about
# code) is not HTML at all, so it is printed as the author typed it.
HTML_ELEMENTS = frozenset("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink blockquote body br
button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em embed
fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe
image img input ins isindex kbd keygen label legend li link listing main map mark marquee math menu menuitem meta
meter multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p param picture plaintext
portal pre progress q rb rp rt rtc ruby s samp script search section select slot small source spacer span strike
strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var
video wbr xmp
""".split())
TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])")


class _InlineHtml(HtmlInlineProcessor):
    """Raw inline HTML as Python-Markdown keeps it, except "tags" whose name is no HTML element: those stay text."""

    def handleMatch(self, m, data):
        name = TAG_NAME.match(m.group(1))
        if m.group(1).startswith("<") and m.group(1)[1:2] not in "!?" and (
                name is None or name.group(1).lower() not in HTML_ELEMENTS):
            return m.group(1), m.start(0), m.end(0)  # a plain string: escaped when serialised
        return super().handleMatch(m, data)


XML_NAME_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Nd", "Mn", "Mc", "Me"}


def github_slug(text: str) -> str:
    """The id GitHub gives a heading: lowercase, punctuation dropped, each space a '-', letters of any script kept."""
    # GitHub keeps every letter, mark and number; numbers such as '²' or '½' (category No) are left out here
    # because an EPUB's ids must be XML names.
    kept = (c for c in text.strip().lower() if c in " -_" or unicodedata.category(c) in XML_NAME_CATEGORIES)
    return "".join(kept).replace(" ", "-")


class _HeadingIds(Treeprocessor):
    """Gives each heading without an explicit id its GitHub id (`-1`, `-2` for repeats); remembers which it made."""

    def run(self, root):
        headings = [e for e in root.iter() if e.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        used = {e.get("id") for e in root.iter() if e.get("id")}
        made = []
        for heading in headings:
            if heading.get("id") is not None:
                continue
            text = unescape(self._without_html("".join(heading.itertext())))
            base = github_slug(text) or "section"
            slug, n = base, 0
            while slug in used:
                n += 1
                slug = f"{base}-{n}"
            used.add(slug)
            made.append(slug)
            heading.set("id", slug)
        self.md.generated_ids = tuple(made)

    def _without_html(self, text: str) -> str:
        """The heading's text with its raw inline HTML reduced to the words inside it."""
        def words(match):
            raw = self.md.htmlStash.rawHtmlBlocks[int(match.group(1))]
            return re.sub(r"<[^>]*>", "", raw) if isinstance(raw, str) else ""
        return util.HTML_PLACEHOLDER_RE.sub(words, text)


# magiclink also turns the text of a raw `<a href="…">https://…</a>` into a link (it cannot see the raw tag;
# upstream wontfix, pymdown-extensions #1074), nesting one link in another, with `</a>` in the inner href.
NESTED_LINK = re.compile(r'(<a\b[^>]*>)<a href="[^"]*">([^<]*)</a></a>')


class _UnnestLinks(Postprocessor):
    """The author's raw link around its own URL text, without magiclink's link inside it."""

    def run(self, text):
        return NESTED_LINK.sub(r"\1\2</a>", text)


class _Definitions(DefListProcessor):
    """Definition lists, where a `: text` line with no term before it (after a quote, a list or a heading) is a
    paragraph, as in Pandoc: Python-Markdown makes it a <dl> that opens with a <dd>, which HTML and EPUBCheck refuse."""

    def run(self, parent, blocks):
        sibling = self.lastChild(parent)
        if sibling is not None and sibling.tag not in ("p", "dl") and not self.RE.search(blocks[0]).start():
            return False  # the block starts with its `:` line: no term in it either
        return super().run(parent, blocks)


class _Guidebook(Extension):
    def extendMarkdown(self, md):
        md.parser.blockprocessors.register(_Definitions(md.parser), "deflist", 25)
        md.inlinePatterns.register(_InlineHtml(HTML_RE, md), "html", 90)
        md.treeprocessors.register(_HeadingIds(md), "guidebook_heading_ids", 4)  # after attr_list's explicit ids
        md.postprocessors.register(_UnnestLinks(md), "guidebook_unnest_links", 5)  # after raw HTML is back


EXTENSIONS = ["tables", "footnotes", "attr_list", "def_list", "pymdownx.superfences", "pymdownx.highlight",
              "admonition", "md_in_html", "sane_lists", "pymdownx.tasklist", "pymdownx.tilde", "pymdownx.magiclink"]
EXTENSION_CONFIG = {
    # ':' in footnote ids is legal HTML but not an XML NCName; EPUB readers choke on it.
    "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "↩\ufe0e"},
    # CSS classes (book/layouts/highlight.css), never inline styles: the allow-list refuses `style`.
    "pymdownx.highlight": {"use_pygments": True, "noclasses": False, "guess_lang": False, "css_class": "highlight"},
    "pymdownx.tilde": {"subscript": False},  # GitHub: ~~strike~~ only
    "pymdownx.magiclink": {"hide_protocol": False},
}

PARALLEL_CHARACTERS = 200_000  # above this much Markdown, chapters are converted on every core


@dataclass(frozen=True)
class Converted:
    """What one conversion sends back (from a forked worker too): HTML with line markers, the ids it made up."""

    html: str
    generated_ids: tuple[str, ...]


@dataclass(frozen=True)
class ChapterHtml:
    """A chapter body as HTML text (its blocks, as `body_html` writes them), the source line of each of its
    top-level elements, and the ids Markdown made up."""

    html: str
    block_lines: tuple[int | None, ...]
    generated_ids: frozenset[str]


def _text_not_comment(parse_comment):
    """Python-Markdown's comment parsing (its raw-HTML block extractor's), except that `<!-->` and `<!--->` are
    text, as GitHub shows them (GFM: a comment's text may not start with `>` or `->`). Python-Markdown read on to
    the next `-->`, and the blocks in between (a `<figure>`, say) ended up inside a paragraph: found by test_fuzz,
    an EPUB that EPUBCheck refuses."""

    @functools.wraps(parse_comment)
    def parse(self, i, report=True):
        for text in ("<!-->", "<!--->"):
            if self.rawdata.startswith(text, i):
                self.handle_data(text)
                return i + len(text)
        return parse_comment(self, i, report)
    parse.guidebook = True
    return parse


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """One converter per process, reset between chapters (building it costs more than a short chapter)."""
    from markdown.htmlparser import HTMLExtractor
    if not getattr(HTMLExtractor.parse_comment, "guidebook", False):
        HTMLExtractor.parse_comment = _text_not_comment(HTMLExtractor.parse_comment)
    return markdown.Markdown(extensions=[*EXTENSIONS, _Guidebook(), SourceLines()],
                             extension_configs=EXTENSION_CONFIG, output_format="html")


def markdown_to_html(text: str) -> Converted:
    converter = _converter().reset()
    converter.generated_ids = ()
    html = converter.convert(text)
    return Converted(html, converter.generated_ids)


def convert_chapters(texts: list[str]) -> list[ChapterHtml]:
    """Each chapter body converted, in order (on every core when the book is long)."""
    workers = worker_count(len(texts)) if sum(map(len, texts)) > PARALLEL_CHARACTERS else 1
    return list(map_forked(convert, texts, workers=workers, chunksize=4))


def markdown_to_trees(texts: list[str]) -> list[lxml_html.HtmlElement]:
    """Each chapter body as a `<div>` element whose children are the rendered blocks, in order."""
    return [parse_body(c.html) for c in convert_chapters(texts)]


def markdown_to_tree(text: str) -> lxml_html.HtmlElement:
    return parse_body(convert(text).html)


def convert(text: str) -> ChapterHtml:
    return chapter_html(markdown_to_html(text))


def chapter_html(converted: Converted) -> ChapterHtml:
    """The converted chapter cleaned up: line markers taken out into a tuple, comments, unreferenced notes and
    form controls gone, alignment as classes, web links quoted."""
    tree = lxml_html.fragment_fromstring(converted.html or "<p></p>", create_parent="div")
    lines = _take_line_markers(tree)
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    _drop_unreferenced_footnotes(tree)
    _empty_void_elements(tree)
    _task_boxes(tree)
    _alignment_classes(tree)
    _web_links_quoted(tree)
    # footnotes, and data tables (`table("name")` may be called in two chapters): ids no author chose
    made = set(tree.xpath(".//div[@class='footnote']//li/@id | .//sup[a[@class='footnote-ref']]/@id"
                          " | .//table[caption/span[@class='table-number']]/@id"))
    return ChapterHtml(body_html(tree), lines, frozenset(converted.generated_ids) | made)


def _take_line_markers(tree) -> tuple[int | None, ...]:
    """The line each child element of `tree` starts at, from the markers before it (which are removed)."""
    lines, line = [], None
    for node in list(tree):
        if node.tag is etree.Comment and (node.text or "").startswith(MARKER):
            line = int(node.text[len(MARKER):])
        elif isinstance(node.tag, str):  # the notes Python-Markdown adds at the end come from no one block
            lines.append(None if node.get("class") == "footnote" else line)
    return tuple(lines)


def _drop_unreferenced_footnotes(tree) -> None:
    """Remove notes that nothing in the text calls (Python-Markdown prints them with a dangling back-link)."""
    called = {a.get("href", "")[1:] for a in tree.xpath(".//a[contains(@class, 'footnote-ref')]")}
    for note in tree.xpath(".//div[@class='footnote']//li[@id]"):
        if note.get("id") not in called:
            note.getparent().remove(note)
    for block in tree.xpath(".//div[@class='footnote']"):
        if not block.xpath(".//li"):
            block.getparent().remove(block)


def _empty_void_elements(tree) -> None:
    """Move what libxml2 put inside a `<wbr>` (it does not know the element is empty) out after it."""
    for element in tree.iter("wbr"):
        if element.text is None and not len(element):
            continue
        parent, children = element.getparent(), list(element)
        tail, element.tail, element.text = element.tail, element.text, None
        for offset, child in enumerate(children, start=1):
            parent.insert(parent.index(element) + offset, child)
        last = children[-1] if children else element
        last.tail = (last.tail or "") + (tail or "")


def _task_boxes(tree) -> None:
    """GitHub task-list check boxes as text boxes: a form control is no part of a book (or of the allow-list)."""
    for box in tree.xpath(".//li[contains(@class, 'task-list-item')]//input[@type='checkbox']"):
        done = box.get("checked") is not None
        box.tag = "span"  # changed in place: its tail (the item's text) stays as the parser read it
        box.attrib.clear()
        box.set("class", "task-box done" if done else "task-box")
        # a box drawn by CSS with an "x" in it: ☒ and ☐ are missing from most book fonts
        box.set("role", "img")
        box.set("aria-label", "done" if done else "not done")
        box.text = "x" if done else ""


NOT_IN_URLS = re.compile(r'[\[\]<>"{}|\\^`\s]')


def _web_links_quoted(tree) -> None:
    """Characters no URL may hold (`[` after a bare URL magiclink took in) percent-encoded in web links:
    EPUBCheck refuses them."""
    for link in tree.xpath(".//a[starts-with(@href, 'http://') or starts-with(@href, 'https://')]"):
        link.set("href", NOT_IN_URLS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), link.get("href")))


ALIGNMENT = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")


def _alignment_classes(tree) -> None:
    """A table column's alignment (`|:--:|`) as a class: the allow-list has no `style`."""
    for cell in tree.xpath(".//th[@style] | .//td[@style]"):
        match = ALIGNMENT.match(cell.get("style"))
        if match:
            del cell.attrib["style"]
            cell.set("class", " ".join(filter(None, [cell.get("class"), f"align-{match.group(1)}"])))


def source_line(text: str, *needles: str) -> int | None:
    """The first line of `text` containing any of `needles` (only where no block line is known)."""
    for needle in needles:
        if needle:
            index = text.find(needle)
            if index >= 0:
                return text.count("\n", 0, index) + 1
    return None


def block_line(text: str, block_lines: tuple[int | None, ...], body, element, *needles: str) -> int | None:
    """The line of `element` (inside `body`, a chapter's tree whose top-level elements started at `block_lines`):
    the first line holding one of `needles` inside the top-level block it belongs to, else the line the block
    starts at."""
    top = element
    while top is not None and top.getparent() is not body:
        top = top.getparent()
    if top is None:
        return source_line(text, *needles)
    index = [child for child in body if isinstance(child.tag, str)].index(top)
    start = block_lines[index] if index < len(block_lines) else None
    if start is None:
        return source_line(text, *needles)
    later = [line for line in block_lines[index + 1:] if line is not None and line > start]
    lines = text.split("\n")
    end = later[0] - 1 if later else len(lines)
    for needle in needles:
        if needle:
            for number in range(start, min(end, len(lines)) + 1):
                if needle in lines[number - 1]:
                    return number
    return start


def heading_text(element) -> str:
    """A heading's visible text, whitespace folded."""
    return re.sub(r"\s+", " ", element.text_content()).strip()


def escape_text(text: str) -> str:
    return html_lib.escape(text, quote=False)
