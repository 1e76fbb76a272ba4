"""Editions from one source: page sizes, bleed boxes, booklet imposition, contents numbers in each."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from conftest import FIXTURES, pdf_pages_text
from pdf_checks import contents_entries, first_body_index, pdffonts, physical_index, text_on_page

MM = 72 / 25.4
SIZES = {"a4": (210, 297), "letter": (215.9, 279.4), "shop": (210, 297), "brochure": (148, 210), "archive": (210, 297)}


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    project = tmp_path_factory.mktemp("editions") / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    from book.cli import main
    assert main(["build", "-q", "--project", str(project)]) == 0
    return {p.stem.removeprefix("editions-test-book-"): p for p in (project / "dist").iterdir()}


def trim_size_mm(page) -> tuple[float, float]:
    box = page.trimbox
    return round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_page_size_and_contents_numbers(editions, name):
    pdf = editions[name]
    reader = PdfReader(str(pdf))
    assert all(trim_size_mm(p) == pytest.approx(SIZES[name], abs=0.3) for p in reader.pages)
    pages = pdf_pages_text(pdf)
    first = "The details" if name == "brochure" else "Introduction"
    body = first_body_index(pages, first)
    entries = contents_entries(pages)
    assert entries, "no contents"
    for title, label in entries:
        assert text_on_page(pages, physical_index(label, body), title), (name, title, label)
    assert reader.outline, "no outline"
    assert all(f["embedded"] for f in pdffonts(pdf))
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0


@pytest.mark.parametrize("name", ["a4", "shop", "brochure"])
def test_two_sided_chapters_open_on_odd_pages(editions, name):
    pages = pdf_pages_text(editions[name])
    openings = [i for i, text in enumerate(pages) if text.lstrip().startswith("CHAPTER")]
    assert openings
    assert all(i % 2 == 0 for i in openings), openings  # index 0 is page 1, a right-hand page


def test_bleed_sets_trim_and_bleed_boxes(editions):
    page = PdfReader(str(editions["shop"])).pages[0]
    bleed = 3 * MM
    assert float(page.bleedbox.width) == pytest.approx(float(page.trimbox.width) + 2 * bleed, abs=0.1)
    assert float(page.mediabox.width) >= float(page.bleedbox.width)
    plain = PdfReader(str(editions["a4"])).pages[0]
    assert float(plain.mediabox.width) == pytest.approx(float(plain.trimbox.width))


def _grey_pixels(pdf, page: int, dpi: int) -> tuple[int, int, bytes]:
    """(width, height, one byte per pixel) of a page rendered by pdftoppm in greyscale."""
    data = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True).stdout
    magic, width, height, _, pixels = data.split(maxsplit=4)
    assert magic == b"P5"
    return int(width), int(height), pixels


def test_press_edition_is_the_source_with_bleed_and_crop_marks(editions):
    source, press = PdfReader(str(editions["a4"])), PdfReader(str(editions["press"]))
    assert pdf_pages_text(editions["press"]) == pdf_pages_text(editions["a4"])  # the same pages, not a new layout
    assert press.page_labels == source.page_labels and len(press.outline) == len(source.outline)
    assert "/StructTreeRoot" in press.trailer["/Root"]  # still tagged
    page = press.pages[0]
    trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
    assert (float(trim.width), float(trim.height)) == pytest.approx(
        (float(source.pages[0].mediabox.width), float(source.pages[0].mediabox.height)))
    assert float(bleed.width) == pytest.approx(float(trim.width) + 6 * MM, abs=0.1)
    assert float(media.left) < float(bleed.left) - 5 * MM  # room for the marks outside the bleed
    # What the print shop sees: dark crop marks in the corner outside the bleed, nothing inside the bleed ring
    dpi = 72
    width, height, pixels = _grey_pixels(editions["press"], 1, dpi)
    def dark(x0, y0, x1, y1):  # PDF points from the media box's bottom-left corner → any dark pixel there?
        rows = range(int(height - y1), int(height - y0))
        return any(pixels[r * width + c] < 160 for r in rows for c in range(int(x0), int(x1)))
    margin = float(bleed.left) - float(media.left)
    assert dark(0, margin + 3 * MM - 2, margin - 0.5, margin + 3 * MM + 2)  # the horizontal mark of the bottom-left corner
    assert not dark(margin + 0.5, margin + 0.5, margin + 3 * MM - 0.5, margin + 3 * MM - 0.5)  # the bleed corner is clean


def test_booklet_is_the_brochure_in_saddle_stitch_order(editions):
    brochure = PdfReader(str(editions["brochure"]))
    booklet = PdfReader(str(editions["booklet"]))
    count = len(brochure.pages)
    padded = -(-count // 4) * 4
    assert len(booklet.pages) == padded // 2  # two sides per sheet
    first_side = booklet.pages[0]
    width, height = float(first_side.mediabox.width), float(first_side.mediabox.height)
    assert width > height  # landscape
    assert (round(width / MM), round(height / MM)) == (297, 210)  # A4
    # the first side carries the last page (left) and the first page (right) of the brochure
    left = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", "0", "-y", "0", "-W", str(int(width / 2)), "-H",
                           str(int(height)), str(editions["booklet"]), "-"], capture_output=True, text=True).stdout
    right = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", str(int(width / 2)), "-y", "0", "-W",
                            str(int(width / 2)), "-H", str(int(height)), str(editions["booklet"]), "-"],
                           capture_output=True, text=True).stdout
    assert "Editions Test Book" in right
    assert "Example Clinic" in left  # the back cover stays outside: blank pads go before it


def test_booklet_order_pads_and_folds():
    from book.render.impose import booklet_order
    assert booklet_order(4) == [(3, 0), (1, 2)]
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]
    assert booklet_order(6, back_cover=True) == [(5, 0), (1, None), (None, 2), (3, 4)]


def test_brochure_has_branding_on_its_back_cover(editions):
    pages = pdf_pages_text(editions["brochure"])
    assert "Example Clinic" in pages[-1] and "1 Example Street" in pages[-1]
    assert len(pages) % 2 == 0  # the back cover is a left-hand page


def test_pdf_variants(editions):
    tagged = PdfReader(str(editions["a4"])).trailer["/Root"]
    assert tagged["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in tagged  # PDF/UA-1 by default
    archive = PdfReader(str(editions["archive"])).trailer["/Root"]
    assert "/OutputIntents" in archive
    assert b"pdfaid" in archive["/Metadata"].get_object().get_data()


def test_ebook_with_images_and_embedded_fonts_validates(editions):
    from conftest import assert_epubcheck_clean, epub_files
    epub = editions["ebook"]
    assert_epubcheck_clean(epub)
    files = epub_files(epub)
    assert "EPUB/images/diagram.png" in files and "EPUB/style/fonts/NotoSerif-Regular.ttf" in files
    opf = files["EPUB/content.opf"].decode()
    assert "alternativeText" in opf and 'media-type="font/ttf"' in opf
    chapter = files["EPUB/intro.xhtml"].decode()
    assert 'alt="A blue rectangle standing in for a diagram of the knee"' in chapter
    # the decorative image: empty alt text and the presentation role, on the same element
    assert re.search(r'<img [^>]*alt=""[^>]*role="presentation"|<img [^>]*role="presentation"[^>]*alt=""', chapter)
    assert 'href="style/fonts.css"' in chapter


def test_pdf_shows_the_image(editions):
    from pypdf import PdfReader
    reader = PdfReader(str(editions["a4"]))
    assert any(page.images for page in reader.pages)


def test_every_edition_builds_byte_identical_twice(editions, tmp_path):
    import hashlib
    from book.cli import main
    project = next(iter(editions.values())).parent.parent
    assert main(["build", "-q", "--force", "--project", str(project), "--out", str(tmp_path)]) == 0
    for path in editions.values():
        again = tmp_path / path.name
        assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest(), path.name


def _tool_complaints(command: list[str]) -> str:
    """What a PDF tool prints besides its normal output (mutool's build without lcms notes that once)."""
    result = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in result.stderr.splitlines()
             if "ICC support is not available" not in line and not line.startswith("page ")]
    return f"exit {result.returncode}: " + "\n".join(lines) if result.returncode or lines else ""


