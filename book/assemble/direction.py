"""Left-to-right text in a right-to-left book.

WeasyPrint (70) does not reorder a line's inline boxes by their bidi levels: in an Arabic book, an English sentence
with *emphasis* or a [link] in it printed its pieces from right to left ("Python, library for Arabic language A
specific"); browsers, and so the EPUB, were right. What WeasyPrint does honour is `dir="ltr"` (an isolate, as
checked on this machine: the bidi isolate characters U+2066…U+2069 across boxes are not). So:
- a block whose text has no right-to-left letter at all is laid out left to right, as GitHub's `dir="auto"` would
  lay it out; code blocks always are;
- in a right-to-left block, a left-to-right run that spans several inline boxes ("**Python** library for") is
  wrapped in `<span dir="ltr">`, so its boxes keep their order. A run inside one box needs nothing.
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
# a piece of text as its letters' directions: "l", "r" or "n" (neither) for each character
LEFT_RUN = re.compile(r"l[ln]*l|l")


def mark_left_to_right(body) -> None:
    """`dir="ltr"` on each text block of `body` (a chapter's tree) holding left-to-right letters and no
    right-to-left ones, and on each code block; in the other text blocks, left-to-right runs across inline boxes
    wrapped in `<span dir="ltr">`. A block that says its direction itself is left as it is."""
    for element in list(body.iter("pre", *TEXT_BLOCKS)):
        if "dir" in element.attrib:
            continue
        kinds = _kinds(element.xpath("string()"))
        if element.tag == "pre" or ("l" in kinds and "r" not in kinds):
            element.set("dir", "ltr")
        elif "l" in kinds and "r" in kinds:
            _isolate_left_runs(element)


def _kinds(text: str) -> str:
    return "".join("l" if (kind := unicodedata.bidirectional(c)) in LEFT_TO_RIGHT else "r" if kind in RIGHT_TO_LEFT
                   else "n" for c in text)


def _isolate_left_runs(element) -> None:
    """Wrap each left-to-right run among `element`'s own text and inline children that spans more than one of
    them; an inline child holding both directions is looked into the same way."""
    atoms = [element.text or ""]
    for child in element:
        tail, child.tail = child.tail or "", None
        atoms += [child, tail]
    pieces = []  # (atom, kind): a text cut where its direction changes, or a child
    for atom in atoms:
        if isinstance(atom, str):
            kinds = _kinds(atom)
            at = 0
            for run in LEFT_RUN.finditer(kinds):
                pieces += [(atom[at:run.start()], "r" if "r" in kinds[at:run.start()] else "n"),
                           (atom[run.start():run.end()], "l")]
                at = run.end()
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
            if boxes > 1 and not all(isinstance(a, str) for a in run):
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
