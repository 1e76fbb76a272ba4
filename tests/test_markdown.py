"""Markdown as authors bring it (GitHub-flavoured, with comments, CRLF and BOMs), the exact line of every problem,
and the lenient mode. Unit tests of the pure functions first (no WeasyPrint), then a few real builds."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from book.assemble import ParsedChapter
from book.assemble.ids import duplicate_ids, resolve_links, unique_ids
from book.load.content import Chapter, load_chapter
from book.infra.errors import BookError
from book.convert.gfm import github_slug
from book.convert.markdown import convert, markdown_to_tree
from book.render.pdf import footnotes_inline
from book.convert.sanitize import check_disclaimer, disclaimer_html, sanitize
from conftest import assert_epubcheck_clean, copy_fixture, epub_files, pdf_pages_text, run


def html(text: str) -> str:
    return lxml_html.tostring(markdown_to_tree(text), encoding="unicode")


def chapter(tmp_path: Path, name: str, text: str) -> ParsedChapter:
    source = tmp_path / f"{name}.md"
    source.write_text(text)
    return ParsedChapter.of(Chapter(source, source.name, name, name.title(), True, "chapter", "", text), text, convert(text))


def problems(tmp_path: Path, text: str, raw_html: str = "error") -> list[str]:
    p = chapter(tmp_path, "one", text)
    _, found = sanitize(p.chapter, text, convert(text), tmp_path, raw_html)
    return [str(e) for e in found]


def sanitized(p: ParsedChapter, tmp_path: Path, raw_html: str = "error", strict: bool = True):
    """(the chapter's body as sanitize keeps it, as a tree; the problems found), checking that the input stays."""
    before = convert(p.text)
    kept, found = sanitize(p.chapter, p.text, before, tmp_path, raw_html, strict)
    assert before == convert(p.text)  # sanitize changes no one's value: it returns a new body
    return ParsedChapter(p.chapter, p.text, kept).body(), found


# --- HTML comments -------------------------------------------------------------------------------------------

COMMENTS = [
    "# T\n\n<!-- a comment -->\n\nText.\n",
    "Text.\n\n<!-- at the end -->\n",
    "Before <!-- inline --> after.\n",
    "<!--\nacross\nlines\n-->\n\nText.\n",
    "- one <!-- in a list -->\n- two\n\n  <!-- indented -->\n",
    "| a | b |\n|---|---|\n| 1 <!-- cell --> | 2 |\n",
    "> quoted <!-- in a quote -->\n>\n> <!-- block in a quote -->\n",
    "Text.\n\n<!-- unclosed\n\nMore.\n",
]


@pytest.mark.parametrize("text", COMMENTS)
def test_comments_never_reach_the_output(text, tmp_path):
    tree = markdown_to_tree(text)
    assert not [node for node in tree.iter() if node.tag is etree.Comment]
    assert "comment" not in tree.text_content() and "inline" not in tree.text_content()
    assert problems(tmp_path, text) == []


def test_text_around_comments_is_kept():
    assert " ".join(markdown_to_tree("Before <!-- inline --> after.\n").text_content().split()) == "Before after."


# --- GitHub-flavoured Markdown ------------------------------------------------------------------------------

@pytest.mark.parametrize("title, slug", [
    ("Part one: The basics", "part-one-the-basics"),
    ("`--some-flag`", "--some-flag"),
    ("가격", "가격"),
    ("Prix (€) et délais", "prix--et-délais"),
    ("What's new in 2.0?", "whats-new-in-20"),
    ("snake_case stays", "snake_case-stays"),
])
def test_github_slugs(title, slug):
    assert github_slug(title.strip("`")) == slug


def test_heading_ids_are_githubs_with_numbered_repeats():
    tree = markdown_to_tree("## 가격\n\n## `--some-flag`\n\n## Intro\n\n## Intro\n\n## Intro\n\n## Own {#own}\n")
    assert tree.xpath("//h2/@id") == ["가격", "--some-flag", "intro", "intro-1", "intro-2", "own"]
    assert convert("## Intro\n\n## Own {#own}\n").generated_ids == frozenset({"intro"})


def test_gfm_constructs():
    out = html("- [x] done\n- [ ] open\n\n~~gone~~ and ~one~ tilde, see https://example.com/a?b=1.\n\n"
               "```python\ndef f():\n    return 1\n```\n\n| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert '<span class="task-box done" role="img" aria-label="done">x</span>' in out and "<input" not in out
    assert '<span class="task-box" role="img" aria-label="not done"></span>' in out
    assert "<del>gone</del>" in out and "~one~" in out
    assert '<a href="https://example.com/a?b=1">' in out
    assert '<span class="k">def</span>' in out and "style=" not in out
    assert '<th class="align-left">' in out and '<td class="align-center">' in out and '<td class="align-right">' in out


def test_a_block_in_a_paragraph_ends_it_as_an_html_parser_would():
    # type-fest's README (tests/corpus/): raw <details> on the line after a list item's text, which GitHub starts as
    # an HTML block; Python-Markdown left it in the item's <p>, and EPUBCheck refused the book
    text = "Intro.\n\n- [`Partial<T>`](https://example.com) - Make.\n\t<details>\n\t<summary>Example</summary>\n\n\tBody.\n\n\t</details>\n"
    converted = convert(text)
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert not tree.xpath(".//p/details | .//p/div | .//p/table")
    item = tree.find("ul/li")
    assert [child.tag for child in item][:2] == ["p", "details"] and item[0].text_content().strip() == "Partial<T> - Make."
    assert converted.block_lines == (1, 3)  # the item's pieces stay in its block, which starts on line 3


def test_an_unclosed_emphasis_that_swallowed_a_block_becomes_a_block():
    # the fuzz test: `<em>` never closed takes in the list after it, a raw `<p>` with it (EPUBCheck: p not allowed)
    tree = markdown_to_tree("1. <em>unclosed x\n2. y\n    - <span>a</span> <p>shalom</p>\n")
    assert not tree.xpath(".//em//p | .//span//p | .//p//p")
    assert "shalom" in tree.text_content()


def test_a_link_holding_a_block_is_no_part_of_a_paragraph():
    # the fuzz test: a raw `<p>` in a link's text left a <p> inside the link inside a <p> (EPUBCheck: p not allowed)
    tree = markdown_to_tree("- a\n\n    [<p></p> web](https://example.com) and x <a href='#'><p>in</p></a> y\n")
    assert not tree.xpath(".//p//p")
    assert "web" in tree.text_content() and "in" in tree.find(".//li").text_content()


def test_seven_hashes_are_text_as_on_github():
    # Python-Markdown made `######### too deep` a level-6 heading: a skipped level in a careful fuzz book
    assert html("######### too deep\n\n###### six\n") == '<div><p>######### too deep</p>\n<h6 id="six">six</h6></div>'


def test_an_empty_header_cell_is_a_data_cell():
    # got's README compares libraries in a table whose corner cell is empty: Ace's empty-table-header, 20 times
    tree = markdown_to_tree("|   | got | request |\n|---|---|---|\n| HTTP/2 | ✔ | ✖ |\n\n<table><tr><th> </th><th><img src='a.png' alt='A'></th></tr></table>\n")
    assert [[cell.tag for cell in row] for row in tree.iter("tr")] == [["td", "th", "th"], ["td", "td", "td"], ["td", "th"]]


def test_markdown_resumes_after_a_blank_line_in_a_details_block_as_on_github():
    # express's README lists its emeriti in <details>: Python-Markdown kept them raw (`* [x](…)` as typed), and
    # Node.js's nested each `<<name@host>>` as an element until the build stopped 100 levels deep
    text = ('<details>\n<summary>Emeriti</summary>\n\n* [ak](https://github.com/ak) - **A K** <<a@b.com>>\n'
            '</details>\n\n<div align="center">\n<b>raw *stays*</b>\n</div>\n\n```html\n<details>\n\nx\n</details>\n```\n')
    converted = convert(text)
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    details = tree.find("details")
    assert details[0].tag == "summary" and details.find("ul/li/strong").text == "A K"
    assert details.find("ul/li/a[@href='mailto:a@b.com']") is not None
    assert tree.find("div/b").text == "raw *stays*"  # no blank line before </div>: raw HTML, as on GitHub
    assert tree.find("div/pre/code").text_content() == "<details>\n\nx\n</details>\n"  # code stays code
    assert converted.block_lines == (1, 7, 11)


def test_an_html_block_left_open_ends_at_its_blank_line_as_on_github():
    # mermaid 11.17.2's README (npm, MIT) opens with `<p align="center">` and never closes it: Python-Markdown took
    # the rest of the chapter as raw HTML, printed as typed (`**Bold**`, `## Section`, missing from the contents)
    for opening in ('<p align="center">', "<p>", '<div align="center">', "<details>"):
        text = f"# Title\n\n{opening}\nTry the <a href=\"https://example.com/\">Develop</a> preview\n\n**Bold** and a [link](https://example.com).\n\n## Section\n\n- item\n"
        tree = markdown_to_tree(text)
        assert tree.find(".//strong").text == "Bold" and tree.find(".//h2").text == "Section", opening
        assert tree.find(".//ul/li").text == "item" and "**" not in tree.text_content(), opening
    # a container closed later keeps what it holds (Markdown again after its blank lines); code stays code
    tree = markdown_to_tree("<div>\nA\n\n**B**\n\n</div>\n\nC\n\n```html\n<p>\n\n*x*\n```\n")
    assert tree.find("div/p/strong").text == "B" and tree.find(".//pre/code").text_content() == "<p>\n\n*x*\n"
    assert convert("# T\n\n<p>\nopen\n\nnext\n").block_lines == (1, 3, 6)  # every block keeps its source line


def test_an_indented_details_block_and_a_picture_read_as_on_github():
    # pyenv's README indents its <details> by two spaces: Python-Markdown left the Markdown inside as typed (`code`,
    # "1. First"); Rust's README offers its logo for dark and light screens in a <picture>, shown as raw tags
    text = ("#### Bash\n  <details>\n\n  Stock `x` text.\n\n  1. First\n\n  </details>\n\n"
            '<div align="center">\n  <picture>\n    <source media="(prefers-color-scheme: dark)" srcset="dark.svg">\n'
            '    <img alt="The logo" src="light.svg" width="50%">\n  </picture> after\n\n</div>\n')
    converted = convert(text)
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    block = tree[1]  # a <details> without <summary> is a <div>
    assert block.find("p/code").text == "x" and block.find("ol/li").text == "First"
    assert tree.find(".//picture") is None and tree.find(".//source") is None
    image = tree.find("div[@align]//img")
    assert image.get("src") == "light.svg" and image.get("alt") == "The logo" and image.tail.strip() == "after"
    assert converted.block_lines == (1, 2, 10)


def test_a_rule_under_a_code_block_and_a_summary_on_the_details_line_read_as_on_github():
    # the JDK's licence of CUP puts `---` on the line after a closing fence: Python-Markdown made the code block
    # a setext heading's text (a <pre> in an <h2>); pyenv's README writes `<details> <summary>…` on one line
    tree = markdown_to_tree("```\ncode\n```\n---\n```\nmore\n```\n\nTitle\n---\n\n"
                            "<details> <summary> Notes </summary>\n\n**NOTE:** Most.\n\n</details>\n")
    assert [child.tag for child in tree] == ["div", "hr", "div", "h2", "details"]
    assert tree.find("h2").text == "Title" and tree.find("div/pre/code").text == "code\n"
    details = tree.find("details")
    assert details[0].tag == "summary" and details[0].text.strip() == "Notes" and details.find("p/strong") is not None


def test_github_alerts_are_admonitions_and_keep_their_lines():
    # cors' README (tests/corpus/): `> [!IMPORTANT]` showed "[!IMPORTANT]" as text; two alerts a blank line apart
    # were one quote
    text = ("Intro.\n\n> [!IMPORTANT]\n> **How CORS Works:** This package sets response headers.\n>\n> - a list\n\n"
            "> [!Caution]  \n> Careful.\n\n> a plain quote\n\n```md\n> [!TIP]\n> in code\n```\n")
    converted = convert(text)
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [(c.tag, c.get("class")) for c in tree] == [("p", None), ("div", "admonition important"),
                                                      ("div", "admonition caution"), ("blockquote", None), ("div", "highlight")]
    important = tree[1]
    assert [c.text_content().strip() for c in important] == ["Important", "How CORS Works: This package sets response headers.",
                                                     "a list"]
    assert tree[2][0].text == "Caution" and "[!TIP]" in tree[4].text_content()
    assert converted.block_lines == (1, 3, 8, 11, 13)
    # not a quote's first line: the quote stays a quote, "[!NOTE]" its text (GitHub)
    quote = markdown_to_tree("> Said before.\n> [!NOTE]\n> After.\n\n> [!TIP]\n> a\n> [!NOTE]\n")
    assert [c.tag for c in quote] == ["blockquote", "div"] and "[!NOTE]" in quote[0].text_content()
    assert quote[1].get("class") == "admonition tip" and "[!NOTE]" in quote[1].text_content()


def test_quotes_a_blank_line_apart_are_two_quotes():
    # CommonMark, GitHub and Pandoc's gfm reader: two quotes; Python-Markdown made one of them, and of the
    # quotes nested in one. A `>` line alone keeps one quote of two paragraphs.
    tree = markdown_to_tree("> a\n>\n> b\n\ne\n> f\n\n> g\n\n> > h\n>\n> > i\n")
    assert [(c.tag, c.text_content().split()) for c in tree] == [
        ("blockquote", ["a", "b"]), ("p", ["e"]), ("blockquote", ["f"]), ("blockquote", ["g"]),
        ("blockquote", ["h", "i"])]
    assert [len(c.findall("p")) for c in tree[:1]] == [2]
    assert [c.tag for c in tree[4]] == ["blockquote", "blockquote"]


def test_npm_readme_constructs_read_as_on_github():
    # Found in 150 READMEs of npm packages (puppeteer-core, got, keyv, uuid, normalize-url, readable-stream,
    # object-keys, libnpmsearch); each expectation is what Pandoc's gfm reader gives
    tree = markdown_to_tree("```bash npm2yarn\nnpm i x\n```\n\nmid\n\n```js{1,3}\ny\n```\n\n```js\nz\n````\n\nend\n")
    assert [(c.tag, c.text_content().strip()) for c in tree] == [
        ("div", "npm i x"), ("p", "mid"), ("div", "y"), ("div", "z"), ("p", "end")]
    lists = markdown_to_tree("Conditions:\n1. first\n2. second\n\nOptions:\n- a\n- b\n\n1) one\n2) two\n\n"
                             "Text\n2) not a list\n")
    assert [(c.tag, c.text_content().split()) for c in lists] == [
        ("p", ["Conditions:"]), ("ol", ["first", "second"]), ("p", ["Options:"]), ("ul", ["a", "b"]),
        ("ol", ["one", "two"]), ("p", ["Text", "2)", "not", "a", "list"])]
    converted = convert("Type: `string`\\\nDefault: `true`\n\n#123 fixed a bug\n\n| a |\n|---|\n| `String \\| Array` |\n\n"
                        "## `a > b`\n\n## `<T>` generic\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert tree[0].find("br") is not None and "\\" not in tree[0].text_content()
    assert (tree[1].tag, tree[1].text) == ("p", "#123 fixed a bug")
    assert tree.find(".//td/code").text == "String | Array"
    assert [h.get("id") for h in tree.iter("h2")] == ["a--b", "t-generic"]
    assert converted.block_lines == (1, 4, 6, 10, 12)
    # cosmiconfig's and ws' READMEs: a reference label that holds a code span
    links = markdown_to_tree("Use [`a`] and [`b()`][] and [the `<T>`][`<T>`] here.\n\n[`a`]: https://example.com/a\n"
                             "[`b()`]: https://example.com/b\n[`<T>`]: https://example.com/t\n")
    assert [(a.get("href"), a.text_content()) for a in links.iter("a")] == [
        ("https://example.com/a", "a"), ("https://example.com/b", "b()"), ("https://example.com/t", "the <T>")]


def test_list_items_indented_as_on_github():
    # cosmiconfig's, xmldom's and chromium-bidi's READMEs: two-space nesting, a paragraph and a numbered list in
    # an item, fenced code in a numbered item (three or four spaces); the structure Pandoc's gfm reader gives
    tree = markdown_to_tree("- a\n  - nested b\n- d\n\nAnd:\n\n* Node\n\n  props:\n\n    1. `E` (`1`)\n    2. two\n\n* Next\n\n"
                            "1. one\n\n    ```js\n    code()\n    ```\n2. two\n\n---\n\n1. uno\n   - sub\n2. dos\n")

    def shape(element) -> list:
        return [(child.tag, shape(child)) for child in element if child.tag in ("ul", "ol", "li", "p", "div")]

    assert shape(tree) == [
        ("ul", [("li", [("ul", [("li", [])])]), ("li", [])]), ("p", []),
        ("ul", [("li", [("p", []), ("p", []), ("ol", [("li", []), ("li", [])])]), ("li", [("p", [])])]),
        ("ol", [("li", [("p", []), ("div", [])]), ("li", [("p", [])])]),
        ("ol", [("li", [("ul", [("li", [])])]), ("li", [])])]
    # items numbered `1)`, code in the first (seen in a rendered page: "2) second" stayed text after the code)
    assert shape(markdown_to_tree("1) first\n\n    ```js\n    x()\n    ```\n2) second\n")) == [
        ("ol", [("li", [("p", []), ("div", [])]), ("li", [("p", [])])])]
    assert "code()" in tree[3][0][1].text_content() and "`" not in tree[2].text_content()
    # four spaces a level, as Python-Markdown wants them, read the same; a list in an indented code block stays code
    assert shape(markdown_to_tree("- a\n    - b\n        - c\n- d\n")) == [
        ("ul", [("li", [("ul", [("li", [("ul", [("li", [])])])])]), ("li", [])])]
    assert [c.tag for c in markdown_to_tree("Text\n\n    - not a list\n\nafter\n")] == ["p", "div", "p"]
    # a list inside fenced code after a list keeps its indentation (it is the code's text)
    code = markdown_to_tree("- a\n\n```yaml\n- a\n\n  b: 1\n```\n")
    assert "\n  b: 1" in code.find(".//code").text_content()


def test_npm_changelog_and_api_document_constructs_read_as_on_github():
    # Found by comparing 231 changelogs and API documents of npm's own packages (express, xmldom, smart-buffer,
    # undici, node-gyp) with Pandoc's gfm reader; each expectation is the structure it gives
    def shape(element) -> list:
        return [(child.tag, shape(child)) for child in element if child.tag in ("ul", "ol", "li", "p", "blockquote")]

    # a list right under a quote's line, and a list under text inside a quote
    converted = convert("> Released 07/24/2019\n* Adds int64\n* Drops node 4\n\n> _Notes_:\n> - order\n> - fork\n\nend\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert shape(tree) == [("blockquote", [("p", [])]), ("ul", [("li", []), ("li", [])]),
                           ("blockquote", [("p", []), ("ul", [("li", []), ("li", [])])]), ("p", [])]
    assert converted.block_lines == (1, 2, 5, 9)
    # fenced code with a word between, no blank lines: three blocks, not one paragraph around them
    converted = convert("```js\na()\n```\nor\n```js\nb()\n```\nend\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [(c.tag, c.text_content().strip()) for c in tree] == [
        ("div", "a()"), ("p", "or"), ("div", "b()"), ("p", "end")]
    assert converted.block_lines == (1, 4, 5, 8)
    # back to the outer list right after an item's paragraph; a list under text inside an item; after a nested
    # list, the items of the outer lists stay theirs
    tree = markdown_to_tree("  * `OS`: the system.\n\n    More about it.\n  * `PREFIX`: a prefix.\n\nThen:\n\n"
                            "- Avoid\n  - Improve\n\n    I needed to\n    - create\n    - export\n  - Preserve\n- Fix\n")
    assert shape(tree) == [
        ("ul", [("li", [("p", []), ("p", [])]), ("li", [("p", [])])]), ("p", []),
        ("ul", [("li", [("p", []), ("ul", [("li", [("p", []), ("p", []), ("ul", [("li", []), ("li", [])])]),
                                           ("li", [("p", [])])])]),
                ("li", [("p", [])])])]
    assert [li.text_content().split()[0] for li in tree[2].iterfind("li")] == ["Avoid", "Fix"]
    # ... while a wrapped item's lines stay one tight item (the guide's diagnosis list)
    tree = markdown_to_tree("2. **Imaging.** Pictures\n   of the knee.\n\n    - An X-ray shows\n      the bones.\n"
                            "    - An MRI scan\n      shows more.\n")
    assert shape(tree) == [("ol", [("li", [("p", []), ("ul", [("li", []), ("li", [])])])])]
    # black's release notes: a list under an item's wrapped paragraph; wmic-js: text right after an item's fenced
    # code is the item's; eslint-plugin-import: a fence indented by a space, its closing fence not
    tree = markdown_to_tree("1. Commit.\n\n   If major, there are\n   changes to make:\n   - Bump\n   - Find\n2. Wait\n\n"
                            "* Run it:\n  ```js\n  run()\n  ```\n  Please refer to the tests.\n\n* Next\n\n"
                            " ```js\n{\n }\n```\n\n### invalid\n")
    assert shape(tree) == [("ol", [("li", [("p", []), ("p", []), ("ul", [("li", []), ("li", [])])]), ("li", [("p", [])])]),
                           ("ul", [("li", [("p", []), ("p", [])]), ("li", [("p", [])])])]
    assert [c.tag for c in tree[2:]] == ["div", "h3"] and tree[2].text_content() == "{\n}\n"
    # send's and express' changelogs: a change of bullet begins a new list; undici's: a `-` alone is an empty item
    tree = markdown_to_tree("- a\n- b\n\n* c\n* **d**\n+ `e`\n\nThen:\n\n- **a** x\n-\n- c\n")
    assert [(c.tag, [li.text_content().strip() for li in c]) for c in tree] == [
        ("ul", ["a", "b"]), ("ul", ["c", "d"]), ("ul", ["e"]), ("p", []), ("ul", ["a x", "", "c"])]
    assert "new-list" not in lxml_html.tostring(tree, encoding="unicode")
    # debug's README: a closing fence indented otherwise than its opening one closes it; fd-slicer's: "0." indented
    # into an item is its text (an empty item cannot interrupt a paragraph)
    tree = markdown_to_tree(" ```cmd\nset X=1\n  ```\n\nThen run.\n\n * `start` - Defaults to\n   0.\n * `end`\n")
    assert [(c.tag, c.text_content().split()) for c in tree] == [
        ("div", ["set", "X=1"]), ("p", ["Then", "run."]), ("ul", ["start", "-", "Defaults", "to", "0.", "end"])]
    assert len(tree[2]) == 2


def test_a_backslash_escapes_any_ascii_punctuation():
    # mdBook's guide: "## Controlling page \\<title\\>" printed the backslashes (CommonMark: any ASCII punctuation)
    tree = markdown_to_tree("## Controlling page \\<title\\>\n\nFrom \\$5 \\& up, `\\<kept\\>` in code.\n")
    assert tree.find("h2").text == "Controlling page <title>" and tree.find("h2").get("id") == "controlling-page-title"
    assert tree.find("p").text_content() == "From $5 & up, \\<kept\\> in code."


def test_pandoc_fenced_divs_and_quarto_callouts():
    # Pandoc and Quarto books mark blocks with `:::` fences: they were paragraphs of colons
    converted = convert("Intro.\n\n::: warning\nText *here*.\n:::\n\n:::: {#outer .box}\nOuter.\n\n"
                        "::: {.callout-tip}\nInner **tip**.\n:::\n::::\n\n::: unclosed\nStays.\n\n```\n::: code\n:::\n```\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [(c.tag, c.get("class"), c.get("id")) for c in tree] == [
        ("p", None, None), ("div", "admonition warning", None), ("div", "box", "outer"), ("p", None, None),
        ("div", "highlight", None)]
    assert [c.text_content() for c in tree[1]] == ["Warning", "Text here."] and tree[1].find("p/em").text == "here"
    tip = tree[2].find("div")
    assert tip.get("class") == "admonition tip" and [c.text_content() for c in tip] == ["Tip", "Inner tip."]
    assert tree[3].text.startswith("::: unclosed") and "::: code" in tree[4].text_content()
    assert converted.block_lines == (1, 3, 7, 15, 18)


def test_vitepress_and_docusaurus_containers_are_admonitions():
    # vitepress 1.6.4's template/markdown-examples.md (npm, MIT): `::: tip`, `::: info`, `::: danger` and
    # `::: details` were plain paragraphs (only `warning` was boxed); Docusaurus writes `:::tip[Title]`
    tree = markdown_to_tree(":::tip[Read this]\nA *tip*.\n:::\n\n::: danger STOP & think\nNo.\n:::\n\n"
                            "::: info\nI.\n:::\n\n::: details Click me\nHidden **text**.\n:::\n\n::: box Two words\nx\n:::\n")
    assert [(c.tag, c.get("class")) for c in tree] == [("div", "admonition tip"), ("div", "admonition caution"),
                                                       ("div", "admonition note"), ("details", None), ("p", None)]
    assert [c[0].text for c in tree[:4]] == ["Read this", "STOP & think", "Info", "Click me"]
    assert tree[3].find("p/strong").text == "text" and tree[4].text.startswith("::: box Two words")  # no class takes words


def test_a_table_right_under_text_or_in_a_list_item_as_on_github():
    # (a real-world pass's own example): a list item's table with no blank line above it was printed as pipes
    tree = markdown_to_tree("1. Step one\n   | a | b |\n   |---|---|\n   | `x \\| y` | 2 |\n2. Step two\n\n"
                            "Para text\n| c | d |\n|:--|--:|\n| 3 | 4 |\n\n> Quote\n> | e |\n> |---|\n> | 5 |\n\n"
                            "a | b\n---\n")
    assert [li.text for li in tree.findall("ol/li")] == ["Step one", "Step two"]
    assert [c.text_content() for c in tree.find("ol/li/table").iter("td")] == ["x | y", "2"]
    assert [c.tag for c in tree] == ["ol", "p", "table", "blockquote", "h2"]  # (a `---` under text: a heading)
    assert [c.tag for c in tree.find("blockquote")] == ["p", "table"]


def test_mkdocs_admonitions_with_code_collapsibles_and_content_tabs():
    # mkdocstrings 1.0.8's and griffe 2.4.1's docs (PyPI, ISC): fenced code in a `!!! note` left the box as a
    # paragraph of text with its fences; `??? example "…"` and `=== "pip"` were indented code, and a shell
    # comment in a tab ("# or pip install …") became a heading that took the next section out of the contents
    text = ('!!! note "Title"\n\n    Text:\n\n    ```python\n    a = 1\n    ```\n\n'
            '??? example "JavaScript workaround"\n    Put this in a file.\n\n'
            '=== "pip"\n    ```bash\n    pip install griffe\n    # or pip install x\n    ```\n\n'
            "=== 'uv'\n    ```bash\n    uv add griffe\n    ```\n\n## Next section\n\nAfter.\n")
    tree = markdown_to_tree(text)
    assert [(c.tag, c.get("class")) for c in tree] == [
        ("div", "admonition note"), ("div", "admonition example"), ("div", "admonition tab"), ("div", "admonition tab"),
        ("h2", None), ("p", None)]
    assert [c[0].text for c in tree[:4]] == ["Title", "JavaScript workaround", "pip", "uv"]
    assert tree[0].find(".//pre/code").text_content() == "a = 1\n" and "```" not in tree.text_content()
    assert tree[2].find(".//pre/code").text_content() == "pip install griffe\n# or pip install x\n"


def test_tex_math_is_kept_as_written_and_prices_are_no_math():
    # sphinx-book-theme 1.4.0's docs (PyPI, BSD-3-Clause): `$$ … \\}_{c=1}^{C} … $$` was read as Markdown, `_` as
    # italics and `{c=1}` as an attribute list (an error in strict mode)
    tex = r"\left( \{(x^{c},y^{c})\}_{c=1}^{C} \right)"
    tree = markdown_to_tree(f"Shown:\n\n$$\n{tex}\n$$\n\nInline $a_i * b_i$ and $$x_1$$ here.\n")
    maths = tree.xpath(".//span[contains(@class, 'math')]")
    assert [(m.get("class"), m.text) for m in maths] == [("math display", tex), ("math", "a_i * b_i"), ("math display", "x_1")]
    assert not tree.xpath(".//em") and all(m.get("dir") == "ltr" for m in maths)
    # Pandoc's rules: no math where a `$` is a price or a shell prompt's, or in code
    for text in ("Costs $5,000–$15,000 in total.", "US$5 and US$10.", "Between $5 and $10 each.", "Run `$x$` or $ ls."):
        assert not markdown_to_tree(text).xpath(".//span[contains(@class, 'math')]"), text


def test_a_quote_or_an_alert_under_a_list_item_and_obsidian_callouts():
    # (a second real-world pass): "- item" / "  > quote" printed "> quote" as text; an alert in an item likewise;
    # Obsidian's `> [!info]- Title` was a quote starting "[!info]- Title"
    tree = markdown_to_tree("- bullet\n  > quote in a list\n\n1. step\n   > [!NOTE]\n   > Careful.\n2. next\n\n"
                            "> [!info]- Read this\n> Body.\n\n> [!danger]\n> Hot.\n\n> [!unknown]\n> Stays a quote.\n")
    assert tree.find("ul/li/blockquote/p").text == "quote in a list"
    note = tree.find("ol/li/div")
    assert note.get("class") == "admonition note" and note.text_content().split() == ["Note", "Careful."]
    assert [(c.get("class"), c[0].text) for c in tree.findall("div")] == [
        ("admonition note", "Read this"), ("admonition caution", "Danger")]
    assert tree.find("blockquote/p").text.startswith("[!unknown]")


def test_mdx_comments_and_contents_markers_are_left_out():
    # create-docusaurus 3.10.2's templates (npm, MIT): `## Heading {/* #id */}` gave "attribute '_' is not allowed"
    # (an error in strict mode) and `{/* truncate */}` was printed; GitLab's `[[_TOC_]]` printed as "[[TOC]]"
    converted = convert("[[_TOC_]]\n\n## Heading {/* #id */}\n\nText {/* a note */} here.\n\n{/* truncate */}\n\n"
                        "```js\n{/* kept in code */}\n```\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [c.tag for c in tree] == ["h2", "p", "div"] and tree[0].text == "Heading" and tree[0].get("id") == "heading"
    assert " ".join(tree[1].text.split()) == "Text here." and "{/* kept in code */}" in tree[2].text_content()


def test_myst_admonition_directives():
    # jupyter-book 2.1.7's and sphinx-book-theme 1.4.0's docs (PyPI, BSD-3-Clause): `:::{important} Objective` was
    # a paragraph showing its fences, ```{tip} And a tip!``` code with its title lost
    tree = markdown_to_tree(":::{important} Objective\nThe goal.\n:::\n\n```{tip} And a tip!\nTip text.\n```\n\n"
                            ":::{seealso}\n:class: margin\nOther pages.\n:::\n\n````{dropdown} Click\nHidden:\n\n"
                            "```py\nx = 1\n```\n````\n\n```{code-block} python\nprint(1)\n```\n")
    assert [(c.tag, c.get("class")) for c in tree] == [
        ("div", "admonition important"), ("div", "admonition tip"), ("div", "admonition note"), ("details", None),
        ("div", "highlight")]
    assert [c[0].text for c in tree[:4]] == ["Objective", "And a tip!", "See also", "Click"]
    assert tree[1][1].text == "Tip text." and tree[2][1].text == "Other pages." and ":::" not in tree.text_content()
    assert tree[3].find(".//pre/code").text_content() == "x = 1\n" and tree[4].text_content() == "print(1)\n"


def test_kramdown_attribute_lines_before_a_block():
    # googletest 1.15.0's docs (vendored in opencc 1.4.2, PyPI; BSD-3-Clause): `{: .callout .note}` over a note
    # was printed as typed; `* TOC` / `{:toc}` is where kramdown puts its contents
    converted = convert("Intro.\n\n{: .callout .note}\n*Note:* There might be\nconfusion.\n\n{: .callout .important}\n"
                        "> IMPORTANT: You must **not**\n> ignore it.\n\n* TOC\n{:toc}\n\nPara\n{: .kept}\n\n"
                        "{: #x .other}\nPlain.\n\n```\n{: .code}\n```\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [(c.tag, c.get("class")) for c in tree] == [
        ("p", None), ("div", "admonition note"), ("div", "admonition important"), ("p", "kept"), ("p", None),
        ("div", "highlight")]
    assert tree[2].text_content().split() == "IMPORTANT: You must not ignore it.".split()
    assert "{:" not in "".join(c.text_content() for c in tree[:5]) and "TOC" not in tree.text_content()
    assert converted.block_lines == (1, 3, 7, 14, 18, 20)


def test_headings_in_a_row_are_blocks_of_their_own_and_repeats_number_on():
    """Python-Markdown re-split a block after each heading taken off it, and the repeat numbering counted from 1
    for each heading: 5,000 "# h" lines in a row took 5 s, quadratically more for more. Each heading and
    admonition line now starts a block of its own, and a repeat numbers on from the last one given."""
    from book.convert.gfm import _HeadingsOnTheirOwn

    lines = ["a", "# h", "b", "!!! note", "    x", "    # not a heading", "## h", "## h"]
    assert _HeadingsOnTheirOwn(None).run(lines) == [
        "a", "", "# h", "", "b", "", "!!! note", "    x", "    # not a heading", "", "## h", "", "## h"]
    converted = convert("Intro\n## h\ntext\n## h {#h-1}\n## h\n## h\n")
    tree = lxml_html.fragment_fromstring(converted.html, create_parent="div")
    assert [(c.tag, c.get("id")) for c in tree] == [("p", None), ("h2", "h"), ("p", None), ("h2", "h-1"), ("h2", "h-2"),
                                                    ("h2", "h-3")]
    assert converted.block_lines == (1, 2, 3, 4, 5, 6)


def test_problems_inside_a_details_block_name_their_own_lines(tmp_path):
    text = ("<details>\n<summary>S</summary>\n\n[x](#nowhere)\n<span onclick='x'>a</span>\n\n</details>\n\n"
            "[y](#nowhere2)\n\n<details>\n<summary>T</summary>\n\n#### skip\n\n</details>\n")
    p = chapter(tmp_path, "one", text)
    assert [e.line for e in resolve_links([p], unique_ids([p]))[1]] == [4, 9]
    assert [e.split(":")[1] for e in problems(tmp_path, text)] == ["5", "14"]


def test_details_open_with_their_summary_and_web_links_hold_one_hash():
    # EPUBCheck: "missing required element summary" (Node.js's release guide), "not a valid URI" (a Matrix room)
    tree = markdown_to_tree('<details>\n\n**a.** Select\n\n</details>\n\n<details><p>x</p><summary>S</summary>tail</details>\n\n'
                            '[room](https://matrix.to/#/#psmisc:dropbear.xyz)\n')
    assert [(e.tag, e[0].tag) for e in tree if e.tag in ("div", "details")] == [("div", "p"), ("details", "summary")]
    assert tree.find("details").text_content() == "Sxtail"
    assert tree.find("p/a").get("href") == "https://matrix.to/#/%23psmisc:dropbear.xyz"


@pytest.mark.parametrize("abrupt", ["<!--->", "<!-->"])
def test_abrupt_comments_are_text_and_swallow_no_blocks(abrupt):
    # found by test_fuzz: `<!--->` made Python-Markdown read on to the next `-->`, and the <figure> between ended
    # up inside a <p>, which EPUBCheck refuses. GitHub (and Pandoc -f gfm) show `<!-->` and `<!--->` as text.
    tree = markdown_to_tree(f"- item {abrupt} text\n\n<figure>\n<figcaption>A</figcaption>\n</figure>\n"
                            "> <!-- a real comment -->\n")
    assert [e.tag for e in tree] == ["ul", "figure", "blockquote"]
    assert tree.xpath("string(//li)") == f"item {abrupt} text"
    assert "real comment" not in etree.tostring(tree, encoding="unicode")


@pytest.mark.parametrize("text", ["> quote\n\n: after a quote", "# Heading\n\n: after a heading",
                                  "- item\n\n: after a list"])
def test_a_definition_without_a_term_is_a_paragraph(text):
    # found by test_fuzz: Python-Markdown made these a <dl> opening with a <dd>, which EPUBCheck refuses
    tree = markdown_to_tree(text)
    assert not tree.xpath("//dl | //dd") and tree.xpath("//p")[-1].text.startswith(": after")
    definitions = markdown_to_tree("Term\n: one\n\n: two\n\nLoose term\n\n: three\n")
    assert [e.tag for e in definitions.xpath("//dl/*")] == ["dt", "dd", "dd", "dt", "dd"]


def test_gfm_output_passes_the_allow_list(tmp_path):
    text = "- [x] done\n\n~~gone~~ https://example.com\n\n```js\nlet a = 1;\n```\n\n| a |\n|--:|\n| 1 |\n"
    assert problems(tmp_path, text) == []


def test_tags_that_are_no_html_element_are_text(tmp_path):
    text = "A `Map` is a Map<K, V>, a <string> or a <number[]>; <T> too, but <b>bold</b> is bold.\n"
    tree = markdown_to_tree(text)
    assert " ".join(tree.text_content().split()) == "A Map is a Map<K, V>, a <string> or a <number[]>; <T> too, but bold is bold."
    assert tree.xpath("//b/text()") == ["bold"]
    assert problems(tmp_path, text) == []


def test_nothing_is_left_inside_a_word_break():
    tree = markdown_to_tree("a<wbr>b *c* d\n")
    assert tree.xpath("//wbr")[0].text is None and not len(tree.xpath("//wbr")[0])
    assert " ".join(tree.text_content().split()) == "ab c d"


def test_crlf_and_byte_order_mark_before_front_matter(tmp_path):
    source = tmp_path / "chapters" / "01-a.md"
    source.parent.mkdir()
    source.write_bytes("\ufeff---\r\ntitle: Windows\r\n---\r\n\r\nText one.\r\n\r\n## Next\r\n".encode("utf-8"))
    loaded = load_chapter(source, tmp_path)
    assert loaded.title == "Windows" and "\r" not in loaded.text
    assert loaded.text.split("\n")[6] == "## Next"  # line 7 stays line 7


# --- Exact lines -------------------------------------------------------------------------------------------

def test_every_block_knows_its_line():
    text = ("Intro.\n\n```python\ncode\n\nmore code\n```\n\n<div class=\"x\">\nraw\n\nstill raw\n</div>\n\n"
            "## Heading\n\n- a\n- b\n\n> quote\n\n| a |\n|---|\n| 1 |\n\nLast.\n")
    assert convert(text).block_lines == (1, 3, 9, 15, 17, 20, 22, 26)


def test_empty_id_is_reported_on_its_own_line_not_the_first_similar_one(tmp_path):
    text = "## Prices {#prices}\n\n" + "Text.\n\n" * 10 + "## Aside {#}\n"
    assert problems(tmp_path, text) == ["one.md:23: empty id (write {#some-name} or leave the braces out)"]


@pytest.mark.parametrize("snippet, message", [
    ("<iframe src='x.html'></iframe>", "raw HTML <iframe> is not allowed"),
    ("<p title='a' onclick='x()'>Hi</p>", "event attribute 'onclick' is not allowed"),
    ("<code number='1'>x</code>", "attribute 'number' is not allowed on <code>"),
    ("[Click](javascript:alert(1))", "link 'javascript:alert(1)' uses a forbidden scheme"),
    ("![A knee](images/knee.png)", "image not found: images/knee.png"),
    ("![A knee](https://example.com/k.png)", "'https://example.com/k.png' is a remote or file:// resource"),
    ("##", "empty heading"),
])
def test_each_kind_of_problem_names_its_line(snippet, message, tmp_path):
    text = f"Intro.\n\n## Fine\n\nText with `code`.\n\n- item\n\n{snippet}\n"  # the bad one on line 9
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith(f"one.md:9: {message}"), found


def test_problem_deep_in_a_long_block_names_its_own_line(tmp_path):
    text = "Intro.\n\n- one\n- two\n- three <span onclick='x'>x</span>\n- four\n"
    assert problems(tmp_path, text) == ["one.md:5: event attribute 'onclick' is not allowed (remove it)"]
    # an attribute without a value (a real-world pass: `nowrap` was placed on the table's first line)
    text = "Intro.\n\n<table>\n  <tr><th>Name</th>\n  <th nowrap>Value</th></tr>\n</table>\n"
    assert problems(tmp_path, text) == ["one.md:5: attribute 'nowrap' is not allowed on <th> (remove it)"]


def test_links_and_duplicate_ids_name_their_lines(tmp_path):
    one = chapter(tmp_path, "one", "# One\n\n## Same {#same}\n\nSee [x](two.md#nowhere).\n\nAnd [y](gone.md).\n")
    two = chapter(tmp_path, "two", "Text.\n\n\n## Also {#same}\n\n[z](#missing)\n")
    assert [str(e) for e in duplicate_ids([one, two])[1]] == [
        "two.md:4: duplicate id 'same' (also one.md:3) (ids must be unique in the whole book: rename one of them)"]
    renames = unique_ids([one, two])
    found = [str(e) for e in resolve_links([one, two], renames)[1]]
    assert found == ["one.md:5: no anchor '#nowhere' in two.md (check the file name and the #anchor)",
                     "one.md:7: link to unknown chapter 'gone.md' (check the file name and the #anchor)",
                     "two.md:6: no anchor '#missing' in this chapter or the book (check the file name and the #anchor)"]


def test_lenient_mode_renames_an_authors_id_used_twice_and_its_own_links_follow(tmp_path):
    """Two copies of Rust's release notes (stable and nightly) both mark `<a id="1.95-Language">`: not strict, the
    later one is renamed with a warning, and the links of its own chapter lead to its own anchor."""
    one = chapter(tmp_path, "one", '<a id="v1"></a>\n\n## One\n\nSee [v1](#v1).\n')
    two = chapter(tmp_path, "two", '<a id="v1"></a>\n\n## Two\n\nSee [v1](#v1) and [theirs](one.md#v1).\n')
    chapters, found = duplicate_ids([one, two], strict=False)
    assert [str(e) for e in found] == ["two.md:1: warning: duplicate id 'v1' (also one.md:1); this one renamed "
                                       "(ids must be unique in the whole book: rename one of them)"]
    resolved, errors = resolve_links(chapters, unique_ids(chapters), strict=False)
    assert errors == []
    assert [(a.get("id"), a.get("href")) for a in resolved[1].body().iter("a")] == [
        ("two-v1", None), (None, "#two-v1"), (None, "#v1")]
    assert [(a.get("id"), a.get("href")) for a in resolved[0].body().iter("a")] == [("v1", None), (None, "#v1")]


def test_generated_ids_yield_to_the_authors(tmp_path):
    one = chapter(tmp_path, "one", "## Overview\n\n## Tbl prices\n\nNote.[^a]\n\n[^a]: A note.\n")
    two = chapter(tmp_path, "two", "## Overview\n\n<table id=\"tbl-prices\"><tr><td>1</td></tr></table>\n\nNote.[^a]\n\n[^a]: B.\n")
    assert duplicate_ids([one, two]) == ([one, two], [])
    renames = unique_ids([one, two])
    assert renames["two"]["tbl-prices"] == "tbl-prices" and renames["one"]["tbl-prices"] == "one-tbl-prices"
    assert renames["two"]["overview"] == "two-overview" and renames["two"]["fn-a"] == "two-fn-a"


def test_a_chapters_own_title_is_an_anchor(tmp_path):
    one = chapter(tmp_path, "one", "See [two](two.md#part-one-the-basics) and [me](#one).\n")
    two = ParsedChapter.of(Chapter(tmp_path / "two.md", "two.md", "two", "Part one: The basics", True, "chapter", "", "Hi.\n"),
                           "Hi.\n", convert("Hi.\n"))
    (tmp_path / "two.md").write_text("# Part one: The basics\n\nHi.\n")
    (one, _), errors = resolve_links([one, two], unique_ids([one, two]))
    assert errors == [] and [a.get("href") for a in one.body().iter("a")] == ["#ch-two", "#ch-one"]


README_LINKS = """# cosmiconfig

- [cosmiconfig()](#cosmiconfig-1), [the search](#Search-Places), [retry](#retry-stream), [parse](#parse)
- [the title](#cosmiconfig), [the other's](two.md#Other-Heading), [theirs](two.md#usage)

## API

### cosmiconfig()

<a name="retry-stream"></a>
## Search places

### <a name="parse"></a> `parse(text)`

### <a name="parse"></a> `parse.quiet(text)`

<a name="search-places">Also a heading's id.</a> <a name="two words">No id has a space.</a>
"""


def test_links_written_for_github_lead_where_they_lead_on_github(tmp_path):
    # READMEs link to `<a name>` anchors, write #fragments in any case (GitHub's heading ids are lowercase and it
    # finds them anyway), and count a heading like the `# Title` as a repeat ("cosmiconfig-1")
    from book.load.project import load_project

    project = copy_fixture("small", tmp_path)
    (project / "chapters" / "01-intro.md").write_text(README_LINKS)
    (project / "chapters" / "02-details.md").write_text("# Two\n\n## Other heading\n\n<a name=\"usage\"></a>Use it.\n")
    (project / "chapters" / "02-details.md").rename(project / "chapters" / "two.md")
    config = (project / "book.yaml").read_text()
    (project / "book.yaml").write_text(config + "chapters: [chapters/01-intro.md, chapters/two.md]\n")
    one, two = load_project(project).chapters
    body = one.body()
    assert [a.get("href") for a in body.iter("a") if a.get("href")] == [
        "#cosmiconfig-1", "#search-places", "#retry-stream", "#parse", "#ch-intro", "#other-heading", "#usage"]
    assert [(e.tag, e.get("id")) for e in body.iter() if e.get("id")] == [
        ("h2", "api"), ("h3", "cosmiconfig-1"), ("a", "retry-stream"), ("h2", "search-places"), ("h3", "parsetext"),
        ("a", "parse"), ("h3", "parsequiettext")]
    assert body.xpath(".//@name") == []  # no valid XHTML 5: dropped where it could not become an id
    assert [(e.tag, e.get("id")) for e in two.body().iter() if e.get("id")] == [("h2", "other-heading"), ("a", "usage")]


# --- Lenient mode ----------------------------------------------------------------------------------------------

def test_lenient_links_are_warnings_and_plain_text(tmp_path):
    one = chapter(tmp_path, "one", "Go to [the site](other.html), [gone](gone.md) or [nowhere](#nowhere).\n")
    (resolved,), found = resolve_links([one], unique_ids([one]), strict=False)
    assert [e.warning for e in found] == [True, True, True]
    assert str(found[0]).startswith("one.md:1: warning: link to 'other.html' is not a chapter")
    body = resolved.body()
    assert not list(body.iter("a")) and body.text_content().strip() == "Go to the site, gone or nowhere."
    assert len(one.body().xpath(".//a")) == 3  # the chapter given stays as it was


def test_escape_mode_shows_unknown_tags_as_text_but_refuses_unsafe_ones(tmp_path):
    text = "<center>Middle</center>\n\nA <font color='red'>red</font> word with <span style='color: red' dir='x'>style</span>.\n"
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, "escape")
    assert [str(e) for e in found] == [
        "one.md:1: warning: raw HTML <center> is not allowed; shown as text (remove it, or write what it should look like in Markdown)",
        "one.md:3: warning: raw HTML <font> is not allowed; shown as text (remove it, or write what it should look like in Markdown)",
        "one.md:3: warning: attribute 'style' is not allowed on <span>; dropped (styling belongs in the book's CSS)"]
    assert " ".join(body.text_content().split()) == "<center>Middle</center> A <font color=\"red\">red</font> word with style."
    unsafe = "<script>alert(1)</script>\n\n<p onclick='x()'>Hi</p>\n\n[a](javascript:x)\n\n![A](https://example.com/a.png)\n"
    found = problems_objects(tmp_path, unsafe, "escape")
    assert [e.warning for e in found] == [True, False, False, False]  # only the tag can be shown as text
    assert str(found[0]).startswith("x.md:1: warning: raw HTML <script> is not allowed; shown as text")


def test_escape_mode_shows_unsafe_tags_as_inert_text(tmp_path):
    text = ('<script>alert(1)</script>\n\nA <object data="x.swf"><param name="a" value="b"></object> and'
            ' <input type="checkbox" onclick="x()">.\n\n<video><source src="a.mp4"></video>\n')
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, "escape")
    assert all(e.warning for e in found) and len(found) == 6
    assert {e.line for e in found} == {1, 3, 5}
    assert [e.tag for e in body.iter() if e is not body] == ["div", "p", "span", "span", "span", "div", "span"]
    serialised = lxml_html.tostring(body, encoding="unicode")
    assert "<script" not in serialised and "&lt;script&gt;alert(1)" in serialised
    assert not [name for e in body.iter() for name in e.attrib]  # `onclick` and the rest are text only
    assert " ".join(body.text_content().split()) == (
        '<script>alert(1)</script> A <object data="x.swf"><param name="a" value="b"></object> and'
        ' <input type="checkbox" onclick="x()">. <video><source src="a.mp4"></video>')


def test_lenient_images_are_left_out_with_their_alt_text(tmp_path):
    text = ("# T\n\n[![build status](https://img.shields.io/b.svg)](https://ci.example.com) and"
            " ![the logo](missing/logo.png) and <img src='//cdn.example.com/x.png' alt='CDN'>\n")
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, "escape", strict=False)
    assert [str(e) for e in found] == [
        "one.md:3: warning: remote image 'https://img.shields.io/b.svg' left out (the build never fetches from the"
        " network) (copy the image into the project and use a relative path)",
        "one.md:3: warning: image not found: missing/logo.png; left out (check the file name and folder)",
        "one.md:3: warning: remote image '//cdn.example.com/x.png' left out (the build never fetches from the"
        " network) (copy the image into the project and use a relative path)"]
    assert not list(body.iter("img"))
    assert " ".join(body.text_content().split()) == "T build status and the logo and CDN"
    assert [a.get("href") for a in body.iter("a")] == ["https://ci.example.com"]  # a linked badge keeps its link
    strict = problems_objects(tmp_path, text, "escape")
    assert len(strict) == 3 and not any(e.warning for e in strict)


def test_a_raw_link_around_its_own_url_stays_one_link(tmp_path):
    tree = markdown_to_tree('Docs: <a href="https://x.dev/" target="_blank">https://x.dev</a> and https://y.dev\n')
    assert [(a.get("href"), a.text) for a in tree.iter("a")] == [("https://x.dev/", "https://x.dev"),
                                                                 ("https://y.dev", "https://y.dev")]


def test_web_links_hold_only_url_characters():
    tree = markdown_to_tree("See https://example.com/[31m and <a href='https://x.org/a b'>x</a>.\n")
    assert [a.get("href") for a in tree.iter("a")] == ["https://example.com/%5B31m", "https://x.org/a%20b"]


def test_alt_is_only_for_images(tmp_path):
    text = '<a href="https://x.dev" alt>x</a> ![y](y.png)\n'
    from PIL import Image
    Image.new("RGB", (2, 2)).save(tmp_path / "y.png")
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, "escape")
    assert [str(e) for e in found] == ["one.md:1: warning: attribute 'alt' is not allowed on <a>; dropped (remove it)"]
    assert [e.get("alt") for e in body.iter("a", "img")] == [None, "y"]


