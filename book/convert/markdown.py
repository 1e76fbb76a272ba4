"""Markdown text → a chapter body as HTML text with the source line of each top-level block: GitHub-flavoured
Markdown on Python-Markdown and pymdown-extensions."""
from __future__ import annotations

import functools
import html as html_lib
import re
from dataclasses import dataclass

import markdown
from lxml import etree
from lxml import html as lxml_html

from ..infra.parallel import map_forked, worker_count
from .body import body_html, parse_body
from .gfm import BLOCK_TAGS, EXTENSION_CONFIG, EXTENSIONS, GitHubFlavour, is_note_call, text_not_comment
from .source_lines import MARKER, SourceLines

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


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """One converter per process, reset between chapters (building it costs more than a short chapter)."""
    from markdown.htmlparser import HTMLExtractor
    if not getattr(HTMLExtractor.parse_comment, "guidebook", False):
        HTMLExtractor.parse_comment = text_not_comment(HTMLExtractor.parse_comment)
    return markdown.Markdown(extensions=[*EXTENSIONS, GitHubFlavour(), SourceLines()],
                             extension_configs=EXTENSION_CONFIG, output_format="html")


def warm_converter() -> None:
    """Build this process's converter now (0.15 s: the extensions' imports and patterns), before it is needed."""
    _converter()


def markdown_to_html(text: str, reserved_ids: tuple[str, ...] = ()) -> Converted:
    """`reserved_ids`: ids the headings must not take (the title's, which GitHub gives the `# Title` heading)."""
    converter = _converter().reset()
    converter.generated_ids = ()
    converter.reserved_ids = reserved_ids
    html = converter.convert(text)
    return Converted(html, converter.generated_ids)


def convert_chapters(texts: list[str], reserved_ids: list[tuple[str, ...]] | None = None) -> list[ChapterHtml]:
    """Each chapter body converted, in order (on every core when the book is long); `reserved_ids`: per chapter,
    ids its headings must not take (markdown_to_html)."""
    workers = worker_count(len(texts)) if sum(map(len, texts)) > PARALLEL_CHARACTERS else 1
    return list(map_forked(convert, texts, reserved_ids or [()] * len(texts), workers=workers, chunksize=4))


def markdown_to_trees(texts: list[str]) -> list[lxml_html.HtmlElement]:
    """Each chapter body as a `<div>` element whose children are the rendered blocks, in order."""
    return [parse_body(c.html) for c in convert_chapters(texts)]


def markdown_to_tree(text: str) -> lxml_html.HtmlElement:
    return parse_body(convert(text).html)


def convert(text: str, reserved_ids: tuple[str, ...] = ()) -> ChapterHtml:
    return chapter_html(markdown_to_html(text, reserved_ids), reserved_ids)


def chapter_html(converted: Converted, reserved_ids: tuple[str, ...] = ()) -> ChapterHtml:
    """The converted chapter cleaned up: line markers taken out into a tuple, comments, unreferenced notes and
    form controls gone, alignment as classes, web links quoted, `<a name>` anchors given their id."""
    tree = lxml_html.fragment_fromstring(converted.html or "<p></p>", create_parent="div")
    _phrasing_around_blocks_as_divs(tree)  # first: the pieces of a top-level paragraph keep its line marker
    _blocks_out_of_paragraphs(tree)
    lines = _take_line_markers(tree)
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    _drop_unreferenced_footnotes(tree)
    _empty_void_elements(tree)
    _task_boxes(tree)
    _alignment_classes(tree)
    _empty_header_cells_as_data(tree)
    _details_with_summary_first(tree)
    _pictures_as_their_image(tree)
    _web_links_quoted(tree)
    named = _named_anchors(tree, reserved_ids)
    # footnotes, and data tables (`table("name")` may be called in two chapters): ids no author chose
    made = set(tree.xpath(".//div[@class='footnote']//li/@id | .//sup[a[@class='footnote-ref']]/@id"
                          " | .//table[caption/span[@class='table-number']]/@id"))
    return ChapterHtml(body_html(tree), lines, frozenset(converted.generated_ids) | made | named)


def _named_anchors(tree, reserved_ids: tuple[str, ...]) -> set[str]:
    """`<a name="x">`, README's way of marking a place to link to (HTML 4's; XHTML 5 has no `name` on `a`), as
    `<a id="x">`: links to #x lead there, as on GitHub. A name some id already has, or an earlier anchor, stays
    with it (where a browser goes too); such a name is dropped, as is one with a space or a ':' (which readers
    choke on, as in footnote ids). Returns the ids made: like a heading's, an id the author did not choose,
    renamed if another chapter has it."""
    taken = set(tree.xpath(".//@id")) | set(reserved_ids)
    made = set()
    for anchor in tree.iter("a"):
        name = anchor.attrib.pop("name", None)
        if name is None or anchor.get("id") is not None:
            continue
        name = name.strip()
        if name and not any(c.isspace() or c == ":" for c in name) and name not in taken:
            anchor.set("id", name)
            taken.add(name)
            made.add(name)
    return made


# Elements whose content may be blocks (flow content); the other non-block elements hold text only (phrasing)
HOLD_BLOCKS = BLOCK_TAGS | {"li", "dt", "dd", "td", "th", "caption", "summary", "figcaption", "a", "ins", "del"}


