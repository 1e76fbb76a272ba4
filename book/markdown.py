"""Markdown text → an HTML tree (lxml), checked against the raw-HTML allow-list."""
from __future__ import annotations

import functools
import re

import markdown
from lxml import html as lxml_html

from .parallel import map_forked, worker_count

EXTENSIONS = ["tables", "footnotes", "attr_list", "def_list", "fenced_code", "admonition", "md_in_html",
              "sane_lists", "toc"]
EXTENSION_CONFIG = {
    # ':' in footnote ids is legal HTML but not an XML NCName; EPUB readers choke on it.
    "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "↩\ufe0e"},
    "toc": {"permalink": False},
}


PARALLEL_CHARACTERS = 200_000  # above this much Markdown, chapters are converted on every core


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """One converter per process, reset between chapters (building it costs more than a short chapter)."""
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG, output_format="html")


def markdown_to_html(text: str) -> str:
    return _converter().reset().convert(text)


def markdown_to_trees(texts: list[str]) -> list[lxml_html.HtmlElement]:
    """Each chapter body as a `<div>` element whose children are the rendered blocks, in order."""
    workers = worker_count(len(texts)) if sum(map(len, texts)) > PARALLEL_CHARACTERS else 1
    return [html_to_tree(html) for html in map_forked(markdown_to_html, texts, workers=workers, chunksize=4)]


def markdown_to_tree(text: str) -> lxml_html.HtmlElement:
    return html_to_tree(markdown_to_html(text))


def html_to_tree(html: str) -> lxml_html.HtmlElement:
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
