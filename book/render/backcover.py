"""One brochure per clinic without laying the brochure out again: only the back cover is made per clinic.

The edition is laid out once (with the first clinic's back cover). The other clinics' back covers are laid out
together, as one WeasyPrint document with a page per clinic (the stylesheets, fonts and the layout engine's
start-up are paid once, not once per clinic), and each clinic's page is put in place of the last page with
pikepdf. The page object stays (so the page labels, outline and named destinations that point at it stay
right); its content, resources and annotations are the new page's, and in the structure tree the back cover's
section is replaced by the new one, with the parent tree entries of its marked content and links renumbered.
The result is as tagged as a brochure laid out in one piece.
"""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass

import pikepdf

from ..assemble import Book
from ..load.branding import Branding
from ..infra.errors import BookError
from .context import RenderContext
from .fetcher import ResourceRefused, parsed_styles
from .pdf import VARIANTS, prepare_print
from .pdf_update import UpdatablePdf

SECTION_START = '<section class="back-cover"'
ANCHOR = "guidebook-back-cover-"  # each clinic's section in the batch document, found again on its page
SAVE_OPTIONS = dict(deterministic_id=True, fix_metadata_version=False,
                    # the streams are already compressed: decoding and compressing them again is most of a save
                    stream_decode_level=pikepdf.StreamDecodeLevel.none)


def _back_cover_sections(html: str, index: int) -> tuple[str, str, str]:
    """(what comes before, the back cover section with an id of its own, what comes after) in one back page."""
    start, end = html.find(SECTION_START), html.rfind("</section>") + len("</section>")
    if start < 0 or end < start:
        raise BookError("layouts/print.html.j2", None, "the back cover is not a <section class=\"back-cover\">",
                        "keep that element in a project's print layout: clinic lists swap it per clinic")
    section = html[start:end].replace('id="back-cover"', f'id="{ANCHOR}{index}"', 1)
    if f'id="{ANCHOR}{index}"' not in section:
        section = section.replace(SECTION_START, f'{SECTION_START} id="{ANCHOR}{index}"', 1)
    return html[:start], section, html[end:]


def _back_part(book: Book, branding: Branding) -> Book:
    """The edition without its chapters: what the back covers are laid out from."""
    return dataclasses.replace(book, chapters=(), edition=dataclasses.replace(book.edition, branding=branding))


def parse_back_cover_styles(book: Book, context: RenderContext) -> None:
    """Parse the edition's stylesheets in this process: before workers fork, once for all of them (the edition's
    own layout, which has the same stylesheets, finds them parsed too)."""
    parsed_styles(prepare_print(_back_part(book, book.edition.branding), context).css,
                  [book.config.root, context.styles])


