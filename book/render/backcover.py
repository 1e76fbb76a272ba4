"""One brochure per clinic without laying the brochure out again: only the back cover is made per clinic.

The edition is laid out once (with the first clinic's back cover); for every other clinic the back cover alone
is laid out as a one-page document and its page put in place of the last page with pikepdf. The page object
stays (so the page labels, outline and named destinations that point at it stay right); its content,
resources and annotations are the new page's, and in the structure tree the back cover's section is replaced
by the new one, with the parent tree entries of its marked content and links renumbered. The result is as
tagged as a brochure laid out in one piece.
"""
from __future__ import annotations

import dataclasses
import io
from typing import Callable

import pikepdf

from ..assemble import Book
from ..load.branding import Branding
from ..infra.errors import BookError
from .context import RenderContext
from .fetcher import ProjectFetcher, ResourceRefused
from .pdf import VARIANTS, prepare_print


def back_cover_renderer(book: Book, context: RenderContext) -> Callable[[Branding], bytes]:
    """A function making the edition's back cover, as a one-page PDF, for one contact block.

    The stylesheets and fonts are parsed once for the whole list (half of a back cover's time otherwise).
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .linebreak import patch_line_breaking
    patch_line_breaking()
    book = dataclasses.replace(book, chapters=())  # the back cover needs none of the chapters' HTML
    root = book.config.root
    fetcher = ProjectFetcher([root, context.styles])
    fonts = FontConfiguration()
    variant = VARIANTS[book.edition.pdf_variant]
    try:
        css = [CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=fonts)
               for text, base in prepare_print(book, context).css]
    except ResourceRefused as error:
        raise BookError(None, None, str(error), "keep fonts and images inside the project") from None

    def render(branding: Branding) -> bytes:
        edition = dataclasses.replace(book.edition, branding=branding)
        source = prepare_print(dataclasses.replace(book, edition=edition), context)
        try:
            document = HTML(string=source.render_html("back", [], {}), base_url=str(root) + "/", url_fetcher=fetcher
                            ).render(stylesheets=css, font_config=fonts, pdf_variant=variant)
        except ResourceRefused as error:
            raise BookError(None, None, str(error), "keep logos inside the project") from None
        if len(document.pages) != 1:
            raise BookError(branding.logo or "book.yaml", None,
                            f"the back cover for '{branding.id or branding.name}' takes {len(document.pages)} pages",
                            "shorten its lines or note, or use a smaller logo")
        return document.write_pdf(pdf_variant=variant, pdf_identifier=book.config.identifier.encode())

    return render


def _structure_elements(element):
    """`element` and every structure element below it."""
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield from _structure_elements(kid)


def swap_last_page(pdf: bytes, page_pdf: bytes) -> bytes:
    """`pdf` with its last page's content, links and tags replaced by the one page of `page_pdf`."""
    target = pikepdf.open(io.BytesIO(pdf))
    source = pikepdf.open(io.BytesIO(page_pdf))
    page, new = target.pages[-1], source.pages[0]
    tree, new_tree = target.Root.get("/StructTreeRoot"), source.Root.get("/StructTreeRoot")
    tagged = tree is not None and new_tree is not None and "/StructParents" in page.obj
    if tagged:
        # forget the page's references before copying, so that copy_foreign never meets a page object
        for element in _structure_elements(new_tree.K[0] if isinstance(new_tree.K, pikepdf.Array) else new_tree.K):
            if "/Pg" in element:
                del element.Pg
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:
                    del kid.Pg
    annotations = [target.copy_foreign(a) for a in new.obj.get("/Annots", [])]
    page.obj.Contents = target.copy_foreign(new.obj.Contents)
    page.obj.Resources = target.copy_foreign(new.obj.Resources)
    for annotation in annotations:
        annotation.P = page.obj
    if tagged:
        _swap_structure(target, source, page, new, annotations)
    elif annotations or "/Annots" in page.obj:
        page.obj.Annots = pikepdf.Array(annotations)
    out = io.BytesIO()
    target.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


def _swap_structure(target, source, page, new, annotations) -> None:
    """Replace the back cover's section in `target`'s structure tree with the one from `source`."""
    tree, new_tree = target.Root.StructTreeRoot, source.Root.StructTreeRoot
    parents, new_parents = pikepdf.NumberTree(tree.ParentTree), pikepdf.NumberTree(new_tree.ParentTree)
    document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
    new_document = new_tree.K[0] if isinstance(new_tree.K, pikepdf.Array) else new_tree.K
    # the old back cover: the document's last section, all of it on the last page
    old_section = document.K[-1]
    for annotation in page.obj.get("/Annots", []):
        if "/StructParent" in annotation and int(annotation.StructParent) in parents:
            del parents[int(annotation.StructParent)]
    sections = [target.copy_foreign(kid) for kid in new_document.K]
    for section in sections:
        section.P = document
        for element in _structure_elements(section):
            element.Pg = page.obj
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    kid.Pg = page.obj
    document.K = pikepdf.Array([*list(document.K)[:-1], *sections]) if old_section is not None else document.K
    # marked content: the page keeps its StructParents key, which now lists the new page's elements
    marked = new_parents[int(new.obj.StructParents)]  # a direct array, which copy_foreign refuses: copy each element
    parents[int(page.obj.StructParents)] = pikepdf.Array([target.copy_foreign(e) if isinstance(e, pikepdf.Dictionary)
                                                          else e for e in marked])
    next_key = max(int(k) for k, _ in parents.items()) + 1
    for annotation, original in zip(annotations, new.obj.get("/Annots", [])):
        if "/StructParent" in original:
            parents[next_key] = target.copy_foreign(new_parents[int(original.StructParent)])
            annotation.StructParent = next_key
            next_key += 1
    page.obj.Annots = pikepdf.Array(annotations)
    if "/ParentTreeNextKey" in tree:
        tree.ParentTreeNextKey = next_key
