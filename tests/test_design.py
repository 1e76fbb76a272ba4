"""The printed look (issue 17): numbered figures, cross-references with page numbers on both PDF engines, the
checklist's answer room, covers, a short brochure front matter, the Notes pages of a booklet, the contact key."""
from __future__ import annotations

import contextlib
import io
import shutil
import zipfile

import pikepdf
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


def page_of(path, pages: list[str], text: str) -> str:
    """The page label (the number printed on it) of the first page holding `text`."""
    return PdfReader(path).page_labels[next(i for i, p in enumerate(pages) if text in p)]


@pytest.mark.parametrize("edition", ["print", "parts"])
def test_a_cross_chapter_link_prints_its_target_page(design, edition):
    path = design / f"{SLUG}-{edition}.pdf"
    pages = pdf_pages_text(path)
    text = " ".join(" ".join(pages).split())
    target = page_of(path, pages, "Here at last.")
    figure = page_of(path, pages, "caption. Its second sentence")
    assert int(target) > 5 and int(figure) > 1  # far from the link: a wrong page map could not pass by luck
    assert f"points at the far section, page {target} and at Figure 1.1, page 1 and Figure 2.1, page {figure}." in text


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


def test_short_front_matter_is_two_pages_without_lists_or_identifier(design):
    pages = pdf_pages_text(design / f"{SLUG}-brochure.pdf")
    assert "A Designed Test Book" in pages[0] and "Last reviewed" in pages[0] and "not medical advice" in pages[0]
    assert "Contents" in pages[1] and "Start" in pages[1]
    assert "CHAPTER 1" in pages[2]
    text = "".join(pages)
    assert "urn:uuid" not in text and "Identifier" not in text and "List of figures" not in text
    full = "".join(pdf_pages_text(design / f"{SLUG}-print.pdf"))
    assert "urn:uuid" in full and "List of figures" in full  # the full front matter keeps them


def test_the_colophon_says_where_to_write(design):
    pages = pdf_pages_text(design / f"{SLUG}-print.pdf")
    colophon = " ".join(next(p for p in pages if "Last reviewed" in p).split())
    assert "Corrections corrections@example.org" in colophon
    with pikepdf.open(design / f"{SLUG}-print.pdf") as pdf:
        uris = {str(a.A.URI) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/A" in a and "/URI" in a.A}
    assert "mailto:corrections@example.org" in uris
    with zipfile.ZipFile(design / f"{SLUG}-ebook.epub") as book:
        assert b'href="mailto:corrections@example.org"' in book.read("EPUB/front.xhtml")


@pytest.mark.parametrize("edition", ["brochure", "parts"])
def test_back_cover_on_a_left_hand_page_with_notes_before_it(design, edition):
    """A two-sided edition's back cover goes on an even page; the empty page before it reads Notes."""
    path = design / f"{SLUG}-{edition}.pdf"
    pages = pdf_pages_text(path)
    if edition == "parts":  # no back_cover key: no back cover, no Notes
        assert not any("Notes" in p for p in pages) and "Guidebook Tests" not in pages[-1]
        return
    back = " ".join(pages[-1].split())
    assert len(pages) % 2 == 0
    assert back.startswith("A Designed Test Book Fixture for the printed look A fixture with figures")
    assert "Last reviewed January 15, 2026" in back and "corrections@example.org" in back
    assert pages[-2].split() == ["Notes"]


def test_booklet_padding_pages_read_notes(design):
    brochure = len(PdfReader(design / f"{SLUG}-brochure.pdf").pages)
    pads = -(-brochure // 4) * 4 - brochure
    assert pads >= 2  # the fixture must have a Notes pad and the blank inside of the back cover
    sides = pdf_pages_text(design / f"{SLUG}-booklet.pdf")
    notes = sum(side.count("Notes") for side in sides)
    assert notes == 1 + pads - 1  # the brochure's own page before the back cover, and every pad but the last
    assert "A Designed Test Book Fixture for the printed look" in " ".join(sides[0].split())  # outside: back + title


@pytest.mark.parametrize("key, value, message", [
    ("contact", "write to us", "contact 'write to us' is neither an email nor a web address"),
    ("front_matter", "tiny", "unknown front_matter 'tiny'"),
])
def test_bad_design_keys_name_their_line(tmp_path, capsys, key, value, message):
    project = tmp_path / "design"
    shutil.copytree(FIXTURES / "design", project)
    config = project / "book.yaml"
    text = config.read_text()
    if key == "contact":
        text = text.replace("contact: corrections@example.org", f"contact: {value}")
    else:
        text = text.replace("front_matter: short", f"front_matter: {value}")
    config.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if value in row)
    code, out, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and f"book.yaml:{line}: {message}" in err and "Traceback" not in err


def test_answer_lines_mark_every_list_of_the_section():
    from book.assemble.checklist import mark_answer_lists
    from book.convert.markdown import markdown_to_tree
    body = markdown_to_tree("## Q {#q .answer-lines}\n\n1. a\n\n### Sub\n\n1. b\n\n- c\n\n## Next\n\n1. d\n")
    marked = [("answer-lines" in (lst.get("class") or "")) for lst in body.iter("ol", "ul")]
    assert marked == [False, False, False, False]
    mark_answer_lists(body)
    assert [("answer-lines" in (lst.get("class") or "")) for lst in body.iter("ol", "ul")] == [True, True, True, False]


def test_figures_unit():
    from book.assemble.figures import first_sentence, number_figures
    from book.infra.i18n import messages
    from book.convert.markdown import markdown_to_tree
    body = markdown_to_tree('![Alt words](a.svg "Cap one. More.")\n\n![No title](b.svg)\n\n'
                            'Text ![inline](c.svg "not a figure") here.\n')
    entries = number_figures(body, "ch", "3", messages("ru"), 0)
    assert [(e.id, e.label, e.caption) for e in entries] == [("fig-ch-1", "Рисунок 3.1", "Cap one")]
    assert body.find("figure/img").get("alt") == "Alt words" and body.find("figure/img").get("title") is None
    assert first_sentence("图一。图二。") == "图一。"