def render_back_covers(book: Book, context: RenderContext, brandings: list[Branding]) -> bytes:
    """A PDF whose page i is the edition's back cover for brandings[i], all laid out as one document.

    A back cover that does not fit on one page is an error naming its row. Each section keeps its own
    page side (blank pages the layout inserts between them, for a back cover that must be a left page, are
    left out of the PDF), so every page looks as it does at the end of the brochure. Links are described and
    tags finished as in a whole brochure (book/render/pdf_tags.py).
    """
    from weasyprint import HTML

    from .branding import back_cover
    from .linebreak import patch_line_breaking
    from .page_styles import share_page_styles
    from .pdf import check_glyphs
    from .pdf_tags import describe_links, finish_tags
    patch_line_breaking()
    share_page_styles()
    config = book.config
    book = _back_part(book, brandings[0])
    root, styles = config.root, context.styles
    source = prepare_print(book, context)  # once: only the contact block differs from clinic to clinic
    parts = []
    for index, branding in enumerate(brandings):
        values = {**source.context, "edition": dataclasses.replace(book.edition, branding=branding),
                  "back_cover": back_cover(branding, root, config.url)}
        html = dataclasses.replace(source, context=values, left_out=frozenset()).render_html("back", [], {})
        parts.append(_back_cover_sections(html, index))
    head = parts[0][0]
    if book.edition.draft:  # "SAMPLE" on every page: the layout puts its mark in the whole book, not the back part
        chrome = source.render_html("chrome", [], {})
        start = chrome.find('<div class="draft-mark">')
        head += chrome[start:chrome.find("</div>", start) + len("</div>")] if start >= 0 else ""
    html = head + "".join(section for _, section, _ in parts) + parts[0][2]
    left_out, _ = check_glyphs(book, html, context)  # no tofu: as the brochure's own check
    html = html.translate(dict.fromkeys(map(ord, left_out)))
    variant = VARIANTS[book.edition.pdf_variant]
    try:
        fetcher, fonts, css, _ = parsed_styles(source.css, [root, styles])  # parsed before the workers forked
        document = HTML(string=html, base_url=str(root) + "/", url_fetcher=fetcher
                        ).render(stylesheets=css, font_config=fonts, pdf_variant=variant)
    except ResourceRefused as error:
        raise BookError(None, None, str(error), "keep fonts, images and logos inside the project") from None
    starts = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(ANCHOR) and anchor[len(ANCHOR):].isdigit():
                starts.setdefault(int(anchor[len(ANCHOR):]), number)
    for index, branding in enumerate(brandings):
        end = starts.get(index + 1, len(document.pages))
        extra = [p for p in document.pages[starts[index] + 1:end] if not p._page_box.page_type.blank]
        if extra:
            raise BookError("book.yaml", None, f"edition '{book.edition.name}': the back cover for "
                            f"'{branding.id or branding.name}' takes {1 + len(extra)} pages, not one",
                            "shorten that clinic's lines or note, or use a smaller logo")
    pages = document.copy([document.pages[starts[i]] for i in range(len(brandings))])
    pdf = pages.write_pdf(pdf_variant=variant, pdf_identifier=config.identifier.encode(),
                          finisher=lambda document, pdf: describe_links(document))
    return finish_tags(pdf, set(), (config.identifier, book.edition.name))


def _structure_elements(element):
    """`element` and every structure element below it."""
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield from _structure_elements(kid)


def _document_element(tree):
    return tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K


@dataclass
class BackCovers:
    """The back covers' PDF, opened once for every clinic: its pages, and each page's structure sections."""

    pdf: pikepdf.Pdf
    sections: list[list]  # per page: the document element's kids laid out on it (empty when untagged)


def open_back_covers(data: bytes) -> BackCovers:
    """The back covers' PDF with each page's sections found, and their page references removed (so that
    copy_foreign, copying a section into a brochure, never meets a page object)."""
    pdf = pikepdf.open(io.BytesIO(data))
    tree = pdf.Root.get("/StructTreeRoot")
    sections: list[list] = [[] for _ in pdf.pages]
    if tree is not None:
        page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
        for section in _document_element(tree).K:
            on = next((element.Pg.objgen for element in _structure_elements(section) if "/Pg" in element), None)
            sections[page_index.get(on, 0)].append(section)
        # and what leads back up from a section or a link: copying those would copy every clinic's back cover
        for section in _document_element(tree).K:
            del section.P  # set to the brochure's document element when copied
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/P" in annotation:
                    del annotation.P  # set to the brochure's page when copied
        for element in _structure_elements(_document_element(tree)):
            if "/Pg" in element:
                del element.Pg
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:
                    del kid.Pg
    return BackCovers(pdf, sections)


