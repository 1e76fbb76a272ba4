"""PDF/UA fixes to the structure tree WeasyPrint (70) writes, made after it writes it.

WeasyPrint tags every text box it draws, but:
- running heads and folios (page-margin boxes) get marked content whose structure elements hang outside the
  tree, so they are neither content nor artifacts: they become pagination artifacts here;
- header cells have no /Scope: it is derived here from which data cells name them as headers (WeasyPrint
  fills /Headers from the HTML scope) or, failing that, from where they sit;
- an <a>'s pseudo-elements (the contents' page numbers, footnote calls) become Link elements inside the
  link's own Link element: their content joins the outer Link;
- link annotations describe themselves with the raw target id ("ch-about"): `describe_links`, run as
  WeasyPrint's finisher, gives each the link's text or, for a link without text, its target's;
- the contents and list of tables are plain lists: they become TOC/TOCI;
- a decorative image (empty alt) is a Figure without /Alt: it becomes an artifact;
- every edition of a book gets the same document ID: each gets its own, from identifier and edition name.
Everything else (reading order, headings, lists, tables, figures' alt text) is WeasyPrint's.
"""
from __future__ import annotations

import hashlib
import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

PAGINATION = [Name.Artifact, Dictionary(Type=Name.Pagination)]
LAYOUT = [Name.Artifact, Dictionary(Type=Name.Layout)]
LIST_TO_TOC = {"/L": Name.TOC, "/LI": Name.TOCI, "/LBody": Name.NonStruct}


def document_id(identifier: str, edition: str) -> bytes:
    """The 16-byte permanent document ID of one edition of a book."""
    return hashlib.md5(f"{identifier}#{edition}".encode("utf-8")).digest()


def describe_links(document) -> None:
    """Give every link annotation of a laid-out WeasyPrint document a readable /Contents (use as finisher).

    The link's own text when it has some; otherwise (a page number drawn by CSS, an empty link) "Go to" and
    the title of the element it points at: its first heading or caption.
    """
    import pydyf

    by_id = None
    # What other links to the same target say: a contents row's page number is described by its entry's text,
    # even where (in a part of a book laid out in parts) the target itself is in another document.
    said = {}
    for page in document.pages:
        for link_type, target, _, box in page.links:
            if box.element is not None and (words := _words(box.element)):
                said.setdefault(target, words)
    for page in document.pages:
        for link_type, target, _, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            if annotation is None or box.element is None:
                continue
            text = _words(box.element)
            if not text and link_type == "internal":
                if by_id is None:  # WeasyPrint's tree is ElementTree (no parents): find the targets by their boxes
                    by_id = {box.element.get("id"): box.element for page in document.pages
                             for box in page._page_box.descendants() if box.element is not None and box.element.get("id")}
                title = _title(by_id[target]) if target in by_id else said.get(target, "")
                text = f"Go to {title}" if title else ""
            annotation["Contents"] = pydyf.String(text or target)


def _words(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _title(element) -> str:
    for names in (("h1", "h2", "h3", "h4", "h5", "h6"), ("caption", "figcaption")):
        found = next((e for e in element.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] in names), None)
        if found is not None:
            return _words(found)
    return _words(element)[:80]


def contents_pages(starts) -> set[int]:
    """The pages of the contents and list of tables, from the data-block each page begins with."""
    return {i for i, start in enumerate(starts) if start in ("-contents", "-lot", "-lof") or start.startswith("-toc-")}


def finish_tags(data: bytes, contents_pages: set[int], identity: tuple[str, str] | None = None) -> bytes:
    """The tagged PDF `data` with the fixes above (`contents_pages`: the 0-based pages of the contents) and, given
    an (identifier, edition) `identity`, that edition's document ID. A part of a book laid out in parts is fixed
    this way in the worker that drew it, and gets its ID when merged (set_document_id)."""
    pdf = pikepdf.open(io.BytesIO(data))
    fix_tree(pdf, contents_pages)
    if identity is not None:
        set_document_id(pdf, *identity)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


def set_document_id(pdf: pikepdf.Pdf, identifier: str, edition: str) -> None:
    permanent = pikepdf.String(document_id(identifier, edition))
    pdf.trailer.ID = Array([permanent, permanent])


def fix_tree(pdf: pikepdf.Pdf, contents_pages: set[int]) -> None:
    """finish_tags's fixes to the structure tree of an open `pdf` (none when it is untagged)."""
    if "/StructTreeRoot" not in pdf.Root:
        return
    tree = pdf.Root.StructTreeRoot
    parents = _parent_tree(tree)
    # the tree walked once (13,000 elements in the guide: each walk took 0.03 s), grouped by structure type
    # (as strings: `kind == Name.Link` made a Name for each element, 0.05 s a type on 600 tagged pages)
    elements = list(_elements(tree))
    by_type: dict[str, list] = {}
    for element, parent in elements:
        by_type.setdefault(str(element.S), []).append((element, parent))
    _artifacts_for_orphans(pdf, parents, {element.objgen for element, _ in elements})
    _merge_nested_links(tree, parents, by_type.get("/Link", []))
    _scope_header_cells([element for element, _ in by_type.get("/TR", [])])
    _contents_as_toc(tree, contents_pages, pdf)
    _decorative_figures_as_artifacts(pdf, [element for element, _ in by_type.get("/Figure", [])], parents)


def _elements(node):
    """Every structure element below `node`, depth first (each before its kids), with its parent. A stack, not
    nested generators: each element passed up through one generator per level (600 tagged pages: 0.25 s)."""
    stack = [(kid, node) for kid in reversed(_kid_list(node))]
    while stack:
        kid, parent = stack.pop()
        if isinstance(kid, Dictionary) and "/S" in kid:
            yield kid, parent
            stack += [(grandchild, kid) for grandchild in reversed(_kid_list(kid))]


