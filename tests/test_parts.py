"""The fast path (chapters laid out as parts, merged) gives what a single-document render gives."""
from __future__ import annotations

import re
import shutil
import subprocess

import pikepdf
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
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(7 if n == 4 else 14))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(f"# More {n}\n\n## Part A\n\n{text}\n\n## Part B\n\nSee [](02-details.md#prices).\n")
    # and a pair whose chapters open on either side (as a brochure's): a chapter or a chunk of running heads that
    # starts on a left-hand page must be laid out as one (mirrored margins, the left page's head and folio)
    free = "{format: pdf, page_size: A5, pdf_variant: none, recto_chapters: false, margins: 15mm 9mm 17mm 25mm, back_cover: true"
    with open(project / "book.yaml", "a", encoding="utf-8") as config:
        config.write(f"  parts-free: {free}, pdf_engine: parts}}\n  single-free: {free}, pdf_engine: single}}\n")
    assert main(["build", "-q", "--project", str(project), "parts", "single", "parts-free", "single-free"]) == 0
    dist = project / "dist"
    return dist / "editions-test-book-parts.pdf", dist / "editions-test-book-single.pdf"


@pytest.mark.parametrize("suffix", ["", "-free"])
def test_same_text_on_every_page(both, suffix):
    dist = both[0].parent
    parts, single = (pdf_pages_text(dist / f"editions-test-book-{engine}{suffix}.pdf") for engine in ("parts", "single"))
    assert len(parts) == len(single) > 12
    if suffix:  # the check has something to find: chapters open on left-hand pages too
        openings = [i for i, page in enumerate(single) if "Paragraph 0 of chapter" in page]
        assert {i % 2 for i in openings} == {0, 1}, openings
    for number, (a, b) in enumerate(zip(parts, single), 1):
        edition = re.compile(r"(Parts|Single)(-free)? edition")
        assert edition.sub("X", a) == edition.sub("X", b), f"page {number}"


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


def test_a_changed_image_is_laid_out_again(both):
    """A cached part is good only while the files its layout read stay the same: an image replaced under the
    same name (the chapter's text unchanged) must reach the PDF."""
    from PIL import Image

    project = both[0].parent.parent

    def image_widths() -> set[int]:
        with pikepdf.open(both[0]) as pdf:
            return {int(x.Width) for page in pdf.pages for x in page.get_images().values()}

    before = image_widths()
    Image.new("RGB", (317, 41), "orange").save(project / "images" / "diagram.png")
    assert main(["build", "-q", "--project", str(project), "parts"]) == 0
    assert 317 in image_widths() and 317 not in before


# --- Tagged (PDF/UA) editions: the parts' structure trees merged give the single document's tree ---

