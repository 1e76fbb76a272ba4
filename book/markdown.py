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
    return lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")


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