class LastPageSwapper:
    """A brochure whose last page's content, links and tags are replaced by a back cover's for each clinic in turn
    (`swap(index)` gives that clinic's file). The brochure is opened once for a whole batch (qpdf's first copy
    into a file costs as much as the rest of a swap), with its back cover emptied first, and each clinic's file is
    that blank brochure plus an update holding the clinic's back cover (book/render/pdf_update.py): nothing of
    the clinic whose back cover the brochure was laid out with, nor of the one before, is in another's file."""

    def __init__(self, pdf: bytes, covers: BackCovers):
        self.covers = covers
        brochure = pikepdf.open(io.BytesIO(pdf))
        tree = brochure.Root.get("/StructTreeRoot")
        page = brochure.pages[-1].obj
        self.tagged = tree is not None and covers.pdf.Root.get("/StructTreeRoot") is not None and "/StructParents" in page
        # the brochure's own back cover (the document's last section, all of it on the last page) and its links
        self.kids = list(_document_element(tree).K)[:-1] if self.tagged else []
        links = [int(a.StructParent) for a in page.get("/Annots", []) if "/StructParent" in a]
        page.Contents = brochure.make_stream(b"")
        page.Resources = pikepdf.Dictionary()
        if "/Annots" in page:
            del page.Annots
        if self.tagged:
            _document_element(tree).K = pikepdf.Array(self.kids)
            parents = pikepdf.NumberTree(tree.ParentTree)
            parents[int(page.StructParents)] = pikepdf.Array()
            for key in links:
                if key in parents:
                    del parents[key]
        blank = io.BytesIO()
        brochure.save(blank, **SAVE_OPTIONS)
        self.blank = UpdatablePdf(blank.getvalue())
        self.target = self.blank.pdf
        if self.tagged:  # the sections before the back cover, as objects of the blank brochure
            self.kids = list(_document_element(self.target.Root.StructTreeRoot).K)
        self.link_keys: list[int] = []  # the previous clinic's links in the parent tree

    def swap(self, index: int) -> bytes:
        target = self.target
        page, new = target.pages[-1], self.covers.pdf.pages[index]
        annotations = [target.copy_foreign(a) for a in new.obj.get("/Annots", [])]
        page.obj.Contents = target.copy_foreign(new.obj.Contents)
        page.obj.Resources = target.copy_foreign(new.obj.Resources)
        for annotation in annotations:
            annotation.P = page.obj
        changed = [page.obj]
        if self.tagged:
            self.link_keys = _swap_structure(target, self.covers, index, annotations, self.kids, self.link_keys)
            tree = target.Root.StructTreeRoot
            changed += [tree, _document_element(tree), *_number_tree_nodes(tree.ParentTree)]
        elif annotations:
            page.obj.Annots = pikepdf.Array(annotations)
        elif "/Annots" in page.obj:
            del page.obj.Annots
        return self.blank.updated(changed)


def _number_tree_nodes(node) -> list:
    """A number tree's nodes and their /Nums arrays: what adding or removing an entry may change."""
    nodes = [node]
    if "/Nums" in node:
        nodes.append(node.Nums)
    for kid in node.get("/Kids", []):
        nodes += _number_tree_nodes(kid)
    return nodes


def _swap_structure(target, covers: BackCovers, index: int, annotations, sections_before: list,
                    link_keys: list[int]) -> list[int]:
    """Put page `index`'s sections after `sections_before` (the brochure's, up to its back cover) in `target`'s
    structure tree, the previous back cover's links (`link_keys` in the parent tree) taken out; returns the new
    links' keys."""
    page, new = target.pages[-1], covers.pdf.pages[index]
    tree, new_tree = target.Root.StructTreeRoot, covers.pdf.Root.StructTreeRoot
    parents, new_parents = pikepdf.NumberTree(tree.ParentTree), pikepdf.NumberTree(new_tree.ParentTree)
    document = _document_element(tree)
    for key in link_keys:
        if key in parents:
            del parents[key]
    sections = [target.copy_foreign(kid) for kid in covers.sections[index]]
    for section in sections:
        section.P = document
        for element in _structure_elements(section):
            element.Pg = page.obj
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    kid.Pg = page.obj
    document.K = pikepdf.Array([*sections_before, *sections])
    # marked content: the page keeps its StructParents key, which now lists the new page's elements
    marked = new_parents[int(new.obj.StructParents)]  # a direct array, which copy_foreign refuses: copy each element
    parents[int(page.obj.StructParents)] = pikepdf.Array([target.copy_foreign(e) if isinstance(e, pikepdf.Dictionary)
                                                          else e for e in marked])
    next_key = max(int(k) for k, _ in parents.items()) + 1
    keys = []
    for annotation, original in zip(annotations, new.obj.get("/Annots", [])):
        if "/StructParent" in original:
            parents[next_key] = target.copy_foreign(new_parents[int(original.StructParent)])
            annotation.StructParent = next_key
            keys.append(next_key)
            next_key += 1
    if annotations:
        page.obj.Annots = pikepdf.Array(annotations)
    elif "/Annots" in page.obj:  # a press file's back cover has no links
        del page.obj.Annots
    if "/ParentTreeNextKey" in tree:
        tree.ParentTreeNextKey = next_key
    return keys