def test_attributes_stay_only_where_xhtml_allows_them_and_with_values_it_takes(tmp_path):
    # node-emoji 2.2.0's and liquidjs 10.30.1's READMEs (npm, MIT): an all-contributors table, `<td align="center"
    # valign="top" width="14.28%">`; `width` passed on any tag, and EPUBCheck refused 13 and 99 of them
    from PIL import Image
    Image.new("RGB", (2, 2)).save(tmp_path / "y.png")
    text = ('<table width="100%"><tr><td width="14.28%" colspan="2">a</td><td rowspan="x">b</td></tr></table>\n\n'
            '<img src="y.png" width="100px;" height="50" alt="y"> <img src="y.png" width="50%" alt="z">\n\n'
            '<ul type="square"><li value="3">x</li></ul>\n\n<ol start="3" type="a"><li value="7">y</li></ol>\n\n'
            '<hr width="50%">\n')
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, "escape")
    assert [str(e).split(";")[0] for e in found] == [
        "one.md:1: warning: attribute 'width' is not allowed on <table>", "one.md:1: warning: attribute 'width' is not allowed on <td>",
        'one.md:1: warning: rowspan="x" on <td> is not valid', 'one.md:3: warning: width="50%" on <img> is not valid',
        "one.md:5: warning: attribute 'type' is not allowed on <ul>", 'one.md:5: warning: value="3" on <li> is not valid',
        "one.md:9: warning: attribute 'width' is not allowed on <hr>"]
    assert [dict(e.attrib) for e in body.iter("td", "img", "ol", "li")] == [
        {"colspan": "2"}, {}, {"src": "y.png", "width": "100", "height": "50", "alt": "y"}, {"src": "y.png", "alt": "z"},
        {}, {"start": "3", "type": "a"}, {"value": "7"}]
    assert len(problems(tmp_path, text)) == 7  # strict: each is an error


