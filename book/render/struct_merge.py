"""Tagged (PDF/UA) parts merged into one structure tree, as if the book had been laid out as one document.

qpdf and pikepdf copy pages but keep document-level structure only from the first file (qpdf#490), so the parts
engine joins the trees itself, the way PDFBox's PDFMergerUtility.appendDocument does:

- WeasyPrint builds the tree page by page: the /Document's kids are the top-level elements of page 1, then of
  page 2 (an element that runs over a page break is one element per page). Appending each part's kids, in page
  order, to the base part's /Document therefore gives the tree the single-document layout gives: no /Part level.
- Marked-content ids (MCIDs) are local to a page and stay. Parent-tree keys (a page's /StructParents, an
  annotation's /StructParent) are shifted past the keys already used, and ParentTreeNextKey is set.
- /Pg and /Obj land on the copied pages and annotations without rewriting: qpdf copies each foreign object once
  per source file, and the pages were copied (by the same copier) before the tree.
- Element ids get a part prefix, because WeasyPrint makes table-header ids from object numbers, which repeat
  from part to part; role and class maps keep the first definition of a name (as PDFBox does).
"""
from __future__ import annotations

import pikepdf

Name = pikepdf.Name


def next_key(pdf: pikepdf.Pdf) -> int:
    """The first parent-tree key the base document leaves free (0 when it is untagged)."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return 0
    if "/ParentTreeNextKey" in root:
        return int(root.ParentTreeNextKey)
    keys = list(pikepdf.NumberTree(root.ParentTree).keys()) if "/ParentTree" in root else []
    return max(keys) + 1 if keys else 0


def adopt(pdf: pikepdf.Pdf, source: pikepdf.Pdf, first_page: int, part: int, key: int) -> int:
    """Join the tree of `source`, whose pages were just appended to `pdf` from `first_page` on; return the next
    free parent-tree key. `source` is changed (its tree is detached from its root): open it for this only."""
    source_root = source.Root.get("/StructTreeRoot")
    root = pdf.Root.get("/StructTreeRoot")
    if source_root is None or root is None:
        return key
    _prefix_ids(source, f"p{part}-")
    if source.Root.get("/Lang") != pdf.Root.get("/Lang") and "/Lang" in source.Root:
        for kid in _document_kids(source_root):  # a part in another language says so on its elements
            if isinstance(kid, pikepdf.Dictionary) and "/Lang" not in kid:
                kid.Lang = source.Root.Lang
    for top in _as_list(source_root.get("/K")):
        if isinstance(top, pikepdf.Dictionary) and "/P" in top:
            del top.P  # so that copying an element does not bring the source's root and parent tree along
    document = _document(root)
    for kid in _document_kids(source_root):
        copied = pdf.copy_foreign(kid) if _is_object(kid) else kid
        if isinstance(copied, pikepdf.Dictionary) and "/P" in copied:
            copied.P = document
        document.K.append(copied)

    entries = list(pikepdf.NumberTree(source_root.ParentTree).items()) if "/ParentTree" in source_root else []
    for index in range(first_page, len(pdf.pages)):
        page = pdf.pages[index].obj
        if "/StructParents" in page:
            page.StructParents = int(page.StructParents) + key
        for annotation in page.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + key
    tree = pikepdf.NumberTree(root.ParentTree)
    for old, value in entries:
        if isinstance(value, pikepdf.Array) and not value.is_indirect:  # a page's MCID → element table
            value = source.make_indirect(value)  # copy_foreign takes only indirect objects; one call per page
        if _is_object(value):
            value = pdf.copy_foreign(value)
        tree[int(old) + key] = value

    for name in ("/RoleMap", "/ClassMap"):
        if name in source_root:
            if name not in root:
                root[name] = pikepdf.Dictionary()
            merged = root[name]  # the first definition of a name wins
            for entry, value in source_root[name].items():
                if entry not in merged:
                    merged[entry] = pdf.copy_foreign(value) if _is_object(value) else value
    if "/IDTree" in source_root:
        ids = pikepdf.NameTree(root.IDTree) if "/IDTree" in root else pikepdf.NameTree.new(pdf)
        for entry, element in pikepdf.NameTree(source_root.IDTree).items():
            ids[entry] = pdf.copy_foreign(element)
        root.IDTree = ids.obj
    return key + (max(int(old) for old, _ in entries) + 1 if entries else 0)


def finish(pdf: pikepdf.Pdf, key: int) -> None:
    """The catalogue entries a tagged document needs, after the last part."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    root.ParentTreeNextKey = key
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    if "/ViewerPreferences" not in pdf.Root:
        pdf.Root.ViewerPreferences = pikepdf.Dictionary()
    pdf.Root.ViewerPreferences.DisplayDocTitle = True  # viewers show the title, not the file name


def _document(root) -> pikepdf.Dictionary:
    """The base document's /Document element (made when its root holds something else)."""
    tops = _as_list(root.get("/K"))
    if len(tops) == 1 and isinstance(tops[0], pikepdf.Dictionary) and tops[0].get("/S") == Name.Document:
        if not isinstance(tops[0].get("/K"), pikepdf.Array):
            tops[0].K = pikepdf.Array(_as_list(tops[0].get("/K")))
        return tops[0]
    document = root.K = pikepdf.Array([pikepdf.Dictionary(Type=Name.StructElem, S=Name.Document, P=root,
                                                           K=pikepdf.Array(tops))])
    return document[0]


def _document_kids(root) -> list:
    """The elements under a part's /Document (or its root's elements when it has no single /Document)."""
    tops = _as_list(root.get("/K"))
    if len(tops) == 1 and isinstance(tops[0], pikepdf.Dictionary) and tops[0].get("/S") == Name.Document:
        return _as_list(tops[0].get("/K"))
    return tops


def _prefix_ids(source: pikepdf.Pdf, prefix: str) -> None:
    """Element ids made unique to this part, and the table cells' /Headers that point at them."""
    renamed, cells = {}, []
    for element in source.objects:  # a few times faster than walking the tree through its /K arrays
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        if "/ID" in element:
            old = bytes(element.ID)
            renamed[old] = element.ID = pikepdf.String(prefix.encode() + old)
        if "/A" in element:
            cells.append(element)
    if not renamed:
        return
    for element in cells:
        for attributes in _as_list(element.A):
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                attributes.Headers = pikepdf.Array([renamed.get(bytes(h), h) for h in attributes.Headers])
    root = source.Root.StructTreeRoot
    if "/IDTree" in root:
        ids = pikepdf.NameTree.new(source)
        for name, element in pikepdf.NameTree(root.IDTree).items():
            ids[prefix + name] = element
        root.IDTree = ids.obj


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _is_object(value) -> bool:
    return isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) or getattr(value, "is_indirect", False)
