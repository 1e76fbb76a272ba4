"""Where the print edition's pages begin in the EPUB: page-break markers and the page-list's targets."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
NS = {"x": XHTML}
# Front-matter blocks of the print layout ("-" + what they mark) → (EPUB file, id of the same place there).
FRONT_BLOCKS = {"-title-page": ("front.xhtml", "title-page"), "-colophon": ("front.xhtml", "colophon"),
                "-contents": ("nav.xhtml", "toc"), "-lot": ("nav.xhtml", "lot"),
               "-lof": ("nav.xhtml", "loi")}


@dataclass(frozen=True)
class PageBreak:
    """A print page that starts at the top of block `block` (a data-block id) of chapter `chapter_id`."""

    label: str
    chapter_id: str  # "" for the front matter
    block: str  # in the front matter: "-title-page", "-colophon", "-contents", "-lot", "-toc-<anchor>" or ""


def marked_body(chapter):
    """The chapter's body as an lxml `<div>`, each top-level block carrying its name as `data-block`: the layout
    engine reports the first named element of each page, and the EPUB's page markers go before them."""
    body = etree.fromstring(f"<div>{chapter.html}</div>", lxml_html.xhtml_parser)
    for element, block in zip((child for child in body if isinstance(child.tag, str)), chapter.blocks):
        element.set("data-block", block.id)
    return body


def marker(label: str):
    """An invisible print-page marker."""
    element = etree.Element(f"{{{XHTML}}}span", {"id": f"page-{label}", "role": "doc-pagebreak",
                                                 "aria-label": label, "class": "pagebreak"})
    element.set(EPUB_TYPE, "pagebreak")
    return element


def page_markers(root, breaks: list[PageBreak]) -> None:
    """Invisible print-page markers before the blocks of a chapter where the print edition's pages begin."""
    section = root.find(".//x:section", NS)
    for page in breaks:
        target = root.find(f".//*[@data-block='{page.block}']") if page.block else None
        if target is None:
            section.append(marker(page.label))  # a page after the chapter's last block
        else:
            target.addprevious(marker(page.label))


def nav_ids(book) -> set[str]:
    """The ids in nav.xhtml a front-matter page can begin at: its navs and each entry ("nav-" + anchor)."""
    def anchors(entries):
        for entry in entries:
            yield entry.anchor
            yield from anchors(entry.children)
    found = {*anchors(book.toc), *(t.id for t in book.tables), *(f.id for f in book.figures)}
    found |= ({"list-of-tables"} if book.tables else set()) | ({"list-of-figures"} if book.figures else set())
    return {"toc", *(["lot"] if book.tables else []), *(["loi"] if book.figures else []), *(f"nav-{a}" for a in found)}


def front_page_targets(breaks: list[PageBreak], front_ids: set[str], nav: set[str]) -> list[tuple[PageBreak, str, str]]:
    """(page, EPUB file, id of the element the page begins at) for each roman-numbered page.

    The title page and colophon are in front.xhtml; the contents and the list of tables are nav.xhtml, where a
    page of the printed contents begins at the entry printed first on it. A blank page begins where the next
    page does; an entry the ebook's shallower contents leave out, where the entry before it does.
    """
    if not any(page.block for page in breaks):  # a project's own print layout without front-matter blocks
        return _in_order(breaks, [i for i in ("title-page", "colophon") if i in front_ids])
    targets: list[tuple[str, str] | str | None] = []
    for page in breaks:
        entry = "nav-" + page.block.removeprefix("-toc-")
        if not page.block:
            targets.append("next")
        elif page.block in FRONT_BLOCKS and FRONT_BLOCKS[page.block][1] in front_ids | nav:
            targets.append(FRONT_BLOCKS[page.block])
        elif page.block.startswith("-toc-") and entry in nav:
            targets.append(("nav.xhtml", entry))
        elif page.block[1:] in front_ids:  # a block of a project's own layout with the same id in front.xhtml
            targets.append(("front.xhtml", page.block[1:]))
        else:
            targets.append(None)
    for index in reversed(range(len(targets) - 1)):
        if targets[index] == "next":
            targets[index] = targets[index + 1]
    resolved, previous = [], ("nav.xhtml", "toc")
    for page, target in zip(breaks, targets):
        previous = target if isinstance(target, tuple) else previous
        resolved.append((page, *previous))
    return resolved


def _in_order(breaks: list[PageBreak], sections: list[str]) -> list[tuple[PageBreak, str, str]]:
    """Without blocks: the title page and colophon open their sections, the rest follow the last one."""
    if not sections:
        return [(page, "nav.xhtml", "toc") for page in breaks]
    return [(page, "front.xhtml", sections[min(index, len(sections) - 1)]) for index, page in enumerate(breaks)]


def place_markers(root, pages: list[tuple[PageBreak, str]]) -> None:
    """Markers for `pages` (page, element id) at the start of those elements, in page order.

    Inside a section: its first child. Before a <nav>, whose lists allow nothing else. Inside a nav entry's link
    (an empty span, so the entry reads as before): the only place the EPUB nav's rules leave free in a list.
    """
    placed: dict[str, int] = {}
    for page, target in pages:
        element = root.find(f".//*[@id='{target}']")
        new = marker(page.label)
        if element.tag == f"{{{XHTML}}}nav":
            element.addprevious(new)
            continue
        index = placed.get(target, 0)
        if index == 0 and element.text:
            new.tail, element.text = element.text, None
        elif index and element[index - 1].tail:
            new.tail, element[index - 1].tail = element[index - 1].tail, None
        element.insert(index, new)
        placed[target] = index + 1