def test_lenient_empty_heading_is_left_out(tmp_path):
    text = "Text.\n\n##\n\nMore.\n"
    p = chapter(tmp_path, "one", text)
    body, found = sanitized(p, tmp_path, strict=False)
    assert [str(e) for e in found] == ["one.md:3: warning: empty heading left out (give it a title or remove the line)"]
    assert not body.xpath(".//h2") and " ".join(body.text_content().split()) == "Text. More."
    assert [str(e) for e in problems(tmp_path, text)] == ["one.md:3: empty heading (give it a title or remove the line)"]


def test_a_skipped_heading_level_is_an_error_or_shown_one_level_down(tmp_path):
    # one README in seven of tests/corpus/ skips levels: DAISY Ace reported it (heading-order) in the EPUB of
    # npm READMEs, and PDF/UA forbids it; the chapter's title is the level 1 its headings come under
    text = "### Install\n\n## Usage\n\n#### Options\n\n###### Deep\n\n<h5>Raw</h5>\n\n## Back up\n\n### Fine\n"
    p = chapter(tmp_path, "one", text)
    assert problems(tmp_path, text) == [
        "one.md:1: heading level 3 right after level 1 skips a level (make it ##: heading levels go down one at a time)",
        "one.md:5: heading level 4 right after level 2 skips a level (make it ###: heading levels go down one at a time)",
        "one.md:7: heading level 6 right after level 4 skips a level (make it #####: heading levels go down one at a time)"]
    body, found = sanitized(p, tmp_path, strict=False)
    assert [(e.line, e.message) for e in found] == [(1, "heading level 3 right after level 1; shown as level 2"),
                                                     (5, "heading level 4 right after level 2; shown as level 3"),
                                                     (7, "heading level 6 right after level 3; shown as level 4")]
    assert [(h.tag, h.text_content()) for h in body.iter("h1", "h2", "h3", "h4", "h5", "h6")] == [
        ("h2", "Install"), ("h2", "Usage"), ("h3", "Options"), ("h4", "Deep"), ("h5", "Raw"), ("h2", "Back up"),
        ("h3", "Fine")]
    assert body.xpath("//h3/@id") == ["options", "fine"]  # ids stay: links keep leading there


