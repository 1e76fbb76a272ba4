"""The PDF as a reader sees it: contents numbers, outline, links, metadata, fonts."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from conftest import pdf_pages_text
from pdf_checks import (contents_entries, first_body_index, link_targets, outline_titles,
                        pdffonts, physical_index, text_on_page)


def test_contents_page_numbers_match_where_headings_are(small_pdf):
    pages = pdf_pages_text(small_pdf)
    entries = contents_entries(pages)
    titles = [t for t, _ in entries]
    assert titles == ["List of tables", "Introduction", "Overview", "Second section", "The details", "Overview", "Prices"]
    body = first_body_index(pages, "Introduction")
    assert body % 2 == 0, "the first chapter opens on a right-hand (odd) page"
    for title, label in entries:
        index = physical_index(label, body)
        assert text_on_page(pages, index, title), f"'{title}' is not on printed page {label}"


def test_front_matter_is_roman_and_body_restarts_at_one(small_pdf):
    pages = pdf_pages_text(small_pdf)
    entries = dict(contents_entries(pages))
    assert entries["List of tables"] == "iv"
    assert entries["Introduction"] == "1"
    assert pages[3].split()[-1] == "iv"  # the printed folio of the list of tables


def test_outline_has_every_chapter_and_section(small_pdf):
    outline = outline_titles(small_pdf)
    titles = [(depth, title) for depth, title, _ in outline]
    assert (1, "Introduction") in titles and (1, "The details") in titles
    assert titles.count((2, "Overview")) == 2
    assert (2, "Prices") in titles and (2, "Second section") in titles
    pages = pdf_pages_text(small_pdf)
    for depth, title, page in outline:
        assert text_on_page(pages, page, title), f"outline entry '{title}' points at the wrong page"


def test_contents_links_land_on_the_pages_they_name(small_pdf):
    pages = pdf_pages_text(small_pdf)
    contents = next(i for i, text in enumerate(pages) if "Contents" in text.splitlines()[0:3] or text.lstrip().startswith("Contents"))
    entries = contents_entries(pages)
    targets = link_targets(small_pdf, contents)
    body = first_body_index(pages, "Introduction")
    assert targets == [physical_index(label, body) for _, label in entries]


def test_cross_chapter_link_lands_on_the_target(small_pdf):
    pages = pdf_pages_text(small_pdf)
    body = first_body_index(pages, "Introduction")
    prices_page = next(i for i, text in enumerate(pages) if "Table 2.1 — Prices" in text)
    assert prices_page in link_targets(small_pdf, body)  # "the details" → #prices


def test_metadata_and_title(small_pdf):
    info = PdfReader(str(small_pdf)).metadata
    assert info["/Title"] == "A Small Test Book"
    assert info["/Author"] == "Ada Tester, Bo Checker"
    assert "testing" in info["/Keywords"]
    root = PdfReader(str(small_pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_every_font_is_embedded(small_pdf):
    fonts = pdffonts(small_pdf)
    assert fonts, "no fonts listed"
    assert all(f["embedded"] for f in fonts), fonts
    assert all(any(name in f["name"] for name in ("Guide-Serif", "Guide-Sans", "Guide-Mono")) for f in fonts), fonts


def test_footnote_sits_on_the_page_of_its_call(small_pdf):
    pages = pdf_pages_text(small_pdf)
    call = next(i for i, text in enumerate(pages) if "has an overview.1" in text)
    assert "Because every chapter has one." in pages[call]


def test_numbered_lists_keep_their_start_and_direction(small_pdf):
    text = "\n".join(pdf_pages_text(small_pdf))
    assert "3. Pour the third glass." in text and "4. Pour the fourth glass." in text
    assert "2. Countdown two." in text and "1. Countdown one." in text


def test_running_header_and_no_folio_on_chapter_openings(small_pdf):
    pages = pdf_pages_text(small_pdf)
    body = first_body_index(pages, "Introduction")
    opening = [line.strip() for line in pages[body].splitlines() if line.strip()]
    assert opening[0] == "CHAPTER 1" and not opening[-1].isdigit()


def test_viewer_page_labels_match_printed_folios(small_pdf):
    labels = PdfReader(str(small_pdf)).page_labels
    pages = pdf_pages_text(small_pdf)
    body = first_body_index(pages, "Introduction")
    assert labels[:body] == ["i", "ii", "iii", "iv"][:body]
    assert labels[body:] == [str(n) for n in range(1, len(labels) - body + 1)]
    assert pages[3].split()[-1] == labels[3]  # the folio printed on the page is the label the viewer shows


@pytest.mark.parametrize("text, line", [
    ("# Scripts 😀\n\nText.\n", 1),
    ("---\nnumbered: false\ntitle: Scripts 😀\n---\n\nText.\n", 3),
    ("\n\n<h1>Scripts 😀</h1>\n\nText 😀.\n", 3),  # a raw <h1> title, as GitHub READMEs write it
    ("# Scripts\n\nText.\n\nAn entity &#x1F600; here.\n", 5),  # (was "book.yaml:", with no line: a second pass)
    ("# Scripts\n\nText.\n\n\nA decimal one &#128512;.\n", 6),
])
def test_a_character_no_font_has_in_a_title_is_reported_at_the_title(tmp_path, capsys, text, line):
    """The title is blanked out of the chapter's text (the layout prints it): the error still names its line,
    not book.yaml's."""
    from conftest import copy_fixture, run
    project = copy_fixture("small", tmp_path)
    (project / "chapters" / "03-scripts.md").write_text(text)
    code, _, err = run(["build", "-q", "--project", str(project), "print"], capsys)
    assert code == 1 and f"chapters/03-scripts.md:{line}: no font of this edition has '😀' (U+1F600)" in err, err
    assert "(add a font that covers emoji and symbols" in err  # (the first word of its name: "covers Grinning")


