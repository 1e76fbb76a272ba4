"""The corpus books of tests/test_corpus.py (the documents no group holds) and tests/test_corpus_groups.py (the
groups).

Real Markdown nobody here wrote (tests/corpus/, origins and licences in MANIFEST.tsv), built in lenient mode.

Each document is laid out once: a few packages as books of their own (the default tagged PDF and the EPUB, in
each package's own folder tree so its links between files resolve), the other documents as one book (an untagged
PDF, which the parts engine lays out, and an EPUB). Nothing may end in an internal error, every EPUB passes
EPUBCheck and every PDF `qpdf --check`, at least 99 % of the words of each document reach the PDF and the EPUB,
and `check` in strict mode lists every problem of the whole corpus as `path:line: ...`. Two test files, so that
`make test`'s two workers build the one book and the groups at the same time.
"""
from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import re
import shutil
import subprocess
import time
import unicodedata
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import markdown
import markdown.extensions
from lxml import etree
from lxml import html as lxml_html
import pytest
from pypdf import PdfReader

from book.convert import markdown as book_markdown
from book.convert import gfm
from book.convert.gfm import GitHubHtmlBlocks
from book.cli import main

from conftest import epubcheck_jars, epubcheck_report

CORPUS = Path(__file__).resolve().parent / "corpus"
PERMISSIVE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Apache-2.0", "PSF-2.0", "CC0-1.0", "Unlicense"}
MIN_WORDS_KEPT = 0.99
# Built as books of their own: links between files (eslint-plugin-import), front matter and setext titles
# (markdown), pymdown-extensions' own syntax, CRLF (wmic-js), Chinese, Japanese and Korean (xss, moji,
# es-hangul), and badges, <img>, <p align> and <details> (express, chalk, remark-gfm's GFM tables).
GROUPS = {
    "eslint-plugin-import": ["eslint-plugin-import"],
    "markdown": ["markdown"],
    "pymdown-extensions": ["pymdown-extensions"],
    "crlf": ["wmic-js"],
    "cjk": ["xss", "moji", "es-hangul"],
    "html": ["express", "chalk", "remark-gfm"],
}
LENIENT = "strict: false\nraw_html: escape\n"
# One-sided with narrow margins: no blank page before each of the chapters, and fewer pages to lay out.
WHOLE_EDITIONS = "editions:\n  print: {format: pdf, pdf_variant: none, two_sided: false, margins: 12mm 12mm 12mm 12mm}\n  ebook: {format: epub}\n"
# CJK ideographs, kana and Hangul syllables count one by one: the PDF breaks lines between any two of them.
WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")
HYPHENATED = re.compile(r"([^\W_]+)[-\u2010\u00ad]\s*\n\s*([^\W_]+)")
BLOCKS = {"p", "div", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot",
          "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "aside", "header",
          "footer", "nav", "figure", "figcaption", "details", "summary", "hr", "br"}
EPUB_NS = "http://www.idpf.org/2007/ops"
WHERE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+): (?P<rest>\S.*)$")



@dataclass(frozen=True)
class Document:
    file: str  # path under tests/corpus/, as in MANIFEST.tsv
    package: str
    licence: str

    @property
    def folder(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def flat_name(self) -> str:
        """A chapter file name unique in the whole book (every package has a README.md)."""
        return re.sub(r"[^A-Za-z0-9]+", "-", self.file.removesuffix(".md")).strip("-") + ".md"


@dataclass(frozen=True)
class Build:
    name: str
    project: Path
    documents: tuple[Document, ...]
    chapter_paths: tuple[str, ...]  # as book.yaml lists them, in the documents' order
    code: int
    out: str
    err: str
    seconds: float

    def output(self, suffix: str) -> Path:
        found = sorted((self.project / "dist").glob(f"*{suffix}"))
        assert len(found) == 1, f"{self.name}: expected one {suffix} in dist/, found {found}\n{self.err}"
        return found[0]


def manifest() -> list[Document]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        return [Document(row["file"], row["package"], row["licence"])
                for row in csv.DictReader(handle, delimiter="\t")]


# --- building ---------------------------------------------------------------------------------------------

def _book_yaml(title: str, chapters: list[str], settings: str) -> str:
    listed = "".join(f"  - {json.dumps(path)}\n" for path in chapters)  # JSON strings are YAML strings
    return f"title: {json.dumps(title)}\nlanguage: en\ndate: 2026-01-01\n{settings}chapters:\n{listed}"


def _tree_paths(documents: list[Document]) -> list[str] | None:
    """The documents at their package paths, when no two would get the same chapter id (file name)."""
    stems = [Path(d.file).stem.lower() for d in documents]
    return [d.file for d in documents] if len(set(stems)) == len(stems) else None


def make_project(root: Path, documents: list[Document], settings: str, tree: bool) -> tuple[str, ...]:
    """A guidebook project of `documents` (bytes as shipped) at `root`: the chapter paths book.yaml lists."""
    paths = (_tree_paths(documents) if tree else None) or [f"chapters/{d.flat_name}" for d in documents]
    for document, path in zip(documents, paths):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / document.file, root / path)
    (root / "book.yaml").write_text(_book_yaml(f"Corpus: {root.name}", paths, settings), encoding="utf-8")
    return tuple(paths)