def test_a_web_link_with_nothing_to_read_is_an_error_or_left_out(tmp_path):
    # DAISY Ace: "links must have discernible text" (serious); 154 such links in an EPUB of 351 npm READMEs, most
    # of them sponsors' logos without alt text, left out as remote images
    text = ("Sponsor: [![](https://example.com/logo.png)](https://example.com/sponsor) and [](https://example.com/x).\n\n"
            "[![build](https://example.com/b.svg)](https://example.com/ci), [me](#one) and [](#one).\n")
    p = chapter(tmp_path, "one", text)
    assert [e for e in problems(tmp_path, text) if "no text" in e] == [
        "one.md:1: link to 'https://example.com/x' has no text (write the words a reader sees: [words](address))"]
    body, found = sanitized(p, tmp_path, strict=False)
    assert [str(e) for e in found if "no text" in e.message] == [
        "one.md:1: warning: link to 'https://example.com/x' has no text; left out (write the words a reader sees: "
        "[words](address))"]  # the logo's own warning says it was left out
    assert [(a.get("href"), a.text_content()) for a in body.iter("a")] == [
        ("https://example.com/ci", "build"), ("#one", "me"), ("#one", "")]  # an empty link inside: a cross-reference
    assert " ".join(body.text_content().split()).startswith("Sponsor: and .")


