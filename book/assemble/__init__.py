"""Parsed chapters → Book for one edition: chapters chosen, blocks named, numbers, contents, list of tables,
cross-references written (ids were made unique and links resolved once, at load: ids.py)."""
from __future__ import annotations

import html as html_lib
from dataclasses import dataclass

from lxml import etree

from ..load.config import BookConfig
from ..load.editions import Edition
from ..load.content import Chapter
from ..infra.errors import BookError
from ..infra.i18n import Messages, messages
from ..convert.markdown import heading_text
from ..convert.sanitize import disclaimer_html
from .admonitions import localize_admonition_titles
from .checklist import mark_answer_lists
from .direction import mark_left_to_right
from .figures import FigureEntry, number_figures
from .parsed import ParsedChapter
from .xrefs import mark_cross_references

HEADINGS = ("h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class TocEntry:
    level: int
    title: str
    number: str
    chapter_id: str
    anchor: str
    children: tuple["TocEntry", ...] = ()


@dataclass(frozen=True)
class TableEntry:
    id: str
    label: str  # "Table 5.1"
    caption: str
    chapter_id: str


@dataclass(frozen=True)
class Block:
    """A top-level block of a chapter body: its name where print pages may begin ("costs-3") and its source line."""

    id: str
    line: int | None


@dataclass(frozen=True)
class BookChapter:
    chapter: Chapter
    number: str  # "3", or "" when unnumbered
    anchor: str
    html: str  # the body as an XHTML fragment: final ids, internal links as "#id", cross-references written
    blocks: tuple[Block, ...] = ()  # one for each top-level element of `html`, in order

    @property
    def id(self) -> str:
        return self.chapter.id

    @property
    def file_name(self) -> str:
        return f"{self.chapter.id}.xhtml"


@dataclass(frozen=True)
class Book:
    """Everything a renderer needs for one edition; renderers compute nothing of this again."""

    config: BookConfig
    edition: Edition
    chapters: tuple[BookChapter, ...]
    toc: tuple[TocEntry, ...]
    tables: tuple[TableEntry, ...]
    messages: Messages  # the generated strings, dates and money in the edition's language
    disclaimer_html: str = ""  # book.yaml's disclaimer, through the allow-list: one clean <p>
    # every id of this edition (chapter anchors too) → the chapter holding it: where an internal link leads
    targets: tuple[tuple[str, str], ...] = ()
    figures: tuple[FigureEntry, ...] = ()


def _select(parsed: list[ParsedChapter], edition: Edition, config: BookConfig) -> list[ParsedChapter]:
    ids = {p.chapter.id for p in parsed}
    unknown = [i for i in (*edition.include, *edition.exclude) if i not in ids]
    if unknown:
        raise BookError("book.yaml", None, f"edition '{edition.name}' names unknown chapter '{unknown[0]}'",
                        f"chapter ids are: {', '.join(sorted(ids))}")
    chosen = [p for p in parsed if (not edition.include or p.chapter.id in edition.include)
              and p.chapter.id not in edition.exclude]
    return chosen


def assemble(parsed: list[ParsedChapter], config: BookConfig, edition: Edition) -> Book:
    """The book as this edition has it: chapters numbered, tables numbered, cross-references filled in."""
    config = config.for_language(edition.language or config.language)
    t = messages(config.language, config.root)
    chapters, tables, figures, number = [], [], [], 0
    unnumbered_tables = unnumbered_figures = 0
    for p in _select(parsed, edition, config):
        label = ""
        if p.chapter.numbered:
            number += 1
            label = str(number)
        body = p.body()  # this edition's own tree, worked on here and handed on as text
        blocks = [block for block in body if isinstance(block.tag, str)]
        lines = dict(zip((f"{p.chapter.id}-{index}" for index in range(1, len(blocks) + 1)), p.block_lines))
        for index, block in enumerate(blocks, start=1):  # named before omit_marked, so names stay per edition
            block.set("data-block", f"{p.chapter.id}-{index}")
        omit_marked(body, edition.omit)
        mark_answer_lists(body)  # book/assemble/checklist.py
        localize_admonition_titles(body, t)
        if t.direction == "rtl":
            mark_left_to_right(body)  # book/assemble/direction.py
        numbered = [t for t in body.iter("table") if t.get("id") and t.find("caption/span[@class='table-number']") is not None]
        for index, table in enumerate(numbered, start=1):  # plain Markdown tables take no number
            if not label:
                unnumbered_tables += 1
            caption = table.find("caption")
            table_label = t("table", number=f"{label}.{index}" if label else unnumbered_tables)
            number_span = caption.find("span[@class='table-number']")
            if number_span is not None:
                number_span.text = table_label + t("caption_separator")
                text = heading_text(caption.find(".//span[@class='caption-text']"))
                tables.append(TableEntry(table.get("id"), table_label, text, p.chapter.id))
        found = number_figures(body, p.chapter.id, label, t, unnumbered_figures)  # book/assemble/figures.py
        unnumbered_figures += 0 if label else len(found)
        figures += found
        chapters.append(_Working(p.chapter, label, p.anchor, body, lines))
    mark_cross_references(c.body for c in chapters)  # book/assemble/xrefs.py: print adds their page numbers
    targets = _fill_cross_references(chapters, [*tables, *figures], t)  # (drops data-chapter, which marking reads)
    depth = edition.toc_depth or config.toc_depth
    toc = tuple(_toc_entry(c, depth) for c in chapters)
    return Book(config, edition, tuple(c.finished() for c in chapters), toc, tuple(tables), t,
                disclaimer_html(config.disclaimer), targets, tuple(figures))


@dataclass(frozen=True)
class _Working:
    """A chapter while assemble works on its tree (a copy of its own); `finished` is what leaves assemble."""

    chapter: Chapter
    number: str
    anchor: str
    body: object  # lxml <div>, its top-level blocks named in data-block until `finished`
    lines: dict  # block name → source line

    @property
    def id(self) -> str:
        return self.chapter.id

    def finished(self) -> BookChapter:
        """The chapter with its body as XHTML text and the id and line of each of its top-level blocks."""
        blocks = []
        for block in self.body:
            if isinstance(block.tag, str):
                name = block.attrib.pop("data-block")
                blocks.append(Block(name, self.lines.get(name)))
        return BookChapter(self.chapter, self.number, self.anchor, xhtml_fragment(self.body), tuple(blocks))


def xhtml_fragment(body) -> str:
    """The children of `body` as XHTML text, without HTML comments (`<!-- a -- b -->` is fine in HTML, not in XML)."""
    for comment in list(body.iter(etree.Comment)):
        _drop(comment)
    return html_lib.escape(body.text or "", quote=False) + "".join(
        etree.tostring(child, method="xml", encoding="unicode") for child in body)


def _drop(node) -> None:
    """Remove `node`, keeping the text that follows it."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def omit_marked(body, classes: tuple[str, ...]) -> None:
    """Remove the top-level blocks marked with one of `classes`; a marked heading takes its whole section along."""
    if not classes:
        return
    dropping_below = None  # the level of the marked heading whose section is being removed
    for block in list(body):
        level = int(block.tag[1]) if block.tag in HEADINGS else None
        marked = isinstance(block.tag, str) and set(block.get("class", "").split()) & set(classes)
        if dropping_below is not None and (level is None or level > dropping_below):
            body.remove(block)
            continue
        dropping_below = None
        if marked:
            dropping_below = level
            body.remove(block)


def _fill_cross_references(chapters: list[_Working], tables: list[TableEntry], t: Messages) -> tuple[tuple[str, str], ...]:
    """Write the text of empty links (`[](#tbl-costs)` → "Table 5.1"); unlink targets this edition leaves out.

    Returns (id, chapter id) for every id of the edition: the links' data-chapter is dropped, this table says
    where each "#id" leads."""
    present = {c.id: c for c in chapters}
    targets = {}
    for c in chapters:
        targets[c.anchor] = c.id
        for i in c.body.xpath(".//@id"):
            targets.setdefault(i, c.id)
    ids = set(targets)
    labels = {t.id: t.label for t in tables}
    headings = {}
    for c in chapters:
        headings[c.anchor] = t("chapter", number=c.number) if c.number else c.chapter.title
        for h in c.body.iter(*HEADINGS):
            if h.get("id"):
                headings[h.get("id")] = heading_text(h)
    for c in chapters:
        for link in list(c.body.iter("a")):
            target_chapter = link.get("data-chapter")
            if target_chapter is None:
                continue
            fragment = link.get("href")[1:]
            if link.get("data-xref") is not None:
                link.text = labels.get(fragment) or headings.get(fragment) or t("this_section")
                del link.attrib["data-xref"]
            if target_chapter not in present or fragment not in ids:
                link.tag = "span"  # the target is not in this edition: keep the words, drop the link
                link.attrib.pop("href", None)
            link.attrib.pop("data-chapter", None)
    return tuple(targets.items())


def _toc_entry(c: _Working, depth: int) -> TocEntry:
    """The chapter's contents entry with its sections down to `depth` (1 = chapters only)."""
    stack: list[tuple[int, list]] = [(1, [])]
    for h in c.body.iter(*HEADINGS):
        level = int(h.tag[1])
        if level > depth or not h.get("id"):
            continue
        while stack[-1][0] >= level:
            stack.pop()
        children: list = []
        stack[-1][1].append((level, heading_text(h), h.get("id"), children))
        stack.append((level, children))

    def freeze(items) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(level, title, "", c.id, anchor, freeze(kids)) for level, title, anchor, kids in items)

    return TocEntry(1, c.chapter.title, c.number, c.id, c.anchor, freeze(stack[0][1]))
