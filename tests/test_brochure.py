"""Clinic brochures: a clinic list made into one brochure per clinic, logo and QR code, never a placeholder."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zlib

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import FIXTURES, copy_fixture, pdf_pages_text, run

REPO = FIXTURES.parent.parent
SLUG = "brochure-test-book"
CLINICS = ("seoul-knee", "busan-joint")


@pytest.fixture(scope="module")
def brochures(tmp_path_factory):
    """The `brochure` fixture built once: (project folder, build output)."""
    project = tmp_path_factory.mktemp("brochure") / "brochure"
    shutil.copytree(FIXTURES / "brochure", project)
    from book.cli import main
    import contextlib
    import io
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        assert main(["build", "--project", str(project)]) == 0
    return project, output.getvalue()


def dist(brochures, name: str):
    return brochures[0] / "dist" / name


def test_a_clinic_list_makes_one_file_per_clinic_and_edition(brochures):
    files = {p.name for p in (brochures[0] / "dist").glob("*.pdf")}
    for clinic in CLINICS:
        for edition in ("brochure", "booklet", "press"):
            assert f"{SLUG}-{edition}-{clinic}.pdf" in files
    assert f"{SLUG}-brochure.pdf" not in files and "index.html" in {p.name for p in (brochures[0] / "dist").iterdir()}
    assert "laid out once" in brochures[1]


@pytest.mark.parametrize("clinic", CLINICS)
def test_each_clinic_brochure_carries_its_own_back_cover(brochures, clinic):
    pages = pdf_pages_text(dist(brochures, f"{SLUG}-brochure-{clinic}.pdf"))
    other = next(c for c in CLINICS if c != clinic)
    names = {"seoul-knee": "Seoul Knee Clinic", "busan-joint": "Busan Joint Centre"}
    assert names[clinic] in pages[-1] and names[other] not in pages[-1]
    assert not any(names[clinic] in page for page in pages[:-1])
    # the shared pages are the same in every clinic's file
    assert pages[:-1] == pdf_pages_text(dist(brochures, f"{SLUG}-brochure-{other}.pdf"))[:-1]


def _structure_problems(path) -> list:
    """Mismatches between page content, annotations and the structure tree (empty for a well-tagged file)."""
    problems, checked = [], 0
    with pikepdf.open(path) as pdf:
        tree = pdf.Root.StructTreeRoot
        parents = pikepdf.NumberTree(tree.ParentTree)

        def kids(element):
            value = element.get("/K")
            return list(value) if isinstance(value, pikepdf.Array) else [value]

        def reachable(element) -> bool:
            """Whether each element up the /P chain is among its parent's kids, up to the tree's root."""
            for _ in range(100):
                if element.objgen == tree.objgen:
                    return True
                parent = element.get("/P")
                if parent is None or not any(isinstance(k, pikepdf.Dictionary) and k.objgen == element.objgen
                                             for k in kids(parent)):
                    return False
                element = parent
            return False

        for index, page in enumerate(pdf.pages):
            marked = parents[int(page.obj.StructParents)]
            for instruction in pikepdf.parse_content_stream(page):
                properties = instruction.operands[1] if str(instruction.operator) == "BDC" else None
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    mcid = int(properties.MCID)
                    element = marked[mcid]
                    checked += 1
                    if mcid not in [k for k in kids(element) if isinstance(k, int)] or element.Pg.objgen != page.objgen:
                        problems.append((index, mcid))
                    if not reachable(element):
                        problems.append((index, mcid, "element not reachable from the structure tree root"))
            for annotation in page.obj.get("/Annots", []):
                element = parents[int(annotation.StructParent)]
                if not any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                           and k.Obj.objgen == annotation.objgen for k in kids(element)):
                    problems.append((index, "annotation without its structure element"))
    assert checked > 20
    return problems


@pytest.mark.parametrize("clinic", CLINICS)
def test_every_clinic_file_is_valid_and_tagged(brochures, clinic):
    path = dist(brochures, f"{SLUG}-brochure-{clinic}.pdf")
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
    gs = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(path)], capture_output=True, text=True)
    assert not (gs.stdout + gs.stderr).strip()
    reader = PdfReader(str(path))
    assert reader.metadata.title == "Brochure Test Book" and reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.outline
    assert not _structure_problems(path)


def _back_cover_png(path, tmp_path, dpi=150):
    count = len(PdfReader(str(path)).pages)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(count), "-l", str(count), "-singlefile", str(path),
                    str(tmp_path / "back")], check=True)
    return tmp_path / "back.png"


@pytest.mark.parametrize("clinic, url", [("seoul-knee", "https://seoul-knee.example/guide"),
                                         ("busan-joint", "https://guide.example.org/knee/")])
def test_qr_code_decodes_to_the_rows_address_or_the_books_url(brochures, tmp_path, clinic, url):
    png = _back_cover_png(dist(brochures, f"{SLUG}-brochure-{clinic}.pdf"), tmp_path)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.split()
    assert decoded == [url]


def test_back_cover_links_phone_email_and_website(brochures):
    reader = PdfReader(str(dist(brochures, f"{SLUG}-brochure-seoul-knee.pdf")))
    uris = {a.get_object()["/A"]["/URI"] for a in reader.pages[-1].get("/Annots", [])
            if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]}
    assert {"tel:+8225550100", "mailto:care@seoul-knee.example", "https://seoul-knee.example/",
            "https://seoul-knee.example/guide"} <= uris
    # the logo is drawn (an SVG logo: vector paths in its own form or on the page), the QR code is vector
    page = reader.pages[-1]
    assert not page.images  # neither the SVG logo nor the QR code became a raster image


def test_low_resolution_logo_is_a_warning_in_build_and_check(brochures, capsys):
    assert "images/logo-low.png: warning: the logo prints at 42 dpi" in brochures[1]
    code, out, _ = run(["check", "--project", str(brochures[0])], capsys)
    assert code == 0 and "logo-low.png: warning" in out


def test_draft_edition_prints_sample_on_every_page(brochures):
    pages = pdf_pages_text(dist(brochures, f"{SLUG}-sample.pdf"))
    assert pages and all("SAMPLE — not for distribution" in page for page in pages)
    assert not any("SAMPLE" in page for page in pdf_pages_text(dist(brochures, f"{SLUG}-brochure-seoul-knee.pdf")))


def test_placeholder_branding_refuses_to_build(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("    draft: true\n", ""))
    code, _, err = run(["build", "sample", "--project", str(project)], capsys)
    assert code == 1
    line = next(i for i, text in enumerate(config.read_text().splitlines(), 1) if text.strip() == "branding:" and i > 20)
    assert f"book.yaml:{line}: branding still holds the example text 'Your clinic's name'" in err
    assert "draft: true" in err and "Traceback" not in err
    assert not (project / "dist").exists()


@pytest.mark.parametrize("row, column, message", [
    ("bad,,,,,,,,", "name", "the clinic's name is missing"),
    ("bad,Bad Clinic,,,,,../outside.svg,,", "logo", "outside the project folder"),
    ("bad,Bad Clinic,,,,www.bad.example,,,", "website", "is not a web address"),
    ("bad,Bad Clinic,,,,,,ftp://bad.example/,", "qr", "is not a web address"),
    (",Bad Clinic,,,,,,,", "id", "the row has no id"),
    ("seoul-knee,Again,,,,,,,", "id", "is used again"),
    ("bad,Bad Clinic,Gangnam-gu, Seoul,,,,,,", "(extra cells)", "more cells than the header"),
    ("bad,Bad Clinic,,,,,,,,Your clinic's name", "(extra cells)", "more cells"),
])
def test_bad_clinic_row_names_file_row_and_column(tmp_path, capsys, row, column, message):
    project = copy_fixture("brochure", tmp_path)
    (project / "outside.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    clinics = project / "data" / "clinics-list.csv"
    clinics.write_text(clinics.read_text() + row + "\n")
    code, _, err = run(["build", "--project", str(project)], capsys)
    assert code == 1, err
    assert f"data/clinics-list.csv:4: row 3, column '{column}': " in err and message in err, err
    assert not (project / "dist").exists()  # nothing written


def test_placeholder_in_a_clinic_list_names_the_row(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    clinics = project / "data" / "clinics-list.csv"
    clinics.write_text(clinics.read_text() + "todo,Your clinic's name,,,,,,,\n")
    code, _, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and "data/clinics-list.csv:4: row 3 branding still holds the example text" in err


def test_clinic_list_in_yaml(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    (project / "data" / "clinics.yaml").write_text(
        "- {id: one, name: One Clinic, lines: [Line one, Line two], phone: '+82 2 000 0000'}\n"
        "- {id: two, name: Two Clinic, website: not-a-url}\n")
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("data/clinics-list.csv", "data/clinics.yaml"))
    code, _, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and "data/clinics.yaml:2: row 2, column 'website': 'not-a-url' is not a web address" in err


def test_download_page_lists_every_edition_and_loads_nothing_from_outside(brochures, tmp_path):
    from lxml import html as lxml_html
    from urllib.parse import urlsplit
    page = dist(brochures, "index.html")
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    tree = lxml_html.fromstring(dom)
    assert tree.get("lang") == "en" and tree.findtext(".//h1") == "Brochure Test Book"
    assert "2026-02-01" in tree.text_content() and "A two-chapter book for testing" in tree.text_content()
    images = tree.findall(".//img")
    assert images and all(img.get("alt") for img in images)
    for element in tree.iter():
        for attribute in ("src", "href"):
            value = element.get(attribute)
            if value is not None:
                assert urlsplit(value).scheme in ("", "data"), value  # nothing fetched from the network
    links = [a.get("href") for a in tree.iter("a")]
    files = {p.name for p in page.parent.glob("*.pdf")} - {f"{SLUG}-sample.pdf"}
    assert set(links) == files  # every edition, and each link resolves to a file in dist/
    assert all((page.parent / link).is_file() for link in links)
    assert f"{SLUG}-sample.pdf" not in links  # a draft is not offered for download
    rows = [" ".join(cell.text_content().strip() for cell in row) for row in tree.iter("tr")]
    assert any("Press — Seoul Knee Clinic PDF/X-4" in row and "kB" in row for row in rows)


def _add_edition(project, text: str) -> None:
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("editions:\n", "editions:\n" + text, 1))


def test_an_edition_cannot_leave_out_an_essential_section(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    _add_edition(project, "  short:\n    format: pdf\n    include: [about]\n")
    code, _, err = run(["build", "short", "--project", str(project)], capsys)
    assert code == 1
    assert "chapters/02-risks.md:3: edition 'short' leaves out the essential section 'risks'" in err
    # and the sentence pointing at it is named too, rather than silently losing its link
    assert "chapters/01-about.md:4: 'risks summary' links to '#risks', which edition 'short' leaves out" in err
    assert not (project / "dist").exists()


def test_required_sections_in_book_yaml(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    config = project / "book.yaml"
    config.write_text("required: [ch-about, nowhere]\n" + config.read_text())
    _add_edition(project, "  short:\n    format: epub\n    include: [risks]\n")
    code, _, err = run(["check", "--project", str(project)], capsys)
    assert code == 1
    assert "edition 'short' leaves out the essential section 'ch-about'" in err
    assert "required section 'nowhere' does not exist" in err


def test_link_into_an_omitted_section_is_an_error_or_in_lenient_mode_a_warning(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    chapter = project / "chapters" / "01-about.md"
    chapter.write_text(chapter.read_text() + "\nSee [the long story](#long).\n\n## The long story {#long .detail}\n\nLong.\n")
    _add_edition(project, "  lean:\n    format: epub\n    omit: [detail]\n")
    code, _, err = run(["check", "--project", str(project)], capsys)
    line = chapter.read_text().splitlines().index("See [the long story](#long).") + 1
    assert code == 1 and f"chapters/01-about.md:{line}: 'the long story' links to '#long', which edition 'lean'" in err
    config = project / "book.yaml"
    config.write_text("strict: false\n" + config.read_text())
    code, out, err = run(["check", "--project", str(project)], capsys)
    assert code == 0 and f"warning: chapters/01-about.md:{line}: 'the long story'" in out


def early_line_breaks(pdf) -> list[tuple[int, str, str]]:
    """(page, line, next line's first word) for each line that ends although that word would have fitted.

    In ragged-right text a line may end anywhere short of the column's edge, but not so short that the next
    line's first word, with a space, would fit in what is left: that is a broken line ("prepared in a" /
    "laboratory"). The column's edge is the widest line of the block, as pdftotext groups them.
    """
    from lxml import etree
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    found = []
    for number, page in enumerate(etree.fromstring(xml, etree.HTMLParser()).iter("page"), start=1):
        for block in page.iter("block"):
            lines = block.findall("line")
            edge = max((float(line.get("xmax")) for line in lines), default=0)
            for line, following in zip(lines, lines[1:]):
                words = following.findall("word")
                if not words:
                    continue
                first = words[0]
                width = float(first.get("xmax")) - float(first.get("xmin"))
                space = 0.35 * (float(first.get("ymax")) - float(first.get("ymin")))
                if edge - float(line.get("xmax")) > width + space:
                    found.append((number, " ".join(w.text for w in line.findall("word")), first.text))
    return found


@pytest.mark.slow
def test_ragged_brochure_has_no_early_line_breaks(guide_build):
    # WeasyPrint 70 cut "prepared in a" / "laboratory" and "Depending" / "on how complex" (book/render/linebreak.py)
    assert early_line_breaks(guide_build / "koa-stem-cells-korea-brochure.pdf") == []


def test_early_line_break_measure_finds_a_broken_line(tmp_path):
    from weasyprint import HTML
    html = ("<p style='width: 60mm; font: 10pt sans-serif'>Depending<br>on how complex the treatment is, the "
            "whole process can last a few days.</p>")
    HTML(string=html).write_pdf(tmp_path / "broken.pdf")
    assert [word for _, _, word in early_line_breaks(tmp_path / "broken.pdf")] == ["on"]


def _clinic_list(project, count: int) -> list[str]:
    """Give the fixture a list of `count` clinics (logos in logos/, outside the source folders): their ids."""
    (project / "logos").mkdir()
    shutil.copy(project / "images" / "logo.svg", project / "logos" / "logo.svg")
    rows = "".join(f"clinic-{n},Clinic Number {n},{n} Teheran-ro,+82 2 555 {n:04d},desk{n}@clinic.example,"
                   f"https://clinic{n}.example/,logos/logo.svg,https://clinic{n}.example/guide,\n"
                   for n in range(1, count + 1))
    (project / "data" / "clinics-list.csv").write_text(COLUMNS_LINE + rows, encoding="utf-8")
    return [f"clinic-{n}" for n in range(1, count + 1)]


COLUMNS_LINE = "id,name,lines,phone,email,website,logo,qr,note\n"


def _every_byte_decompressed(path) -> bytes:
    """The file's bytes with every Flate stream in it decompressed, object streams too, whatever revision or
    object they belong to, referenced or not: what anyone reading the file (not only a viewer) could find."""
    data = path.read_bytes()
    found = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            found.append(zlib.decompressobj().decompress(data[match.end():]))
        except zlib.error:
            pass
    return b"".join(found)


def test_clinic_batch_gives_every_clinic_its_own_tagged_brochure_booklet_and_press(tmp_path, capsys):
    # several back covers come from one batch document: each file must carry its own page and its own tags
    project = copy_fixture("brochure", tmp_path)
    ids = _clinic_list(project, 4)
    with open(project / "chapters" / "02-risks.md", "a", encoding="utf-8") as chapter:  # 10 pages: the booklet
        chapter.write("\n\n" + "Patients should discuss every risk with their doctor. " * 60 + "\n")  # is padded
    code, out, err = run(["build", "brochure", "booklet", "press", "--project", str(project)], capsys)
    assert code == 0, err
    for n, clinic in enumerate(ids, 1):
        brochure = project / "dist" / f"{SLUG}-brochure-{clinic}.pdf"
        back = pdf_pages_text(brochure)[-1]
        assert f"Clinic Number {n}" in back and f"+82 2 555 {n:04d}" in back
        assert not [m for m in range(1, 5) if m != n and f"Clinic Number {m}\n" in back + "\n"]
        assert subprocess.run(["qpdf", "--check", str(brochure)], capture_output=True).returncode == 0
        assert not _structure_problems(brochure)
        booklet = project / "dist" / f"{SLUG}-booklet-{clinic}.pdf"
        assert f"Clinic Number {n}" in "".join(pdf_pages_text(booklet))
        # the Notes page on the booklet's padding, in every clinic's booklet alike (12 pages for 10: two pads, the
        # first printed with Notes, the last, inside the back cover, left blank)
        assert "".join(pdf_pages_text(booklet)).count("Notes") == 1, pdf_pages_text(booklet)
        gs = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(booklet)],
                            capture_output=True, text=True)
        assert not (gs.stdout + gs.stderr).strip()
        press = project / "dist" / f"{SLUG}-press-{clinic}.pdf"
        for path in (brochure, booklet, press):
            # the others are the shared file with a blank back cover plus an update: no other clinic's details in it
            assert path.read_bytes().count(b"%%EOF") == (1 if n == 1 else 2), path.name
            everything = _every_byte_decompressed(path)
            others = [m for m in range(1, 5) if m != n and f"clinic{m}.example".encode() in everything]
            assert not others, f"{path.name} holds clinic {others}'s details"
            # (the check sees what it looks for in a brochure: the website's link; booklet and press files have no
            # links: tests/test_units.py checks the update writer they share leaves nothing unreferenced behind)
            assert (f"clinic{n}.example".encode() in everything) == (path == brochure), path.name
            mutool = subprocess.run(["mutool", "info", str(path)], capture_output=True, text=True)
            assert mutool.returncode == 0 and "error" not in (mutool.stdout + mutool.stderr).lower()
        assert f"Clinic Number {n}" in pdf_pages_text(press)[-1]
        with pikepdf.open(press) as pdf:
            assert "/OutputIntents" in pdf.Root and not any("/Annots" in page.obj for page in pdf.pages)
            operators = {str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[-1])}
            assert "k" in operators and not {"rg", "RG"} & operators  # the back cover too is CMYK
    assert f"{len(ids)} clinics" in out


def test_unchanged_clinic_list_edition_is_skipped_and_rebuilt_when_list_logo_or_chapter_changes(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    ids = _clinic_list(project, 3)
    build = ["build", "brochure", "booklet", "--project", str(project)]
    assert run(build, capsys)[0] == 0
    code, out, _ = run(build, capsys)
    assert code == 0 and out.count("up to date") == 2 and "clinics  brochure" not in out
    changes = [
        lambda: (project / "data" / "clinics-list.csv").write_text(
            (project / "data" / "clinics-list.csv").read_text().replace("Clinic Number 2", "Clinic Number Two")),
        lambda: (project / "logos" / "logo.svg").write_text(
            (project / "logos" / "logo.svg").read_text().replace("</svg>", "<!-- new --></svg>")),
        lambda: (project / "chapters" / "01-about.md").write_text(
            (project / "chapters" / "01-about.md").read_text() + "\nOne more sentence.\n"),
    ]
    for change in changes:
        change()
        code, out, _ = run(build, capsys)
        assert code == 0 and "up to date" not in out and "3 clinics × 2 files" in out, out
    assert "Clinic Number Two" in pdf_pages_text(project / "dist" / f"{SLUG}-brochure-{ids[1]}.pdf")[-1]
    # a clinic's file removed or changed by hand is made again
    (project / "dist" / f"{SLUG}-booklet-{ids[2]}.pdf").unlink()
    code, out, _ = run(build, capsys)
    assert code == 0 and "skip     brochure" in out and "clinics  brochure" in out and "skip     booklet" not in out
    assert (project / "dist" / f"{SLUG}-booklet-{ids[2]}.pdf").is_file()


def test_draft_clinic_list_prints_sample_on_every_clinics_back_cover_too(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    ids = _clinic_list(project, 3)
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("    branding: data/clinics-list.csv\n",
                                                 "    branding: data/clinics-list.csv\n    draft: true\n", 1))
    code, _, err = run(["build", "brochure", "--project", str(project)], capsys)
    assert code == 0, err
    for clinic in ids:
        pages = pdf_pages_text(project / "dist" / f"{SLUG}-brochure-{clinic}.pdf")
        assert all("SAMPLE — not for distribution" in page for page in pages), clinic


def test_back_cover_too_long_for_one_page_names_its_clinic(tmp_path, capsys):
    project = copy_fixture("brochure", tmp_path)
    _clinic_list(project, 3)
    listing = project / "data" / "clinics-list.csv"
    lines = listing.read_text().splitlines()
    lines[3] = lines[3].rstrip(",") + ",\"" + "We are open every day of the week, mornings and afternoons. " * 60 + "\""
    listing.write_text("\n".join(lines) + "\n")
    code, out, err = run(["build", "brochure", "--project", str(project)], capsys)
    assert code == 1 and "edition 'brochure': the back cover for 'clinic-3' takes" in err
    assert "pages, not one (shorten that clinic's lines or note" in err
    assert "Traceback" not in err and not list((project / "dist").glob("*.pdf"))


def test_clinic_files_are_the_same_on_one_core_and_on_two(tmp_path):
    # With one worker the back covers are laid out in this process after the brochure (forked_pool's inline
    # executor), with two in forked workers beside it: the files must not show which.
    project = copy_fixture("brochure", tmp_path)
    _clinic_list(project, 3)
    files = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}"
        shutil.rmtree(project / ".cache", ignore_errors=True)  # no Notes page or part from the other build
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "brochure", "booklet", "press", "--force",
                        "-q", "--project", str(project), "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "GUIDEBOOK_WORKERS": workers, "SOURCE_DATE_EPOCH": "1767225600"})
        files[workers] = {p.name: p.read_bytes() for p in sorted(out.glob("*.pdf"))}
    assert len(files["1"]) == 9 and files["1"] == files["2"]