def test_a_documentation_tools_own_link_is_text_when_not_strict_an_unsafe_one_never(tmp_path):
    # pip's MyST docs (Debian's python3-pip) link to `pypug:tutorials/...`, Sphinx's intersphinx: no address
    text = "See [the tutorial](pypug:tutorials/installing-packages), [ftp](ftp://example.com/x).\n\n[x](JavaScript:alert(1))\n"
    p = chapter(tmp_path, "one", text)
    assert [e.split(" uses")[0] for e in problems(tmp_path, text)] == [
        "one.md:1: link 'pypug:tutorials/installing-packages'", "one.md:1: link 'ftp://example.com/x'",
        "one.md:3: link 'JavaScript:alert(1)'"]
    body, found = sanitized(p, tmp_path, strict=False)
    assert [(e.line, e.warning, e.message) for e in found] == [
        (1, True, "link 'pypug:tutorials/installing-packages' is no web address; shown as text"),
        (1, True, "link 'ftp://example.com/x' is no web address; shown as text"),
        (3, False, "link 'JavaScript:alert(1)' uses a forbidden scheme")]
    assert [a.get("href") for a in body.iter("a")] == ["JavaScript:alert(1)"]  # the error stops the build
    assert body.text_content().startswith("See the tutorial, ftp.")