TAGGED_EDITIONS = """
  uaparts: {format: pdf, page_size: A4, pdf_engine: parts}
  uasingle: {format: pdf, page_size: A4, pdf_engine: single}
"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """A PDF/UA edition of four short chapters (links between them, a table, lists, a figure) made both ways."""
    project = tmp_path_factory.mktemp("tagged") / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    intro = project / "chapters" / "01-intro.md"  # WeasyPrint tags a decorative image as a Figure without /Alt
    intro.write_text(intro.read_text().replace("![](../images/rule.png){.decorative}\n", ""))
    for n in (3, 4):
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 30 for i in range(8))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(
            f"# More {n}\n\n## Part A\n\n| Fruit | Price |\n| --- | --- |\n| Fig {n} | {n} |\n\n{text}\n\n"
            f"1. first\n2. second, see [the prices](02-details.md#prices)\n\n"
            f"## Part B\n\nBack to [](01-intro.md) and [a web page](https://example.org/{n}).\n")
    with (project / "book.yaml").open("a") as config:
        config.write(TAGGED_EDITIONS)
    assert main(["build", "-q", "--project", str(project), "uaparts", "uasingle"]) == 0
    dist = project / "dist"
    return dist / "editions-test-book-uaparts.pdf", dist / "editions-test-book-uasingle.pdf"


def _to_unicode(font) -> tuple[int, dict[bytes, str]]:
    """(bytes per code, code → text) from a font's ToUnicode CMap (bfchar and bfrange entries)."""
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    if "/ToUnicode" not in font:
        return width, {}
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    table = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            table[bytes.fromhex(code)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = int.from_bytes(bytes.fromhex(text), "big")
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code.to_bytes(len(low) // 2, "big")] = chr(first + offset)
    return width, table


def _marked_content(pdf) -> tuple[dict[tuple[int, int], str], list[int]]:
    """(text of each marked-content sequence by (page index, MCID), pages that paint something outside any marked
    content (neither tagged nor an artifact))."""
    texts, unmarked = {}, []
    for index, page in enumerate(pdf.pages):
        fonts = {name: _to_unicode(font) for name, font in page.Resources.get("/Font", {}).items()}
        stack, font = [], (2, {})
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BDC", "BMC"):
                properties = operands[1] if op == "BDC" else None
                mcid = int(properties.MCID) if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties else None
                stack.append(mcid)
            elif op == "EMC":
                stack.pop()
            elif op == "Tf":
                font = fonts.get(str(operands[0]), (2, {}))
            elif op in ("Tj", "TJ", "'", '"', "Do", "f", "f*", "S", "B", "b"):
                if not stack:
                    unmarked.append(index)
                strings = [s for s in (operands[-1] if op == "TJ" else operands[-1:]) if isinstance(s, pikepdf.String)]
                mcid = next((m for m in reversed(stack) if m is not None), None)
                if op in ("Tj", "TJ", "'", '"') and mcid is not None:
                    width, table = font
                    raw = b"".join(bytes(s) for s in strings)
                    text = "".join(table.get(raw[i:i + width], "?") for i in range(0, len(raw), width))
                    texts[(index, mcid)] = texts.get((index, mcid), "") + text
                elif mcid is not None:
                    texts.setdefault((index, mcid), "")
    return texts, sorted(set(unmarked))


def _destination(pdf, annotation, pages) -> tuple:
    """Where a link annotation goes: ("uri", address) or (page index, x, y) rounded to points."""
    if "/A" in annotation and annotation.A.get("/S") == "/URI":
        return ("uri", str(annotation.A.URI))
    dest = annotation.get("/Dest")
    if isinstance(dest, pikepdf.String):
        dest = pikepdf.NameTree(pdf.Root.Names.Dests)[str(dest)]
    return (pages[dest[0].objgen], round(float(dest[2])), round(float(dest[3])))


def structure(path, label: str = "") -> tuple:
    """The structure tree as nested (type, page, details, children); a child is an element, the text of a marked-
    content sequence (by its MCID), or ("link", destination) for an annotation. Element ids, which are object
    numbers, are left out; table cells' /Headers are given as the text of their header cells. `label` (the
    edition's name on the colophon) reads as "X"."""
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        texts = {key: text.replace(label, "X") if label else text for key, text in _marked_content(pdf)[0].items()}
        by_id = {}

        def collect(element):
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                if "/ID" in element:
                    by_id[bytes(element.ID)] = element
                for kid in _kids(element):
                    collect(kid)

        def text(element) -> str:
            return "".join(c if isinstance(c, str) else text_of(c) for c in walk(element)[3])

        def text_of(child) -> str:
            return child[1] if child[0] == "mcid" else "" if child[0] == "link" else text_child(child)

        def text_child(node) -> str:
            return "".join(text_of(c) for c in node[3])

        def walk(element) -> tuple:
            page = pages.get(element.Pg.objgen) if "/Pg" in element else None
            children = []
            for kid in _kids(element):
                if isinstance(kid, int):
                    children.append(("mcid", texts.get((page, kid))))
                elif kid.get("/Type") == "/MCR":
                    children.append(("mcid", texts.get((pages[kid.Pg.objgen], int(kid.MCID)))))
                elif kid.get("/Type") == "/OBJR":
                    children.append(("link", _destination(pdf, kid.Obj, pages)))
                else:
                    children.append(walk(kid))
            details = {key: str(element[key]) for key in ("/Alt", "/Lang", "/ActualText") if key in element}
            attributes = element.get("/A")
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                details["headers"] = tuple(text_child(walk(by_id[bytes(h)])) for h in attributes.Headers)
            return (str(element.S), page, tuple(sorted(details.items())), tuple(children))

        root = pdf.Root.StructTreeRoot
        for top in _kids(root):
            collect(top)
        return tuple(walk(top) for top in _kids(root))


def _kids(element) -> list:
    kids = element.get("/K")
    return [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _flatten(node, depth=0):
    """(depth, type, page, details, text) of every element, for a readable first difference."""
    kind, page, details, children = node
    yield depth, kind, page, details, "".join(c[1] or "" for c in children if c[0] == "mcid")
    for child in children:
        if child[0] not in ("mcid", "link"):
            yield from _flatten(child, depth + 1)


def test_tagged_parts_have_the_single_documents_tree(tagged):
    parts, single = structure(tagged[0], "Uaparts edition"), structure(tagged[1], "Uasingle edition")
    flat = [[row for top in tree for row in _flatten(top)] for tree in (parts, single)]
    for a, b in zip(*flat):
        assert a == b
    assert len(flat[0]) == len(flat[1]) > 100
    assert parts == single  # links (OBJR) and MCID text included
    kinds = {row[1] for row in flat[0]}
    assert {"/Document", "/H1", "/H2", "/P", "/L", "/LI", "/Link", "/Table", "/TH", "/TD", "/Figure"} <= kinds
    assert [row[1] for row in flat[0]].count("/Document") == 1


def test_tagged_parts_parent_tree_and_links_are_consistent(tagged):
    for path in tagged:
        with pikepdf.open(path) as pdf:
            root = pdf.Root.StructTreeRoot
            tree = pikepdf.NumberTree(root.ParentTree)
            texts, unmarked = _marked_content(pdf)
            keys = []
            for index, page in enumerate(pdf.pages):
                mcids = [mcid for (number, mcid) in texts if number == index]
                if mcids:
                    keys.append(int(page.obj.StructParents))
                    table = tree[keys[-1]]
                    for mcid in mcids:  # each marked-content sequence's element holds it and sits on this page
                        element = table[mcid]
                        assert mcid in [int(k) for k in _kids(element) if isinstance(k, int)]
                        assert element.Pg.objgen == page.obj.objgen
                for annotation in page.obj.get("/Annots", []):
                    keys.append(int(annotation.StructParent))
                    element = tree[keys[-1]]
                    assert [k for k in _kids(element) if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                            and k.Obj.objgen == annotation.objgen], f"page {index + 1}: annotation without its Link"
            assert len(keys) == len(set(keys)) and max(keys) < int(root.get("/ParentTreeNextKey", max(keys) + 1))
            ids = [bytes(e.ID) for e in pdf.objects if isinstance(e, pikepdf.Dictionary) and "/ID" in e and "/S" in e]
            assert len(ids) == len(set(ids)) >= 9  # three tables' header cells: ids unique across the parts
            assert pdf.Root.MarkInfo.Marked and pdf.Root.ViewerPreferences.DisplayDocTitle
            assert str(pdf.Root.Lang) == "en"
            assert "pdfuaid:part" in pdf.Root.Metadata.read_bytes().decode()
    with pikepdf.open(tagged[0]) as pdf:  # the running heads and folios drawn over the parts are artifacts
        assert _marked_content(pdf)[1] == []
        assert sum(b"/Artifact <</Type /Pagination>> BDC" in page.obj.Contents[-1].read_bytes()
                   for page in pdf.pages if isinstance(page.obj.Contents, pikepdf.Array)) >= 2


def test_tagged_parts_pass_qpdf_and_pdfua(tagged):
    import pdfua

    findings = []
    for path in tagged:
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        report = pdfua.validate(str(path))
        findings.append(sorted((f.rule_id, f.severity.name, f.message) for f in report.findings))
        assert not [f for f in findings[-1] if f[1] == "ERROR"], findings[-1]
    assert findings[0] == findings[1]


def _tagged_page_pdf(text: bytes) -> pikepdf.Pdf:
    """A one-page tagged PDF: /Document → /Para (role-mapped to /P, id "x") holding MCID 0 of the page."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(b"/P <</MCID 0>> BDC BT /F1 12 Tf (" + text + b") Tj ET EMC")
    page.obj.StructParents = 0
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot,
                                                RoleMap=pikepdf.Dictionary(Para=pikepdf.Name.P)))
    document = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root))
    para = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Para, P=document,
                                                Pg=page.obj, K=pikepdf.Array([0]), ID=pikepdf.String("x")))
    document.K = pikepdf.Array([para])
    root.K = pikepdf.Array([document])
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Array([para])])))
    ids = pikepdf.NameTree.new(pdf)
    ids["x"] = para
    root.IDTree = ids.obj
    pdf.Root.StructTreeRoot = root
    return pdf


def test_struct_merge_offsets_keys_and_keeps_ids_unique():
    from book.render import struct_merge

    base, other = _tagged_page_pdf(b"one"), _tagged_page_pdf(b"two")
    other.Root.StructTreeRoot.RoleMap.Note = pikepdf.Name.P
    key = struct_merge.next_key(base)
    base.pages.extend(other.pages)
    key = struct_merge.adopt(base, other, 1, 1, key)
    struct_merge.finish(base, key)
    root = base.Root.StructTreeRoot
    document = root.K[0]
    first, second = document.K
    assert (str(first.ID), str(second.ID)) == ("x", "p1-x")
    assert second.P.objgen == document.objgen and second.Pg.objgen == base.pages[1].obj.objgen
    assert int(base.pages[1].obj.StructParents) == 1 == int(key) - 1 == int(root.ParentTreeNextKey) - 1
    assert pikepdf.NumberTree(root.ParentTree)[1][0].objgen == second.objgen
    assert {name: element.objgen for name, element in pikepdf.NameTree(root.IDTree).items()} == {
        "x": first.objgen, "p1-x": second.objgen}
    assert set(root.RoleMap.keys()) == {"/Para", "/Note"}
    assert base.Root.MarkInfo.Marked and base.Root.ViewerPreferences.DisplayDocTitle


# --- Cross-references' page numbers written into a chapter's first layout (book/render/xref_numbers.py) ---

def _xref_project(root, name: str):
    """The editions fixture with long chapters that point at each other, and a one-sided tagged parts edition."""
    project = root / name
    shutil.copytree(FIXTURES / "editions", project)
    for n in range(3, 8):
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 12 for i in range(2 * n))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(
            f"# More {n}\n\n## Part A {{#part-{n}}}\n\n{text}\n\n## Part B\n\nSee [the prices](02-details.md#prices), "
            f"[](0{3 + (n - 2) % 5}-more{3 + (n - 2) % 5}.md#part-{3 + (n - 2) % 5}) and [](01-intro.md).\n")
    with (project / "book.yaml").open("a") as config:
        config.write("  xrefs: {format: pdf, page_size: A5, two_sided: false, pdf_engine: parts}\n")
    return project


def _logged_layouts(tmp_path, monkeypatch, line):
    """A file to which every part's layout, in forked workers too, appends `line(html)`."""
    import book.render.pdf_parts as pdf_parts

    log = tmp_path / "layouts.txt"
    real = pdf_parts._laid_out

    def logged(html, *rest):
        with log.open("a") as out:
            out.write(f"{line(html)}\n")
        return real(html, *rest)

    monkeypatch.setattr(pdf_parts, "_laid_out", logged)
    return log


def _xrefs_in(html: str) -> int:
    """How many cross-references with a page number a part's HTML has."""
    return html.count('class="xref-page')


def test_a_cold_build_writes_the_page_numbers_into_the_first_layout(tmp_path, monkeypatch):
    """A chapter that prints its cross-references' pages is laid out once on a cold build: the numbers found are
    written into the layout, and the PDF is byte for byte the one the old way (a second layout with the numbers)
    makes."""
    import book.render.pdf_parts as pdf_parts

    log = _logged_layouts(tmp_path, monkeypatch, _xrefs_in)
    project = _xref_project(tmp_path, "book")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    once = log.read_text().split()
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    written = pdf.read_bytes()
    # the same folder (a PDF names its images after their paths), from nothing again, the numbers never written in
    log.unlink()
    shutil.rmtree(project / ".cache")
    monkeypatch.setattr(pdf_parts, "write_in_numbers", lambda *args: False)
    assert main(["build", "-q", "--force", "--project", str(project), "xrefs"]) == 0
    twice = log.read_text().split()
    with_xrefs = 7  # every chapter: the intro, the details (back to the intro), the five long ones
    assert len([n for n in once if n != "0"]) == with_xrefs, once
    assert len([n for n in twice if n != "0"]) == 2 * with_xrefs, twice
    assert written == pdf.read_bytes()
    pages = pdf_pages_text(pdf)
    text = " ".join(" ".join(pages).split())
    part_4 = PdfReader(pdf).page_labels[next(i for i, p in enumerate(pages) if "Paragraph 0 of chapter 4" in p)]
    assert int(part_4) > 3 and re.search(rf"See the prices, page \d, Part A, page {part_4} and Chapter 1, page 1\.", text)


def test_an_edit_that_moves_pages_renumbers_the_cross_references_of_chapters_it_did_not_touch(tmp_path):
    """Chapter 3 grows by pages: chapter 4, unchanged and reused from the cache, must print the page Part A of
    chapter 5 moved to. The build after the edit is byte for byte a cold build of the edited text. (It printed the
    old page: the numbers found were taken as settled once the edited chapter had them written in.)"""
    project = _xref_project(tmp_path, "book")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    grown = project / "chapters" / "03-more3.md"
    added = "\n\n".join(f"Added paragraph {i}, " + "words that fill the page " * 12 for i in range(10))
    grown.write_text(grown.read_text().replace("## Part B", f"{added}\n\n## Part B"))
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    pages = pdf_pages_text(pdf)
    labels = PdfReader(pdf).page_labels
    part_5 = labels[next(i for i, p in enumerate(pages) if "Paragraph 0 of chapter 5" in p)]
    chapter_4 = " ".join(" ".join(p for p in pages if "of chapter 4" in p).split())
    assert f"Part A, page {part_5} and" in chapter_4
    after_edit = pdf.read_bytes()
    shutil.rmtree(project / ".cache")
    assert main(["build", "-q", "--force", "--project", str(project), "xrefs"]) == 0
    assert after_edit == pdf.read_bytes()


def test_editions_side_by_side_lay_each_chapter_out_once_on_its_own_side(tmp_path, monkeypatch):
    """Editions built together each lay out their chapters one after the other on a core of their own, so each
    chapter's side of the spread is known before it is laid out: where chapters open on either side, none is laid
    out twice. On all cores the sides are guessed and some chapters are laid out again; the PDF is the same."""
    import hashlib

    log = _logged_layouts(tmp_path, monkeypatch, lambda html: hashlib.sha256(html.encode()).hexdigest())
    project = tmp_path / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    for n in range(3, 7):  # chapters of odd and even page counts: some open on a left-hand page
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(5 + 3 * n))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(f"# More {n}\n\n{text}\n")
    free = "{format: pdf, page_size: A5, pdf_variant: none, recto_chapters: false, margins: 15mm 9mm 17mm 25mm, pdf_engine: parts}"
    with open(project / "book.yaml", "a", encoding="utf-8") as config:
        config.write(f"  free: {free}\n  other: {{format: pdf, page_size: A5, pdf_engine: parts}}\n")
    pdf = project / "dist" / "editions-test-book-free.pdf"

    def layouts(*editions: str) -> tuple[list[str], bytes]:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        log.write_text("")
        assert main(["build", "-q", "--force", "--project", str(project), *editions]) == 0
        return log.read_text().split(), pdf.read_bytes()

    together, in_order = layouts("free", "other")
    alone, guessed = layouts("free")
    assert len(together) == len(set(together)), "a chapter laid out twice"
    assert len(alone) > len(set(alone))  # the fixture has chapters whose side a guess gets wrong
    assert in_order == guessed
    openings = [i for i, page in enumerate(pdf_pages_text(pdf)) if "Paragraph 0 of chapter" in page]
    assert {i % 2 for i in openings} == {0, 1}, openings


def test_chinese_cross_references_get_their_page_numbers_on_the_first_layout(tmp_path, monkeypatch):
    """A Chinese page holds about half the characters of a Latin one. The guess at a cross-reference's page,
    whose digit count the first layout must get right for the numbers to be written in, counts a Han character
    as two: each chapter is laid out once. (Counted as one, pages were guessed at about half their number, and
    chapters were laid out again, here and in the guide's Chinese brochure: 4 of 6.)"""
    log = _logged_layouts(tmp_path, monkeypatch, _xrefs_in)
    project = tmp_path / "zh"
    shutil.copytree(FIXTURES / "lang-zh-hans", project)
    for n in range(3, 8):
        text = "\n\n".join(f"第{i}段：膝骨关节炎是一种常见的关节疾病，患者应当在治疗前咨询医生并了解风险。" * 6 for i in range(3 * n))
        later = 3 + (n - 2) % 5
        (project / "chapters" / f"0{n}-more{n}.md").write_text(
            f"# 第{n}章\n\n见[](0{later}-more{later}.md#part-{later})。\n\n{text}\n\n## 部分 {{#part-{n}}}\n\n结束。\n",
            encoding="utf-8")
    with (project / "book.yaml").open("a", encoding="utf-8") as config:
        config.write("  xrefs: {format: pdf, page_size: A5, pdf_variant: none, two_sided: false, pdf_engine: parts}\n")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    laid_out = [n for n in log.read_text().split() if n != "0"]
    assert len(laid_out) == 6, laid_out  # the five, and the first chapter (it points at the second and a table)
    pages = pdf_pages_text(project / "dist" / next(p.name for p in (project / "dist").glob("*xrefs.pdf")))
    assert len(pages) > 20 and any(re.search(r"第1\d页|1\d", page) for page in pages)


def test_chapters_past_the_memory_budget_are_laid_out_again_and_give_the_same_pdf(tmp_path, monkeypatch):
    """A chapter with cross-references is kept laid out (in a worker, or in the edition's process when editions
    go side by side) only within a memory budget; past it, it is laid out again with the numbers found. Both ways
    give the same PDF, on all cores and one after the other."""
    import book.render.pdf_parts as pdf_parts

    project = _xref_project(tmp_path, "book")
    with (project / "book.yaml").open("a") as config:
        config.write("  other: {format: pdf, page_size: A4, two_sided: false, pdf_engine: parts}\n")
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"

    def built(*editions: str) -> bytes:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        assert main(["build", "-q", "--force", "--project", str(project), *editions]) == 0
        return pdf.read_bytes()

    kept, kept_in_order = built("xrefs"), built("xrefs", "other")
    monkeypatch.setattr(pdf_parts, "KEPT_CHARACTERS", 2000)  # about one chapter a worker
    monkeypatch.setattr(pdf_parts, "HELD_CHARACTERS", 0)
    assert built("xrefs") == kept == kept_in_order == built("xrefs", "other")


def test_ctrl_c_during_the_layout_stops_every_process_quietly_and_keeps_the_last_outputs(tmp_path):
    """Ctrl-C reaches the whole process group: the build exits with 130, no worker prints a traceback of its
    own, no process is left, and the outputs of the last build stay as they were."""
    import os
    import signal
    import sys
    import time

    project = _xref_project(tmp_path, "book")
    for n in range(8, 20):  # long enough to be interrupted while the workers lay it out
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(40))
        (project / "chapters" / f"{n}-long{n}.md").write_text(f"# Long {n}\n\n{text}\n\nSee [](03-more3.md).\n")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    before = pdf.read_bytes()
    shutil.rmtree(project / ".cache")  # (else the parts come from it)
    build = subprocess.Popen([sys.executable, "-c", "import sys; from book.cli import main; sys.exit(main(sys.argv[1:]))",
                              "build", "--force", "--project", str(project), "xrefs"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                             # (this process's builds pointed fontconfig at a configuration in the removed .cache)
                             env={k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"})
    assert build.stdout.readline().startswith(b"load")
    assert build.stdout.readline().startswith(b"layout")
    time.sleep(1.0)
    assert build.poll() is None, "the build ended before it could be interrupted"
    os.killpg(build.pid, signal.SIGINT)
    output = build.communicate(timeout=60)[0].decode()
    assert build.returncode == 130, output
    assert "Traceback" not in output and "rror" not in output, output
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(build.pid, 0)  # the whole group is gone
    assert pdf.read_bytes() == before