def _phrasing_around_blocks_as_divs(tree) -> None:
    """An element of text that came to hold a block (an unclosed `<em>` swallowing the list after it, and a raw
    `<p>` in it) becomes a `<div>`, which may: its emphasis is lost, the XHTML is valid (the fuzz test found it)."""
    for element in reversed(list(tree.iter())):  # the innermost first: its parent then holds a block
        if (isinstance(element.tag, str) and element.tag not in HOLD_BLOCKS
                and any(child.tag in BLOCK_TAGS for child in element)):
            element.tag = "div"


def _blocks_out_of_paragraphs(tree) -> None:
    """A block Python-Markdown left inside a paragraph ends it, as an HTML parser would: `<p>a<details>…</details>
    b</p>` becomes `<p>a</p><details>…</details><p>b</p>` (XHTML allows no block in a <p>). READMEs put raw
    `<details>` on the line after a list item's text, where GitHub starts an HTML block; Python-Markdown keeps
    it in the item's paragraph."""
    def block(child) -> bool:  # (a link, `<ins>` or `<del>` holding a block is one: `[<p></p> web](…)`, the fuzz test)
        return child.tag in BLOCK_TAGS or (child.tag in ("a", "ins", "del")
                                           and any(e.tag in BLOCK_TAGS for e in child.iterdescendants()))

    for paragraph in [p for p in tree.iter("p") if any(block(child) for child in p)]:
        pieces, current = [], lxml_html.Element("p", dict(paragraph.attrib))
        current.text = paragraph.text
        for child in list(paragraph):
            if block(child):
                pieces += [current, child]
                current = lxml_html.Element("p")
                current.text, child.tail = child.tail, None
            else:
                current.append(child)  # with its tail
        pieces.append(current)
        kept = [piece for piece in pieces if piece.tag != "p" or len(piece) or (piece.text or "").strip()]
        kept[-1].tail = paragraph.tail
        parent, index = paragraph.getparent(), paragraph.getparent().index(paragraph)
        parent[index:index + 1] = kept


def _empty_header_cells_as_data(tree) -> None:
    """A header cell with nothing in it (`|   | Node | Deno |`, the corner of a comparison) is no header: a data
    cell, as DAISY Ace wants (empty-table-header); the style sheets draw the header row's cells alike."""
    for cell in tree.iter("th"):
        if not cell.text_content().strip() and cell.find(".//img") is None:
            cell.tag = "td"
            cell.attrib.pop("scope", None)


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
    # the notes left numbered anew, in order: Python-Markdown gave the dropped ones numbers (a note called only
    # from the chapter's title, which the layout prints, made the calls read 2, 3, 2 under notes 1 and 2)
    numbers = {note.get("id"): str(n) for n, note in enumerate(tree.xpath(".//div[@class='footnote']//li[@id]"), 1)}
    for call in tree.xpath(".//a[contains(@class, 'footnote-ref')]"):
        call.text = numbers.get(call.get("href", "")[1:], call.text)
    for back in tree.xpath(".//a[contains(@class, 'footnote-backref')][@title]"):
        note = back.xpath("ancestor::li[@id]")
        if note and note[0].get("id") in numbers:
            back.set("title", re.sub(r"\d+", numbers[note[0].get("id")], back.get("title"), count=1))


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
    """Characters no URL may hold (`[` after a bare URL magiclink took in; a second '#', as in Matrix's
    `https://matrix.to/#/#room:server`) percent-encoded in web links: EPUBCheck refuses them."""
    for link in tree.xpath(".//a[starts-with(@href, 'http://') or starts-with(@href, 'https://')]"):
        href = NOT_IN_URLS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), link.get("href"))
        address, hash_sign, fragment = href.partition("#")
        link.set("href", address + hash_sign + fragment.replace("#", "%23"))


def _details_with_summary_first(tree) -> None:
    """A `<details>` opens with its `<summary>` (XHTML requires it, EPUBCheck checks): a summary written later
    moves to the front; without one, the block is a plain `<div>`, always open, as print shows it anyway."""
    for details in tree.iter("details"):
        first = details[0] if len(details) else None
        if (first is not None and first.tag == "p" and len(first) == 1 and first[0].tag == "summary"
                and not (first.text or "").strip() and not (first[0].tail or "").strip()):
            # `<details> <summary>Notes</summary>` then a blank line (pyenv's README): Markdown made the summary a
            # paragraph's text
            first[0].tail = first.tail
            details.replace(first, first[0])
        summary = next((child for child in details if child.tag == "summary"), None)
        if summary is None:
            details.tag = "div"
            details.attrib.pop("open", None)
        elif details[0] is not summary:
            summary_tail, summary.tail = summary.tail, None
            previous = summary.getprevious()
            previous.tail = (previous.tail or "") + (summary_tail or "")
            summary.tail = details.text
            details.text = None
            details.insert(0, summary)


def _pictures_as_their_image(tree) -> None:
    """`<picture>` (READMEs offer a logo for dark and light screens: Rust's) as the `<img>` it holds, what a reader
    without `<picture>` shows; its `<source>` choices go (the allow-list has neither element)."""
    for picture in list(tree.iter("picture")):
        for source in list(picture.iter("source")):
            source.drop_tag()  # (the HTML parser may have put the <img> inside a <source>: it stays)
        picture.drop_tag()


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
    """A heading's visible text, whitespace folded, without its footnote calls (`## Risks[^1]`: "Risks" in the
    contents, not "Risks1")."""
    return re.sub(r"\s+", " ", "".join(_text_outside_notes(element))).strip()


def _text_outside_notes(element):
    yield element.text or ""
    for child in element:
        if not is_note_call(child):
            yield from _text_outside_notes(child)
        yield child.tail or ""


def escape_text(text: str) -> str:
    return html_lib.escape(text, quote=False)