# --- Titles, ids and front matter of Markdown written elsewhere ------------------------------------------------

def loaded(tmp_path: Path, name: str, text: str, strict: bool = True):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_chapter(tmp_path / name, tmp_path, strict)


@pytest.mark.parametrize("text, title, body", [
    ("Title\n=====\n\nText.\n", "Title", "\n\n\nText.\n"),
    ("<h1 align='center'>Raw <em>one</em></h1>\n\nText.\n", "Raw one", "\n\nText.\n"),
    ("<div>\n<h1>\n  Spread\n</h1>\n</div>\n", "Spread", "<div>\n\n\n\n</div>\n"),
    ("<p>\n  <img src='a.svg' alt='A'>\n  <h1 id='x'>Zod</h1>\n</p>\n", "Zod", "<p>\n  <img src='a.svg' alt='A'>\n  \n</p>\n"),
    ("```sh\n# a comment\n```\n\n# *attrs* by `Example`\n", "attrs by Example", "```sh\n# a comment\n```\n\n\n"),
    ("# 6.0 Migration Notes {: #6.0}\n", "6.0 Migration Notes", "\n"),
    ("# The <string> and <b>snake_case</b> &amp; \\*more\\*\n", "The <string> and snake_case & *more*", "\n"),
    ("Moji.js [![npm](https://b.io/m.svg)](https://npm.io)\n===\n", "Moji.js", "\n\n"),
    ("[Python-Markdown][]\n===\n\n[Python-Markdown]: https://x.org\n", "Python-Markdown",
     "\n\n\n[Python-Markdown]: https://x.org\n"),
    # a Pandoc title block (Rust's release notes): title, author, date; a continuation line starts with a space
    ("% Rust Release\n  *Notes*\n% The Team\n% 2026\n\nVersion 1\n===\n", "Rust Release Notes", "\n\n\n\n\nVersion 1\n===\n"),
    ("%d is a format\n\n# Title\n", "Title", "%d is a format\n\n\n"),
])
def test_setext_and_raw_h1_titles_in_every_mode(tmp_path, text, title, body):
    chapter = loaded(tmp_path, "a.md", text)
    assert (chapter.title, chapter.text, chapter.warnings) == (title, body, ())


