"""Accessibility as the reference checkers see it: DAISY Ace on every EPUB, a structure-tree audit and the
`pdfua` checker on every tagged PDF, metadata that follows the book, a raster cover, page-list targets."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from PIL import Image

from book.cli import main
from book.render.epub import ContentFacts, accessibility_metadata
from conftest import FIXTURES, REPO, epub_files, pdf_pages_text, run
from pdf_audit import audit, pagination_artifacts, tagged_kinds

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops", "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
SLUG = "koa-stem-cells-korea"
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI") == "true"
ACE_CACHE = REPO / ".cache" / "ace"


def need(tool: str) -> None:
    """Skip when a checker is missing on a developer's machine; in CI it must be there."""
    if shutil.which(tool) is None and not (tool == CHROMIUM and Path(CHROMIUM).exists()):
        if IN_CI:
            pytest.fail(f"{tool} is missing in CI (.ci/run installs it; the Makefile's Ace stamp installs Ace)")
        pytest.skip(f"{tool} is not installed (`make test` installs DAISY Ace with npm; needs Debian's nodejs, npm, chromium)")


@pytest.fixture(scope="session")
def editions_build(tmp_path_factory) -> Path:
    """The `editions` fixture (images, a decorative image, tables, a booklet, a press edition): its dist/."""
    project = tmp_path_factory.mktemp("editions") / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    assert main(["build", "-q", "--project", str(project), "ebook", "a4", "press", "brochure", "booklet"]) == 0
    return project / "dist"


# Documents of tests/corpus/ written for GitHub, with what made their ebook fail DAISY Ace until guidebook mended
# it in lenient mode: skipped heading levels, badge and sponsor links with nothing to read, an empty header cell,
# `<a name>` anchors
READMES = ("markdown-it/README.md", "tedious/README.md", "black/docs/contributing/gauging_changes.md",
           "json-parse-even-better-errors/README.md")


@pytest.fixture(scope="session")
def readmes_epub(tmp_path_factory) -> Path:
    """READMES as one lenient ebook (no PDF edition: nothing to lay out)."""
    project = tmp_path_factory.mktemp("readmes")
    (project / "chapters").mkdir()
    names = [f"{index:02d}-{Path(document).parent.name}.md" for index, document in enumerate(READMES, 1)]
    for document, name in zip(READMES, names):
        shutil.copyfile(REPO / "tests" / "corpus" / document, project / "chapters" / name)
    (project / "book.yaml").write_text("title: READMEs\nlanguage: en\ndate: 2026-01-01\nstrict: false\n"
                                       "raw_html: escape\neditions:\n  ebook: {format: epub}\nchapters:\n"
                                       + "".join(f"  - chapters/{name}\n" for name in names))
    assert main(["build", "-q", "--project", str(project)]) == 0
    return project / "dist" / "readmes-ebook.epub"


def opf_properties(epub: Path) -> dict[str, list[str]]:
    opf = etree.fromstring(epub_files(epub)["EPUB/content.opf"])
    found: dict[str, list[str]] = {}
    for meta in opf.iterfind(".//opf:meta[@property]", NS):
        found.setdefault(meta.get("property"), []).append(meta.text)
    return found


# --- DAISY Ace ------------------------------------------------------------------------------------------------

def ace_key(epub: Path) -> str:
    """What Ace's verdict on `epub` depends on: the EPUB's bytes, Ace's version (its axe-core rules) and the browser."""
    ace = Path(shutil.which("ace-puppeteer")).resolve()
    package = next(p / "package.json" for p in ace.parents if (p / "package.json").is_file())
    browser = Path(CHROMIUM).resolve().stat()
    browser_version = f"{browser.st_size} {browser.st_mtime_ns}".encode()
    return hashlib.sha256(epub.read_bytes() + package.read_bytes() + browser_version).hexdigest()


