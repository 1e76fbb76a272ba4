"""The guide itself, every edition, as readers, clinics and print shops receive it."""
from __future__ import annotations

import re
import subprocess

import pytest
from lxml import html as lxml_html
from lxml import etree
from pypdf import PdfReader

from book.load.config import load_config
from book.infra.i18n import messages
from book.load.tables import load_tables
from conftest import REPO, assert_epubcheck_clean, epub_files, pdf_pages_text
from pdf_checks import contents_entries, first_body_index, physical_index, text_on_page

pytestmark = pytest.mark.slow
SLUG = "koa-stem-cells-korea"
LANGUAGE_EDITIONS = ("zh-hans", "ar", "ru")  # the guide translated: a brochure and an ebook each
PDF_EDITIONS = ("print", "letter", "print-shop", "brochure", "booklet")


def squash(text: str) -> str:
    """Text with all whitespace and soft hyphens removed, for finding table cells however they wrap."""
    return re.sub(r"[\s\u00ad]+", "", text)


def unhyphenate(text: str) -> str:
    """Also without hyphens, for words the PDF may have hyphenated at a line end."""
    return squash(text).replace("-", "").replace("\u2010", "")


def first_chapter_title(edition: str) -> str:
    from book.load.content import load_chapters
    config = load_config(REPO)
    chapters = load_chapters(config)
    wanted = config.edition(edition)
    chosen = [c for c in chapters if not wanted.include or c.id in wanted.include]
    return chosen[0].title