def test_a_paragraph_line_over_equals_signs_is_no_title(tmp_path):
    with pytest.raises(BookError, match="chapter has no title"):
        loaded(tmp_path, "a.md", "Some words\nmore words\n===\n")


def test_no_title_lenient_takes_the_file_name_strict_refuses(tmp_path):
    text = "<p align='center'><img src='logo.png'></p>\n\nJust text.\n"
    chapter = loaded(tmp_path, "Read-Me.md", text, strict=False)
    assert (chapter.title, chapter.text) == ("Read-Me", text)
    assert [str(w) for w in chapter.warnings] == [
        "Read-Me.md:1: warning: chapter has no title; named 'Read-Me' after its file"
        " (add 'title:' front matter or a '# Title' line)"]
    with pytest.raises(BookError, match="Read-Me.md:1: chapter has no title"):
        loaded(tmp_path, "Read-Me.md", text)
    # a logo for a title: its alt text (chalk's README; katex 0.19.1's (npm, MIT) `# [![KaTeX](logo.svg)](…)` and a
    # <picture> in an <h1> were named after their file); without alt text the logo stays in the text
    for logo in ("<h1><img src='logo.svg' alt='Chalk'></h1>", "# [![Chalk](logo.svg)](https://x.dev)",
                 '<h1><a href="https://x.dev">\n  <picture>\n    <img alt="Chalk" width=130 src="l.svg">\n  </picture>\n</a></h1>'):
        logo_only = loaded(tmp_path, "b.md", f"{logo}\n\nText.\n")
        assert (logo_only.title, logo_only.text.strip(), logo_only.title_line) == ("Chalk", "Text.", 1)
    logo_only = loaded(tmp_path, "b.md", "<h1><img src='logo.svg'></h1>\n\nText.\n", strict=False)
    assert logo_only.title == "b" and logo_only.text.startswith("<h1><img")
    # no heading, a centred logo first (express's, FastAPI's READMEs): not strict, named after the logo's alt text
    text = '<p align="center">\n  <a href="https://x.dev"><img src="logo.png" alt="Express Logo"></a>\n</p>\n\nText.\n'
    named = loaded(tmp_path, "README.md", text, strict=False)
    assert (named.title, named.text) == ("Express", text) and [str(w) for w in named.warnings] == [
        "README.md:1: warning: chapter has no title; named 'Express' after the alt text of its opening logo"
        " (add 'title:' front matter or a '# Title' line)"]
    for first in ("[![build](https://img.shields.io/b.svg)](https://ci.dev)", "![logo](l.png) and words",
                  "![a](a.png) ![b](b.png)"):  # a badge, words beside the image, two images: the file's name
        assert loaded(tmp_path, "README.md", f"{first}\n\nText.\n", strict=False).title == "README"


def test_a_footnote_called_from_the_title_or_a_heading(tmp_path):
    # (a real-world pass's own example): a note called from the chapter's `# Title` was lost without a word and
    # left the calls reading 2, 3, 2 under notes 1 and 2; a heading's call made its id "section3" and its contents
    # entry "Section3"
    from book.convert.markdown import heading_text
    text = "# Notes[^t]\n\nText.[^a]\n\n## Section[^s]\n\nMore.[^a]\n\n[^t]: Title note.\n[^a]: Note A.\n[^s]: Section note.\n"
    chapter = loaded(tmp_path, "a.md", text)
    assert chapter.title == "Notes" and [str(w) for w in chapter.warnings] == [
        "a.md:1: warning: a footnote call in the chapter's title is left out, and its note with it"
        " (call the note from the chapter's first paragraph)"]
    tree = markdown_to_tree(chapter.text)
    assert [a.text for a in tree.xpath(".//a[@class='footnote-ref']")] == ["1", "2", "1"]
    assert [li.get("id") for li in tree.xpath(".//div[@class='footnote']//li")] == ["fn-a", "fn-s"]
    heading = tree.find(".//h2")
    assert heading.get("id") == "section" and heading_text(heading) == "Section"


def test_toml_front_matter_as_hugo_and_zola_write_it(tmp_path):
    # (a real-world pass): `+++` front matter was printed as a paragraph and its title lost
    chapter = loaded(tmp_path, "a.md", '+++\ntitle = "Getting started"\nweight = 10\n+++\n\nIntro.\n', strict=False)
    assert (chapter.title, chapter.text.strip()) == ("Getting started", "Intro.")
    assert [str(w).split(" (")[0] for w in chapter.warnings] == ["a.md:3: warning: unknown front-matter key 'weight' ignored"]
    with pytest.raises(BookError, match=r"a.md:2: invalid TOML: .*\(check the quotes and the '=' of that line\)"):
        loaded(tmp_path, "a.md", '+++\ntitle = "x\n+++\n\nText.\n')
    with pytest.raises(BookError, match=r"a.md:1: front matter is not closed \(end it with a line '\+\+\+'\)"):
        loaded(tmp_path, "a.md", '+++\ntitle = "x"\n\nText.\n')


def test_unknown_front_matter_key_lenient_is_a_warning(tmp_path):
    text = "---\ntitle: T\nicon: material/book\n---\nText.\n"
    chapter = loaded(tmp_path, "a.md", text, strict=False)
    assert chapter.title == "T" and [str(w) for w in chapter.warnings] == [
        "a.md:3: warning: unknown front-matter key 'icon' ignored (expected one of: title, id, numbered, type, class)"]
    with pytest.raises(BookError, match="a.md:3: unknown front-matter key 'icon'"):
        loaded(tmp_path, "a.md", text)


@pytest.mark.parametrize("stem, chapter_id", [("6.0", "6-0"), ("01-intro", "intro"), ("2024", "2024"),
                                              ("10_Getting Started", "getting-started"), ("v2.1", "v2-1")])
def test_chapter_ids_from_file_names(tmp_path, stem, chapter_id):
    assert loaded(tmp_path, f"{stem}.md", "# T\n").id == chapter_id


@pytest.mark.parametrize("body", ["Vue shows {{ message }} here.\n", "A literal {% if x %} without its end.\n",
                                  # guidebook's own README, as a Python package's description: an example call
                                  'Write `{{ table("costs") }}` where the table goes.\n'])
def test_lenient_chapter_that_is_no_template_is_taken_literally(tmp_path, body):
    from book.infra.templating import expand_chapters, layout_env
    chapter = loaded(tmp_path, "a.md", "# T\n\n" + body)
    expanded, found = expand_chapters([chapter], {}, {}, layout_env(tmp_path), strict=False)
    assert expanded == {"a": chapter.text} and [e.warning for e in found] == [True]
    assert str(found[0]).startswith("a.md:3: warning: ") and "the chapter is taken literally" in str(found[0])
    expanded, found = expand_chapters([chapter], {}, {}, layout_env(tmp_path))
    assert found and not any(e.warning for e in found)