@pytest.mark.slow
def test_daisy_ace_reports_no_violation(small_epub, editions_build, guide_build, readmes_epub, tmp_path):
    need("ace-puppeteer")
    need(CHROMIUM)
    epubs = [small_epub, editions_build / "editions-test-book-ebook.epub", readmes_epub, guide_build / f"{SLUG}-ebook.epub",
             *(guide_build / f"{SLUG}-ebook-{language}.epub" for language in ("zh-hans", "ar", "ru"))]
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    # Ace's report on an unchanged EPUB is kept in .cache/ace/ (data only), as EPUBCheck's are: Ace takes about
    # 20 s of CPU per book (a browser opens every file). A changed book is checked again, all books at once.
    cached = {epub: ACE_CACHE / f"{ace_key(epub)}.json" for epub in epubs}
    runs = [(epub, tmp_path / f"ace-{index}", subprocess.Popen(
        ["ace-puppeteer", "--silent", "--force", "--outdir", str(tmp_path / f"ace-{index}"), str(epub)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for index, epub in enumerate(epubs) if not cached[epub].is_file()]
    reports = {epub: json.loads(cached[epub].read_text()) for epub in epubs if cached[epub].is_file()}
    for epub, out, process in runs:
        log = process.communicate(timeout=600)[0].decode(errors="replace")
        assert process.returncode == 0, f"{epub.name}: Ace failed to run\n{log}"
        reports[epub] = json.loads((out / "report.json").read_text())
        ACE_CACHE.mkdir(parents=True, exist_ok=True)
        cached[epub].write_text(json.dumps({key: reports[epub][key] for key in ("assertions", "earl:result")}))
    failures = []
    for epub in epubs:
        report = reports[epub]
        violations = [f"{epub.name} {group['earl:testSubject']['url']}: {item['earl:test']['earl:impact']} "
                      f"{item['earl:test']['dct:title']} {item['earl:result'].get('dct:description', '')}"
                      for group in report["assertions"] for item in group["assertions"]]
        failures += violations
        if not violations:
            assert report["earl:result"]["earl:outcome"] == "pass", epub.name
    assert not failures, "\n".join(failures)


# --- PDF/UA -------------------------------------------------------------------------------------------------

def tagged_pdfs(guide_build: Path, editions_build: Path) -> list[Path]:
    return [*(guide_build / f"{SLUG}-{name}.pdf" for name in ("print", "letter", "brochure", "print-shop")),
            *(editions_build / f"editions-test-book-{name}.pdf" for name in ("a4", "press", "brochure"))]


@pytest.mark.slow
def test_every_tagged_edition_passes_the_structure_audit_and_pdfua(guide_build, editions_build):
    from pdfua import validate

    for pdf in tagged_pdfs(guide_build, editions_build):
        assert audit(pdf) == [], pdf.name
        report = validate(str(pdf))
        errors = [f"{f.rule_id} {f.message}" for f in report.findings if f.severity.name == "ERROR"]
        assert errors == [], pdf.name
        # warnings too: tables whose headers have no scope, links without a description, ...
        assert [f.rule_id for f in report.findings] == [], pdf.name


@pytest.mark.slow
def test_running_heads_and_folios_are_artifacts_and_the_contents_is_a_toc(guide_build):
    pdf = guide_build / f"{SLUG}-print.pdf"
    artifacts = pagination_artifacts(pdf)
    pages = pdf_pages_text(pdf)
    with_folio = [i for i, text in enumerate(pages) if text.strip() and text.split()[-1].isdigit()]
    assert len(with_folio) > 15
    assert all(artifacts[i] >= 1 for i in with_folio), artifacts
    kinds = tagged_kinds(pdf)
    assert kinds["/TOC"] >= 2 and kinds["/TOCI"] >= 40  # the contents (nested) and the list of tables
    assert kinds["/TH"] == 33 and "/L" in kinds  # other lists stay lists


@pytest.mark.slow
def test_header_cells_keep_the_html_scope(guide_build):
    """The first column of a data table is its row header (scope="row" in the EPUB): /Row in the PDF."""
    from pdf_audit import elements

    pdf = pikepdf.open(guide_build / f"{SLUG}-print.pdf")
    scopes = [str(e.A.Scope) for e, _ in elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.TH]
    epub = epub_files(guide_build / f"{SLUG}-ebook.epub")
    html = [th.get("scope") for name, data in epub.items() if name.endswith(".xhtml")
            for th in etree.fromstring(data).iterfind(".//x:th", NS)]
    assert sorted(scopes) == sorted({"col": "/Column", "row": "/Row", None: "/Column"}[s] for s in html)  # no scope: in <thead>


@pytest.mark.slow
def test_decorative_image_is_an_artifact_and_the_picture_has_its_alt(editions_build):
    pdf = editions_build / "editions-test-book-a4.pdf"
    from pdf_audit import elements

    document = pikepdf.open(pdf)
    figures = [str(e.get("/Alt")) for e, _ in elements(document.Root.StructTreeRoot) if e.S == pikepdf.Name.Figure]
    assert figures == ["A blue rectangle standing in for a diagram of the knee"]


@pytest.mark.slow
def test_each_edition_has_its_own_document_id(guide_build, editions_build):
    def permanent_id(path: Path) -> bytes:
        with pikepdf.open(path) as pdf:
            return bytes(pdf.trailer.ID[0])

    ids = [permanent_id(guide_build / f"{SLUG}-{n}.pdf") for n in ("print", "letter", "brochure", "print-shop", "booklet")]
    ids += [permanent_id(editions_build / f"editions-test-book-{n}.pdf") for n in ("a4", "press")]
    assert len(set(ids)) == len(ids)


# --- EPUB metadata, cover, page-list ----------------------------------------------------------------------------

def test_metadata_follows_what_the_book_holds():
    plain = dict(accessibility_metadata(ContentFacts(images=False, tables=False, page_list=False), "print"))
    rich = accessibility_metadata(ContentFacts(images=True, tables=True, page_list=True), "print")
    assert plain["schema:accessMode"] == "textual" and plain["schema:accessModeSufficient"] == "textual"
    assert "page list" not in plain["schema:accessibilitySummary"] and "Data tables" not in plain["schema:accessibilitySummary"]
    features = [v for k, v in rich if k == "schema:accessibilityFeature"]
    assert {"alternativeText", "printPageNumbers", "pageNavigation", "pageBreakMarkers"} <= set(features)
    assert [v for k, v in rich if k == "schema:accessMode"] == ["textual", "visual"]
    plain_features = [v for k, v in accessibility_metadata(ContentFacts(False, False, False), "print")
                      if k == "schema:accessibilityFeature"]
    assert plain_features == ["tableOfContents", "structuralNavigation", "readingOrder"]


@pytest.mark.slow
def test_two_fixtures_with_and_without_images(small_epub, editions_build):
    text_only = opf_properties(small_epub)
    assert text_only["schema:accessMode"] == ["textual"]
    assert text_only["schema:accessModeSufficient"] == ["textual"]
    assert "alternativeText" not in text_only["schema:accessibilityFeature"]
    assert "All content is text" in text_only["schema:accessibilitySummary"][0]
    pictured = opf_properties(editions_build / "editions-test-book-ebook.epub")
    assert pictured["schema:accessMode"] == ["textual", "visual"]
    assert pictured["schema:accessModeSufficient"] == ["textual", "textual,visual"]
    assert "alternativeText" in pictured["schema:accessibilityFeature"]
    assert "every image that carries meaning has a text alternative" in pictured["schema:accessibilitySummary"][0]
    for properties in (text_only, pictured):  # both page like their print edition
        assert {"printPageNumbers", "pageNavigation"} <= set(properties["schema:accessibilityFeature"])
        assert properties["schema:accessibilityHazard"] == ["none"]


def test_package_has_a_language_and_the_colophon_its_role(small_epub):
    files = epub_files(small_epub)
    opf = etree.fromstring(files["EPUB/content.opf"])
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    colophon = etree.fromstring(files["EPUB/front.xhtml"]).find(".//*[@id='colophon']")
    assert colophon.get(EPUB_TYPE) == "colophon" and colophon.get("role") == "doc-colophon"


def test_cover_image_is_a_png_drawn_from_the_cover_design(small_epub):
    files = epub_files(small_epub)
    opf = etree.fromstring(files["EPUB/content.opf"])
    item = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert item.get("media-type") == "image/png"
    png = files[f"EPUB/{item.get('href')}"]
    image = Image.open(io.BytesIO(png))
    assert image.size == (1200, 1800) and image.format == "PNG"
    assert image.getpixel((20, 20)) == (0x1F, 0x5F, 0x7A)  # the design's background
    title_band = image.crop((140, 420, 1060, 560)).getcolors(1_000_000)
    assert any(color == (255, 255, 255) for _, color in title_band)  # white title text drawn
    cover_page = etree.fromstring(files["EPUB/cover.xhtml"])
    assert cover_page.find(".//x:img", NS).get("src") == item.get("href")
    # (test_epub.py's two builds are byte-identical, the PNG included)


def test_a_cover_svg_that_cannot_be_drawn_is_an_authors_error(tmp_path, capsys):
    project = tmp_path / "small"
    shutil.copytree(FIXTURES / "small", project)
    (project / "cover.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900">\n'
                                       '<rect width="600" height="900" fill="#123"/>\n<circle r="5"/>\n</svg>\n')
    (project / "book.yaml").write_text((project / "book.yaml").read_text() + "cover: cover.svg\n")
    code, _, err = run(["build", "-q", "--project", str(project), "ebook"], capsys)
    assert code == 1
    assert "cover.svg:3: <circle> cannot be drawn as the PNG cover" in err and "Traceback" not in err


FIT_SCRIPT = """
const puppeteer = require(process.env.PUPPETEER_MODULE);
(async () => {
  const browser = await puppeteer.launch({executablePath: process.env.PUPPETEER_EXECUTABLE_PATH,
                                          args: ['--no-sandbox', '--disable-gpu']});
  const page = await browser.newPage();
  const sizes = [];
  for (const [w, h] of [[360, 640], [600, 800], [1024, 768], [1920, 1080]]) {
    await page.setViewport({width: w, height: h});
    await page.goto('file://' + process.argv[2]);
    sizes.push(await page.evaluate(() => [innerWidth, innerHeight, document.documentElement.scrollWidth,
                                          document.documentElement.scrollHeight]));
  }
  console.log(JSON.stringify(sizes));
  await browser.close();
})();
"""


def screen_sizes(page: Path, tmp_path: Path) -> list[list[int]]:
    """[inner width, inner height, scroll width, scroll height] of the extracted EPUB's `page` in headless chromium
    at a phone's, a tablet's, a laptop's and a wide screen's size."""
    need("ace-puppeteer")  # Ace brings puppeteer, which drives Debian's chromium
    need(CHROMIUM)
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True).stdout.strip()
    module = Path(root) / "@daisy" / "ace" / "node_modules" / "puppeteer"
    if not module.exists():
        pytest.skip("puppeteer not found beside DAISY Ace")
    (tmp_path / "fit.js").write_text(FIT_SCRIPT)
    result = subprocess.run(["node", str(tmp_path / "fit.js"), str(page)],
                            env={**os.environ, "PUPPETEER_MODULE": str(module), "PUPPETEER_EXECUTABLE_PATH": CHROMIUM},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cover_page_fits_one_screen_at_any_size(small_epub, tmp_path):
    with __import__("zipfile").ZipFile(small_epub) as archive:
        archive.extractall(tmp_path / "book")
    for width, height, scroll_width, scroll_height in screen_sizes(tmp_path / "book" / "EPUB" / "cover.xhtml", tmp_path):
        assert (scroll_width, scroll_height) == (width, height)


WIDE_TABLE = """
## Options

| Option | Type | Default | Description | Example | Since | Notes |
| --- | --- | --- | --- | --- | --- | --- |
| `retry.calculateDelay` | `Function` | `({computedValue}) => computedValue` | How long to wait before the next attempt, in milliseconds | `https://example.com/api/v2/retries/configuration` | 11.0.0 | see `maxRetryAfter` |
| `cacheOptions.shared` | `boolean` | `true` | Whether the cache is shared between users | `false` | 12.0.0 | none |
"""


def test_a_wide_table_never_makes_the_page_wider_than_the_screen(tmp_path):
    # got's README has tables like this one: on a 360 px phone it ran 300 px off the screen's edge, and at 1024 px
    # off the text column's; now its code breaks anywhere and what still does not fit scrolls in its own box
    project = tmp_path / "small"
    shutil.copytree(FIXTURES / "small", project)
    with (project / "chapters" / "02-details.md").open("a", encoding="utf-8") as chapter:
        chapter.write(WIDE_TABLE)
    assert main(["build", "-q", "--project", str(project), "ebook"]) == 0
    with __import__("zipfile").ZipFile(next((project / "dist").glob("*.epub"))) as archive:
        archive.extractall(tmp_path / "book")
    page = next(p for p in (tmp_path / "book" / "EPUB").glob("*.xhtml") if "calculateDelay" in p.read_text())
    sizes = screen_sizes(page, tmp_path)
    assert [width for width, _, _, _ in sizes] == [360, 600, 1024, 1920]
    for width, _, scroll_width, _ in sizes:
        assert scroll_width == width


@pytest.mark.slow
def test_front_matter_pages_begin_where_the_printed_pages_do(guide_build):
    files = epub_files(guide_build / f"{SLUG}-ebook.epub")
    trees = {name.removeprefix("EPUB/"): etree.fromstring(data) for name, data in files.items() if name.endswith(".xhtml")}
    page_list = trees["nav.xhtml"].find(".//x:nav[@epub:type='page-list']", NS)
    printed = pdf_pages_text(guide_build / f"{SLUG}-print.pdf")
    roman = [(a.text, a.get("href")) for a in page_list.iterfind(".//x:a", NS) if not a.text.isdigit()]
    assert [label for label, _ in roman] == ["i", "ii", "iii", "iv", "v", "vi"]
    for index, (label, href) in enumerate(roman):
        name, _, fragment = href.partition("#")
        marker = trees[name].find(f".//*[@id='{fragment}']")
        assert marker is not None and marker.get(EPUB_TYPE) == "pagebreak", href
        if name == "front.xhtml":  # the title page and the colophon open with their page
            assert marker.getparent().get("id") == ["title-page", "colophon"][index], href
            continue
        lines = [line.strip() for line in printed[index].splitlines() if line.strip()]
        if not lines:  # a blank page begins where the next page does
            continue
        # a contents page: the marker sits before the contents or inside the entry printed first on the page
        around = marker.getparent() if marker.getparent().tag == f"{{{NS['x']}}}a" else marker.getnext()
        # the page's first line is a contents entry followed by its page number: compare the entry's words
        words = [w for w in lines[0].split() if not re.fullmatch(r"[0-9]+|[ivxlc]+", w)][:3]
        assert " ".join(words) in " ".join("".join(around.itertext()).split()), (label, lines[0])
    assert [href.split("#")[0] for _, href in roman[:5]] == ["front.xhtml"] * 2 + ["nav.xhtml"] * 3


def test_front_matter_pages_find_their_place_in_the_ebook():
    from book.commands.build import page_breaks
    from book.render.page_list import PageBreak, front_page_targets

    labels = ("i", "ii", "iii", "iv", "v", "vi", "vii", "1", "2")
    starts = ("-title-page", "-colophon", "-contents", "-toc-deep", "", "-lot", "", "intro-0", "intro-4")
    breaks = page_breaks(labels, starts)
    assert [(p.label, p.block) for p in breaks[""]] == [
        ("i", "-title-page"), ("ii", "-colophon"), ("iii", "-contents"), ("iv", "-toc-deep"), ("v", "-lot"),
        ("vi", "-lot")]  # a blank page belongs to the page after it
    assert [(p.label, p.block) for p in breaks["intro"]] == [("vii", "intro-0"), ("1", "intro-0"), ("2", "intro-4")]
    targets = front_page_targets(breaks[""], {"title-page", "colophon"}, {"toc", "lot", "nav-shallow"})
    assert [(page.label, file, target) for page, file, target in targets] == [
        ("i", "front.xhtml", "title-page"), ("ii", "front.xhtml", "colophon"), ("iii", "nav.xhtml", "toc"),
        ("iv", "nav.xhtml", "toc"),  # an entry the ebook's contents leave out: where the page before begins
        ("v", "nav.xhtml", "lot"), ("vi", "nav.xhtml", "lot")]
    # a project's own print layout without front-matter blocks: pages follow the front matter's sections
    old = front_page_targets([PageBreak(label, "", "") for label in ("i", "ii", "iii")], {"title-page", "colophon"}, set())
    assert [target for _, _, target in old] == ["title-page", "colophon", "colophon"]