def test_booklet_is_a_valid_pdf_with_title_language_and_outline(editions, tmp_path):
    booklet = editions["booklet"]
    assert booklet.read_bytes().startswith(b"%PDF-1.7")
    assert subprocess.run(["qpdf", "--check", str(booklet)], capture_output=True).returncode == 0
    gs = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(booklet)],
                        capture_output=True, text=True)
    assert gs.returncode == 0 and not gs.stdout.strip() and not gs.stderr.strip(), gs.stdout + gs.stderr
    assert not _tool_complaints(["mutool", "info", str(booklet)])
    assert not _tool_complaints(["mutool", "clean", str(booklet), str(tmp_path / "clean.pdf")])
    assert not _tool_complaints(["mutool", "draw", "-o", str(tmp_path / "side%d.png"), "-r", "20", str(booklet)])
    reader = PdfReader(str(booklet))
    assert reader.metadata.title == "Editions Test Book"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # every bookmark opens the sheet side on which its heading is printed
    from pdf_checks import outline_titles
    entries = outline_titles(booklet)
    assert entries
    sides = pdf_pages_text(booklet)
    for _, title, side in entries:
        assert title.split()[0] in sides[side], (title, side)


def ink_coverage(pdf, page: int) -> tuple[float, float, float, float]:
    """(C, M, Y, K): the share of the page's pixels each plate inks, as Ghostscript's inkcov device measures."""
    out = subprocess.run(["gs", "-q", "-o", "-", "-sDEVICE=inkcov", f"-dFirstPage={page}", f"-dLastPage={page}",
                          str(pdf)], capture_output=True, text=True, check=True).stdout
    return tuple(float(v) for v in out.split()[:4])