def _kid_list(node) -> list:
    """`node`'s /K as a list (none, one, or an array of them)."""
    kids = node.get("/K")
    return [] if kids is None else list(kids) if isinstance(kids, Array) else [kids]


def _parent_tree(tree) -> dict[int, Array]:
    """ParentTree as {page's StructParents key: array of structure elements by MCID} (annotations left out)."""
    # a number tree: flat /Nums from WeasyPrint, /Kids from a merge of parts
    return {int(key): value for key, value in pikepdf.NumberTree(tree.ParentTree).items() if isinstance(value, Array)}


def _rewrite_marks(pdf, page, mcids: set[int], artifact: list) -> None:
    """Marked content with one of `mcids` becomes an artifact."""
    if not mcids:
        return
    operations = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if (operator == Operator("BDC") and isinstance(operands[1], Dictionary)
                and int(operands[1].get("/MCID", -1)) in mcids):
            operands = artifact
        operations.append((operands, operator))
    page.obj.Contents = pikepdf.Stream(pdf, pikepdf.unparse_content_stream(operations))


def _artifacts_for_orphans(pdf, parents: dict[int, Array], reachable: set) -> None:
    """Running heads and folios: marked content whose element is not in the tree."""
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is None or int(key) not in parents:
            continue
        elements = parents[int(key)]
        orphans = {mcid for mcid, element in enumerate(elements)
                   if isinstance(element, Dictionary) and element.objgen not in reachable}
        _rewrite_marks(pdf, page, orphans, PAGINATION)
        for mcid in orphans:
            elements[mcid] = None


def _kids(element) -> Array:
    kids = element.get("/K")
    if not isinstance(kids, Array):
        element.K = Array([] if kids is None else [kids])
    return element.K


def _merge_nested_links(tree, parents: dict[int, Array], links: list) -> None:
    """A Link inside a Link gives its marked content and annotations to the outer one; `links`: each Link
    element of the tree with its parent."""
    for element, parent in links:
        if parent.get("/S") != Name.Link:
            continue
        outer, inner = _kids(parent), _kids(element)
        at = next(i for i, kid in enumerate(outer) if isinstance(kid, Dictionary) and kid.objgen == element.objgen)
        del outer[at]
        for offset, kid in enumerate(list(inner)):
            outer.insert(at + offset, kid)
            if isinstance(kid, Dictionary) and "/S" in kid:
                kid.P = parent
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                key = kid.Obj.get("/StructParent")
                if key is not None:
                    _set_parent_entry(tree, int(key), parent)
            elif not isinstance(kid, Dictionary):  # an MCID on the element's page
                page_key = int((element.get("/Pg") or parent.Pg).StructParents)
                parents[page_key][int(kid)] = parent


def _set_parent_entry(tree, key: int, element) -> None:
    entries = pikepdf.NumberTree(tree.ParentTree)
    if key in entries:
        entries[key] = element


def _scope_header_cells(rows: list) -> None:
    """/Scope on every TH of `rows` (TR elements): Row when a data cell of its own row names it as header, else
    Column."""
    for row in rows:
        cells = [kid for kid in _kids(row) if isinstance(kid, Dictionary) and kid.get("/S") in (Name.TH, Name.TD)]
        named = {bytes(h) for cell in cells if cell.S == Name.TD and "/A" in cell
                 for h in cell.A.get("/Headers", [])}
        for cell in cells:
            if cell.S != Name.TH:
                continue
            attributes = cell.get("/A") or Dictionary(O=Name.Table)
            by_row = "/ID" in cell and bytes(cell.ID) in named
            attributes.Scope = Name.Row if by_row else Name.Column
            cell.A = attributes


def _contents_as_toc(tree, pages: set[int], pdf) -> None:
    """On the contents pages, a top-level block holding a list is a contents: L → TOC, LI → TOCI."""
    page_numbers = {page.objgen: index for index, page in enumerate(pdf.pages)}
    for block in list(_kids(tree.K[0] if isinstance(tree.K, Array) else tree.K)):
        if not isinstance(block, Dictionary) or block.get("/S") != Name.NonStruct:
            continue
        if page_numbers.get(block.Pg.objgen) not in pages:
            continue
        lists = [kid for kid in _kids(block) if isinstance(kid, Dictionary) and kid.get("/S") == Name.L]
        for top in lists:
            top.S = Name.TOC
            for element, _ in _elements(top):
                element.S = LIST_TO_TOC.get(str(element.S), element.S)


def _decorative_figures_as_artifacts(pdf, figures: list, parents: dict[int, Array]) -> None:
    """A Figure without alt text is decoration (the layout refuses an image without alt unless it is marked
    decorative): its content becomes an artifact and the element leaves the tree. Its parent is the one its /P
    names: a Link that held it may have given it to an outer Link (_merge_nested_links)."""
    marks: dict[int, set[int]] = {}
    for element in figures:
        if "/Alt" in element:
            continue
        parent = element.P
        page_key = int(element.Pg.StructParents)
        for kid in _kids(element):
            if not isinstance(kid, Dictionary):
                marks.setdefault(page_key, set()).add(int(kid))
                parents[page_key][int(kid)] = None
        siblings = _kids(parent)
        del siblings[next(i for i, k in enumerate(siblings) if isinstance(k, Dictionary) and k.objgen == element.objgen)]
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is not None and int(key) in marks:
            _rewrite_marks(pdf, page, marks[int(key)], LAYOUT)
