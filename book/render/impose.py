"""PDF → saddle-stitch booklet: two pages side by side per sheet side, in folding order."""
from __future__ import annotations

import io

import pikepdf

from .pdf_update import UpdatablePdf

A4_LANDSCAPE = (841.8898, 595.2756)


def booklet_order(page_count: int, back_cover: bool = False,
                  right_to_left: bool = False) -> list[tuple[int | None, int | None]]:
    """(left, right) 0-based page indexes for each printed side; None is a blank pad page.

    With `back_cover`, the pads go before the last page so it stays on the outside of the fold. A
    right-to-left booklet is bound on its right edge: every side is the mirror image of a left-to-right one.
    """
    return [tuple(None if i is not None and i < 0 else i for i in side)
            for side in _sides(page_count, back_cover, right_to_left)]


def _sides(page_count: int, back_cover: bool, right_to_left: bool) -> list[tuple[int, int]]:
    """booklet_order's sides with the pads numbered -1, -2, ... in reading order."""
    padded = -(-page_count // 4) * 4
    pages: list[int] = list(range(page_count))
    pads = [-(n + 1) for n in range(padded - page_count)]
    pages = pages[:-1] + pads + pages[-1:] if back_cover else pages + pads
    sides = []
    for s in range(padded // 2):
        outer, inner = pages[padded - 1 - s], pages[s]
        sides.append((outer, inner) if (s % 2 == 0) != right_to_left else (inner, outer))
    return sides


def _placement(index: int, x: float, y: float) -> bytes:
    return f"q 1 0 0 1 {x:.4f} {y:.4f} cm /Page{index + 1} Do Q\n".encode()


def impose_booklet(pdf: bytes, back_cover: bool = False, right_to_left: bool = False,
                   pad_page: bytes | None = None) -> tuple[bytes, int]:
    """(the imposed PDF, number of sheets): print duplex (flip on short edge), fold, staple.

    `pad_page`, a one-page PDF of the pages' size (a "Notes" page), is printed on the pad pages; with a back cover
    the last pad, the inside of the back cover, stays blank.

    Each side gets exactly one content stream drawing its two pages as Form XObjects: pikepdf's overlay
    helpers leave empty streams marked FlateDecode on fresh pages, which Ghostscript and mutool report as
    broken. The booklet keeps the source's title, language and document info, and its outline points at the
    side (and the place on it) where each heading is printed. It is not tagged: a sheet side holds two pages
    out of reading order, so a structure tree would describe the folded brochure, not this file.
    """
    source = pikepdf.open(io.BytesIO(pdf))
    width, height = (float(v) for v in source.pages[0].mediabox[2:])
    # Two A5 pages go on an A4 landscape sheet (297 mm, not 2 × 148 mm): centre the spread on it.
    sheet_width, sheet_height = (A4_LANDSCAPE if 2 * width <= A4_LANDSCAPE[0] + 1 and height <= A4_LANDSCAPE[1] + 1
                                 else (2 * width, height))
    x0, y0 = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    booklet = pikepdf.new()
    sides = _sides(len(source.pages), back_cover, right_to_left)
    pads = -(-len(source.pages) // 4) * 4 - len(source.pages)
    noted = set(range(-1, -pads - (0 if back_cover else 1), -1))  # -1 … -(pads - 1), or … -pads
    pad = pikepdf.open(io.BytesIO(pad_page)) if pad_page else None  # open until the form is copied
    notes = booklet.copy_foreign(pad.pages[0].as_form_xobject()) if pad else None
    where: dict[int, tuple[int, float, float]] = {}  # source page index → (side index, x offset, y offset)
    for side_index, (left, right) in enumerate(sides):
        xobjects, drawing = pikepdf.Dictionary(), b""
        for index, x in ((left, x0), (right, x0 + width)):
            if index < 0:
                if notes is not None and index in noted:
                    xobjects["/Notes"] = notes
                    drawing += f"q 1 0 0 1 {x:.4f} {y0:.4f} cm /Notes Do Q\n".encode()
                continue
            form = booklet.copy_foreign(source.pages[index].as_form_xobject())
            xobjects[f"/Page{index + 1}"] = form
            drawing += _placement(index, x, y0)
            where[index] = (side_index, x, y0)
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=pikepdf.Array([0, 0, sheet_width, sheet_height]),
            Resources=pikepdf.Dictionary(XObject=xobjects), Contents=booklet.make_stream(drawing))
        booklet.pages.append(pikepdf.Page(page))
    _copy_document_info(source, booklet)
    _copy_outline(source, booklet, where)
    out = io.BytesIO()
    booklet.save(out, deterministic_id=True, fix_metadata_version=False, min_version="1.7")
    return out.getvalue(), len(sides) // 2


def _copy_document_info(source: pikepdf.Pdf, booklet: pikepdf.Pdf) -> None:
    """Title, author, dates, language and 'show the title' from the source."""
    for key, value in source.docinfo.items():
        booklet.docinfo[key] = value
    if "/Lang" in source.Root:
        booklet.Root.Lang = source.Root.Lang
    booklet.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    with booklet.open_metadata(set_pikepdf_as_editor=False) as meta:
        if "/Title" in source.docinfo:
            meta["dc:title"] = str(source.docinfo.Title)
        if "/Lang" in source.Root:
            meta["dc:language"] = [str(source.Root.Lang)]


def _copy_outline(source: pikepdf.Pdf, booklet: pikepdf.Pdf, where: dict) -> None:
    """The source's bookmarks, each pointing at the booklet side and spot where its page was placed."""
    page_index = {page.objgen: i for i, page in enumerate(source.pages)}

    def target(item):
        dest = item.destination
        if isinstance(dest, (str, pikepdf.String)):
            dest = _named_destination(source, str(dest))
        if not isinstance(dest, pikepdf.Array) or len(dest) < 1 or page_index.get(dest[0].objgen) not in where:
            return None
        side, dx, dy = where[page_index[dest[0].objgen]]
        x = float(dest[2]) + dx if len(dest) > 2 and dest[2] is not None else dx
        y = float(dest[3]) + dy if len(dest) > 3 and dest[3] is not None else dy + float(booklet.pages[side].mediabox[3])
        return pikepdf.Array([booklet.pages[side].obj, pikepdf.Name.XYZ, x, y, 0])

    def copy(items):
        copies = []
        for item in items:
            dest = target(item)
            new = pikepdf.OutlineItem(item.title, destination=dest) if dest is not None else pikepdf.OutlineItem(item.title)
            new.children.extend(copy(item.children))
            copies.append(new)
        return copies

    with source.open_outline() as outline:
        items = copy(outline.root)
    with booklet.open_outline() as outline:
        outline.root.extend(items)


def _named_destination(pdf: pikepdf.Pdf, name: str):
    names = pikepdf.NameTree(pdf.Root.Names.Dests) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}
    dest = names.get(name) if names else None
    return dest.D if isinstance(dest, pikepdf.Dictionary) else dest


class BookletPageSwapper:
    """A booklet (imposed by impose_booklet) opened once, whose source page `page_number` (1-based) is drawn
    from another page for each clinic in turn: a clinic's booklet made from the shared one by changing only
    its back cover, not by imposing it again (`swap(page)` gives that clinic's file). As with a brochure
    (book/render/backcover.py), the back cover is emptied first, and each clinic's file is that blank booklet
    plus an update holding the clinic's back cover (book/render/pdf_update.py)."""

    def __init__(self, booklet: bytes, page_number: int):
        document = pikepdf.open(io.BytesIO(booklet))
        name = pikepdf.Name(f"/Page{page_number}")
        sides = [side for side in document.pages if name in side.obj.Resources.XObject]
        for side in sides:
            drawn = side.obj.Resources.XObject[name]
            side.obj.Resources.XObject[name] = document.make_stream(
                b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=drawn.BBox)
        blank = io.BytesIO()
        # the streams are compressed already: decoding and compressing them again is most of a save's time
        document.save(blank, deterministic_id=True, fix_metadata_version=False, min_version="1.7",
                      stream_decode_level=pikepdf.StreamDecodeLevel.none)
        self.blank, self.name = UpdatablePdf(blank.getvalue()), name
        self.sides = [side for side in self.blank.pdf.pages if name in side.obj.Resources.XObject]

    def swap(self, page: pikepdf.Page) -> bytes:
        drawing = self.blank.pdf.copy_foreign(page.as_form_xobject())
        changed = []
        for side in self.sides:
            side.obj.Resources.XObject[self.name] = drawing
            changed += [side.obj, side.obj.Resources, side.obj.Resources.XObject]  # the indirect ones are kept
        return self.blank.updated(changed)