def test_press_edition_is_pdf_x4_for_the_print_shop(editions):
    import pikepdf
    press = editions["press"]
    assert press.read_bytes().startswith(b"%PDF-1.6")
    with pikepdf.open(press) as pdf:
        assert str(pdf.docinfo["/GTS_PDFXVersion"]) == "PDF/X-4"
        assert pdf.docinfo["/Trapped"] == pikepdf.Name("/False")
        with pdf.open_metadata() as xmp:
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4" and xmp["pdf:Trapped"] == "False"
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4
        assert intent.DestOutputProfile.read_bytes()[16:20] == b"CMYK"  # the ICC header's colour space
        assert "/StructTreeRoot" in pdf.Root  # still tagged
        for page in pdf.pages:
            trim, bleed = [float(v) for v in page.trimbox], [float(v) for v in page.obj.BleedBox]
            assert bleed[0] < trim[0] and bleed[2] > trim[2]
            assert "/Annots" not in page.obj  # nothing inside the bleed box but the page itself
            for operands, operator in pikepdf.parse_content_stream(page):
                assert str(operator) not in ("rg", "RG"), "RGB colour left on a page"
        # no device RGB anywhere, transparency groups included (WeasyPrint blends its opacity groups in RGB)
        groups = [o.stream_dict.Group if isinstance(o, pikepdf.Stream) else o.Group for o in pdf.objects
                  if isinstance(o, (pikepdf.Stream, pikepdf.Dictionary))
                  and "/Group" in (o.stream_dict if isinstance(o, pikepdf.Stream) else o)]
        assert groups and all(g.get("/CS") != "/DeviceRGB" for g in groups), [g.get("/CS") for g in groups]
        # the structure tree no longer points at the removed link annotations
        for _, element in pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree).items():
            kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                assert not any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR" for k in kids)
    assert subprocess.run(["qpdf", "--check", str(press)], capture_output=True).returncode == 0
    # text prints on the black plate only (the source's #1a1a1a text would take all four plates): the colophon
    # is a page of text in the body colour
    pages = pdf_pages_text(press)
    text_page = next(i for i, text in enumerate(pages) if "Identifier" in text) + 1
    c, m, y, k = ink_coverage(press, text_page)
    assert k > 0.001 and max(c, m, y) < 0.00005, (c, m, y, k)
    source_c, *_ = ink_coverage(editions["a4"], text_page)
    assert source_c > 0.001  # the measure can fail: the RGB source inks its text on the cyan plate too