def test_no_machine_font_fills_in_missing_glyphs(tmp_path, capsys):
    from conftest import copy_fixture, run
    project = copy_fixture("small", tmp_path)
    (project / "chapters" / "03-scripts.md").write_text("# Scripts\n\nArabic مرحبا, Chinese 你好, emoji 😀, ≥ ™ “quotes”.\n")
    code, _, err = run(["build", "-q", "--project", str(project), "print"], capsys)
    assert code == 1 and "chapters/03-scripts.md:3: no font of this edition has '😀' (U+1F600)" in err  # never tofu
    (project / "chapters" / "03-scripts.md").write_text("# Scripts\n\nArabic مرحبا, Chinese 你好, ≥ ™ “quotes”.\n")
    assert run(["build", "-q", "--project", str(project), "print"], capsys)[0] == 0
    fonts = pdffonts(project / "dist" / "a-small-test-book-print.pdf")
    assert fonts and all(f["embedded"] for f in fonts)
    allowed = ("Guide-Serif", "Guide-Sans", "Guide-Mono", "Lato", "Noto")
    assert all(any(name in f["name"] for name in allowed) for f in fonts), fonts


def test_parsed_stylesheets_are_parsed_again_once_their_fonts_folder_is_gone(tmp_path, monkeypatch):
    """WeasyPrint copies @font-face fonts into a temporary folder, a build's own: stylesheets parsed in one build
    of `watch` must not be reused after that folder was removed (their fonts would be gone)."""
    import shutil
    import tempfile

    from conftest import REPO
    from book.render.fetcher import parsed_styles

    shutil.copy(REPO / "styles" / "fonts" / "Lato-Regular.ttf", tmp_path / "face.ttf")
    css = [("@font-face { font-family: Face; src: url(face.ttf) } p { font-family: Face }", (tmp_path / "a.css").as_uri())]
    scratch = tmp_path / "build-scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    first = parsed_styles(css, [tmp_path])[1]
    assert first._folder is not None and scratch in first._folder.parents  # WeasyPrint's copy of the font
    assert parsed_styles(css, [tmp_path])[1] is first
    shutil.rmtree(scratch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert parsed_styles(css, [tmp_path])[1] is not first


def test_long_code_lines_and_words_stay_on_the_page(tmp_path, capsys):
    """A console box drawn with ─ (a code line without a space), a long web address and a table of seven columns
    break where they must instead of running off the page (undici's and got's docs lost their ends off the
    edge)."""
    import re
    import subprocess

    from conftest import copy_fixture, run

    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "02-details.md"
    table = ("|  | got | request | node-fetch | ky | axios | superagent |\n|---|:-:|:-:|:-:|:-:|:-:|:-:|\n"
             + "| Promise API | :heavy_check_mark: | :heavy_check_mark: | :heavy_check_mark: | :heavy_check_mark: | "
               ":heavy_check_mark: | :heavy_check_mark: |\n")  # got's README: seven columns of "✔" shortcodes
    chapter.write_text(chapter.read_text() + "\n\n```\n// ┌" + "─" * 160 + "┐\n```\n\n"
                       "Read https://example.org/" + "segment" * 30 + " and go on.\n\n" + table)
    code, _, err = run(["build", "--project", str(project), "print"], capsys)
    assert code == 0, err
    pdf = next((project / "dist").glob("*.pdf"))
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    words = re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', boxes)
    assert any("─" in word for _, word in words) and any("segment" in word for _, word in words)
    assert any("superagent" in word for _, word in words)
    overflowing = [word for x_max, word in words if float(x_max) > page_width - 20]  # (inside the 20 pt margin)
    assert not overflowing, overflowing[:3]
