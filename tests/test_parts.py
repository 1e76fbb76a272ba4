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


def test_parts_blank_pages_draw_without_error_in_ghostscript_and_mutool(both):
    # pikepdf gives a blank page an empty content stream, which qpdf saves as an empty Flate stream: a drawing error
    # for Ghostscript on every blank page of a merged book saved once (hidden while a second save rewrote it)
    path = both[0]
    assert any(not text.strip() for text in pdf_pages_text(path))  # blank pages to draw (chapters open on the right)
    gs = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(path)], capture_output=True, text=True)
    assert gs.returncode == 0 and "Error" not in gs.stdout + gs.stderr, gs.stdout + gs.stderr
    mutool = subprocess.run(["mutool", "draw", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    problems = [line for line in (mutool.stdout + mutool.stderr).splitlines()
                if not line.startswith("page ") and "ICC support" not in line]  # (its progress; a build option)
    assert mutool.returncode == 0 and not problems, problems


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
