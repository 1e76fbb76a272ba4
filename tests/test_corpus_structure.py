"""Every GitHub-flavoured document of the real-world corpus (tests/corpus/) read into the same block structure as
Pandoc's gfm reader gives: as many headings of each level, lists, list items, code blocks, tables, rows, quotes
and definition lists. Where guidebook reads a document otherwise on purpose, or in a known gap, KNOWN says why.
This caught a list right under a quote's line, lists under text inside items, text after fenced code in an item,
and a fence indented by a space (tests/test_markdown.py has each as a small case).
"""
from __future__ import annotations

import collections
import shutil
import subprocess

import pytest
from lxml import html as lxml_html

from book.convert.markdown import markdown_to_html
from book.load.content import _split_front_matter
from corpus_books import CORPUS, manifest

pytestmark = pytest.mark.corpus

BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre", "table", "tr", "blockquote", "dl")
# Written for Python-Markdown, not for GitHub: their own syntax (admonitions, attribute lists, setext titles)
PYTHON_MARKDOWN = {"markdown", "pymdown-extensions", "mkdocstrings", "griffe"}  # (the last two: MkDocs sites)
KNOWN = {
    # GitHub's alerts are admonitions here (a titled box, not a quote)
    "cors/README.md": "alert",
    "markdown-it/README.md": "alert",
    "vitejs-plugin-react/README.md": "alert",
    # MkDocs' `!!! tip` admonition, as Python-Markdown reads it
    "starlette/docs/config.md": "admonition",
    # MyST's admonition directives (Sphinx docs: ```{note}) are admonitions here, code to GitHub and Pandoc
    "black/docs/contributing/gauging_changes.md": "MyST admonition",
    "black/docs/contributing/issue_triage.md": "MyST admonition",
    "black/docs/contributing/release_process.md": "MyST admonition",
    "click/docs/arguments.md": "MyST admonition",
    "sphinx-book-theme/docs/reference/special-theme-elements.md": "MyST admonition",
    # a line right under an item's text goes on the item's paragraph (a lazy line, as CommonMark and GitHub have
    # it); Pandoc's reader ends the list there when the item's line holds a `|` (its table extension's doing:
    # "* `string | URL`" then "lazy text" gives a list and a paragraph, "* `string URL`" one item)
    "undici/docs/docs/api/ProxyAgent.md": "Pandoc's lazy line after a pipe",
}


def _blocks(html: str) -> dict[str, int]:
    tree = lxml_html.fragment_fromstring(html, create_parent="div")
    counted = collections.Counter(element.tag for element in tree.iter() if isinstance(element.tag, str))
    return {tag: counted[tag] for tag in BLOCKS}


def test_corpus_documents_have_the_block_structure_github_gives():
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")  # make test installs it (tools/system-deps.sh)
    documents = [d for d in manifest() if d.package not in PYTHON_MARKDOWN]
    assert len(documents) > 120
    differing = {}
    for document in documents:
        text = (CORPUS / document.file).read_bytes().decode("utf-8").replace("\r\n", "\n")
        _, body, _, _ = _split_front_matter(text, document.file)  # (the loader takes a chapter's front matter)
        ours = _blocks(markdown_to_html(body).html)
        pandoc = subprocess.run(["pandoc", "-f", "gfm", "-t", "html", "--no-highlight"], input=body,
                                capture_output=True, text=True, check=True).stdout
        theirs = _blocks(pandoc or "<p></p>")
        if ours != theirs:
            differing[document.file] = {tag: (ours[tag], theirs[tag]) for tag in BLOCKS if ours[tag] != theirs[tag]}
    unexpected = {file: counts for file, counts in differing.items() if file not in KNOWN}
    assert not unexpected, f"(ours, Pandoc's) block counts differ: {unexpected}"
    fixed = set(KNOWN) - set(differing)
    assert not fixed, f"now read as GitHub reads them: take them out of KNOWN: {fixed}"