def test_every_edition_is_built(guide_build):
    names = sorted(p.name for p in guide_build.iterdir())
    translated = [f"{SLUG}-{kind}-{lang}.{ext}" for lang in LANGUAGE_EDITIONS for kind, ext in (("brochure", "pdf"), ("ebook", "epub"))]
    assert names == sorted([f"{SLUG}-{e}.pdf" for e in PDF_EDITIONS] + [f"{SLUG}-ebook.epub", "index.html"] + translated)
    for edition in [*PDF_EDITIONS, *(f"brochure-{lang}" for lang in LANGUAGE_EDITIONS)]:
        result = subprocess.run(["qpdf", "--check", str(guide_build / f"{SLUG}-{edition}.pdf")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    # the download page names each language edition's language, in English and in its own words, marked as such
    # (a visual review: "Brochure zh hans", "Ebook ar")
    page = lxml_html.fromstring((guide_build / "index.html").read_bytes())
    links = {a.get("href"): a for a in page.iter("a") if a.get("download") is not None}
    arabic = links[f"{SLUG}-brochure-ar.pdf"]
    assert arabic.text_content() == "Brochure — Arabic · العربية" and arabic.find("span").get("lang") == "ar"
    assert links[f"{SLUG}-ebook-zh-hans.epub"].text_content().startswith("Ebook — Chinese (Simplified) · ")
    assert [a.text_content() for a in links.values()][:2] == ["Ebook", "Print"]


def test_reader_sees_front_matter_chapters_and_glossary(guide_build):
    pages = pdf_pages_text(guide_build / f"{SLUG}-print.pdf")
    config = load_config(REPO)
    assert config.title.split()[0] in pages[0]
    reviewed = messages(config.language).date(config.date)  # "November 24, 2026": dates are written per locale
    assert "Last reviewed" in pages[1] and reviewed in pages[1] and "not medical advice" in pages[1]
    entries = contents_entries(pages)
    titles = [t for t, _ in entries]
    assert "List of tables" in titles and "Glossary" in titles
    assert any("List of tables" == p.strip().splitlines()[0].strip() for p in pages if p.strip())


@pytest.mark.parametrize("edition", ["print", "letter", "print-shop", "brochure"])
def test_contents_and_list_of_tables_point_at_the_right_pages(guide_build, edition):
    pdf = guide_build / f"{SLUG}-{edition}.pdf"
    pages = pdf_pages_text(pdf)
    body = first_body_index(pages, first_chapter_title(edition))
    entries = contents_entries(pages)
    assert len(entries) > 5
    for title, label in entries:
        assert text_on_page(pages, physical_index(label, body), title), (edition, title, label)
    listed = contents_entries(pages, heading="List of tables")  # the list of figures follows on the same page
    if edition == "brochure":  # front_matter: short: no lists
        assert not listed and not any("List of figures" in p for p in pages)
        return
    tables = [(title, label) for title, label in listed if title.startswith("Table")]
    figures = [(re.sub(r"^List of figures ", "", title), label) for title, label in listed if "Figure" in title]
    assert tables, "no list of tables"
    assert [title.split()[1] for title, _ in figures] == ["1.1", "3.1"], "no list of figures"
    for title, label in tables + figures:
        number = re.match(r"(Table|Figure) [\d.]+", title).group(0)
        separator = " —" if number.startswith("Table") else ""
        assert text_on_page(pages, physical_index(label, body), f"{number}{separator}"), (edition, title, label)


def test_every_data_figure_appears_formatted_in_pdf_and_epub(guide_build):
    # reading order (not -layout), so that a table cell's lines stay together
    raw = subprocess.run(["pdftotext", str(guide_build / f"{SLUG}-print.pdf"), "-"], capture_output=True, text=True).stdout
    pdf_text = squash(raw)
    epub = epub_files(guide_build / f"{SLUG}-ebook.epub")
    epub_text = squash("".join("".join(etree.fromstring(data).itertext()) for name, data in epub.items()
                               if name.endswith(".xhtml")))
    tables = load_tables(REPO)
    assert {"costs", "expenses", "clinics"} <= set(tables)
    checked = 0
    for table in tables.values():
        for row in table.rows:
            for column, cell in zip(table.columns, row):
                values = cell if isinstance(cell, tuple) else (cell,)
                for value in values:
                    if not value:
                        continue
                    if column.type.startswith("money"):  # figures: exactly as formatted
                        assert squash(value) in pdf_text, f"{table.source}: {value!r} missing from the PDF"
                        checked += 1
                    else:  # words may be hyphenated at a line end in print
                        assert unhyphenate(value) in unhyphenate(pdf_text), f"{table.source}: {value!r} missing from the PDF"
                    assert squash(value) in epub_text, f"{table.source}: {value!r} missing from the EPUB"
    assert checked >= 12
    assert squash("$5,000–$15,000") in pdf_text and squash("~$10,922") in pdf_text


def test_ebook_validates_and_pages_like_the_print_edition(guide_build):
    epub = guide_build / f"{SLUG}-ebook.epub"
    assert_epubcheck_clean(epub)
    nav = etree.fromstring(epub_files(epub)["EPUB/nav.xhtml"])
    ns = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
    labels = ["".join(a.itertext()) for a in nav.iterfind(".//x:nav[@epub:type='page-list']//x:a", ns)]
    assert len(labels) == len(PdfReader(str(guide_build / f"{SLUG}-print.pdf")).pages)


def test_printed_page_starts_near_its_epub_page_break(guide_build):
    """Spot-check: the words that open printed page N are in the block that follows page-break N."""
    pdf = guide_build / f"{SLUG}-print.pdf"
    pages = pdf_pages_text(pdf)
    labels = PdfReader(str(pdf)).page_labels
    files = epub_files(guide_build / f"{SLUG}-ebook.epub")
    trees = {name: etree.fromstring(data) for name, data in files.items() if name.endswith(".xhtml")}
    checked, missed = 0, []
    for index in range(len(pages)):
        lines = [line.strip() for line in pages[index].splitlines() if line.strip()]
        if len(lines) < 4 or not labels[index].isdigit():
            continue
        # line 0 is the running head or the chapter label; a list's bullet or a tick box is not text of the ebook
        first_words = " ".join(lines[1].lstrip("•☐ ").split()[:3])
        marker = next((t.find(f".//*[@id='page-{labels[index]}']") for t in trees.values()
                       if t.find(f".//*[@id='page-{labels[index]}']") is not None), None)
        assert marker is not None, labels[index]
        following = marker.getnext()
        if following is None and index == len(pages) - 1:  # the back cover: no block of the ebook's text
            continue
        blocks = [following]  # the block the page-break stands before, and the two after it
        while len(blocks) < 3 and blocks[-1].getnext() is not None:
            blocks.append(blocks[-1].getnext())
        window = re.sub(r"\s+", " ", " ".join("".join(e.itertext()) for e in blocks))
        if first_words and first_words in window:
            checked += 1
        else:
            missed.append(f"page {labels[index]}: {first_words!r}")
    # at most one page in ten may open on words the check cannot see there (a cross-reference's ", page 17"
    # in print, a glossary's definition list); 32 of 34 on 2026-11-26
    assert checked >= 0.9 * (checked + len(missed)), f"{checked} pages start at their page-break; not: {missed}"


def test_booklet_has_whole_sheets_of_the_brochure(guide_build):
    brochure = PdfReader(str(guide_build / f"{SLUG}-brochure.pdf"))
    booklet = PdfReader(str(guide_build / f"{SLUG}-booklet.pdf"))
    assert len(booklet.pages) == -(-len(brochure.pages) // 4) * 2
    assert len(booklet.pages) % 2 == 0


def test_brochure_leaves_out_the_detail_sections_without_dangling_links(guide_build):
    from pdf_checks import link_targets
    brochure = guide_build / f"{SLUG}-brochure.pdf"
    text = " ".join("".join(pdf_pages_text(brochure)).split())
    assert "Clinics named in our source" not in text and "What patients report" not in text
    # the whole story: the rules the checklist asks about, the risks and realistic expectations (essential)
    assert "The rules in South Korea" in text and "Realistic expectations" in text and "tumor formation" in text
    assert "Guidebook" in text and "Your clinic's name" not in text
    assert "Clinics named in our source" in "".join(pdf_pages_text(guide_build / f"{SLUG}-print.pdf"))
    pages = len(PdfReader(str(brochure)).pages)
    assert all(0 <= t < pages for i in range(pages) for t in link_targets(brochure, i))
