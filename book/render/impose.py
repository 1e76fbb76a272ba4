"""PDF → saddle-stitch booklet: two pages side by side per sheet side, in folding order."""
from __future__ import annotations

import io

import pikepdf

from .overlay import draw_page


A4_LANDSCAPE = (841.8898, 595.2756)


def booklet_order(page_count: int, back_cover: bool = False,
                  right_to_left: bool = False) -> list[tuple[int | None, int | None]]:
    """(left, right) 0-based page indexes for each printed side; None is a blank pad page.

    With `back_cover`, the pads go before the last page so it stays on the outside of the fold. A
    right-to-left booklet is bound on its right edge: every side is the mirror image of a left-to-right one.
    """
    padded = -(-page_count // 4) * 4
    pages: list[int | None] = list(range(page_count))
    pads = [None] * (padded - page_count)
    pages = pages[:-1] + pads + pages[-1:] if back_cover else pages + pads
    sides = []
    for s in range(padded // 2):
        outer, inner = pages[padded - 1 - s], pages[s]
        sides.append((outer, inner) if (s % 2 == 0) != right_to_left else (inner, outer))
    return sides


def impose_booklet(pdf: bytes, back_cover: bool = False, right_to_left: bool = False) -> tuple[bytes, int]:
    """(the imposed PDF, number of sheets): print duplex (flip on short edge), fold, staple."""
    source = pikepdf.open(io.BytesIO(pdf))
    width, height = (float(v) for v in source.pages[0].mediabox[2:])
    # Two A5 pages go on an A4 landscape sheet (297 mm, not 2 × 148 mm): centre the spread on it.
    sheet_width, sheet_height = (A4_LANDSCAPE if 2 * width <= A4_LANDSCAPE[0] + 1 and height <= A4_LANDSCAPE[1] + 1
                                 else (2 * width, height))
    x0, y0 = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    booklet = pikepdf.new()
    sides = booklet_order(len(source.pages), back_cover, right_to_left)
    for left, right in sides:
        side = booklet.add_blank_page(page_size=(sheet_width, sheet_height))
        for index, x in ((left, x0), (right, x0 + width)):
            if index is not None:
                draw_page(side, source.pages[index], f"Page{index + 1}", pikepdf.Rectangle(x, y0, x + width, y0 + height))
    for key, value in source.docinfo.items():
        booklet.docinfo[key] = value
    out = io.BytesIO()
    booklet.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue(), len(sides) // 2
