"""Markdown text → an HTML tree (lxml), checked against the raw-HTML allow-list."""
from __future__ import annotations

import re

import markdown
from lxml import html as lxml_html

EXTENSIONS = ["tables", "footnotes", "attr_list", "def_list", "fenced_code", "admonition", "md_in_html",
              "sane_lists", "toc"]
EXTENSION_CONFIG = {
    # ':' in footnote ids is legal HTML but not an XML NCName; EPUB readers choke on it.
    "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "↩\ufe0e"},
    "toc": {"permalink": False},
}


def markdown_to_tree(text: str) -> lxml_html.HtmlElement:
    """The chapter body as a `<div>` element whose children are the rendered blocks."""
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG, output_format="html")
    html = converter.convert(text)
    tree = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    _drop_unreferenced_footnotes(tree)
    return tree


def _drop_unreferenced_footnotes(tree) -> None:
    """Remove notes that nothing in the text calls (Python-Markdown prints them with a dangling back-link)."""
    called = {a.get("href", "")[1:] for a in tree.xpath(".//a[contains(@class, 'footnote-ref')]")}
    for note in tree.xpath(".//div[@class='footnote']//li[@id]"):
        if note.get("id") not in called:
            note.getparent().remove(note)
    for block in tree.xpath(".//div[@class='footnote']"):
        if not block.xpath(".//li"):
            block.getparent().remove(block)


def source_line(text: str, *needles: str) -> int | None:
    """The first line of `text` containing any of `needles` (how a tree node is traced back to its source)."""
    for needle in needles:
        if needle:
            index = text.find(needle)
            if index >= 0:
                return text.count("\n", 0, index) + 1
    return None


def heading_text(element) -> str:
    """A heading's visible text, whitespace folded."""
    return re.sub(r"\s+", " ", element.text_content()).strip()
