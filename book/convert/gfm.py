"""GitHub-flavoured Markdown on Python-Markdown: the extensions and settings markdown.py converts with, and the
processors that make Python-Markdown read real READMEs as GitHub shows them (tests/corpus/, tests/test_fuzz.py)."""
from __future__ import annotations

import bisect
import functools
import html
import re
import string
import unicodedata
import xml.etree.ElementTree as etree

from markdown import util
from markdown.blockprocessors import BlockProcessor, BlockQuoteProcessor, HashHeaderProcessor, SetextHeaderProcessor
from markdown.extensions import Extension
from markdown.extensions.admonition import AdmonitionProcessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.toc import unescape
from markdown.inlinepatterns import (HTML_RE, REFERENCE_RE, HtmlInlineProcessor, InlineProcessor,
                                     ReferenceInlineProcessor, ShortReferenceInlineProcessor,
                                     SubstituteTagInlineProcessor)
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from ..infra.limits import MAX_MARKDOWN_IN_HTML_DEPTH

# Every element name HTML has or had. A "tag" with any other name (`<string>`, `<T>`, `<number[]>` in prose about
# code) is not HTML at all, so it is printed as the author typed it.
HTML_ELEMENTS = frozenset("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink blockquote body br
button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em embed
fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe
image img input ins isindex kbd keygen label legend li link listing main map mark marquee math menu menuitem meta
meter multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p param picture plaintext
portal pre progress q rb rp rt rtc ruby s samp script search section select slot small source spacer span strike
strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var
video wbr xmp
""".split())
# Elements that cannot stand inside a paragraph (flow content, not phrasing): an HTML parser ends a <p> before them.
BLOCK_TAGS = {"div", "p", "ul", "ol", "dl", "table", "blockquote", "pre", "figure", "section", "aside", "details",
              "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "article", "header", "footer", "nav", "main",
              "center", "fieldset", "menu", "dir", "listing", "xmp", "plaintext", "hgroup", "search", "dialog"}
TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])")


# TeX math as GitHub and Pandoc write it: `$$…$$` (display), `$…$` with Pandoc's rules, so that a price is no math:
# the opening `$` before a non-space (and after no letter or digit: "US$5"), the closing one after a non-space and
# before no digit ("$5,000–$15,000" is two prices)
DISPLAY_MATH = r"\$\$((?:\\.|[^$\\]|\$(?!\$))+?)\$\$"
INLINE_MATH = r"(?<![\w$\\])\$(?=[^\s$])((?:\\.|[^\\$\n])+?)(?<=[^\s\\])\$(?![\d$])"


class _Math(InlineProcessor):
    """TeX math kept as written, in a span of class "math" (the book has no TeX engine: it prints the source);
    Python-Markdown read it as Markdown, `x_1 … y_i` as italics and `{c=1}` as an attribute list
    (sphinx-book-theme's docs, bookdown's examples)."""

    def __init__(self, pattern: str, md, display: bool):
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m, data):
        element = etree.Element("span", {"class": "math display" if self.display else "math", "dir": "ltr"})
        element.text = util.AtomicString(m.group(1).strip())
        return element, m.start(0), m.end(0)


class _InlineHtml(HtmlInlineProcessor):
    """Raw inline HTML as Python-Markdown keeps it, except "tags" whose name is no HTML element: those stay text."""

    def handleMatch(self, m, data):
        name = TAG_NAME.match(m.group(1))
        if m.group(1).startswith("<") and m.group(1)[1:2] not in "!?" and (
                name is None or name.group(1).lower() not in HTML_ELEMENTS):
            return m.group(1), m.start(0), m.end(0)  # a plain string: escaped when serialised
        return super().handleMatch(m, data)


XML_NAME_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Nd", "Mn", "Mc", "Me"}


def github_slug(text: str) -> str:
    """The id GitHub gives a heading: lowercase, punctuation dropped, each space a '-', letters of any script kept."""
    # GitHub keeps every letter, mark and number; numbers such as '²' or '½' (category No) are left out here
    # because an EPUB's ids must be XML names.
    kept = (c for c in text.strip().lower() if c in " -_" or unicodedata.category(c) in XML_NAME_CATEGORIES)
    return "".join(kept).replace(" ", "-")


def is_note_call(element) -> bool:
    """Whether `element` is a footnote call (Python-Markdown's `<sup><a class="footnote-ref">`)."""
    return element.tag == "sup" and any("footnote-ref" in (a.get("class") or "") for a in element.iter("a"))


def _text_without_note_calls(heading) -> str:
    """The heading's text without its footnote calls: GitHub's id for `## Risks[^1]` is "risks", not "risks1"."""
    parts = [heading.text or ""]
    for child in heading:
        if not is_note_call(child):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts)


class _HeadingIds(Treeprocessor):
    """Gives each heading without an explicit id its GitHub id (`-1`, `-2` for repeats); remembers which it made."""

    def run(self, root):
        headings = [e for e in root.iter() if e.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        used = {e.get("id") for e in root.iter() if e.get("id")} | set(self.md.reserved_ids)
        made, counters = [], {}
        for heading in headings:
            if heading.get("id") is not None:
                continue
            # (a code span's text is HTML-escaped by now: "`a > b`" is "a &gt; b", and GitHub's id "a--b")
            text = html.unescape(unescape(self._without_html(_text_without_note_calls(heading))))
            base = github_slug(text) or "section"
            slug, n = base, counters.get(base, 0)  # (from the last number given: 5,000 "# h" took 5 s)
            while slug in used:
                n += 1
                slug = f"{base}-{n}"
            counters[base] = n
            used.add(slug)
            made.append(slug)
            heading.set("id", slug)
        self.md.generated_ids = tuple(made)

    def _without_html(self, text: str) -> str:
        """The heading's text with its raw inline HTML reduced to the words inside it."""
        def words(match):
            raw = self.md.htmlStash.rawHtmlBlocks[int(match.group(1))]
            return re.sub(r"<[^>]*>", "", raw) if isinstance(raw, str) else ""
        return util.HTML_PLACEHOLDER_RE.sub(words, text)


# magiclink also turns the text of a raw `<a href="…">https://…</a>` into a link (it cannot see the raw tag;
# upstream wontfix, pymdown-extensions #1074), nesting one link in another, with `</a>` in the inner href.
NESTED_LINK = re.compile(r'(<a\b[^>]*>)<a href="[^"]*">([^<]*)</a></a>')


class _UnnestLinks(Postprocessor):
    """The author's raw link around its own URL text, without magiclink's link inside it."""

    def run(self, text):
        return NESTED_LINK.sub(r"\1\2</a>", text)


# Pygments wraps every token of highlighted code in a span, also those its 'default' style (highlight.css) leaves
# as they are: names, punctuation, other text, whitespace (coloured grey, but a space shows no colour). Each span is
# an inline box for WeasyPrint to lay out and draw: in code-heavy documentation they cost a quarter of the layout.
# Like Pandoc's, the blocks keep a span only where it shows.
PLAIN_TOKEN = re.compile(r'<span class="(?:esc|g|l|ld|n|nx|p|pm|py|x|w)">([^<]*)</span>')
HIGHLIGHTED_BLOCK = re.compile(r'<div class="highlight"><pre><span></span><code>.*?</code></pre></div>', re.S)


class _PlainTokens(Postprocessor):
    """Highlighted code blocks without the spans of tokens the code style leaves unstyled (see PLAIN_TOKEN)."""

    def run(self, text):
        return HIGHLIGHTED_BLOCK.sub(lambda block: PLAIN_TOKEN.sub(r"\1", block.group()), text)


# GitHub (CommonMark) ends an HTML block at a blank line: in a README's `<details>` or `<div align="center">`, what
# follows a blank line is Markdown again, up to the closing tag's own line. Python-Markdown keeps everything up to
# the closing tag as raw HTML (lists and **bold** shown as typed, `<a@b.c>` an element), unless the opening tag says
# markdown="1" (md_in_html). Only the containers the allow-list keeps.
CONTAINERS = ("details", "div", "section", "aside", "figure", "blockquote")
HTML_CONTAINER = re.compile(rf"^ {{0,3}}<({'|'.join(CONTAINERS)})\b([^>]*)>", re.I)
CLOSING_TAG = {tag: re.compile(rf"</{tag}\s*>", re.I) for tag in CONTAINERS}
CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# An opening or closing tag of a block or of a block's part (what md_in_html recurses into)
NESTING = sorted(BLOCK_TAGS | {"li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "summary",
                               "figcaption"})
BLOCK_TAG = re.compile(rf"<(/?)(?:{'|'.join(NESTING)})\b", re.I)


def closes(fence: str, marks: str, line: str) -> bool:
    """Whether `line`, whose fence characters are `marks`, closes code opened by `fence`: the same character, at
    least as many, and nothing else on the line (as GitHub reads them)."""
    return marks[0] == fence[0] and len(marks) >= len(fence) and not line.strip(" `~")


def in_fenced_code(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to fenced code, its fences included."""
    inside, fence = [], None
    for line in lines:
        opened = CODE_FENCE.match(line)
        if fence:
            if opened and closes(fence, opened.group(1), line):
                fence = None
        elif opened:
            fence = opened.group(1)
        inside.append(bool(fence or opened))
    return inside


def _block_depth(lines: list[str], fenced: list[bool]) -> int:
    """How deep blocks and their parts (BLOCK_TAG) nest at most outside fenced code, counted tag by tag."""
    depth = deepest = 0
    for line, in_code in zip(lines, fenced):
        for tag in () if in_code else BLOCK_TAG.finditer(line):
            depth += -1 if tag.group(1) else 1
            deepest = max(deepest, depth)
    return deepest


class _MarkdownInHtmlBlocks(Preprocessor):
    """Marks markdown="1" on a container's opening tag when a blank line follows it before its closing tag (the
    first one after it). Linear in the lines: each container's closing line is found by bisection, the blank
    lines before it by a running count. Python-Markdown recurses into every block inside a marked container: in
    a document whose blocks nest deeper than MAX_MARKDOWN_IN_HTML_DEPTH, nothing is marked: it is read as
    Python-Markdown reads it (and nested deeper than MAX_HTML_DEPTH, the allow-list refuses it)."""

    def run(self, lines):
        fenced = in_fenced_code(lines)
        if _block_depth(lines, fenced) > MAX_MARKDOWN_IN_HTML_DEPTH:
            return lines
        blanks = [0]  # blank lines before each line
        for line in lines:
            blanks.append(blanks[-1] + (not line.strip()))
        closings: dict[str, list[int]] = {}  # each container's closing lines, found once it is first met
        marked = list(lines)
        for index, (line, in_code) in enumerate(zip(lines, fenced)):
            tag = None if in_code else HTML_CONTAINER.match(line)
            if not tag or "markdown" in tag.group(2).lower() or tag.group(2).rstrip().endswith("/"):
                continue
            name = tag.group(1).lower()
            if CLOSING_TAG[name].search(line, tag.end()):
                continue  # opened and closed on one line
            if name not in closings:
                closings[name] = [i for i, text in enumerate(lines) if CLOSING_TAG[name].search(text)]
            after = bisect.bisect_right(closings[name], index)
            if after < len(closings[name]) and blanks[closings[name][after]] > blanks[index + 1]:
                # (unindented: md_in_html leaves a marked tag with spaces before it as it was; to GitHub up to
                # three spaces change nothing, and pyenv's README indents its <details> by two)
                indent = len(line) - len(line.lstrip(" "))
                marked[index] = line[indent:tag.end(2)] + ' markdown="1"' + line[tag.end(2):]
        return marked


# An HTML block's first tag, and the tags whose block does not end at a blank line (CommonMark's kind 1) or that
# have no end tag
HTML_BLOCK_START = re.compile(r"^ {0,3}<([A-Za-z][A-Za-z0-9]*)(?=[\s/>])[^>]*?(/?)>")
ENDS_AT_ITS_TAG = {"pre", "script", "style", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _UnclosedHtmlBlocks(Preprocessor):
    """An element an HTML block opens and the document never closes is closed where the block ends, at its blank
    line; a `<p>` always is (it holds no blocks). GitHub ends the block there and reads Markdown again after it;
    Python-Markdown took the rest of the chapter as raw HTML, printed as typed (`**Bold**`, `## Section`, missing
    from the contents: mermaid's README opens with an unclosed `<p align="center">`). A container closed later is
    _MarkdownInHtmlBlocks's, and stays as written. The closing tags go at the end of the block's last line, so
    every line keeps its number."""

    def run(self, lines):
        fenced = in_fenced_code(lines)
        closings: dict[str, list[int]] = {}  # the lines (outside fenced code) where each tag name is closed
        blocks = iter(range(len(lines)))
        for index in blocks:
            start = None if fenced[index] else HTML_BLOCK_START.match(lines[index])
            if not start or start.group(2):
                continue
            name = start.group(1).lower()
            if not self.md.is_block_level(name) or name in ENDS_AT_ITS_TAG | VOID:
                continue
            last = index  # the block's last line: the one before the next blank line (or fenced code)
            while last + 1 < len(lines) and lines[last + 1].strip() and not fenced[last + 1]:
                last += 1
            block = "\n".join(lines[index:last + 1])
            tag = re.compile(rf"<(/?){name}(?=[\s/>])[^>]*?(/?)>", re.I)
            open_ = sum(-1 if found.group(1) else 0 if found.group(2) else 1 for found in tag.finditer(block))
            if open_ > 0:
                if name not in closings:
                    closing = re.compile(rf"</{name}\s*>", re.I)
                    closings[name] = [i for i, text in enumerate(lines) if not fenced[i] and closing.search(text)]
                if name == "p" or bisect.bisect_right(closings[name], last) == len(closings[name]):
                    lines[last] += f"</{name}>" * open_
            for _ in range(last - index):
                next(blocks, None)
        return lines


MARKER = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( {1,4}(?=\S)|[ \t]*$)")  # a list item's marker and the spaces after it


class _ListIndentsAsOnGitHub(Preprocessor):
    """Lists indented as on GitHub, re-indented for Python-Markdown: on GitHub (CommonMark) what belongs to a list
    item is indented as far as the item's text begins (two spaces after `- `, three after `1. `); Python-Markdown
    wants four spaces a level. Nested lists written with two spaces became siblings, a paragraph or fenced code
    inside an item fell out of the list, and "1." items after a code block restarted at 1 (cosmiconfig's,
    xmldom's and chromium-bidi's READMEs). Each item's lines get four spaces a level; deeper indentation inside an
    item (indented code) is kept. The line count stays: book/convert/source_lines.py records lines after this."""

    def run(self, lines):
        out, items = [], []  # items: the open items' text columns, outermost first
        fence, fence_indent, blank_before = None, 0, True  # fence: the fenced code being read, if any
        for line in lines:
            expanded = line.expandtabs(4)
            indent = len(expanded) - len(expanded.lstrip(" "))
            text = expanded[indent:]
            if fence is not None:  # fenced code: an item's is moved with the item, a top-level one stays as it is
                closing = CODE_FENCE.match(text)
                if closing and closes(fence, closing.group(1), text):
                    fence, blank_before = None, True  # (no paragraph is open after code: the next line is not lazy)
                    if indent - (items[-1] if items else 0) < 4:  # a closing fence may be indented otherwise than
                        out.append(" " * 4 * len(items) + text)  # its opening one (debug's README: " ```" … "  ```")
                        continue
                if items and expanded.strip():
                    out.append(" " * 4 * len(items) + expanded[min(indent, fence_indent):])
                else:
                    out.append(line if items else _dedented(line, fence_indent))
                continue
            if not expanded.strip():
                out.append(line)
                blank_before = True
                continue
            # (a fence indented four spaces outside any item is inside a block that indents, as `!!! note` does:
            # its lines stay as written; read as a fence, they lost their indentation and left the box)
            marker, opening = MARKER.match(expanded), CODE_FENCE.match(text) if items or indent < 4 else None
            # a lazy line goes on the paragraph above whatever its indentation; one indented as far as the item's
            # text is that item's, and moves with it
            lazy = (not blank_before and not marker and not opening and not text.startswith(("#", ">", "<"))
                    and not (items and indent >= items[-1]))
            if items and not lazy:
                while items and indent < items[-1]:
                    items.pop()
            if opening:
                fence, fence_indent = opening.group(1), indent
            if marker and (items or indent < 4):
                items.append(indent + len(marker.group(2)) + max(1, len(marker.group(3))))
                out.append(" " * 4 * (len(items) - 1) + expanded[indent:])
            elif items and not lazy:
                extra = indent - items[-1]
                out.append(" " * (4 * len(items) + (extra if extra >= 4 else 0)) + text)
            else:  # (a top-level fence indented one to three spaces: its lines lose as many, as in CommonMark;
                # eslint-plugin-import's " ```javascript" was text, and its closing fence opened code to the next one)
                out.append(_dedented(line, indent) if opening and indent < 4 else line)
            blank_before = False
        return out


def _dedented(line: str, spaces: int) -> str:
    """`line` without up to `spaces` of the spaces it begins with."""
    return line[min(spaces, len(line) - len(line.lstrip(" "))):]


class _ClosingFences(Preprocessor):
    """A closing code fence longer than its opening one (```` after ```) shortened to the opening one's length: it
    closes the block, as on GitHub; SuperFences showed both fences and the code as a paragraph (readable-stream's
    README)."""

    def run(self, lines):
        out, fence = [], None
        for line in lines:
            marks = CODE_FENCE.match(line)
            if fence and marks and closes(fence, marks.group(1), line):
                line, fence = line[:marks.start(1)] + fence, None
            elif marks and fence is None:
                fence = marks.group(1)
            out.append(line)
        return out


# kramdown's attribute list on a line of its own before a block (Jekyll sites: googletest's docs write
# `{: .callout .note}` over a note), and its `{:toc}`
KRAMDOWN_IAL = re.compile(r"^ {0,3}\{:\s*([^{}]*)\}[ \t]*$")
TOC_ITEM = re.compile(r"^ {0,3}(?:[-*+]|1[.)]) +TOC[ \t]*$", re.I)
CALLOUT_KIND = re.compile(r"(?:^|\s)\.callout\b.*?\.(note|tip|important|warning|caution)\b"
                          r"|(?:^|\s)\.(note|tip|important|warning|caution)\b.*?\.callout\b")


class _KramdownBlockAttributes(Preprocessor):
    """A kramdown attribute list alone on its line before a block was printed as typed (`{: .callout .note}`):
    a callout's becomes an admonition of its kind around the block (its quote marks dropped: the box is the
    callout), any other is left out (Python-Markdown's attribute lists go after a block, and are kept there).
    Line for line, so every line keeps its number."""

    def run(self, lines):
        fenced = in_fenced_code(lines)
        out = list(lines)
        index = 0
        while index < len(lines):
            found = None if fenced[index] else KRAMDOWN_IAL.match(lines[index])
            if found and found.group(1).strip() == "toc":  # "* TOC" over it: kramdown's place for its contents
                out[index] = ""
                if index and TOC_ITEM.match(lines[index - 1]):
                    out[index - 1] = ""
                index += 1
                continue
            if not found or (index and lines[index - 1].strip()):  # (after a block's last line: attr_list's)
                index += 1
                continue
            kind = CALLOUT_KIND.search(found.group(1))
            end = index + 1
            while end < len(lines) and lines[end].strip() and not fenced[end]:
                end += 1
            if kind and end > index + 1:
                out[index] = f'!!! {kind.group(1) or kind.group(2)} ""'
                for inside in range(index + 1, end):
                    out[inside] = "    " + QUOTE_MARK.sub("", lines[inside], count=1)
            else:
                out[index] = ""
            index = end
        return out


# MkDocs Material's collapsible admonitions (pymdownx.details: `??? note "Title"`, `???+` open) and content tabs
# (pymdownx.tabbed: `=== "pip"`), their bodies indented as an admonition's
COLLAPSIBLE = re.compile(r"^( *)\?\?\?\+?[ \t]+([\w-]+(?:[ \t]+[\w-]+)*)([ \t]+(?:\"[^\"]*\"|'[^']*'))?[ \t]*$")
CONTENT_TAB = re.compile(r"^( *)===\+?[ \t]+(\"[^\"]*\"|'[^']*')[ \t]*$")


# MDX's comments (Docusaurus: `{/* truncate */}`, `## Heading {/* #id */}`: attr_list read the braces as an
# attribute list, an error in strict mode) and the contents markers of GitLab, Python-Markdown and VuePress: the
# book has its own contents
MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}")
TOC_MARKER = re.compile(r"^ {0,3}(?:\[\[_TOC_\]\]|\[TOC\]|\[\[toc\]\])[ \t]*$", re.I)


class _OtherToolsLines(Preprocessor):
    """Lines other tools give a meaning of their own, line for line:
    - MkDocs Material's collapsible admonition is the admonition (on paper nothing folds), and a content tab a box
      titled with its label, the tabs one after the other: both were read as indented code or, worse, a shell
      comment in a tab as a heading that took the rest of the section out of the contents (griffe's and
      mkdocstrings's docs);
    - MDX comments and contents markers are left out (MDX_COMMENT, TOC_MARKER)."""

    def run(self, lines):
        out = []
        for line, in_code in zip(lines, in_fenced_code(lines)):
            if not in_code:
                line = "" if TOC_MARKER.match(line) else MDX_COMMENT.sub("", line)
                if found := COLLAPSIBLE.match(line):
                    title = (found.group(3) or "").strip()
                    line = f"{found.group(1)}!!! {found.group(2)}" + (f' "{title[1:-1]}"' if title else "")
                elif found := CONTENT_TAB.match(line):
                    line = f'{found.group(1)}!!! tab "{found.group(2)[1:-1]}"'
            out.append(line)
        return out


# GitHub's five alerts; Obsidian's callouts too (`> [!info]- Title`: more kinds, a title, + or - to fold). Any
# indentation: a list item's (four spaces a level by now).
ALERT = re.compile(r"^( *)> ?\[!([A-Za-z]+)\][+-]?(?:[ \t]+(\S.*?))?[ \t]*$")
# The words other tools mark admonitions with (Obsidian's, VitePress's, MyST's), as the nearest of the five kinds
# the stylesheets know; such a box is titled with the word written ("Info", "Danger")
ADMONITION_KINDS = {
    "note": "note", "tip": "tip", "important": "important", "warning": "warning", "caution": "caution",
    "info": "note", "abstract": "note", "summary": "note", "tldr": "note", "todo": "note", "question": "note",
    "help": "note", "faq": "note", "example": "note", "quote": "note", "cite": "note", "hint": "tip", "success": "tip",
    "check": "tip", "done": "tip", "attention": "warning", "danger": "caution", "error": "caution",
    "failure": "caution", "fail": "caution", "missing": "caution", "bug": "caution"}
QUOTE_MARK = re.compile(r"^ {0,3}> ?")


class _GitHubAlerts(Preprocessor):
    """GitHub's alerts, a quote that opens with `[!NOTE]` (or TIP, IMPORTANT, WARNING, CAUTION) on a line of its
    own, as the admonition of that kind (`!!! note`, styled in print and ebook), line for line: the quote's
    `>` lines indented instead; in a list item too, and Obsidian's callouts (ALERT). Python-Markdown showed
    "[!NOTE]" as text, and joined two alerts a blank line apart into one quote (cors' and markdown-it's READMEs in
    tests/corpus/)."""

    def run(self, lines):
        fenced = in_fenced_code(lines)
        out, inside = [], None  # inside: the indentation of the alert being read
        for line, in_code in zip(lines, fenced):
            # (only a quote's first line: "> text" then "> [!NOTE]" is a quote holding that text, as on GitHub)
            alert = (None if in_code or inside is not None or (out and out[-1].lstrip(" ").startswith(">"))
                     else ALERT.match(line))
            if alert and alert.group(2).lower() in ADMONITION_KINDS:
                indent, word, title = alert.group(1), alert.group(2).lower(), alert.group(3)
                kind = ADMONITION_KINDS[word]
                default = "" if word == kind else f' "{word.capitalize()}"'  # ("Info", "Danger": the word written)
                out.append(f"{indent}!!! {kind}" + (f' "{title}"' if title else default))
                inside = indent
            elif (inside is not None and not in_code and line.startswith(inside)
                  and QUOTE_MARK.match(rest := line[len(inside):])):
                out.append(inside + "    " + QUOTE_MARK.sub("", rest, count=1))
            else:
                inside = None
                out.append(line)
        return out


# (after a bare class, VitePress's and Docusaurus's title: `::: tip Read this`, `:::tip[Read this]`)
FENCED_DIV_OPEN = re.compile(r"^ {0,3}(:{3,})[ \t]*(?:\{([^{}]*)\}|([\w-]+)(?:\[([^\]]*)\]|[ \t]+([^\s{}:][^{}]*?))?)"
                             r"[ \t]*:*[ \t]*$")
FENCED_DIV_CLOSE = re.compile(r"^ {0,3}(:{3,})[ \t]*$")
ATTRIBUTE = re.compile(r"""([#.])([\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|\S+)""")
# Quarto's callouts, as the admonitions of the same kind (GitHub's alerts, _GitHubAlerts)
CALLOUTS = {f"callout-{kind}": kind for kind in ("note", "tip", "important", "warning", "caution")}
# VitePress's, VuePress's and Docusaurus's containers (`::: tip`), written as a bare class: the admonition of that
# kind (ADMONITION_KINDS; they were plain paragraphs, but for `warning`, which the stylesheets box); `::: details`
# is a <details>
CONTAINERS = {"note", "info", "tip", "important", "warning", "caution", "danger"}


def _div_opening(line: str) -> re.Match | None:
    """A fenced div's opening line; words after a bare class only for a container that takes a title."""
    match = FENCED_DIV_OPEN.match(line)
    titled = match and (match.group(4) is not None or match.group(5))
    return None if titled and match.group(3).lower() not in CONTAINERS | {"details"} else match


# MyST's directives (Sphinx, Jupyter Book): ```{note} Title … ``` or :::{note} Title … :::, options on the lines
# after the opening one (`:class: dropdown`); the admonition kinds as the containers above, the others stay code
MYST_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,}|:{3,})\{([\w-]+)\}[ \t]*(.*?)[ \t]*$")
MYST_ADMONITIONS = {"attention", "caution", "danger", "error", "hint", "important", "note", "tip", "warning",
                    "seealso", "admonition", "dropdown"}
MYST_KINDS = {"seealso": "note", "admonition": "note", "dropdown": "details"}  # (the others: ADMONITION_KINDS)
MYST_OPTION = re.compile(r"^ {0,3}:[\w-]+:")


class _MystDirectives(Preprocessor):
    """MyST's admonition directives as the fenced-div containers _PandocFencedDivs reads (`::: tip Title`); in
    backticks they were code with their title lost, with colons a paragraph showing the fences (sphinx-book-theme's
    and jupyter-book's docs). Line for line."""

    def run(self, lines):
        out = list(lines)
        index = 0
        while index < len(lines):
            found = MYST_OPEN.match(lines[index])
            if not found or found.group(3).lower() not in MYST_ADMONITIONS:
                index += 1
                continue
            indent, fence, name, title = found.groups()
            word = name.lower()
            kind = MYST_KINDS.get(word) or ADMONITION_KINDS[word]
            title = title or ("See also" if word == "seealso" else "" if word == kind else word.capitalize())
            out[index] = f"{indent}::: {kind}" + (f" {title}" if title else "")
            index += 1
            while index < len(lines) and MYST_OPTION.match(lines[index]):
                out[index] = ""  # (:class:, :open: …: nothing on paper)
                index += 1
            if fence[0] != ":":  # a code fence: its closing line closes the container
                for end in range(index, len(lines)):
                    marks = CODE_FENCE.match(lines[end])
                    if marks and closes(fence, marks.group(1), lines[end].strip()):
                        out[end] = f"{indent}:::"
                        break
        return out


class _PandocFencedDivs(Preprocessor):
    """Pandoc's fenced divs (`::: warning` or `::: {#id .class}` … `:::`, nested with longer fences), as Pandoc
    and Quarto books write them, line for line: `<div class="warning" markdown="1">` … `</div>`. Quarto's
    `{.callout-note}` is a note admonition with its title. A fence without its closing line stays text, and so
    do fences nested too deep (below)."""

    def run(self, lines):
        fenced = in_fenced_code(lines)
        pairs, stack = {}, []
        for index, (line, in_code) in enumerate(zip(lines, fenced)):
            if in_code:
                continue
            if _div_opening(line):
                stack.append(index)
            elif FENCED_DIV_CLOSE.match(line) and stack:
                pairs[stack.pop()] = index
        out = list(lines)
        for opening, closing in pairs.items():
            match = _div_opening(lines[opening])
            classes, ident = ([match.group(3)] if match.group(3) else []), ""
            for kind, name, key, value in ATTRIBUTE.findall(match.group(2) or ""):
                if kind == ".":
                    classes.append(name)
                elif kind == "#":
                    ident = name
            callout = next((CALLOUTS[c] for c in classes if c in CALLOUTS), None)
            bare = match.group(3) and match.group(3).lower()
            callout = callout or (ADMONITION_KINDS[bare] if bare in CONTAINERS else None)
            title = html.escape((match.group(4) or match.group(5) or "").strip(), quote=False)
            attributes = f' id="{ident}"' if ident else ""
            if bare == "details":
                out[opening] = f'<details markdown="1"><summary>{title or "Details"}</summary>'
                out[closing] = "</details>"
                continue
            if callout:
                title = title or (bare if bare in CONTAINERS else callout).title()
                out[opening] = (f'<div class="admonition {callout}"{attributes} markdown="1">'
                                f'<p class="admonition-title">{title}</p>')
            else:
                attributes += f' class="{" ".join(classes)}"' if classes else ""
                out[opening] = f"<div{attributes} markdown=\"1\">"
            out[closing] = "</div>"
        # Python-Markdown recurses into every marked block: 3,000 nested fences exhausted its stack. Nested
        # deeper than MAX_MARKDOWN_IN_HTML_DEPTH (with the document's HTML blocks), the fences stay text.
        return out if pairs and _block_depth(out, fenced) <= MAX_MARKDOWN_IN_HTML_DEPTH else lines


ATX_OR_ADMONITION = re.compile(r"^(?: {0,3}#{1,6}(?:[ \t]|$)|!!! )")


LIST_ITEM = re.compile(r"^( *)(?:[-*+]|(\d{1,9})([.)]))(?=[ \t]|$)")
STASHED_BLOCK = re.compile(rf"^ *{util.STX}wzxhzdk:(\d+){util.ETX} *$")  # fenced code or raw HTML, put aside
TEXT_LINE = re.compile(r"^( *)[^\s>#|<\x02]")  # (\x02: raw HTML or code stashed away by now)
QUOTE_PREFIX = re.compile(r"^(?: {0,3}> ?)+")
# Put before the text of an item whose bullet differs from its list's; _NewLists splits there. Between STX and ETX,
# which Python-Markdown takes out of the author's text: a private-use character would have taken the author's too.
NEW_LIST = f"{util.STX}guidebook-new-list{util.ETX}"


class _ListsAsOnGitHub(Preprocessor):
    """Lists as GitHub reads them, where Python-Markdown reads more of the block above: a list item right under a
    line of text or of a quote gets a blank line before it (_ends_block_above says when); items numbered `1)` are
    numbered `1.`; an item whose bullet differs from its list's is marked to begin a new one (_NewLists); a `-`
    alone is an empty item. Found in got's, socks' and keyv's READMEs, where whole lists were one paragraph of
    "- a - b", and in the changelogs and API documents of npm's own packages. The source lines hold:
    book/convert/source_lines.py maps added blank lines."""

    def run(self, lines):
        out, in_list = [], False  # in_list: the lines since the last blank one hold a list item, counted as one
        seen_item = False  # the lines since the last blank one (in a quote: since its last `>` line) hold an item
        block_indent = 0  # the indentation of the first line since the last blank one
        bullets: dict[int, str] = {}  # the open bullet lists' bullets, by indentation
        item_indent = 0  # the indentation of the last item line
        for line in lines:
            item = LIST_ITEM.match(line)
            quote = QUOTE_PREFIX.match(line)
            inner = line[quote.end():] if quote else line
            if item or (line.strip() and not (out and out[-1].strip())):  # an item, or a block after a blank line
                indent = len(line) - len(line.lstrip(" "))
                bullets = {at: bullet for at, bullet in bullets.items()
                           if at < indent or (at == indent and item and not item.group(2))}
            if item and not item.group(2) and not quote:
                line = _marked_if_new_list(line, item, bullets)
            if item and in_list and not line[item.end():].strip() and len(item.group(1)) <= item_indent:
                # an empty item of the list (a `-` alone underlines a heading for Python-Markdown); one indented
                # into the item above goes on its text ("   0." in fd-slicer's README: an empty item cannot
                # interrupt a paragraph)
                line = line.rstrip() + " <!-- -->"
            if item:
                item_indent = len(item.group(1))
            if not line.strip():
                in_list = False
            elif quote and not seen_item and (separator := _item_in_quote(out[-1] if out else "", line, quote)):
                out.append(separator)  # the quote's own blank line: "> _Notes_:" then "> - The order …" (undici's)
            elif item:
                above = out[-1] if out else ""
                # (an item less indented than the block it is in: Python-Markdown would take the whole block,
                # this item and those after it, into the list of the block's first line, as xmldom's changelog
                # went after a nested list)
                ends = bool(above.strip()) and bool(STASHED_BLOCK.match(above)  # (code or HTML right above)
                                                    or len(item.group(1)) < block_indent
                                                    or not seen_item and _ends_block_above(above, line, item))
                if ends:
                    out.append("")
                if ends or in_list or len(item.group(1)) < 4:
                    if item.group(3) == ")" and (in_list or not out[-1:] or not out[-1].strip() or item.group(2) == "1"):
                        line = line[:item.end(2)] + "." + line[item.end(3):]
                    in_list = True
            if line.strip() and not (out and out[-1].strip()):
                block_indent = len(line) - len(line.lstrip(" "))
            seen_item = bool(inner.strip()) and (seen_item or bool(LIST_ITEM.match(inner)))
            out.append(line)
        return out


def _marked_if_new_list(line: str, item: re.Match, bullets: dict[int, str]) -> str:
    """The bullet item `line` with NEW_LIST before its text when the open list at its indentation has another
    bullet (`-` then `*`): on GitHub that begins a new list, where Python-Markdown goes on with the same one
    (send's and express' changelogs). `bullets` is updated with this item's."""
    indent = len(item.group(1))
    bullet = line[indent]
    changed = bullets.get(indent, bullet) != bullet
    bullets[indent] = bullet
    text = len(line) - len(line[item.end():].lstrip(" \t"))
    return line[:text] + NEW_LIST + line[text:] if changed and line[text:].strip() else line


def _item_in_quote(above: str, line: str, prefix: re.Match) -> str | None:
    """When `line` (quoted with `prefix`) is a list item in the same quote as `above` and ends its block there
    (_ends_block_above), the line that separates them inside the quote (`>`); else None."""
    if not above.startswith(prefix.group()) or QUOTE_PREFIX.match(above).group() != prefix.group():
        return None
    inner_above, inner = above[prefix.end():], line[prefix.end():]
    item = LIST_ITEM.match(inner)
    if item and inner_above.strip() and _ends_block_above(inner_above, inner, item):
        return prefix.group().rstrip()
    return None


def _ends_block_above(above: str, line: str, item: re.Match) -> bool:
    """Whether the list item `line` ends the block of the line `above` on GitHub (CommonMark), where
    Python-Markdown would read it as more of that block."""
    if QUOTE_MARK.match(above):  # "> Released 07/24/2019" then "* Adds int64 support" (smart-buffer's changelog)
        return True
    text = TEXT_LINE.match(above)
    if not text or LIST_ITEM.match(above):
        return False
    indent, above_indent = len(item.group(1)), len(text.group(1))
    if above_indent > indent:  # back to an outer list after an item's paragraph (gyp's InputFormatReference.md)
        return True
    # a list interrupts a paragraph, a numbered one only from 1, and not with an empty item: at the top level
    # ("Options:" then "- a") or inside an item ("I needed to" then "- create …", xmldom's changelog)
    same_level = above_indent == indent or (above_indent < 4 and indent < 4)
    return same_level and item.group(2) in (None, "1") and bool(line[item.end():].strip())


class _CodeOnItsOwn(Preprocessor):
    """A blank line between fenced code (a placeholder by now) and text right above or below it: on GitHub a fence
    interrupts a paragraph and a paragraph may follow a closing fence, where Python-Markdown made the code and the
    words around it one paragraph (undici's API documents: a code block, "or", another code block). Raw HTML
    stays as it is: text right under a <div> is part of the HTML block on GitHub too. The source lines hold:
    book/convert/source_lines.py maps added blank lines."""

    def run(self, lines):
        out = []
        for line in lines:
            if out and line.strip() and out[-1].strip() and (self._is_code(line) or self._is_code(out[-1])):
                out.append("")
            out.append(line)
        return out

    def _is_code(self, line: str) -> bool:
        stashed = STASHED_BLOCK.match(line)
        if not stashed:
            return False
        blocks = self.md.htmlStash.rawHtmlBlocks
        index = int(stashed.group(1))
        return index < len(blocks) and isinstance(blocks[index], str) and blocks[index].startswith(
            ('<div class="highlight">', "<pre"))


class _HeadingsOnTheirOwn(Preprocessor):
    """A blank line around each `#` heading and before each `!!!` admonition line (code and raw HTML are
    placeholders by now): the same document, in blocks Python-Markdown splits once. Its block processors take
    one line off a block and put the rest back, which made 5,000 headings in a row take 5 s and a 2 MB chapter
    of them hours. The source lines hold: book/convert/source_lines.py maps added blank lines."""

    def run(self, lines):
        out = []
        for index, line in enumerate(lines):
            starts = ATX_OR_ADMONITION.match(line)
            if starts and out and out[-1].strip():
                out.append("")
            out.append(line)
            if starts and line.startswith(("#", " ")) and index + 1 < len(lines) and lines[index + 1].strip():
                out.append("")
        return out


class GitHubHtmlBlocks(Extension):
    """Markdown again after a blank line inside an HTML container (_MarkdownInHtmlBlocks) or after an HTML block
    that leaves its element open (_UnclosedHtmlBlocks); needs md_in_html."""

    def extendMarkdown(self, md):
        # before guidebook_capture (29, book/convert/source_lines.py) records the lines, and html_block (20) stashes
        md.preprocessors.register(_UnclosedHtmlBlocks(md), "guidebook_unclosed_html", 29.55)
        md.preprocessors.register(_MarkdownInHtmlBlocks(md), "guidebook_markdown_in_html", 29.5)


# a list item's line indented as far as its text (four spaces a level by now) and opening a quote
QUOTE_IN_ITEM = re.compile(r"\n {4}(?= {0,3}>)")
ADMONITION_IN_ITEM = re.compile(r"\n {4}!!! ")


class _Admonitions(AdmonitionProcessor):
    """An admonition right under a list item's text (an alert in an item: "1. step" / "   > [!NOTE]") is one, as
    the quote it was written as is on GitHub: its lines, indented as far as the item's text, were the item's
    text ("!!! note Careful.")."""

    def test(self, parent, block):
        return super().test(parent, self._in_item(parent, block))

    def run(self, parent, blocks):
        blocks[0] = self._in_item(parent, blocks[0])
        return super().run(parent, blocks)

    @staticmethod
    def _in_item(parent, block: str) -> str:
        found = ADMONITION_IN_ITEM.search(block) if parent.tag == "li" else None
        if not found:
            return block
        rest = block[found.start() + 1:].split("\n")
        return block[:found.start() + 1] + "\n".join(_dedented(line, 4) for line in rest)


class _BlockQuotes(BlockQuoteProcessor):
    """A quote after a blank line is a quote of its own, as on GitHub (CommonMark): Python-Markdown added it to
    the quote before, so two quotes a blank line apart (two sayings, two people's words) read as one. A quote
    right under a list item's text ("- item" / "  > quote") is one too, as on GitHub: it was text ("> quote")."""

    def test(self, parent, block):
        return super().test(parent, QUOTE_IN_ITEM.sub("\n", block) if parent.tag == "li" else block)

    def run(self, parent, blocks):
        block = blocks.pop(0)
        if parent.tag == "li":
            block = QUOTE_IN_ITEM.sub("\n", block)
        found = self.RE.search(block)
        self.parser.parseBlocks(parent, [block[:found.start()]])  # the lines before the quote, if any
        quote = etree.SubElement(parent, "blockquote")
        self.parser.state.set("blockquote")  # so that a quote in a list holds paragraphs
        self.parser.parseChunk(quote, "\n".join(self.clean(line) for line in block[found.start():].split("\n")))
        self.parser.state.reset()


class _AtxHeadings(HashHeaderProcessor):
    """`#` to `######` and then a space (or the line's end) make a heading; seven or more are text, and so is
    `#123 fixed` or `#object-keys`, as on GitHub (Python-Markdown read `######### x` as a level-6 heading of
    "### x", and a changelog's "#123" as a heading)."""

    RE = re.compile(HashHeaderProcessor.RE.pattern.replace("(?P<level>#{1,6})", "(?P<level>#{1,6})(?!#)(?=[ \t\n]|$)"))


class _CodeLabels:
    """A reference link's label may hold a code span: `` [`a`] `` with `` [`a`]: https://… `` further down is a
    link, as on GitHub. Python-Markdown compared the code's stand-in with the label and printed the brackets
    (cosmiconfig's and ws' READMEs, 22 such definitions in tests/corpus/)."""

    def evalId(self, data, index, text):
        label, end, handled = super().evalId(data, index, text)
        if handled and label and util.INLINE_PLACEHOLDER_PREFIX in label:
            stashed = self.md.treeprocessors["inline"].stashed_nodes

            def source(match):
                node = stashed.get(match.group(1))
                if getattr(node, "tag", None) != "code":
                    return match.group()
                return f"`{html.unescape(node.text or '')}`".lower()
            label = util.INLINE_PLACEHOLDER_RE.sub(source, label)
        return label, end, handled


class _References(_CodeLabels, ReferenceInlineProcessor):
    pass


class _ShortReferences(_CodeLabels, ShortReferenceInlineProcessor):
    pass


class _PipesInTableCode(Treeprocessor):
    """`\\|` inside a code span of a table cell is a pipe, as on GitHub: the escape keeps the cell from ending
    there and is no part of the code (uuid's README: `String \\| Array`)."""

    def run(self, root):
        for cell in (e for e in root.iter() if e.tag in ("td", "th")):
            for code in cell.iter("code"):
                if code.text and "\\|" in code.text:
                    code.text = util.AtomicString(code.text.replace("\\|", "|"))


class _NewLists(Treeprocessor):
    """A list split where _ListsAsOnGitHub marked an item with NEW_LIST: that item and those after it go into a
    new list of the same kind, right after it."""

    def run(self, root):
        # each holder's children rebuilt once: splitting one item at a time moved the rest of the list each time,
        # and 8,000 items of alternating bullets took 10 s
        for holder in list(root.iter()):
            pieces, split = [], False
            for child in list(holder):
                starts = [index for index, item in enumerate(child) if index and child.tag in ("ul", "ol")
                          and item.tag == "li" and _takes_mark(item)]
                if not starts:
                    pieces.append(child)
                    continue
                split, items, bounds = True, list(child), [*starts, len(child)]
                child[:] = items[:starts[0]]
                pieces.append(child)
                for first, last in zip(bounds, bounds[1:]):
                    new = etree.Element(child.tag)
                    new.text, new.tail = child.text, "\n"
                    new.extend(items[first:last])
                    pieces.append(new)
                pieces[-1].tail, child.tail = child.tail, "\n"
            if split:
                holder[:] = pieces
        for element in root.iter():  # (a mark nothing took: never printed)
            for attribute in ("text", "tail"):
                value = getattr(element, attribute)
                if isinstance(value, str) and NEW_LIST in value:
                    setattr(element, attribute, value.replace(NEW_LIST, ""))


def _takes_mark(item) -> bool:
    """Whether the list item's text begins with NEW_LIST, which is taken off."""
    element = item
    while element is not None:
        if element.text and element.text.strip():
            if not element.text.lstrip().startswith(NEW_LIST):
                return False
            element.text = element.text.replace(NEW_LIST, "", 1)
            return True
        element = element[0] if len(element) else None
    return False


class _SetextHeadings(SetextHeaderProcessor):
    """`---` (or `===`) on the line after a fenced code block is a thematic break, as on GitHub: a closing fence
    ends its block. Python-Markdown read the code block's placeholder as the text of a setext heading, and the
    <h2> held a <pre> (the JDK's licence of CUP, which EPUBCheck refused)."""

    PLACEHOLDER = re.compile("^" + re.escape(util.HTML_PLACEHOLDER).replace("%s", r"\d+") + "$")

    def run(self, parent, blocks):
        first, _, rest = blocks[0].partition("\n")
        if self.PLACEHOLDER.match(first.strip()):
            blocks[0:1] = [first, rest]  # the code block on its own, then the rest (`---`: an <hr>)
            return False  # (the next processors take the code block)
        return super().run(parent, blocks)


class _Definitions(DefListProcessor):
    """Definition lists, where a `: text` line with no term before it (after a quote, a list or a heading) is a
    paragraph, as in Pandoc: Python-Markdown makes it a <dl> that opens with a <dd>, which HTML and EPUBCheck refuse."""

    def run(self, parent, blocks):
        sibling = self.lastChild(parent)
        if sibling is not None and sibling.tag not in ("p", "dl") and not self.RE.search(blocks[0]).start():
            return False  # the block starts with its `:` line: no term in it either
        return super().run(parent, blocks)


TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


class _TableAfterText(BlockProcessor):
    """A table right under a line of text, with no blank line between: GitHub ends the paragraph there (a list
    item's "1. Step one" over its table, too); Python-Markdown's tables must open their block, so the table was
    printed as typed pipes. The block is split before the table's header row, and the parts read as usual."""

    def test(self, parent, block):
        return self._header_at(block.split("\n")) > 0

    def run(self, parent, blocks):
        lines = blocks[0].split("\n")
        at = self._header_at(lines)
        indent = len(lines[at]) - len(lines[at].lstrip())  # (a list item's table, indented as its text)
        blocks[0:1] = ["\n".join(lines[:at]), "\n".join(_dedented(line, indent) for line in lines[at:])]
        return False  # (the text is a paragraph, the rest a table: the other processors take them)

    @staticmethod
    def _header_at(lines: list[str]) -> int:
        """The line of a header row under a delimiter row holding a `|` (with as many cells), after other text
        (not a list's or a quote's: their items and lines are read first, and the table then inside them)."""
        if LIST_ITEM.match(lines[0]) or QUOTE_MARK.match(lines[0]):
            return 0
        for index in range(1, len(lines) - 1):
            header, delimiter = lines[index], lines[index + 1]
            if ("|" in delimiter and TABLE_DELIMITER.match(delimiter.strip()) and "|" in header
                    and _cells(header) == _cells(delimiter) and "|" not in lines[index - 1]):
                return index
        return 0


def _cells(row: str) -> int:
    inner = re.sub(r"\\\|", "", row.strip()).removeprefix("|").removesuffix("|")
    return inner.count("|") + 1


class GitHubFlavour(Extension):
    """What Python-Markdown's extensions need to read Markdown as GitHub does (each processor above says why)."""

    def extendMarkdown(self, md):
        # A backslash escapes any ASCII punctuation (CommonMark): mdBook's guide writes `page \<title\>`, which
        # Python-Markdown (no `<` among its escapes) printed with the backslash
        md.ESCAPED_CHARS = list(dict.fromkeys([*md.ESCAPED_CHARS, *string.punctuation]))
        md.parser.blockprocessors.register(_Definitions(md.parser), "deflist", 25)
        md.parser.blockprocessors.register(_TableAfterText(md.parser), "guidebook_table_after_text", 76)
        md.parser.blockprocessors.register(_AtxHeadings(md.parser), "hashheader", 70)
        md.parser.blockprocessors.register(_SetextHeadings(md.parser), "setextheader", 60)
        md.parser.blockprocessors.register(_BlockQuotes(md.parser), "quote", 20)
        md.parser.blockprocessors.register(_Admonitions(md.parser), "admonition", 105)
        GitHubHtmlBlocks().extendMarkdown(md)
        # before guidebook_capture (29) records the lines: the alert keeps its lines, so their numbers hold
        md.preprocessors.register(_GitHubAlerts(md), "guidebook_alerts", 29.6)
        md.preprocessors.register(_KramdownBlockAttributes(md), "guidebook_kramdown_attributes", 29.65)
        md.preprocessors.register(_OtherToolsLines(md), "guidebook_other_tools_lines", 29.66)
        md.preprocessors.register(_MystDirectives(md), "guidebook_myst_directives", 29.75)
        md.preprocessors.register(_PandocFencedDivs(md), "guidebook_fenced_divs", 29.7)
        md.preprocessors.register(_ClosingFences(md), "guidebook_closing_fences", 29.8)
        md.preprocessors.register(_ListIndentsAsOnGitHub(md), "guidebook_list_indents", 29.9)
        md.preprocessors.register(_HeadingsOnTheirOwn(md), "guidebook_headings_alone", 15)  # after the stashing
        md.preprocessors.register(_CodeOnItsOwn(md), "guidebook_code_alone", 14.5)
        md.preprocessors.register(_ListsAsOnGitHub(md), "guidebook_lists", 14)
        md.inlinePatterns.register(_InlineHtml(HTML_RE, md), "html", 90)
        # (under code spans, 190: a `$` in code stays code; over escapes, 180, and the backslash break, 185)
        md.inlinePatterns.register(_Math(DISPLAY_MATH, md, True), "guidebook_display_math", 189)
        md.inlinePatterns.register(_Math(INLINE_MATH, md, False), "guidebook_inline_math", 188)
        # A backslash at a line's end breaks the line (CommonMark), as two spaces do: normalize-url's and got's
        # "Type: `string`\" / "Default: `true`" were one line with a backslash in it
        md.inlinePatterns.register(SubstituteTagInlineProcessor(r"\\\n", "br"), "guidebook_backslash_break", 185)
        md.treeprocessors.register(_PipesInTableCode(md), "guidebook_table_pipes", 3)
        md.treeprocessors.register(_NewLists(md), "guidebook_new_lists", 3.5)  # after the inline patterns (20)
        md.inlinePatterns.register(_References(REFERENCE_RE, md), "reference", 170)
        md.inlinePatterns.register(_ShortReferences(REFERENCE_RE, md), "short_reference", 130)
        md.treeprocessors.register(_HeadingIds(md), "guidebook_heading_ids", 4)  # after attr_list's explicit ids
        md.postprocessors.register(_UnnestLinks(md), "guidebook_unnest_links", 5)  # after raw HTML is back
        md.postprocessors.register(_PlainTokens(md), "guidebook_plain_tokens", 4)  # after code blocks are back


EXTENSIONS = ["tables", "footnotes", "attr_list", "def_list", "pymdownx.superfences", "pymdownx.highlight",
              "admonition", "md_in_html", "sane_lists", "pymdownx.tasklist", "pymdownx.tilde", "pymdownx.magiclink"]
EXTENSION_CONFIG = {
    # ':' in footnote ids is legal HTML but not an XML NCName; EPUB readers choke on it.
    "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "↩\ufe0e"},
    # CSS classes (book/layouts/highlight.css), never inline styles: the allow-list refuses `style`.
    "pymdownx.highlight": {"use_pygments": True, "noclasses": False, "guess_lang": False, "css_class": "highlight"},
    "pymdownx.tilde": {"subscript": False},  # GitHub: ~~strike~~ only
    # A fence's language is its info string's first word; the rest is ignored, as on GitHub: "```bash npm2yarn",
    # "```js{1,3}" (puppeteer's and vite's READMEs) were text, and their closing fence opened a block that swallowed
    # the document to the next fence
    "pymdownx.superfences": {"relaxed_headers": True},
    "pymdownx.magiclink": {"hide_protocol": False},
}


def text_not_comment(parse_comment):
    """Python-Markdown's comment parsing (its raw-HTML block extractor's), except that `<!-->` and `<!--->` are
    text, as GitHub shows them (GFM: a comment's text may not start with `>` or `->`). Python-Markdown read on to
    the next `-->`, and the blocks in between (a `<figure>`, say) ended up inside a paragraph: found by test_fuzz,
    an EPUB that EPUBCheck refuses."""

    @functools.wraps(parse_comment)
    def parse(self, i, report=True):
        for text in ("<!-->", "<!--->"):
            if self.rawdata.startswith(text, i):
                self.handle_data(text)
                return i + len(text)
        return parse_comment(self, i, report)
    parse.guidebook = True
    return parse
