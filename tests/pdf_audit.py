"""An audit of a tagged PDF's structure tree (pikepdf), as a screen reader would meet it: problems as text."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
from lxml import etree
from pikepdf import Array, Dictionary, Name, Operator


def elements(node, parent=None):
    """(element, parent) for every structure element below `node`, depth first."""
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, Array) else [] if kids is None else [kids]):
        if isinstance(kid, Dictionary) and "/S" in kid:
            yield kid, node
            yield from elements(kid, node)


def marked_content(page) -> list[tuple[str, int | None, str | None]]:
    """(tag, MCID or None, artifact type or None) of each top-level marked-content sequence drawing on the page."""
    found, depth = [], 0
    for operands, operator in pikepdf.parse_content_stream(page):
        if operator in (Operator("BDC"), Operator("BMC")):
            if depth == 0:
                tag = str(operands[0])
                props = operands[1] if operator == Operator("BDC") and isinstance(operands[1], Dictionary) else {}
                mcid = int(props["/MCID"]) if "/MCID" in props else None
                kind = str(props["/Type"]) if "/Type" in props else None
                found.append((tag, mcid, kind))
            depth += 1
        elif operator == Operator("EMC"):
            depth -= 1
    return found


def unmarked_text(page) -> int:
    """How many text-showing operators sit outside any marked content (neither content nor artifact)."""
    count, depth = 0, 0
    for _, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BDC", "BMC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
        elif depth == 0 and name in ("Tj", "TJ", "'", '"'):
            count += 1
    return count


def words_by_page(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """(x0, y0, x1, y1, word) of each word on each page, in points from the top-left (pdftotext -bbox)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True).stdout
    root = etree.fromstring(xhtml, etree.XMLParser(recover=True))
    return [[(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
             for w in page.iter("{*}word")] for page in root.iter("{*}page")]


def _describes(contents: str, rect, mediabox, words) -> bool:
    """Whether a link's /Contents is its visible text (every word drawn inside it) or names its target."""
    if contents.startswith("Go to "):
        return True
    left, _, _, page_top = (float(v) for v in mediabox)  # pdftotext measures from the media box's top-left
    x0, y0, x1, y1 = (float(v) for v in rect)
    x0, x1 = x0 - left, x1 - left
    top, bottom = page_top - max(y0, y1), page_top - min(y0, y1)
    inside = [w for a, b, c, d, w in words if x0 - 1 <= (a + c) / 2 <= x1 + 1 and top - 1 <= (b + d) / 2 <= bottom + 1]
    wanted = [re.sub(r"^\W+|\W+$", "", w) for w in inside]
    return bool(inside) and all(w in contents for w in wanted)


def _marks_content(element) -> bool:
    """Whether a structure element reaches some marked content (an MCID) through its kids."""
    kids = element.get("/K")
    for kid in (kids if isinstance(kids, Array) else [] if kids is None else [kids]):
        if not isinstance(kid, Dictionary) or kid.get("/Type") == Name.MCR or _marks_content(kid):
            return True
    return False


def audit(path: Path) -> list[str]:
    """What is wrong with the tagging of the PDF at `path` (empty when nothing is)."""
    pdf = pikepdf.open(path)
    problems = []
    root = pdf.Root
    if "/StructTreeRoot" not in root:
        return ["no structure tree"]
    if not root.get("/Lang"):
        problems.append("no /Lang")
    if not root.get("/MarkInfo", {}).get("/Marked"):
        problems.append("/MarkInfo /Marked is not true")
    tree = root.StructTreeRoot
    all_elements = list(elements(tree))
    reachable = {element.objgen for element, _ in all_elements}
    parent_tree = {int(key): value for key, value in pikepdf.NumberTree(tree.ParentTree).items()}

    words = words_by_page(path)
    for index, page in enumerate(pdf.pages, start=1):
        if unmarked_text(page):
            problems.append(f"page {index}: text outside marked content")
        by_mcid = parent_tree.get(int(page.obj.get("/StructParents", -1)), Array())
        for tag, mcid, _ in marked_content(page):
            if tag == "/Artifact" or mcid is None:
                continue
            element = by_mcid[mcid] if mcid < len(by_mcid) else None
            if not isinstance(element, Dictionary) or element.objgen not in reachable:
                problems.append(f"page {index}: marked content {mcid} ({tag}) is outside the structure tree")
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != Name.Link:
                continue
            contents = str(annotation.get("/Contents", "")).strip()
            destination = str(annotation.get("/Dest", ""))
            if not _describes(contents, annotation.Rect, page.mediabox, words[index - 1]):
                problems.append(f"page {index}: link to {destination or annotation.get('/A', {}).get('/URI')} "
                                f"described as {contents!r}")
            if "/StructParent" not in annotation:
                problems.append(f"page {index}: link annotation outside the structure tree")

    for element, parent in all_elements:
        kind = element.S
        if kind == Name.Link and isinstance(parent, Dictionary) and parent.get("/S") == Name.Link:
            problems.append("a Link inside a Link")
        if kind == Name.TH:
            scope = element.get("/A", {}).get("/Scope")
            if scope not in (Name.Column, Name.Row, Name.Both):
                problems.append(f"a TH without /Scope ({element.get('/ID')})")
        if kind == Name.Figure and not str(element.get("/Alt", "")).strip():
            problems.append("a Figure without /Alt")
        if str(kind) in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6") and not _marks_content(element):
            problems.append(f"an empty {kind}")  # (pdfua 0.1.3 skips its own check of this with pikepdf 10)
    kinds = {str(element.S) for element, _ in all_elements}
    if "/TOC" not in kinds or "/TOCI" not in kinds:
        problems.append("no TOC/TOCI: the contents page is not tagged as a table of contents")
    return problems


def tagged_kinds(path: Path) -> dict[str, int]:
    """How many structure elements of each kind the PDF has."""
    pdf = pikepdf.open(path)
    counts: dict[str, int] = {}
    for element, _ in elements(pdf.Root.StructTreeRoot):
        counts[str(element.S)] = counts.get(str(element.S), 0) + 1
    return counts


def pagination_artifacts(path: Path) -> list[int]:
    """How many pagination artifacts (running heads, folios) each page has."""
    pdf = pikepdf.open(path)
    return [sum(1 for tag, _, kind in marked_content(page) if tag == "/Artifact" and kind == "/Pagination")
            for page in pdf.pages]
