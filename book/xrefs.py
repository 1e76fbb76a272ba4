"""Cross-references in running text, and the page numbers print gives them ("see Insurance, page 17").

A single PDF document asks WeasyPrint for the number (`target-counter()` in styles/print.css); the parts engine
lays chapters out separately, so it fills the numbers in from its page map (`data-page`), as the contents does.
"""
from __future__ import annotations

import html
import re

XREF = "xref"
# an opening <a> tag of a chapter's serialised HTML (lxml writes attributes in double quotes)
A_TAG = re.compile(r'<a\b[^>]*>')
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def mark_cross_references(bodies) -> None:
    """Class `xref` on each internal link of the chapters' text: not a footnote's call or its way back."""
    for body in bodies:
        for link in body.iter("a"):
            classes = link.get("class", "").split()
            if link.get("data-chapter") is None or {"footnote-ref", "footnote-backref"} & set(classes):
                continue
            link.set("class", " ".join([*classes, XREF]))


def _attributes(tag: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag)}


def xref_targets(chapter_html: str) -> set[str]:
    """The ids the chapter's cross-references point at."""
    found = set()
    for tag in A_TAG.findall(chapter_html):
        attributes = _attributes(tag)
        if XREF in attributes.get("class", "").split() and attributes.get("href", "").startswith("#"):
            found.add(attributes["href"][1:])
    return found


def with_page_numbers(chapter_html: str, page_numbers: dict[str, str]) -> str:
    """The chapter's HTML with `data-page` on each cross-reference whose target's page is known."""
    def fill(match):
        tag = match.group()
        attributes = _attributes(tag)
        target = attributes.get("href", "")[1:]
        if XREF not in attributes.get("class", "").split() or target not in page_numbers or "data-page" in attributes:
            return tag
        return f'{tag[:-1]} data-page="{html.escape(page_numbers[target])}">'
    return A_TAG.sub(fill, chapter_html)
