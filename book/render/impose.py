"""PDF → saddle-stitch booklet: two pages side by side per sheet side, in folding order."""
from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter

from .overlay import draw_over, page_as_form


A4_LANDSCAPE = (841.8898, 595.2756)


def booklet_order(page_count: int, back_cover: bool = False) -> list[tuple[int | None, int | None]]:
    """(left, right) 0-based page indexes for each printed side; None is a blank pad page.

    With `back_cover`, the pads go before the last page so it stays on the outside of the fold.
    """
    padded = -(-page_count // 4) * 4
    pages: list[int | None] = list(range(page_count))
    pads = [None] * (padded - page_count)
    pages = pages[:-1] + pads + pages[-1:] if back_cover else pages + pads
    sides = []
    for s in range(padded // 2):
        outer, inner = pages[padded - 1 - s], pages[s]
        sides.append((outer, inner) if s % 2 == 0 else (inner, outer))
    return sides


def impose_booklet(pdf: bytes, back_cover: bool = False) -> tuple[bytes, int]:
    """(the imposed PDF, number of sheets): print duplex (flip on short edge), fold, staple."""
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    # Two A5 pages go on an A4 landscape sheet (297 mm, not 2 × 148 mm): centre the spread on it.
    sheet_width, sheet_height = (A4_LANDSCAPE if 2 * width <= A4_LANDSCAPE[0] + 1 and height <= A4_LANDSCAPE[1] + 1
                                 else (2 * width, height))
    x0, y0 = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    writer = PdfWriter()
    forms = [page_as_form(writer, page) for page in reader.pages]
    sides = booklet_order(len(reader.pages), back_cover)
    for left, right in sides:
        side = writer.add_page(PageObject.create_blank_page(width=sheet_width, height=sheet_height))
        placed = [(index, offset) for index, offset in ((left, x0), (right, x0 + width)) if index is not None]
        drawing = "".join(f"q 1 0 0 1 {offset:.4f} {y0:.4f} cm /P{index} Do Q\n" for index, offset in placed)
        draw_over(writer, side, drawing.encode(), {f"P{index}": forms[index] for index, _ in placed})
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(sides) // 2
