"""PDF → saddle-stitch booklet: two pages side by side per sheet side, in folding order."""
from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation


def booklet_order(page_count: int) -> list[tuple[int | None, int | None]]:
    """(left, right) 0-based page indexes for each printed side; None is a blank pad page."""
    padded = -(-page_count // 4) * 4
    pages = [i if i < page_count else None for i in range(padded)]
    sides = []
    for s in range(padded // 2):
        outer, inner = pages[padded - 1 - s], pages[s]
        sides.append((outer, inner) if s % 2 == 0 else (inner, outer))
    return sides


def impose_booklet(pdf: bytes) -> tuple[bytes, int]:
    """(the imposed PDF, number of sheets): print duplex (flip on short edge), fold, staple."""
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    writer = PdfWriter()
    sides = booklet_order(len(reader.pages))
    for left, right in sides:
        side = PageObject.create_blank_page(width=2 * width, height=height)
        for index, offset in ((left, 0), (right, width)):
            if index is not None:
                side.merge_transformed_page(reader.pages[index], Transformation().translate(offset, 0))
        writer.add_page(side)
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(sides) // 2
