"""A Python-Markdown extension that remembers the source line each top-level block of a chapter came from.

Python-Markdown knows positions only while it parses: its preprocessors replace raw HTML blocks and fenced code
with one-line placeholders, and the block parser splits the rest at blank lines. This extension records the lines
before and after the preprocessors, aligns the two, notes which block each top-level element was made from, and
marks each such element with a comment `<!--guidebook-line N-->` in the HTML (comments survive the raw-HTML
post-processing, which attributes on the placeholder paragraphs would not). `markdown.chapter_html` turns the
markers into a tuple of lines and removes them.
"""
from __future__ import annotations

import bisect
import re

import xml.etree.ElementTree as etree

from markdown import util
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

MARKER = "guidebook-line "
FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


def align(original: list[str], processed: list[str], stash: list) -> list[int]:
    """For each processed line, the index of the original line it stands for."""
    mapping, j = [], 0
    where: dict[str, list[int]] = {}  # each original line's indexes, in order
    for index, text in enumerate(original):
        where.setdefault(text, []).append(index)
    for line in processed:
        if util.HTML_PLACEHOLDER_RE.search(line):
            while j < len(original) and not original[j].strip():
                j += 1
            mapping.append(j)
            j = _after_stashed(original, j, line, stash)
        elif j < len(original) and line == original[j]:
            mapping.append(j)
            j += 1
        elif not line.strip(" >"):
            mapping.append(j)  # a blank line a preprocessor added (around a placeholder, or `>` inside a quote)
        else:
            # (a line a preprocessor changed is found nowhere: a scan to the end for each made 20,000 list items of
            # changing bullets take 12 s)
            indexes = where.get(line, ())
            at = bisect.bisect_left(indexes, j)
            found = indexes[at] if at < len(indexes) else None
            j = found if found is not None else j
            mapping.append(j)
            j += found is not None
    return mapping


def _after_stashed(original: list[str], start: int, line: str, stash: list) -> int:
    """The original line just after what the placeholders on `line` replaced."""
    if start >= len(original):
        return start
    fence = FENCE.match(original[start])
    if fence:  # fenced code: up to the closing fence of the same kind
        mark = fence.group(1)
        for k in range(start + 1, len(original)):
            closing = FENCE.match(original[k])
            if closing and closing.group(1)[0] == mark[0] and len(closing.group(1)) >= len(mark):
                return k + 1
        return len(original)
    end = start
    for match in util.HTML_PLACEHOLDER_RE.finditer(line):
        index = int(match.group(1))
        raw = stash[index] if index < len(stash) else None
        if isinstance(raw, str):  # a raw HTML block, stored as written
            end += raw.strip("\n").count("\n") + 1
        elif isinstance(getattr(raw, "tag", None), str):  # md_in_html's element (markdown="1"): to its closing tag
            end = _closing_line(original, end, raw.tag) + 1
    return max(end, start + 1)


def _closing_line(original: list[str], start: int, tag: str) -> int:
    """The line, from `start` on, where the `<tag>` opened there is closed (nested ones counted)."""
    opening, closing = re.compile(rf"<{tag}\b", re.I), re.compile(rf"</{tag}\s*>", re.I)
    depth = 0
    for k in range(start, len(original)):
        depth += len(opening.findall(original[k])) - len(closing.findall(original[k]))
        if depth <= 0:
            return k
    return len(original) - 1


class _Capture(Preprocessor):
    """Keeps the lines as they are before any block is stashed away."""

    def __init__(self, md, extension):
        super().__init__(md)
        self.extension = extension

    def run(self, lines):
        self.extension.original = list(lines)
        return lines


class _Align(Preprocessor):
    """Maps each line the block parser will see back to the author's line."""

    def __init__(self, md, extension):
        super().__init__(md)
        self.extension = extension

    def run(self, lines):
        self.extension.processed_to_original = align(self.extension.original, lines, self.md.htmlStash.rawHtmlBlocks)
        self.extension.processed_count = len(lines)
        return lines


class _Mark(Treeprocessor):
    """Puts a line marker before each top-level element whose block is known."""

    def __init__(self, md, extension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        lines = {id(element): line for element, line in self.extension.blocks}
        for index in range(len(root) - 1, -1, -1):
            line = lines.get(id(root[index]))
            if line is not None:
                root.insert(index, etree.Comment(f"{MARKER}{line}"))


class SourceLines(Extension):
    """Tracks the source line of every top-level block (see the module docstring)."""

    def extendMarkdown(self, md):
        md.registerExtension(self)
        self.reset()
        md.preprocessors.register(_Capture(md, self), "guidebook_capture", 29)  # after whitespace is normalised
        md.preprocessors.register(_Align(md, self), "guidebook_align", 1)  # after every block is stashed
        md.treeprocessors.register(_Mark(md, self), "guidebook_mark", 1)
        parser = md.parser
        parse_blocks = parser.parseBlocks

        def parse_root_blocks(parent, blocks):
            if parent is not getattr(parser, "root", None):
                return parse_blocks(parent, blocks)
            starts = self._block_starts(blocks)
            keep = list(blocks)  # keeps the ids in `starts` valid
            while blocks:
                line = self._line_of(blocks, starts)
                count = len(parent)
                for processor in parser.blockprocessors:
                    if processor.test(parent, blocks[0]):
                        if processor.run(parent, blocks) is not False:
                            break
                self.blocks.extend((element, line) for element in parent[count:])  # (not list(parent): quadratic)
            del keep
        parser.parseBlocks = parse_root_blocks

    def reset(self):
        self.original: list[str] = []
        self.processed_to_original: list[int] = []
        self.processed_count = 0
        self.blocks: list = []

    def _block_starts(self, blocks: list[str]) -> dict[int, int]:
        """id of each block (longer than one character: short strings are shared objects) → processed line index."""
        starts, index = {}, 0
        for block in blocks:
            if len(block) > 1:
                starts[id(block)] = index
            index += block.count("\n") + 2
        return starts

    def _line_of(self, blocks: list[str], starts: dict[int, int]) -> int | None:
        """The author's line (1-based) where blocks[0] begins; a block a processor rewrote is placed from the next."""
        offset = 0
        for block in blocks:
            if len(block) > 1 and id(block) in starts:
                index = starts[id(block)] - offset
                break
            offset += block.count("\n") + 2
        else:
            index = self.processed_count - offset + 1
        first = blocks[0]
        index += len(first) - len(first.lstrip("\n"))  # blocks may begin with empty lines
        if not self.processed_to_original:
            return None
        index = min(max(index, 0), len(self.processed_to_original) - 1)
        return self.processed_to_original[index] + 1
