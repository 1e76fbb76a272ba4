"""The parts engine's last step (pdf_parts.py): separately laid-out parts joined into one PDF, with the running
heads overlaid, links and outline pointing across parts, structure trees joined and page labels set."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pikepdf

from ..assemble import Book
from . import struct_merge
from .overlay import draw_page
from .pdf import RenderedPdf, label_ranges, page_labels
from .pdf_tags import set_document_id
from .script_subsets import share_script_subsets

PX = 0.75  # CSS px → PDF points


@dataclass(frozen=True)
class Part:
    """A laid-out part as plain data (it crosses process boundaries and lives in the cache)."""

    pdf: bytes
    heights: tuple[float, ...]  # page heights in points
    anchors: dict  # id → (page, x_px, y_px)
    links: tuple  # (page, target id, (x, y, w, h) px)
    bookmarks: tuple  # (page, level, label, y_px)
    starts: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()  # (path, sha256) of every file the layout read: images, fonts, CSS


def merge_parts(book: Book, front: Part, content: list[Part], offsets: list[int], chrome: list[tuple[int, Part]],
                body_count: int):
    """One PDF: the front part, blank pages where chapters need a right-hand start, chrome overlaid.

    qpdf (through pikepdf) copies the parts' pages without parsing their content: a few times faster than
    pypdf on a long book. The front part is the base, so its metadata, language and viewer settings stay, and
    the other parts' structure trees join its tree.
    """
    two_sided = book.edition.two_sided
    pdf = pikepdf.open(io.BytesIO(front.pdf))
    if "/Outlines" in pdf.Root:  # rebuilt below for the whole book, as are the links
        del pdf.Root.Outlines
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        del pdf.Root.Names.Dests
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    if two_sided and len(pdf.pages) % 2:
        _add_blank_page(pdf, width, height)
    first_body = len(pdf.pages)
    starts = list(front.starts) + [""] * (first_body - len(front.starts))
    placed: list[tuple[Part, int]] = [(front, 0)]
    sources = []  # kept open until saved: the copied pages' objects are read from them
    key = struct_merge.next_key(pdf)
    for number, (part, offset) in enumerate(zip(content, offsets), 1):
        while len(pdf.pages) < first_body + offset:
            _add_blank_page(pdf, width, height)
            starts.append("")
        placed.append((part, len(pdf.pages)))
        sources.append(pikepdf.open(io.BytesIO(part.pdf)))
        with warnings.catch_warnings():  # "named destinations are not copied": links are rebuilt below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            pdf.pages.extend(sources[-1].pages)
        key = struct_merge.adopt(pdf, sources[-1], len(pdf.pages) - len(part.heights), number, key)
        _own_streams(pdf.pages[len(pdf.pages) - len(part.heights):])
        sources.pop().close()
        starts += part.starts
    assert body_count == len(pdf.pages) - first_body, "body pages miscounted"
    # Chapter openings, blank pages and the back cover carry no running head or folio: nothing to overlay there.
    bare = set(offsets) | {i for i, start in enumerate(starts[first_body:]) if start in ("", "back-cover")}
    for offset, chunk in chrome:
        sources.append(pikepdf.open(io.BytesIO(chunk.pdf)))
        for index, chrome_page in enumerate(sources[-1].pages):
            if offset + index not in bare:
                number = first_body + offset + index  # a part's pages share one resource dictionary: one name each
                draw_page(pdf.pages[number], chrome_page, f"Chrome{number + 1}", artifact=True)

    anchors = {}
    for part, start in placed:
        for name, (page, x, y) in part.anchors.items():
            anchors.setdefault(name, (start + page, x, y))
    tops = [float(page.mediabox[3]) for page in pdf.pages]  # (each page's top: once, not for each link)
    _point_links(pdf, placed, anchors, tops)
    _rebuild_outline(pdf, placed, tops)
    struct_merge.finish(pdf, key)
    labels = page_labels(starts, book.chapters[0].id)
    numbers = [item for start, style in label_ranges(labels) for item in (start, pikepdf.Dictionary(S=pikepdf.Name(style)))]
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(numbers))
    if book.messages.direction == "rtl":  # a right-to-left book: viewers show its spreads right to left
        if "/ViewerPreferences" not in pdf.Root:
            pdf.Root.ViewerPreferences = pikepdf.Dictionary()
        pdf.Root.ViewerPreferences.Direction = pikepdf.Name.R2L
    # (the PDF/UA fixes a single document gets were made to each part by the worker that drew it: pdf_parts.py)
    set_document_id(pdf, book.config.identifier, book.edition.name)
    share_script_subsets(pdf)  # (the Chinese brochure: 4.7 MB, each part with its own CJK subsets)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, fix_metadata_version=False, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in [pdf, *sources]:
        source.close()
    return RenderedPdf(out.getvalue(), labels, tuple(starts))


def _add_blank_page(pdf, width: float, height: float) -> None:
    """A page with nothing on it. pikepdf gives a blank page an empty content stream, which qpdf saves as a Flate
    stream of no bytes at all (not even the compressed empty string): a drawing error for Ghostscript. A line
    break compresses to a valid stream, and the page keeps a content stream for what reads it (press.py)."""
    pdf.add_blank_page(page_size=(width, height))
    pdf.pages[-1].obj.Contents = pikepdf.Stream(pdf, b"\n")


# Keys that lead from a page to other pages or to the structure tree, not to what the page draws; and arrays of
# numbers only (a font's glyph widths run to thousands: walking them took a third of the time)
_ELSEWHERE = {"/Parent", "/P", "/Pg", "/Dest", "/A", "/StructParent", "/StructParents",
              "/W", "/Widths", "/FontBBox", "/MediaBox", "/CropBox", "/BBox", "/Matrix", "/Rect", "/Domain"}


def _own_streams(pages) -> None:
    """Copy into the merged PDF the data of every stream the `pages` draw with (contents, fonts, images, forms),
    which qpdf otherwise reads from the part they were copied from when the merged PDF is saved: the part can then
    be closed at once instead of held open with its whole object graph (600 tagged pages: +240 MB)."""
    seen, stack = set(), [page.obj for page in pages]
    while stack:
        obj = stack.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            obj.write(obj.read_raw_bytes(), filter=obj.get("/Filter"), decode_parms=obj.get("/DecodeParms"))
            stack += [value for key, value in obj.stream_dict.items() if key not in _ELSEWHERE and _walked(value)]
        elif isinstance(obj, pikepdf.Dictionary):
            stack += [value for key, value in obj.items() if key not in _ELSEWHERE and _walked(value)]
        elif isinstance(obj, pikepdf.Array):
            stack += [value for value in obj if _walked(value)]


def _walked(value) -> bool:
    """Whether _own_streams looks inside `value`: a dictionary, array or stream (not a number, name or string)."""
    return isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _point_links(pdf, placed, anchors, tops) -> None:
    """Internal links as explicit destinations: the parts' named destinations do not survive merging.

    The annotations stay where WeasyPrint put them, so a tagged Link element's reference to its annotation (and
    the annotation's parent-tree key) stays true."""
    pages = [page.obj for page in pdf.pages]  # (once: pdf.pages[n] makes a new Page each time)
    for part, start in placed:
        for number in range(len(part.heights)):
            for annotation in pages[start + number].get("/Annots", []):
                name = annotation.get("/Dest")
                if not isinstance(name, pikepdf.String):
                    continue
                if str(name) not in anchors:  # a target left out of this edition: an inert link, as plain text
                    del annotation.Dest
                    continue
                target_page, x, y = anchors[str(name)]
                annotation.Dest = pikepdf.Array([pages[target_page], pikepdf.Name.XYZ, x * PX,
                                                 tops[target_page] - y * PX, 0])


def _rebuild_outline(pdf, placed, tops) -> None:
    """The bookmarks of every part, nested by level, in page order."""
    with pdf.open_outline() as outline:
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for part, start in placed:
            for number, level, label, y in part.bookmarks:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                item = pikepdf.OutlineItem(label, start + number, pikepdf.PageLocation.XYZ, left=0,
                                           top=tops[start + number] - y * PX, zoom=0)
                (stack[-1][1].children if stack else outline.root).append(item)
                stack.append((level, item))
