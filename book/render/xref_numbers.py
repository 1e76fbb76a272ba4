"""Cross-references' page numbers written into a chapter already laid out, so that a cold build lays it out once.

A chapter that says "see Risks, page 17" needs the page of Risks, which is known only once every chapter before
Risks is laid out. The parts engine (pdf_parts.py) lays such a chapter out with a stand-in number of as many
digits as the page number it expects, keeps the laid-out document, and once every part is placed writes the
real numbers into the text boxes that hold the stand-ins before it draws the PDF. The book's fonts have digits
of one width, so the lines, pages and links stay where they are: the PDF is the one a layout with the real
numbers makes (tests/test_parts_passes.py compares the two byte for byte). Where a number has another digit count than
its stand-in, or its text measures otherwise (a font whose digits differ in width, kerning), nothing is written
in and the chapter is laid out again with the numbers, as before.
"""
from __future__ import annotations

import bisect
import math
import re
from typing import Callable

# About this many characters of text fill a square millimetre of page (tags not counted): 1,750 an A4 page, as
# the guide's chapters come out. The stand-in only needs the right digit count; a wrong guess costs a second
# layout of the chapter, nothing else. Chapters laid out one after the other correct it with the characters per
# page of those already laid out (a Chinese page holds a third of a Latin one).
CHARACTERS_PER_MM2 = 0.028
# Characters set a full em wide (Han, kana, Hangul, full-width forms) take the room of about two Latin ones: the
# guide's Chinese brochure has its "page 17" 9 pages from where a plain count put it.
WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
TAG_OR_TEXT = re.compile(r"<[^>]*>|[^<]+")
ID = re.compile(r'\sid="([^"]+)"')


def characters_per_page(page_mm: tuple[float, float]) -> float:
    """How many characters of text a page of this size (width, height in mm) is guessed to hold."""
    return max(1.0, CHARACTERS_PER_MM2 * page_mm[0] * page_mm[1])


def text_positions(chapters: list[tuple[str, str]], targets: set[str]) -> tuple[list[int], dict[str, int]]:
    """How many characters of text (tags not counted, wide ones counted twice) come before each chapter and, last,
    in all; and before each of `targets`. `chapters` are (anchor, HTML) pairs, the anchor being the id of the
    chapter's start."""
    starts, positions, before = [], {}, 0
    for anchor, html in chapters:
        starts.append(before)
        positions.setdefault(anchor, before)
        for piece in TAG_OR_TEXT.finditer(html):
            text = piece.group()
            if not text.startswith("<"):
                before += len(text) + len(WIDE.findall(text))
            elif (found := ID.search(text)) and found.group(1) in targets:
                positions.setdefault(found.group(1), before)
    return starts + [before], positions


def expected_numbers(positions: dict[str, int], targets: set[str], per_page: float, first: int = 1,
                     start: int = 0) -> dict[str, str]:
    """A guess at the page of each target id, from the characters of text before it (`positions`, see
    text_positions) at `per_page` characters a page, page `first` starting at character `start`."""
    return {target: str(first + int(max(0, positions.get(target, start) - start) / per_page)) for target in targets}


def expected_by_chapter(starts: list[int], positions: dict[str, int], targets: set[str], per_page: float,
                        start_of: Callable[[int, int], int]) -> dict[str, str]:
    """A guess at the page of each target id before any chapter is laid out (`starts` and `positions`: see
    text_positions): each chapter fills the pages its text takes at `per_page` characters a page, its last one in
    part, and starts where `start_of(index, pages before it)` says (after a blank page, to open on a right-hand
    page); a target is as far into its chapter as the text before it. (The 600-page book's chapters counted as one
    run of text came out 24 % short at the end: 14 of its 304 targets got a number of another digit count than
    their page's, and 7 chapters were laid out twice; counted so, 3 and 2. The 170-page book: 14 and 7, now 3 and
    2; the 70-page one and the guide's print edition: none either way.)"""
    openings, count = [], 0
    for index in range(len(starts) - 1):
        openings.append(start_of(index, count))
        # its pages rounded to the nearest whole: with any part of a page counted as a whole one, the guide's
        # Chinese brochure (laid out on its own) and the tests' book of plain paragraphs, denser than a page's
        # characters say, each had a target guessed a page late (10 for 9), and one more chapter laid out twice
        count = openings[-1] + max(1, math.ceil((starts[index + 1] - starts[index]) / per_page - 0.5))
    numbers = {}
    for target in targets:
        position = positions.get(target, 0)
        index = min(max(bisect.bisect_right(starts, position) - 1, 0), len(openings) - 1)
        numbers[target] = str(openings[index] + 1 + int(max(0, position - starts[index]) / per_page))
    return numbers


def write_in_numbers(document, laid_with: dict[str, str], numbers: dict[str, str]) -> bool:
    """Put `numbers` in place of the numbers the `document` (a WeasyPrint Document, not yet drawn) was laid out
    with (`laid_with`) in its cross-references' text, when each has as many digits and the text measures the
    same; True when done (the document is then the one a layout with `numbers` gives), False when the chapter must
    be laid out again (nothing is changed then)."""
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.text.line_break import line_size

    changes, found = [], {}  # found: each cross-reference's element → how many of its boxes hold its number
    for page in document.pages:
        for box in page._page_box.descendants():
            if not isinstance(box, TextBox) or not box.element_tag.endswith("::after"):
                continue
            element = box.element
            if element is None or "xref-page" not in (element.get("class") or "").split():
                continue
            target = (element.get("data-target") or "")[1:]
            old, new = laid_with.get(target), numbers.get(target)
            if old is None or new is None or len(old) != len(new):
                return False
            found.setdefault(element, 0)
            if old == new or old not in box.text:  # (", page" and "17" on two lines: two boxes)
                continue
            if box.text.count(old) != 1 or box.pango_layout.text.count(old) != 1:
                return False
            found[element] += 1
            changes.append((box, box.text.replace(old, new), box.pango_layout.text.replace(old, new)))
    if any(count != 1 for element, count in found.items()
           if laid_with[element.get("data-target")[1:]] != numbers[element.get("data-target")[1:]]):
        return False

    def width(box, text: str) -> float:
        """The width of `box` holding `text` (its layout holds `text` afterwards)."""
        layout, active = box.pango_layout, hasattr(box.pango_layout, "layout")
        layout.text = text
        layout.reactivate(box.style)
        measured = line_size(layout.get_first_line()[0], box.style)[0]
        if not active:
            layout.deactivate()
        return measured

    for box, _, layout_text in changes:
        original = box.pango_layout.text
        same = abs(width(box, layout_text) - width(box, original)) < 1e-6
        if not same:
            return False
    for box, text, layout_text in changes:
        box.text = text
        width(box, layout_text)
    return True
