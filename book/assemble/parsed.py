"""ParsedChapter: one chapter as load hands it on, its body as allow-listed HTML text with the source line of
each block."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..convert.body import parse_body
from ..convert.markdown import ChapterHtml, block_line
from ..load.content import Chapter


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter rendered to HTML, checked against the allow-list; once loaded, its ids unique across the book and
    its links resolved. A value: each step that changes a chapter returns a new one."""

    chapter: Chapter
    text: str  # the expanded Markdown, for tracing problems to a line
    html: str  # the body's blocks as HTML text (`parse_body` reads it into a tree of one's own)
    block_lines: tuple[int | None, ...] = ()  # the source line of each top-level element of `html`
    generated_ids: frozenset[str] = frozenset()  # ids Markdown made up (headings, footnotes): renamed on collision

    @classmethod
    def of(cls, chapter: Chapter, text: str, html: ChapterHtml) -> "ParsedChapter":
        return cls(chapter, text, html.html, html.block_lines, html.generated_ids)

    @property
    def anchor(self) -> str:
        return f"ch-{self.chapter.id}"

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """Every id in the body, in document order (read once; the chapter cannot change)."""
        return tuple(value for value in self.body().xpath(".//@id") if value)

    def body(self):
        """A new lxml `<div>` of the body, the caller's own to read or change (this chapter stays as it is)."""
        return parse_body(self.html)

    def line(self, body, element, *needles: str) -> int | None:
        """The source line of `element` of `body` (a tree from `self.body()`), found inside the block it came from."""
        return block_line(self.text, self.block_lines, body, element, *needles)
