"""Cross-references in running text, and the page numbers print gives them ("see Insurance, page 17").

A single PDF document asks WeasyPrint for the number (`target-counter()`, book/layouts/edition.css.j2); the
parts engine lays chapters out separately, so it fills the numbers in from its page map (`data-page`), as the
contents does.
"""
from __future__ import annotations

import html
import re

XREF = "xref"


def mark_cross_references(bodies) -> None:
    """Class `xref` on each internal link of the chapters' text: not a footnote's call or its way back."""
    for body in bodies:
        for link in body.iter("a"):
            classes = link.get("class", "").split()
            if link.get("data-chapter") is None or {"footnote-ref", "footnote-backref"} & set(classes):
                continue
            link.set("class", " ".join([*classes, XREF]))


def page_reference_spans(body) -> object:
    """`body` with an empty `<span class="xref-page">` after each cross-reference, where print writes ", page 17".

    Outside the link, so the number is no part of what the link says (a link's text is its description in a
    tagged PDF) and a line may break between the words and the page. Changes `body` in place; the print
    renderer's own copy."""
    for link in list(body.iter("a")):
        if XREF in link.get("class", "").split():
            span = link.makeelement("span", {"class": "xref-page", "data-target": link.get("href")})
            span.tail, link.tail = link.tail, None
            link.addnext(span)
    return body


# the span page_reference_spans makes, as lxml writes it
SPAN = re.compile(r'<span class="xref-page" data-target="#([^"]*)"></span>')


def xref_targets(chapter_html: str) -> set[str]:
    """The ids the chapter's cross-references point at."""
    return {html.unescape(target) for target in SPAN.findall(chapter_html)}


def with_page_numbers(chapter_html: str, page_numbers: dict[str, str]) -> str:
    """The chapter's HTML with `data-page` on each cross-reference whose target's page is known."""
    def fill(match):
        target = html.unescape(match.group(1))
        if target not in page_numbers:
            return match.group()
        return (f'<span class="xref-page" data-target="#{match.group(1)}" '
                f'data-page="{html.escape(page_numbers[target])}"></span>')
    return SPAN.sub(fill, chapter_html)