def test_an_escaped_tag_inside_a_paragraph_stays_inline(tmp_path):
    text = "Some <nav>menu</nav> words.\n"
    p = chapter(tmp_path, "one", text)
    body, _ = sanitized(p, tmp_path, "escape")
    assert not body.xpath("//p//div") and " ".join(body.text_content().split()) == "Some <nav>menu</nav> words."


def problems_objects(tmp_path, text, raw_html):
    p = chapter(tmp_path, "x", text)
    return sanitized(p, tmp_path, raw_html)[1]


# --- Disclaimer, footnotes -------------------------------------------------------------------------------------

def test_disclaimer_goes_through_the_allow_list():
    bad = 'Hi <script>alert(1)</script><img src="x" onerror="y()"><a href="javascript:z()">z</a> <em>ok</em>'
    assert len(check_disclaimer(bad, 9)) == 3 and all(e.line == 9 for e in check_disclaimer(bad, 9))
    clean = disclaimer_html(bad)
    assert "script" not in clean and "onerror" not in clean and "javascript" not in clean and "<em>ok</em>" in clean
    assert check_disclaimer("Not <em>medical</em> advice, see <a href='https://example.com'>here</a>.", 9) == []


def test_a_note_cited_twice_is_printed_once():
    body = footnotes_inline(markdown_to_tree("One[^a] and again[^a].\n\n[^a]: The note.\n"))
    assert len(body.xpath("//span[@class='footnote']")) == 1
    again = body.xpath("//sup/a")
    assert len(again) == 1 and again[0].get("href") == "#" + body.xpath("//span[@class='footnote']/@id")[0]


# --- Real builds -------------------------------------------------------------------------------------------

GFM_CHAPTER = """\ufeff# Part three: GitHub's way\r
\r
<!-- written for GitHub -->\r
Back to [the start](01-intro.md#introduction), to [myself](#part-three-githubs-way), to\r
[a page elsewhere](other.html) and [a gap](#nowhere).\r
\r
## 가격\r
\r
- [x] checked\r
- [ ] open\r
\r
~~struck~~ and https://example.com/page and a <string> and <center>centred</center>.\r
\r
```python\r
def hello():\r
    return "world"\r
```\r
\r
| left | centre | right |\r
|:-----|:------:|------:|\r
| 1    | 2      | 3     |\r
\r
Once[^n] and twice[^n].\r
\r
[^n]: The only note.\r
\r
A plain table first:\r
\r
| x |\r
|---|\r
| y |\r
\r
{{ table("prices") }}\r
"""


@pytest.fixture(scope="module")
def lenient_build(tmp_path_factory):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from book.cli import main
    project = copy_fixture("small", tmp_path_factory.mktemp("lenient"))
    (project / "chapters" / "03-github.md").write_bytes(GFM_CHAPTER.encode("utf-8"))
    with open(project / "book.yaml", "a") as config:
        config.write("raw_html: escape\n")
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = main(["build", "-q", "--no-strict", "--project", str(project)])
    return project, code, err.getvalue()


def test_lenient_build_warns_with_lines_and_ends_with_the_count(lenient_build):
    project, code, err = lenient_build
    lines = err.strip().splitlines()
    assert code == 0, err
    assert lines == [
        "chapters/03-github.md:12: warning: raw HTML <center> is not allowed; shown as text (remove it, or write what it should look like in Markdown)",
        "chapters/03-github.md:5: warning: link to 'other.html' is not a chapter (links may point to chapters/*.md or web pages) (check the file name and the #anchor)",
        "chapters/03-github.md:5: warning: no anchor '#nowhere' in this chapter or the book (check the file name and the #anchor)",
        "3 warnings"]


def test_lenient_build_prints_gfm_in_both_outputs(lenient_build):
    project, _, _ = lenient_build
    pdf = project / "dist" / "a-small-test-book-print.pdf"
    text = " ".join(" ".join(pdf_pages_text(pdf)).split())
    assert "a page elsewhere and a gap" in text and "<string>" in text and "<center>centred</center>" in text
    assert 'def hello(): return "world"' in text and "가격" in text
    assert text.count("The only note.") == 1
    assert "Table 3.1" in text and "Table 3.2" not in text  # the plain table takes no number
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    epub = project / "dist" / "a-small-test-book-ebook.epub"
    page = epub_files(epub)["EPUB/github.xhtml"].decode()
    assert 'id="가격"' in page and '<span class="k">def</span>' in page and "<del>struck</del>" in page
    assert 'href="other.html"' not in page and "task-box done" in page and 'class="align-right"' in page
    assert b".highlight .k" in epub_files(epub)["EPUB/style/ebook.css"]
    assert_epubcheck_clean(epub)


def test_strict_build_lists_the_same_problems_as_errors(lenient_build, capsys):
    project, _, _ = lenient_build
    code, _, err = run(["check", "--project", str(project)], capsys)
    assert code == 1
    assert "chapters/03-github.md:5: link to 'other.html' is not a chapter" in err
    assert "warning" not in err.replace("warnings", "")


def test_an_id_with_a_space_is_an_error_with_its_line(tmp_path, capsys):
    """EPUBCheck rejects id="a b" (found by the fuzz test): the author hears of it at its line instead."""
    from book.cli import main
    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "01-intro.md"
    lines = chapter.read_text().splitlines()
    chapter.write_text("\n".join(lines + ["", 'Text <span id="a b">x</span> end.', ""]))
    assert main(["check", "--project", str(project)]) == 1
    line = len(lines) + 2
    assert f"chapters/01-intro.md:{line}: id 'a b' contains a space (an id is one word: write a-b)" in capsys.readouterr().err


@pytest.mark.parametrize("character", ["\u2029", "\u2028", "\x85"])
def test_invisible_separators_and_c1_controls_are_errors_with_their_line(tmp_path, capsys, character):
    """U+2029 crashed WeasyPrint's line breaking and C1 controls printed as boxes (both found by the fuzz test)."""
    from book.cli import main
    project = copy_fixture("small", tmp_path)
    (project / "chapters" / "03-odd.md").write_text(f"# Odd\n\nA line{character} here.\n", encoding="utf-8")
    assert main(["check", "--project", str(project)]) == 1
    assert f"chapters/03-odd.md:3: character U+{ord(character):04X} is not allowed in a chapter" in capsys.readouterr().err


def test_raw_html_nested_too_deep_is_an_error_not_a_crash(tmp_path, capsys):
    """1,000 nested <div>s overflowed the layout's recursion (an internal error); now the limit is named."""
    from book.cli import main
    from book.infra.limits import MAX_HTML_DEPTH
    project = copy_fixture("small", tmp_path)
    (project / "chapters" / "03-deep.md").write_text("# Deep\n\n" + "<div>" * 1000 + "x" + "</div>" * 1000 + "\n")
    assert main(["build", "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert f"chapters/03-deep.md:3: HTML nested more than {MAX_HTML_DEPTH} elements deep" in err, err
    assert not (project / "dist").exists()


def test_code_keeps_a_span_only_where_the_code_style_shows_one():
    """Tokens the built-in code colours leave unstyled (names, punctuation, whitespace) are plain text, others keep
    their span; the list of unstyled classes is the one Pygments' 'default' style (highlight.css) implies."""
    from pygments.formatters import HtmlFormatter
    from pygments.token import STANDARD_TYPES, Whitespace

    from book.convert.gfm import PLAIN_TOKEN

    page = html('```js\nconst a = require("x"); // <b>\n  foo.bar(1, 2)\n```\n\nA <span class="p">raw</span> span.\n')
    assert ('<code><span class="kd">const</span> a <span class="o">=</span> require(<span class="s2">"x"</span>); '
            '<span class="c1">// &lt;b&gt;</span>\n  foo.bar(<span class="mf">1</span>, <span class="mf">2</span>)\n</code>') in page
    assert '<span class="p">raw</span>' in page  # an author's span outside code is the author's
    plain = set(PLAIN_TOKEN.pattern.split("(?:")[1].split(")")[0].split("|"))
    style = HtmlFormatter(style="default", noclasses=True)
    unstyled = {name for token, name in STANDARD_TYPES.items() if name and not style._get_css_inline_styles(token)}
    assert plain == unstyled | {STANDARD_TYPES[Whitespace]}
    sheet = (Path(__file__).parents[1] / "book" / "layouts" / "highlight.css").read_text()
    assert not [name for name in plain - {"w"} if f".highlight .{name} " in sheet]
    assert ".highlight .w { color: #BBB }" in sheet  # a colour on spaces: nothing shows


def test_form_feeds_are_whitespace_and_lenient_mode_leaves_other_controls_out(tmp_path, capsys):
    """Licence texts separate pages with form feeds (FreeType's, in the JDK's legal/ folder), which CommonMark
    counts as whitespace and XHTML cannot hold: spaces. Other control characters stop a strict build at their
    line (above); a lenient one leaves them out and says where."""
    from book.cli import main
    from book.load.project import load_project
    project = copy_fixture("small", tmp_path)
    odd = project / "chapters" / "03-odd.md"
    odd.write_text("# Odd\n\nPage one.\n\f\nPage\ftwo\vends.\n", encoding="utf-8")
    chapter = next(c for c in load_project(project).chapters if c.chapter.source == odd)
    assert "<p>Page one.</p>" in chapter.html and "<p>Page two ends.</p>" in chapter.html
    odd.write_text("# Odd\n\nA bell\x07 rings\x01.\n", encoding="utf-8")
    assert main(["check", "--no-strict", "--project", str(project)]) == 0
    assert "chapters/03-odd.md:3: warning: character U+0007 left out, and 1 more such" in capsys.readouterr().err
    chapter = next(c for c in load_project(project, strict=False).chapters if c.chapter.source == odd)
    assert "<p>A bell rings.</p>" in chapter.html
