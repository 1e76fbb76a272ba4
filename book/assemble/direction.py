"""Left-to-right text in a right-to-left book.

WeasyPrint (70) does not reorder a line's inline boxes by their bidi levels: in an Arabic book, an English sentence
with *emphasis* or a [link] in it printed its pieces from right to left ("Python, library for Arabic language A
specific"); browsers, and so the EPUB, were right. What WeasyPrint does honour is `dir="ltr"` (an isolate, as
checked on this machine: the bidi isolate characters U+2066…U+2069 across boxes are not). So:
- a block whose text has no right-to-left letter at all is laid out left to right, as GitHub's `dir="auto"` would
  lay it out; code blocks always are;
- in a right-to-left block, a left-to-right run that spans several inline boxes ("**Python** library for") is
  wrapped in `<span dir="ltr">`, so its boxes keep their order; so is a run of several words, digits or
  brackets in one box, which the bidi algorithm alone (in browsers too) breaks up: "2019 ACR/Arthritis
  Foundation" came out as "ACR 2019/…", and "(Dr. Chris Gunwoo Kim)" split over two lines with its brackets
  turned. A single Latin word, a number alone or a bracketed word needs nothing.
A block of Arabic with a Latin word or an acronym in it stays right to left.
"""
from __future__ import annotations

import re
import unicodedata

from lxml import etree

TEXT_BLOCKS = {"p", "li", "dt", "dd", "td", "th", "caption", "figcaption", "summary", "h1", "h2", "h3", "h4", "h5",
               "h6"}
# the inline elements a run may take in whole (a <br>, an image or an element with its own dir ends a run)
INLINE = {"a", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr", "cite", "q", "dfn", "kbd",
          "code", "samp", "var", "span", "ins", "del", "time"}
LEFT_TO_RIGHT, RIGHT_TO_LEFT = {"L"}, {"R", "AL"}
DIGITS = {"EN", "AN"}
RUN = re.compile(r"[ld](?:[^r]*[ld])?")  # (over _kinds's letters)
ONE_WORD = re.compile(r"[\w\-]+")


def mark_left_to_right(body) -> None:
    """`dir="ltr"` on each text block of `body` (a chapter's tree) holding left-to-right letters and no
    right-to-left ones, and on each code block; in the other text blocks, left-to-right runs (see above) wrapped
    in `<span dir="ltr">`. A block that says its direction itself is left as it is."""
    for element in list(body.iter("pre", *TEXT_BLOCKS)):
        if "dir" in element.attrib:
            continue
        kinds = _kinds(element.xpath("string()"))
        if element.tag == "pre" or ("l" in kinds and "r" not in kinds):
            element.set("dir", "ltr")
        elif "l" in kinds and "r" in kinds:
            _isolate_left_runs(element)


def _kinds(text: str) -> str:
    """Each character's part in a run: "l" a left-to-right letter, "r" a right-to-left one, "d" a digit, "o" and
    "c" an opening and a closing bracket, "n" anything else."""
    return "".join("l" if (kind := unicodedata.bidirectional(c)) in LEFT_TO_RIGHT else "r" if kind in RIGHT_TO_LEFT
                   else "d" if kind in DIGITS else "o" if c in "([" else "c" if c in ")]" else "n" for c in text)


def _left_runs(kinds: str):
    """(start, end) of each left-to-right run in a text: from a letter or digit to a letter or digit, no
    right-to-left letter between, at least one left-to-right letter, with the brackets around it when both are
    there ("(Dr. Chris Gunwoo Kim)")."""
    for found in RUN.finditer(kinds):
        start, end = found.span()
        if "l" not in kinds[start:end]:
            continue
        if start and end < len(kinds) and kinds[start - 1] == "o" and kinds[end] == "c":
            start, end = start - 1, end + 1
        yield start, end


def _isolate_left_runs(element) -> None:
    """Wrap each left-to-right run among `element`'s own text and inline children that spans more than one of
    them or more than one word; an inline child holding both directions is looked into the same way."""
    atoms = [element.text or ""]
    for child in element:
        tail, child.tail = child.tail or "", None
        atoms += [child, tail]
    pieces = []  # (atom, kind): a text cut where its direction changes, or a child
    for atom in atoms:
        if isinstance(atom, str):
            kinds = _kinds(atom)
            at = 0
            for start, end in _left_runs(kinds):
                pieces += [(atom[at:start], "r" if "r" in kinds[at:start] else "n"), (atom[start:end], "l")]
                at = end
            pieces.append((atom[at:], "r" if "r" in kinds[at:] else "n"))
        elif not isinstance(atom.tag, str) or atom.tag not in INLINE or "dir" in atom.attrib:
            pieces.append((atom, "r"))  # a comment, a <br>, an image, an element with its own direction: a run ends
        else:
            kinds = _kinds(atom.xpath("string()"))
            if "l" in kinds and "r" in kinds:
                _isolate_left_runs(atom)
            pieces.append((atom, "r" if "r" in kinds else "l" if "l" in kinds else "n"))
    content, start = [], None
    for index, (atom, kind) in enumerate(pieces + [("", "r")]):
        if kind == "l" and start is None:
            start = index
        if kind == "r" and start is not None:
            end = max(i for i in range(start, index) if pieces[i][1] == "l") + 1
            run = [atom for atom, _ in pieces[start:end]]
            boxes = sum(1 if isinstance(a, str) else 1 + len(a) for a in run if not isinstance(a, str) or a)
            words = "".join(a if isinstance(a, str) else a.xpath("string()") for a in run).strip("()[]")
            # (several boxes: WeasyPrint's order; several words, digits or brackets in one: the bidi algorithm's,
            # which put "2019 ACR/Arthritis Foundation" as "ACR 2019/…" and split "(Dr. Chris / Gunwoo Kim)")
            if (boxes > 1 and not all(isinstance(a, str) for a in run)) or not ONE_WORD.fullmatch(words):
                span = etree.Element("span", dir="ltr")
                _set_content(span, run)
                run = [span]
            content += run + [a for a, _ in pieces[end:index]]
            start = None
        if start is None and kind != "l" and index < len(pieces):
            content.append(atom)
    _set_content(element, content)


def _set_content(parent, atoms: list) -> None:
    """`parent`'s text and children become `atoms` (strings and elements, in order)."""
    parent.text, last = None, None
    for child in list(parent):
        parent.remove(child)
    for atom in atoms:
        if isinstance(atom, str):
            if last is None:
                parent.text = (parent.text or "") + atom or None
            else:
                last.tail = (last.tail or "") + atom or None
        else:
            parent.append(atom)
            last = atom
