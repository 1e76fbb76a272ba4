"""The EPUB as reading systems and validators see it."""
from __future__ import annotations

import hashlib
import re
import zipfile

from lxml import etree
from pypdf import PdfReader

from conftest import (assert_epubcheck_clean, copy_fixture, epub_files, epubcheck_jars, epubcheck_report,
                      pdf_pages_text, run)
from pdf_checks import contents_entries

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def nav_tree(epub):
    return etree.fromstring(epub_files(epub)["EPUB/nav.xhtml"])


def test_epubcheck_reports_nothing(small_epub):
    assert_epubcheck_clean(small_epub)


def test_epubcheck_as_the_suite_runs_it_finds_a_missing_file(small_epub, tmp_path):
    """The warm EPUBCheck the suite uses (conftest.EpubCheckServer) fails an EPUB with a chapter missing."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(small_epub) as source, zipfile.ZipFile(broken, "w") as target:
        chapters = [n for n in source.namelist() if n.endswith(".xhtml") and not n.endswith(("nav.xhtml", "cover.xhtml"))]
        for item in source.infolist():
            if item.filename != chapters[0]:
                target.writestr(item, source.read(item))
    for command in epubcheck_jars():
        code, report = epubcheck_report(command, broken)
        assert code != 0 and "RSC-001" in report, report


def test_nav_lists_the_same_entries_as_the_pdf_contents(small_epub, small_pdf):
    toc = nav_tree(small_epub).find(".//x:nav[@epub:type='toc']", NS)
    titles = [re.sub(r"^\d+\. ", "", "".join(a.itertext())) for a in toc.iterfind(".//x:a", NS)]
    assert titles == [title for title, _ in contents_entries(pdf_pages_text(small_pdf))]


def test_every_internal_link_points_at_an_existing_id(small_epub):
    files = epub_files(small_epub)
    ids = {name: set(etree.fromstring(data).xpath("//@id")) for name, data in files.items() if name.endswith(".xhtml")}
    checked = 0
    for name, data in files.items():
        if not name.endswith(".xhtml"):
            continue
        for href in etree.fromstring(data).xpath("//x:a/@href", namespaces=NS):
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            file_part, _, fragment = href.partition("#")
            target = f"EPUB/{file_part}" if file_part else name
            assert target in ids, f"{name}: {href}"
            assert not fragment or fragment in ids[target], f"{name}: {href}"
            checked += 1
    assert checked > 10


def test_landmarks_and_semantics(small_epub):
    nav = nav_tree(small_epub)
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = [a.get(EPUB_TYPE) for a in landmarks.iterfind(".//x:a", NS)]
    assert {"cover", "toc", "bodymatter"} <= set(kinds)
    chapter = etree.fromstring(epub_files(small_epub)["EPUB/intro.xhtml"])
    section = chapter.find(".//x:section", NS)
    assert section.get(EPUB_TYPE) == "chapter" and section.get("role") == "doc-chapter"
    assert chapter.get("lang") == "en"
    aside = chapter.find(".//x:aside", NS)
    assert aside.get(EPUB_TYPE) == "footnote" and aside.get("role") == "doc-footnote"
    noteref = chapter.find(".//x:a[@role='doc-noteref']", NS)
    assert noteref.get("href") == f"#{aside.get('id')}"
    details = etree.fromstring(epub_files(small_epub)["EPUB/details.xhtml"])
    table = details.find(".//x:table", NS)
    assert "Table 2.1" in "".join(table.find("x:caption", NS).itertext())
    assert {th.get("scope") for th in table.iterfind(".//x:th", NS)} == {"col", "row"}


def test_numbered_lists_keep_start_and_reversed(small_epub):
    details = etree.fromstring(epub_files(small_epub)["EPUB/details.xhtml"])
    lists = {"".join(ol.find("x:li", NS).itertext()): ol for ol in details.iterfind(".//x:ol", NS)}
    assert lists["Pour the third glass."].get("start") == "3"
    assert lists["Countdown two."].get("reversed") is not None


def test_page_list_follows_the_print_edition(small_epub, small_pdf):
    nav = nav_tree(small_epub)
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    labels = ["".join(a.itertext()) for a in page_list.iterfind(".//x:a", NS)]
    pdf_pages = PdfReader(str(small_pdf)).pages
    assert len(labels) == len(pdf_pages)
    assert labels[:4] == ["i", "ii", "iii", "iv"] and labels[4:] == [str(n) for n in range(1, len(labels) - 3)]
    # spot check: the marker for the page where chapter 2 opens sits at the start of chapter 2
    files = epub_files(small_epub)
    text = pdf_pages_text(small_pdf)
    opening = next(i for i, page in enumerate(text) if "CHAPTER 2" in page)
    href = page_list.findall(".//x:a", NS)[opening].get("href")
    assert href.startswith("details.xhtml#page-")
    details = etree.fromstring(files["EPUB/details.xhtml"])
    marker = details.find(f".//*[@id='{href.split('#')[1]}']")
    assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
    assert marker.getnext().find(".//x:h1", NS) is not None  # right before the chapter heading


def test_accessibility_and_book_metadata(small_epub):
    opf = etree.fromstring(epub_files(small_epub)["EPUB/content.opf"])
    properties = {}
    for meta in opf.iterfind(".//opf:meta[@property]", NS):
        properties.setdefault(meta.get("property"), []).append(meta.text)
    assert properties["schema:accessMode"] == ["textual"]
    assert {"tableOfContents", "structuralNavigation", "readingOrder", "printPageNumbers"} <= set(properties["schema:accessibilityFeature"])
    assert properties["schema:accessibilityHazard"] == ["none"]
    assert properties["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert properties["dcterms:modified"] == ["2026-01-15T00:00:00Z"]
    creators = [c.text for c in opf.iterfind(".//dc:creator", NS)]
    assert creators == ["Ada Tester", "Bo Checker"]
    assert opf.find(".//dc:source", NS) is not None
    assert opf.find(".//opf:item[@properties='cover-image']", NS) is not None


def test_two_builds_are_byte_identical(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = copy_fixture("small", tmp_path)
    digests = []
    for out in ("one", "two"):
        assert run(["build", "-q", "--force", "--project", str(project), "--out", str(tmp_path / out)], capsys)[0] == 0
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((tmp_path / out).iterdir())})
    assert digests[0] == digests[1]
    assert len(digests[0]) == 3  # PDF, EPUB and the download page
    opf = etree.fromstring(epub_files(tmp_path / "one" / "a-small-test-book-ebook.epub")["EPUB/content.opf"])
    assert opf.find(".//opf:meta[@property='dcterms:modified']", NS).text == "2023-11-14T22:13:20Z"


def test_ncx_has_the_same_tree_as_the_nav(small_epub):
    files = epub_files(small_epub)
    ncx = etree.fromstring(files["EPUB/toc.ncx"])
    ncx_ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    ncx_titles = [re.sub(r"^\d+\. ", "", t) for t in ncx.xpath("//n:navPoint/n:navLabel/n:text/text()", namespaces=ncx_ns)]
    toc = nav_tree(small_epub).find(".//x:nav[@epub:type='toc']", NS)
    nav_titles = [re.sub(r"^\d+\. ", "", "".join(a.itertext())) for a in toc.iterfind(".//x:a", NS)]
    assert ncx_titles == nav_titles
    assert ncx.xpath("//n:navPoint/n:navPoint/n:content/@src", namespaces=ncx_ns)[0] == "intro.xhtml#overview"


def test_an_html_comment_with_double_hyphens_does_not_break_the_ebook(tmp_path, capsys):
    """`<!-- a -- b -->` is a valid HTML comment but not an XML one: the ebook leaves comments out."""
    project = copy_fixture("small", tmp_path)
    chapter = sorted((project / "chapters").glob("*.md"))[0]
    chapter.write_text(chapter.read_text() + "\nText <!-- a -- b --> after the comment.\n")
    assert run(["build", "-q", "--project", str(project), "ebook"], capsys)[0] == 0
    files = epub_files(project / "dist" / "a-small-test-book-ebook.epub")
    text = b"".join(data for name, data in files.items() if name.endswith(".xhtml"))
    assert b"after the comment." in text and b"<!--" not in text
