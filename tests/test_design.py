"""The printed look (issue 17): numbered figures, cross-references with page numbers on both PDF engines, the
checklist's answer room, covers, a short brochure front matter, the Notes pages of a booklet, the contact key."""
from __future__ import annotations

import contextlib
import io
import shutil
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import FIXTURES, assert_epubcheck_clean, pdf_pages_text, run

SLUG = "a-designed-test-book"


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    """The `design` fixture built once; its dist/ folder."""
    project = tmp_path_factory.mktemp("design") / "design"
    shutil.copytree(FIXTURES / "design", project)
    from book.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["build", "--project", str(project)]) == 0
    return project / "dist"


def page_of(pages: list[str], text: str) -> int:
    """The printed page number (the folio at the foot) of the first page holding `text`."""
    page = next(p for p in pages if text in p)
    return int(page.strip().split()[-1])


@pytest.mark.parametrize("edition", ["print", "parts"])
def test_a_cross_chapter_link_prints_its_target_page(design, edition):
    pages = pdf_pages_text(design / f"{SLUG}-{edition}.pdf")
    text = " ".join(" ".join(pages).split())
    target = page_of(pages, "Here at last.")
    assert target > 5  # far from the link: a wrong page map could not pass by luck
    assert f"points at the far section, page {target} and at Figure 1.1, page 1 and Figure 2.1, page 2." in text


def test_figures_are_numbered_captioned_and_listed(design):
    pages = pdf_pages_text(design / f"{SLUG}-print.pdf")
    listing = next(p for p in pages if "List of figures" in p and "Figure 1.1" in p)
    assert "Figure 1.1 A blue box" in listing and "It stands for anything" not in listing
    assert "Figure 2.1 A raw figure with a caption" in listing and "second sentence" not in listing
    text = " ".join(" ".join(pages).split())
    assert "Figure 1.1 A blue box. It stands for anything." in text
    assert "Figure 1.3" not in text and "Figure 1.2" not in text  # an image without a title is no figure


def test_ebook_figures_keep_alt_text_and_are_listed(design):
    path = design / f"{SLUG}-ebook.epub"
    with zipfile.ZipFile(path) as book:
        chapter = etree.fromstring(book.read("EPUB/start.xhtml"))
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    figure = chapter.find(".//x:figure[@id='fig-box']", ns)
    assert figure.find("x:img", ns).get("alt") == "A blue box, wider than it is tall, on a white ground."
    assert figure.find("x:img", ns).get("title") is None
    assert "".join(figure.find("x:figcaption", ns).itertext()) == "Figure 1.1 A blue box. It stands for anything."
    loi = nav.find(".//x:nav[@id='loi']", ns)
    assert [a.get("href") for a in loi.iterfind(".//x:a", ns)] == ["start.xhtml#fig-box", "middle.xhtml#fig-raw"]
    assert_epubcheck_clean(path)
