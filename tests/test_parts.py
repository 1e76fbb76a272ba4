"""The fast path (chapters laid out as parts, merged) gives what a single-document render gives."""
from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from book.cli import main
from conftest import FIXTURES, pdf_pages_text
from pdf_checks import link_targets, outline_titles


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    project = tmp_path_factory.mktemp("parts") / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    # a longer book, so body pages carry running heads and folios and chapters need blank pages
    for n in range(3, 7):
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(14))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(f"# More {n}\n\n## Part A\n\n{text}\n\n## Part B\n\nSee [](02-details.md#prices).\n")
    assert main(["build", "-q", "--project", str(project), "parts", "single"]) == 0
    dist = project / "dist"
    return dist / "editions-test-book-parts.pdf", dist / "editions-test-book-single.pdf"


def test_same_text_on_every_page(both):
    parts, single = (pdf_pages_text(p) for p in both)
    assert len(parts) == len(single) > 12
    for a, b in zip(parts, single):
        assert a.replace("Parts edition", "X") == b.replace("Single edition", "X")


def test_same_outline_links_and_labels(both):
    parts, single = both
    assert outline_titles(parts) == outline_titles(single)
    pages = len(PdfReader(str(single)).pages)
    assert [link_targets(parts, i) for i in range(pages)] == [link_targets(single, i) for i in range(pages)]
    assert PdfReader(str(parts)).page_labels == PdfReader(str(single)).page_labels


def test_parts_are_reused_from_the_cache(both, capsys):
    project = both[0].parent.parent
    cached = sorted((project / ".cache" / "parts").iterdir())
    assert cached
    before = {p.name: p.stat().st_mtime_ns for p in cached}
    chapter = project / "chapters" / "04-more4.md"
    chapter.write_text(chapter.read_text().replace("Paragraph 3 of", "Paragraph three of"))
    assert main(["build", "-q", "--project", str(project), "parts"]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in (project / ".cache" / "parts").iterdir()}
    unchanged = [name for name in before if after.get(name) == before[name]]
    assert len(unchanged) >= len([c for c in (project / "chapters").iterdir()]) - 1
    assert "Paragraph three of" in "".join(pdf_pages_text(both[0]))