def run_cli(args: list[str]) -> tuple[int, str, str, float]:
    """Run the CLI in this process: (exit code, stdout, stderr, seconds)."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def build(name: str, root: Path, documents: list[Document], settings: str, tree: bool) -> Build:
    root.mkdir(parents=True)
    paths = make_project(root, documents, settings, tree)
    code, out, err, seconds = run_cli(["build", "-q", "--force", "--project", str(root)])
    return Build(name, root, tuple(documents), paths, code, out, err, seconds)


def build_and_check(base: Path, books: list[tuple[str, list[Document], str, bool]]) -> tuple[list[Build], dict[str, str]]:
    """Each (name, documents, settings, tree) book built in turn, EPUBCheck started on each EPUB as soon as it
    exists: (builds, EPUBCheck's report of each built book, '' when clean)."""
    builds = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        checks = {}
        for name, documents, settings, tree in books:
            done = build(name, base / name, documents, settings, tree)
            builds.append(done)
            if done.code == 0:
                checks[name] = pool.submit(_epubcheck_failure, done.output(".epub"))
        failures = {name: future.result() for name, future in checks.items()}
    return builds, failures


def _epubcheck_failure(path: Path) -> str:
    """EPUBCheck's report when it finds anything, else '' (one jar, the newer: each run costs seconds of CPU)."""
    code, report = epubcheck_report(epubcheck_jars()[0], path)
    if code != 0 or "ERROR" in report or "FATAL" in report or "WARNING" in report:
        return report
    return ""


def built(builds: list[Build]) -> list[Build]:
    """The builds that gave outputs (the others fail the exit-code test)."""
    done = [b for b in builds if b.code == 0]
    assert done, "no corpus build gave outputs"
    return done


def warned_documents(one: Build) -> set[str]:
    """Chapter paths that drew at least one warning."""
    lines = [WHERE.match(line) for line in one.err.splitlines()]
    return {m["path"] for m in lines if m and m["rest"].startswith("warning:")}


# --- what every build must give --------------------------------------------------------------------------

def exit_failures(builds: list[Build]) -> list[str]:
    return [f"{b.name}: exit {b.code}\n{b.err[-3000:]}" for b in builds
            if b.code != 0 or "internal error" in b.out + b.err]


def epubcheck_failures(builds: list[Build], failures: dict[str, str]) -> dict[str, str]:
    assert set(failures) == {b.name for b in built(builds)}
    return {name: report[-3000:] for name, report in failures.items() if report}


def qpdf_failures(builds: list[Build]) -> list[str]:
    problems = []
    for one in built(builds):
        result = subprocess.run(["qpdf", "--check", str(one.output(".pdf"))], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"{one.name}: {result.stdout}{result.stderr}")
    return problems


# --- no text silently lost ---------------------------------------------------------------------------------

def words(text: str) -> Counter:
    return Counter(WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def printed_words(text: str) -> Counter:
    """The words of printed text, with words the layout hyphenated at a line end also counted joined."""
    text = text.replace("\u00ad", "")
    return words(text) + Counter(a + b for a, b in HYPHENATED.findall(unicodedata.normalize("NFKC", text).casefold()))


class _ReferenceReading(markdown.extensions.Extension):
    """What the reference reading takes from guidebook's: MyST admonitions and MkDocs tabs read as Markdown, and a
    "tag" whose name is no HTML element as text (jupyter-book's `<xref:guide/roles>` made lxml refuse the
    reference's HTML)."""

    def extendMarkdown(self, md):
        md.preprocessors.register(gfm._MystDirectives(md), "myst", 29.75)
        md.preprocessors.register(gfm._PandocFencedDivs(md), "fenced_divs", 29.7)
        md.preprocessors.register(gfm._OtherToolsLines(md), "other_tools", 29.66)  # (content tabs: griffe's docs)
        md.inlinePatterns.register(gfm._InlineHtml(gfm.HTML_RE, md), "html", 90)


@functools.lru_cache(maxsize=None)  # the PDF and the EPUB test both need it
def document_words(document: Document) -> Counter:
    """The words of the document as the project's Markdown settings render it (front matter left out)."""
    text = (CORPUS / document.file).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    front = re.match(r"---\n.*?\n(---|\.\.\.)\n", text, re.S)
    if front:
        text = text[front.end():]
    # CommonMark's fence may be indented up to three spaces (Python-Markdown's not): attrs' " ```{towncrier…}" and
    # eslint-plugin-import's " ```javascript" were text here, their info strings words that GitHub does not show
    text = re.sub(r"(?m)^ {1,3}(`{3,}|~{3,})", r"\1", text)
    # GitHub's rule that Markdown resumes after a blank line in a <details> or <div> (not Python-Markdown's), and a
    # MyST admonition's body read as the Markdown it is (Sphinx docs: black's `{note}` holds a link, whose address
    # is no word of the page)
    html = markdown.markdown(text, extensions=[*book_markdown.EXTENSIONS, GitHubHtmlBlocks(), _ReferenceReading()],
                             extension_configs=book_markdown.EXTENSION_CONFIG, output_format="html")
    return words(block_text(lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")))


def block_text(tree) -> str:
    """The tree's text with a space around every block (`<p>a</p><p>b</p>` reads "a b", `<code>a</code>s` "as")."""
    for element in tree.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in BLOCKS:
            element.text = " " + (element.text or "")
            element.tail = " " + (element.tail or "")
    return "".join(tree.itertext())


def lost(expected: Counter, found: Counter) -> tuple[float, list[str]]:
    """(share of `expected` words found, a few of those missing)."""
    total = sum(expected.values())
    kept = sum(min(count, found[word]) for word, count in expected.items())
    missing = [word for word, count in expected.items() if found[word] < count]
    return (kept / total if total else 1.0), missing[:12]


def pdf_chapter_texts(pdf: Path, epub: Path, chapters: int) -> list[str]:
    """The printed text of each chapter, from its first page to the next chapter's.

    A chapter's first page is the print page the EPUB's page-list puts at the top of its file: the PDF's
    outline cannot say, since a document with several `# ` headings gives several top-level entries.
    """
    labels = PdfReader(str(pdf)).page_labels
    starts, after = [], 0
    for first in epub_chapter_first_pages(epub, chapters):
        assert first in labels[after:], f"{pdf.name}: no page labelled {first!r} after page {after}"
        after = labels.index(first, after)
        starts.append(after)
    starts.append(len(labels))
    # -layout: without it pdftotext joins "twelve-" at a line end and "factor" into "twelvefactor"
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split("\f")
    return ["\n".join(pages[starts[i]:starts[i + 1]]) for i in range(chapters)]


def epub_chapter_first_pages(epub: Path, chapters: int) -> list[str]:
    """The print page label each chapter starts on (its file's first page-break marker)."""
    firsts = []
    for body in epub_chapter_bodies(epub, chapters):
        marks = body.xpath(".//*[@epub:type='pagebreak' or @role='doc-pagebreak']", namespaces={"epub": EPUB_NS})
        assert marks, "a chapter file without a page-break marker: the print page map is incomplete"
        firsts.append(marks[0].get("aria-label") or marks[0].get("title"))
    return firsts


def epub_chapter_bodies(epub: Path, chapters: int) -> list:
    """The `<body>` of each chapter's XHTML file, in spine order (the last N spine items are the chapters)."""
    with zipfile.ZipFile(epub) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        opf = etree.fromstring(archive.read(opf_path))
        hrefs = {item.get("id"): item.get("href") for item in opf.xpath("//*[local-name()='item']")}
        spine = [hrefs[ref] for ref in opf.xpath("//*[local-name()='itemref']/@idref")][-chapters:]
        folder = str(Path(opf_path).parent)
        return [etree.fromstring(archive.read(f"{folder}/{href}" if folder != "." else href))
                .xpath("//*[local-name()='body']")[0] for href in spine]


def epub_chapter_texts(epub: Path, chapters: int) -> list[str]:
    return [block_text(body) for body in epub_chapter_bodies(epub, chapters)]


def _losses(builds: list[Build], texts_of) -> list[str]:
    problems = []
    for one in built(builds):
        for document, text in zip(one.documents, texts_of(one)):
            share, missing = lost(document_words(document), printed_words(text))
            if share < MIN_WORDS_KEPT:
                problems.append(f"{one.name}: {document.file}: {share:.1%} of its words, missing e.g. {missing}")
    return problems


def pdf_losses(builds: list[Build]) -> list[str]:
    return _losses(builds, lambda b: pdf_chapter_texts(b.output(".pdf"), b.output(".epub"), len(b.documents)))


def epub_losses(builds: list[Build]) -> list[str]:
    return _losses(builds, lambda b: epub_chapter_texts(b.output(".epub"), len(b.documents)))


# --- what every corpus book must give: tests/test_corpus.py and tests/test_corpus_groups.py import these, and
# pytest runs them there against that file's `books` fixture ((builds, EPUBCheck reports)) ---------------------
@pytest.mark.slow
def test_every_build_exits_0_without_internal_error(books):
    failed = exit_failures(books[0])
    assert not failed, "\n\n".join(failed)


@pytest.mark.slow
def test_every_epub_passes_epubcheck(books):
    bad = epubcheck_failures(*books)
    assert not bad, "\n\n".join(f"{name}:\n{report}" for name, report in bad.items())


@pytest.mark.slow
def test_every_pdf_passes_qpdf_check(books):
    problems = qpdf_failures(books[0])
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_no_text_lost_in_the_pdf(books):
    problems = pdf_losses(books[0])
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_no_text_lost_in_the_epub(books):
    problems = epub_losses(books[0])
    assert not problems, "\n".join(problems)
